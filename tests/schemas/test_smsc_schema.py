"""schemas/smsc: the JSON Schema, its samples, errors.toml, and the dataclasses datamodel-codegen makes of it.

Every example of seed 004 (the error reply and the users.php replies in fmt 0..3) is kept as published;
the broken ones are named `-malformed` and must really fail, and their `fixed-` twin must read. The code
sets below are written out by hand from seed 004 and PROVIDERS.md section 4.
"""

from __future__ import annotations

import json
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from lxml import etree

from codegen._manifest import CATEGORIES, STATES

from ._support import classes_and_aliases, generate_dataclasses, schema_errors, twin_of

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "schemas" / "smsc"
SCHEMA_PATH = PROVIDER / "smsc.schema.json"
SAMPLES = PROVIDER / "samples"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

# Every JSON sample -> the $defs entry it is an instance of (malformed ones: the entry they try to be).
DEFINITION_OF = {
    # seed 004, as published (fmt=3)
    "seed004-error-fmt3-malformed.json": "ErrorResponse",
    "seed004-users-add-fmt3-malformed.json": "UsersAddResponse",
    "seed004-users-change-fmt3.json": "UsersChangeResponse",
    "seed004-users-stat-fmt3-malformed.json": "UsersStatResponse",
    "seed004-users-stat-all-fmt3-malformed.json": "UsersStatAllResponse",
    # their real shape
    "fixed-seed004-error-fmt3.json": "ErrorResponse",
    "fixed-seed004-users-add-fmt3.json": "UsersAddResponse",
    "fixed-seed004-users-stat-fmt3.json": "UsersStatResponse",
    "fixed-seed004-users-stat-all-fmt3.json": "UsersStatAllResponse",
    # ours
    "send-request.json": "SendRequest",
    "send-response.json": "SendResponse",
    "send-response-string-numbers.json": "SendResponse",
    "cost-response.json": "CostResponse",
    "send-error-response.json": "ErrorResponse",
    "status-request.json": "StatusRequest",
    "status-response-one.json": "StatusResponse",
    "status-response-many.json": "StatusListResponse",
    "balance-request.json": "BalanceRequest",
    "balance-response.json": "BalanceResponse",
    "balance-response-credit.json": "BalanceResponse",
    "users-add-request.json": "UsersAddRequest",
    "users-change-request.json": "UsersChangeRequest",
    "users-pay-request.json": "UsersPayRequest",
    "users-stat-request.json": "UsersStatRequest",
    "users-stat-all-request.json": "UsersStatAllRequest",
    "users-error-response.json": "ErrorResponse",
}
# The fmt=0, 1 and 2 samples: not described by the schema (fmt=3 only).
OTHER_FORMATS = {
    "seed004-error-fmt0.txt",
    "seed004-error-fmt1.csv",
    "seed004-error-fmt2.xml",
    "seed004-users-add-fmt0.txt",
    "seed004-users-add-fmt1.csv",
    "seed004-users-add-fmt2-malformed.xml",
    "fixed-seed004-users-add-fmt2.xml",
    "seed004-users-change-fmt0.txt",
    "seed004-users-change-fmt1.csv",
    "seed004-users-change-fmt2.xml",
    "seed004-users-stat-fmt0.txt",
    "seed004-users-stat-all-fmt0.txt",
    "seed004-users-stat-fmt1.csv",
    "seed004-users-stat-all-fmt1.csv",
    "seed004-users-stat-fmt2.xml",
    "seed004-users-stat-all-fmt2.xml",
}
MALFORMED_JSON = sorted(name for name in DEFINITION_OF if name.endswith("-malformed.json"))
WELL_FORMED_JSON = sorted(name for name in DEFINITION_OF if name not in MALFORMED_JSON)
XML_SAMPLES = sorted(name for name in OTHER_FORMATS if name.endswith(".xml") and "-malformed" not in name)

