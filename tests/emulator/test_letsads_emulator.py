"""The LetsAds emulator over real HTTP on loopback, with plain httpx: every documented code and behaviour."""

from __future__ import annotations

import http.client
import json
import time
import tomllib
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import pytest
from lxml import etree

from smsgate.emulator import (
    DEFAULT_SEED,
    Clock,
    Emulator,
    LetsAdsAccount,
    LetsAdsError,
    LetsAdsStatus,
    load_seed,
)
from smsgate.emulator._letsads import recipient_is_valid, sender_is_well_formed

from .conftest import loopback_client

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
ERRORS_TOML = ROOT / "schemas" / "letsads" / "errors.toml"
SAMPLES = ROOT / "schemas" / "letsads" / "samples"

LOGIN = "380501234567"
PASSWORD = "p1a2s3s4"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


# -- helpers --------------------------------------------------------------------------------------------------


def request_xml(operation: str, *, login: str = LOGIN, password: str = PASSWORD) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<request><auth><login>{escape(login)}</login><password>{escape(password)}</password></auth>"
        f"{operation}</request>"
    ).encode()


def send_xml(
    text: str = "Hello",
    recipients: Sequence[str] = ("380501234567",),
    *,
    sender: str = "Sender",
    login: str = LOGIN,
    password: str = PASSWORD,
) -> bytes:
    parts = "".join(f"<recipient>{escape(r)}</recipient>" for r in recipients)
    message = f"<message><from>{escape(sender)}</from><text>{escape(text)}</text>{parts}</message>"
    return request_xml(message, login=login, password=password)


def status_xml(sms_id: int | str, *, login: str = LOGIN) -> bytes:
    return request_xml(f"<sms_id>{sms_id}</sms_id>", login=login)


def balance_xml(*, login: str = LOGIN) -> bytes:
    return request_xml("<balance />", login=login)


class Reply:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.root = etree.fromstring(response.content)
        self.name = self.root.findtext("name")
        self.description = self.root.findtext("description")
        self.ids = [int(e.text or "") for e in self.root.findall("sms_id")]


@pytest.fixture
def post(emu: Emulator, client: httpx.Client) -> Callable[[bytes], Reply]:
    def do(body: bytes) -> Reply:
        response = client.post(emu.base_url("letsads"), content=body)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/xml; charset=utf-8"
        return Reply(response)

    return do


def balances(emu: Emulator) -> dict[str, Decimal]:
    return {login: account.balance for login, account in emu.letsads.accounts.items()}


SEED_BALANCES = {
    "380501234567": Decimal("100.00"),
    "79261234567": Decimal("100.00"),
    "380671234567": Decimal("100.00"),
    "380500000001": Decimal("100.00"),
    "380500000002": Decimal("100.00"),
    "380500000003": Decimal("0.00"),
}


# -- every error code, triggered by a matching request ----------------------------------------------------------

Trigger = bytes | Callable[[Emulator], bytes]


def _unknown_error(emu: Emulator) -> bytes:
    # Never produced by a request: reachable only through the error_code fault.
    emu.faults.inject("letsads", "error_code")
    return balance_xml()


def _message_of_another_account(emu: Emulator) -> bytes:
    with loopback_client() as c:
        c.post(emu.base_url("letsads"), content=send_xml(login="380671234567"))
    (sms_id,) = emu.letsads.messages
    return status_xml(sms_id)


TRIGGERS: dict[str, Trigger] = {
    "NO_DATA": b"",
    "WRONG_DATA_FORMAT": b"<request><auth>",
    "REQUEST_FORMAT": request_xml("<viber_text><text>hi</text></viber_text>"),
    "AUTH_DATA": request_xml("<balance/>", password="wrong"),
    "API_DISABLED": balance_xml(login="380500000001"),
    "USER_NOT_MODERATED": send_xml(login="380500000002"),
    "INCORRECT_FROM": send_xml(sender="This sender is far too long"),
    "INVALID_FROM": send_xml(sender="Unknown"),
    "NO_MESSAGE": send_xml(text="  \n "),
    "MESSAGE_TOO_LONG": send_xml(text="a" * 460),
    "MAX_MESSAGES_COUNT": send_xml(recipients=["380501234567"] * 51),
    "INCORRECT_RECIPIENT_": send_xml(recipients=["380501234567", "1234567", "12"]),
    "NOT_ENOUGH_MONEY": send_xml(login="380500000003"),
    "MESSAGE_NOT_EXIST": _message_of_another_account,
    "UNKNOWN_ERROR": _unknown_error,
}


