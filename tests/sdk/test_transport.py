"""Transport failures: whether the request may have reached the provider, and which requests are retried."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import smsgate

from .conftest import ClientFactory, call
from .loopback import free_port


def counting_client(outcomes: list[Any], cls: type = smsgate.LetsAds, **kwargs: Any) -> tuple[Any, list[str]]:
    """A client whose transport plays `outcomes` in order: an exception to raise or a Response."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content.decode())
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        # A fresh Response each time: a Response's stream can be read only once.
        return httpx.Response(outcome.status_code, headers=outcome.headers, content=outcome.content)

    transport = httpx.MockTransport(handler)
    http = httpx.Client(transport=transport) if cls is smsgate.LetsAds else httpx.AsyncClient(transport=transport)
    client = cls(login="380501234567", password="p1a2s3s4", base_url="http://127.0.0.1:9", http_client=http, **kwargs)
    return client, seen


BALANCE = httpx.Response(
    200,
    content=b"<response><name>Balance</name><description>5</description><currency>UAH</currency></response>",
)
SENT = httpx.Response(
    200, content=b"<response><name>Complete</name><description>1</description><sms_id>7</sms_id></response>"
)


async def test_connection_refused_is_connect_failed_and_nothing_sent(mode: str) -> None:
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login="380501234567", password="p1a2s3s4", base_url=f"http://127.0.0.1:{free_port()}", max_retries=1)
    try:
        with pytest.raises(smsgate.ConnectFailedError) as info:
            await call(client.send(["380501234567"], "hi", sender="Sender"))
        assert info.value.may_have_reached is False
        assert isinstance(info.value, smsgate.TransportError)
    finally:
        await call(client.aclose() if mode == "async" else client.close())


def test_send_is_retried_after_a_connect_failure() -> None:
    client, seen = counting_client([httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), SENT])
    assert client.send(["380501234567"], "hi", sender="Sender").message_ids == ("7",)
    assert len(seen) == 3


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("disconnected"), httpx.ReadError("reset")],
)
def test_send_is_not_retried_once_the_request_may_have_arrived(failure: Exception) -> None:
    client, seen = counting_client([failure, SENT])
    with pytest.raises(smsgate.ReplyLostError) as info:
        client.send(["380501234567"], "hi", sender="Sender")
    assert info.value.may_have_reached is True
    assert len(seen) == 1


def test_send_is_not_retried_on_5xx() -> None:
    client, seen = counting_client([httpx.Response(503), SENT])
    with pytest.raises(smsgate.ProviderUnavailableError) as info:
        client.send(["380501234567"], "hi", sender="Sender")
    assert info.value.not_sent is False
    assert len(seen) == 1


def test_send_is_retried_on_429_which_proves_nothing_was_processed() -> None:
    client, seen = counting_client([httpx.Response(429, headers={"Retry-After": "0"}), SENT])
    assert client.send(["380501234567"], "hi", sender="Sender").message_ids == ("7",)
    assert len(seen) == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("t"),
        httpx.Response(500),
        httpx.Response(502),
        httpx.Response(429),
        httpx.ConnectError("x"),
    ],
)
def test_reads_are_retried_then_succeed(failure: Any) -> None:
    client, seen = counting_client([failure, failure, BALANCE])
    assert client.balance().amount == 5
    assert len(seen) == 3


def test_reads_give_up_after_max_retries() -> None:
    client, seen = counting_client([httpx.Response(500)] * 5, max_retries=1)
    with pytest.raises(smsgate.ProviderUnavailableError) as info:
        client.balance()
    assert info.value.http_status == 500
    assert len(seen) == 2


def test_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    client, _ = counting_client([httpx.Response(429, headers={"Retry-After": "3"}), BALANCE])
    client.balance()
    assert slept == [3.0]


def test_retry_after_beyond_the_cap_is_raised_not_waited() -> None:
    client, seen = counting_client([httpx.Response(429, headers={"Retry-After": "3600"}), BALANCE])
    with pytest.raises(smsgate.RateLimitError) as info:
        client.balance()
    assert info.value.retry_after == 3600
    assert len(seen) == 1


def test_provider_unknown_error_is_retried_for_reads_only() -> None:
    unknown = httpx.Response(
        200, content=b"<response><name>Error</name><description>UNKNOWN_ERROR</description></response>"
    )
    client, seen = counting_client([unknown, BALANCE])
    assert client.balance().amount == 5
    assert len(seen) == 2
    client, seen = counting_client([unknown, SENT])
    with pytest.raises(smsgate.ProviderUnavailableError):
        client.send(["380501234567"], "hi", sender="Sender")
    assert len(seen) == 1


async def test_async_retry_twin() -> None:
    client, seen = counting_client([httpx.ReadTimeout("t"), BALANCE], cls=smsgate.AsyncLetsAds)
    assert (await client.balance()).amount == 5
    client, seen = counting_client([httpx.ReadTimeout("t"), SENT], cls=smsgate.AsyncLetsAds)
    with pytest.raises(smsgate.ReplyLostError):
        await client.send(["380501234567"], "hi", sender="Sender")
    assert len(seen) == 1


# -- the same over real sockets, with the emulator's fault injection -------------------------------------


async def test_reset_before_the_provider_acts(letsads: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("letsads", "reset", before_handler=True)
    client = letsads(max_retries=0)
    with pytest.raises(smsgate.ReplyLostError):
        await call(client.send(["380501234567"], "hi", sender="Sender"))
    assert len(smsgate_emulator.letsads.messages) == 0


async def test_read_timeout_on_send_is_not_repeated(letsads: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("letsads", "timeout", delay=2.0)
    client = letsads(timeout=httpx.Timeout(0.3, connect=2.0))
    with pytest.raises(smsgate.ReplyLostError) as info:
        await call(client.send(["380501234567"], "hi", sender="Sender"))
    assert info.value.may_have_reached
    # The provider did accept it: the caller must reconcile, and the SDK did not send it twice.
    assert len(smsgate_emulator.letsads.messages) == 1


async def test_truncated_reply_on_send(letsads: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("letsads", "truncate", bytes=120)
    with pytest.raises(smsgate.ResponseFormatError):
        await call(letsads().send(["380501234567"], "hi", sender="Sender"))
    assert len(smsgate_emulator.letsads.messages) == 1


async def test_reads_recover_from_faults(letsads: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("letsads", "status", status=503, count=1)
    smsgate_emulator.faults.inject("letsads", "malformed", body="<html>busy</html>", count=1)
    client = letsads(max_retries=2)
    with pytest.raises(smsgate.ResponseFormatError):
        # 503 is retried; the HTML page after it is not a retryable condition.
        await call(client.balance())
    smsgate_emulator.faults.inject("letsads", "status", status=502, count=2)
    assert (await call(client.balance())).currency == "UAH"
