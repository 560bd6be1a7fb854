"""SMSLeads' documented reply defects and the named repair rules that read them.

Driven by ``schemas/smsleads/samples/README.md``: every malformed example of the page is repaired by the rules
named after its defects into exactly its ``fixed-`` twin; every rule leaves every other sample alone; a reply
that is cut short is never "repaired" into a success; anything else unreadable is a ResponseFormatError.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import smsgate
from smsgate import BulkMessage, DeliveryState
from smsgate._providers import smsleads as hooks
from smsgate._spec import CodecError, Operation, Repair
from smsgate_generated.smsleads import client as generated
from smsgate_generated.smsleads import models

from .conftest import SCHEMAS, call

SAMPLES = SCHEMAS / "smsleads" / "samples"
README = (SAMPLES / "README.md").read_text(encoding="utf-8")
PHONE = "0502345678"
SENDER = "DemoAPI"
# A week: the longest range reports allow.
WINDOW: dict[str, Any] = {"start": datetime(2021, 2, 1), "end": datetime(2021, 2, 8)}

# -- the README's defects and which rule repairs each -----------------------------------------------------------

_DEFECTS_SECTION = README.split("## Defects", 1)[1].split("Not defects", 1)[0]
DEFECTS = re.findall(r"^\| `([a-z-]+)` \|", _DEFECTS_SECTION, re.MULTILINE)
#: Defects of the page's *requests* only: the SDK builds its own requests and never reads these; the emulator
#: (which does read requests) deals with them.
REQUEST_ONLY = {"missing-phone-open-tag", "placeholder-id"}


def rule_for(defect: str, command: str) -> Repair | None:
    """The SDK's repair rule of a defect: the hooks function of the same name (per command for rootless)."""
    name = defect.replace("-", "_")
    if defect == "rootless-reply":
        name = f"rootless_reply_{command}"
    rule: Repair | None = getattr(hooks, name, None)
    return rule


def command_of(path: Path) -> str:
    """The command a sample belongs to: the first part of its name that is one (`seed002-php1-sms-request…`);
    the page's generic reply envelope is an sms reply."""
    parts = path.name.removesuffix(".xml").split("-")
    if "envelope" in parts:
        return "sms"
    return next(part for part in parts if part in CALLS)


_SAMPLE_ROWS = re.findall(r"^\| `((?:seed002|ours|fixed)-[^`]+\.xml)` \|[^|]*\|([^|]*)\|$", README, re.MULTILINE)
SAMPLE_DEFECTS = {name: [d for d in re.findall(r"`([a-z-]+)`", cell) if d in DEFECTS] for name, cell in _SAMPLE_ROWS}
MALFORMED = sorted(SAMPLES / name for name in SAMPLE_DEFECTS if name.endswith("-malformed.xml"))
WELL_FORMED = sorted(p for p in SAMPLES.glob("*.xml") if not p.name.endswith("-malformed.xml"))
ALL_RULES: dict[str, Repair] = {
    name: rule
    for name in (
        "unclosed_shipment_id",
        "rootless_reply_rmNumBL",
        "bulk_reply_root_sms",
        "verify_message_field",
        "whitespace_in_values",
        "leading_whitespace",
    )
    if (rule := getattr(hooks, name))
}


def twin(path: Path) -> Path:
    return path.with_name(path.name.replace("seed002-", "fixed-").replace("-malformed", ""))


def model_of(path: Path) -> type[Any]:
    """The generated class of a sample's command (its root element)."""
    root = command_of(path)
    for obj in vars(models).values():
        meta = getattr(obj, "Meta", None)
        if isinstance(obj, type) and getattr(meta, "name", None) == root:
            return obj
    raise LookupError(root)


def strict(body: bytes, model: type[Any]) -> Any:
    return generated.SPEC.codec.decode(body, model)