def test_trigger_table_covers_every_documented_code() -> None:
    if ERRORS_TOML.exists():
        with ERRORS_TOML.open("rb") as fh:
            documented = set(tomllib.load(fh)["codes"])
    else:  # pragma: no cover - the error table is written alongside
        documented = {code.value for code in LetsAdsError}
    assert set(TRIGGERS) == documented
    assert set(TRIGGERS) == {code.value for code in LetsAdsError}


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_error_code_is_reachable(emu: Emulator, post: Callable[[bytes], Reply], code: str) -> None:
    trigger = TRIGGERS[code]
    body = trigger(emu) if callable(trigger) else trigger
    messages_before = dict(emu.letsads.messages)
    balances_before = balances(emu)
    reply = post(body)
    assert reply.name == "Error"
    if code == "INCORRECT_RECIPIENT_":
        assert reply.description == "INCORRECT_RECIPIENT_1234567"
    else:
        assert reply.description == code
    assert [child.tag for child in reply.root] == ["name", "description"]
    assert reply.response.content == (
        DECLARATION + f"<response><name>Error</name><description>{reply.description}</description></response>".encode()
    )
    # Nothing sent, nothing charged.
    assert emu.letsads.messages == messages_before
    assert balances(emu) == balances_before
    assert emu.requests[-1].outcome in (reply.description, None)


# -- precedence and the variants of each check ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        # NO_DATA before anything else
        (b" \r\n\t ", "NO_DATA"),
        # WRONG_DATA_FORMAT
        (b"not xml at all", "WRONG_DATA_FORMAT"),
        (b"<request><auth></request>", "WRONG_DATA_FORMAT"),
        (b"<request/><request/>", "WRONG_DATA_FORMAT"),
        (b"<request>1 & 2</request>", "WRONG_DATA_FORMAT"),
        (b"\xff\xfe<\x00r\x00", "WRONG_DATA_FORMAT"),
        (send_xml()[:-20], "WRONG_DATA_FORMAT"),
        # REQUEST_FORMAT: structure, checked before the credentials
        (b"<response><name>Complete</name></response>", "REQUEST_FORMAT"),
        (b"<request><balance/></request>", "REQUEST_FORMAT"),
        (request_xml(""), "REQUEST_FORMAT"),
        (request_xml("<balance/><balance/>"), "REQUEST_FORMAT"),
        (request_xml("<balance/><sms_id>1</sms_id>"), "REQUEST_FORMAT"),
        (request_xml("<balance/>").replace(b"</request>", b"<auth/></request>"), "REQUEST_FORMAT"),
        (request_xml("<message><from>Sender</from><text>hi</text></message>"), "REQUEST_FORMAT"),
        (request_xml("<sms_id>abc</sms_id>"), "REQUEST_FORMAT"),
        (request_xml("<sms_id>-5</sms_id>"), "REQUEST_FORMAT"),
        (request_xml("<sms_id>1.5</sms_id>"), "REQUEST_FORMAT"),
        (request_xml("<sms_id></sms_id>"), "REQUEST_FORMAT"),
        (request_xml("<balance/>", password="x").replace(b"<balance/>", b"<foo/>"), "REQUEST_FORMAT"),
        (send_xml().replace(b"<text>Hello</text>", b"<text>a<b/>c</text>"), "REQUEST_FORMAT"),
        (send_xml().replace(b"<text>", b"<text>x</text><text>"), "REQUEST_FORMAT"),
        (b'<r:request xmlns:r="urn:x"><auth/><balance/></r:request>', "REQUEST_FORMAT"),
        # AUTH_DATA
        (request_xml("<balance/>", login="380509999999"), "AUTH_DATA"),
        (request_xml("<balance/>", password="P1A2S3S4"), "AUTH_DATA"),
        (request_xml("<balance/>", password=""), "AUTH_DATA"),
        (b"<request><auth><login>380501234567</login></auth><balance/></request>", "AUTH_DATA"),
        (send_xml(sender="", password="wrong"), "AUTH_DATA"),
        # API_DISABLED before the send checks
        (send_xml(sender="", login="380500000001"), "API_DISABLED"),
        (status_xml(1, login="380500000001"), "API_DISABLED"),
        # USER_NOT_MODERATED only blocks sending, before the sender checks
        (send_xml(sender="", login="380500000002"), "USER_NOT_MODERATED"),
        # INCORRECT_FROM before INVALID_FROM before NO_MESSAGE
        (send_xml(sender="", text=""), "INCORRECT_FROM"),
        (send_xml().replace(b"<from>Sender</from>", b""), "INCORRECT_FROM"),
        (send_xml(sender="Unknown", text=""), "INVALID_FROM"),
        (send_xml(sender="sender"), "INVALID_FROM"),
        (send_xml(text=""), "NO_MESSAGE"),
        (send_xml().replace(b"<text>Hello</text>", b""), "NO_MESSAGE"),
        # MESSAGE_TOO_LONG before MAX_MESSAGES_COUNT before INCORRECT_RECIPIENT_ before NOT_ENOUGH_MONEY
        (send_xml(text="ж" * 403, recipients=["1"] * 51), "MESSAGE_TOO_LONG"),
        (send_xml(text="a" * 402 + "ж"), "MESSAGE_TOO_LONG"),
        (send_xml(recipients=["1"] * 51), "MAX_MESSAGES_COUNT"),
        (send_xml(recipients=["1"], login="380500000003"), "INCORRECT_RECIPIENT_1"),
    ],
)
def test_error_variants_and_precedence(post: Callable[[bytes], Reply], body: bytes, code: str) -> None:
    reply = post(body)
    assert (reply.name, reply.description) == ("Error", code)


