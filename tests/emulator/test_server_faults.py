"""The generic server: every fault kind over real sockets, the control endpoints, lifecycle, concurrency."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from decimal import Decimal

import httpx
import pytest

from smsgate.emulator import Emulator, FaultKind, RecordedRequest

from .conftest import loopback_client
from .test_letsads_emulator import (
    LOGIN,
    Reply,
    balance_xml,
    send_xml,
    status_xml,
)


def send(emu: Emulator, client: httpx.Client) -> httpx.Response:
    return client.post(emu.base_url("letsads"), content=send_xml())


def last(emu: Emulator) -> RecordedRequest:
    return emu.requests[-1]


def charged(emu: Emulator) -> Decimal:
    return Decimal("100.00") - emu.letsads.accounts[LOGIN].balance


# -- reset --------------------------------------------------------------------------------------------------------


def test_reset_before_handler(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "reset")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        send(emu, client)
    assert not emu.letsads.messages
    assert charged(emu) == 0
    entry = last(emu)
    assert (entry.operation, entry.handled, entry.fault, entry.status, entry.outcome) == (
        "send",
        False,
        FaultKind.RESET,
        None,
        None,
    )
    # The next request is served normally (on a new connection).
    assert Reply(send(emu, client)).name == "Complete"


def test_reset_after_handler_loses_the_reply_of_an_accepted_message(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "reset", before_handler=False)
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        send(emu, client)
    assert len(emu.letsads.messages) == 1
    assert charged(emu) == Decimal("0.50")
    assert (last(emu).handled, last(emu).outcome) == (True, "Complete")


def test_reset_is_a_real_rst(emu: Emulator) -> None:
    emu.faults.inject("letsads", "reset")
    host, port = emu.url.removeprefix("http://").split(":")
    body = balance_xml()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /letsads HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        with pytest.raises(ConnectionResetError):
            sock.recv(1024)  # no byte and no FIN before the RST


# -- timeout ------------------------------------------------------------------------------------------------------


def test_timeout_after_handler(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "timeout", delay=5)
    start = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        client.post(emu.base_url("letsads"), content=send_xml(), timeout=httpx.Timeout(2, read=0.2))
    assert time.perf_counter() - start < 2
    # The request reached the provider: the message exists, only the reply was lost.
    assert len(emu.letsads.messages) == 1
    assert (last(emu).fault, last(emu).handled, last(emu).status) == (FaultKind.TIMEOUT, True, None)
    emu.reset()  # also ends the held connection


def test_timeout_before_handler(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "timeout", delay=5, before_handler=True)
    with pytest.raises(httpx.ReadTimeout):
        client.post(emu.base_url("letsads"), content=send_xml(), timeout=httpx.Timeout(2, read=0.2))
    assert not emu.letsads.messages
    assert (last(emu).operation, last(emu).handled) == ("send", False)


def test_timeout_closes_without_reply_after_the_delay(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "timeout", delay=0.05)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(emu.base_url("letsads"), content=balance_xml())


def test_timeout_does_not_block_shutdown() -> None:
    emu = Emulator(clock_speed=0).start()
    emu.faults.inject("letsads", "timeout", delay=60)
    with loopback_client(httpx.Timeout(2, read=0.2)) as c, pytest.raises(httpx.ReadTimeout):
        c.post(emu.base_url("letsads"), content=balance_xml())
    start = time.perf_counter()
    emu.stop()
    assert time.perf_counter() - start < 2
    assert not emu.running


# -- status, truncate, malformed, empty, error_code -----------------------------------------------------------------


def test_status_with_retry_after(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "status", status=429, retry_after=7, body="slow down")
    response = send(emu, client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.text == "slow down"
    assert not emu.letsads.messages
    assert (last(emu).status, last(emu).handled) == (429, False)


def test_status_defaults_to_503_with_an_empty_body(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "status")
    response = client.post(emu.base_url("letsads"), content=balance_xml())
    assert (response.status_code, response.content) == (503, b"")
    assert "retry-after" not in response.headers


def test_status_after_handler(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "status", status=502, before_handler=False)
    assert send(emu, client).status_code == 502
    assert len(emu.letsads.messages) == 1


def test_truncate_with_correct_content_length(emu: Emulator, client: httpx.Client) -> None:
    full = send(emu, client).content
    emu.reset()
    emu.faults.inject("letsads", "truncate", length=60)
    response = send(emu, client)
    assert response.content == full[:60]
    assert response.headers["content-length"] == "60"
    assert len(emu.letsads.messages) == 1  # accepted; only the reply was damaged
    assert (last(emu).fault, last(emu).handled) == (FaultKind.TRUNCATE, True)


def test_truncate_defaults_to_half_and_takes_bytes_alias(emu: Emulator, client: httpx.Client) -> None:
    full = client.post(emu.base_url("letsads"), content=balance_xml()).content
    emu.faults.inject("letsads", "truncate")
    assert client.post(emu.base_url("letsads"), content=balance_xml()).content == full[: len(full) // 2]
    emu.faults.inject("letsads", "truncate", bytes=5)
    assert client.post(emu.base_url("letsads"), content=balance_xml()).content == full[:5]
    emu.faults.inject("letsads", "truncate", bytes=10_000)
    assert client.post(emu.base_url("letsads"), content=balance_xml()).content == full


def test_truncate_declaring_the_full_length(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "truncate", length=20, declare_full_length=True)
    with pytest.raises(httpx.RemoteProtocolError):
        send(emu, client)
    assert len(emu.letsads.messages) == 1


def test_malformed(emu: Emulator, client: httpx.Client) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    emu.faults.inject("letsads", "malformed", body=page)
    response = send(emu, client)
    assert (response.status_code, response.text) == (200, page)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert not emu.letsads.messages
    emu.faults.inject("letsads", "malformed", body=b"\x00\xff", status=500, content_type="application/octet-stream")
    response = send(emu, client)
    assert (response.status_code, response.content, response.headers["content-type"]) == (
        500,
        b"\x00\xff",
        "application/octet-stream",
    )


def test_empty(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "empty")
    response = send(emu, client)
    assert (response.status_code, response.content, response.headers["content-length"]) == (200, b"", "0")
    assert not emu.letsads.messages
    emu.faults.inject("letsads", "empty", before_handler=False)
    assert send(emu, client).content == b""
    assert len(emu.letsads.messages) == 1


def test_error_code(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "error_code")
    reply = Reply(send(emu, client))
    assert (reply.name, reply.description) == ("Error", "UNKNOWN_ERROR")
    assert not emu.letsads.messages
    emu.faults.inject("letsads", "error_code", code="SOMETHING_NEW", before_handler=False)
    reply = Reply(send(emu, client))
    assert reply.description == "SOMETHING_NEW"
    assert len(emu.letsads.messages) == 1
    assert (last(emu).outcome, last(emu).status) == ("Complete", 200)


# -- queueing and validation ----------------------------------------------------------------------------------------


def test_count_and_order(emu: Emulator, client: httpx.Client) -> None:
    url = emu.base_url("letsads")
    emu.faults.inject("letsads", "status", status=503, count=2)
    emu.faults.inject("letsads", "empty")
    assert [f.kind for f, _ in emu.faults.pending("letsads")] == [FaultKind.STATUS, FaultKind.EMPTY]
    codes = [client.post(url, content=balance_xml()) for _ in range(4)]
    assert [(r.status_code, len(r.content) > 0) for r in codes] == [
        (503, False),
        (503, False),
        (200, False),
        (200, True),
    ]
    assert not emu.faults.pending()
    assert [e.fault for e in emu.requests] == [FaultKind.STATUS, FaultKind.STATUS, FaultKind.EMPTY, None]


def test_control_endpoints_are_never_faulted(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("letsads", "reset")
    assert client.get(emu.url + "/_emulator/state").status_code == 200
    assert len(emu.faults.pending()) == 1
    assert len(emu.requests) == 0


@pytest.mark.parametrize(
    ("provider", "kind", "params", "error"),
    [
        ("nope", "reset", {}, ValueError),
        ("letsads", "explode", {}, ValueError),
        ("letsads", "reset", {"count": 0}, ValueError),
        ("letsads", "reset", {"delay": 1}, TypeError),
        ("letsads", "reset", {"before_handler": "yes"}, TypeError),
        ("letsads", "timeout", {"delay": -1}, ValueError),
        ("letsads", "timeout", {"delay": float("inf")}, ValueError),
        ("letsads", "status", {"status": 99}, ValueError),
        ("letsads", "status", {"status": 600}, ValueError),
        ("letsads", "status", {"retry_after": "1\r\nX-Evil: 1"}, ValueError),
        ("letsads", "truncate", {"before_handler": True}, TypeError),
        ("letsads", "truncate", {"length": -1}, ValueError),
        ("letsads", "truncate", {"length": 1, "bytes": 1}, TypeError),
        ("letsads", "malformed", {}, TypeError),
        ("letsads", "malformed", {"body": 5}, TypeError),
        ("letsads", "error_code", {"code": ""}, ValueError),
    ],
)
def test_bad_injections_are_refused(
    emu: Emulator, provider: str, kind: str, params: dict[str, object], error: type[Exception]
) -> None:
    count = params.pop("count", 1)
    assert isinstance(count, int)
    with pytest.raises(error):
        emu.faults.inject(provider, kind, count=count, **params)
    assert not emu.faults.pending()


# -- control endpoints ----------------------------------------------------------------------------------------------


def test_state_endpoint(emu: Emulator, client: httpx.Client) -> None:
    client.post(emu.base_url("letsads"), content=send_xml(recipients=["380501234567", "380501234569"]))
    emu.faults.inject("letsads", "empty", count=3)
    response = client.get(emu.url + "/_emulator/state")
    assert response.headers["content-type"] == "application/json"
    state = response.json()
    assert state["clock"]["speed"] == 0
    letsads = state["providers"]["letsads"]
    accounts = {a["login"]: a for a in letsads["accounts"]}
    assert accounts[LOGIN]["balance"] == "99.00"
    assert "password" not in accounts[LOGIN]
    assert [(m["id"], m["status"], m["parts"]) for m in letsads["messages"]] == [
        (633217, "MESSAGE_IN_QUEUE", 1),
        (633218, "MESSAGE_IN_QUEUE", 1),
    ]
    assert letsads["counts"]["messages"] == 2
    assert letsads["counts"]["requests"] == 1
    assert letsads["counts"]["statuses"]["MESSAGE_IN_QUEUE"] == 2
    assert state["faults"][0]["kind"] == "empty"
    assert state["faults"][0]["remaining"] == 3
    assert state["requests"] == 1


def test_clock_advance_endpoint(emu: Emulator, client: httpx.Client) -> None:
    (sms_id,) = Reply(send(emu, client)).ids
    response = client.post(emu.url + "/_emulator/clock/advance", json={"seconds": 31})
    assert response.status_code == 200
    assert response.json()["now"] == emu.clock.now().isoformat()
    status = Reply(client.post(emu.base_url("letsads"), content=status_xml(sms_id)))
    assert status.description == "MESSAGE_IS_DELIVERED"
    assert client.post(emu.url + "/_emulator/clock/advance", json={"seconds": -1}).status_code == 400
    assert client.post(emu.url + "/_emulator/clock/advance", json={"seconds": "1"}).status_code == 400


def test_faults_endpoint(emu: Emulator, client: httpx.Client) -> None:
    response = client.post(
        emu.url + "/_emulator/faults",
        json={"provider": "letsads", "kind": "status", "count": 2, "status": 503, "retry_after": 1},
    )
    assert response.status_code == 200
    assert response.json()["fault"]["kind"] == "status"
    assert [client.post(emu.base_url("letsads"), content=balance_xml()).status_code for _ in range(3)] == [
        503,
        503,
        200,
    ]
    bad = client.post(emu.url + "/_emulator/faults", json={"provider": "letsads", "kind": "explode"})
    assert bad.status_code == 400
    assert "explode" in bad.json()["error"]
    assert client.post(emu.url + "/_emulator/faults", content=b"[1]").status_code == 400
    assert client.post(emu.url + "/_emulator/faults", content=b"{").status_code == 400
    assert client.post(emu.url + "/_emulator/faults", json={"kind": "reset"}).status_code == 400
    client.post(emu.url + "/_emulator/faults", json={"provider": "letsads", "kind": "reset"})
    assert client.delete(emu.url + "/_emulator/faults").status_code == 200
    assert not emu.faults.pending()


def test_reset_endpoint(emu: Emulator, client: httpx.Client) -> None:
    send(emu, client)
    emu.faults.inject("letsads", "reset")
    assert client.post(emu.url + "/_emulator/reset").json() == {"ok": True}
    assert not emu.letsads.messages
    assert not emu.faults.pending()
    assert len(emu.requests) == 0


def test_requests_endpoint(emu: Emulator, client: httpx.Client) -> None:
    send(emu, client)
    entries = client.get(emu.url + "/_emulator/requests").json()
    assert len(entries) == 1
    assert entries[0]["operation"] == "send"
    assert entries[0]["handled"] is True
    assert entries[0]["body_size"] == len(send_xml())


def test_unknown_control_paths(emu: Emulator, client: httpx.Client) -> None:
    assert client.get(emu.url + "/_emulator/nope").status_code == 404
    assert client.get(emu.url + "/_emulator/reset").status_code == 405
    assert client.post(emu.url + "/_emulator/state").status_code == 405


# -- the HTTP server ------------------------------------------------------------------------------------------------


def test_oversized_body_is_refused_unread(emu: Emulator) -> None:
    host, port = emu.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /letsads HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        head = sock.recv(1024)
    assert head.startswith(b"HTTP/1.1 413 ")
    assert len(emu.requests) == 0


def test_concurrent_sends_are_consistent(emu: Emulator) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with loopback_client() as c:
                for _ in range(5):
                    assert Reply(c.post(emu.base_url("letsads"), content=send_xml())).name == "Complete"
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(emu.letsads.messages) == list(range(633217, 633217 + 40))
    assert charged(emu) == Decimal("20.00")
    assert len(emu.requests.filter("letsads", operation="send", handled=True)) == 40


def test_lifecycle() -> None:
    emu = Emulator(clock_speed=0)
    assert not emu.running
    assert "not running" in repr(emu)
    with pytest.raises(RuntimeError):
        _ = emu.url
    with emu:
        assert emu.url.startswith("http://127.0.0.1:")
        assert emu.base_url("letsads") == emu.url + "/letsads"
        with pytest.raises(RuntimeError):
            emu.start()
        with pytest.raises(ValueError, match="unknown provider"):
            emu.base_url("nope")
    assert not emu.running
    emu.stop()  # idempotent
    with emu, loopback_client() as c:  # restartable
        assert Reply(c.post(emu.base_url("letsads"), content=balance_xml())).name == "Balance"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.1", "example.com", "::"])  # noqa: S104
def test_only_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host=host)


def test_localhost_and_fixed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Emulator(host="localhost", port=port) as emu:
        assert emu.url == f"http://127.0.0.1:{port}"


def test_serve_forever_returns_when_stopped_from_another_thread() -> None:
    emu = Emulator(clock_speed=0)
    done = threading.Event()

    def serve() -> None:
        emu.serve_forever()
        done.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not emu.running and time.monotonic() < deadline:
        time.sleep(0.005)
    with loopback_client() as c:
        assert c.get(emu.url + "/_emulator/state").status_code == 200
    emu.stop()
    assert done.wait(5)


def test_state_is_json_serialisable(emu: Emulator) -> None:
    emu.faults.inject("letsads", "malformed", body=b"\xff")
    json.dumps(emu.state())


def test_server_logs_carry_no_query_strings(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="smsgate.emulator")
    host, port = emu.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /letsads?psw=hunter2 HTTP/1.1 extra\r\n\r\n")  # a bad request line, logged by http.server
        assert b"400" in sock.recv(4096)
    with loopback_client() as c:
        c.post(emu.base_url("letsads") + "?psw=hunter2", content=balance_xml())
    assert "/letsads" in caplog.text
    assert "hunter2" not in caplog.text
