"""SMSC replies, I/O-free and through `httpx.MockTransport`: the error reply in all four formats of seed 004
reads as the same typed error for every row of errors.toml, and every sample of schemas/smsc/samples reads
as the client says it should (errors as their typed error, data as typed results, requests as what the
client sends)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

import smsgate
from smsgate import DeliveryState, SmscStatus
from smsgate._providers import smsc as hooks
from smsgate._spec import Operation
from smsgate_generated.smsc.client import SPEC
from smsgate_generated.smsc.errors import CODE_TABLES, ERRORS, STATUS_STATES

from .conftest import SCHEMAS, load_errors

SAMPLES = SCHEMAS / "smsc" / "samples"
TABLE = load_errors("smsc")
ROWS = sorted(TABLE["codes"].items())

#: The seed's error reply in each format, with its placeholder N.
SEED_ERRORS = {
    0: SAMPLES / "seed004-error-fmt0.txt",
    1: SAMPLES / "seed004-error-fmt1.csv",
    2: SAMPLES / "seed004-error-fmt2.xml",
    3: SAMPLES / "seed004-error-fmt3-malformed.json",
}
#: An operation of each area (the script that numbers the errors).
AREA_OPERATION = {
    "send": "send",
    "status": "status",
    "balance": "balance",
    "users": "change_subclient",
}


def operation(name: str) -> Operation:
    from smsgate_generated.smsc import client

    op = getattr(client, f"_{name.upper()}")
    assert isinstance(op, Operation)
    return op


def with_code(fmt: int, number: str) -> bytes:
    """The seed sample of `fmt` with its placeholder N replaced by `number`."""
    return re.sub(rb"\bN\b", number.encode(), SEED_ERRORS[fmt].read_bytes())


# -- the four formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(SEED_ERRORS))
@pytest.mark.parametrize(("code", "row"), ROWS, ids=[c for c, _ in ROWS])
def test_every_error_row_reads_the_same_in_every_format(fmt: int, code: str, row: dict[str, Any]) -> None:
    """Driven by errors.toml x the seed's four error samples: a new row is tested without new code."""
    area, _, number = code.partition(".")
    op = operation(AREA_OPERATION[area])
    found = hooks.parse_error(with_code(fmt, number))
    assert found is not None
    assert found.code == number
    assert found.fmt == fmt
    # The seed writes "description" where the text goes; fmt=1 carries no text.
    assert found.description == (None if fmt == 1 else "description")
    key, description = hooks.reply_error(200, with_code(fmt, number), op) or ("", None)
    assert key == code
    error = ERRORS.error(key, operation=op.name, description=description)
    assert error.category.value == row["category"]
    assert error.code == code
    assert error.retryable is row["retryable"]
    assert error.not_sent is row["not_sent"]
    assert error.description == (description or row["description"])
    assert type(error).__module__ == "smsgate"


def test_the_seed_placeholder_itself_is_an_unknown_code() -> None:
    """As published (N, not a number) the text, CSV and XML replies still read as errors, of an unknown
    code; the JSON one is not JSON at all (see the formats' sample test)."""
    for fmt in (0, 2):
        found = hooks.parse_error(SEED_ERRORS[fmt].read_bytes())
        assert found is not None
        assert found.code == "N"
        error = ERRORS.error(f"users.{found.code}", operation="change_subclient")
        assert type(error) is smsgate.ProviderError
        assert error.code == "users.N"
    assert hooks.parse_error(SEED_ERRORS[1].read_bytes()) is None  # "0,-N": -N is not a number
    assert hooks.parse_error(SEED_ERRORS[3].read_bytes()) is None