# Seed 004 shows: the error reply and the sub-client create / change / statistics replies, each in fmt 0..3.
SEED_EXAMPLES = {
    f"seed004-{op}-fmt{fmt}"
    for op in ("error", "users-add", "users-change", "users-stat", "users-stat-all")
    for fmt in range(4)
}
EXTENSION = {0: ".txt", 1: ".csv", 2: ".xml", 3: ".json"}

# The operations of each script ("area"): the first part of a [codes] key.
AREAS = {
    "send": {"send", "cost"},
    "status": {"status"},
    "balance": {"balance"},
    "users": {"users_add", "users_change", "users_pay", "users_stat", "users_stat_all"},
}
# Error numbers per script: send.php 1-9, status.php 1, 2, 4, 5, 9, balance.php 1, 2, 4, 9 (PROVIDERS.md
# 4.3-4.5), users.php 1-10 (seed 004).
DOCUMENTED_CODES = (
    {f"send.{n}" for n in range(1, 10)}
    | {f"status.{n}" for n in (1, 2, 4, 5, 9)}
    | {f"balance.{n}" for n in (1, 2, 4, 9)}
    | {f"users.{n}" for n in range(1, 11)}
)
DOCUMENTED_STATUSES = {
    "-3": "NOT_FOUND",
    "-2": "STOPPED",
    "-1": "WAITING",
    "0": "TRANSMITTED",
    "1": "DELIVERED",
    "2": "READ",
    "3": "EXPIRED",
    "4": "CLICKED",
    "20": "UNDELIVERABLE",
    "22": "INVALID_NUMBER",
    "23": "FORBIDDEN",
    "24": "INSUFFICIENT_FUNDS",
    "25": "UNAVAILABLE_NUMBER",
}
DOCUMENTED_ERR = {str(n) for n in (0, 1, 6, 11, 12, 13, 21, 200, 219, 220, *range(240, 256))}

EXPECTED_CLASSES = {
    "PasswordAuth",
    "ApiKeyAuth",
    "ResponseFormat",
    "Charset",
    "CostMode",
    "StatusDetail",
    "SubclientType",
    "MessageStatus",
    "SendRequest",
    "SendResponse",
    "CostResponse",
    "StatusRequest",
    "StatusResponse",
    "BalanceRequest",
    "BalanceResponse",
    "UsersAddRequest",
    "UsersAddResponse",
    "UsersChangeRequest",
    "UsersChangeResponse",
    "UsersPayRequest",
    "UsersStatRequest",
    "UsersStatAllRequest",
    "UsersStatRow",
    "UsersStatAllItem",
    "UsersStatAllRow",
    "ErrorResponse",
}
# Unions and top-level arrays become type aliases.
EXPECTED_ALIASES = {"Credentials", "StatusListResponse", "UsersStatResponse", "UsersStatAllResponse"}

#: ``errors_of(instance, definition)``: what is wrong with `instance` as that ``$defs`` entry of the schema.
errors_of = schema_errors(SCHEMA)


def load_errors() -> dict[str, Any]:
    with (PROVIDER / "errors.toml").open("rb") as fh:
        return tomllib.load(fh)


