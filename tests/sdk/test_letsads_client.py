"""LetsAds through the real HTTP stack against the emulator on loopback, sync and async."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

import smsgate
from smsgate import DeliveryState, LetsAdsStatus

from .conftest import ClientFactory, call, load_errors

RECIPIENTS = ["+380501234567", "380677654323", "+7 916 123-45-69"]


async def test_send_returns_one_id_per_recipient_in_order(letsads: ClientFactory, smsgate_emulator: Any) -> None:
    client = letsads()
    result = await call(client.send(RECIPIENTS, "Test message.", sender="Sender"))
    assert isinstance(result, smsgate.SendResult)
    assert [m.recipient for m in result.messages] == ["380501234567", "380677654323", "79161234569"]
    assert len(set(result.message_ids)) == 3
    assert all(i.isdigit() for i in result.message_ids)
    assert result.description == "3 messages put into queue"
    # Built through the slots' setters (`_results.sent_message`): exactly what the public constructor makes.
    for m in result.messages:
        assert type(m) is smsgate.SentMessage and m == smsgate.SentMessage(m.recipient, m.message_id)


async def test_balance_is_decimal_and_charged_per_part(letsads: ClientFactory) -> None:
    client = letsads()
    before = await call(client.balance())
    assert isinstance(before.amount, Decimal)
    assert before.currency == "UAH"
    # 161 GSM-7 characters = 2 parts; 71 Cyrillic characters = 2 parts.
    await call(client.send(["380501234567"], "a" * 161, sender="Sender"))
    await call(client.send(["380501234567"], "ж" * 71, sender="Sender"))
    await call(client.send(["380501234567"], "short", sender="Sender"))
    after = await call(client.balance())
    assert before.amount - after.amount == Decimal("0.50") * 5


async def test_status_moves_from_queue_to_final(letsads: ClientFactory, smsgate_emulator: Any) -> None:
    client = letsads()
    sent = await call(client.send(["380501234567", "380501234569"], "Hello", sender="Sender"))
    ok_id, bad_id = sent.message_ids
    first = await call(client.status(ok_id))
    assert first.status is LetsAdsStatus.MESSAGE_IN_QUEUE
    assert first.state is DeliveryState.QUEUED
    assert not first.is_final
    smsgate_emulator.clock.advance(6)
    assert (await call(client.status(int(ok_id)))).state is DeliveryState.SENT
    smsgate_emulator.clock.advance(60)
    delivered = await call(client.status(ok_id))
    assert delivered.status is LetsAdsStatus.MESSAGE_IS_DELIVERED
    assert delivered.is_final
    undelivered = await call(client.status(bad_id))
    assert undelivered.status is LetsAdsStatus.MESSAGE_NOT_DELIVERED
    assert undelivered.state is DeliveryState.UNDELIVERED


async def test_unknown_message_is_not_found(letsads: ClientFactory) -> None:
    with pytest.raises(smsgate.NotFoundError) as info:
        await call(letsads().status(999_999_999))
    assert info.value.code == "MESSAGE_NOT_EXIST"
    assert info.value.provider == "letsads"


@pytest.mark.parametrize(
    ("login", "password", "error", "code"),
    [
        ("380501234567", "wrong-password", smsgate.AuthenticationError, "AUTH_DATA"),
        ("380509999999", "p1a2s3s4", smsgate.AuthenticationError, "AUTH_DATA"),
        ("380500000001", "p1a2s3s4", smsgate.PermissionDeniedError, "API_DISABLED"),
    ],
)
async def test_account_errors_on_every_operation(
    letsads: ClientFactory, login: str, password: str, error: type[Exception], code: str
) -> None:
    client = letsads(login=login, password=password)
    for op in (
        lambda: client.balance(),
        lambda: client.status(633217),
        lambda: client.send(["380501234567"], "x", sender="Sender"),
    ):
        with pytest.raises(error) as info:
            await call(op())  # type: ignore[no-untyped-call]
        assert isinstance(info.value, smsgate.ProviderError)
        assert info.value.code == code


async def test_send_errors_found_by_the_provider(letsads: ClientFactory) -> None:
    with pytest.raises(smsgate.PermissionDeniedError, match="USER_NOT_MODERATED"):
        await call(letsads(login="380500000002").send(["380501234567"], "hi", sender="Sender"))
    with pytest.raises(smsgate.InvalidSenderError) as info:
        await call(letsads().send(["380501234567"], "hi", sender="NotMine"))
    assert info.value.code == "INVALID_FROM"
    assert info.value.not_sent and not info.value.retryable
    with pytest.raises(smsgate.InsufficientFundsError):
        await call(letsads(login="380500000003").send(["380501234567"], "hi", sender="Sender"))


ERROR_ROWS = sorted(load_errors("letsads")["codes"].items())


@pytest.mark.parametrize(("code", "row"), ERROR_ROWS, ids=[c for c, _ in ERROR_ROWS])
async def test_every_error_code_maps_to_its_category(
    letsads: ClientFactory, smsgate_emulator: Any, code: str, row: dict[str, Any]
) -> None:
    """Driven by errors.toml: a new row is tested without new code."""
    wire = code + "380501234" if row.get("match") == "prefix" else code
    op_name = row["operations"][0]
    smsgate_emulator.faults.inject("letsads", "error_code", code=wire, count=1)
    client = letsads(max_retries=0)
    ops = {
        "send": lambda: client.send(["380501234567"], "hi", sender="Sender"),
        "status": lambda: client.status(633217),
        "balance": lambda: client.balance(),
    }
    with pytest.raises(smsgate.ProviderError) as info:
        await call(ops[op_name]())
    err = info.value
    assert err.category.value == row["category"]
    assert err.code == code
    assert err.raw_code == wire
    assert err.retryable is row["retryable"]
    assert err.not_sent is row["not_sent"]
    assert err.description == row["description"]
    assert err.operation == op_name
    if row.get("match") == "prefix":
        assert err.detail == "380501234"
    assert type(err).__module__ == "smsgate"


async def test_unknown_error_code_keeps_the_raw_code(letsads: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("letsads", "error_code", code="SOMETHING_NEW", count=1)
    with pytest.raises(smsgate.ProviderError) as info:
        await call(letsads().balance())
    assert type(info.value) is smsgate.ProviderError
    assert info.value.code == "SOMETHING_NEW"
    assert info.value.category is smsgate.ErrorCategory.UNKNOWN


async def test_concurrent_async_sends(smsgate_emulator: Any) -> None:
    async with smsgate.AsyncLetsAds(
        login="380501234567", password="p1a2s3s4", base_url=smsgate_emulator.base_url("letsads")
    ) as client:
        results = await asyncio.gather(
            *(client.send([f"38050123{i:04d}"], f"msg {i}", sender="Sender") for i in range(20))
        )
    ids = [r.message_ids[0] for r in results]
    assert len(set(ids)) == 20


def test_caller_supplied_http_client_is_used_and_not_closed(smsgate_emulator: Any) -> None:
    import httpx

    seen: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.method)]}) as http:
        client = smsgate.LetsAds(
            login="380501234567",
            password="p1a2s3s4",
            base_url=smsgate_emulator.base_url("letsads"),
            http_client=http,
        )
        client.balance()
        client.close()
        assert not http.is_closed
        assert seen == ["POST"]


def test_default_base_url_and_timeouts() -> None:
    client = smsgate.LetsAds(login="380501234567", password="p1a2s3s4")
    try:
        assert client.base_url == "https://api.letsads.com"
        assert client.timeout.connect == 5.0
        assert client.timeout.read == 30.0
        assert client.max_retries == 2
    finally:
        client.close()


def test_sync_and_async_twins_have_identical_signatures() -> None:
    import inspect

    for name in ("send", "status", "balance", "__init__"):
        sync = inspect.signature(getattr(smsgate.LetsAds, name))
        asyn = inspect.signature(getattr(smsgate.AsyncLetsAds, name))
        assert list(sync.parameters) == list(asyn.parameters), name
        if name != "__init__":
            assert sync.return_annotation == asyn.return_annotation