@pytest.mark.parametrize(
    ("body", "code", "description", "message_id"),
    [
        (
            b"ERROR = 9 (duplicate request, wait a minute), ID - order-1",
            "9",
            "duplicate request, wait a minute",
            "order-1",
        ),
        (b"ERROR = 1 (parameters error (mes))", "1", "parameters error (mes)", None),
        (b"  ERROR=2  \r\n", "2", None, None),
        (b"order-1,-9", "9", None, "order-1"),
        (b"0,-7", "7", None, None),
        (
            b'<?xml version="1.0" encoding="utf-8"?>\n'
            b"<result><error>x</error><error_code>8</error_code><id>5</id></result>",
            "8",
            "x",
            "5",
        ),
        (b'{"error": "can\'t to deliver", "id": 1, "error_code": 8}', "8", "can't to deliver", "1"),
        (b'{"error_code": "4"}', "4", None, None),
        ('\ufeff{"error": "ошибка авторизации", "error_code": 2}'.encode(), "2", "ошибка авторизации", None),
    ],
)
def test_error_reply_variants(body: bytes, code: str, description: str | None, message_id: str | None) -> None:
    found = hooks.parse_error(body)
    assert found is not None
    assert (found.code, found.description, found.message_id) == (code, description, message_id)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"OK",
        b"ID = 123456",
        b"250.80",
        b"1,1495823972,0",  # fmt=1 status: status, time, err
        b"-1,0",  # fmt=1 status "waiting": the FIRST field is negative
        b"1234,2,3.36,1047.40",  # fmt=1 send with cost and balance
        b"-12.40,RUR,500.00",
        b"<result>OK</result>",
        b"<user><id>5</id></user>",
        b"<result><error>no code</error></result>",
        b'{"id": 1234, "cnt": 1}',
        b'{"result": "OK"}',
        b'{"error": "text but no code"}',
        b'[{"error_code": 1}]',
        b'{"error_code": 1',  # truncated: not read as an error (the codec refuses it)
        b"<result><error_code>1</error_code>",  # not well-formed
        b'<!DOCTYPE r [<!ENTITY e "1">]><result><error_code>&e;</error_code></result>',
        b"<html><body>ERROR = 1</body></html>",
    ],
)
def test_not_an_error(body: bytes) -> None:
    assert hooks.parse_error(body) is None


def test_the_area_comes_from_the_script() -> None:
    assert {name: hooks.area(operation(name)) for name in AREA_OPERATION.values()} == {
        "send": "send",
        "status": "status",
        "balance": "balance",
        "change_subclient": "users",
    }
    assert hooks.area(operation("estimate")) == "send"
    for name in ("create_subclient", "top_up_subclient", "subclient_stats", "subclient_stats_detailed"):
        assert hooks.area(operation(name)) == "users"


def test_status_table_and_err_table_are_generated() -> None:
    assert {s.value for s in SmscStatus} == set(TABLE["statuses"])
    for code, row in TABLE["statuses"].items():
        assert SmscStatus(code).name == row["name"]
        assert STATUS_STATES[SmscStatus(code)].value == row["state"]
    assert dict(CODE_TABLES["err"]) == {k: v["description"] for k, v in TABLE["err"].items()}


# -- through the client: any format gives the same typed error ------------------------------------------


