"""The async clients the SDK builds itself reach the provider through httpcore over asyncio's own transports
(smsgate._aionet), not over anyio streams. A user must see no difference, over real loopback sockets:

* every fault of the emulator ends in the same SDK error, with the same "may have reached", and the provider
  sees the same requests, as through httpx's own transport (a client given ``http_client=httpx.AsyncClient()``);
* keep-alive: one connection for many calls; a connection the server closed while idle is noticed, and the
  next call opens a new one instead of failing (a send would otherwise be reported as "may have reached");
* a reply larger than the read buffer's high-water mark arrives whole; trio still works (httpcore's backend).
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpcore
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


async def _outcome(client: smsgate.AsyncLetsAds, operation: str) -> tuple[str, bool | None, str]:
    try:
        if operation == "send":
            await client.send(["380501234567"], "hi", sender="Sender")
        else:
            await client.balance()
    except smsgate.SmsGateError as exc:
        # The error, whether it may have reached the provider, and the httpx exception its text names (the
        # OS's own words after it may differ: anyio drops them, asyncio keeps them).
        named = re.search(r"\((\w+): ", str(exc))
        return type(exc).__name__, getattr(exc, "may_have_reached", None), named.group(1) if named else ""
    finally:
        await client.aclose()
        if client._owns_client is False:
            await client._client.aclose()
    return "ok", None, ""


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
    stream = await _aionet.AsyncioBackend().connect_tcp("127.0.0.1", listener.getsockname()[1], timeout=2.0)
    try:
        await asyncio.sleep(0.2)  # nobody reads: what arrives piles up until reading pauses
        connection = stream._connection  # type: ignore[attr-defined]
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
    without bound, and gives up with httpcore's WriteTimeout; once the peer reads, every byte arrives."""
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
    stream = await _aionet.AsyncioBackend().connect_tcp("127.0.0.1", listener.getsockname()[1], timeout=2.0)
    payload = bytes(range(256)) * (64 * 1024)  # 16 MiB: more than the kernel's and asyncio's buffers hold
    try:
        with pytest.raises(httpcore.WriteTimeout):
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


def test_under_trio_httpcores_own_backend_carries_the_calls(smsgate_emulator: Any, reads: list[int]) -> None:
    trio = pytest.importorskip("trio")

    async def main() -> str | None:
        async with _client(smsgate_emulator.base_url("letsads"), "sdk") as client:
            return (await client.balance()).currency

    assert trio.run(main) == "UAH"
    assert reads == []