def test_the_readme_names_every_sample_and_defect() -> None:
    assert set(SAMPLE_DEFECTS) == {p.name for p in SAMPLES.glob("*.xml")}
    assert len(MALFORMED) == 15
    assert (
        set(DEFECTS)
        >= {
            "unclosed-shipment-id",
            "rootless-reply",
            "bulk-reply-root-sms",
            "verify-message-field",
            "whitespace-in-values",
            "leading-whitespace",
        }
        | REQUEST_ONLY
    )
    for defect in set(DEFECTS) - REQUEST_ONLY:
        assert rule_for(defect, "rmNumBL") is not None, f"no repair rule named after {defect}"


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.name)
def test_each_malformed_sample_is_repaired_by_its_named_rules_into_its_twin(path: Path) -> None:
    defects = SAMPLE_DEFECTS[path.name]
    assert defects, "a malformed sample names its defects"
    body = path.read_bytes()
    command = command_of(path)
    missing = [d for d in defects if rule_for(d, command) is None]
    if missing:
        # Only the request-only defects have no SDK rule; those samples are requests.
        assert set(missing) <= REQUEST_ONLY and path.name.endswith("-request-malformed.xml")
        return
    for defect in defects:
        rule = rule_for(defect, command)
        assert rule is not None
        fixed = rule(body)
        assert fixed is not None, f"{rule.__name__} did not find its defect {defect}"
        body = fixed
    expected = twin(path).read_bytes()
    assert body == expected, "the rules repair exactly the named defects, byte for byte"
    model = model_of(path)
    assert strict(body, model) == strict(expected, model)


@pytest.mark.parametrize("path", [p for p in MALFORMED if "-response" in p.name], ids=lambda p: p.name)
def test_a_malformed_reply_really_fails_strict_reading(path: Path) -> None:
    body = path.read_bytes()
    if SAMPLE_DEFECTS[path.name] == ["whitespace-in-values"]:
        # Padded values parse; the decoders trim every value they read.
        strict(body, model_of(path))
        return
    with pytest.raises(CodecError):
        strict(body, model_of(twin(path)))


@pytest.mark.parametrize("path", sorted(WELL_FORMED + MALFORMED), ids=lambda p: p.name)
def test_rules_leave_everything_but_their_own_defect_alone(path: Path) -> None:
    body = path.read_bytes()
    own = {d.replace("-", "_") for d in SAMPLE_DEFECTS.get(path.name, [])}
    if "rootless_reply" in own:
        own.add("rootless_reply_rmNumBL")
    for name, rule in ALL_RULES.items():
        if name in own:
            continue
        if name == "bulk_reply_root_sms" and command_of(path) == "sms" and "-response" in path.name:
            # Its defect is the <sms> root itself, so it is listed for send_bulk only (see the next test).
            continue
        assert rule(body) is None, f"{name} changed {path.name}"


def test_each_operation_lists_the_rules_of_its_documented_defects() -> None:
    operations = {v.name: v for v in vars(generated).values() if isinstance(v, Operation)}
    repairs = {name: [r.__name__ for r in op.repairs] for name, op in operations.items()}
    everywhere = ["leading_whitespace"]
    assert repairs.pop("send") == [*everywhere, "unclosed_shipment_id"]
    assert repairs.pop("send_bulk") == [*everywhere, "unclosed_shipment_id", "bulk_reply_root_sms"]
    assert repairs.pop("delivery_reports") == [*everywhere, "unclosed_shipment_id", "whitespace_in_values"]
    assert repairs.pop("delivery_reports_by_date") == [*everywhere, "unclosed_shipment_id", "whitespace_in_values"]
    assert repairs.pop("remove_from_blacklist") == [*everywhere, "rootless_reply_rmNumBL"]
    assert repairs.pop("verify_phone") == [*everywhere, "verify_message_field"]
    assert repairs.pop("sub_account_balances") == [*everywhere, "whitespace_in_values"]
    assert all(rules == everywhere for rules in repairs.values()), repairs


