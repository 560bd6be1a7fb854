"""The SMSLeads emulator over real HTTP on loopback, with plain httpx: every command, code and behaviour.

Every reply the `post` fixture receives while ``documented_replies`` is off is validated against
``schemas/smsleads/smsleads.xsd``; the replies with it on are compared with the page's own samples.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import httpx
import phonenumbers
import pytest
from lxml import etree

from smsgate._segments import Encoding
from smsgate.emulator import (
    DEFAULT_SEED,
    Emulator,
    FaultKind,
    SmsLeadsCode,
    SmsLeadsDefect,
)
from smsgate.emulator._smsleads import (
    _DLR_STATES,
    _MESSAGES,
    COMMANDS,
    SMSLEADS_DEFAULT_SEED,
    SmsLeads,
    apply_defect,
    format_time,
    is_israeli_landline,
    normalize_mobile,
    parse_time,
)

from .conftest import loopback_client

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "schemas" / "smsleads"
SAMPLES = PROVIDER / "samples"
with (PROVIDER / "errors.toml").open("rb") as _fh:
    ERRORS = tomllib.load(_fh)
SCHEMA = etree.XMLSchema(etree.parse(str(PROVIDER / "smsleads.xsd")))

USER = "JohnDoe"
TOKEN = "sl-johndoe-token"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
PAST = "01/01/20 00:00"


# -- helpers ----------------------------------------------------------------------------------------------------


def xml(command: str, inner: str = "", *, username: str = USER) -> bytes:
    user = f"<user><username>{escape(username)}</username></user>"
    return f"{DECLARATION}<{command}>{user}{inner}</{command}>".encode()


Phone = str | tuple[str, str]


def phones_xml(phones: Sequence[Phone]) -> str:
    parts = []
    for phone in phones:
        if isinstance(phone, tuple):
            parts.append(f"<phone id={quoteattr(phone[1])}>{escape(phone[0])}</phone>")
        else:
            parts.append(f"<phone>{escape(phone)}</phone>")
    return "".join(parts)


def sms_xml(
    text: str = "Hello",
    phones: Sequence[Phone] = ("0521234567",),
    *,
    source: str = "DemoAPI",
    cl_ids: Sequence[str] = (),
    extra: str = "",
    username: str = USER,
) -> bytes:
    destinations = "".join(f"<cl_id>{escape(i)}</cl_id>" for i in cl_ids) + phones_xml(phones)
    inner = (
        f"<source>{escape(source)}</source><destinations>{destinations}</destinations>"
        f"<message>{escape(text)}</message>{extra}"
    )
    return xml("sms", inner, username=username)


def bulk_xml(messages: Sequence[tuple[str, Sequence[Phone], str]], *, extra: str = "") -> bytes:
    items = "".join(
        f"<sms><source>{escape(source)}</source><destinations>{phones_xml(phones)}</destinations>"
        f"<message>{escape(text)}</message></sms>"
        for source, phones, text in messages
    )
    return xml("bulk", f"<messages>{items}</messages>{extra}")


def add_sub_xml(
    *,
    name: str = "israel israeli",
    username: str = "israelisraeli",
    password: str = "israelisraeli",
    source: str = "0501234567",
    amount: str = "100",
    user: str = USER,
) -> bytes:
    details = (
        f"<name>{escape(name)}</name><username>{escape(username)}</username><password>{escape(password)}</password>"
        f"<source>{escape(source)}</source><amount>{escape(amount)}</amount>"
    )
    return xml("addSub", f"<userDetails>{details}</userDetails>", username=user)


def update_sub_xml(username: str = "username1", password: str = "password1", amount: str = "20") -> bytes:
    details = f"<username>{username}</username><password>{password}</password><amount>{amount}</amount>"
    return xml("updateAmountSub", f"<userDetails>{details}</userDetails>")


def window(emu: Emulator, start: str | None = None) -> str:
    """From `start` (default: a week ago, the longest range reports allow) to now."""
    if start is None:
        start = format_time(emu.clock.now() - timedelta(days=7))
    return f"<from>{start}</from><to>{format_time(emu.clock.now())}</to>"


def dlr_xml(emu: Emulator, *ids: str, start: str | None = None) -> bytes:
    external = "".join(f"<external_id>{escape(i)}</external_id>" for i in ids)
    return xml("dlr", f"<transactions>{external}</transactions>{window(emu, start)}")


@dataclass(frozen=True)
class Call:
    body: bytes
    token: str | None = TOKEN
    method: str = "POST"

    def headers(self) -> dict[str, str]:
        return {} if self.token is None else {"Authorization": f"Bearer {self.token}"}


_RECOVER = etree.XMLParser(recover=True)


class Answer:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.body = response.content
        try:
            self.root = etree.fromstring(self.body)
        except etree.XMLSyntaxError:  # a documented (malformed) reply: read what can be read
            self.root = etree.fromstring(self.body, _RECOVER)

    @property
    def status(self) -> int:
        return int(self.root.findtext("status") or "")

    @property
    def message(self) -> str:
        return self.root.findtext("message") or ""

    @property
    def tags(self) -> list[str]:
        return [str(child.tag) for child in self.root]

    def rows(self, path: str) -> list[dict[str, str]]:
        return [{str(c.tag): c.text or "" for c in row} for row in self.root.iterfind(path)]


def raw(emu: Emulator, client: httpx.Client, call: Call | bytes) -> httpx.Response:
    call = call if isinstance(call, Call) else Call(call)
    return client.request(call.method, emu.base_url("smsleads"), content=call.body, headers=call.headers())


@pytest.fixture
def post(emu: Emulator, client: httpx.Client) -> Callable[[Call | bytes], Answer]:
    """Send; check HTTP 200 and the content type; validate against the XSD unless documented replies are on."""

    def do(call: Call | bytes) -> Answer:
        response = raw(emu, client, call)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/xml; charset=utf-8"
        if not emu.smsleads.documented_replies:
            SCHEMA.assertValid(etree.fromstring(response.content))
        return Answer(response)

    return do


def ok(answer: Answer, status: int = 0) -> Answer:
    assert answer.status == status, (answer.status, answer.message)
    return answer


def credits(emu: Emulator, username: str = USER) -> int:
    return emu.smsleads.accounts[username].credits


# -- every result code, triggered by a matching request -----------------------------------------------------------

Trigger = Call | Callable[[Emulator, httpx.Client], Call]


def _process_failure(emu: Emulator, client: httpx.Client) -> Call:
    # 6 is an internal error: no request causes it; the error_code fault answers it.
    emu.faults.inject("smsleads", "error_code", code="6")
    return Call(xml("balance"))


def _campaign(emu: Emulator, client: httpx.Client, *, scheduled: bool) -> str:
    timing = f"<timing>{format_time(emu.clock.now() + timedelta(hours=1))}</timing>" if scheduled else ""
    response = raw(emu, client, sms_xml(extra=timing))
    shipment_id = etree.fromstring(response.content).findtext("shipment_id")
    assert shipment_id
    return shipment_id


def _cancelled_twice(emu: Emulator, client: httpx.Client) -> Call:
    campaign = _campaign(emu, client, scheduled=True)
    body = xml("cancel", f"<campaign_id>{campaign}</campaign_id>")
    assert etree.fromstring(raw(emu, client, body).content).findtext("status") == "0"
    return Call(body)


def _cancel_sent(emu: Emulator, client: httpx.Client) -> Call:
    return Call(xml("cancel", f"<campaign_id>{_campaign(emu, client, scheduled=False)}</campaign_id>"))


BALANCE = xml("balance")

TRIGGERS: dict[str, Trigger] = {
    "1": Call(b"<sms><user>"),
    "2": Call(xml("sms", "<destinations><phone>0521234567</phone></destinations><message>Hi</message>")),
    "3": Call(BALANCE, token="not-a-token"),
    "4": Call(sms_xml(username="EmptyWallet"), token="sl-empty-token"),
    "5": Call(sms_xml(username="NoSend"), token="sl-nosend-token"),
    "6": _process_failure,
    "7": Call(
        xml(
            "sms",
            "<source>DemoAPI</source><destinations><phone>0521234567</phone></destinations>"
            "<message>one</message><message>two</message>",
        )
    ),
    "8": Call(sms_xml(phones=["0509999999", "509999999", "0508888888"])),
    "9": Call(sms_xml(phones=["0521234567", "0312345678"])),
    "10": Call(BALANCE, token="sl-johndoe-expired"),
    "11": Call(BALANCE, token="sl-username1-token"),
    "502": Call(BALANCE, method="GET"),
    "503": Call(update_sub_xml(username="stranger")),
    "504": Call(BALANCE, token=None),
    "510": Call(xml("verify_phone")),
    "511": Call(add_sub_xml(user="username1"), token="sl-username1-token"),
    "933": Call(xml("rmNumBL", "<phones><phone>0509999999</phone></phones><reason> </reason>")),
    "955": _cancelled_twice,
    "966": _cancel_sent,
    "977": Call(xml("cancel", "<campaign_id>campaign1</campaign_id>")),
    "986": Call(sms_xml(extra="<add_unsubscribe>1</add_unsubscribe>")),
    "988": Call(sms_xml(phones=(), cl_ids=["99999"])),
    "989": Call(sms_xml(text=" \n ")),
    "990": Call(add_sub_xml(amount="1001")),
    "991": Call(add_sub_xml(amount="10.5")),
    "992": Call(sms_xml(source="+972501234567")),
    "993": Call(add_sub_xml(password="abc")),
    "994": Call(add_sub_xml(username="username1")),
    "995": Call(add_sub_xml(username="ab")),
    "996": Call(add_sub_xml(name=" ")),
    "997": Call(b"<send><user><username>JohnDoe</username></user></send>"),
    "998": Call(xml("incoming", "<from>2021-01-01</from><to>01/01/21 23:59</to>")),
    "999": Call(xml("balance", username="Blocked"), token="sl-blocked-token"),
}


def _root_of(body: bytes) -> str:
    try:
        tag = etree.fromstring(body.lstrip()).tag
    except etree.XMLSyntaxError:
        return "sms"
    return tag if tag in COMMANDS else "sms"


def test_trigger_table_covers_every_error_code_of_errors_toml() -> None:
    assert set(TRIGGERS) == set(ERRORS["codes"])
    # The emulator knows each of them, and the success codes, by the page's table.
    assert {code.value for code in SmsLeadsCode} == set(ERRORS["codes"]) | {"0", "944"}
    assert set(ERRORS["success"]["rmNumBL"]["codes"]) == {"944"}
    assert set(_MESSAGES) == {code.value for code in SmsLeadsCode} - {"0"}


@pytest.mark.parametrize("code", [str(code) for code in sorted(map(int, TRIGGERS))])
def test_every_error_code_is_reachable(
    emu: Emulator, client: httpx.Client, post: Callable[[Call | bytes], Answer], code: str
) -> None:
    trigger = TRIGGERS[code]
    call = trigger(emu, client) if callable(trigger) else trigger
    before = emu.smsleads.snapshot()
    answer = post(call)
    assert answer.status == int(code), answer.message
    assert answer.root.tag == _root_of(call.body)
    assert answer.tags == ["status", "message"]
    if code == "2":
        assert answer.message == "Missing field: source"
    else:
        assert answer.message == _MESSAGES[code]
    # Nothing sent, charged or changed.
    assert emu.smsleads.snapshot() == before
    assert emu.requests[-1].outcome in (code, None)  # None: a fault answered before the handler
    assert emu.requests[-1].provider == "smsleads"


# -- precedence -------------------------------------------------------------------------------------------------


def _empty_list(emu: Emulator, client: httpx.Client) -> Call:
    emu.smsleads.contact_lists[21500].contacts.clear()
    return Call(sms_xml(phones=(), cl_ids=["21500"]))


def _blacklisted_and_broke(emu: Emulator, client: httpx.Client) -> Call:
    emu.smsleads.accounts[USER].credits = 0
    return Call(sms_xml(phones=["0509999999"]))


def _broke(emu: Emulator, client: httpx.Client) -> Call:
    emu.smsleads.accounts[USER].credits = 1
    return Call(sms_xml(phones=["0521234567", "0521234568"]))


GOOD_ADD_SUB = {"name": "n", "username": "newsub", "password": "secret1", "source": "DemoAPI", "amount": "5"}


def _add_sub(**changes: str) -> Call:
    return Call(add_sub_xml(**{**GOOD_ADD_SUB, **changes}))


PRECEDENCE: list[tuple[str, Trigger, int]] = [
    ("GET before parse error", Call(b"garbage", method="GET", token=None), 502),
    ("empty body", Call(b"", token=None), 1),
    ("whitespace body", Call(b" \r\n ", token=None), 1),
    ("doctype", Call(b'<!DOCTYPE sms [<!ENTITY a "b">]><sms/>'), 1),
    ("parse error before token", Call(b"<balance><user>", token=None), 1),
    ("unknown command before token", Call(b"<send/>", token=None), 997),
    ("namespaced root", Call(b'<balance xmlns="urn:x"><user><username>JohnDoe</username></user></balance>'), 997),
    ("no user before token", Call(b"<balance/>", token=None), 2),
    ("empty username", Call(xml("balance", username=" ")), 2),
    ("basic auth", Call(BALANCE, token=None), 504),
    ("unknown token and unknown user", Call(xml("balance", username="Nobody"), token="nope"), 3),
    ("expired token, other username", Call(xml("balance", username="Nobody"), token="sl-johndoe-expired"), 10),
    ("superseded beyond grace", Call(BALANCE, token="sl-johndoe-superseded"), 11),
    ("token of an unknown username", Call(xml("balance", username="Nobody")), 11),
    ("usernames are case-sensitive", Call(xml("balance", username="johndoe")), 11),
    ("blocked before denied", Call(xml("addSub", username="Blocked"), token="sl-blocked-token"), 999),
    ("sub-account balance is fine", Call(xml("balance", username="username1"), token="sl-username1-token"), 0),
    ("sub-account getBlanceSubs", Call(xml("getBlanceSubs", username="username1"), token="sl-username1-token"), 511),
    ("not allowed before format", Call(sms_xml(source="!!", username="NoSend"), token="sl-nosend-token"), 5),
    (
        "group before missing field",
        Call(xml("sms", "<messages/><destinations><phone>0521234567</phone></destinations><message>x</message>")),
        7,
    ),
    ("missing destinations", Call(xml("sms", "<source>DemoAPI</source><message>x</message>")), 2),
    ("missing message", Call(xml("sms", "<source>DemoAPI</source><destinations/>")), 2),
    ("source before message", Call(sms_xml(text="", source="TooLongSender1")), 992),
    ("empty source", Call(sms_xml(source="")), 992),
    ("message before unsubscribe", Call(sms_xml(text="", extra="<add_unsubscribe>x</add_unsubscribe>")), 989),
    ("too long", Call(sms_xml(text="a" * 1006)), 989),
    ("1005 characters is fine", Call(sms_xml(text="a" * 1005)), 0),
    (
        "unsubscribe before timing",
        Call(sms_xml(extra="<timing>soon</timing><add_unsubscribe>4</add_unsubscribe>", phones=["1"])),
        986,
    ),
    ("timing before phone", Call(sms_xml(phones=["1"], extra="<timing>31/02/21 10:10</timing>")), 998),
    ("dynamic with phones", Call(sms_xml(phones=["1"], cl_ids=["21518"], extra="<add_dynamic>1</add_dynamic>")), 7),
    (
        "dynamic with two lists",
        Call(sms_xml(phones=(), cl_ids=["21518", "21500"], extra="<add_dynamic>1</add_dynamic>")),
        7,
    ),
    ("dynamic off with both", Call(sms_xml(cl_ids=["21518"], extra="<add_dynamic>0</add_dynamic>")), 0),
    ("no destinations at all", Call(sms_xml(phones=())), 9),
    ("bad phone before bad list", Call(sms_xml(phones=["05212345678"], cl_ids=["99999"])), 9),
    ("international form is not accepted", Call(sms_xml(phones=["972521234567"])), 9),
    ("landline is not a mobile", Call(sms_xml(phones=["031234567"])), 9),
    (
        "list of another account",
        Call(sms_xml(phones=(), cl_ids=["21518"], username="username1"), token="sl-username1-token"),
        988,
    ),
    ("list id not a number", Call(sms_xml(phones=(), cl_ids=["abc"])), 988),
    ("empty contact list", _empty_list, 9),
    ("blacklisted before credits", _blacklisted_and_broke, 8),
    ("not enough credits", _broke, 4),
    ("bulk without messages", Call(xml("bulk")), 2),
    ("bulk without sms", Call(xml("bulk", "<messages/>")), 2),
    (
        "bulk sms without source",
        Call(xml("bulk", "<messages><sms><destinations/><message>x</message></sms></messages>")),
        2,
    ),
    ("bulk not allowed", Call(xml("bulk", "<messages/>", username="NoSend"), token="sl-nosend-token"), 5),
    (
        "bulk checks each sms in order",
        Call(bulk_xml([("DemoAPI", ["0521234567", "123"], "a"), ("Bad+Source", ["0521234567"], "b")])),
        9,
    ),
    ("bulk empty destinations", Call(bulk_xml([("DemoAPI", [], "a")])), 9),
    (
        "bulk unsubscribe",
        Call(bulk_xml([("DemoAPI", ["0521234567"], "a")], extra="<add_unsubscribe>9</add_unsubscribe>")),
        986,
    ),
    ("bulk timing", Call(bulk_xml([("DemoAPI", ["0521234567"], "a")], extra="<timing>tomorrow</timing>")), 998),
    ("bulk all blacklisted", Call(bulk_xml([("DemoAPI", ["0509999999"], "a")])), 8),
    ("dlr without transactions", Call(xml("dlr", f"<from>{PAST}</from><to>{PAST}</to>")), 2),
    ("dlr without ids", Call(xml("dlr", f"<transactions/><from>{PAST}</from><to>{PAST}</to>")), 2),
    (
        "dlr without from",
        Call(xml("dlr", f"<transactions><external_id>a</external_id></transactions><to>{PAST}</to>")),
        2,
    ),
    (
        "from after to",
        Call(xml("blacklist", "<from>02/01/21 00:00</from><to>01/01/21 00:00</to>")),
        998,
    ),
    ("dlrByDate without external_id", Call(xml("dlrByDate", f"<transactions/><from>{PAST}</from><to>{PAST}</to>")), 2),
    ("rmNumBL without reason", Call(xml("rmNumBL", "<phones><phone>0509999999</phone></phones>")), 2),
    (
        "rmNumBL bad phone",
        Call(xml("rmNumBL", "<phones><phone>0509999999</phone><phone>5</phone></phones><reason>r</reason>")),
        933,
    ),
    ("rmNumBL no phone", Call(xml("rmNumBL", "<phones/><reason>r</reason>")), 933),
    ("addSub without userDetails", Call(xml("addSub")), 2),
    ("addSub without amount", Call(xml("addSub", "<userDetails><name>n</name></userDetails>")), 2),
    ("name first", _add_sub(name="n" * 51, username="x", password="x", source="!", amount="x"), 996),
    ("then username", _add_sub(username="u" * 31, password="x", source="!", amount="x"), 995),
    ("then password", _add_sub(password="p" * 31, source="!", amount="x"), 993),
    ("then source", _add_sub(source="123456789012", amount="x"), 992),
    ("then amount", _add_sub(amount="-5"), 991),
    ("then duplicate", _add_sub(username="EmptyWallet", amount="5000"), 994),
    ("then credits", _add_sub(amount="1001"), 990),
    ("all credits is fine", _add_sub(amount="1000"), 0),
    ("update: username", Call(update_sub_xml(username="ab", password="x", amount="x")), 995),
    ("update: password", Call(update_sub_xml(password="x", amount="x")), 993),
    ("update: amount", Call(update_sub_xml(amount="1e3")), 991),
    ("update: not a sub of ours", Call(update_sub_xml(username="EmptyWallet")), 503),
    ("update: credits", Call(update_sub_xml(amount="1001")), 990),
    ("newCL without cl", Call(xml("newCL")), 2),
    ("newCL without destinations", Call(xml("newCL", "<cl><name>a</name></cl>")), 2),
    (
        "newCL bad name",
        Call(xml("newCL", "<cl><name>ok</name><destinations/></cl><cl><name> </name><destinations/></cl>")),
        996,
    ),
    ("removeCL without ids", Call(xml("removeCL", "<cl/>")), 2),
    ("removeCL none exists", Call(xml("removeCL", "<cl><id>1</id><id>x</id></cl>")), 988),
    ("addNumCL none exists", Call(xml("addNumCL", "<cl><id>1</id><destinations/></cl>")), 988),
    ("rmNumCL without destinations", Call(xml("rmNumCL", "<cl><id>21518</id></cl>")), 2),
    ("getCLbyID without cl", Call(xml("getCLbyID")), 2),
    ("getCLbyID unknown", Call(xml("getCLbyID", "<cl><id>17419</id></cl>")), 988),
    ("cancel without id", Call(xml("cancel")), 2),
    ("verify_phone nothing valid", Call(xml("verify_phone", "<phone>12</phone><phone>abc</phone>")), 510),
]


@pytest.mark.parametrize(("trigger", "code"), [(t, c) for _, t, c in PRECEDENCE], ids=[n for n, _, _ in PRECEDENCE])
def test_precedence_and_variants(
    emu: Emulator, client: httpx.Client, post: Callable[[Call | bytes], Answer], trigger: Trigger, code: int
) -> None:
    call = trigger(emu, client) if callable(trigger) else trigger
    answer = post(call)
    assert answer.status == code, answer.message
    if code:
        assert answer.tags == ["status", "message"]


@pytest.mark.parametrize("header", ["Basic c2w6eA==", "Bearer", "sl-johndoe-token", "Token sl-johndoe-token"])
def test_authorization_header_forms_without_a_bearer_token(emu: Emulator, client: httpx.Client, header: str) -> None:
    response = client.post(emu.base_url("smsleads"), content=BALANCE, headers={"Authorization": header})
    assert etree.fromstring(response.content).findtext("status") == "504"


def test_bearer_scheme_is_case_insensitive_and_token_trimmed(emu: Emulator, client: httpx.Client) -> None:
    response = client.post(
        emu.base_url("smsleads"), content=BALANCE, headers={"Authorization": "bearer  sl-johndoe-token"}
    )
    assert etree.fromstring(response.content).findtext("status") == "0"


# -- tokens ---------------------------------------------------------------------------------------------------------


def test_superseded_token_works_for_seven_days(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    # sl-johndoe-previous was superseded 2 days before the clock's start: 5 days of grace are left.
    ok(post(Call(BALANCE, token="sl-johndoe-previous")))
    emu.clock.advance(timedelta(days=5).total_seconds() - 60)
    ok(post(Call(BALANCE, token="sl-johndoe-previous")))
    emu.clock.advance(60)
    assert post(Call(BALANCE, token="sl-johndoe-previous")).status == 11
    ok(post(Call(BALANCE)))


def test_generate_token(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    token = emu.smsleads.generate_token(USER, "sl-johndoe-new")
    assert "sl-johndoe-new" not in repr(token)
    assert token.expires_at - token.created_at == timedelta(days=730)
    ok(post(Call(BALANCE, token="sl-johndoe-new")))
    ok(post(Call(BALANCE)))  # the old one: still 7 days
    emu.clock.advance(timedelta(days=7).total_seconds())
    assert post(Call(BALANCE)).status == 11
    ok(post(Call(BALANCE, token="sl-johndoe-new")))
    random_token = emu.smsleads.generate_token("EmptyWallet")
    assert len(random_token.value) >= 24
    ok(post(Call(xml("balance", username="EmptyWallet"), token=random_token.value)))
    with pytest.raises(ValueError, match="unique"):
        emu.smsleads.generate_token("EmptyWallet", "sl-johndoe-new")
    with pytest.raises(ValueError, match="unknown"):
        emu.smsleads.generate_token("Nobody")


def test_token_expires_after_24_months(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    # sl-johndoe-token was generated 2 days before the clock's start.
    emu.clock.advance(timedelta(days=728).total_seconds() - 60)
    ok(post(Call(BALANCE)))
    emu.clock.advance(60)
    assert post(Call(BALANCE)).status == 10


def test_tokens_and_passwords_never_leak(
    emu: Emulator, client: httpx.Client, post: Callable[[Call | bytes], Answer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="smsgate")
    ok(post(Call(sms_xml())))
    post(Call(BALANCE, token="sl-johndoe-expired"))
    ok(post(add_sub_xml(password="topsecret1")))
    state = client.get(f"{emu.url}/_emulator/state").text
    requests = client.get(f"{emu.url}/_emulator/requests").text
    leaks = [
        state,
        requests,
        json.dumps(emu.smsleads.snapshot(), ensure_ascii=False),
        repr(emu.smsleads.accounts),
        repr(emu),
        caplog.text,
    ]
    for text in leaks:
        assert "sl-johndoe" not in text
        assert "topsecret1" not in text
        assert "password1" not in text
    assert json.loads(state)["providers"]["smsleads"]["accounts"][0]["tokens"]


# -- sending and charging ------------------------------------------------------------------------------------------


def test_send_happy_path(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    answer = ok(post(sms_xml(phones=[("0521234567", "order-1"), "521234568", ("0521234569", " ")])))
    assert answer.tags == ["status", "message", "shipment_id"]
    assert answer.message == "SMS will be sent"
    assert answer.body.startswith(DECLARATION.encode() + b"<sms>\n<status>0</status>\n")
    (shipment,) = emu.smsleads.shipments.values()
    assert str(shipment.id) == answer.root.findtext("shipment_id") == "12345678"
    assert [m.phone for m in shipment.messages] == ["0521234567", "0521234568", "0521234569"]
    assert [m.external_id for m in shipment.messages] == ["order-1", None, None]
    assert {m.source for m in shipment.messages} == {"DemoAPI"}
    assert (shipment.cost, credits(emu)) == (3, 997)
    assert shipment.state_at(emu.clock.now()) == "sent"
    entry = emu.requests[-1]
    assert (entry.operation, entry.handled, entry.fault, entry.status, entry.outcome) == ("sms", True, None, 200, "0")
    ok(post(sms_xml()))
    assert list(emu.smsleads.shipments) == [12345678, 12345679]


@pytest.mark.parametrize(
    ("text", "parts", "encoding"),
    [
        ("a" * 160, 1, Encoding.GSM7),
        ("a" * 161, 2, Encoding.GSM7),
        ("a" * 306, 2, Encoding.GSM7),
        ("a" * 307, 3, Encoding.GSM7),
        ("€" * 80, 1, Encoding.GSM7),
        ("€" * 81, 2, Encoding.GSM7),
        ("ש" * 70, 1, Encoding.UCS2),
        ("ש" * 71, 2, Encoding.UCS2),
        ("ש" * 134, 2, Encoding.UCS2),
        ("ש" * 135, 3, Encoding.UCS2),
        ("Hello שלום", 1, Encoding.UCS2),
    ],
)
def test_charged_per_part_per_recipient(
    emu: Emulator, post: Callable[[Call | bytes], Answer], text: str, parts: int, encoding: Encoding
) -> None:
    ok(post(sms_xml(text=text, phones=["0521234567", "0521234568", "0521234568"])))
    (shipment,) = emu.smsleads.shipments.values()
    assert {(m.parts, m.encoding) for m in shipment.messages} == {(parts, encoding)}
    assert credits(emu) == 1000 - 3 * parts
    assert ok(post(xml("balance"))).root.findtext("balance") == str(1000 - 3 * parts)


def test_exact_credits_are_enough(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    emu.smsleads.accounts[USER].credits = 4
    assert post(sms_xml(text="ש" * 71, phones=["0521234567", "0521234568", "0521234569"])).status == 4
    ok(post(sms_xml(text="ש" * 71, phones=["0521234567", "0521234568"])))
    assert credits(emu) == 0


def test_blacklisted_recipients_are_skipped_and_not_charged(
    emu: Emulator, post: Callable[[Call | bytes], Answer]
) -> None:
    ok(post(sms_xml(phones=["0509999999", "0521234567", "508888888"])))
    (shipment,) = emu.smsleads.shipments.values()
    assert [m.phone for m in shipment.messages] == ["0521234567"]
    assert credits(emu) == 999


def test_balance_reply(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    answer = ok(post(xml("balance")))
    assert (
        answer.body
        == (
            DECLARATION + "<balance>\n<status>0</status>\n<message>Your balance is:1000</message>\n"
            "<balance>1000</balance>\n</balance>\n"
        ).encode()
    )


def test_send_to_contact_lists(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    ok(post(sms_xml(phones=[("0501234567", "x")], cl_ids=["21518", " 21500 "])))
    (shipment,) = emu.smsleads.shipments.values()
    assert [m.phone for m in shipment.messages] == ["0501234567", "0522345678", "0547654321", "0502345678"]
    assert [m.external_id for m in shipment.messages] == ["x", None, None, None]
    assert {m.text for m in shipment.messages} == {"Hello"}


def test_dynamic_fields(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    text = "Hello [DYNAMIC_FIELD1] [DYNAMIC_FIELD2] from [DYNAMIC_FIELD3][DYNAMIC_FIELD4]!"
    ok(post(sms_xml(text=text, phones=(), cl_ids=["21518"], extra="<add_dynamic>1</add_dynamic>")))
    (shipment,) = emu.smsleads.shipments.values()
    assert [(m.text, m.encoding, m.parts) for m in shipment.messages] == [
        ("Hello Israel Israeli from Haifa!", Encoding.GSM7, 1),
        ("Hello דנה כהן from תל אביב!", Encoding.UCS2, 1),
    ]
    # Without add_dynamic the placeholders stay.
    ok(post(sms_xml(text=text, phones=(), cl_ids=["21518"], extra="<add_dynamic>yes</add_dynamic>")))
    assert {m.text for m in emu.smsleads.shipments[12345679].messages} == {text}


def test_tag_unsubscribe_and_response(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    ok(post(sms_xml(text="Your code is 1234", extra="<tag>#</tag>")))
    ok(post(sms_xml(extra="<add_unsubscribe>2</add_unsubscribe>")))
    ok(post(sms_xml(extra="<add_unsubscribe> 3 </add_unsubscribe><response>1</response>")))
    ok(post(sms_xml(extra="<add_unsubscribe>0</add_unsubscribe><response>0</response>")))
    tagged, by_reply, by_link, plain = (s.messages[0] for s in emu.smsleads.shipments.values())
    assert tagged.text == "<#>Your code is 1234"
    assert by_reply.text.startswith("Hello\n") and by_reply.encoding is Encoding.UCS2
    assert by_link.text.startswith("Hello\n") and "https://" in by_link.text
    assert by_link.source in emu.smsleads.reply_numbers
    assert (plain.text, plain.source) == ("Hello", "DemoAPI")
    assert emu.smsleads.shipments[12345680].response


def test_response_number_is_deterministic_and_shared_by_a_bulk(
    emu: Emulator, post: Callable[[Call | bytes], Answer]
) -> None:
    body = bulk_xml([("DemoAPI", ["0521234567"], "a"), ("Other", ["0521234568"], "b")], extra="<response>1</response>")
    ok(post(body))
    (shipment,) = emu.smsleads.shipments.values()
    sources = {m.source for m in shipment.messages}
    assert len(sources) == 1 and sources <= set(emu.smsleads.reply_numbers)
    emu.reset()
    ok(post(body))
    assert {m.source for m in emu.smsleads.shipments[12345678].messages} == sources


def test_bulk_happy_path(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    answer = ok(
        post(
            bulk_xml(
                [("DemoAPI", [("0521234567", "b1"), "0521234568"], "First"), ("0501234567", ["0521234569"], "שני")],
                extra="<add_unsubscribe>3</add_unsubscribe>",
            )
        )
    )
    assert answer.root.tag == "bulk"
    assert answer.tags == ["add_unsubscribe", "status", "message", "shipment_id"]
    assert (answer.root.findtext("add_unsubscribe"), answer.message) == ("3", "SMS bulk will be sent")
    (shipment,) = emu.smsleads.shipments.values()
    assert shipment.command == "bulk"
    assert [(m.phone, m.source, m.external_id) for m in shipment.messages] == [
        ("0521234567", "DemoAPI", "b1"),
        ("0521234568", "DemoAPI", None),
        ("0521234569", "0501234567", None),
    ]
    assert [m.text.split("\n")[0] for m in shipment.messages] == ["First", "First", "שני"]
    assert credits(emu) == 1000 - shipment.cost
    # Without add_unsubscribe the reply echoes 0.
    assert ok(post(bulk_xml([("DemoAPI", ["0521234567"], "x")]))).root.findtext("add_unsubscribe") == "0"


# -- delivery reports ----------------------------------------------------------------------------------------------


def test_dlr_progression(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    sent = emu.clock.now()
    ok(post(sms_xml(phones=[("0521234567", "a"), ("0521234569", "b"), "0521234560", ("0521234561", "")])))
    rows = ok(post(dlr_xml(emu, "a", "b", "unknown"))).rows("transactions/transaction")
    assert rows == [
        {
            "external_id": external_id,
            "status": "-1",
            "he_message": "נשלח",
            "en_message": "Sent",
            "date": format_time(sent),
            "shipment_id": "12345678",
        }
        for external_id in ("a", "b")
    ]
    emu.clock.advance(29)
    assert {r["status"] for r in post(dlr_xml(emu, "a", "b")).rows("transactions/transaction")} == {"-1"}
    emu.clock.advance(1)
    rows = post(dlr_xml(emu, "a", "b")).rows("transactions/transaction")
    final = format_time(sent + timedelta(seconds=30))
    assert [(r["external_id"], r["status"], r["he_message"], r["en_message"], r["date"]) for r in rows] == [
        ("a", "102", "הגיע ליעד", "Delivered", final),
        ("b", "101", "לא הגיע ליעד", "Not delivered", final),
    ]
    assert post(dlr_xml(emu, "b")).rows("transactions/transaction")[0]["external_id"] == "b"
    by_date = xml("dlrByDate", f"<transactions><external_id>null</external_id></transactions>{window(emu)}")
    assert [r["external_id"] for r in ok(post(by_date)).rows("transactions/transaction")] == ["a", "b"]
    assert post(by_date).root.tag == "dlrByDate"


def test_dlr_codes_are_in_the_status_table_with_their_state() -> None:
    statuses = ERRORS["statuses"]
    for code, state in _DLR_STATES.items():
        assert statuses[str(code)]["state"] == state
    assert statuses[str(SmsLeads.DELIVERED_STATUS)]["name"] == "DELIVERED"
    assert _DLR_STATES[SmsLeads.UNDELIVERED_STATUS] == "undelivered"
    assert _DLR_STATES[SmsLeads.SENT_STATUS] == "sent"


def test_undelivered_digits_are_per_account(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    emu.smsleads.accounts[USER].undelivered_last_digits = "17"
    ok(post(sms_xml(phones=[("0521234561", "a"), ("0521234569", "b")])))
    emu.clock.advance(30)
    assert [r["status"] for r in post(dlr_xml(emu, "a", "b")).rows("transactions/transaction")] == ["101", "102"]


def test_dlr_date_window(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    start = emu.clock.now()
    ok(post(sms_xml(phones=[("0521234567", "a")])))
    emu.clock.advance(120)
    ok(post(sms_xml(phones=[("0521234568", "a")])))
    minute = format_time(start)
    only_first = xml(
        "dlr", f"<transactions><external_id>a</external_id></transactions><from>{minute}</from><to>{minute}</to>"
    )
    assert [r["shipment_id"] for r in post(only_first).rows("transactions/transaction")] == ["12345678"]
    assert [r["shipment_id"] for r in post(dlr_xml(emu, "a")).rows("transactions/transaction")] == [
        "12345678",
        "12345679",
    ]
    later = format_time(start + timedelta(minutes=1))
    assert [r["shipment_id"] for r in post(dlr_xml(emu, "a", start=later)).rows("transactions/transaction")] == [
        "12345679"
    ]
    # Other accounts' transactions are never shown.
    assert (
        post(
            Call(
                xml(
                    "dlr",
                    f"<transactions><external_id>a</external_id></transactions>{window(emu)}",
                    username="username1",
                ),
                token="sl-username1-token",
            )
        ).rows("transactions/transaction")
        == []
    )


_REPORT_FILTERS = {
    "dlr": "<transactions><external_id>a</external_id></transactions>",
    "dlrByDate": "<transactions><external_id>null</external_id></transactions>",
    "incoming": "",
}


@pytest.mark.parametrize("command", sorted(_REPORT_FILTERS))
def test_report_ranges_are_a_week_at_most_and_a_year_back_at_most(
    emu: Emulator, post: Callable[[Call | bytes], Answer], command: str
) -> None:
    """Seed 002 (dlr, dlrByDate, incoming): "The date range that is allowed to pick from is a range of 1 week up
    to 1 year back" (the 019 platform's page of the same API: "up to 1 week"). A longer range, or one starting
    more than a year (365 days) before now, is refused as a bad request (998), like a bad date."""
    now = emu.clock.now()

    def between(start: datetime, end: datetime) -> bytes:
        return xml(command, f"{_REPORT_FILTERS[command]}<from>{format_time(start)}</from><to>{format_time(end)}</to>")

    ok(post(between(now - timedelta(days=7), now)))  # a whole week
    ok(post(between(now - timedelta(days=365), now - timedelta(days=358))))  # a week, a year back
    ok(post(between(now, now + timedelta(days=7))))  # ending later than now
    for start, end in [
        (now - timedelta(days=7, minutes=1), now),  # a minute over a week
        (now - timedelta(days=30), now),
        (now - timedelta(days=365, minutes=1), now - timedelta(days=364)),  # starting over a year back
        (now - timedelta(days=800), now - timedelta(days=799)),
    ]:
        answer = post(between(start, end))
        assert (answer.status, answer.message) == (998, _MESSAGES["998"]), (start, end)


def test_the_blacklist_range_is_not_limited(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    """The page's blacklist example spans six months and carries no range note."""
    now = emu.clock.now()
    rows = ok(post(xml("blacklist", window(emu, format_time(now - timedelta(days=600)))))).rows(
        "transactions/transaction"
    )
    assert [row["phone"] for row in rows] == ["0508888888", "0509999999"]