def client_replying(body: bytes | Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> smsgate.Smsc:
    handler = body if callable(body) else (lambda request: httpx.Response(200, content=body))
    kwargs.setdefault("login", "smsgate")
    kwargs.setdefault("password", "smsgate-password")
    return smsgate.Smsc(
        base_url="http://127.0.0.1:9",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **kwargs,
    )


@pytest.mark.parametrize("fmt", sorted(SEED_ERRORS))
def test_the_client_raises_the_same_error_in_every_format(fmt: int) -> None:
    errors = []
    for call in (
        lambda c: c.send(["79991234567"], "hi"),
        lambda c: c.status(1, "79991234567"),
        lambda c: c.balance(),
        lambda c: c.top_up_subclient("sub1", 5),
    ):
        with pytest.raises(smsgate.AuthenticationError) as info:
            call(client_replying(with_code(fmt, "2")))  # type: ignore[no-untyped-call]
        errors.append(info.value)
    assert [e.code for e in errors] == ["send.2", "status.2", "balance.2", "users.2"]
    assert all(e.raw_code == e.code and not e.retryable and e.not_sent for e in errors)
    with pytest.raises(smsgate.DuplicateError) as dup:
        client_replying(with_code(fmt, "9")).send(["79991234567"], "hi")
    assert dup.value.code == "send.9"
    with pytest.raises(smsgate.RateLimitError) as limited:
        client_replying(with_code(fmt, "9")).balance()
    assert limited.value.code == "balance.9"
    assert limited.value.retryable


def test_unknown_code_keeps_the_raw_code() -> None:
    with pytest.raises(smsgate.ProviderError) as info:
        client_replying(b'{"error": "new", "error_code": 77}').balance()
    assert type(info.value) is smsgate.ProviderError
    assert info.value.code == "balance.77"
    assert info.value.description == "new"


def test_error_replies_win_over_the_http_status() -> None:
    body = b'{"error": "no money", "error_code": 3}'
    client = client_replying(lambda request: httpx.Response(503, content=body))
    with pytest.raises(smsgate.InsufficientFundsError):
        client.send(["79991234567"], "hi")


# -- every sample -------------------------------------------------------------------------------------

Call = Callable[[smsgate.Smsc], Any]

#: Replies (fmt=3) the client reads: the call that reads them, a view of the result, and the view expected.
DATA_REPLIES: dict[str, tuple[Call, Callable[[Any], object], object]] = {
    "send-response.json": (
        lambda c: c.send(["79991234567"], "hi"),
        lambda r: (r.message_id, r.parts, r.cost, r.balance, r.duplicate),
        ("1234", 1, None, None, False),
    ),
    "send-response-string-numbers.json": (
        lambda c: c.send(["79991234567", "79991234568"], "hi"),
        lambda r: (r.message_id, r.parts, r.cost, r.balance, r.message_ids),
        ("1234", 2, Decimal("3.36"), Decimal("1047.40"), ("1234", "1234")),
    ),
    "cost-response.json": (
        lambda c: c.estimate(["79991234567"], "hi"),
        lambda r: r,
        smsgate.SmscEstimate(cost=Decimal("1.68"), parts=1),
    ),
    "status-response-one.json": (
        lambda c: c.status(1234, "+7 999 123-45-67"),
        lambda r: (r.status, r.state, r.phone, r.message_id, r.changed_at.timestamp()),
        (SmscStatus.DELIVERED, DeliveryState.DELIVERED, "79991234567", "1234", 1495823972),
    ),
    "status-response-many.json": (
        lambda c: c.statuses([(1234, "79991234567"), (1235, "79991234568")], detail=2),
        lambda r: [(s.message_id, s.status, s.error_code, s.error_description, s.operator) for s in r],
        [
            ("1234", SmscStatus.DELIVERED, None, None, "МегаФон"),
            ("1235", SmscStatus.UNDELIVERABLE, 1, "Subscriber absent.", "МТС"),
        ],
    ),
    "balance-response.json": (
        lambda c: c.balance(),
        lambda r: r,
        smsgate.SmscBalance(amount=Decimal("250.80"), currency="RUR"),
    ),
    "balance-response-credit.json": (
        lambda c: c.balance(),
        lambda r: r,
        smsgate.SmscBalance(amount=Decimal("-12.40"), currency="RUR", credit=Decimal("500.00")),
    ),
    "fixed-seed004-users-add-fmt3.json": (
        lambda c: c.create_subclient("sub1", "Sub1-Passw0rd"),
        lambda r: r,
        smsgate.SmscSubclient(subclient_id="123456", login="sub1"),
    ),
    "seed004-users-change-fmt3.json": (
        lambda c: c.change_subclient("sub1", full_name="Ivan"),
        lambda r: r,
        None,
    ),
    "fixed-seed004-users-stat-fmt3.json": (
        lambda c: c.subclient_stats(date(2024, 5, 1), date(2024, 5, 31)),
        lambda r: [(s.login, s.messages, s.credit, s.debit, s.currency) for s in r],
        [
            ("sub1", 120, Decimal("0.00"), Decimal("201.60"), "RUR"),
            ("sub2", 0, Decimal("500.00"), Decimal("0.00"), "RUR"),
        ],
    ),
    "fixed-seed004-users-stat-all-fmt3.json": (
        lambda c: c.subclient_stats_detailed(date(2024, 5, 1), date(2024, 5, 31)),
        lambda r: [(s.login, [(x.description, x.operator, x.mccmnc, x.messages, x.debit) for x in s.lines]) for s in r],
        [
            (
                "sub1",
                [("SMS", "MTS", "25001", 100, Decimal("168.00")), ("SMS", "Megafon", "25002", 20, Decimal("33.60"))],
            ),
            ("sub2", [("Top-up", "", "", 0, Decimal("0.00"))]),
        ],
    ),
}
#: Error replies, with the call that meets them and the error expected.
ERROR_REPLIES: dict[str, tuple[Call, type[smsgate.ProviderError], str]] = {
    "fixed-seed004-error-fmt3.json": (
        lambda c: c.subclient_stats(date(2024, 5, 1), date(2024, 5, 2)),
        smsgate.InvalidRequestError,
        "users.1",
    ),
    "send-error-response.json": (lambda c: c.send(["79991234567"], "hi"), smsgate.InvalidRecipientError, "send.8"),
    "users-error-response.json": (lambda c: c.top_up_subclient("nobody", 1), smsgate.NotFoundError, "users.6"),
}
#: The seed's own error samples (placeholder N): read as errors of the placeholder code (an unknown code),
#: except the JSON one, which is not JSON.
SEED_ERROR_REPLIES = {p.name for p in SEED_ERRORS.values()}
#: Replies in fmt 0..2, or not JSON: the client asks for fmt=3, so it refuses them as unreadable; the
#: test checks they are never read as a success nor as an error.
UNREADABLE = {
    "seed004-users-add-fmt0.txt",
    "seed004-users-add-fmt1.csv",
    "seed004-users-add-fmt2-malformed.xml",
    "fixed-seed004-users-add-fmt2.xml",
    "seed004-users-add-fmt3-malformed.json",
    "seed004-users-change-fmt0.txt",
    "seed004-users-change-fmt1.csv",
    "seed004-users-change-fmt2.xml",
    "seed004-users-stat-fmt0.txt",
    "seed004-users-stat-all-fmt0.txt",
    "seed004-users-stat-fmt1.csv",
    "seed004-users-stat-all-fmt1.csv",
    "seed004-users-stat-fmt2.xml",
    "seed004-users-stat-all-fmt2.xml",
    "seed004-users-stat-fmt3-malformed.json",
    "seed004-users-stat-all-fmt3-malformed.json",
}
#: Request samples and the call that sends the same parameters (credentials aside).
REQUESTS: dict[str, Call] = {
    "status-request.json": lambda c: c.statuses([(1234, "79991234567"), (1235, "79991234568")], detail=2),
    "balance-request.json": lambda c: c.balance(),
    "users-add-request.json": lambda c: c.create_subclient(
        "sub1",
        "Sub1-Passw0rd",
        account_type=1,
        email="sub1@example.com",
        phone="79991234567",
        flags={29: True, 9: True},
    ),
    "users-change-request.json": lambda c: c.change_subclient(
        "sub1", full_name="Иван Петров", account_type=2, destinations=[7, -77]
    ),
    "users-pay-request.json": lambda c: c.top_up_subclient("sub1", Decimal("500.00")),
    "users-stat-request.json": lambda c: c.subclient_stats(date(2024, 5, 1), date(2024, 5, 31), hide_deleted=True),
    "users-stat-all-request.json": lambda c: c.subclient_stats_detailed(
        date(2024, 5, 1), date(2024, 5, 31), login="sub1"
    ),
}
#: Phones with a "+", ";" and a contact group G12: parameters the client does not send (it sends
#: validated international numbers, comma-separated); the parts it does send are compared.
PARTIAL_REQUESTS = {"send-request.json"}


def test_every_sample_is_covered() -> None:
    names = {p.name for p in SAMPLES.iterdir()} - {"README.md"}
    covered = set(DATA_REPLIES) | set(ERROR_REPLIES) | SEED_ERROR_REPLIES | UNREADABLE | set(REQUESTS)
    assert names == covered | PARTIAL_REQUESTS


@pytest.mark.parametrize("name", sorted(DATA_REPLIES))
def test_data_sample_reads_as_a_typed_result(name: str) -> None:
    call, view, expected = DATA_REPLIES[name]
    assert view(call(client_replying((SAMPLES / name).read_bytes()))) == expected


@pytest.mark.parametrize("name", sorted(ERROR_REPLIES))
def test_error_sample_reads_as_its_typed_error(name: str) -> None:
    call, error, code = ERROR_REPLIES[name]
    with pytest.raises(error) as info:
        call(client_replying((SAMPLES / name).read_bytes()))
    assert info.value.code == code
    assert info.value.provider == "smsc"


@pytest.mark.parametrize("name", sorted(SEED_ERROR_REPLIES))
def test_seed_error_sample_as_published(name: str) -> None:
    client = client_replying((SAMPLES / name).read_bytes())
    if name.endswith(".json") or name.endswith(".csv"):
        with pytest.raises(smsgate.ResponseFormatError) as unreadable:
            client.balance()
        assert unreadable.value.raw_body == (SAMPLES / name).read_text()
    else:
        with pytest.raises(smsgate.ProviderError) as info:
            client.balance()
        assert type(info.value) is smsgate.ProviderError
        assert info.value.code == "balance.N"


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_other_formats_are_refused_not_misread(name: str) -> None:
    body = (SAMPLES / name).read_bytes()
    assert hooks.parse_error(body) is None
    with pytest.raises(smsgate.ResponseFormatError):
        client_replying(body).subclient_stats(date(2024, 5, 1), date(2024, 5, 31))
    with pytest.raises(smsgate.ResponseFormatError):
        client_replying(body).create_subclient("sub1", "Sub1-Passw0rd")


def sent_form(call: Call) -> tuple[str, dict[str, str]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b'{"error": "stop here", "error_code": 1}')

    with pytest.raises(smsgate.InvalidRequestError):
        call(client_replying(handler))
    (request,) = seen
    return request.url.path, dict(parse_qsl(request.content.decode(), keep_blank_values=True))


def as_form(sample: dict[str, Any]) -> dict[str, str]:
    form: dict[str, str] = {}
    for key, value in sample.items():
        if isinstance(value, dict):
            form.update({f"{key}[{k}]": str(v) for k, v in value.items()})
        else:
            form[key] = str(value)
    return form


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_request_sample_is_what_the_client_sends(name: str) -> None:
    path, form = sent_form(REQUESTS[name])
    assert form.pop("login") == "smsgate"
    assert form.pop("psw") == "smsgate-password"
    expected = as_form(json.loads((SAMPLES / name).read_text(encoding="utf-8")))
    if name.startswith("status"):
        expected.setdefault("all", "0")  # the client always states the detail level
    assert form == expected
    script = {"status": "status", "balance": "balance"}.get(name.split("-")[0], "users")
    assert path == f"/sys/{script}.php"


def test_send_request_sample_parts_the_client_sends() -> None:
    sample = as_form(json.loads((SAMPLES / "send-request.json").read_text(encoding="utf-8")))
    path, form = sent_form(
        lambda c: c.send(
            ["79991234567", "+79991234568"],
            "Ваш код: 4821",
            sender="SMSC.RU",
            client_id="order-42.a_1",
            max_parts=2,
            valid_for=timedelta(hours=1),
        )
    )
    assert path == "/sys/send.php"
    # Always with '+': it turns SMSC's number auto-correction off (88… would become a Russian 78… number).
    assert form["phones"] == "+79991234567,+79991234568"
    for key in ("mes", "sender", "id", "cost", "fmt", "charset", "maxsms", "valid"):
        assert form[key] == sample[key], key


def test_form_credentials_api_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b'{"balance": "1.00"}')

    client = smsgate.Smsc(
        api_key="k3y", base_url="http://127.0.0.1:9", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    assert client.balance().amount == Decimal("1.00")
    form = dict(parse_qsl(seen[0].content.decode()))
    assert form["apikey"] == "k3y"
    assert "login" not in form and "psw" not in form
    assert seen[0].url.query == b""
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"login": "a"},
        {"password": "b"},
        {"login": "a", "password": "b", "api_key": "c"},
        {"login": "a", "api_key": "c"},
    ],
)
def test_exactly_one_credential_set(kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="exactly one of"):
        smsgate.Smsc(**kwargs)