# -- through the client ---------------------------------------------------------------------------------------


def client_replying(body: bytes | Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> smsgate.SmsLeads:
    handler = body if callable(body) else (lambda r: httpx.Response(200, content=body))
    return smsgate.SmsLeads(
        username="JohnDoe",
        token="sl-johndoe-token",
        base_url="http://127.0.0.1:9/api",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **kwargs,
    )


CALLS: dict[str, Callable[[Any], Any]] = {
    "sms": lambda c: c.send([PHONE], "hi", sender=SENDER),
    "bulk": lambda c: c.send_bulk([BulkMessage([PHONE], "hi", SENDER)]),
    "balance": lambda c: c.balance(),
    "dlr": lambda c: c.delivery_reports(["1391438285"], **WINDOW),
    "dlrByDate": lambda c: c.delivery_reports_by_date(**WINDOW),
    "incoming": lambda c: c.incoming(**WINDOW),
    "blacklist": lambda c: c.blacklist(**WINDOW),
    "rmNumBL": lambda c: c.remove_from_blacklist([PHONE], reason="asked"),
    "addSub": lambda c: c.add_sub_account(name="n", username="user1", password="secret1", sender=SENDER, amount=1),
    "updateAmountSub": lambda c: c.update_sub_account_amount(username="u", password="p", amount=1),
    "getBlanceSubs": lambda c: c.sub_account_balances(),
    "newCL": lambda c: c.create_contact_lists({"n": [PHONE]}),
    "removeCL": lambda c: c.remove_contact_lists([21518, 21500]),
    "addNumCL": lambda c: c.add_to_contact_lists({21518: [PHONE]}),
    "rmNumCL": lambda c: c.remove_from_contact_lists({21518: [PHONE]}),
    "getCL": lambda c: c.contact_lists(),
    "getCLbyID": lambda c: c.contact_list(21518),
    "cancel": lambda c: c.cancel("campaign1"),
    "verify_phone": lambda c: c.verify_phone([PHONE]),
}
REPLIES = sorted(p for p in SAMPLES.glob("*.xml") if "-response" in p.name)
ERROR_REPLIES = {
    "ours-sms-error-response.xml": (smsgate.InsufficientFundsError, "4"),
    "seed002-rmNumBL-fail-response-malformed.xml": (smsgate.InvalidRequestError, "933"),
    "fixed-rmNumBL-fail-response.xml": (smsgate.InvalidRequestError, "933"),
}


def read(path: Path) -> Any:
    with client_replying(path.read_bytes()) as client:
        return CALLS[command_of(path)](client)


@pytest.mark.parametrize("path", REPLIES, ids=lambda p: p.name)
def test_every_reply_sample_reads_through_the_client(path: Path) -> None:
    if path.name in ERROR_REPLIES:
        error, code = ERROR_REPLIES[path.name]
        with pytest.raises(error) as info:
            read(path)
        assert info.value.code == code
        return
    result = read(path)
    if path.name.endswith("-malformed.xml"):
        assert result == read(twin(path)), "a repaired reply reads as its fixed twin"


def test_seed_replies_read_as_documented() -> None:
    def sample(name: str) -> Any:
        return read(SAMPLES / name)

    assert sample("seed002-sms-response-malformed.xml") == smsgate.Shipment("xxxxxxx", "SMS will be sent")
    assert sample("seed002-bulk-response-malformed.xml") == smsgate.Shipment("xxxxxxx", "SMS bulk will be sent")
    assert sample("seed002-balance-response.xml") == smsgate.CreditBalance(42, "Your balance is:42")
    first, second = sample("seed002-dlr-response-malformed.xml")
    assert (first.external_id, first.shipment_id, first.raw_status, first.state) == (
        "1391438285",
        "12345678",
        "102",
        DeliveryState.DELIVERED,
    )
    assert (second.text_he, second.text_en) == ("הגיע ליעד", "Delivered")
    assert second.reported_at == datetime(2021, 2, 3, 16, 38)
    assert sample("seed002-rmNumBL-success-response-malformed.xml") == smsgate.BlacklistRemoval(
        "X phone numbers Successfully deleted , Y Phone numbers not exist in blacklist"
    )
    created = sample("seed002-newCL-response.xml")
    assert created.list_ids == (17419,)
    assert created.errors == ("The phone is too long or too short or contain characters and therefore not added",)
    assert not created.complete
    assert sample("ours-newCL-partial-response.xml").list_ids == (17419, 17420)
    balances = sample("seed002-getBlanceSubs-response-malformed.xml")
    assert [(b.name, b.credits, b.sub_account_id) for b in balances] == [("name1", 80, "xxx"), ("name2", 50, "xxx")]
    verify = sample("seed002-verify_phone-response-malformed.xml")
    assert verify.description.splitlines() == [
        "verification link will be send to 5xxxxxxxx",
        "in order to complete the verification of 3xxxxxxx call to 05xxxxxxxx",
    ]
    reports = sample("ours-dlr-response.xml")
    assert [(r.raw_status, r.state) for r in reports] == [
        ("102", DeliveryState.DELIVERED),
        ("101", DeliveryState.UNDELIVERED),
        ("103", DeliveryState.EXPIRED),
        ("-1", DeliveryState.SENT),
    ]
    rows = sample("seed002-getCLbyID-response.xml")
    assert {r.list_id for r in rows} == {21518}


async def test_repairs_are_logged_by_name(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="smsgate")
    body = (SAMPLES / "seed002-bulk-response-malformed.xml").read_bytes()
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    kwargs: dict[str, Any] = {"username": "JohnDoe", "token": "t", "base_url": "http://127.0.0.1:9/api"}
    if mode == "sync":
        client: Any = smsgate.SmsLeads(http_client=httpx.Client(transport=transport), **kwargs)
    else:
        client = smsgate.AsyncSmsLeads(http_client=httpx.AsyncClient(transport=transport), **kwargs)
    result = await call(CALLS["bulk"](client))
    assert result.shipment_id == "xxxxxxx"
    assert "reply repaired by unclosed_shipment_id, bulk_reply_root_sms" in caplog.text


def test_a_strictly_readable_reply_is_not_repaired(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="smsgate")
    body = (SAMPLES / "fixed-dlr-response.xml").read_bytes().replace(b"<he_message>", b"<he_message>  ")
    with client_replying(body) as client:
        (first, _) = client.delivery_reports(["x"], **WINDOW)
    assert first.text_he == "הגיע ליעד"
    assert "repaired" not in caplog.text


def test_an_unknown_delivery_code_keeps_its_raw_value() -> None:
    body = (SAMPLES / "ours-dlrByDate-response.xml").read_bytes().replace(b"<status>102<", b"<status>555<")
    with client_replying(body) as client:
        (report,) = client.delivery_reports_by_date(**WINDOW)
    assert (report.status, report.raw_status, report.state) == (None, "555", DeliveryState.UNKNOWN)


# -- truncated replies: never a shorter id, never fewer reports --------------------------------------------------

SMS_REPLY = (SAMPLES / "seed002-sms-response-malformed.xml").read_bytes().replace(b"xxxxxxx", b"48213377")
BULK_REPLY = (SAMPLES / "seed002-bulk-response-malformed.xml").read_bytes().replace(b"xxxxxxx", b"48213377")
DLR_REPLY = (SAMPLES / "seed002-dlr-response-malformed.xml").read_bytes()


@pytest.mark.parametrize(
    ("command", "body", "expected"),
    [
        ("sms", SMS_REPLY, smsgate.Shipment("48213377", "SMS will be sent")),
        ("bulk", BULK_REPLY, smsgate.Shipment("48213377", "SMS bulk will be sent")),
        ("dlr", DLR_REPLY, None),
    ],
    ids=["sms", "bulk", "dlr"],
)
def test_a_truncated_reply_is_never_repaired_into_a_success(command: str, body: bytes, expected: Any) -> None:
    complete = len(body.rstrip())
    state = {"body": body}
    with client_replying(lambda r: httpx.Response(200, content=state["body"])) as client:
        full = CALLS[command](client)
        if expected is not None:
            assert full == expected
        for n in range(len(body)):
            state["body"] = body[:n]
            if n < complete:
                with pytest.raises(smsgate.ResponseFormatError) as info:
                    CALLS[command](client)
                assert info.value.may_have_reached
            else:
                assert CALLS[command](client) == full


def test_the_shipment_id_rule_needs_the_whole_defect() -> None:
    end = SMS_REPLY.index(b"</sms>") + len(b"</sms>")
    for n in range(end):
        assert hooks.unclosed_shipment_id(SMS_REPLY[:n]) is None, SMS_REPLY[:n][-30:]
    assert hooks.unclosed_shipment_id(SMS_REPLY[:end]) is not None
    # Not followed by the closing tag of its parent: not the documented defect.
    assert hooks.unclosed_shipment_id(b"<sms><shipment_id>1<shipment_id><status>0</status></sms>") is None
    assert hooks.unclosed_shipment_id(b"<sms><shipment_id>1 2<shipment_id></sms>") is None


async def test_truncated_documented_replies_from_the_emulator(mode: str, smsgate_emulator: Any) -> None:
    smsgate_emulator.smsleads.documented_replies = True
    cls: Any = smsgate.SmsLeads if mode == "sync" else smsgate.AsyncSmsLeads
    client = cls(
        username="JohnDoe", token="sl-johndoe-token", base_url=smsgate_emulator.base_url("smsleads"), max_retries=0
    )
    whole = await call(client.send([PHONE], "hi", sender=SENDER))
    reply = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sms>\n<status>0</status>\n<message>SMS will be sent</message>\n'
        b"<shipment_id>" + str(int(whole.shipment_id) + 1).encode() + b"<shipment_id>\n</sms>\n"
    )
    for length in range(reply.index(b"<shipment_id>"), len(reply.rstrip())):
        smsgate_emulator.faults.inject("smsleads", "truncate", length=length)
        with pytest.raises(smsgate.ResponseFormatError):
            await call(client.send([PHONE], "hi", sender=SENDER))
    assert len(smsgate_emulator.smsleads.shipments) == 1 + len(
        range(reply.index(b"<shipment_id>"), len(reply.rstrip()))
    )
    await call(client.aclose() if mode == "async" else client.close())


