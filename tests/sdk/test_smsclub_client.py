"""SMSClub: the generated client through the real HTTP stack against the emulator on loopback, sync and async;
`httpx.MockTransport` only to replay the seed's and our samples byte for byte (and the odd reply the
emulator never gives). Driven by ``schemas/smsclub/errors.toml``: a new row is tested without new code."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

import smsgate
from smsgate import DeliveryState, SmsClubStatus
from smsgate_generated.smsclub.errors import STATUS_STATES

from .conftest import SCHEMAS, ClientFactory, call, load_errors

TOKEN = "smsclub-test-token"  # the emulator's seed account "main" (sender VashZakaz, 8111.17 UAH)
SENDER = "VashZakaz"
SAMPLES = SCHEMAS / "smsclub" / "samples"
ERRORS = load_errors("smsclub")
#: errors.toml names operations as SMSClub's page does; the client's method names.
METHOD_OF = {
    "send": "send",
    "personal": "send_personal",
    "status": "status",
    "originator": "senders",
    "balance": "balance",
}


@pytest.fixture
async def smsclub(mode: str, smsgate_emulator: Any) -> AsyncIterator[ClientFactory]:
    """A factory of SMSClub clients (sync or async, by `mode`) aimed at the emulator; all closed after."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("base_url", smsgate_emulator.base_url("smsclub"))
        cls = smsgate.SmsClub if mode == "sync" else smsgate.AsyncSmsClub
        client = cls(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await call(client.aclose() if mode == "async" else client.close())


def operation(client: Any, name: str) -> Callable[[], Any]:
    """A call of each operation with valid arguments, by errors.toml operation name or method name."""
    calls: dict[str, Callable[[], Any]] = {
        "send": lambda: client.send(["380501234567"], "hi", sender=SENDER),
        "send_personal": lambda: client.send_personal([("380501234567", "hi")], sender=SENDER),
        "status": lambda: client.status(["106"]),
        "senders": lambda: client.senders(),
        "balance": lambda: client.balance(),
    }
    return calls[METHOD_OF.get(name, name)]


def handled(emulator: Any) -> int:
    return len(emulator.requests.filter("smsclub"))


# -- every operation over loopback ---------------------------------------------------------------------


async def test_send_returns_an_id_per_recipient_in_order(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    result = await call(smsclub().send(["+380989361131", "380501234567", "+38 (067) 123-45-67"], "Hi", sender=SENDER))
    assert isinstance(result, smsgate.SendResult)
    assert [m.recipient for m in result.messages] == ["380989361131", "380501234567", "380671234567"]
    assert result.message_ids == ("106", "107", "108")  # the page's example id first
    assert result.rejected == ()
    stored = {str(m.id): m.phone for m in smsgate_emulator.smsclub.messages.values()}
    assert stored == {m.message_id: m.recipient for m in result.messages}


async def test_partial_success_keeps_both_halves(smsclub: ClientFactory) -> None:
    """SMSClub sends to the good recipients and lists the others in add_info, in one HTTP 200 reply."""
    too_long = "ж" * 700  # over the emulator's 661-character limit for non-GSM-7 text: refused for that phone
    result = await call(
        smsclub().send_personal(
            [("380501234567", "one"), ("380671234567", too_long), ("+380931234567", "three")], sender=SENDER
        )
    )
    assert [m.recipient for m in result.messages] == ["380501234567", "380931234567"]
    assert all(i.isdigit() for i in result.message_ids)
    (rejected,) = result.rejected
    assert isinstance(rejected, smsgate.RejectedRecipient)
    recipient, reason = rejected  # a (recipient, reason) tuple
    assert recipient == "380671234567" and "too long" in reason


async def test_send_personal_takes_a_mapping(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    result = await call(smsclub().send_personal({"380501234567": "first", "380671234567": "second"}, sender=SENDER))
    assert [m.recipient for m in result.messages] == ["380501234567", "380671234567"]
    texts = {m.phone: m.text for m in smsgate_emulator.smsclub.messages.values()}
    assert texts == {"380501234567": "first", "380671234567": "second"}


async def test_every_recipient_refused_raises_and_nothing_is_sent(smsclub: ClientFactory) -> None:
    with pytest.raises(smsgate.InvalidRecipientError) as info:
        await call(smsclub().send_personal({"380501234567": "ж" * 700}, sender=SENDER))
    err = info.value
    assert err.code == "add_info.recipient"
    assert err.not_sent and not err.retryable
    assert err.description == ERRORS["add_info"]["recipient"]["description"]  # what the code means
    assert err.provider_message is not None  # what SMSClub said, as it said it
    assert "380501234567" in err.provider_message and "too long" in err.provider_message
    assert err.provider_message in str(err)
    assert err.http_status == 200  # success is decided from the body, not from the status line


async def test_status_in_order_and_moving_with_the_clock(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsclub()
    sent = await call(client.send(["380501234567", "380501234569"], "Hello", sender=SENDER))
    ok_id, bad_id = sent.message_ids  # the emulator does not deliver to numbers ending in 9
    first = await call(client.status([bad_id, int(ok_id), "999999"]))
    assert [s.message_id for s in first] == [bad_id, ok_id, "999999"]
    assert [s.status for s in first[:2]] == [SmsClubStatus.ENROUTE] * 2
    assert first[0].state is DeliveryState.SENT and not first[0].is_final
    unknown = first[2]  # not reported by SMSClub: unknown or of another account
    assert (unknown.status, unknown.raw_status, unknown.state) == (None, "", DeliveryState.UNKNOWN)
    smsgate_emulator.clock.advance(31)
    later = await call(client.status([ok_id, bad_id]))
    assert [s.status for s in later] == [SmsClubStatus.DELIVRD, SmsClubStatus.UNDELIV]
    assert [s.state for s in later] == [DeliveryState.DELIVERED, DeliveryState.UNDELIVERED]
    assert all(s.is_final and s.checked_at is not None for s in later)


async def test_status_of_only_unknown_ids_is_not_found(smsclub: ClientFactory) -> None:
    with pytest.raises(smsgate.NotFoundError) as info:
        await call(smsclub().status(["999999"]))
    assert info.value.code == "add_info.invalid_id_sms"
    assert info.value.description == ERRORS["add_info"]["invalid_id_sms"]["description"]
    assert info.value.provider_message == "Invalid id_sms"
    assert info.value.http_status == 400


async def test_another_accounts_messages_are_not_reported(smsclub: ClientFactory) -> None:
    sent = await call(smsclub().send(["380501234567"], "mine", sender=SENDER))
    with pytest.raises(smsgate.NotFoundError):
        await call(smsclub(token="smsclub-second-token").status(sent.message_ids))


async def test_senders(smsclub: ClientFactory) -> None:
    assert await call(smsclub().senders()) == ("VashZakaz", "test1", "test2", "smsgate")
    assert await call(smsclub(token="smsclub-second-token").senders()) == ("smsgate",)


async def test_balance_is_decimal_and_charged_per_part(smsclub: ClientFactory) -> None:
    client = smsclub()
    before = await call(client.balance())
    assert before == smsgate.Balance(amount=Decimal("8111.1700"), currency="UAH")
    await call(client.send(["380501234567", "380671234567"], "a" * 161, sender=SENDER))  # 2 parts each
    after = await call(client.balance())
    assert before.amount - after.amount == Decimal("0.85") * 4


async def test_the_pages_broken_balance_is_repaired(
    smsclub: ClientFactory, smsgate_emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """documented_replies: the emulator answers `"info": ["money": …, "currency": …]` as the page shows it."""
    caplog.set_level(logging.DEBUG, logger="smsgate")
    smsgate_emulator.smsclub.documented_replies = True
    balance = await call(smsclub().balance())
    assert balance == smsgate.Balance(amount=Decimal("8111.1700"), currency="UAH")
    assert any("balance_info_pairs_in_array" in r.getMessage() for r in caplog.records)


async def test_insufficient_funds_is_a_refused_request(smsclub: ClientFactory) -> None:
    """The page documents no code for it; the emulator answers 400 add_info {"balance": …} (our row
    add_info.balance, a presumed shape)."""
    with pytest.raises(smsgate.InsufficientFundsError) as info:
        await call(smsclub(token="smsclub-empty-token").send(["380501234567"], "hi", sender=SENDER))
    assert info.value.code == "add_info.balance"
    assert info.value.description == ERRORS["add_info"]["balance"]["description"]
    assert "balance: Insufficient funds" in (info.value.provider_message or "")
    assert info.value.not_sent


# -- provider errors -----------------------------------------------------------------------------------


async def test_unknown_sender_names_the_field(smsclub: ClientFactory) -> None:
    with pytest.raises(smsgate.InvalidSenderError) as info:
        await call(smsclub().send(["380501234567"], "hi", sender="NotMine"))
    err = info.value
    assert (err.code, err.http_status, err.not_sent, err.retryable) == ("add_info.src_addr", 400, True, False)
    assert err.description == ERRORS["add_info"]["src_addr"]["description"]
    assert err.provider_message == "src_addr: Некоректне Альфа Ім'я"  # the add_info detail, as SMSClub wrote it
    assert str(err).endswith("(provider: src_addr: Некоректне Альфа Ім'я)")
    assert type(err).__module__ == "smsgate"


async def test_bad_token_on_every_operation(smsclub: ClientFactory) -> None:
    client = smsclub(token="not-a-token")
    for name in ("send", "send_personal", "status", "senders", "balance"):
        with pytest.raises(smsgate.AuthenticationError) as info:
            await call(operation(client, name)())
        assert (info.value.code, info.value.http_status, info.value.operation) == ("401", 401, name)


async def test_duplicate_within_two_minutes(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    client = smsclub()
    await call(client.send(["380501234567"], "same text", sender=SENDER))
    before = handled(smsgate_emulator)
    with pytest.raises(smsgate.DuplicateError) as info:
        await call(client.send(["380501234567"], "same text", sender=SENDER))
    assert (info.value.code, info.value.http_status, info.value.retryable) == ("453", 453, False)
    assert handled(smsgate_emulator) == before + 1  # refused, and not repeated
    smsgate_emulator.clock.advance(121)
    assert len(await call(client.send(["380501234567"], "same text", sender=SENDER))) == 1


CODE_ROWS = sorted(ERRORS["codes"].items())


def flat_body(status: int) -> bytes:
    return json.dumps({"name": "Error", "message": f"flat {status}", "code": 0, "status": status}).encode()


@pytest.mark.parametrize(("code", "row"), CODE_ROWS, ids=[c for c, _ in CODE_ROWS])
async def test_every_http_status_row(
    smsclub: ClientFactory, smsgate_emulator: Any, code: str, row: dict[str, Any]
) -> None:
    """[codes]: HTTP status N with the flat {status, message} body -> the row's category and flags."""
    status = 503 if code == "5xx" else int(code)
    smsgate_emulator.faults.inject(
        "smsclub", "status", status=status, body=flat_body(status), content_type="application/json", retry_after="7"
    )
    op_name = METHOD_OF[row["operations"][0]]
    with pytest.raises(smsgate.ProviderError) as info:
        await call(operation(smsclub(max_retries=0), op_name)())
    err = info.value
    assert err.category.value == row["category"]
    assert (err.code, err.raw_code) == (code, code)
    assert (err.retryable, err.not_sent) == (row["retryable"], row["not_sent"])
    assert err.description == row["description"]
    assert err.provider_message == f"flat {status}"
    assert (err.http_status, err.operation, err.retry_after) == (status, op_name, 7.0)
    assert type(err).__module__ == "smsgate"


@pytest.mark.parametrize(("code", "row"), CODE_ROWS, ids=[c for c, _ in CODE_ROWS])
async def test_every_http_status_row_from_the_emulators_own_error_reply(
    smsclub: ClientFactory, smsgate_emulator: Any, code: str, row: dict[str, Any]
) -> None:
    smsgate_emulator.faults.inject("smsclub", "error_code", code=code)
    with pytest.raises(smsgate.ProviderError) as info:
        await call(smsclub(max_retries=0).balance())
    assert info.value.category.value == row["category"]


@pytest.mark.parametrize("status", [502, 504, 599])
async def test_any_5xx_without_a_json_body_is_unavailable(
    smsclub: ClientFactory, smsgate_emulator: Any, status: int
) -> None:
    smsgate_emulator.faults.inject("smsclub", "status", status=status, body=b"<html>Bad Gateway</html>")
    with pytest.raises(smsgate.ProviderUnavailableError) as info:
        await call(smsclub(max_retries=0).balance())
    assert (info.value.code, info.value.raw_code, info.value.http_status) == ("5xx", "5xx", status)
    assert info.value.description == ERRORS["codes"]["5xx"]["description"]
    assert info.value.provider_message is None  # an HTML body carries no text of SMSClub's


ADD_INFO_ROWS = sorted(ERRORS["add_info"].items())


def add_info_reply(key: str) -> tuple[int, bytes]:
    """The reply naming `key`: a rejected number (key "recipient") comes with HTTP 200, the others with 400."""
    if key == "recipient":
        return 200, json.dumps({"success_request": {"add_info": {"380501234567": "Incorrect phone number"}}}).encode()
    return 400, json.dumps({"success_request": {"add_info": {key: f"bad {key}"}}}).encode()


@pytest.mark.parametrize(("key", "row"), ADD_INFO_ROWS, ids=[k for k, _ in ADD_INFO_ROWS])
async def test_every_add_info_row(smsclub: ClientFactory, smsgate_emulator: Any, key: str, row: dict[str, Any]) -> None:
    """[add_info]: success_request.add_info without info -> the row of its key, the reasons in the description."""
    status, body = add_info_reply(key)
    smsgate_emulator.faults.inject("smsclub", "status", status=status, body=body, content_type="application/json")
    op_name = METHOD_OF[row["operations"][0]]
    with pytest.raises(smsgate.ProviderError) as info:
        await call(operation(smsclub(max_retries=0), op_name)())
    err = info.value
    assert err.category.value == row["category"]
    assert err.code == f"add_info.{key}"
    assert (err.retryable, err.not_sent, err.http_status) == (row["retryable"], row["not_sent"], status)
    assert err.description == row["description"]
    assert err.provider_message == (
        "380501234567: Incorrect phone number" if key == "recipient" else f"{key}: bad {key}"
    )


async def test_add_info_as_a_plain_string_is_an_invalid_id(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    body = (SAMPLES / "error-400-invalid-id-sms.json").read_bytes()
    smsgate_emulator.faults.inject("smsclub", "status", status=400, body=body, content_type="application/json")
    with pytest.raises(smsgate.NotFoundError) as info:
        await call(smsclub().status(["106"]))
    assert info.value.code == "add_info.invalid_id_sms"


async def test_an_unknown_add_info_key_keeps_its_raw_code(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    body = json.dumps({"success_request": {"add_info": {"lifetime": "Invalid lifetime"}}}).encode()
    smsgate_emulator.faults.inject("smsclub", "status", status=200, body=body, content_type="application/json")
    with pytest.raises(smsgate.ProviderError) as info:
        await call(smsclub().send(["380501234567"], "hi", sender=SENDER))
    assert type(info.value) is smsgate.ProviderError
    assert info.value.code == "add_info.lifetime"
    assert info.value.category is smsgate.ErrorCategory.UNKNOWN
    # No row to describe it: SMSClub's own text is all there is, in both attributes.
    assert info.value.description == info.value.provider_message == "lifetime: Invalid lifetime"


async def test_a_flat_error_body_under_http_200_is_still_an_error(
    smsclub: ClientFactory, smsgate_emulator: Any
) -> None:
    smsgate_emulator.faults.inject(
        "smsclub", "status", status=200, body=flat_body(401), content_type="application/json"
    )
    with pytest.raises(smsgate.AuthenticationError) as info:
        await call(smsclub().balance())
    assert info.value.http_status == 200


# -- retries and the rate limit ------------------------------------------------------------------------


async def test_429_is_retried_after_retry_after_even_for_a_send(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject(
        "smsclub", "status", status=429, body=flat_body(429), content_type="application/json", retry_after="0.3"
    )
    started = time.monotonic()
    result = await call(smsclub().send(["380501234567"], "hi", sender=SENDER))
    assert time.monotonic() - started >= 0.3
    assert len(result) == 1
    assert [r.status for r in smsgate_emulator.requests.filter("smsclub")] == [429, 200]


async def test_5xx_repeats_reads_but_never_a_send(smsclub: ClientFactory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("smsclub", "error_code", code="500")
    assert (await call(smsclub().balance())).currency == "UAH"
    smsgate_emulator.faults.inject("smsclub", "error_code", code="500", count=3)
    with pytest.raises(smsgate.ProviderUnavailableError) as info:
        await call(smsclub().send(["380501234567"], "hi", sender=SENDER))
    assert info.value.not_sent is False  # it may have been sent: not repeated
    assert [r.status for r in smsgate_emulator.requests.filter("smsclub")] == [500, 200, 500]


CALLS = 12  # more than the 9 the emulator (like SMSClub) lets through in any second


async def burst(client: Any, mode: str) -> list[Any]:
    """`CALLS` balance requests: one after another (sync) or all at once (async)."""
    if mode == "sync":
        results: list[Any] = []
        for _ in range(CALLS):
            try:
                results.append(client.balance())
            except smsgate.RateLimitError as exc:
                results.append(exc)
        return results
    return list(await asyncio.gather(*(client.balance() for _ in range(CALLS)), return_exceptions=True))


async def test_the_default_rate_limit_keeps_under_nine_per_second(
    smsclub: ClientFactory, smsgate_emulator: Any, mode: str
) -> None:
    client = smsclub(max_retries=0)  # a 429 would raise
    started = time.monotonic()
    results = await burst(client, mode)
    elapsed = time.monotonic() - started
    assert all(isinstance(r, smsgate.Balance) for r in results), results
    assert elapsed >= 1.0  # the 10th request waited for the window
    assert [r.status for r in smsgate_emulator.requests.filter("smsclub")] == [200] * CALLS


async def test_without_the_limit_the_provider_refuses(smsclub: ClientFactory, mode: str) -> None:
    results = await burst(smsclub(max_retries=0, rate_limit=None), mode)
    refused = [r for r in results if isinstance(r, smsgate.RateLimitError)]
    assert len(refused) == CALLS - 9
    assert all(r.code == "429" and r.retry_after == 1.0 and r.not_sent for r in refused)


def test_rate_limit_argument() -> None:
    assert smsgate.SmsClub(token="t")._limiter is not None
    assert smsgate.SmsClub(token="t", rate_limit=None)._limiter is None
    assert smsgate.AsyncSmsClub(token="t", rate_limit=2.5)._limiter.limit == 2  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="rate_limit"):
        smsgate.SmsClub(token="t", rate_limit=0)
    assert smsgate.LetsAds(login="380501234567", password="p")._limiter is None  # no documented limit


# -- validation before sending -------------------------------------------------------------------------


INVALID_CALLS: dict[str, Callable[[Any], Any]] = {
    "101 recipients": lambda c: c.send([f"38050{i:07d}" for i in range(101)], "hi", sender=SENDER),
    "no recipients": lambda c: c.send([], "hi", sender=SENDER),
    "bad phone": lambda c: c.send(["380501234567", "12"], "hi", sender=SENDER),
    "national phone": lambda c: c.send(["0501234567"], "hi", sender=SENDER),
    "a lone string": lambda c: c.send("380501234567", "hi", sender=SENDER),
    "blank text": lambda c: c.send(["380501234567"], "  ", sender=SENDER),
    "sender of 12": lambda c: c.send(["380501234567"], "hi", sender="S" * 12),
    "empty sender": lambda c: c.send(["380501234567"], "hi", sender=""),
    "empty integration_id": lambda c: c.send(["380501234567"], "hi", sender=SENDER, integration_id=""),
    "101 personal": lambda c: c.send_personal({f"38050{i:07d}": "x" for i in range(101)}, sender=SENDER),
    "personal bad phone": lambda c: c.send_personal([("12", "x")], sender=SENDER),
    "personal blank text": lambda c: c.send_personal([("380501234567", "")], sender=SENDER),
    "personal not pairs": lambda c: c.send_personal(["380501234567"], sender=SENDER),
    "101 ids": lambda c: c.status([str(i) for i in range(1, 102)]),
    "no ids": lambda c: c.status([]),
    "bad id": lambda c: c.status(["106", "1e3"]),
    "zero id": lambda c: c.status([0]),
    "lone id": lambda c: c.status("106"),
}


@pytest.mark.parametrize("case", sorted(INVALID_CALLS))
async def test_invalid_arguments_send_nothing(smsclub: ClientFactory, smsgate_emulator: Any, case: str) -> None:
    with pytest.raises(smsgate.ValidationError) as info:
        await call(INVALID_CALLS[case](smsclub()))
    assert isinstance(info.value, ValueError)
    assert handled(smsgate_emulator) == 0


# -- what travels ---------------------------------------------------------------------------------------


def recording_client(replies: dict[str, tuple[int, bytes]], seen: list[httpx.Request], **kwargs: Any) -> Any:
    """A sync client over MockTransport answering each path with (status, body) and recording the requests."""

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        status, body = replies[request.url.path]
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    kwargs.setdefault("token", TOKEN)
    return smsgate.SmsClub(
        base_url="http://127.0.0.1:9",
        max_retries=0,
        rate_limit=None,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **kwargs,
    )


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


REPLIES = {
    "/sms/send": (200, sample("seed003-send-response.json")),
    "/v2/sms/send": (200, sample("send-response-partial.json")),
    "/sms/status": (200, sample("seed003-status-response.json")),
    "/sms/originator": (200, sample("seed003-originator-response.json")),
    "/sms/balance": (200, sample("fixed-seed003-balance-response.json")),
}


def test_requests_are_the_seed_examples_as_valid_json() -> None:
    """What the SDK sends equals the page's examples, parsed; the status request has no trailing comma."""
    seen: list[httpx.Request] = []
    with recording_client(REPLIES, seen) as client:
        client.send(["380989361131"], "test text", sender="VashZakaz")
        client.status(["106"])
        client.send_personal([("380980000001", "test 1"), ("380980000002", "test 2")], sender="VashZakaz")
        client.send(
            ["380989361131", "380501234567", "380671234567"],
            "Ваше замовлення готове до видачі",
            sender="VashZakaz",
            integration_id="partner-42",
        )
        client.status([str(i) for i in range(1000, 1100)])
        client.senders()
        client.balance()
    bodies = [json.loads(r.content) for r in seen[:5]]  # strict JSON: a trailing comma would raise here
    assert bodies == [
        json.loads(sample("seed003-send-request.json")),
        json.loads(sample("fixed-seed003-status-request.json")),
        json.loads(sample("personal-request.json")),
        json.loads(sample("send-request-cyrillic.json")),
        json.loads(sample("status-request-100-ids.json")),
    ]
    with pytest.raises(json.JSONDecodeError):
        json.loads(sample("seed003-status-request-malformed.json"))
    assert seen[1].content == b'{"id_sms":["106"]}'
    assert "Ваше".encode() in seen[3].content  # UTF-8, not \u escapes
    assert [r.url.path for r in seen] == [
        "/sms/send",
        "/sms/status",
        "/v2/sms/send",
        "/sms/send",
        "/sms/status",
        "/sms/originator",
        "/sms/balance",
    ]
    assert {r.method for r in seen} == {"POST"}
    assert seen[5].content == seen[6].content == b""  # sender names and balance: a POST without a body
    for request in seen:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Content-Type"] == "application/json"


# -- every sample, read by the client --------------------------------------------------------------------


def replying(status: int, body: bytes) -> Any:
    handler_replies = dict.fromkeys(REPLIES, (status, body))
    return recording_client(handler_replies, [])


def expect_send(name: str) -> None:
    with replying(200, sample(name)) as client:
        result = client.send(["380989361131", "380501234567", "380671234567"], "x", sender=SENDER)
    if name == "seed003-send-response.json":
        assert result.messages == (smsgate.SentMessage("380989361131", "106"),)
        assert result.rejected == ()
    else:  # partial success: neither half is lost
        assert result.messages == (
            smsgate.SentMessage("380989361131", "1241725993"),
            smsgate.SentMessage("380501234567", "1241725994"),
        )
        assert result.rejected == (("38067123456789", "Incorrect phone number"),)


def expect_status(name: str) -> None:
    info = json.loads(sample(name))["success_request"]["info"]
    with replying(200, sample(name)) as client:
        statuses = client.status(list(info))
    assert [s.raw_status for s in statuses] == list(info.values())
    for s in statuses:
        assert s.status is not None and s.status.value == s.raw_status
        assert s.state is STATUS_STATES[s.status]
        assert s.state.value == ERRORS["statuses"][s.raw_status]["state"]


def expect_undocumented_status(name: str) -> None:
    """A value no document lists reads as an unknown status, kept as received; the documented one as usual."""
    with replying(200, sample(name)) as client:
        delivered, pending, russian = client.status(["101", "102", "103"])
    assert (delivered.status, delivered.state) == (SmsClubStatus.DELIVRD, DeliveryState.DELIVERED)
    assert (pending.status, pending.raw_status, pending.state) == (None, "PENDING", DeliveryState.UNKNOWN)
    assert (russian.status, russian.raw_status, russian.state) == (None, "В обработке", DeliveryState.UNKNOWN)
    assert not pending.is_final


def expect_balance(name: str) -> None:
    """The fixed twin reads as is; the page's broken one through the named repair rule, to the same value."""
    with replying(200, sample(name)) as client:
        assert client.balance() == smsgate.Balance(Decimal("8111.1700"), "UAH")


def expect_senders(name: str) -> None:
    with replying(200, sample(name)) as client:
        assert client.senders() == ("test1", "test2")


def expect_error(name: str) -> None:
    """error-<status>-*.json under its HTTP status: the row the client chooses."""
    status = int(name.removesuffix(".json").split("-")[1])
    body = sample(name)
    with replying(status, body) as client, pytest.raises(smsgate.ProviderError) as info:
        operation(client, "status" if "id-sms" in name else "send")()
    expected = {
        "error-400-validation.json": (smsgate.InvalidSenderError, "add_info.src_addr"),
        "error-400-invalid-id-sms.json": (smsgate.NotFoundError, "add_info.invalid_id_sms"),
        "error-401.json": (smsgate.AuthenticationError, "401"),
        "error-429.json": (smsgate.RateLimitError, "429"),
        "error-453.json": (smsgate.DuplicateError, "453"),
        "error-500.json": (smsgate.ProviderUnavailableError, "500"),
    }[name]
    assert (type(info.value), info.value.code) == expected
    assert info.value.http_status == status
    message = json.loads(body).get("message")
    if message:
        assert info.value.provider_message == message


def expect_all_rejected(name: str) -> None:
    with replying(200, sample(name)) as client, pytest.raises(smsgate.InvalidRecipientError) as info:
        client.send(["380501234567"], "x", sender=SENDER)
    assert info.value.provider_message == "38093123456789: Incorrect phone number"


def expect_request(name: str) -> None:
    """Requests are checked byte for byte in `test_requests_are_the_seed_examples_as_valid_json`."""
    assert name in {
        "seed003-send-request.json",
        "fixed-seed003-status-request.json",
        "seed003-status-request-malformed.json",
        "personal-request.json",
        "send-request-cyrillic.json",
        "status-request-100-ids.json",
    }


READ_AS: dict[str, Callable[[str], None]] = {
    "seed003-send-request.json": expect_request,
    "seed003-send-response.json": expect_send,
    "seed003-status-request-malformed.json": expect_request,
    "seed003-status-response.json": expect_status,
    "seed003-originator-response.json": expect_senders,
    "seed003-balance-response-malformed.json": expect_balance,
    "fixed-seed003-status-request.json": expect_request,
    "fixed-seed003-balance-response.json": expect_balance,
    "send-request-cyrillic.json": expect_request,
    "personal-request.json": expect_request,
    "status-request-100-ids.json": expect_request,
    "send-response-partial.json": expect_send,
    "send-response-all-rejected.json": expect_all_rejected,
    "status-response-every-status.json": expect_status,
    "status-response-undocumented-status.json": expect_undocumented_status,
    "error-400-validation.json": expect_error,
    "error-400-invalid-id-sms.json": expect_error,
    "error-401.json": expect_error,
    "error-429.json": expect_error,
    "error-453.json": expect_error,
    "error-500.json": expect_error,
}


def test_every_sample_has_an_expectation() -> None:
    assert set(READ_AS) == {p.name for p in SAMPLES.glob("*.json")}


@pytest.mark.parametrize("name", sorted(READ_AS))
def test_every_sample_reads_as_documented(name: str) -> None:
    READ_AS[name](name)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (sample("seed003-balance-response-malformed.json")[:-20], "truncated: the repair rule does not match"),
        (b'{"success_request": {"info": ["money", "8111.17"]}}', "an array, but not of key/value pairs"),
        (b'{"success_request": {"info": {"money": "lots", "currency": "UAH"}}}', "money is not a number"),
        (b'{"success_request": {"info": {"money": "NaN", "currency": "UAH"}}}', "money is not finite"),
        (b'{"success_request": {}}', "no info"),
        (b"<html>maintenance</html>", "not JSON"),
        (b"", "empty"),
    ],
)
def test_unreadable_balance_is_a_response_format_error(body: bytes, why: str) -> None:
    with replying(200, body) as client, pytest.raises(smsgate.ResponseFormatError) as info:
        client.balance()
    assert info.value.http_status == 200, why


@pytest.mark.parametrize(
    "body",
    [
        b'{"success_request": {}}',
        b'{"success_request": {"info": {"abc": "380501234567"}}}',
        b'{"success": true}',
    ],
)
def test_unreadable_send_replies(body: bytes) -> None:
    with replying(200, body) as client, pytest.raises(smsgate.ResponseFormatError):
        client.send(["380501234567"], "x", sender=SENDER)


# -- the token --------------------------------------------------------------------------------------------

CANARY = "Cn&ry<7>\"q'+/%tk"
FORMS = {
    "raw": CANARY,
    "url": quote(CANARY, safe=""),
    "url-plus": quote_plus(CANARY),
    "json": json.dumps(CANARY)[1:-1],
    "distinctive part": "Cn&ry",
}


def assert_clean(text: str, where: str) -> None:
    for name, form in FORMS.items():
        assert form not in text, f"{name} form of the token found in {where}"


async def test_token_never_leaks(mode: str, smsgate_emulator: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    smsgate_emulator.smsclub.add_account("canary", CANARY)
    base = smsgate_emulator.base_url("smsclub")
    cls: Any = smsgate.SmsClub if mode == "sync" else smsgate.AsyncSmsClub
    good = cls(token=CANARY, base_url=base, max_retries=1)
    wrong = cls(token=CANARY + "x", base_url=base, max_retries=0)
    texts = [repr(good), str(good), repr(vars(good)), repr(wrong)]

    sent = await call(good.send(["380501234567"], "hi", sender=SENDER))
    texts += [repr(sent), repr(await call(good.balance())), repr(await call(good.status(sent.message_ids)))]

    def inject(kind: str, **params: Any) -> Callable[[], Any]:
        return lambda: smsgate_emulator.faults.inject("smsclub", kind, **params)

    echo = json.dumps({"status": 400, "message": f"bad token {CANARY}"}).encode()
    failures: list[tuple[Callable[[], Any] | None, Callable[[], Any]]] = [
        (None, lambda: wrong.balance()),  # 401
        (None, lambda: good.send(["12"], "hi", sender=SENDER)),  # ValidationError
        (None, lambda: good.send(["380501234567"], "hi", sender="S" * 12)),  # schema ValidationError
        (None, lambda: good.status(["999999"])),  # NotFoundError
        (inject("status", status=400, body=echo, content_type="application/json"), lambda: good.balance()),
        (inject("malformed", body=f"<html>{CANARY}</html>"), lambda: good.balance()),  # ResponseFormatError
        (inject("status", status=503, count=5), lambda: good.balance()),  # retried 5xx
    ]
    for setup, failure in failures:
        if setup is not None:
            setup()
        with pytest.raises(smsgate.SmsGateError) as info:
            await call(failure())
        exc = info.value
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc)), repr(vars(exc))]
    await call(good.aclose() if mode == "async" else good.close())
    await call(wrong.aclose() if mode == "async" else wrong.close())
    texts += [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    assert any(r.name.startswith("httpx") for r in caplog.records), "httpx's own log must be covered"
    assert any(r.name.startswith("smsgate") for r in caplog.records)
    for i, text in enumerate(texts):
        assert_clean(text, f"text #{i}: {text[:80]!r}")


def test_token_travels_only_in_the_authorization_header() -> None:
    seen: list[httpx.Request] = []
    with recording_client(REPLIES, seen, token=CANARY) as client:
        client.send(["380989361131"], "test text", sender=SENDER)
        client.balance()
    for request in seen:
        assert request.headers["Authorization"] == f"Bearer {CANARY}"
        assert_clean(str(request.url), "the URL")
        assert_clean(repr(request), "repr(request)")
        assert_clean(request.content.decode(), "the body")
        others = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        assert_clean(repr(others), "the other headers")


def test_token_is_required() -> None:
    with pytest.raises(TypeError, match="token"):
        smsgate.SmsClub(token="")


def test_add_info_of_an_unknown_shape_is_still_an_error() -> None:
    with (
        replying(200, b'{"success_request": {"add_info": ["odd"]}}') as client,
        pytest.raises(smsgate.ProviderError) as info,
    ):
        client.senders()
    assert (type(info.value), info.value.code) == (smsgate.ProviderError, "add_info")
    with (
        replying(400, b'{"success_request": {"add_info": ["odd"]}}') as client,
        pytest.raises(smsgate.ProviderError) as info,
    ):
        client.senders()
    assert (type(info.value), info.value.code) == (smsgate.InvalidRequestError, "400")