def test_spec_and_hosts() -> None:
    assert SPEC.base_url == "https://smsc.ru"
    assert SPEC.alternate_base_urls == ("https://smscentre.com", "https://www2.smsc.ru")
    assert not operation("send").idempotent
    assert not operation("create_subclient").idempotent
    assert not operation("top_up_subclient").idempotent
    for name in ("estimate", "status", "statuses", "balance", "change_subclient", "subclient_stats"):
        assert operation(name).idempotent, name


# -- argument conversions -----------------------------------------------------------------------------


def test_schedule_is_moscow_time_and_refuses_naive() -> None:
    assert hooks.schedule(datetime(2024, 5, 1, 9, 30, 59, tzinfo=UTC)) == "0105241230"
    assert hooks.schedule(None) is None
    with pytest.raises(smsgate.ValidationError, match="timezone-aware"):
        hooks.schedule(datetime(2024, 5, 1, 9, 30))


def test_small_converters() -> None:
    assert hooks.lifetime(timedelta(minutes=90)) == "01:30"
    assert hooks.lifetime(timedelta(hours=99, minutes=59)) == "99:59"
    for bad in (timedelta(seconds=30), timedelta(hours=100), timedelta(minutes=1, seconds=1)):
        with pytest.raises(smsgate.ValidationError):
            hooks.lifetime(bad)
    assert hooks.amount("500.00") == Decimal("500.00")
    assert str(hooks.amount(Decimal("1E+2"))) == "100"
    for bad_amount in (0, "-1", "abc", 1.5, True, Decimal("NaN")):
        with pytest.raises(smsgate.ValidationError):
            hooks.amount(bad_amount)  # type: ignore[arg-type]
    assert hooks.day(date(2024, 5, 1)) == "01.05.2024"
    assert hooks.subclient_flags({29: True, 8: False}) == {"29": 1, "8": 0}
    assert hooks.destinations([7, -77]) == "7,-77"
    assert hooks.flag(True) == 1 and hooks.flag(False) is None
    query = hooks.status_query([("a.1", "+79991234567")])
    assert (query.ids, query.phones) == ("a.1,", "79991234567,")
    for bad_query in ([], "79991234567", [(0, "79991234567")], [("bad id!", "79991234567")], [(1,)]):
        with pytest.raises(smsgate.ValidationError):
            hooks.status_query(bad_query)  # type: ignore[arg-type]


