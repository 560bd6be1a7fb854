"""The async clients the SDK builds itself reach the provider over HTTP/1.1 (h11) on asyncio's own transports
with a pool of their own (smsgate._aionet), not through httpcore and anyio. A user must see no difference,
over real loopback sockets:

* every fault of the emulator ends in the same SDK error, with the same "may have reached", and the provider
  sees the same requests, as through httpx's own transport (a client given ``http_client=httpx.AsyncClient()``);
* keep-alive: one connection for many calls; a connection the server closed while idle, one past its
  keep-alive expiry, and one whose reply said "Connection: close" are not used again (a send would otherwise
  be reported as "may have reached"); a call given up mid-reply leaves its connection to nobody;
* the connection limit: calls beyond it wait for a free connection and fail as not sent past the pool
  timeout, as through httpx's transport with the same limit;
* however a server frames its reply (chunked, with a trailer, ended by close, HTTP/1.0, after a 1xx head, a
  long head in parts) or breaks the framing, calls end as through httpx's own transport, on as many
  connections;
* a reply larger than the read buffer's high-water mark arrives whole; TLS; trio still works (httpx's own
  transport).
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
from collections.abc import Awaitable, Iterator
from typing import Any

import httpx
import pytest

import smsgate
from smsgate import _aionet, _fast

from .conftest import LOGIN, PASSWORD
from .loopback import BALANCE_XML, LoopbackServer, answer, free_port, keep_answering

TIMEOUT = httpx.Timeout(0.4, connect=2.0)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many reads went through the asyncio stream (so a test knows which path it exercised)."""
    seen: list[int] = []
    original = _aionet.AsyncioStream.read

    async def read(self: _aionet.AsyncioStream, max_bytes: int, timeout: float | None = None) -> bytes:
        seen.append(max_bytes)
        return await original(self, max_bytes, timeout)

    monkeypatch.setattr(_aionet.AsyncioStream, "read", read)
    return seen


def _client(base_url: str, side: str, **kwargs: Any) -> smsgate.AsyncLetsAds:
    http_client = httpx.AsyncClient(timeout=TIMEOUT) if side == "httpx" else None
    return smsgate.AsyncLetsAds(
        login=LOGIN, password=PASSWORD, base_url=base_url, timeout=TIMEOUT, http_client=http_client, **kwargs
    )


FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("reset", {"before_handler": True}),
    ("reset", {"before_handler": False}),
    ("timeout", {"delay": 1.5}),
    ("timeout", {"delay": 1.5, "before_handler": True}),
    ("truncate", {"bytes": 40}),
    ("truncate", {"bytes": 40, "declare_full_length": True}),
    ("status", {"status": 503}),
    ("empty", {}),
    ("malformed", {"body": "<html>busy</html>"}),
    ("hold", {"delay": 0.05}),
]


async def _end(call: Awaitable[object]) -> tuple[str, bool | None, str]:
    """How a call ended: "ok", or the error, whether it may have reached the provider, and the httpx exception
    its text names (the OS's own words after it may differ: anyio drops them, asyncio keeps them)."""
    try:
        await call
    except smsgate.SmsGateError as exc:
        named = re.search(r"\((\w+): ", str(exc))
        return type(exc).__name__, getattr(exc, "may_have_reached", None), named.group(1) if named else ""
    return "ok", None, ""


async def _close(client: smsgate.AsyncLetsAds) -> None:
    """Close the client, and the caller's httpx client it was given, if any."""
    await client.aclose()
    if client._owns_client is False:
        await client._client.aclose()


async def _outcome(client: smsgate.AsyncLetsAds, operation: str) -> tuple[str, bool | None, str]:
    call = client.send(["380501234567"], "hi", sender="Sender") if operation == "send" else client.balance()
    try:
        return await _end(call)
    finally:
        await _close(client)


