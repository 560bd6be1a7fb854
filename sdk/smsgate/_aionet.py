"""The transport of the async clients the SDK builds itself: HTTP/1.1 (h11, as httpcore speaks it) over
asyncio's own transports, with a keep-alive pool of its own, under asyncio; httpx's own transport under any
other async runtime (trio).

Under asyncio, httpx's transport reaches the socket through httpcore and anyio: a cancel scope around every
read and write, anyio's locks and events (each taken lock one more pass of the event loop, for fairness) and
cancellation shields around the pool's bookkeeping — on the bench's campaign (50 recipients a request, four
at once) more than half the client's HTTP work. Here each connection is an `asyncio.Protocol` that keeps what
arrives in a buffer: a read takes it (waiting with a timer only when nothing has arrived yet), a write hands
bytes to the transport (waiting only while asyncio's write buffer is full), and "has the server closed this
idle connection" is a look at that buffer. A request and its reply go through h11's state machine, as in
httpcore's HTTP/1.1 connection, and every decision httpcore makes is made the same way: a write the server
cut short is not yet an error (its early answer is read); a server that closes before replying is
`RemoteProtocolError` ("Server disconnected without sending a response."); a connection is reused only when
both sides finished their message and the server did not ask to close; an idle connection is dropped after
five seconds or when the server closed it. httpx's default limits, counted a little more simply: at most
100 connections in use (the next request waits, `PoolTimeout` past the pool timeout), 20 more kept idle.
TLS goes through the same `ssl.SSLContext` (ALPN "http/1.1"), and the exceptions are httpx's own, of the
classes httpx's transport raises for the same failure.

A client given its own ``http_client`` uses that client as it is; the SDK never builds this transport when
environment proxies apply (`smsgate._base_client._dispatchable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import h11
import httpx
import sniffio

__all__ = ["AsyncTransport", "AsyncioStream", "connect", "under_asyncio"]

#: Reading is paused while this much has arrived unread (a reply is read to 1 MiB at most anyway).
_HIGH_WATER = 1 << 18
#: Seconds before the next address of a host is tried while the previous one is still connecting (anyio's).
_HAPPY_EYEBALLS_DELAY = 0.25
#: httpcore's: bytes asked of a read, and the longest reply head h11 waits for before calling it an error.
_READ_SIZE = 64 * 1024
_MAX_INCOMPLETE_EVENT_SIZE = 100 * 1024
#: httpx's default limits (`httpx.Limits()`): connections at once, kept idle, and seconds an idle one is kept.
_MAX_CONNECTIONS = 100
_MAX_KEEPALIVE = 20
_KEEPALIVE_EXPIRY = 5.0

#: The clients' log (DEBUG): here, each connection opened and closed (what httpcore's debug log says of them).
log = logging.getLogger("smsgate.http")


class _Connection(asyncio.Protocol):
    """One connection's incoming bytes, end of stream and error, and whoever waits for them."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.read_paused = False
        self.write_paused = False

    # -- asyncio's callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close the transport: HTTP/1.1 has nothing to send after the server's end

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None:
            self.error = exc
        self.write_paused = False
        self._wake()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- what the stream waits for
    async def wait(self, timeout: float | None, timeout_error: type[httpx.TimeoutException]) -> None:
        """Until something arrives, the end of the stream, an error, or room to write; `timeout_error`
        after `timeout` seconds. A cancellation (a deadline of the caller) goes through as it is."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        except TimeoutError as exc:
            raise timeout_error(str(exc)) from None
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("timed out"))


class AsyncioStream:
    """One connection as a stream of bytes (what httpcore's anyio stream offers, over an asyncio transport)."""

    __slots__ = ("_connection", "_transport")

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        conn = self._connection
        while not conn.buffer:
            if conn.eof:
                if conn.error is not None:
                    raise httpx.ReadError(str(conn.error) or type(conn.error).__name__)
                return b""
            await conn.wait(timeout, httpx.ReadTimeout)
        buffer = conn.buffer
        if len(buffer) <= max_bytes:
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:max_bytes])
            del buffer[:max_bytes]
        if conn.read_paused and len(buffer) <= _HIGH_WATER // 4 and not self._transport.is_closing():
            conn.read_paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        conn = self._connection
        if conn.error is not None or self._transport.is_closing():
            raise httpx.WriteError(str(conn.error or "the connection is closed"))
        self._transport.write(buffer)
        while conn.write_paused:  # asyncio's write buffer is full: wait until it has room again
            await conn.wait(timeout, httpx.WriteTimeout)
            if conn.error is not None:
                raise httpx.WriteError(str(conn.error) or type(conn.error).__name__)

    @property
    def idle_and_intact(self) -> bool:
        """Whether an idle keep-alive connection can carry a request: the server has neither closed it nor
        written to it (anything it sent unasked means it is not in the state we think)."""
        conn = self._connection
        return not (conn.eof or conn.buffer or self._transport.is_closing())

    async def aclose(self) -> None:
        await _close(self._transport)

    def abort(self) -> None:
        """Close at once, dropping what is unsent; the socket is closed in the next pass of the event loop."""
        self._transport.abort()

    def shut_down(self) -> None:
        """End the connection of a transport whose event loop is gone (asyncio can no longer close it): the
        server sees it closed; the descriptor is released with the transport."""
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        try:
            tls = await loop.start_tls(
                self._transport,
                self._connection,
                ssl_context,
                server_hostname=server_hostname,
                ssl_handshake_timeout=timeout,
            )
        except TimeoutError as exc:
            await _close(self._transport)
            raise httpx.ConnectTimeout(str(exc) or "TLS handshake timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            await _close(self._transport)
            raise httpx.ConnectError(str(exc)) from exc
        if tls is None:  # pragma: no cover - only when the transport closed during the handshake
            raise httpx.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(tls, asyncio.Transport)
        self._connection.transport = tls
        return AsyncioStream(tls, self._connection)


async def connect(host: str, port: int, timeout: float | None = None) -> AsyncioStream:
    """A TCP connection to `host`, as anyio (httpcore's backend) connects: `ConnectTimeout` after `timeout`
    seconds, `ConnectError` when it is refused or the name does not resolve."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            transport, connection = await loop.create_connection(
                _Connection,
                host,
                port,
                # As anyio connects (RFC 8305): a host's next address is tried 250 ms after the previous one,
                # not after its whole connect timeout (an IPv6 route that drops packets).
                happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY,
            )
    except TimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timed out") from exc
    except OSError as exc:
        raise httpx.ConnectError(str(exc)) from exc
    assert isinstance(transport, asyncio.Transport)
    return AsyncioStream(transport, connection)


async def _close(transport: asyncio.Transport) -> None:
    """Close now, as anyio closes a stream: politely (what is buffered may still leave), one loop iteration
    later for certain (what is still buffered is dropped; a TLS transport does not wait for the peer's
    close_notify), and one more, in which asyncio closes the socket: it is closed when this returns."""
    transport.close()
    await asyncio.sleep(0)
    transport.abort()
    await asyncio.sleep(0)


def under_asyncio() -> bool:
    """Whether the running async code runs under asyncio (not trio)."""
    try:
        return sniffio.current_async_library() == "asyncio"
    except sniffio.AsyncLibraryNotFoundError:  # pragma: no cover - always called from a running loop
        return False


_Origin = tuple[bytes, bytes, int]
_DEFAULT_PORTS = {b"http": 80, b"https": 443}


class _Exchange:
    """One HTTP/1.1 connection of the pool: its stream, h11's state of it, where it leads, until when idle."""

    __slots__ = ("expires", "loop", "origin", "state", "stream")

    def __init__(self, stream: AsyncioStream, origin: _Origin) -> None:
        self.stream = stream
        self.origin = origin
        #: The event loop whose transport this is (a client kept across `asyncio.run` calls meets others).
        self.loop = asyncio.get_running_loop()
        self.state = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_INCOMPLETE_EVENT_SIZE)
        #: `time.monotonic()` past which this connection, idle, is not reused (keep-alive expiry).
        self.expires = 0.0

    async def send(self, request: httpx.Request, timeouts: dict[str, float | None]) -> h11.Response:
        """Send the request and read the reply's head, as httpcore's HTTP/1.1 connection does: a write the
        server cut short is not an error yet (it may have answered before closing: that answer is read)."""
        state = self.state
        body = request.stream
        assert isinstance(body, AsyncIterable)
        # h11's refusal of what we would send (a header it does not allow) is httpx's, as httpcore maps it.
        try:
            data = state.send(
                h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw)
            )
            assert data is not None
            async for chunk in body:
                if chunk:
                    data += state.send(h11.Data(data=chunk)) or b""
            data += state.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        with contextlib.suppress(httpx.WriteError):
            await self.stream.write(data, timeouts.get("write"))
        read_timeout = timeouts.get("read")
        while True:
            event = await self.next_event(read_timeout)
            if type(event) is h11.Response:
                return event
            # An informational (1xx) head: the reply's own follows, as httpcore reads it.

    async def next_event(self, timeout: float | None) -> Any:
        """h11's next event of the reply, reading as much as it needs; a reply h11 refuses is httpx's
        `RemoteProtocolError`, as httpcore maps it."""
        state = self.state
        while True:
            try:
                event = state.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            data = await self.stream.read(_READ_SIZE, timeout)
            if not data and state.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            state.receive_data(data)

    @property
    def reusable(self) -> bool:
        """Both sides finished their message and nobody asked to close: the connection can carry another."""
        state = self.state
        return state.our_state is h11.DONE and state.their_state is h11.DONE