def test_subclient_password_rule_never_quotes_the_password() -> None:
    for weak in ("Short1!", "alllowercase", "ALLUPPER1", "lower1234"):
        with pytest.raises(smsgate.ValidationError) as info:
            hooks.check_subclient_password(weak)
        assert weak not in str(info.value)
    for strong in ("Sub1-Passw0rd", "lower123!", "UPPER123!", "MixedCase!", "MixedCase1"):
        hooks.check_subclient_password(strong)


# -- the codegen features the SMSC manifest uses ------------------------------------------------------


def test_request_tree_attributes_and_enum_members() -> None:
    from codegen._generate import render_expr
    from codegen._manifest import ManifestError

    tree = {
        "model": "StatusRequest",
        "fields": {"phone": "$messages.phones", "id": "$messages.ids", "fmt": {"enum": "ResponseFormat", "value": 3}},
    }
    assert (
        render_expr(tree, {"messages": "messages_"})
        == "StatusRequest(phone=messages_.phones, id=messages_.ids, fmt=ResponseFormat(3))"
    )
    with pytest.raises(ManifestError, match="not an attribute"):
        render_expr("$messages.1x", {"messages": "messages_"})
    with pytest.raises(ManifestError, match="needs a `value`"):
        render_expr({"enum": "Charset"}, {})