def test_documented_replies_of_the_emulator_are_really_malformed(smsgate_emulator: Any) -> None:
    """The emulator answers as the page shows; strict reading fails, the named rules make them readable."""
    smsgate_emulator.smsleads.documented_replies = True
    headers = {"Authorization": "Bearer sl-johndoe-token"}
    user = b"<user><username>JohnDoe</username></user>"
    requests = {
        "sms": (
            models.Sms,
            b"<sms>" + user + b"<source>DemoAPI</source><destinations><phone>0502345678</phone>"
            b"</destinations><message>hi</message></sms>",
        ),
        "rmNumBL": (
            models.RmNumBl,
            b"<rmNumBL>" + user + b"<phones><phone>0509999999</phone></phones><reason>asked</reason></rmNumBL>",
        ),
        "verify_phone": (models.VerifyPhone, b"<verify_phone>" + user + b"<phone>0502345678</phone></verify_phone>"),
    }
    operations = {v.command or v.name: v for v in vars(generated).values() if isinstance(v, Operation)}
    with httpx.Client() as http:
        for command, (model, request) in requests.items():
            body = http.post(smsgate_emulator.base_url("smsleads"), content=request, headers=headers).content
            with pytest.raises(CodecError):
                strict(body, model)
            repaired = body
            for rule in operations[command].repairs:
                repaired = rule(repaired) or repaired
            assert strict(repaired, model).status in (0, 944)