@pytest.mark.parametrize("operation", ["send", "balance"])
@pytest.mark.parametrize(("kind", "params"), FAULTS, ids=[f"{k}-{'-'.join(map(str, p.values()))}" for k, p in FAULTS])
async def test_each_fault_ends_as_through_httpxs_own_transport(
    kind: str, params: dict[str, Any], operation: str, smsgate_emulator: Any, reads: list[int]
) -> None:
    ends: dict[str, tuple[tuple[str, bool | None, str], int]] = {}
    for side in ("sdk", "httpx"):
        smsgate_emulator.reset()
        smsgate_emulator.faults.inject("letsads", kind, **params)
        before = len(reads)
        end = await _outcome(_client(smsgate_emulator.base_url("letsads"), side, max_retries=0), operation)
        ends[side] = end, len(smsgate_emulator.letsads.messages)
        # The SDK's own client read through the asyncio stream; the caller's client never did.
        assert (len(reads) > before) is (side == "sdk")
    assert ends["sdk"] == ends["httpx"]
    assert ends["sdk"][0][0] != "ok" or kind == "hold"


async def test_a_refused_connection_ends_as_through_httpxs_own_transport() -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    ends = {side: await _outcome(_client(base_url, side, max_retries=0), "send") for side in ("sdk", "httpx")}
    assert ends["sdk"] == ends["httpx"]
    assert ends["sdk"][:2] == ("ConnectFailedError", False)


@pytest.fixture
def keeping() -> Iterator[LoopbackServer]:
    with LoopbackServer(keep_answering) as server:
        yield server


@pytest.fixture
def dropping() -> Iterator[LoopbackServer]:
    """Closes each connection right after its reply, without saying so ("Connection: close"): an idle
    keep-alive connection the server drops."""
    with LoopbackServer(answer) as server:
        yield server


async def test_keep_alive_one_connection_for_many_calls(keeping: LoopbackServer, reads: list[int]) -> None:
    client = _client(keeping.url, "sdk", max_retries=0)
    async with client:
        for _ in range(5):
            assert (await client.balance()).currency == "UAH"
    assert keeping.connections == 1
    assert reads


async def test_an_idle_connection_the_server_closed_is_replaced_not_used(
    dropping: LoopbackServer, reads: list[int]
) -> None:
    import asyncio

    client = _client(dropping.url, "sdk", max_retries=0)  # no retry could hide a failed attempt
    async with client:
        for _ in range(4):
            assert (await client.balance()).currency == "UAH"
            await asyncio.sleep(0.05)  # the server's close arrives while the connection is idle
    assert dropping.connections == 4
    assert reads


async def test_a_reply_beyond_the_read_buffers_high_water_mark_arrives_whole(reads: list[int]) -> None:
    padding = b"<!--" + b"x" * (3 * _aionet._HIGH_WATER) + b"-->"
    with LoopbackServer(lambda conn: answer(conn, padding + BALANCE_XML)) as server:
        client = _client(server.url, "sdk", max_retries=0)
        async with client:
            assert (await client.balance()).currency == "UAH"
    assert len(reads) > 1