@pytest.mark.parametrize(
    ("sender", "ok"),
    [
        ("Sender", True),
        ("smsgate", True),
        ("A", True),
        ("My Shop 24", True),
        ("a.b_c-d", True),
        ("ABCDEFGHIJK", True),
        ("1", True),
        ("380501234567", True),
        ("123456789012345", True),
        ("", False),
        ("ABCDEFGHIJKL", False),
        ("1234567890123456", False),
        ("-._", False),
        (" Shop", False),
        ("Shop ", False),
        ("Shöp", False),
        ("Магазин", False),
        ("Shop!", False),
        ("+380501234567", False),
    ],
)
def test_sender_rule(sender: str, ok: bool) -> None:
    assert sender_is_well_formed(sender) is ok


@pytest.mark.parametrize(
    ("recipient", "ok"),
    [
        ("380501234567", True),
        ("79161234567", True),
        ("380677654324", True),
        ("972501234567", True),
        (" 380501234567 ", True),
        ("380123", False),
        ("1234567", False),  # +1 234567: not a possible NANP number
        ("123456", False),
        ("3805012345678901", False),
        ("+380501234567", False),
        ("38050123456x", False),
        ("380 50 123 45 67", False),
        ("", False),
        ("٣٨٠٥٠١٢٣٤٥٦٧", False),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_recipient_rule(recipient: str, ok: bool) -> None:
    assert recipient_is_valid(recipient) is ok


def test_incorrect_recipient_names_the_first_bad_value_exactly_as_sent(
    emu: Emulator, post: Callable[[bytes], Reply]
) -> None:
    reply = post(send_xml(recipients=["380501234567", " 12<3 ", "1234567"]))
    assert reply.description == "INCORRECT_RECIPIENT_ 12<3 "
    assert b"INCORRECT_RECIPIENT_ 12&lt;3 </description>" in reply.response.content
    assert not emu.letsads.messages


@pytest.mark.parametrize(
    ("text", "ok"),
    [("a" * 459, True), ("a" * 460, False), ("ж" * 402, True), ("ж" * 403, False), ("€" * 459, True)],
)
def test_length_limits_are_in_characters(post: Callable[[bytes], Reply], text: str, ok: bool) -> None:
    reply = post(send_xml(text=text))
    assert reply.name == ("Complete" if ok else "Error")


def test_fifty_recipients_is_the_maximum(post: Callable[[bytes], Reply]) -> None:
    reply = post(send_xml(recipients=[f"3805012{i:05d}" for i in range(50)]))
    assert reply.name == "Complete"
    assert len(reply.ids) == 50


def test_doctype_and_billion_laughs_are_refused_quickly(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    bombs = [
        f'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY l0 "lol">{lol}]><request>&l9;</request>'.encode(),
        b'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<request><auth><login>&x;</login></auth></request>",
        b'<!DOCTYPE request SYSTEM "http://example.invalid/x.dtd"><request/>',
        b"<request>&undefined;</request>",
    ]
    for bomb in bombs:
        start = time.perf_counter()
        reply = post(bomb)
        assert time.perf_counter() - start < 1.0
        assert (reply.name, reply.description) == ("Error", "WRONG_DATA_FORMAT")
    assert not emu.letsads.messages


# -- happy paths ----------------------------------------------------------------------------------------------

RU_SEND = """<?xml version="1.0" encoding="UTF-8"?>
<request>
<auth>
<login>380501234567</login>
<password>p1a2s3s4</password>
</auth>
<message>
<from>Sender</from>
<text>Тестовое сообщение.</text>
<recipient>380501234567</recipient>
<recipient>380501234569</recipient>
<recipient>380677654323</recipient>
<recipient>380677654324</recipient>
</message>
</request>""".encode()


def test_send_the_ru_documents_example(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    reply = post(RU_SEND)
    assert reply.response.content == (
        DECLARATION + b"<response><name>Complete</name><description>4 messages put into queue</description>"
        b"<sms_id>633217</sms_id><sms_id>633218</sms_id><sms_id>633219</sms_id><sms_id>633220</sms_id>"
        b"</response>"
    )
    messages = emu.letsads.messages
    assert [m.recipient for m in messages.values()] == ["380501234567", "380501234569", "380677654323", "380677654324"]
    assert {m.text for m in messages.values()} == {"Тестовое сообщение."}
    assert {(m.sender, m.login, m.parts, str(m.encoding)) for m in messages.values()} == {("Sender", LOGIN, 1, "UCS-2")}
    assert emu.letsads.accounts[LOGIN].balance == Decimal("98.00")
    entry = emu.requests[-1]
    assert (entry.operation, entry.handled, entry.fault, entry.status, entry.outcome) == (
        "send",
        True,
        None,
        200,
        "Complete",
    )


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/xml", "application/xml"])
def test_any_content_type_is_accepted(emu: Emulator, client: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = client.post(emu.base_url("letsads"), content=balance_xml(), headers=headers)
    assert Reply(response).name == "Balance"


def test_trailing_slash_and_unknown_subpaths(emu: Emulator, client: httpx.Client) -> None:
    assert Reply(client.post(emu.base_url("letsads") + "/", content=balance_xml())).name == "Balance"
    assert client.post(emu.base_url("letsads") + "/api", content=balance_xml()).status_code == 404
    assert client.post(emu.url + "/nowhere", content=balance_xml()).status_code == 404


def test_get_without_body_is_no_data(emu: Emulator, client: httpx.Client) -> None:
    reply = Reply(client.get(emu.base_url("letsads")))
    assert (reply.name, reply.description) == ("Error", "NO_DATA")


def test_chunked_request_body(emu: Emulator, client: httpx.Client) -> None:
    body = balance_xml()
    response = client.post(emu.base_url("letsads"), content=iter([body[:10], body[10:]]))
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert Reply(response).description == "100.00"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("seed00*-*request.xml")), ids=lambda p: p.name)
def test_documents_sample_requests(emu: Emulator, post: Callable[[bytes], Reply], path: Path) -> None:
    reply = post(path.read_bytes())
    if "status" in path.name:  # the documents' id 632647 precedes every id the emulator hands out
        assert (reply.name, reply.description) == ("Error", "MESSAGE_NOT_EXIST")
    else:
        assert reply.name in {"Complete", "Balance"}


def test_balance(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    reply = post(balance_xml(login="380671234567"))
    assert reply.response.content == (
        DECLARATION + b"<response><name>Balance</name><description>100.00</description>"
        b"<currency>UAH</currency></response>"
    )
    emu.letsads.accounts["380671234567"].balance = Decimal("12.5")
    emu.letsads.accounts["380671234567"].currency = "EUR"
    reply = post(balance_xml(login="380671234567"))
    assert (reply.description, reply.root.findtext("currency")) == ("12.50", "EUR")


def test_ids_increase_across_accounts(post: Callable[[bytes], Reply]) -> None:
    first = post(send_xml(recipients=["380501234567", "380501234567"]))
    second = post(send_xml(login="79261234567"))
    third = post(send_xml(login="380671234567", recipients=["380677654323"]))
    assert first.ids + second.ids + third.ids == [633217, 633218, 633219, 633220]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Hello", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 459, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),  # 162 septets
        ("Привет", 1),
        ("ж" * 70, 1),
        ("ж" * 71, 2),
        ("ж" * 402, 6),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("a" * 159 + "ж", 3),  # one Cyrillic letter turns 160 characters into UCS-2
    ],
)
def test_charged_per_part_per_recipient(emu: Emulator, post: Callable[[bytes], Reply], text: str, parts: int) -> None:
    reply = post(send_xml(text=text, recipients=["380501234567", "380677654323"]))
    assert reply.name == "Complete"
    assert emu.letsads.accounts[LOGIN].balance == Decimal("100.00") - Decimal("0.50") * parts * 2
    assert {m.parts for m in emu.letsads.messages.values()} == {parts}
    assert {m.cost for m in emu.letsads.messages.values()} == {Decimal("0.50") * parts}


def test_price_per_part_is_per_account(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    emu.letsads.add_account("380509990000", "secret", balance="1.00", price_per_part="0.33")
    assert post(send_xml(login="380509990000", password="secret", recipients=["380501234567"] * 3)).name == "Complete"
    assert emu.letsads.accounts["380509990000"].balance == Decimal("0.01")
    reply = post(send_xml(login="380509990000", password="secret"))
    assert reply.description == "NOT_ENOUGH_MONEY"


def test_exact_balance_is_enough_and_one_cent_short_is_not(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    emu.letsads.accounts[LOGIN].balance = Decimal("0.99")
    assert post(send_xml(recipients=["380501234567", "380677654323"])).description == "NOT_ENOUGH_MONEY"
    assert emu.letsads.accounts[LOGIN].balance == Decimal("0.99")
    emu.letsads.accounts[LOGIN].balance = Decimal("1.00")
    assert post(send_xml(recipients=["380501234567", "380677654323"])).name == "Complete"
    assert emu.letsads.accounts[LOGIN].balance == Decimal("0.00")


# -- statuses on the emulated clock -----------------------------------------------------------------------------


def test_status_progression(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    ok_id, bad_id = post(send_xml(recipients=["380501234567", "380501234569"])).ids

    def status(sms_id: int) -> str | None:
        reply = post(status_xml(sms_id))
        assert reply.name == " Status"
        assert [child.tag for child in reply.root] == ["name", "description"]
        return reply.description

    assert status(ok_id) == status(bad_id) == "MESSAGE_IN_QUEUE"
    emu.clock.advance(4.999)
    assert status(ok_id) == "MESSAGE_IN_QUEUE"
    emu.clock.advance(0.001)
    assert status(ok_id) == status(bad_id) == "MESSAGE_IS_SENT"
    emu.clock.advance(24.9)
    assert status(ok_id) == "MESSAGE_IS_SENT"
    emu.clock.advance(0.1)
    assert status(ok_id) == "MESSAGE_IS_DELIVERED"
    assert status(bad_id) == "MESSAGE_NOT_DELIVERED"
    emu.clock.advance(3 * 3600)
    assert status(ok_id) == "MESSAGE_IS_DELIVERED"
    assert emu.letsads.messages[bad_id].status is LetsAdsStatus.NOT_DELIVERED
    assert emu.requests[-1].outcome == "MESSAGE_IS_DELIVERED"


def test_status_reply_bytes_and_leading_space_option(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    (sms_id,) = post(send_xml()).ids
    assert post(status_xml(sms_id)).response.content == (
        DECLARATION + b"<response><name> Status</name><description>MESSAGE_IN_QUEUE</description></response>"
    )
    emu.letsads.status_leading_space = False
    assert post(status_xml(sms_id)).name == "Status"
    emu.reset()
    assert emu.letsads.status_leading_space is True


def test_undelivered_rule_is_per_account(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    emu.letsads.add_account("380509990001", "pw", undelivered_last_digits="")
    emu.letsads.add_account("380509990002", "pw", undelivered_last_digits="0123456789")
    (a,) = post(send_xml(login="380509990001", password="pw", recipients=["380501234569"])).ids
    (b,) = post(send_xml(login="380509990002", password="pw", recipients=["380501234567"])).ids
    emu.clock.advance(30)
    assert emu.letsads.messages[a].status is LetsAdsStatus.IS_DELIVERED
    assert emu.letsads.messages[b].status is LetsAdsStatus.NOT_DELIVERED


def test_status_of_unknown_or_huge_ids(post: Callable[[bytes], Reply]) -> None:
    for sms_id in ("1", "633217", "0", "9" * 50, " 633217 "):
        assert post(status_xml(sms_id)).description == "MESSAGE_NOT_EXIST"


def test_status_needs_no_moderation(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    (sms_id,) = post(send_xml()).ids
    emu.letsads.accounts[LOGIN].moderated = False
    assert post(status_xml(sms_id)).name == " Status"


def test_statuses_move_on_a_running_clock() -> None:
    with Emulator(clock_speed=36_000) as emu, loopback_client() as c:
        reply = Reply(c.post(emu.base_url("letsads"), content=send_xml()))
        time.sleep(0.01)  # >= 360 emulated seconds
        status = Reply(c.post(emu.base_url("letsads"), content=status_xml(reply.ids[0])))
        assert status.description == "MESSAGE_IS_DELIVERED"


def test_clock() -> None:
    frozen = Clock(0)
    start = frozen.now()
    assert frozen.frozen
    assert frozen.now() == start
    assert (frozen.advance(90) - start).total_seconds() == 90
    frozen.reset()
    assert frozen.now() == start
    fast = Clock(1000)
    before = fast.now()
    time.sleep(0.01)
    assert (fast.now() - before).total_seconds() >= 10
    with pytest.raises(ValueError, match="advance"):
        frozen.advance(-1)
    with pytest.raises(ValueError, match="speed"):
        Clock(-1)


# -- state, secrets, seeds --------------------------------------------------------------------------------------


def test_default_seed_accounts(emu: Emulator) -> None:
    accounts = emu.letsads.accounts
    assert balances(emu) == SEED_BALANCES
    assert all(a.password == PASSWORD and a.currency == "UAH" for a in accounts.values())
    assert all(a.senders == ["Sender", "smsgate"] for a in accounts.values())
    assert all(a.price_per_part == Decimal("0.50") for a in accounts.values())
    assert not accounts["380500000001"].api_enabled
    assert not accounts["380500000002"].moderated
    assert DEFAULT_SEED["letsads"]["accounts"][0]["login"] == "380501234567"


def test_passwords_never_leak(emu: Emulator, client: httpx.Client) -> None:
    account = emu.letsads.add_account("380509990000", "canary-Pa55", senders=["Sender"])
    assert "canary" not in repr(account)
    assert "canary" not in repr(emu.letsads.accounts)
    client.post(emu.base_url("letsads"), content=send_xml(login="380509990000", password="canary-Pa55"))
    assert "canary" not in client.get(emu.url + "/_emulator/state").text
    assert "canary" not in json.dumps(emu.state())
    assert "canary" not in client.get(emu.url + "/_emulator/requests").text
    assert "canary" not in repr(list(emu.requests))
    assert "p1a2s3s4" not in json.dumps(emu.state())


def test_reset_restores_the_seed(emu: Emulator, post: Callable[[bytes], Reply]) -> None:
    post(send_xml())
    emu.letsads.add_account("380509990000", "x")
    emu.clock.advance(100)
    start = emu.clock.now()
    emu.reset()
    assert not emu.letsads.messages
    assert "380509990000" not in emu.letsads.accounts
    assert balances(emu) == SEED_BALANCES
    assert len(emu.requests) == 0
    assert emu.clock.now() < start
    assert post(send_xml()).ids == [633217]


def test_account_objects() -> None:
    account = LetsAdsAccount("380501234567", "secret")
    assert "secret" not in repr(account)
    assert account.balance == Decimal("100.00")


def test_seed_from_json_and_toml_files(tmp_path: Path) -> None:
    data = {
        "letsads": {
            "accounts": [
                {"login": "380631112233", "password": "pw", "balance": "1.50", "currency": "USD", "senders": ["Shop"]},
            ],
            "first_sms_id": 1000,
            "status_leading_space": False,
        }
    }
    json_file = tmp_path / "seed.json"
    json_file.write_text(json.dumps(data))
    toml_file = tmp_path / "seed.toml"
    toml_file.write_text(
        '[letsads]\nfirst_sms_id = 1000\nstatus_leading_space = false\n[[letsads.accounts]]\nlogin = "380631112233"\n'
        'password = "pw"\nbalance = "1.50"\ncurrency = "USD"\nsenders = ["Shop"]\n'
    )
    for seed in (json_file, str(toml_file), data):
        with Emulator(seed=seed, clock_speed=0) as emu, loopback_client() as c:
            assert list(emu.letsads.accounts) == ["380631112233"]
            url = emu.base_url("letsads")
            login = "380631112233"
            sent = Reply(c.post(url, content=send_xml(sender="Shop", login=login, password="pw")))
            assert sent.ids == [1000]
            assert Reply(c.post(url, content=status_xml(1000, login=login).replace(PASSWORD.encode(), b"pw"))).name == (
                "Status"
            )
            balance = Reply(c.post(url, content=balance_xml(login=login).replace(PASSWORD.encode(), b"pw")))
            assert (balance.description, balance.root.findtext("currency")) == ("1.00", "USD")


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"nosuchprovider": {}}, "unknown seed section"),
        ({"letsads": {"accounts": [{"login": "1", "password": "x", "colour": "red"}]}}, "unknown key"),
        ({"letsads": {"accounts": [{"login": "1"}]}}, "password"),
        ({"letsads": {"accounts": [{"login": "1", "password": "x", "balance": "lots"}]}}, "balance"),
        ({"letsads": {"accounts": [{"login": "1", "password": "x", "balance": "-1"}]}}, "balance"),
        ({"letsads": {"accounts": [{"login": "1", "password": "x", "moderated": "yes"}]}}, "moderated"),
        ({"letsads": {"accounts": [{"login": "1", "password": "x", "senders": "Shop"}]}}, "senders"),
        ({"letsads": {"accounts": [{"login": "1", "password": "x"}, {"login": "1", "password": "y"}]}}, "duplicate"),
        ({"letsads": {"first_sms_id": 0}}, "first_sms_id"),
        ({"letsads": []}, "letsads"),
    ],
)
def test_bad_seeds_are_refused(seed: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Emulator(seed=seed)


def test_bad_seed_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_seed(tmp_path / "missing.json")
    (tmp_path / "seed.yaml").write_text("letsads: {}")
    with pytest.raises(ValueError, match=r"\.json or \.toml"):
        load_seed(tmp_path / "seed.yaml")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_seed(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ValueError, match="object"):
        load_seed(tmp_path / "list.json")


def test_seed_is_copied_not_shared() -> None:
    seed = load_seed()
    letsads = seed["letsads"]
    assert isinstance(letsads, dict)
    letsads["accounts"].clear()
    assert DEFAULT_SEED["letsads"]["accounts"]


def test_keep_alive_connection_is_reused(emu: Emulator) -> None:
    host, port = emu.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("POST", "/letsads", body=balance_xml())
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        conn.request("POST", "/letsads", body=balance_xml())
        second = conn.getresponse()
        assert b"Balance" in second.read()
        assert conn.sock is sock is not None
        assert first.version == second.version == 11
    finally:
        conn.close()


# -- the pytest plugin ------------------------------------------------------------------------------------------


def test_fixture_gives_a_frozen_running_emulator(smsgate_emulator: Emulator, smsgate_emulator_server: Emulator) -> None:
    assert smsgate_emulator is smsgate_emulator_server
    assert smsgate_emulator.running
    assert smsgate_emulator.clock.frozen
    before = smsgate_emulator.clock.now()
    time.sleep(0.01)
    assert smsgate_emulator.clock.now() == before
    # Dirty it: the next test must not see this.
    smsgate_emulator.letsads.accounts[LOGIN].balance = Decimal(0)
    smsgate_emulator.faults.inject("letsads", "reset", count=5)


def test_fixture_resets_between_tests(smsgate_emulator: Emulator) -> None:
    assert smsgate_emulator.letsads.accounts[LOGIN].balance == Decimal("100.00")
    assert not smsgate_emulator.faults.pending()
    assert len(smsgate_emulator.requests) == 0


def test_plugin_seed_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def smsgate_emulator_seed():
            return {"letsads": {"accounts": [{"login": "380631112233", "password": "pw"}]}}
        """
    )
    pytester.makepyfile(
        """
        def test_seeded(smsgate_emulator):
            assert list(smsgate_emulator.letsads.accounts) == ["380631112233"]
            assert smsgate_emulator.clock.speed == 0
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