# -- anything else unreadable ------------------------------------------------------------------------------------

DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'
UNREADABLE = [
    ("sms", b"", "empty"),
    ("sms", b"<html><body>502 Bad Gateway</body></html>", "an HTML page"),
    ("sms", b'{"sms": {"status": 0, "shipment_id": 1}}', "JSON"),
    ("sms", DECL + b"<sms><status>0</status><message>x</message><shipment_id>1</shipment_id>", "no closing root"),
    ("sms", DECL + b"<sms><status>OK</status><message>x</message></sms>", "a status that is not a number"),
    ("sms", DECL + b"<sms><status>0</status><message>ok</message></sms>", "a success without a shipment id"),
    ("sms", DECL + b"<balance><status>0</status><message>x</message><balance>1</balance></balance>", "wrong root"),
    ("sms", DECL + b"<status>4</status><message>Not enough credit</message>", "rootless, not rmNumBL"),
    ("sms", DECL + b"<sms><status>0</status><message>m</message><shipment_id>1<shipment_id><x/></sms>", "odd id"),
    ("sms", DECL + b"<sms><status>0</status><message>m</message><shipment_id>12", "cut in the id"),
    ("sms", b'<!DOCTYPE sms [<!ENTITY a "aaaa">]><sms><status>&a;</status></sms>', "a DOCTYPE"),
    ("rmNumBL", DECL + b"<status>944</status><message>ok</message><extra/>", "rootless with more"),
    ("rmNumBL", DECL + b"<status>944</status>", "rootless without message"),
    ("bulk", DECL + b"<sms><status>0</status><message>m</message><sms></sms></sms>", "nested sms"),
    (
        "verify_phone",
        DECL + b"<verify_phone><status>0</status><message/><verify_message>x</verify_message></verify_phone>",
        "both message fields",
    ),
    ("balance", DECL + b"<balance><status>0</status><message>Your balance is:</message></balance>", "no amount"),
    (
        "incoming",
        DECL + b"<incoming><status>0</status><message/><transactions><transaction><source>0501</source>"
        b"<destination>0502</destination><message>m</message><date>2021-12-03 16:38</date>"
        b"</transaction></transactions></incoming>",
        "an ISO date",
    ),
]


