"""SMSLeads through the real HTTP stack against the emulator on loopback, sync and async.

Every command runs twice: against the emulator's well-formed replies and against the replies exactly as the
provider's page shows them (``documented_replies``: unclosed ``<shipment_id>``, a rootless rmNumBL reply, a
bulk reply rooted ``<sms>``, ``<verify_message>``, padded values), which the client's named repair rules read.
"""

from __future__ import annotations

import inspect
import json
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import httpx
import pytest

import smsgate
from smsgate import Contact, DeliveryState, Recipient, SmsLeadsStatus, UnsubscribeOption
from smsgate.emulator import Emulator

from .conftest import call, load_errors

USERNAME = "JohnDoe"
TOKEN = "sl-johndoe-token"
SENDER = "DemoAPI"
# Valid in phonenumbers' metadata (050-1xxxxxx is not); the emulator fails phones ending in 9.
PHONE = "0502345678"
PHONE_2 = "0545555555"
PHONE_FAILING = "0587654329"

Factory = Callable[..., Any]


@pytest.fixture(params=[False, True], ids=["clean-replies", "documented-replies"])
def documented(request: pytest.FixtureRequest, smsgate_emulator: Any) -> bool:
    """Both reply styles of the emulator: well-formed, and exactly as the page shows them."""
    smsgate_emulator.smsleads.documented_replies = bool(request.param)
    return bool(request.param)


@pytest.fixture
async def smsleads(mode: str, smsgate_emulator: Any) -> AsyncIterator[Factory]:
    """A factory of SMSLeads clients (sync or async, by `mode`) aimed at the emulator; all closed after."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("username", USERNAME)
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("base_url", smsgate_emulator.base_url("smsleads"))
        cls: Any = smsgate.SmsLeads if mode == "sync" else smsgate.AsyncSmsLeads
        client = cls(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await call(client.aclose() if mode == "async" else client.close())


def now(emulator: Any) -> datetime:
    """The emulator's clock as the naive wall-clock time it writes its dates in."""
    moment: datetime = emulator.clock.now()
    return moment.astimezone(UTC).replace(tzinfo=None)


def around(emulator: Any, hours: float = 1) -> dict[str, datetime]:
    t = now(emulator)
    return {"start": t - timedelta(hours=hours), "end": t + timedelta(hours=hours)}


def credits_of(emulator: Any, username: str = USERNAME) -> int:
    return int(emulator.smsleads.accounts[username].credits)


# -- sending ------------------------------------------------------------------------------------------------


async def test_send_returns_the_shipment_id_and_sends_local_phones(
    smsleads: Factory, smsgate_emulator: Any, documented: bool
) -> None:
    client = smsleads()
    result = await call(
        client.send(["+972502345678", Recipient("545555555", external_id="order-1")], "Hello", sender=SENDER)
    )
    assert isinstance(result, smsgate.Shipment)
    assert result.shipment_id.isdigit()
    assert result.description == "SMS will be sent"
    shipment = smsgate_emulator.smsleads.shipments[int(result.shipment_id)]
    assert [(m.phone, m.external_id, m.text, m.source) for m in shipment.messages] == [
        (PHONE, None, "Hello", SENDER),
        (PHONE_2, "order-1", "Hello", SENDER),
    ]
    assert credits_of(smsgate_emulator) == 1000 - 2