async def test_a_host_whose_first_address_drops_packets_connects_through_the_next(
    keeping: LoopbackServer, monkeypatch: pytest.MonkeyPatch, reads: list[int]
) -> None:
    """A host name with two addresses, the first of which never answers (a listening socket whose accept
    queue is full: the kernel drops the SYN): the next address is tried 250 ms later, as anyio does, instead
    of after the whole connect timeout — which here would fail the call."""
    import asyncio

    blackhole = socket.create_server(("127.0.0.1", 0), backlog=0)
    filling: list[socket.socket] = []
    for _ in range(8):  # connections nobody accepts, until the queue is full and a SYN goes unanswered
        try:
            filling.append(socket.create_connection(blackhole.getsockname(), timeout=0.3))
        except TimeoutError:
            break
    live_port = int(keeping.url.rsplit(":", 1)[1])
    dead_port = blackhole.getsockname()[1]
    loop = asyncio.get_running_loop()

    async def getaddrinfo(host: Any, port: Any, **kwargs: Any) -> list[Any]:
        assert host == "sms.test"
        stream = socket.SOCK_STREAM
        return [
            (socket.AF_INET, stream, 6, "", ("127.0.0.1", dead_port)),
            (socket.AF_INET, stream, 6, "", ("127.0.0.1", live_port)),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    try:
        with socket.socket() as probe:  # the first address really drops the SYN: a plain connect times out
            probe.settimeout(0.3)
            with pytest.raises(TimeoutError):
                probe.connect(("127.0.0.1", dead_port))
        client = _client(f"http://sms.test:{live_port}", "sdk", max_retries=0)
        async with client:
            assert (await client.balance()).currency == "UAH"
    finally:
        for sock in filling:
            sock.close()
        blackhole.close()
    assert keeping.connections == 1
    assert reads


async def test_reading_pauses_while_unread_bytes_pile_up_and_resumes_as_they_are_read() -> None:
    import asyncio

    sent = bytes(range(256)) * (4 * _aionet._HIGH_WATER // 256)  # 1 MiB, four times the high-water mark
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(sent)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    stream = await _aionet.connect("127.0.0.1", listener.getsockname()[1], timeout=2.0)
    try:
        await asyncio.sleep(0.2)  # nobody reads: what arrives piles up until reading pauses
        connection = stream._connection
        assert connection.read_paused
        assert _aionet._HIGH_WATER < len(connection.buffer) < len(sent)
        received = bytearray()
        while chunk := await stream.read(65536, timeout=2.0):
            received += chunk
        assert received == sent
    finally:
        await stream.aclose()
        thread.join()
        listener.close()


async def test_writing_waits_while_the_peer_reads_nothing_and_times_out() -> None:
    """A write waits while asyncio's write buffer is full (the peer reads nothing) instead of buffering
    without bound, and gives up with httpx's WriteTimeout; once the peer reads, every byte arrives."""
    listener = socket.create_server(("127.0.0.1", 0))
    reading = threading.Event()
    received = bytearray()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            reading.wait(5.0)
            while chunk := conn.recv(1 << 16):
                received.extend(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    stream = await _aionet.connect("127.0.0.1", listener.getsockname()[1], timeout=2.0)
    payload = bytes(range(256)) * (64 * 1024)  # 16 MiB: more than the kernel's and asyncio's buffers hold
    try:
        with pytest.raises(httpx.WriteTimeout):
            await stream.write(payload, timeout=0.3)
    finally:
        reading.set()
        await stream.aclose()
        thread.join(5.0)  # the socket is closed when aclose returns: the peer reads to its end
        listener.close()
    assert not thread.is_alive()
    assert 0 < len(received) <= len(payload)  # what had been handed over still arrived, in order
    assert received == payload[: len(received)]


@pytest.fixture
def tls_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[LoopbackServer]:
    """An HTTPS server on 127.0.0.1 with a certificate of a test CA the process trusts (SSL_CERT_FILE, which
    the SDK's SSL context honours as httpx does)."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    _fast.shared_ssl_context.cache_clear()
    try:
        with LoopbackServer(keep_answering, tls=server_context) as server:
            yield server
    finally:
        _fast.shared_ssl_context.cache_clear()


async def test_https_through_the_asyncio_connections(tls_server: LoopbackServer, reads: list[int]) -> None:
    client = _client(tls_server.url, "sdk", max_retries=0)
    async with client:
        for _ in range(3):
            assert (await client.balance()).currency == "UAH"
    assert tls_server.connections == 1
    assert reads


async def test_an_untrusted_certificate_ends_as_through_httpxs_own_transport(
    tls_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # the system's CAs only: the test CA is not among them
    _fast.shared_ssl_context.cache_clear()
    ends = {side: await _outcome(_client(tls_server.url, side, max_retries=0), "send") for side in ("sdk", "httpx")}
    assert ends["sdk"] == ends["httpx"]
    assert ends["sdk"][:2] == ("ConnectFailedError", False)


def test_under_trio_httpxs_own_transport_carries_the_calls(smsgate_emulator: Any, reads: list[int]) -> None:
    trio = pytest.importorskip("trio")

    async def main() -> str | None:
        async with _client(smsgate_emulator.base_url("letsads"), "sdk") as client:
            return (await client.balance()).currency

    assert trio.run(main) == "UAH"
    assert reads == []


# -- the pool: keep-alive expiry, a reply that closes, the connection limit, a call given up --------------


async def test_an_idle_connection_past_its_keep_alive_expiry_is_replaced(
    keeping: LoopbackServer, monkeypatch: pytest.MonkeyPatch, reads: list[int]
) -> None:
    import asyncio

    monkeypatch.setattr(_aionet, "_KEEPALIVE_EXPIRY", 0.2)  # (httpx's five seconds, shortened)
    async with _client(keeping.url, "sdk", max_retries=0) as client:
        for _ in range(3):
            assert (await client.balance()).currency == "UAH"
        assert keeping.connections == 1
        await asyncio.sleep(0.3)
        assert (await client.balance()).currency == "UAH"
    assert keeping.connections == 2
    assert reads


def _closing(conn: socket.socket) -> bool:
    """A reply that says "Connection: close" — and a server that would still read the next request if the
    client wrongly sent one on the same connection."""
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s"
        % (len(BALANCE_XML), BALANCE_XML)
    )
    return True


async def test_a_reply_that_says_connection_close_ends_its_connection(reads: list[int]) -> None:
    with LoopbackServer(_closing) as server:
        async with _client(server.url, "sdk", max_retries=0) as client:
            for _ in range(3):
                assert (await client.balance()).currency == "UAH"
    assert server.connections == 3
    assert reads


def _slow(conn: socket.socket) -> bool:
    import time

    time.sleep(0.3)
    return keep_answering(conn)


@pytest.mark.parametrize(("pool_timeout", "ends"), [(0.1, ["ok", "ok", "ConnectFailedError"]), (2.0, ["ok"] * 3)])
async def test_calls_beyond_the_connection_limit_wait_for_a_free_one_as_through_httpxs_own_transport(
    pool_timeout: float, ends: list[str], monkeypatch: pytest.MonkeyPatch, reads: list[int]
) -> None:
    """Two connections at most: of three calls at once, the third waits for a free connection — and, past
    the pool timeout, fails as not sent (it never left); within it, goes out on a connection the first two
    freed. The same as through an httpx client with the same limit."""
    import asyncio

    monkeypatch.setattr(_aionet, "_MAX_CONNECTIONS", 2)
    timeout = httpx.Timeout(2.0, pool=pool_timeout)
    seen: dict[str, tuple[list[str], int]] = {}
    for side in ("sdk", "httpx"):
        http_client = (
            httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=2)) if side == "httpx" else None
        )
        with LoopbackServer(_slow) as server:
            client = smsgate.AsyncLetsAds(
                login=LOGIN,
                password=PASSWORD,
                base_url=server.url,
                timeout=timeout,
                http_client=http_client,
                max_retries=0,
            )
            async with client:
                results = await asyncio.gather(*(client.balance() for _ in range(3)), return_exceptions=True)
            if http_client is not None:
                await http_client.aclose()
        outcomes = sorted("ok" if not isinstance(r, BaseException) else type(r).__name__ for r in results)
        failures = [r for r in results if isinstance(r, smsgate.SmsGateError)]
        assert all(getattr(f, "may_have_reached", None) is False for f in failures)
        seen[side] = outcomes, server.connections
    assert seen["sdk"] == seen["httpx"] == (sorted(ends), 2)
    assert reads


async def test_a_call_given_up_while_waiting_for_its_reply_leaves_no_connection_to_reuse(reads: list[int]) -> None:
    """A call cancelled (a caller's deadline) after its request left: the reply that arrives later belongs to
    nobody, so its connection is closed at once — the next call opens a new one and reads its own reply."""
    import asyncio

    first = threading.Event()

    def late_then_prompt(conn: socket.socket) -> bool:
        if not first.is_set():
            first.set()
            import time

            time.sleep(0.4)
            answer(conn, BALANCE_XML.replace(b"UAH", b"EUR"))  # the given-up call's reply, too late
            return True
        return keep_answering(conn)

    with LoopbackServer(late_then_prompt) as server:
        async with _client(server.url, "sdk", max_retries=0) as client:
            call = asyncio.create_task(client.balance())
            await asyncio.sleep(0.15)
            assert first.is_set()
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            # At once, before the late reply arrives: on the same connection, it would be read as this call's.
            assert (await client.balance()).currency == "UAH"
    assert server.connections == 2
    assert reads


@pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")
def test_a_client_kept_across_asyncio_runs_opens_a_connection_in_each(keeping: LoopbackServer) -> None:
    """A client kept across two `asyncio.run` calls (a script's module-level client): the second run does not
    reuse the first's idle connection, whose event loop is gone (httpx's own transport raises "Event loop is
    closed" there; a send could even leave and its reply never be read): it opens its own. The connections of
    ended loops are shut down for the server; asyncio can no longer close their transports, which warn
    (ResourceWarning) as they are collected."""
    import asyncio
    import gc

    client = _client(keeping.url, "sdk", max_retries=0)

    async def balance() -> str | None:
        return (await client.balance()).currency

    assert asyncio.run(balance()) == "UAH"
    assert asyncio.run(balance()) == "UAH"
    assert keeping.connections == 2
    asyncio.run(client.aclose())
    gc.collect()  # (the ended loops' transports go now, under this test's warning filter)


def _raw_reply(reply: bytes | tuple[bytes, ...], *, keep: bool) -> Any:
    """Write the reply (its parts 50 ms apart, when given in parts)."""
    import time

    def write(conn: socket.socket) -> bool:
        for i, part in enumerate((reply,) if isinstance(reply, bytes) else reply):
            if i:
                time.sleep(0.05)
            conn.sendall(part)
        return keep

    return write


_CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n" + b"".join(
    b"%x\r\n%s\r\n" % (len(part), part) for part in (BALANCE_XML[:30], BALANCE_XML[30:])
)
REPLIES: dict[str, tuple[bytes | tuple[bytes, ...], bool]] = {
    # (the reply's bytes, whether the server keeps the connection for another request)
    "chunked": (_CHUNKED + b"0\r\n\r\n", True),
    "chunked with a trailer": (_CHUNKED + b"0\r\nX-Trailer: 1\r\n\r\n", True),
    "no length, ended by close": (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n" + BALANCE_XML, False),
    "HTTP/1.0": (b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BALANCE_XML), BALANCE_XML), True),
    "an informational head first": (
        b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
        % (len(BALANCE_XML), BALANCE_XML),
        True,
    ),
    # h11's limit, as httpcore sets it (h11's own default is 16 KiB): a head of 50 KiB arriving in two parts is
    # read, one still unfinished past 100 KiB is refused.
    "a head of 50 KiB in two parts": (
        (
            b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * (30 * 1024),
            b"x" * (20 * 1024) + b"\r\nContent-Length: %d\r\n\r\n%s" % (len(BALANCE_XML), BALANCE_XML),
        ),
        True,
    ),
    "a head over 100 KiB": (b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * (101 * 1024), True),
    "a malformed status line": (b"HTTP/1.1 OK\r\n\r\n", True),
    "a chunk size that is not hex": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", True),
    "a body shorter than its length": (b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + BALANCE_XML, False),
}


async def _balance_in_uah(client: smsgate.AsyncLetsAds) -> None:
    assert (await client.balance()).currency == "UAH"


@pytest.mark.parametrize("name", list(REPLIES))
async def test_each_reply_framing_ends_as_through_httpxs_own_transport(name: str, reads: list[int]) -> None:
    """However the server frames its reply (chunked, ended by close, HTTP/1.0, a 1xx head first) or breaks the
    framing, two calls in a row end as through httpx's own transport, on as many connections."""
    reply, keep = REPLIES[name]
    seen: dict[str, tuple[list[tuple[str, bool | None, str]], int]] = {}
    for side in ("sdk", "httpx"):
        with LoopbackServer(_raw_reply(reply, keep=keep)) as server:
            client = _client(server.url, side, max_retries=0)
            ends = [await _end(_balance_in_uah(client)) for _ in range(2)]
            await _close(client)
            seen[side] = ends, server.connections
    assert seen["sdk"] == seen["httpx"]
    assert reads
