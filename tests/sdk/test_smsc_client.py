"""SMSC through the real HTTP stack against the emulator on loopback, sync and async: every operation,
every error row, the send de-duplication by client id, validation before sending, and secrets."""

from __future__ import annotations

import inspect
import json
import logging
import time
import traceback
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

import smsgate
from smsgate import DeliveryState, SmscStatus
from smsgate.emulator._smsc import MOSCOW

from .conftest import ClientFactory, call, load_errors

LOGIN = "smsgate"
PASSWORD = "smsgate-password"
API_KEY = "smsgate-apikey"
PHONE = "79991234567"
OTHER = "79161234568"
#: The emulator leaves numbers ending in 9 undelivered (status 20, err 1).
UNDELIVERED = "79991234569"
PRICE = Decimal("1.68")


@pytest.fixture
async def smsc(mode: str, smsgate_emulator: Any) -> AsyncIterator[ClientFactory]:
    """A factory of SMSC clients (sync or async, by `mode`) aimed at the emulator; all closed after."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        if "api_key" not in kwargs:
            kwargs.setdefault("login", LOGIN)
            kwargs.setdefault("password", PASSWORD)
        kwargs.setdefault("base_url", smsgate_emulator.base_url("smsc"))
        cls = smsgate.Smsc if mode == "sync" else smsgate.AsyncSmsc
        client = cls(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await call(client.aclose() if mode == "async" else client.close())


def smsc_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests.filter("smsc")]


def moscow_today(emulator: Any) -> date:
    today: date = emulator.clock.now().astimezone(MOSCOW).date()
    return today


# -- send, estimate ------------------------------------------------------------------------------------


async def test_send_returns_id_parts_cost_and_balance(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    result = await call(smsc().send(["+" + PHONE, "+7 916 123-45-68"], "Hello", sender="SMSC.RU"))
    assert isinstance(result, smsgate.SmscSendResult)
    assert isinstance(result, smsgate.SendResult)
    assert result.message_id == "1"
    assert [(m.recipient, m.message_id) for m in result.messages] == [(PHONE, "1"), (OTHER, "1")]
    assert result.parts == 2
    assert result.cost == PRICE * 2
    assert result.balance == Decimal("1000.00") - PRICE * 2
    assert not result.duplicate
    sent = smsgate_emulator.smsc.messages
    assert [(m.phone, m.text, m.sender) for m in sent] == [(PHONE, "Hello", "SMSC.RU"), (OTHER, "Hello", "SMSC.RU")]


async def test_cyrillic_text_travels_as_utf8_and_is_billed_per_part(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    text = "Ваш код: 4821. " + "ж" * 60  # 75 Cyrillic characters: 2 parts of 67
    result = await call(smsc().send([PHONE], text, client_id=42))
    assert result.message_id == "42"
    assert result.parts == 2
    assert result.cost == PRICE * 2
    (message,) = smsgate_emulator.smsc.messages
    assert message.text == text


async def test_api_key_instead_of_login(smsc: ClientFactory) -> None:
    client = smsc(api_key=API_KEY)
    balance = await call(client.balance())
    assert balance.amount == Decimal("1000.00")
    assert "login" not in repr(client) or "login=None" in repr(client)


async def test_estimate_sends_nothing(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    estimate = await call(client.estimate([PHONE, OTHER], "a" * 161))
    assert estimate == smsgate.SmscEstimate(cost=PRICE * 4, parts=4)
    assert smsgate_emulator.smsc.messages == []
    assert (await call(client.balance())).amount == Decimal("1000.00")


async def test_send_options_reach_the_provider(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    result = await call(
        client.send(
            [PHONE],
            "Привет",
            translit=1,
            tinyurl=True,
            flash=True,
            max_parts=1,
            valid_for=timedelta(hours=2),
            sender="smsgate",
        )
    )
    assert result.parts == 1
    (message,) = smsgate_emulator.smsc.messages
    assert message.text == "Privet"
    assert message.sender == "smsgate"


async def test_scheduled_send_waits_for_its_time(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    at = smsgate_emulator.clock.now() + timedelta(hours=1)
    result = await call(client.send([PHONE], "later", at=at))
    (message,) = smsgate_emulator.smsc.messages
    assert message.send_at == at.replace(second=0, microsecond=0)
    smsgate_emulator.clock.advance(600)
    assert (await call(client.status(result.message_id, PHONE))).status is SmscStatus.WAITING
    smsgate_emulator.clock.advance((message.send_at - smsgate_emulator.clock.now()).total_seconds() + 10)
    assert (await call(client.status(result.message_id, PHONE))).state is DeliveryState.SENT


# -- status --------------------------------------------------------------------------------------------


async def test_status_moves_to_final(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    sent = await call(client.send([PHONE, UNDELIVERED], "Hello"))
    first = await call(client.status(sent.message_id, PHONE))
    assert isinstance(first, smsgate.SmscMessageStatus)
    assert (first.status, first.state, first.is_final) == (SmscStatus.WAITING, DeliveryState.QUEUED, False)
    assert (first.message_id, first.phone, first.raw_status) == (sent.message_id, PHONE, "-1")
    smsgate_emulator.clock.advance(6)
    assert (await call(client.status(int(sent.message_id), "+" + PHONE))).status is SmscStatus.TRANSMITTED
    smsgate_emulator.clock.advance(30)
    delivered = await call(client.status(sent.message_id, PHONE))
    assert (delivered.status, delivered.state, delivered.is_final) == (
        SmscStatus.DELIVERED,
        DeliveryState.DELIVERED,
        True,
    )
    assert delivered.changed_at is not None and delivered.changed_at.tzinfo is not None
    assert delivered.error_code is None
    undelivered = await call(client.status(sent.message_id, UNDELIVERED))
    assert (undelivered.status, undelivered.state) == (SmscStatus.UNDELIVERABLE, DeliveryState.UNDELIVERED)
    assert (undelivered.error_code, undelivered.error_description) == (1, "Subscriber absent.")


async def test_status_detail_levels(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    sent = await call(client.send([PHONE], "Ваш код: 4821", sender="SMSC.RU"))
    basic = await call(client.status(sent.message_id, PHONE))
    assert basic.text is None and basic.country is None
    full = await call(client.status(sent.message_id, PHONE, detail=1))
    assert (full.text, full.sender, full.cost, full.status_name) == (
        "Ваш код: 4821",
        "SMSC.RU",
        PRICE,
        "Ожидает отправки",
    )
    assert full.sent_at is not None and full.country is None
    located = await call(client.status(sent.message_id, PHONE, detail=2))
    assert (located.country, located.operator) == ("Россия", "МТС")


async def test_statuses_of_several_messages_in_order(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    sent = await call(client.send([PHONE, UNDELIVERED], "Hello"))
    smsgate_emulator.clock.advance(40)
    many = await call(client.statuses([(sent.message_id, UNDELIVERED), (sent.message_id, PHONE), ("nope", PHONE)]))
    assert isinstance(many, tuple)
    assert [(s.message_id, s.phone, s.status) for s in many] == [
        (sent.message_id, UNDELIVERED, SmscStatus.UNDELIVERABLE),
        (sent.message_id, PHONE, SmscStatus.DELIVERED),
        ("nope", PHONE, SmscStatus.NOT_FOUND),
    ]
    assert many[2].state is DeliveryState.UNKNOWN
    smsgate_emulator.clock.advance(61)  # one list request per minute
    (one,) = await call(client.statuses([(int(sent.message_id), PHONE)], detail=2))
    assert (one.status, one.operator) == (SmscStatus.DELIVERED, "МТС")


async def test_status_of_a_send_with_a_client_id(smsc: ClientFactory) -> None:
    client = smsc()
    sent = await call(client.send([PHONE], "Hello", client_id="order-7.a_1"))
    assert sent.message_id == "order-7.a_1"
    assert (await call(client.status("order-7.a_1", PHONE))).status is SmscStatus.WAITING


async def test_status_of_an_unknown_message_is_not_found(smsc: ClientFactory) -> None:
    status = await call(smsc().status(999, PHONE))
    assert (status.status, status.state) == (SmscStatus.NOT_FOUND, DeliveryState.UNKNOWN)


# -- balance -------------------------------------------------------------------------------------------


async def test_balance_is_decimal_with_currency(smsc: ClientFactory) -> None:
    balance = await call(smsc().balance())
    assert balance == smsgate.SmscBalance(amount=Decimal("1000.00"), currency="RUR")
    assert isinstance(balance, smsgate.Balance)


async def test_balance_rate_limit(smsc: ClientFactory) -> None:
    client = smsc(max_retries=0)
    for _ in range(10):
        await call(client.balance())
    with pytest.raises(smsgate.RateLimitError) as info:
        await call(client.balance())
    assert info.value.code == "balance.9"
    assert info.value.retryable


# -- sub-clients ---------------------------------------------------------------------------------------


async def test_subclient_lifecycle(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    created = await call(
        client.create_subclient(
            "shop-1", "Shop1-Passw0rd", account_type=1, email="shop@example.com", phone="+79991234567", flags={29: True}
        )
    )
    account = smsgate_emulator.smsc.accounts["shop-1"]
    assert created == smsgate.SmscSubclient(subclient_id=str(account.user_id), login="shop-1")
    assert (account.parent, account.type, account.email, account.phone, account.flags) == (
        LOGIN,
        1,
        "shop@example.com",
        PHONE,
        {"29": 1},
    )
    assert await call(client.change_subclient("shop-1", full_name="Магазин", destinations=[7, -77])) is None
    assert (account.fio, account.fmts) == ("Магазин", "7,-77")
    assert await call(client.top_up_subclient("shop-1", Decimal("25.50"))) is None
    assert account.balance == Decimal("25.50")
    assert (await call(client.balance())).amount == Decimal("974.50")
    # The sub-client sends on its own balance.
    sub = smsc(login="shop-1", password="Shop1-Passw0rd")
    await call(sub.send([PHONE], "from the shop", sender="SMSC.RU"))
    today = moscow_today(smsgate_emulator)
    (stats,) = await call(client.subclient_stats(today.replace(day=1), today))
    assert stats == smsgate.SmscSubclientStats(
        login="shop-1", messages=1, credit=Decimal("25.50"), debit=PRICE, currency="RUR"
    )
    (detailed,) = await call(client.subclient_stats_detailed(today, today, login="shop-1"))
    assert detailed.login == "shop-1"
    assert {(line.description, line.operator, line.messages) for line in detailed.lines} == {
        ("SMS", "МТС", 1),
        ("Top-up", "", 0),
    }


async def test_subclient_errors(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc(max_retries=0)
    with pytest.raises(smsgate.NotFoundError) as missing:
        await call(client.top_up_subclient("nobody", 1))
    assert missing.value.code == "users.6"
    with pytest.raises(smsgate.InvalidRequestError) as shared:
        await call(client.top_up_subclient("smsgate-sub2", 1))
    assert shared.value.code == "users.7"
    with pytest.raises(smsgate.InsufficientFundsError) as poor:
        await call(client.top_up_subclient("smsgate-sub1", "5000"))
    assert poor.value.code == "users.10"
    with pytest.raises(smsgate.ProviderUnavailableError) as taken:
        await call(client.create_subclient("smsgate-sub1", "Sub1-Passw0rd"))
    assert taken.value.code == "users.8"
    with pytest.raises(smsgate.NotFoundError) as nothing:
        await call(client.subclient_stats(date(2020, 1, 1), date(2020, 1, 31)))
    assert nothing.value.code == "users.3"
    sub = smsc(login="smsgate-sub1", password="Sub1-Passw0rd", max_retries=0)
    with pytest.raises(smsgate.ProviderError) as refused:
        await call(sub.subclient_stats(date(2020, 1, 1), date(2020, 1, 31)))
    assert refused.value.code == "users.5"
    assert smsgate_emulator.smsc.accounts["smsgate-sub1"].balance == Decimal("50.00")


# -- errors --------------------------------------------------------------------------------------------


async def test_send_errors_found_by_the_provider(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    with pytest.raises(smsgate.PermissionDeniedError) as denied:
        await call(smsc().send([PHONE], "hi", sender="NotMine"))
    assert denied.value.code == "send.6"
    assert denied.value.not_sent and not denied.value.retryable
    with pytest.raises(smsgate.InsufficientFundsError) as poor:
        await call(smsc(login="smsgate-poor").send([PHONE], "hi"))
    assert poor.value.code == "send.3"
    with pytest.raises(smsgate.InvalidRecipientError) as undeliverable:
        await call(smsc().send(["+882123456789"], "hi"))
    assert undeliverable.value.code == "send.8"
    assert smsgate_emulator.smsc.messages == []


async def test_wrong_credentials_on_every_script(smsc: ClientFactory) -> None:
    client = smsc(password="wrong-password")
    codes = []
    for op in (
        lambda: client.send([PHONE], "x"),
        lambda: client.status(1, PHONE),
        lambda: client.balance(),
        lambda: client.top_up_subclient("smsgate-sub1", 1),
    ):
        with pytest.raises(smsgate.AuthenticationError) as info:
            await call(op())  # type: ignore[no-untyped-call]
        codes.append(info.value.code)
    assert codes == ["send.2", "status.2", "balance.2", "users.2"]


async def test_blocked_address_after_repeated_failures(smsc: ClientFactory) -> None:
    wrong = smsc(api_key="not-the-key", max_retries=0)
    for _ in range(5):
        with pytest.raises(smsgate.AuthenticationError):
            await call(wrong.balance())
    with pytest.raises(smsgate.RateLimitError) as blocked:
        await call(smsc().send([PHONE], "hi"))
    assert blocked.value.code == "send.4"
    assert not blocked.value.retryable  # retrying extends the block


ERROR_ROWS = sorted(load_errors("smsc")["codes"].items())
AREA_CALLS = {
    "send": lambda c: c.send([PHONE], "hi"),
    "status": lambda c: c.status(1, PHONE),
    "balance": lambda c: c.balance(),
    "users": lambda c: c.change_subclient("smsgate-sub1", full_name="x"),
}
AREA_OPERATION = {"send": "send", "status": "status", "balance": "balance", "users": "change_subclient"}


@pytest.mark.parametrize(("code", "row"), ERROR_ROWS, ids=[c for c, _ in ERROR_ROWS])
async def test_every_error_code_maps_to_its_category(
    smsc: ClientFactory, smsgate_emulator: Any, code: str, row: dict[str, Any]
) -> None:
    """Driven by errors.toml: a new row is tested without new code."""
    area = code.partition(".")[0]
    smsgate_emulator.faults.inject("smsc", "error_code", code=code, count=1)
    with pytest.raises(smsgate.ProviderError) as info:
        await call(AREA_CALLS[area](smsc(max_retries=0)))
    err = info.value
    assert err.category.value == row["category"]
    assert (err.code, err.raw_code) == (code, code)
    assert err.retryable is row["retryable"]
    assert err.not_sent is row["not_sent"]
    assert err.operation == AREA_OPERATION[area]
    assert err.description == row["description"]  # what the code means, from errors.toml
    assert err.provider_message  # SMSC's own text ("error" of the fmt=3 reply)
    assert err.provider_message in str(err)
    assert err.provider == "smsc"
    assert type(err).__module__ == "smsgate"


# -- a send is repeated only when SMSC de-duplicates it ------------------------------------------------


async def test_lost_reply_of_a_send_with_client_id_is_repeated_and_reads_as_duplicate(
    smsc: ClientFactory, smsgate_emulator: Any
) -> None:
    smsgate_emulator.faults.inject("smsc", "timeout", delay=3, count=1)  # processed, reply withheld
    client = smsc(timeout=httpx.Timeout(0.5, connect=2.0))
    result = await call(client.send([PHONE, OTHER], "Hello", client_id="order-9"))
    assert result.duplicate
    assert result.message_id == "order-9"
    assert result.message_ids == ("order-9", "order-9")
    assert (result.parts, result.cost, result.balance) == (None, None, None)
    requests = smsc_requests(smsgate_emulator)
    assert [(r.operation, r.fault is not None, r.outcome) for r in requests] == [
        ("send", True, "OK"),
        ("send", False, "send.9"),
    ]
    assert len(smsgate_emulator.smsc.messages) == 2  # sent once, to each recipient
    assert (await call(client.balance())).amount == Decimal("1000.00") - PRICE * 2
    assert (await call(client.status("order-9", OTHER))).status is SmscStatus.WAITING


async def test_lost_reply_of_a_send_without_client_id_is_not_repeated(
    smsc: ClientFactory, smsgate_emulator: Any
) -> None:
    smsgate_emulator.faults.inject("smsc", "timeout", delay=3, count=1)
    client = smsc(timeout=httpx.Timeout(0.5, connect=2.0), max_retries=5)
    with pytest.raises(smsgate.ReplyLostError) as info:
        await call(client.send([PHONE], "Hello"))
    assert info.value.may_have_reached
    assert len(smsc_requests(smsgate_emulator)) == 1
    assert len(smsgate_emulator.smsc.messages) == 1  # it WAS sent: the caller must not blindly resend


async def test_a_5xx_before_processing_is_repeated_with_client_id_only(
    smsc: ClientFactory, smsgate_emulator: Any
) -> None:
    smsgate_emulator.faults.inject("smsc", "status", status=502, count=1)
    with pytest.raises(smsgate.ProviderUnavailableError):
        await call(smsc().send([PHONE], "Hello"))
    assert len(smsc_requests(smsgate_emulator)) == 1
    smsgate_emulator.faults.inject("smsc", "status", status=502, count=1)
    result = await call(smsc().send([PHONE], "Hello", client_id=77))
    assert (result.message_id, result.parts, result.duplicate) == ("77", 1, False)
    assert len(smsc_requests(smsgate_emulator)) == 3


async def test_repeating_a_send_yourself_is_refused_as_duplicate(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsc()
    await call(client.send([PHONE], "Hello", client_id="order-1"))
    with pytest.raises(smsgate.DuplicateError) as info:
        await call(client.send([PHONE], "Hello", client_id="order-1"))
    assert info.value.code == "send.9"
    assert len(smsc_requests(smsgate_emulator)) == 2  # refused, not repeated
    smsgate_emulator.clock.advance(61)
    again = await call(client.send([PHONE], "Hello", client_id="order-1"))
    assert not again.duplicate
    assert len(smsgate_emulator.smsc.messages) == 2


def test_no_repeat_once_the_dedupe_window_has_passed() -> None:
    """I/O-free: the repeat must happen while SMSC still remembers the first attempt."""
    from smsgate._base_client import _CallState

    client = smsgate.Smsc(login=LOGIN, password=PASSWORD)
    try:
        prepared = client._prepare_send([PHONE], "hi", client_id="a")
        assert prepared.dedupe_window == 50.0
        lost = smsgate.ReplyLostError("lost", provider="smsc", operation="send")
        fresh = _CallState(time.monotonic())
        assert client._next_delay(lost, prepared, 0, fresh) is not None
        assert fresh.may_have_reached
        stale = _CallState(time.monotonic() - 55)
        assert client._next_delay(lost, prepared, 0, stale) is None
        assert client._prepare_send([PHONE], "hi").dedupe_window is None
        assert client._next_delay(lost, client._prepare_send([PHONE], "hi"), 0, fresh) is None
    finally:
        client.close()


async def test_reads_are_retried(smsc: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("smsc", "status", status=503, count=1)
    smsgate_emulator.faults.inject("smsc", "reset", count=1)
    assert (await call(smsc().balance())).amount == Decimal("1000.00")
    assert len(smsc_requests(smsgate_emulator)) == 3


# -- validation before sending -------------------------------------------------------------------------

BAD_CALLS = {
    "client id pattern": lambda c: c.send([PHONE], "hi", client_id="bad id!"),
    "client id too long": lambda c: c.send([PHONE], "hi", client_id="x" * 41),
    "client id zero": lambda c: c.send([PHONE], "hi", client_id=0),
    "text over 1000": lambda c: c.send([PHONE], "a" * 1001),
    "empty text": lambda c: c.send([PHONE], "  "),
    "bad phone": lambda c: c.send(["12"], "hi"),
    "national phone": lambda c: c.send(["0501234567"], "hi"),
    "no recipients": lambda c: c.send([], "hi"),
    "one string": lambda c: c.send(PHONE, "hi"),
    "sender too long": lambda c: c.send([PHONE], "hi", sender="S" * 16),
    "naive datetime": lambda c: c.send([PHONE], "hi", at=datetime(2030, 1, 1, 12, 0)),
    "translit 3": lambda c: c.send([PHONE], "hi", translit=3),
    "max_parts 0": lambda c: c.send([PHONE], "hi", max_parts=0),
    "estimate text": lambda c: c.estimate([PHONE], "a" * 1001),
    "status id": lambda c: c.status("bad id!", PHONE),
    "status phone": lambda c: c.status(1, "abc"),
    "detail 3": lambda c: c.status(1, PHONE, detail=3),
    "statuses empty": lambda c: c.statuses([]),
    "weak password": lambda c: c.create_subclient("shop", "weakpass"),
    "account type": lambda c: c.create_subclient("shop", "Shop1-Passw0rd", account_type=7),
    "bad email": lambda c: c.change_subclient("shop", email="not-an-email"),
    "float amount": lambda c: c.top_up_subclient("shop", 1.5),
    "zero amount": lambda c: c.top_up_subclient("shop", 0),
    "stats dates": lambda c: c.subclient_stats("2024-05-01", date(2024, 5, 31)),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
async def test_invalid_requests_send_nothing(smsc: ClientFactory, smsgate_emulator: Any, name: str) -> None:
    with pytest.raises(smsgate.ValidationError) as info:
        await call(BAD_CALLS[name](smsc()))
    assert info.value.provider == "smsc" or info.value.field
    assert smsc_requests(smsgate_emulator) == []
    assert "weakpass" not in str(info.value)


# -- secrets -------------------------------------------------------------------------------------------

CANARY_PASSWORD = "Cn&ry<7>\"q'+/% pw"
CANARY_KEY = "K3y&c4nary/+= key"


def forms(secret: str) -> dict[str, str]:
    return {
        "raw": secret,
        "url": quote(secret, safe=""),
        "url-plus": quote_plus(secret),
        "json": json.dumps(secret)[1:-1],
        "distinctive": secret[:5],
    }


def assert_clean(text: str, where: str) -> None:
    for secret in (CANARY_PASSWORD, CANARY_KEY):
        for name, form in forms(secret).items():
            assert form not in text, f"{name} form of a secret found in {where}"


async def test_secrets_never_leak(
    mode: str, smsc: ClientFactory, smsgate_emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    smsgate_emulator.smsc.add_account("canary", CANARY_PASSWORD, apikey=CANARY_KEY)
    by_password = smsc(login="canary", password=CANARY_PASSWORD, max_retries=1)
    by_key = smsc(api_key=CANARY_KEY, max_retries=1)
    wrong_password = smsc(login=LOGIN, password=CANARY_PASSWORD, max_retries=0)
    wrong_key = smsc(api_key=CANARY_KEY + "x", max_retries=0)
    texts = [repr(c) + str(c) + repr(vars(c)) for c in (by_password, by_key, wrong_password, wrong_key)]

    def record(exc: BaseException) -> None:
        texts.extend([str(exc), repr(exc), "".join(traceback.format_exception(exc)), repr(vars(exc))])

    for client_id, client in (("c-1", by_password), ("c-2", by_key)):
        sent = await call(client.send([PHONE], "hi", client_id=client_id))
        texts.append(repr(sent))
        texts.append(repr(await call(client.status(client_id, PHONE))))
        texts.append(repr(await call(client.balance())))
    failures = [
        (None, lambda: wrong_password.balance()),
        (None, lambda: wrong_key.send([PHONE], "hi")),
        (None, lambda: by_password.send([PHONE], "a" * 1001)),
        (None, lambda: by_key.send([PHONE], "hi", client_id="bad id!")),
        # A reply echoing the client's secret: ResponseFormatError keeps the body, redacted.
        (
            lambda: smsgate_emulator.faults.inject(
                "smsc", "malformed", body=f"<html>{CANARY_KEY} {quote_plus(CANARY_KEY)}</html>"
            ),
            lambda: by_key.balance(),
        ),
        (
            lambda: smsgate_emulator.faults.inject(
                "smsc", "malformed", body=f"<html>{CANARY_PASSWORD} {quote(CANARY_PASSWORD, safe='')}</html>"
            ),
            lambda: by_password.balance(),
        ),
        # An error description echoing it: the provider's text is redacted too.
        (
            lambda: smsgate_emulator.faults.inject(
                "smsc", "malformed", body=json.dumps({"error": CANARY_PASSWORD, "error_code": 1})
            ),
            lambda: by_password.balance(),
        ),
        (lambda: smsgate_emulator.faults.inject("smsc", "status", status=500, count=3), lambda: by_key.balance()),
    ]
    for setup, failure in failures:
        if setup is not None:
            setup()
        with pytest.raises(smsgate.SmsGateError) as info:
            await call(failure())  # type: ignore[no-untyped-call]
        record(info.value)
    texts.extend(r.getMessage() for r in caplog.records)
    texts.extend(str(r.args) for r in caplog.records)
    assert any(r.name == "httpx" for r in caplog.records), "httpx's own request line must be covered"
    assert any(r.name.startswith("smsgate") for r in caplog.records)
    for i, text in enumerate(texts):
        assert_clean(text, f"text #{i}: {text[:80]!r}")


def test_credentials_travel_only_in_the_body(smsgate_emulator: Any) -> None:
    smsgate_emulator.smsc.add_account("canary", CANARY_PASSWORD, apikey=CANARY_KEY)
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as http:
        base = smsgate_emulator.base_url("smsc")
        smsgate.Smsc(login="canary", password=CANARY_PASSWORD, base_url=base, http_client=http).balance()
        smsgate.Smsc(api_key=CANARY_KEY, base_url=base, http_client=http).balance()
    assert [r.url.path for r in seen] == ["/smsc/sys/balance.php"] * 2
    for request in seen:
        assert request.method == "POST"
        assert request.url.query == b""
        assert_clean(str(request.url), "the URL")
        assert_clean(repr(request), "repr(request)")
        assert_clean(repr(dict(request.headers)), "the headers")
    assert f"psw={quote_plus(CANARY_PASSWORD)}".encode() in seen[0].content
    assert f"apikey={quote_plus(CANARY_KEY)}".encode() in seen[1].content


# -- the client itself ---------------------------------------------------------------------------------


def test_default_base_url_and_paths() -> None:
    client = smsgate.Smsc(login=LOGIN, password=PASSWORD)
    try:
        assert client.base_url == "https://smsc.ru"
        assert client.timeout.connect == 5.0
        assert client.max_retries == 2
        assert client.provider == "smsc"
        assert "smsgate-password" not in repr(client)
    finally:
        client.close()


def test_sync_and_async_twins_have_identical_signatures() -> None:
    names = [
        "send",
        "estimate",
        "status",
        "statuses",
        "balance",
        "create_subclient",
        "change_subclient",
        "top_up_subclient",
        "subclient_stats",
        "subclient_stats_detailed",
        "__init__",
    ]
    for name in names:
        sync = inspect.signature(getattr(smsgate.Smsc, name))
        asyn = inspect.signature(getattr(smsgate.AsyncSmsc, name))
        assert list(sync.parameters) == list(asyn.parameters), name
        if name != "__init__":
            assert sync.return_annotation == asyn.return_annotation
            assert inspect.iscoroutinefunction(getattr(smsgate.AsyncSmsc, name))


async def test_numbers_are_sent_with_plus_so_smsc_does_not_rewrite_them(smsc: Any, smsgate_emulator: Any) -> None:
    """+81312345678 (Tokyo) must not become the Russian 71312345678."""
    await call(smsc().send(["+81312345678"], "Hello", sender="SMSC.RU"))
    (message,) = smsgate_emulator.smsc.messages
    assert message.phone == "81312345678"