async def test_send_options_reach_the_provider(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    client = smsleads()
    later = now(smsgate_emulator) + timedelta(days=1)
    result = await call(
        client.send(
            [PHONE],
            "Hello",
            sender=SENDER,
            contact_lists=[21500],
            send_at=later,
            unsubscribe=UnsubscribeOption.BY_LINK,
            allow_replies=True,
            tag="#",
        )
    )
    shipment = smsgate_emulator.smsleads.shipments[int(result.shipment_id)]
    assert shipment.scheduled
    assert shipment.send_at.astimezone(UTC).replace(tzinfo=None) == later.replace(second=0, microsecond=0)
    assert shipment.add_unsubscribe == "3"
    assert shipment.response
    assert sorted(m.phone for m in shipment.messages) == ["0502345678", PHONE]
    assert all(m.text.startswith("<#>Hello") for m in shipment.messages)
    assert all(m.source in smsgate_emulator.smsleads.reply_numbers for m in shipment.messages)


async def test_send_with_dynamic_fields_of_one_contact_list(smsleads: Factory, smsgate_emulator: Any) -> None:
    result = await call(
        smsleads().send([], "Hi [DYNAMIC_FIELD1]", sender=SENDER, contact_lists=[21518], dynamic_fields=True)
    )
    texts = [m.text for m in smsgate_emulator.smsleads.shipments[int(result.shipment_id)].messages]
    assert texts == ["Hi Israel", "Hi דנה"]


async def test_send_bulk(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    messages = [
        smsgate.BulkMessage([PHONE, Recipient(PHONE_2, "b-2")], "First", SENDER),
        smsgate.BulkMessage(["+972587654321"], "Second", "0501234567"),
    ]
    result = await call(smsleads().send_bulk(messages, unsubscribe=UnsubscribeOption.BY_REPLY))
    assert result.description == "SMS bulk will be sent"
    shipment = smsgate_emulator.smsleads.shipments[int(result.shipment_id)]
    assert shipment.command == "bulk"
    assert [(m.phone, m.external_id, m.source) for m in shipment.messages] == [
        (PHONE, None, SENDER),
        (PHONE_2, "b-2", SENDER),
        ("0587654321", None, "0501234567"),
    ]
    assert shipment.add_unsubscribe == "2"


async def test_cancel_a_scheduled_campaign(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    client = smsleads()
    sent = await call(client.send([PHONE], "Later", sender=SENDER, send_at=now(smsgate_emulator) + timedelta(days=2)))
    assert credits_of(smsgate_emulator) == 999
    result = await call(client.cancel(sent.shipment_id))
    assert isinstance(result, smsgate.CommandResult)
    assert result.description == "Campaign successfuly cancel"
    assert credits_of(smsgate_emulator) == 1000
    with pytest.raises(smsgate.DuplicateError) as info:
        await call(client.cancel(int(sent.shipment_id)))
    assert info.value.code == "955"
    with pytest.raises(smsgate.NotFoundError):
        await call(client.cancel("campaign1"))
    immediate = await call(client.send([PHONE], "Now", sender=SENDER))
    with pytest.raises(smsgate.InvalidRequestError) as invalid:
        await call(client.cancel(immediate.shipment_id))
    assert invalid.value.code == "966"


async def test_verify_phone(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    result = await call(smsleads().verify_phone(["+972502345678", "03-123-4567"]))
    assert result.description.splitlines() == [
        "verification link will be send to 0502345678",
        "in order to complete the verification of 031234567 call to 0522222222",
    ]
    assert smsgate_emulator.smsleads.accounts[USERNAME].verifications[-2:] == [PHONE, "031234567"]


# -- reading ------------------------------------------------------------------------------------------------


async def test_balance_is_credits(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    client = smsleads()
    before = await call(client.balance())
    assert before == smsgate.CreditBalance(credits=1000, description="Your balance is:1000")
    await call(client.send([PHONE, PHONE_2], "x" * 161, sender=SENDER))  # 2 parts each
    assert (await call(client.balance())).credits == 1000 - 4


async def test_delivery_reports_follow_the_clock(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    client = smsleads()
    window = around(smsgate_emulator)
    sent = await call(
        client.send([Recipient(PHONE, "ok-1"), Recipient(PHONE_FAILING, "bad-1"), PHONE_2], "Hi", sender=SENDER)
    )
    first = await call(client.delivery_reports(["ok-1", "bad-1"], **window))
    assert [(r.external_id, r.status, r.state) for r in first] == [
        ("ok-1", SmsLeadsStatus.SENT_UNCONFIRMED, DeliveryState.SENT),
        ("bad-1", SmsLeadsStatus.SENT_UNCONFIRMED, DeliveryState.SENT),
    ]
    smsgate_emulator.clock.advance(31)
    ok, bad = await call(client.delivery_reports(["ok-1", "bad-1"], **window))
    assert isinstance(ok, smsgate.DeliveryReport)
    assert (ok.status, ok.raw_status, ok.state, ok.is_final) == (
        SmsLeadsStatus.DELIVERED,
        "102",
        DeliveryState.DELIVERED,
        True,
    )
    assert (ok.text_he, ok.text_en) == ("הגיע ליעד", "Delivered")
    assert ok.shipment_id == sent.shipment_id
    assert isinstance(ok.reported_at, datetime)
    assert ok.reported_at.tzinfo is None
    assert abs(ok.reported_at - now(smsgate_emulator)) < timedelta(minutes=2)
    assert (bad.status, bad.state, bad.text_en) == (
        SmsLeadsStatus.FAILED_101,
        DeliveryState.UNDELIVERED,
        "Not delivered",
    )
    by_date = await call(client.delivery_reports_by_date(**window))
    assert [r.external_id for r in by_date] == ["ok-1", "bad-1"]
    assert by_date == (ok, bad)


async def test_incoming_and_blacklist(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    client = smsleads()
    incoming = await call(client.incoming(**around(smsgate_emulator, hours=24)))
    assert [(m.sender, m.recipient, m.text) for m in incoming] == [
        ("0522345678", "0535500100", "This is a sample message"),
        ("0547654321", "0535500100", "הסר"),
    ]
    assert all(isinstance(m, smsgate.IncomingMessage) and m.received_at.tzinfo is None for m in incoming)
    blocked = await call(client.blacklist(**around(smsgate_emulator, hours=24 * 4)))
    assert [e.phone for e in blocked] == ["0508888888", "0509999999"]
    assert blocked[0].blocked_at - blocked[1].blocked_at == timedelta(days=2)


async def test_remove_from_blacklist_succeeds_with_944(
    smsleads: Factory, smsgate_emulator: Any, documented: bool
) -> None:
    client = smsleads()
    result = await call(client.remove_from_blacklist(["+972509999999", "0587654321"], reason="asked by phone"))
    assert isinstance(result, smsgate.BlacklistRemoval)
    assert (result.removed, result.not_listed) == (1, 1)
    assert "Successfully deleted" in result.description
    assert list(smsgate_emulator.smsleads.accounts[USERNAME].blacklist) == ["0508888888"]


async def test_sub_accounts(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    client = smsleads()
    created = await call(
        client.add_sub_account(
            name="israel israeli", username="israelisraeli", password="s3cret-pw", sender=SENDER, amount=70
        )
    )
    assert created.description == "The user was created successfully"
    updated = await call(client.update_sub_account_amount(username="username1", password="password1", amount=5))
    assert updated.description == "Wallet successfully updated"
    balances = await call(client.sub_account_balances())
    assert all(isinstance(b, smsgate.SubAccountBalance) for b in balances)
    assert [(b.name, b.credits) for b in balances] == [("name1", 85), ("name2", 50), ("israel israeli", 70)]
    assert len({b.sub_account_id for b in balances}) == 3
    assert credits_of(smsgate_emulator) == 1000 - 70 - 5
    with pytest.raises(smsgate.DuplicateError):
        await call(
            client.add_sub_account(name="x", username="israelisraeli", password="s3cret-pw", sender=SENDER, amount=1)
        )
    with pytest.raises(smsgate.NotFoundError) as info:
        await call(client.update_sub_account_amount(username="EmptyWallet", password="whatever1", amount=1))
    assert info.value.code == "503"
    with pytest.raises(smsgate.InsufficientFundsError) as funds:
        await call(client.update_sub_account_amount(username="username1", password="password1", amount=10**6))
    assert funds.value.code == "990"


async def test_contact_lists_lifecycle(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    client = smsleads()
    created = await call(
        client.create_contact_lists({"VIP": [PHONE, Contact("+972545555555", ["Dana", "Cohen"])], "Empty": [PHONE]})
    )
    assert isinstance(created, smsgate.ContactListResult)
    assert created.complete
    vip, other = created.list_ids
    stored = smsgate_emulator.smsleads.contact_lists[vip]
    assert [(c.phone, c.fields[:2]) for c in stored.contacts] == [(PHONE, ("", "")), (PHONE_2, ("Dana", "Cohen"))]

    added = await call(client.add_to_contact_lists({vip: ["0587654321"], 99999: [PHONE]}))
    assert not added.complete
    assert added.errors == ("contact list id: 99999 does not exist and therefore not updated",)
    rows = await call(client.contact_list(vip))
    assert [(r.list_id, r.name, r.phone) for r in rows] == [
        (vip, "VIP", PHONE),
        (vip, "VIP", PHONE_2),
        (vip, "VIP", "0587654321"),
    ]

    removed = await call(client.remove_from_contact_lists({vip: [PHONE], 99999: [PHONE]}))
    assert removed.errors == ("contact list id: 99999 does not exist and therefore not removed",)
    assert [r.phone for r in await call(client.contact_list(vip))] == [PHONE_2, "0587654321"]

    gone = await call(client.remove_contact_lists([other, 99999]))
    assert gone.description == "contact list successfully removed"
    assert gone.errors == ("contact list id: 99999 does not exist and therefore not removed",)
    with pytest.raises(smsgate.NotFoundError) as info:
        await call(client.contact_list(other))
    assert info.value.code == "988"


async def test_all_contact_lists(smsleads: Factory, smsgate_emulator: Any, documented: bool) -> None:
    rows = await call(smsleads().contact_lists())
    assert all(isinstance(r, smsgate.ContactListEntry) for r in rows)
    assert [(r.list_id, r.name, r.phone) for r in rows] == [
        (21518, "name1", "0522345678"),
        (21518, "name1", "0547654321"),
        (21500, "name2", "0502345678"),
    ]


# -- errors ---------------------------------------------------------------------------------------------------


def command_calls(client: Any) -> dict[str, Callable[[], Any]]:
    """One call per provider command, keyed by the command (errors.toml names commands)."""
    window = {"start": datetime(2024, 5, 1), "end": datetime(2024, 5, 2)}
    return {
        "sms": lambda: client.send([PHONE], "hi", sender=SENDER),
        "bulk": lambda: client.send_bulk([smsgate.BulkMessage([PHONE], "hi", SENDER)]),
        "balance": lambda: client.balance(),
        "dlr": lambda: client.delivery_reports(["order-1"], **window),
        "dlrByDate": lambda: client.delivery_reports_by_date(**window),
        "incoming": lambda: client.incoming(**window),
        "blacklist": lambda: client.blacklist(**window),
        "rmNumBL": lambda: client.remove_from_blacklist([PHONE], reason="asked"),
        "addSub": lambda: client.add_sub_account(
            name="n", username="user1", password="secret1", sender=SENDER, amount=1
        ),
        "updateAmountSub": lambda: client.update_sub_account_amount(username="u", password="p", amount=1),
        "getBlanceSubs": lambda: client.sub_account_balances(),
        "newCL": lambda: client.create_contact_lists({"n": [PHONE]}),
        "removeCL": lambda: client.remove_contact_lists([21518]),
        "addNumCL": lambda: client.add_to_contact_lists({21518: [PHONE]}),
        "rmNumCL": lambda: client.remove_from_contact_lists({21518: [PHONE]}),
        "getCL": lambda: client.contact_lists(),
        "getCLbyID": lambda: client.contact_list(21518),
        "cancel": lambda: client.cancel("12345678"),
        "verify_phone": lambda: client.verify_phone([PHONE]),
    }


ERRORS = load_errors("smsleads")
ERROR_ROWS = sorted(ERRORS["codes"].items(), key=lambda item: int(item[0]))


@pytest.mark.parametrize(("code", "row"), ERROR_ROWS, ids=[c for c, _ in ERROR_ROWS])
async def test_every_result_code_maps_to_its_category(
    smsleads: Factory, smsgate_emulator: Any, documented: bool, code: str, row: dict[str, Any]
) -> None:
    """Driven by errors.toml: a new row is tested without new code. Run for the first command the row names, and
    for bulk and rmNumBL too when it names them (their documented replies have a root of their own)."""
    client = smsleads(max_retries=0)
    calls = command_calls(client)
    commands = [row["operations"][0], *(c for c in ("bulk", "rmNumBL") if c in row["operations"][1:])]
    for command in commands:
        smsgate_emulator.faults.inject("smsleads", "error_code", code=code, count=1)
        with pytest.raises(smsgate.ProviderError) as info:
            await call(calls[command]())
        err = info.value
        assert err.category.value == row["category"], command
        assert (err.code, err.raw_code) == (code, code)
        assert err.retryable is row["retryable"]
        assert err.not_sent is row["not_sent"]
        assert err.description == row["description"]
        assert err.provider_message  # the reply's own <message>, beside the table's description
        assert err.provider == "smsleads"
        assert type(err).__module__ == "smsgate"


UNKNOWN_CODES = [
    (command, code)
    for command in sorted(command_calls(None))
    for code in ("12", "515", "944", "-7")
    if (command, code) != ("rmNumBL", "944")  # rmNumBL's success
]


@pytest.mark.parametrize(("command", "code"), UNKNOWN_CODES, ids=[f"{c}-{n}" for c, n in UNKNOWN_CODES])
async def test_unknown_result_codes_keep_the_raw_code(
    smsleads: Factory, smsgate_emulator: Any, command: str, code: str
) -> None:
    """Codes outside the table (the sibling platform's 12, 515…; 944 outside rmNumBL) are plain ProviderErrors."""
    smsgate_emulator.faults.inject("smsleads", "error_code", code=code, count=1)
    with pytest.raises(smsgate.ProviderError) as info:
        await call(command_calls(smsleads(max_retries=0))[command]())
    assert type(info.value) is smsgate.ProviderError
    assert info.value.code == code
    assert info.value.category is smsgate.ErrorCategory.UNKNOWN


def error_reply(code: str, message: str, root: str = "sms") -> bytes:
    """An error reply of SMSLeads' shape (the XSD requires <message>) with the command as root."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{root}><status>{code}</status>'
        f"<message>{escape(message)}</message></{root}>"
    ).encode()


async def test_the_providers_own_message_is_kept(smsleads: Factory, smsgate_emulator: Any) -> None:
    """SMSLeads names the missing field in <message>: `.description` stays the table's meaning of the code,
    `.provider_message` is SMSLeads' text, and `str(exc)` shows both."""
    smsgate_emulator.faults.inject("smsleads", "malformed", body=error_reply("2", "Missing field: username"))
    with pytest.raises(smsgate.InvalidRequestError) as info:
        await call(smsleads(max_retries=0).send([PHONE], "hi", sender=SENDER))
    err = info.value
    assert (err.code, err.not_sent) == ("2", True)
    assert err.description == ERRORS["codes"]["2"]["description"]
    assert err.provider_message == "Missing field: username"
    assert str(err) == (
        f"smsleads send error 2: {ERRORS['codes']['2']['description']} (provider: Missing field: username)"
    )


@pytest.mark.parametrize("message", ["", "  \n "], ids=["empty", "blank"])
async def test_an_empty_message_is_no_provider_message(smsleads: Factory, smsgate_emulator: Any, message: str) -> None:
    smsgate_emulator.faults.inject("smsleads", "malformed", body=error_reply("4", message))
    with pytest.raises(smsgate.InsufficientFundsError) as info:
        await call(smsleads(max_retries=0).send([PHONE], "hi", sender=SENDER))
    assert info.value.provider_message is None
    assert info.value.description == ERRORS["codes"]["4"]["description"]
    assert "(provider:" not in str(info.value)


async def test_an_unknown_code_is_described_by_the_providers_message(smsleads: Factory, smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("smsleads", "malformed", body=error_reply("515", "Daily limit reached", "balance"))
    with pytest.raises(smsgate.ProviderError) as info:
        await call(smsleads(max_retries=0).balance())
    assert type(info.value) is smsgate.ProviderError
    assert (info.value.code, info.value.category) == ("515", smsgate.ErrorCategory.UNKNOWN)
    assert info.value.description == info.value.provider_message == "Daily limit reached"


def test_success_codes_come_from_the_error_table() -> None:
    from smsgate_generated.smsleads.errors import SUCCESS_CODES

    assert SUCCESS_CODES["*"] == frozenset({"0"})
    assert SUCCESS_CODES["rmNumBL"] == frozenset({"0", "944"})
    assert set(ERRORS["success"]["codes"]) == {"0"}


@pytest.mark.parametrize(
    ("username", "token", "error", "code"),
    [
        (USERNAME, "no-such-token", smsgate.AuthenticationError, "3"),
        (USERNAME, "sl-johndoe-expired", smsgate.AuthenticationError, "10"),
        (USERNAME, "sl-johndoe-superseded", smsgate.AuthenticationError, "11"),
        (USERNAME, "sl-username1-token", smsgate.AuthenticationError, "11"),
        ("Blocked", "sl-blocked-token", smsgate.ProviderError, "999"),
    ],
)
async def test_account_errors_on_every_command(
    smsleads: Factory, username: str, token: str, error: type[smsgate.ProviderError], code: str
) -> None:
    client = smsleads(username=username, token=token, max_retries=0)
    for command, operation in command_calls(client).items():
        with pytest.raises(error) as info:
            await call(operation())
        assert info.value.code == code, command


async def test_a_superseded_token_works_during_its_grace_period(smsleads: Factory) -> None:
    assert (await call(smsleads(token="sl-johndoe-previous").balance())).credits == 1000


async def test_errors_found_by_the_provider(smsleads: Factory, smsgate_emulator: Any) -> None:
    with pytest.raises(smsgate.InsufficientFundsError) as info:
        await call(smsleads(username="EmptyWallet", token="sl-empty-token").send([PHONE], "hi", sender=SENDER))
    assert info.value.code == "4" and info.value.not_sent
    with pytest.raises(smsgate.PermissionDeniedError):
        await call(smsleads(username="NoSend", token="sl-nosend-token").send([PHONE], "hi", sender=SENDER))
    with pytest.raises(smsgate.PermissionDeniedError) as denied:
        await call(smsleads(username="username1", token="sl-username1-token").sub_account_balances())
    assert denied.value.code == "511"
    client = smsleads()
    with pytest.raises(smsgate.InvalidRecipientError) as blacklisted:
        await call(client.send(["0509999999"], "hi", sender=SENDER))  # blacklisted
    assert blacklisted.value.code == "8"
    with pytest.raises(smsgate.MessageTooLongError):
        await call(client.send([PHONE], "x" * 1006, sender=SENDER))
    with pytest.raises(smsgate.NotFoundError):
        await call(client.send([], "hi", sender=SENDER, contact_lists=[4]))
    assert credits_of(smsgate_emulator) == 1000


async def test_reads_are_retried_and_sends_are_not(smsleads: Factory, smsgate_emulator: Any) -> None:
    client = smsleads(max_retries=2)
    smsgate_emulator.faults.inject("smsleads", "status", status=503, count=1)
    assert (await call(client.balance())).credits == 1000
    smsgate_emulator.faults.inject("smsleads", "error_code", code="6", count=1)
    assert (await call(client.contact_list(21500)))[0].phone == "0502345678"
    smsgate_emulator.faults.inject("smsleads", "status", status=503, count=1)
    with pytest.raises(smsgate.ProviderUnavailableError):
        await call(client.send([PHONE], "hi", sender=SENDER))
    assert len(smsgate_emulator.requests.filter("smsleads", operation="sms")) == 1


# -- validation before sending -------------------------------------------------------------------------------


BAD_CALLS: list[tuple[str, Callable[[Any], Any], str]] = [
    ("international non-Israeli phone", lambda c: c.send(["+380501234567"], "hi", sender=SENDER), "recipients[0]"),
    ("too short", lambda c: c.send(["05023"], "hi", sender=SENDER), "recipients[0]"),
    ("letters", lambda c: c.send(["05O2345678"], "hi", sender=SENDER), "recipients[0]"),
    ("landline to send to", lambda c: c.send(["031234567"], "hi", sender=SENDER), "recipients[0]"),
    ("one string, not a list", lambda c: c.send(PHONE, "hi", sender=SENDER), "recipients"),
    ("bad Recipient phone", lambda c: c.send([Recipient("123")], "hi", sender=SENDER), "recipients[0].phone"),
    (
        "padded external id",
        lambda c: c.send([Recipient(PHONE, " id ")], "hi", sender=SENDER),
        "recipients[0].external_id",
    ),
    (
        "empty external id",
        lambda c: c.send([Recipient(PHONE, "")], "hi", sender=SENDER),
        "recipients[0].external_id",
    ),
    ("sender too long", lambda c: c.send([PHONE], "hi", sender="A" * 12), "sender"),
    ("Hebrew sender", lambda c: c.send([PHONE], "hi", sender="שלום"), "sender"),
    ("sender with a dash", lambda c: c.send([PHONE], "hi", sender="Demo-API"), "sender"),
    ("sender with +", lambda c: c.send([PHONE], "hi", sender="+972501234"), "sender"),
    ("empty sender", lambda c: c.send([PHONE], "hi", sender=""), "sender"),
    ("blank text", lambda c: c.send([PHONE], "  ", sender=SENDER), "text"),
    ("nobody", lambda c: c.send([], "hi", sender=SENDER), "recipients"),
    ("bad list id", lambda c: c.send([], "hi", sender=SENDER, contact_lists=[0]), "contact_lists[0]"),
    (
        "dynamic fields with phones",
        lambda c: c.send([PHONE], "hi", sender=SENDER, contact_lists=[21518], dynamic_fields=True),
        "dynamic_fields",
    ),
    (
        "dynamic fields with two lists",
        lambda c: c.send([], "hi", sender=SENDER, contact_lists=[21518, 21500], dynamic_fields=True),
        "dynamic_fields",
    ),
    ("bad unsubscribe", lambda c: c.send([PHONE], "hi", sender=SENDER, unsubscribe=5), "unsubscribe"),
    ("send_at not a datetime", lambda c: c.send([PHONE], "hi", sender=SENDER, send_at="tomorrow"), "send_at"),
    ("send_at in 1999", lambda c: c.send([PHONE], "hi", sender=SENDER, send_at=datetime(1999, 1, 1)), "send_at"),
    ("empty tag", lambda c: c.send([PHONE], "hi", sender=SENDER, tag=""), "tag"),
    ("empty bulk", lambda c: c.send_bulk([]), "messages"),
    (
        "bulk message without recipients",
        lambda c: c.send_bulk([smsgate.BulkMessage([], "hi", SENDER)]),
        "messages[0].recipients",
    ),
    (
        "bulk message with a bad sender",
        lambda c: c.send_bulk([smsgate.BulkMessage([PHONE], "hi", "Demo API")]),
        "messages[0].sender",
    ),
    (
        "no external ids",
        lambda c: c.delivery_reports([], start=datetime(2024, 1, 1), end=datetime(2024, 1, 2)),
        "external_ids",
    ),
    (
        "1001 external ids",
        lambda c: c.delivery_reports(
            [f"id{i}" for i in range(1001)], start=datetime(2024, 1, 1), end=datetime(2024, 1, 2)
        ),
        "external_ids",
    ),
    ("range reversed", lambda c: c.incoming(start=datetime(2024, 1, 2), end=datetime(2024, 1, 1)), "end"),
    # Reports cover at most a week (the page: "a range of 1 week up to 1 year back").
    (
        "reports over a week",
        lambda c: c.delivery_reports(["a"], start=datetime(2024, 1, 1), end=datetime(2024, 1, 8, 0, 1)),
        "end",
    ),
    (
        "reports by date over a week",
        lambda c: c.delivery_reports_by_date(start=datetime(2024, 1, 1), end=datetime(2024, 2, 1)),
        "end",
    ),
    ("incoming over a week", lambda c: c.incoming(start=datetime(2024, 1, 1), end=datetime(2024, 1, 9)), "end"),
    ("blacklist without phones", lambda c: c.remove_from_blacklist([], reason="x"), "phones"),
    ("blank reason", lambda c: c.remove_from_blacklist([PHONE], reason=" "), "reason"),
    (
        "negative amount",
        lambda c: c.add_sub_account(name="n", username="user1", password="secret1", sender=SENDER, amount=-1),
        "amount",
    ),
    (
        "padded username",
        lambda c: c.add_sub_account(name="n", username=" user1 ", password="secret1", sender=SENDER, amount=1),
        "username",
    ),
    ("no list ids", lambda c: c.remove_contact_lists([]), "list_ids"),
    ("no lists", lambda c: c.create_contact_lists({}), "lists"),
    ("list without phones", lambda c: c.create_contact_lists({"VIP": []}), "lists['VIP']"),
    (
        "seven dynamic fields",
        lambda c: c.create_contact_lists({"VIP": [Contact(PHONE, ["f"] * 7)]}),
        "lists['VIP'][0].fields",
    ),
    ("list id 'abc'", lambda c: c.add_to_contact_lists({"abc": [PHONE]}), "additions['abc']"),
    ("bad phone to remove", lambda c: c.remove_from_contact_lists({21518: ["12"]}), "removals[21518][0]"),
    ("list id 0", lambda c: c.contact_list(0), "list_id"),
    ("blank campaign", lambda c: c.cancel(""), "campaign_id"),
    ("no phones to verify", lambda c: c.verify_phone([]), "phones"),
    ("a foreign phone to verify", lambda c: c.verify_phone(["+14155550123"]), "phones[0]"),
]


@pytest.mark.parametrize(("case", "bad", "field"), BAD_CALLS, ids=[c for c, _, _ in BAD_CALLS])
async def test_invalid_arguments_are_refused_before_sending(
    smsleads: Factory, smsgate_emulator: Any, case: str, bad: Callable[[Any], Any], field: str
) -> None:
    with pytest.raises(smsgate.ValidationError) as info:
        await call(bad(smsleads()))
    assert info.value.field == field, str(info.value)
    assert info.value.provider in ("smsleads", None)
    assert not smsgate_emulator.requests.filter("smsleads"), "nothing may reach the provider"


async def test_report_ranges_of_a_week_are_sent_and_the_blacklist_has_no_limit(
    smsleads: Factory, smsgate_emulator: Any
) -> None:
    client = smsleads()
    end = now(smsgate_emulator)
    week = {"start": end - timedelta(days=7), "end": end}
    assert await call(client.delivery_reports(["a"], **week)) == ()
    assert await call(client.delivery_reports_by_date(**week)) == ()
    assert len(await call(client.incoming(**week))) == 2
    blocked = await call(client.blacklist(start=end - timedelta(days=200), end=end))
    assert len(blocked) == 2


def test_a_password_is_never_echoed_by_validation(smsgate_emulator: Any) -> None:
    client = smsgate.SmsLeads(username=USERNAME, token=TOKEN, base_url=smsgate_emulator.base_url("smsleads"))
    with client, pytest.raises(smsgate.ValidationError) as info:
        client.add_sub_account(name="n", username="user1", password=" pw-Secret ", sender=SENDER, amount=1)
    assert info.value.field == "password"
    assert "pw-Secret" not in str(info.value)


@pytest.mark.parametrize(
    "phone", ["+972502345678", "972502345678", "0502345678", "502345678", "050-234-5678", "+972 50 234 5678"]
)
async def test_phone_forms_are_sent_local(smsleads: Factory, smsgate_emulator: Any, phone: str) -> None:
    sent = await call(smsleads().send([phone], "hi", sender=SENDER))
    assert [m.phone for m in smsgate_emulator.smsleads.shipments[int(sent.shipment_id)].messages] == [PHONE]


def test_times_travel_as_ddmmyy_hhmm_in_israel_time() -> None:
    bodies: list[bytes] = []
    http = httpx.Client(event_hooks={"request": [lambda r: bodies.append(r.content)]})
    # Reports reach a year back at most: the emulator's clock is set in July 2024.
    with (
        Emulator(clock_speed=0, clock_start=datetime(2024, 7, 2, tzinfo=UTC)) as emulator,
        http,
        smsgate.SmsLeads(
            username=USERNAME, token=TOKEN, base_url=emulator.base_url("smsleads"), http_client=http
        ) as client,
    ):
        # Naive: the provider's wall clock, to the minute. Aware: converted to Israel time (UTC+3 in July).
        client.incoming(start=datetime(2024, 7, 1, 9, 5, 59), end=datetime(2024, 7, 1, 10, 0, tzinfo=UTC))
        client.send([PHONE], "hi", sender=SENDER, send_at=datetime(2024, 12, 31, 22, 30, tzinfo=UTC))
    assert b"<from>01/07/24 09:05</from><to>01/07/24 13:00</to>" in bodies[0]
    assert b"<timing>01/01/25 00:30</timing>" in bodies[1]


def test_requests_carry_the_token_in_the_header_and_the_username_in_the_body(smsgate_emulator: Any) -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as http:
        client = smsgate.SmsLeads(
            username=USERNAME, token=TOKEN, base_url=smsgate_emulator.base_url("smsleads"), http_client=http
        )
        client.balance()
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == smsgate_emulator.base_url("smsleads")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert request.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<balance><user><username>JohnDoe<')
    assert TOKEN.encode() not in request.content


# -- secrets ----------------------------------------------------------------------------------------------------

CANARY = "Cn&ry<7>\"q'+/%tk"
FORMS = {
    "raw": CANARY,
    "url": quote(CANARY, safe=""),
    "url-plus": quote_plus(CANARY),
    "xml": escape(CANARY),
    "xml-quotes": escape(CANARY, {'"': "&quot;", "'": "&apos;"}),
    "json": json.dumps(CANARY)[1:-1],
    "distinctive part": "Cn&ry",
    "distinctive part escaped": "Cn&amp;ry",
    "bearer": "Bearer Cn",
}


def assert_clean(text: str, where: str) -> None:
    for name, form in FORMS.items():
        assert form not in text, f"{name} form of the token found in {where}"


async def test_token_never_leaks(
    mode: str, smsgate_emulator: Any, caplog: pytest.LogCaptureFixture, documented: bool
) -> None:
    smsgate_emulator.smsleads.add_account("Canary", token=CANARY, credits=100)
    caplog.set_level(logging.DEBUG)
    cls: Any = smsgate.SmsLeads if mode == "sync" else smsgate.AsyncSmsLeads
    base = smsgate_emulator.base_url("smsleads")
    good = cls(username="Canary", token=CANARY, base_url=base, max_retries=1)
    wrong_user = cls(username=USERNAME, token=CANARY, base_url=base, max_retries=0)
    texts = [repr(good), str(good), repr(vars(good)), repr(wrong_user)]

    sent = await call(good.send([Recipient(PHONE, "canary-1")], "hi", sender=SENDER))
    texts += [repr(sent), repr(await call(good.balance()))]
    texts.append(repr(await call(good.remove_from_blacklist([PHONE], reason="x"))))

    def inject(kind: str, **params: Any) -> Callable[[], Any]:
        return lambda: smsgate_emulator.faults.inject("smsleads", kind, **params)

    failures: list[tuple[Callable[[], Any] | None, Callable[[], Any]]] = [
        (None, lambda: wrong_user.balance()),  # 11: the token belongs to another username
        (None, lambda: good.send([PHONE], "", sender=SENDER)),  # ValidationError
        (None, lambda: good.cancel("nope")),  # 977
        # A reply echoing the token: ResponseFormatError keeps the body, redacted.
        (inject("malformed", body=f"<html>Bearer {CANARY} {escape(CANARY)}</html>"), lambda: good.balance()),
        (inject("status", status=500, count=2), lambda: good.balance()),  # retried 5xx
        (inject("truncate", length=60), lambda: good.send([PHONE], "hi", sender=SENDER)),
        # An error <message> echoing the token: the provider's text is redacted too.
        (inject("malformed", body=error_reply("3", f"Invalid token {CANARY}", "balance")), lambda: good.balance()),
    ]
    for setup, failure in failures:
        if setup is not None:
            setup()
        with pytest.raises(smsgate.SmsGateError) as info:
            await call(failure())
        exc = info.value
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc)), repr(vars(exc))]
    for client in (good, wrong_user):
        await call(client.aclose() if mode == "async" else client.close())
    texts += [r.getMessage() for r in caplog.records]
    texts += [str(r.args) for r in caplog.records]
    assert any(r.name == "httpx" for r in caplog.records), "httpx's own request log must be covered"
    if mode == "sync":  # (the async client's own transport under asyncio is not httpcore: smsgate._aionet)
        assert any(r.name.startswith("httpcore") for r in caplog.records), "httpcore's debug log must be covered"
    else:
        assert any(r.getMessage().startswith("connection ") for r in caplog.records), "the transport's log too"
    assert any(r.name.startswith("smsgate") for r in caplog.records)
    for i, text in enumerate(texts):
        assert_clean(text, f"text #{i}: {text[:80]!r}")


def test_request_repr_url_and_logged_headers_hold_no_token(smsgate_emulator: Any) -> None:
    smsgate_emulator.smsleads.add_account("Canary", token=CANARY)
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as http:
        client = smsgate.SmsLeads(
            username="Canary", token=CANARY, base_url=smsgate_emulator.base_url("smsleads"), http_client=http
        )
        client.balance()
    (request,) = seen
    assert_clean(repr(request), "repr(request)")
    assert_clean(str(request.url), "the URL")
    assert_clean(repr(request.headers), "repr(headers)")
    assert_clean(request.content.decode(), "the body")
    # It does travel, in the Authorization header only: that is the documented transport.
    assert request.headers["Authorization"] == f"Bearer {CANARY}"


# -- the client itself ----------------------------------------------------------------------------------------


def test_default_base_url_timeouts_and_repr() -> None:
    client = smsgate.SmsLeads(username=USERNAME, token=TOKEN)
    try:
        assert client.base_url == "https://app.smsleads.co.il/api"
        assert client.timeout.connect == 5.0
        assert client.timeout.read == 30.0
        assert client.max_retries == 2
        assert repr(client) == "SmsLeads(base_url='https://app.smsleads.co.il/api', username='JohnDoe')"
        assert client.provider == "smsleads"
    finally:
        client.close()


@pytest.mark.parametrize(("username", "token"), [("", TOKEN), (USERNAME, ""), (USERNAME, None)])
def test_credentials_are_required(username: str, token: Any) -> None:
    with pytest.raises(TypeError):
        smsgate.SmsLeads(username=username, token=token)


METHODS = {
    "send": "sms",
    "send_bulk": "bulk",
    "balance": "balance",
    "delivery_reports": "dlr",
    "delivery_reports_by_date": "dlrByDate",
    "incoming": "incoming",
    "blacklist": "blacklist",
    "remove_from_blacklist": "rmNumBL",
    "add_sub_account": "addSub",
    "update_sub_account_amount": "updateAmountSub",
    "sub_account_balances": "getBlanceSubs",
    "create_contact_lists": "newCL",
    "remove_contact_lists": "removeCL",
    "add_to_contact_lists": "addNumCL",
    "remove_from_contact_lists": "rmNumCL",
    "contact_lists": "getCL",
    "contact_list": "getCLbyID",
    "cancel": "cancel",
    "verify_phone": "verify_phone",
}


def test_one_method_per_command_with_identical_twins() -> None:
    from smsgate._spec import Operation
    from smsgate_generated.smsleads import client as generated

    operations = {v.name: v for v in vars(generated).values() if isinstance(v, Operation)}
    assert {name: op.command or name for name, op in operations.items()} == METHODS
    assert set(METHODS.values()) == set(command_calls(None))
    for name in (*METHODS, "__init__"):
        sync = inspect.signature(getattr(smsgate.SmsLeads, name))
        asyn = inspect.signature(getattr(smsgate.AsyncSmsLeads, name))
        assert list(sync.parameters) == list(asyn.parameters), name
        if name != "__init__":
            assert sync.return_annotation == asyn.return_annotation
            assert inspect.iscoroutinefunction(getattr(smsgate.AsyncSmsLeads, name))
    reads = {"balance", "delivery_reports", "delivery_reports_by_date", "incoming", "blacklist"}
    reads |= {"sub_account_balances", "contact_lists", "contact_list"}
    assert {name for name, op in operations.items() if op.idempotent} == reads


def test_public_names_load_lazily() -> None:
    import subprocess
    import sys

    code = (
        "import sys, smsgate; assert 'smsgate_generated.smsleads.client' not in sys.modules;"
        "smsgate.SmsLeads; smsgate.Recipient; assert 'smsgate_generated.smsleads.client' in sys.modules;"
        "assert smsgate.SmsLeadsStatus('102') is smsgate.SmsLeadsStatus.DELIVERED"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