class _Body(httpx.AsyncByteStream):
    """A reply's body as it arrives; closing it gives the connection back to the pool (or closes it)."""

    __slots__ = ("_exchange", "_pool", "_timeout")

    def __init__(self, pool: AsyncTransport, exchange: _Exchange, timeout: float | None) -> None:
        self._pool = pool
        self._exchange: _Exchange | None = exchange
        self._timeout = timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        exchange = self._exchange
        if exchange is None:
            raise httpx.StreamClosed()
        while True:
            event = await exchange.next_event(self._timeout)
            if type(event) is h11.Data:
                yield bytes(event.data)
            elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                return

    async def aclose(self) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            self._pool._done(exchange)


class AsyncTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncHTTPTransport` without proxies, HTTP/2 or a Unix socket (the SDK builds its own client
    without them, see `smsgate._base_client._dispatchable`): under asyncio, HTTP/1.1 over asyncio's
    transports with a pool of its own (this module's docstring); under trio, httpx's own transport."""

    def __init__(self, *, verify: ssl.SSLContext) -> None:
        verify.set_alpn_protocols(["http/1.1"])  # (as httpcore sets it on the context it is given)
        self._ssl_context = verify
        self._idle: list[_Exchange] = []
        self._open: set[_Exchange] = set()
        self._slots = asyncio.Semaphore(_MAX_CONNECTIONS)
        self._other: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not under_asyncio():
            if self._other is None:
                self._other = httpx.AsyncHTTPTransport(verify=self._ssl_context)
            return await self._other.handle_async_request(request)
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        url = request.url
        origin = (url.raw_scheme, url.raw_host, url.port or _DEFAULT_PORTS.get(url.raw_scheme, 0))
        await self._take_slot(timeouts.get("pool"))
        try:
            exchange = self._idle_exchange(origin) or await self._connect(request, origin, timeouts.get("connect"))
        except BaseException:
            self._slots.release()
            raise
        try:
            head = await exchange.send(request, timeouts)
        except BaseException:
            self._drop(exchange)
            raise
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, exchange, timeouts.get("read")),
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )

    async def _take_slot(self, timeout: float | None) -> None:
        slots = self._slots
        if not slots.locked():
            await slots.acquire()  # (returns at once: no pass of the event loop)
            return
        try:
            async with asyncio.timeout(timeout):
                await slots.acquire()
        except TimeoutError as exc:
            raise httpx.PoolTimeout("no connection of the pool became free in time") from exc

    def _idle_exchange(self, origin: _Origin) -> _Exchange | None:
        """The most recently used idle connection to `origin` that can carry a request; those expired or
        closed by the server on the way are closed."""
        idle = self._idle
        now = time.monotonic()
        loop = asyncio.get_running_loop()
        for index in range(len(idle) - 1, -1, -1):
            exchange = idle[index]
            if exchange.expires < now or exchange.loop is not loop or not exchange.stream.idle_and_intact:
                del idle[index]
                self._close(exchange)
            elif exchange.origin == origin:
                del idle[index]
                return exchange
        return None

    async def _connect(self, request: httpx.Request, origin: _Origin, timeout: float | None) -> _Exchange:
        scheme, raw_host, port = origin
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme.decode()}://'.")
        host = raw_host.decode("ascii")
        stream = await connect(host, port, timeout)
        if scheme == b"https":
            sni = request.extensions.get("sni_hostname")
            try:
                stream = await stream.start_tls(self._ssl_context, server_hostname=sni or host, timeout=timeout)
            except BaseException:  # (a cancellation during the handshake: the connection is not left open)
                stream.abort()
                raise
        exchange = _Exchange(stream, origin)
        self._open.add(exchange)
        log.debug("connection %x to %s:%d opened", id(exchange), host, port)
        return exchange

    def _done(self, exchange: _Exchange) -> None:
        """A reply was read or given up: keep the connection idle if it can carry another, else close it."""
        if exchange.reusable and exchange in self._open and len(self._idle) < _MAX_KEEPALIVE:
            exchange.state.start_next_cycle()
            exchange.expires = time.monotonic() + _KEEPALIVE_EXPIRY
            self._idle.append(exchange)
            self._slots.release()
        else:
            self._drop(exchange)

    def _drop(self, exchange: _Exchange) -> None:
        """Close a connection in use (its exchange failed, or it cannot be reused) and free its slot."""
        if exchange in self._open:
            self._close(exchange)
            self._slots.release()

    def _close(self, exchange: _Exchange) -> None:
        self._open.discard(exchange)
        if exchange.loop.is_closed():  # (an earlier `asyncio.run`'s: its transport can no longer be closed)
            exchange.stream.shut_down()
        else:
            exchange.stream.abort()
        log.debug("connection %x closed", id(exchange))

    async def aclose(self) -> None:
        if self._open:
            for exchange in list(self._open):
                self._close(exchange)
            self._idle.clear()
            await asyncio.sleep(0)  # (asyncio closes the sockets in this pass: they are closed on return)
        if self._other is not None:
            await self._other.aclose()