@pytest.mark.parametrize(("command", "body", "case"), UNREADABLE, ids=[c for _, _, c in UNREADABLE])
def test_anything_else_unreadable_is_a_response_format_error(command: str, body: bytes, case: str) -> None:
    with client_replying(body) as client, pytest.raises(smsgate.ResponseFormatError) as info:
        CALLS[command](client)
    assert info.value.provider == "smsleads"
    assert info.value.raw_body == body.decode("utf-8", errors="replace")


def test_whitespace_before_the_declaration_is_tolerated() -> None:
    body = b"\r\n  " + (SAMPLES / "seed002-balance-response.xml").read_bytes()
    with client_replying(body) as client:
        assert client.balance().credits == 42


def test_rootless_rule_factory() -> None:
    rule = hooks.rootless_reply("cancel")
    assert rule.__name__ == "rootless_reply_cancel"
    assert rule(DECL + b"<status>955</status> <message>done</message>\n") == (
        DECL + b"<cancel>\n<status>955</status> <message>done</message>\n</cancel>\n"
    )
    assert rule(b"<status>955</status><message>done</message>") == (
        b"<cancel>\n<status>955</status><message>done</message>\n</cancel>\n"
    )
    assert rule(DECL + b"<cancel><status>955</status><message>done</message></cancel>") is None
    with pytest.raises(ValueError, match="element name"):
        hooks.rootless_reply("not a name")
