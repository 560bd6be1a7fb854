"""The transport of the async clients the SDK builds itself: httpcore's connection pool (what httpx's own
transport uses) over asyncio's transports, instead of over anyio streams.

Under asyncio, httpcore reaches the socket through anyio: a cancel scope around every read and write, a
dict of extra-info callables built for every keep-alive check. On a 50-recipient request that is a third of
the client's HTTP work (the bench's campaign). Here each connection is an `asyncio.Protocol` that keeps what
arrives in a buffer: a read takes it (waiting with a timer only when nothing has arrived yet), a write
hands bytes to the transport (waiting only while asyncio's write buffer is full), and "is the idle
connection readable" (has the server closed it?) is a look at that buffer.

Everything else is httpcore's and httpx's: HTTP/1.1 (h11), the pool, keep-alive expiry, TLS through the
same `ssl.SSLContext`, and the same exceptions (httpcore's, mapped to httpx's as `httpx.AsyncHTTPTransport`
maps them). Under any other async runtime (trio), the pool's network calls go to httpcore's own backend.
A client given its own ``http_client`` uses that client as it is.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx
import sniffio

__all__ = ["AsyncTransport", "AsyncioBackend", "AsyncioStream", "under_asyncio"]

#: Reading is paused while this much has arrived unread (a reply is read to 1 MiB at most anyway).
_HIGH_WATER = 1 << 18
#: Seconds before the next address of a host is tried while the previous one is still connecting (anyio's).
_HAPPY_EYEBALLS_DELAY = 0.25


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
    async def wait(self, timeout: float | None, timeout_error: type[Exception]) -> None:
        """Until something arrives, the end of the stream, an error, or room to write; `timeout_error`
        after `timeout` seconds. A cancellation (a deadline of the caller) goes through as it is."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        except TimeoutError as exc:
            raise timeout_error(exc) from None
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("timed out"))


class AsyncioStream(httpcore.AsyncNetworkStream):
    """httpcore's view of one connection (what its anyio stream offers, over an asyncio transport)."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        conn = self._connection
        while not conn.buffer:
            if conn.eof:
                if conn.error is not None:
                    raise httpcore.ReadError(str(conn.error) or type(conn.error).__name__)
                return b""
            await conn.wait(timeout, httpcore.ReadTimeout)
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
            raise httpcore.WriteError(str(conn.error or "the connection is closed"))
        self._transport.write(buffer)
        while conn.write_paused:  # asyncio's write buffer is full: wait until it has room again
            await conn.wait(timeout, httpcore.WriteTimeout)
            if conn.error is not None:
                raise httpcore.WriteError(str(conn.error) or type(conn.error).__name__)

    async def aclose(self) -> None:
        await _close(self._transport)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
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
            raise httpcore.ConnectTimeout(str(exc) or "TLS handshake timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            await _close(self._transport)
            raise httpcore.ConnectError(str(exc)) from exc
        if tls is None:  # pragma: no cover - only when the transport closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(tls, asyncio.Transport)
        self._connection.transport = tls
        return AsyncioStream(tls, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle keep-alive connection the server has closed (or written to)
            conn = self._connection
            return conn.eof or bool(conn.buffer)
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


async def _close(transport: asyncio.Transport) -> None:
    """Close now, as anyio closes a stream: politely (what is buffered may still leave), one loop iteration
    later for certain (what is still buffered is dropped; a TLS transport does not wait for the peer's
    close_notify), and one more, in which asyncio closes the socket: it is closed when this returns."""
    transport.close()
    await asyncio.sleep(0)
    transport.abort()
    await asyncio.sleep(0)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections over asyncio under asyncio; httpcore's own backend under any other runtime."""

    def __init__(self) -> None:
        self._other: httpcore.AsyncNetworkBackend | None = None

    def _fallback(self) -> httpcore.AsyncNetworkBackend:
        if self._other is None:
            self._other = httpcore.AnyIOBackend()
        return self._other

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if not under_asyncio():
            return await self._fallback().connect_tcp(host, port, timeout, local_address, socket_options)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_connection(
                    _Connection,
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    # As anyio connects (RFC 8305): a host's next address is tried 250 ms after the previous
                    # one, not after its whole connect timeout (an IPv6 route that drops packets).
                    happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "connect timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        assert isinstance(transport, asyncio.Transport)
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, connection)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - the SDK's clients connect over TCP only
        return await self._fallback().connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        if under_asyncio():
            await asyncio.sleep(seconds)
        else:
            await self._fallback().sleep(seconds)


def under_asyncio() -> bool:
    """Whether the running async code runs under asyncio (not trio)."""
    try:
        return sniffio.current_async_library() == "asyncio"
    except sniffio.AsyncLibraryNotFoundError:  # pragma: no cover - always called from a running loop
        return False


_EXCEPTIONS: list[tuple[type[Exception], type[httpx.TransportError]]] = [
    # Most specific first: the first match wins (as httpx maps them).
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
]


#: Every exception httpcore raises of its own (each is one of the classes mapped above).
_CORE_ERRORS = tuple(source for source, _ in _EXCEPTIONS)


def _mapped(exc: Exception) -> httpx.TransportError:
    """httpcore's exception as httpx's: the same class httpx's own transport raises for it."""
    for source, target in _EXCEPTIONS:
        if isinstance(exc, source):
            return target(str(exc))
    raise AssertionError(f"not an httpcore exception: {type(exc).__name__}")  # pragma: no cover


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterator[bytes] | Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except _CORE_ERRORS as exc:
            raise _mapped(exc) from exc

    async def aclose(self) -> None:
        if hasattr(self._stream, "aclose"):
            try:
                await self._stream.aclose()
            except _CORE_ERRORS as exc:
                raise _mapped(exc) from exc


class AsyncTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncHTTPTransport` without proxies, HTTP/2 or a Unix socket (the SDK builds its own client
    without them, see `smsgate._base_client._dispatchable`), over `AsyncioBackend`; httpx's default limits."""

    def __init__(self, *, verify: ssl.SSLContext) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verify,
            max_connections=100,  # httpx's default limits
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=AsyncioBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,  # (an httpx stream: an async iterable of bytes)
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
        except _CORE_ERRORS as exc:
            raise _mapped(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