def test_smsc_manifest_loads() -> None:
    from codegen._manifest import load_provider

    p = load_provider(SCHEMAS / "smsc")
    ops = {op.name: op for op in p.operations}
    assert set(ops) == {
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
    }
    send = ops["send"]
    assert (send.dedupe_key, send.dedupe_window, send.on_duplicate) == ("client_id", 50.0, "decode_duplicate_send")
    assert ops["status"].response == "StatusResponse | StatusListResponse"
    assert p.auth_one_of == (("login", "password"), ("api_key",))
    assert list(p.code_tables) == ["err"]
    assert [c.name for c in p.credentials if c.secret] == ["password", "api_key"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('key = "client_id"', 'key = "nobody"', "key names 'nobody'"),
        ("window = 50", "window = 0", "positive number of seconds"),
        ('args = ["recipients", "client_id"]', 'args = ["nobody"]', "args names 'nobody'"),
        ('code_tables = ["err"]', 'code_tables = ["nope"]', "code_tables names 'nope'"),
    ],
)
def test_manifest_mistakes_are_reported(tmp_path: Path, old: str, new: str, message: str) -> None:
    import shutil

    from codegen._manifest import ManifestError, load_provider

    target = tmp_path / "smsc"
    shutil.copytree(SCHEMAS / "smsc", target)
    manifest = target / "provider.toml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_provider(target)