def parse_xml(data: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


# --- the schema and its samples ----------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert set(DEFINITION_OF.values()) <= set(SCHEMA["$defs"])


def test_every_sample_is_mapped_and_listed() -> None:
    files = {p.name for p in SAMPLES.iterdir() if p.name != "README.md"}
    assert not set(DEFINITION_OF) & OTHER_FORMATS
    assert files == set(DEFINITION_OF) | OTHER_FORMATS, "map every new sample in DEFINITION_OF or OTHER_FORMATS"
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert f"`{name}`" in readme, f"{name} is not described in samples/README.md"


def test_every_seed_example_has_a_sample_in_its_format() -> None:
    seed = {name for name in set(DEFINITION_OF) | OTHER_FORMATS if name.startswith("seed004-")}
    published = {}
    for name in seed:
        stem, ext = name.rsplit(".", 1)
        published[stem.removesuffix("-malformed")] = "." + ext
    assert set(published) == SEED_EXAMPLES
    for stem, ext in published.items():
        assert ext == EXTENSION[int(stem[-1])], stem


@pytest.mark.parametrize("name", WELL_FORMED_JSON)
def test_sample_validates(name: str) -> None:
    instance = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    assert errors_of(instance, DEFINITION_OF[name]) == []


@pytest.mark.parametrize("name", MALFORMED_JSON)
def test_malformed_sample_fails_and_its_twin_validates(name: str) -> None:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    try:
        instance = json.loads(text)
    except json.JSONDecodeError:
        pass
    else:
        assert errors_of(instance, DEFINITION_OF[name]), f"{name} is marked malformed but is valid"
    twin = twin_of(name)
    assert DEFINITION_OF[twin] == DEFINITION_OF[name]
    assert errors_of(json.loads((SAMPLES / twin).read_text(encoding="utf-8")), DEFINITION_OF[twin]) == []


def test_unclosed_user_element_does_not_parse_and_its_twin_does() -> None:
    with pytest.raises(etree.XMLSyntaxError):
        parse_xml((SAMPLES / "seed004-users-add-fmt2-malformed.xml").read_bytes())
    root = parse_xml((SAMPLES / "fixed-seed004-users-add-fmt2.xml").read_bytes())
    assert root.tag == "user"
    assert root.findtext("id") == "id"


@pytest.mark.parametrize("name", XML_SAMPLES)
def test_xml_sample_is_well_formed(name: str) -> None:
    assert parse_xml((SAMPLES / name).read_bytes()) is not None


def test_text_samples_show_the_error_forms() -> None:
    assert (SAMPLES / "seed004-error-fmt0.txt").read_text(encoding="utf-8").startswith("ERROR = ")
    assert re.fullmatch(r"0,-N\n", (SAMPLES / "seed004-error-fmt1.csv").read_text(encoding="utf-8"))
    error = parse_xml((SAMPLES / "seed004-error-fmt2.xml").read_bytes())
    assert [child.tag for child in error] == ["error", "error_code"]


def send(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"phones": "79991234567", "mes": "test"}
    request.update(changes)
    return {k: v for k, v in request.items() if v is not None}


def add(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"add": 1, "user": "sub1", "password": "Sub1-Passw0rd"}
    request.update(changes)
    return {k: v for k, v in request.items() if v is not None}


@pytest.mark.parametrize(
    ("instance", "definition"),
    [
        (send(mes="x" * 1001), "SendRequest"),
        (send(mes=""), "SendRequest"),
        (send(phones=None), "SendRequest"),
        (send(phones="7999 123 45 67"), "SendRequest"),
        (send(phones="79991234567,"), "SendRequest"),
        (send(id=0), "SendRequest"),
        (send(id=2147483648), "SendRequest"),
        (send(id="a" * 41), "SendRequest"),
        (send(id="a/b"), "SendRequest"),  # the page's class [A-Za-z0-9.-_] read as a range would allow '/'
        (send(id="a b"), "SendRequest"),
        (send(translit=3), "SendRequest"),
        (send(cost=4), "SendRequest"),
        (send(fmt=4), "SendRequest"),
        (send(charset="cp1251"), "SendRequest"),
        (send(valid="1h"), "SendRequest"),
        (send(time="2024-05-01 10:00"), "SendRequest"),
        (send(tinyurl=2), "SendRequest"),
        (send(psw="secret"), "SendRequest"),  # credentials are not a request field
        ({"phone": "79991234567"}, "StatusRequest"),
        ({"phone": "79991234567", "id": "1234", "all": 3}, "StatusRequest"),
        ({"phone": "79991234567", "id": "1;2"}, "StatusRequest"),
        ({"cur": 2}, "BalanceRequest"),
        (add(password="Sh0rt-p"), "UsersAddRequest"),
        (add(password="lettersonly"), "UsersAddRequest"),
        (add(password="12345678"), "UsersAddRequest"),
        (add(type=5), "UsersAddRequest"),
        (add(add=0), "UsersAddRequest"),
        (add(fl={"x": 1}), "UsersAddRequest"),
        (add(email="nobody"), "UsersAddRequest"),
        ({"chg": 1, "user": "sub1", "fmts": "7;-77"}, "UsersChangeRequest"),
        ({"pay": 1, "user": "sub1", "sum": "0.00"}, "UsersPayRequest"),
        ({"pay": 1, "user": "sub1", "sum": -5}, "UsersPayRequest"),
        ({"get_stat": 1, "start": "2024-05-01"}, "UsersStatRequest"),
        ({"get_stat": 1, "end": "32.05.2024"}, "UsersStatRequest"),
        ({"get_stat_all": 1, "start": "01.13.2024"}, "UsersStatAllRequest"),
        ({"id": 1}, "SendResponse"),
        ({"id": 1, "cnt": "two"}, "SendResponse"),
        ({"id": 1, "cnt": 1, "cost": "1,20"}, "SendResponse"),
        ({"cnt": 1}, "CostResponse"),
        ({"status": "delivered"}, "StatusResponse"),
        ({"status": 1.5}, "StatusResponse"),
        ({"status": None}, "StatusResponse"),
        ({"status": 1, "err": "absent"}, "StatusResponse"),
        ({"status": 1, "last_date": "2017-05-26 21:39:32"}, "StatusResponse"),
        ({"status": 1}, "StatusListResponse"),
        ({"currency": "RUR"}, "BalanceResponse"),
        ({"result": "ERROR"}, "UsersChangeResponse"),
        ([{"login": "sub1", "sms": "<cnt>", "credit": "0", "debit": "0", "currency": "RUR"}], "UsersStatResponse"),
        ([{"login": "sub1", "sms": "1", "credit": "0", "debit": "0", "currency": "RUR"}], "UsersStatAllResponse"),
        ({"error": "description"}, "ErrorResponse"),
    ],
)
def test_invalid_instances_are_refused(instance: Any, definition: str) -> None:
    assert errors_of(instance, definition)


@pytest.mark.parametrize(
    ("instance", "valid"),
    [
        ({"login": "demo", "psw": "secret"}, True),
        ({"apikey": "key"}, True),
        ({"login": "demo"}, False),
        ({"login": "demo", "psw": "secret", "apikey": "key"}, False),
    ],
)
def test_credentials_are_a_login_and_password_or_an_api_key(instance: dict[str, str], valid: bool) -> None:
    assert (errors_of(instance, "Credentials") == []) is valid


@pytest.mark.parametrize("password", ["Abcdefg1", "abcdefg1!", "Abcdefg!", "Ab1!Ab1!"])
def test_passwords_with_three_kinds_of_characters_are_accepted(password: str) -> None:
    assert errors_of(add(password=password), "UsersAddRequest") == []


def test_status_enum_matches_the_status_table() -> None:
    status = SCHEMA["$defs"]["MessageStatus"]
    assert {str(v): n for v, n in zip(status["enum"], status["x-enum-varnames"], strict=True)} == DOCUMENTED_STATUSES


@pytest.mark.parametrize("value", [5, 21, 99, -4, 1000])
def test_an_undocumented_status_code_is_a_valid_reply(value: int) -> None:
    """The reply's status is any integer, so that a code no document lists never makes the reply unreadable
    (the SDK reads it as an unknown status); the enum keeps the documented codes, and the reply field's
    description names them all. The err sub-code was never closed: any integer."""
    assert str(value) not in DOCUMENTED_STATUSES
    assert errors_of({"status": value}, "StatusResponse") == []
    assert errors_of([{"status": 1}, {"status": value, "err": 777}], "StatusListResponse") == []
    assert errors_of(value, "MessageStatus")  # the enum itself stays closed
    reply = SCHEMA["$defs"]["StatusResponse"]["properties"]
    assert reply["status"]["type"] == "integer"
    assert "$ref" not in reply["status"] and "enum" not in reply["status"]
    assert reply["err"]["type"] == "integer"
    assert "enum" not in reply["err"]
    for code in DOCUMENTED_STATUSES:
        assert re.search(rf"(?<![0-9-]){re.escape(code)} [a-z]", reply["status"]["description"]), code


# --- errors.toml -------------------------------------------------------------------------------------


def test_errors_table_rows() -> None:
    table = load_errors()
    assert table["provider"] == "smsc"
    assert set(table) == {"provider", "codes", "statuses", "err"}
    for code, row in table["codes"].items():
        where = f"[codes.{code!r}]"
        area, number = code.split(".")
        assert area in AREAS, where
        assert number.isdigit(), where
        assert row["category"] in CATEGORIES, where
        assert isinstance(row["description"], str), where
        assert row["description"].strip(), where
        assert isinstance(row["retryable"], bool), where
        assert isinstance(row["not_sent"], bool), where
        assert row["operations"], where
        assert set(row["operations"]) <= AREAS[area], where


def test_error_codes_are_the_documented_ones() -> None:
    codes = load_errors()["codes"]
    assert set(codes) == DOCUMENTED_CODES
    # The same number, different meanings: the reason for the "<area>.<N>" keys.
    assert codes["send.3"]["category"] == "insufficient_funds"
    assert codes["users.3"]["category"] == "not_found"
    assert codes["send.6"]["category"] == "permission"
    assert codes["users.6"]["category"] == "not_found"
    assert codes["send.9"]["category"] == "duplicate"
    assert codes["send.9"]["retryable"] is False
    assert codes["users.10"]["category"] == "insufficient_funds"
    assert {codes[f"{area}.2"]["category"] for area in AREAS} == {"authentication"}


def test_statuses_are_the_documented_ones() -> None:
    statuses = load_errors()["statuses"]
    assert set(statuses) == set(DOCUMENTED_STATUSES)
    for code, row in statuses.items():
        assert row["name"] == DOCUMENTED_STATUSES[code]
        assert row["name"].isidentifier()
        assert row["state"] in STATES
        assert row["description"].strip()
    assert statuses["1"]["state"] == "delivered"
    assert statuses["-1"]["state"] == "queued"


def test_err_sub_codes_are_the_documented_ones() -> None:
    err = load_errors()["err"]
    assert set(err) == DOCUMENTED_ERR
    for code, row in err.items():
        assert set(row) == {"description"}, code
        assert row["description"].strip(), code


# --- datamodel-codegen -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    return generate_dataclasses(SCHEMA_PATH, tmp_path_factory.mktemp("codegen") / "smsc_models.py")


def test_codegen_makes_clean_typed_dataclasses(generated: tuple[str, Any]) -> None:
    source, module = generated
    classes, aliases = classes_and_aliases(source)
    assert classes == EXPECTED_CLASSES
    assert aliases == EXPECTED_ALIASES
    assert "Any" not in source
    ns = vars(module)
    assert get_type_hints(module.BalanceResponse, ns)["balance"] is Decimal
    assert get_type_hints(module.UsersPayRequest, ns)["sum"] is Decimal
    # The reply takes any status code (msgspec cannot bind an enum-or-int union); the enum is still made.
    assert get_type_hints(module.StatusResponse, ns)["status"] is int
    assert get_type_hints(module.StatusResponse, ns)["err"] == int | None
    assert {m.value: m.name for m in module.MessageStatus} == {int(k): v for k, v in DOCUMENTED_STATUSES.items()}
    # The operation flags default to their only value, so a request cannot be built without them.
    request = module.UsersAddRequest(user="sub1", password="Sub1-Passw0rd")
    assert request.add == 1
    assert module.UsersStatRequest().get_stat == 1