def test_at_most_1000_dlr_records(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    emu.smsleads.accounts[USER].credits = 5000
    ok(post(sms_xml(phones=[("0521234567", f"id{i}") for i in range(1001)])))
    by_date = xml("dlrByDate", f"<transactions><external_id>null</external_id></transactions>{window(emu)}")
    rows = ok(post(by_date)).rows("transactions/transaction")
    assert len(rows) == SmsLeads.MAX_DLR_RECORDS
    assert rows[-1]["external_id"] == "id999"


# -- scheduling and cancel -----------------------------------------------------------------------------------------


def test_scheduled_campaign_and_cancel(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    at = emu.clock.now() + timedelta(hours=1)
    answer = ok(
        post(sms_xml(phones=[("0521234567", "s1"), ("0521234568", "s2")], extra=f"<timing>{format_time(at)}</timing>"))
    )
    campaign = answer.root.findtext("shipment_id")
    shipment = emu.smsleads.shipments[int(campaign or "0")]
    assert shipment.scheduled and shipment.state_at(emu.clock.now()) == "scheduled"
    assert credits(emu) == 998  # charged at submission
    assert post(dlr_xml(emu, "s1", "s2")).rows("transactions/transaction") == []
    answer = ok(post(xml("cancel", f"<campaign_id> {campaign} </campaign_id>")))
    assert (answer.message, answer.tags) == ("Campaign successfuly cancel", ["status", "message"])
    assert credits(emu) == 1000  # refunded
    assert shipment.state_at(emu.clock.now()) == "cancelled"
    assert post(xml("cancel", f"<campaign_id>{campaign}</campaign_id>")).status == 955
    emu.clock.advance(7200)
    assert post(dlr_xml(emu, "s1", "s2")).rows("transactions/transaction") == []
    assert post(xml("cancel", f"<campaign_id>{campaign}</campaign_id>")).status == 955


def test_scheduled_campaign_is_sent_when_its_time_comes(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    at = emu.clock.now() + timedelta(minutes=10)
    campaign = ok(
        post(sms_xml(phones=[("0521234567", "s1")], extra=f"<timing>{format_time(at)}</timing>"))
    ).root.findtext("shipment_id")
    send_at = parse_time(format_time(at))
    assert send_at is not None
    emu.clock.advance((send_at - emu.clock.now()).total_seconds() - 1)
    assert post(dlr_xml(emu, "s1")).rows("transactions/transaction") == []
    emu.clock.advance(1)
    assert [r["status"] for r in post(dlr_xml(emu, "s1")).rows("transactions/transaction")] == ["-1"]
    assert post(xml("cancel", f"<campaign_id>{campaign}</campaign_id>")).status == 966
    emu.clock.advance(30)
    assert [r["status"] for r in post(dlr_xml(emu, "s1")).rows("transactions/transaction")] == ["102"]


def test_past_timing_sends_at_once(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    campaign = ok(post(sms_xml(extra="<timing>01/01/21 10:10</timing>"))).root.findtext("shipment_id")
    assert not emu.smsleads.shipments[int(campaign or "0")].scheduled
    assert post(xml("cancel", f"<campaign_id>{campaign}</campaign_id>")).status == 966


def test_cancel_is_per_account(emu: Emulator, client: httpx.Client, post: Callable[[Call | bytes], Answer]) -> None:
    campaign = _campaign(emu, client, scheduled=True)
    body = xml("cancel", f"<campaign_id>{campaign}</campaign_id>", username="username1")
    assert post(Call(body, token="sl-username1-token")).status == 977


def test_scheduled_bulk_can_be_cancelled(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    at = format_time(emu.clock.now() + timedelta(days=1))
    campaign = ok(post(bulk_xml([("DemoAPI", ["0521234567"], "a")], extra=f"<timing>{at}</timing>"))).root.findtext(
        "shipment_id"
    )
    ok(post(xml("cancel", f"<campaign_id>{campaign}</campaign_id>")))
    assert credits(emu) == 1000


# -- incoming, blacklist -------------------------------------------------------------------------------------------


def test_incoming(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    now = emu.clock.now()
    rows = ok(post(xml("incoming", window(emu)))).rows("transactions/transaction")
    assert rows == [
        {
            "source": "0522345678",
            "destination": "0535500100",
            "message": "This is a sample message",
            "date": format_time(now - timedelta(hours=1)),
        },
        {
            "source": "0547654321",
            "destination": "0535500100",
            "message": "הסר",
            "date": format_time(now - timedelta(hours=5)),
        },
    ]
    recent = window(emu, format_time(now - timedelta(hours=2)))
    assert [r["message"] for r in post(xml("incoming", recent)).rows("transactions/transaction")] == [
        "This is a sample message"
    ]
    emu.smsleads.add_incoming(USER, "0521234567", "Thanks!")
    assert [r["message"] for r in post(xml("incoming", recent)).rows("transactions/transaction")] == [
        "Thanks!",
        "This is a sample message",
    ]
    assert (
        post(Call(xml("incoming", recent, username="username1"), token="sl-username1-token")).rows(
            "transactions/transaction"
        )
        == []
    )


def test_blacklist_and_rm_num_bl(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    now = emu.clock.now()
    rows = ok(post(xml("blacklist", window(emu)))).rows("transactions/transaction")
    assert rows == [
        {"phone": "0508888888", "date": format_time(now - timedelta(days=1))},
        {"phone": "0509999999", "date": format_time(now - timedelta(days=3))},
    ]
    answer = post(
        xml("rmNumBL", "<phones><phone>509999999</phone><phone>0501111111</phone></phones><reason>asked</reason>")
    )
    assert answer.root.tag == "rmNumBL"
    assert (answer.status, answer.message) == (
        944,
        "1 phone numbers Successfully deleted , 1 Phone numbers not exist in blacklist",
    )
    assert list(emu.smsleads.accounts[USER].blacklist) == ["0508888888"]
    ok(post(sms_xml(phones=["0509999999"])))


# -- sub-accounts ------------------------------------------------------------------------------------------------


def test_sub_accounts(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    rows = ok(post(xml("getBlanceSubs"))).rows("balances/balance")
    assert [(r["amount"], r["name"]) for r in rows] == [("80", "name1"), ("50", "name2")]
    assert all(r["sms_user_id"].isdigit() for r in rows)
    # The page's example, whitespace and all.
    body = (
        b"<addSub><user><username> JohnDoe </username></user><userDetails><name>israel israeli</name>"
        b"<username> israelisraeli </username><password> israelisraeli </password><source>05xxxxxxxx</source>"
        b"<amount>700</amount></userDetails></addSub>"
    )
    answer = ok(post(body))
    assert answer.message == "The user was created successfully"
    sub = emu.smsleads.accounts["israelisraeli"]
    assert (sub.parent, sub.name, sub.credits, sub.sources, sub.password) == (
        USER,
        "israel israeli",
        700,
        ["05xxxxxxxx"],  # the page's placeholder is 10 digits/letters: a valid source
        "israelisraeli",
    )
    assert "israelisraeli" not in repr(sub).replace("username='israelisraeli'", "")
    assert credits(emu) == 300
    rows = post(xml("getBlanceSubs")).rows("balances/balance")
    assert [(r["amount"], r["name"]) for r in rows][-1] == ("700", "israel israeli")
    # A new sub-account gets its token from the web form: here, generate_token.
    token = emu.smsleads.generate_token("israelisraeli").value
    assert ok(post(Call(xml("balance", username="israelisraeli"), token=token))).root.findtext("balance") == "700"
    assert post(Call(xml("getBlanceSubs", username="israelisraeli"), token=token)).status == 511
    answer = ok(post(update_sub_xml(amount="300")))
    assert answer.message == "Wallet successfully updated"
    assert (credits(emu), credits(emu, "username1"), emu.smsleads.accounts["username1"].password) == (
        0,
        380,
        "password1",
    )
    assert post(update_sub_xml(amount="1")).status == 990
    ok(post(update_sub_xml(amount="0", password="newpassword")))
    assert emu.smsleads.accounts["username1"].password == "newpassword"


# -- contact lists -----------------------------------------------------------------------------------------------


def destinations(*phones: str, fields: str = "") -> str:
    return (
        "<destinations>"
        + "".join(f"<destination><phone>{p}</phone>{fields}</destination>" for p in phones)
        + "</destinations>"
    )


def test_seeded_numbers_are_valid_israeli_mobiles(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    """The phones a user reads from the seeded contact lists and incoming SMS pass phonenumbers' validation."""
    listed = [row["phone"] for row in ok(post(xml("getCL"))).rows("contact_lists/contact_list")]
    now = emu.clock.now()
    window = f"<from>{format_time(now - timedelta(days=1))}</from><to>{format_time(now)}</to>"
    senders = [row["source"] for row in ok(post(xml("incoming", window))).rows("transactions/transaction")]
    assert listed and senders
    for phone in [*listed, *senders]:
        number = phonenumbers.parse(phone, "IL")
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE, phone


def test_contact_lists(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    rows = ok(post(xml("getCL"))).rows("contact_lists/contact_list")
    assert rows == [
        {"cl_id": "21518", "phone": "0522345678", "name": "name1"},
        {"cl_id": "21518", "phone": "0547654321", "name": "name1"},
        {"cl_id": "21500", "phone": "0502345678", "name": "name2"},
    ]
    body = xml(
        "newCL",
        "<cl><name>רשימה</name>"
        + destinations("0521111111", "05012", "05O1234567", fields="<df1>A</df1><df6>F</df6>")
        + "</cl><cl><name> empty </name><destinations/></cl>",
    )
    answer = ok(post(body))
    assert answer.message == "conact list successfully created"
    assert [e.text for e in answer.root.iterfind("errors/error")] == [
        "The phone 05012 is too long or too short or contain characters and therefore not added",
        "The phone 05O1234567 is too long or too short or contain characters and therefore not added",
    ]
    assert [e.text for e in answer.root.iterfind("identifiers/identifier")] == ["17419", "17420"]
    new = emu.smsleads.contact_lists[17419]
    assert [(c.phone, c.fields) for c in new.contacts] == [("0521111111", ("A", "", "", "", "", "F"))]
    # Empty lists are listed too, as a row without phone.
    assert post(xml("getCL")).rows("contact_lists/contact_list")[-2:] == [
        {"cl_id": "17419", "phone": "0521111111", "name": "רשימה"},
        {"cl_id": "17420", "name": "empty"},
    ]
    answer = ok(post(xml("getCLbyID", "<cl><id>21518</id></cl>")))
    assert answer.rows("contact_lists/contact_list") == [
        {"phone": "0522345678", "name": "name1"},
        {"phone": "0547654321", "name": "name1"},
    ]
    # addNumCL: partial success.
    body = xml(
        "addNumCL",
        "<cl><id>21500</id>" + destinations("0522222222", "0502345678", "12", fields="<df2>B</df2>") + "</cl>"
        "<cl><id>99999</id>" + destinations("0523333333") + "</cl>",
    )
    answer = ok(post(body))
    assert answer.message == "Successfully added phone numbers"
    assert [e.text for e in answer.root.iterfind("errors/error")] == [
        "The phone 12 is too long or too short or contain characters and therefore not added",
        "contact list id: 99999 does not exist and therefore not updated",
    ]
    assert [(c.phone, c.fields[1]) for c in emu.smsleads.contact_lists[21500].contacts] == [
        ("0502345678", "B"),
        ("0522222222", "B"),
    ]
    # rmNumCL: partial success.
    body = xml(
        "rmNumCL",
        "<cl><id>21500</id><destinations><phone>522222222</phone><phone>0529999999</phone></destinations></cl>"
        "<cl><id>99999</id><destinations><phone>0523333333</phone></destinations></cl>",
    )
    answer = ok(post(body))
    assert answer.message == "Successfully deleted phone numbers"
    assert [e.text for e in answer.root.iterfind("errors/error")] == [
        "The phone 0529999999 is not in contact list id: 21500 and therefore not removed",
        "contact list id: 99999 does not exist and therefore not removed",
    ]
    assert [c.phone for c in emu.smsleads.contact_lists[21500].contacts] == ["0502345678"]
    # removeCL: partial success.
    answer = ok(post(xml("removeCL", "<cl><id>21518</id><id>21500</id><id>21500</id><id>99999</id></cl>")))
    assert answer.message == "contact list successfully removed"
    assert [e.text for e in answer.root.iterfind("errors/error")] == [
        "contact list id: 21500 does not exist and therefore not removed",
        "contact list id: 99999 does not exist and therefore not removed",
    ]
    assert sorted(emu.smsleads.contact_lists) == [17419, 17420]
    # A full success has no <errors>.
    assert ok(post(xml("removeCL", "<cl><id>17420</id></cl>"))).tags == ["status", "message"]
    assert post(sms_xml(phones=(), cl_ids=["21518"])).status == 988


def test_contact_lists_belong_to_their_account(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    call = Call(xml("getCL", username="username1"), token="sl-username1-token")
    assert ok(post(call)).rows("contact_lists/contact_list") == []
    assert (
        post(Call(xml("getCLbyID", "<cl><id>21518</id></cl>", username="username1"), token="sl-username1-token")).status
        == 988
    )
    assert (
        post(Call(xml("removeCL", "<cl><id>21518</id></cl>", username="username1"), token="sl-username1-token")).status
        == 988
    )


# -- verify_phone --------------------------------------------------------------------------------------------------


def test_verify_phone(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    answer = ok(
        post(
            xml(
                "verify_phone",
                "<phone>521234567</phone><phone>31234567</phone><phone>x</phone><phone>0722222222</phone>",
            )
        )
    )
    assert answer.tags == ["status", "message"]
    assert answer.message == (
        "\nverification link will be send to 521234567\n"
        f"in order to complete the verification of 31234567 call to {SmsLeads.VERIFICATION_NUMBER}\n"
        f"in order to complete the verification of 0722222222 call to {SmsLeads.VERIFICATION_NUMBER}\n"
    )
    assert emu.smsleads.accounts[USER].verifications == ["521234567", "31234567", "0722222222"]


@pytest.mark.parametrize(
    ("phone", "mobile", "landline"),
    [
        ("0521234567", "0521234567", False),
        (" 521234567 ", "0521234567", False),
        ("052123456", None, False),  # too short for a mobile; 05 is no landline prefix
        ("31234567", None, True),
        ("031234567", None, True),
        ("0771234567", None, True),
        ("0612345678", None, False),
        ("+972521234567", None, False),
        ("05212345678", None, False),
        ("", None, False),
    ],
)
def test_phone_rules(phone: str, mobile: str | None, landline: bool) -> None:
    assert normalize_mobile(phone) == mobile
    assert is_israeli_landline(phone) is landline


# -- documented replies: the page's own bytes ------------------------------------------------------------------------


def _seed_response_samples() -> dict[str, Path]:
    found = {}
    for path in sorted(SAMPLES.glob("seed002-*-response*.xml")):
        stem = re.sub(r"^seed002-|-response(-malformed)?\.xml$", "", path.name)
        found[stem] = path
    return found


SEED_RESPONSES = _seed_response_samples()


def _setup_dlr(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> bytes:
    post(sms_xml(phones=[("0521234567", "1391438285"), ("0521234568", "1391438286")]))
    emu.clock.advance(30)
    return dlr_xml(emu, "1391438285", "1391438286")


def _setup_cancel(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> bytes:
    at = format_time(emu.clock.now() + timedelta(hours=1))
    post(sms_xml(extra=f"<timing>{at}</timing>"))
    return xml("cancel", "<campaign_id>12345678</campaign_id>")


def _setup_get_cl_by_id(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> bytes:
    post(xml("addNumCL", "<cl><id>21518</id>" + destinations("0501112233") + "</cl>"))
    return xml("getCLbyID", "<cl><id>21518</id></cl>")


#: For each reply sample of the page: the request (after any set-up) giving a reply of the same shape.
SAMPLE_REQUESTS: dict[str, Callable[[Emulator, Callable[[Call | bytes], Answer]], bytes]] = {
    "envelope": lambda emu, post: sms_xml(),
    "sms": lambda emu, post: sms_xml(),
    "bulk": lambda emu, post: bulk_xml([("DemoAPI", ["0521234567"], "a"), ("DemoAPI", ["0521234568"], "b")]),
    "balance": lambda emu, post: xml("balance"),
    "dlr": _setup_dlr,
    "incoming": lambda emu, post: xml("incoming", window(emu)),
    "blacklist": lambda emu, post: xml("blacklist", window(emu)),
    "rmNumBL-success": lambda emu, post: xml(
        "rmNumBL", "<phones><phone>0509999999</phone><phone>0501111111</phone></phones><reason>r</reason>"
    ),
    "rmNumBL-fail": lambda emu, post: xml("rmNumBL", "<phones><phone>5********</phone></phones><reason>r</reason>"),
    "addSub": lambda emu, post: add_sub_xml(),
    "updateAmountSub": lambda emu, post: update_sub_xml(),
    "getBlanceSubs": lambda emu, post: xml("getBlanceSubs"),
    "newCL": lambda emu, post: xml(
        "newCL", "<cl><name>name1</name>" + destinations("0521111111", "5xxxxxxxx") + "</cl>"
    ),
    "removeCL": lambda emu, post: xml("removeCL", "<cl><id>21518</id><id>99999</id></cl>"),
    "rmNumCL": lambda emu, post: xml(
        "rmNumCL",
        "<cl><id>21518</id><destinations><phone>0522345678</phone></destinations></cl>"
        "<cl><id>99999</id><destinations><phone>0521234567</phone></destinations></cl>",
    ),
    "getCL": lambda emu, post: xml("getCL"),
    "getCLbyID": _setup_get_cl_by_id,
    "cancel": _setup_cancel,
    "verify_phone": lambda emu, post: xml("verify_phone", "<phone>521234567</phone><phone>31234567</phone>"),
}

_TOKENS = re.compile(rb"<[^>]+>|[^<]+")


def skeleton(body: bytes) -> tuple[bytes, list[str], set[str]]:
    """The declaration, the sequence of tags (text shown as a marker), and the tags whose value has spaces around."""
    declaration, _, rest = body.partition(b"?>")
    sequence: list[str] = []
    for token in _TOKENS.findall(rest):
        if token.startswith(b"<"):
            sequence.append(token.decode())
        elif token.strip():
            sequence.append("#text")
    spaced = {m.group(1).decode() for m in re.finditer(rb"<([A-Za-z_]+)>( [^<]*|[^<]* )<", rest) if m.group(2).strip()}
    return declaration + b"?>", sequence, spaced


def test_every_reply_sample_of_the_page_is_covered() -> None:
    assert set(SAMPLE_REQUESTS) == set(SEED_RESPONSES)
    commands = {re.sub(r"-(success|fail)$", "", name) for name in SEED_RESPONSES} - {"envelope"}
    assert commands == set(COMMANDS) - {"dlrByDate", "addNumCL"}  # the page shows no reply for these two


@pytest.mark.parametrize("sample", sorted(SEED_RESPONSES))
def test_documented_replies_have_the_shape_of_the_page(
    emu: Emulator, post: Callable[[Call | bytes], Answer], sample: str
) -> None:
    request = SAMPLE_REQUESTS[sample](emu, post)
    correct = post(request)  # validated against the XSD by `post`
    emu.reset()
    emu.smsleads.documented_replies = True
    request = SAMPLE_REQUESTS[sample](emu, post)
    documented = post(request).body
    page = SEED_RESPONSES[sample].read_bytes()
    assert skeleton(documented) == skeleton(page)
    assert documented.endswith(b">\n")
    # Malformed on the page ⇔ malformed here: not well-formed, or not of the XSD's shape.
    malformed = SEED_RESPONSES[sample].name.endswith("-malformed.xml")
    assert _fails_strict_or_xsd(documented) is malformed
    if not malformed:
        assert documented == correct.body
    entry = emu.requests[-1]
    assert entry.outcome == correct.root.findtext("status")


def _fails_strict_or_xsd(body: bytes) -> bool:
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError:
        return True
    return not SCHEMA.validate(root)


@pytest.mark.parametrize(
    ("fixed", "page", "defects", "command"),
    [
        ("fixed-envelope-response.xml", "seed002-envelope-response-malformed.xml", ["unclosed-shipment-id"], "sms"),
        ("fixed-sms-response.xml", "seed002-sms-response-malformed.xml", ["unclosed-shipment-id"], "sms"),
        (
            "fixed-bulk-response.xml",
            "seed002-bulk-response-malformed.xml",
            ["bulk-reply-root-sms", "unclosed-shipment-id"],
            "bulk",
        ),
        ("fixed-dlr-response.xml", "seed002-dlr-response-malformed.xml", ["unclosed-shipment-id"], "dlr"),
        (
            "fixed-rmNumBL-success-response.xml",
            "seed002-rmNumBL-success-response-malformed.xml",
            ["rootless-reply"],
            "rmNumBL",
        ),
        (
            "fixed-rmNumBL-fail-response.xml",
            "seed002-rmNumBL-fail-response-malformed.xml",
            ["rootless-reply"],
            "rmNumBL",
        ),
        (
            "fixed-verify_phone-response.xml",
            "seed002-verify_phone-response-malformed.xml",
            ["verify-message-field"],
            "verify_phone",
        ),
    ],
)
def test_defect_functions_turn_the_fixed_samples_back_into_the_page(
    fixed: str, page: str, defects: list[str], command: str
) -> None:
    body = (SAMPLES / fixed).read_bytes()
    for defect in defects:
        body = apply_defect(defect, body, command)
    expected = (SAMPLES / page).read_bytes()
    if command == "dlr":  # whitespace-in-values puts spaces on both sides; the page is not consistent
        expected = expected.replace(
            "<he_message>הגיע ליעד </he_message>".encode(), "<he_message>הגיע ליעד</he_message>".encode()
        )
        expected = expected.replace(
            "<he_message> הגיע ליעד </he_message>".encode(), "<he_message>הגיע ליעד</he_message>".encode()
        )
    assert body == expected


def test_whitespace_defect_and_defect_names_match_the_readme() -> None:
    body = b"<dlr><he_message>x</he_message><name>n</name></dlr>"
    assert apply_defect("whitespace-in-values", body, "dlr") == b"<dlr><he_message> x </he_message><name>n</name></dlr>"
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for defect in SmsLeadsDefect:
        assert f"`{defect.value}`" in readme
    assert {d for defects in SmsLeads.DOCUMENTED_DEFECTS.values() for d in defects} == set(SmsLeadsDefect)


def test_documented_replies_apply_to_errors_too(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    emu.smsleads.documented_replies = True
    fail = post(xml("rmNumBL", "<phones/><reason/>")).body
    assert fail == (DECLARATION + "<status>933</status>\n<message>Phones or reason not valid</message>\n").encode()
    bulk = post(bulk_xml([("DemoAPI", ["1"], "a")]))
    assert bulk.root.tag == "sms" and bulk.status == 9
    emu.smsleads.documented_replies = False
    assert post(xml("rmNumBL", "<phones/><reason/>")).root.tag == "rmNumBL"


def test_documented_replies_from_the_seed() -> None:
    seed = copy.deepcopy(dict(DEFAULT_SEED))
    seed["smsleads"] = {**copy.deepcopy(SMSLEADS_DEFAULT_SEED), "documented_replies": True}
    with Emulator(seed, clock_speed=0) as emu, loopback_client() as client:
        assert emu.smsleads.documented_replies
        response = client.post(
            emu.base_url("smsleads"), content=sms_xml(), headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert b"<shipment_id>12345678<shipment_id>" in response.content
        emu.smsleads.documented_replies = False
        emu.reset()
        assert emu.smsleads.documented_replies


# -- the page's requests ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*-request*.xml")), ids=lambda p: p.name)
def test_the_pages_requests_are_read(emu: Emulator, post: Callable[[Call | bytes], Answer], path: Path) -> None:
    command = re.sub(r"^(seed002|fixed)-(php1-|php2-|csharp-)?|-request(-malformed)?\.xml$", "", path.name)
    answer = post(Call(path.read_bytes()))
    if path.name == "seed002-newCL-request-malformed.xml":  # missing-phone-open-tag: not well-formed
        assert answer.status == 1
        return
    assert answer.root.tag == command
    # Read, and the token recognised: what remains are the page's placeholders and usernames.
    assert answer.status not in (1, 2, 3, 997)


def test_leading_whitespace_and_single_quotes_are_accepted(post: Callable[[Call | bytes], Answer]) -> None:
    body = (
        b"\r\n  <?xml version='1.0' encoding='UTF-8'?>\r\n <balance>\r\n <user>\r\n"
        b" <username> JohnDoe </username>\r\n </user></balance>"
    )
    ok(post(body))


def test_other_paths_and_content_types(emu: Emulator, client: httpx.Client) -> None:
    base = emu.base_url("smsleads")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post(base + "/", content=BALANCE, headers=headers).status_code == 200
    assert client.post(base + "/api", content=BALANCE, headers=headers).status_code == 404
    for content_type in ("application/json", "application/xml", "text/plain"):
        response = client.post(base, content=BALANCE, headers={**headers, "Content-Type": content_type})
        assert etree.fromstring(response.content).findtext("status") == "0"


# -- faults --------------------------------------------------------------------------------------------------------


def test_error_code_fault(emu: Emulator, client: httpx.Client, post: Callable[[Call | bytes], Answer]) -> None:
    emu.faults.inject("smsleads", "error_code")
    answer = post(sms_xml())
    assert (answer.root.tag, answer.status, answer.message) == ("sms", 6, "Process failure")
    assert not emu.smsleads.shipments
    assert (emu.requests[-1].operation, emu.requests[-1].handled, emu.requests[-1].fault) == (
        "sms",
        False,
        FaultKind.ERROR_CODE,
    )
    emu.faults.inject("smsleads", "error_code", code="4", before_handler=False)
    answer = post(xml("getCL"))
    assert (answer.root.tag, answer.status, answer.message) == ("getCL", 4, _MESSAGES["4"])
    emu.faults.inject("smsleads", "error_code", code="12")
    assert (post(sms_xml()).status, post(sms_xml()).status) == (12, 0)
    emu.smsleads.documented_replies = True
    emu.faults.inject("smsleads", "error_code", code="933")
    assert (
        raw(emu, client, xml("rmNumBL")).content
        == (DECLARATION + "<status>933</status>\n<message>Phones or reason not valid</message>\n").encode()
    )


def test_other_fault_kinds(emu: Emulator, client: httpx.Client) -> None:
    emu.faults.inject("smsleads", "reset")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        raw(emu, client, sms_xml())
    assert not emu.smsleads.shipments
    assert emu.requests[-1].operation == "sms"
    emu.faults.inject("smsleads", "truncate", length=20)
    response = raw(emu, client, sms_xml())
    assert response.content == DECLARATION.encode()[:20]
    assert len(emu.smsleads.shipments) == 1 and credits(emu) == 999  # sent and charged; only the reply is lost
    emu.faults.inject("smsleads", "status", status=503, retry_after=3)
    response = raw(emu, client, sms_xml())
    assert (response.status_code, response.headers["retry-after"]) == (503, "3")
    emu.faults.inject("smsleads", "timeout", delay=0.05)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        raw(emu, client, xml("balance"))
    emu.faults.inject("smsleads", "malformed", body="<html>oops</html>")
    assert raw(emu, client, xml("balance")).text == "<html>oops</html>"
    assert len(emu.smsleads.shipments) == 1
    emu.faults.inject("smsleads", "empty")
    assert raw(emu, client, xml("balance")).content == b""
    assert emu.state()["providers"]["smsleads"]["counts"]["requests"] == 6  # type: ignore[index]


# -- seed, state, reset --------------------------------------------------------------------------------------------


def test_default_seed(emu: Emulator) -> None:
    accounts = emu.smsleads.accounts
    assert list(accounts) == ["JohnDoe", "username1", "username2", "EmptyWallet", "NoSend", "Blocked"]
    assert (accounts["JohnDoe"].credits, accounts["JohnDoe"].sources) == (1000, ["DemoAPI", "0501234567"])
    assert [a.sms_user_id for a in accounts.values()] == [5001, 5002, 5003, 5004, 5005, 5006]
    assert accounts["username1"].denied_commands == SmsLeads.SUB_ACCOUNT_DENIED
    assert sorted(emu.smsleads.contact_lists) == [21500, 21518]
    assert DEFAULT_SEED["smsleads"] is SMSLEADS_DEFAULT_SEED
    tokens = accounts["JohnDoe"].tokens
    assert [t.superseded_at is None for t in tokens] == [False, False, False, True]


def test_reset_restores_the_seed(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    before = emu.smsleads.snapshot()
    ok(post(sms_xml()))
    ok(post(add_sub_xml()))
    ok(post(xml("newCL", "<cl><name>x</name><destinations/></cl>")))
    ok(post(xml("rmNumBL", "<phones><phone>0509999999</phone></phones><reason>r</reason>")), 944)
    emu.smsleads.generate_token(USER, "sl-other")
    emu.smsleads.documented_replies = True
    emu.reset()
    assert emu.smsleads.snapshot() == before
    assert (
        ok(post(xml("newCL", "<cl><name>x</name><destinations/></cl>"))).root.findtext("identifiers/identifier")
        == "17419"
    )
    assert ok(post(sms_xml())).root.findtext("shipment_id") == "12345678"


def test_add_account(emu: Emulator, post: Callable[[Call | bytes], Answer]) -> None:
    account = emu.smsleads.add_account("Shop", "sl-shop", credits=5)
    assert account.sms_user_id == 5007
    assert ok(post(Call(xml("balance", username="Shop"), token="sl-shop"))).root.findtext("balance") == "5"
    sub = emu.smsleads.add_account("ShopSub", parent="Shop")
    assert sub.denied_commands == SmsLeads.SUB_ACCOUNT_DENIED and not sub.tokens
    with pytest.raises(ValueError, match="unknown parent"):
        emu.smsleads.add_account("Orphan", parent="Nobody")


def test_seed_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "seed.toml"
    path.write_text(
        """
[smsleads]
documented_replies = false
first_shipment_id = 500

[[smsleads.accounts]]
username = "acme"
credits = 10
tokens = [{ token = "acme-token", created_days_ago = 1 }]

[[smsleads.accounts.contact_lists]]
id = 7
name = "vip"
contacts = [{ phone = "0521234567", df1 = "Dana" }]

[[smsleads.accounts.incoming]]
source = "0521234567"
destination = "0535500100"
message = "hi"
date = "03/12/21 16:38"
""",
        encoding="utf-8",
    )
    # The seeded SMS is dated on the page's example date: the clock starts a day later (reports reach a year back).
    with (
        Emulator(path, clock_speed=0, clock_start=datetime(2021, 12, 4, tzinfo=UTC)) as emu,
        loopback_client() as client,
    ):
        headers = {"Authorization": "Bearer acme-token"}
        body = sms_xml(
            phones=(), cl_ids=["7"], username="acme", text="Hi [DYNAMIC_FIELD1]", extra="<add_dynamic>1</add_dynamic>"
        )
        response = client.post(emu.base_url("smsleads"), content=body, headers=headers)
        assert etree.fromstring(response.content).findtext("shipment_id") == "500"
        assert emu.smsleads.shipments[500].messages[0].text == "Hi Dana"
        body = xml("incoming", "<from>03/12/21 16:38</from><to>03/12/21 16:38</to>", username="acme")
        response = client.post(emu.base_url("smsleads"), content=body, headers=headers)
        assert etree.fromstring(response.content).findtext("transactions/transaction/message") == "hi"
        assert emu.letsads.accounts == {}  # no letsads section: no accounts


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ([], "must be a table"),
        ({"nope": 1}, "unknown key"),
        ({"accounts": [{"credits": 1}]}, "username is required"),
        ({"accounts": [{"username": "a", "credits": -1}]}, "credits must be an integer"),
        ({"accounts": [{"username": "a", "tokens": [{"token": " "}]}]}, "must be a non-empty string"),
        (
            {
                "accounts": [
                    {"username": "a", "tokens": [{"token": "t"}]},
                    {"username": "b", "tokens": [{"token": "t"}]},
                ]
            },
            "token is given more than once",
        ),
        ({"accounts": [{"username": "a"}, {"username": "a"}]}, "duplicate username"),
        ({"accounts": [{"username": "a", "parent": "b"}]}, "parent 'b'"),
        ({"accounts": [{"username": "a", "denied_commands": ["send"]}]}, "unknown command"),
        (
            {
                "accounts": [
                    {"username": "a", "contact_lists": [{"id": 1, "name": "x", "contacts": [{"phone": "123"}]}]}
                ]
            },
            "Israeli mobile",
        ),
        (
            {
                "accounts": [
                    {"username": "a", "contact_lists": [{"id": 1, "name": "x"}]},
                    {"username": "b", "contact_lists": [{"id": 1, "name": "y"}]},
                ]
            },
            "contact list id",
        ),
        ({"accounts": [{"username": "a", "blacklist": [{"phone": "0521234567", "date": "yesterday"}]}]}, "dd/mm/yy"),
        (
            {
                "accounts": [
                    {
                        "username": "a",
                        "blacklist": [{"phone": "0521234567", "date": "01/01/21 00:00", "minutes_ago": 1}],
                    }
                ]
            },
            "not both",
        ),
        ({"accounts": [{"username": "a", "incoming": [{"source": "s", "destination": "d"}]}]}, "required"),
        ({"accounts": [{"username": "a", "undelivered_last_digits": "x"}]}, "digits"),
        ({"documented_replies": "yes"}, "true or false"),
        ({"reply_numbers": []}, "must not be empty"),
        ({"first_shipment_id": 0}, "first_shipment_id"),
    ],
)
def test_bad_seeds_are_refused(section: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Emulator({"smsleads": section}, clock_speed=0)


def test_time_format() -> None:
    moment = parse_time("03/02/21 16:38")
    assert moment is not None and format_time(moment) == "03/02/21 16:38"
    assert parse_time("31/02/21 16:38") is None
    assert parse_time("3/2/21 16:38") is None
    assert parse_time(" 03/02/21 16:38 ") == moment
