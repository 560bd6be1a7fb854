"""schemas/smsclub: the JSON Schema, its samples, errors.toml, and the dataclasses datamodel-codegen makes of it.

Every sample of seed 003 (smsclub.mobi/en/api) is kept as published; the broken ones are named `-malformed`
and must really fail, and their `fixed-` twin must validate. The code sets below are written out by hand
from seed 003 and PROVIDERS.md section 3, so that the table and the documents cannot drift apart.
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from codegen._manifest import CATEGORIES, STATES

from ._support import classes_and_aliases, generate_dataclasses, schema_errors, twin_of

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "schemas" / "smsclub"
SCHEMA_PATH = PROVIDER / "smsclub.schema.json"
SAMPLES = PROVIDER / "samples"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

# Every JSON sample -> the $defs entry it is an instance of (malformed ones: the entry they try to be).
DEFINITION_OF = {
    # seed 003, as published
    "seed003-send-request.json": "SendRequest",
    "seed003-send-response.json": "SendResponse",
    "seed003-status-request-malformed.json": "StatusRequest",
    "seed003-status-response.json": "StatusResponse",
    "seed003-originator-response.json": "OriginatorResponse",
    "seed003-balance-response-malformed.json": "BalanceResponse",
    # their real shape
    "fixed-seed003-status-request.json": "StatusRequest",
    "fixed-seed003-balance-response.json": "BalanceResponse",
    # ours
    "send-request-cyrillic.json": "SendRequest",
    "personal-request.json": "PersonalSendRequest",
    "status-request-100-ids.json": "StatusRequest",
    "send-response-partial.json": "SendResponse",
    "send-response-all-rejected.json": "SendResponse",
    "status-response-every-status.json": "StatusResponse",
    "status-response-undocumented-status.json": "StatusResponse",
    "error-400-validation.json": "ValidationErrorResponse",
    "error-400-invalid-id-sms.json": "ValidationErrorResponse",
    "error-401.json": "ErrorResponse",
    "error-429.json": "ErrorResponse",
    "error-453.json": "ErrorResponse",
    "error-500.json": "ErrorResponse",
}
MALFORMED = sorted(name for name in DEFINITION_OF if name.endswith("-malformed.json"))
WELL_FORMED = sorted(name for name in DEFINITION_OF if name not in MALFORMED)

# Seed 003 shows these examples: requests for send and status, replies for send, status, sender names
# and balance (sender names and balance take no request body).
SEED_EXAMPLES = {
    "seed003-send-request",
    "seed003-send-response",
    "seed003-status-request",
    "seed003-status-response",
    "seed003-originator-response",
    "seed003-balance-response",
}

OPERATIONS = {"send", "personal", "status", "originator", "balance"}

# Seed 003 "Error" table: 400, 401, 429, 453, "500x" (= any 5xx: the page's 500 plus the 5xx class row).
DOCUMENTED_CODES = {"400", "401", "429", "453", "500", "5xx"}
# success_request.add_info keys read by SMSClub's plugin (ErrorHandler.php), plus a key of digits.
# "balance" is ours (presumed shape of an insufficient-funds reply, as the emulator answers it).
DOCUMENTED_ADD_INFO = {
    "phone",
    "message",
    "src_addr",
    "id_sms",
    "invalid_phone",
    "invalid_id_sms",
    "recipient",
    "balance",
}
# Seed 003 statuses, and the Russian texts of SMSClub's plugin (StatusHandler.php) with their names.
DOCUMENTED_STATUSES = {
    "ENROUTE": "ENROUTE",
    "DELIVRD": "DELIVRD",
    "EXPIRED": "EXPIRED",
    "UNDELIV": "UNDELIV",
    "REJECTD": "REJECTD",
    "Ожидает отправки": "RU_WAITING",
    "Отправлено": "RU_SENT",
    "Доставлено": "RU_DELIVERED",
    "Просрочено": "RU_EXPIRED",
    "Недоставляемое": "RU_UNDELIVERABLE",
    "Отклонено": "RU_REJECTED",
}

# The classes datamodel-codegen must make of the schema, and nothing else.
EXPECTED_CLASSES = {
    "MessageStatus",
    "SendRequest",
    "PersonalMessage",
    "PersonalSendRequest",
    "SendResult",
    "SendResponse",
    "StatusRequest",
    "StatusResult",
    "StatusResponse",
    "OriginatorResult",
    "OriginatorResponse",
    "Balance",
    "BalanceResult",
    "BalanceResponse",
    "ValidationResult",
    "ValidationErrorResponse",
    "ErrorResponse",
}
# Constrained strings ($defs PhoneNumber, MessageId, SenderName) collapse into plain `str` fields.
EXPECTED_ALIASES: set[str] = set()

#: ``errors_of(instance, definition)``: what is wrong with `instance` as that ``$defs`` entry of the schema.
errors_of = schema_errors(SCHEMA)


def load_errors() -> dict[str, Any]:
    with (PROVIDER / "errors.toml").open("rb") as fh:
        return tomllib.load(fh)


# --- the schema and its samples ----------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert set(DEFINITION_OF.values()) <= set(SCHEMA["$defs"])


def test_every_sample_is_mapped_and_listed() -> None:
    files = {p.name for p in SAMPLES.iterdir() if p.name != "README.md"}
    assert files == set(DEFINITION_OF), "map every new sample to its $defs entry in DEFINITION_OF"
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert f"`{name}`" in readme, f"{name} is not described in samples/README.md"


def test_every_seed_example_has_a_sample() -> None:
    published = {name.removesuffix(".json").removesuffix("-malformed") for name in DEFINITION_OF}
    assert {name for name in published if name.startswith("seed003-")} == SEED_EXAMPLES


@pytest.mark.parametrize("name", WELL_FORMED)
def test_sample_validates(name: str) -> None:
    instance = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    assert errors_of(instance, DEFINITION_OF[name]) == []


@pytest.mark.parametrize("name", MALFORMED)
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


def test_the_seed_defects_are_the_documented_ones() -> None:
    with pytest.raises(json.JSONDecodeError):  # trailing comma
        json.loads((SAMPLES / "seed003-status-request-malformed.json").read_text(encoding="utf-8"))
    with pytest.raises(json.JSONDecodeError):  # "info": [ "money": ... ]
        json.loads((SAMPLES / "seed003-balance-response-malformed.json").read_text(encoding="utf-8"))
    balance = json.loads((SAMPLES / "fixed-seed003-balance-response.json").read_text(encoding="utf-8"))
    assert balance["success_request"]["info"] == {"money": "8111.1700", "currency": "UAH"}


def send(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"src_addr": "VashZakaz", "phone": ["380989361131"], "message": "test text"}
    request.update(changes)
    return {k: v for k, v in request.items() if v is not None}


@pytest.mark.parametrize(
    ("instance", "definition"),
    [
        (send(phone=[f"3809893{n:05d}" for n in range(101)]), "SendRequest"),
        (send(phone=[]), "SendRequest"),
        (send(phone=["+380989361131"]), "SendRequest"),
        (send(phone=["0989361131"]), "SendRequest"),
        (send(phone="380989361131"), "SendRequest"),
        (send(src_addr="TwelveChars!"), "SendRequest"),
        (send(src_addr=""), "SendRequest"),
        (send(message=""), "SendRequest"),
        (send(message=None), "SendRequest"),
        (send(lifetime=60), "SendRequest"),
        ({"id_sms": [str(n) for n in range(101)]}, "StatusRequest"),
        ({"id_sms": []}, "StatusRequest"),
        ({"id_sms": ["abc"]}, "StatusRequest"),
        ({"src_addr": "VashZakaz", "data_message": [{"phone": "380989361131"}]}, "PersonalSendRequest"),
        ({"success_request": {"info": {"106": 2}}}, "StatusResponse"),
        ({"success_request": {"info": {"106": None}}}, "StatusResponse"),
        ({"success_request": {"info": {"abc": "DELIVRD"}}}, "StatusResponse"),
        ({"success_request": {"info": {"money": 8111.17, "currency": "UAH"}}}, "BalanceResponse"),
        ({"success_request": {"info": [{"money": "8111.1700"}, {"currency": "UAH"}]}}, "BalanceResponse"),
        ({"success_request": {"info": {"money": "8,111.17", "currency": "UAH"}}}, "BalanceResponse"),
        ({"success_request": {"info": {"test1": "test2"}}}, "OriginatorResponse"),
        ({"success_request": {}}, "SendResponse"),
        ({"success_request": {"info": {"abc": "380989361131"}}}, "SendResponse"),
        ({"message": "Unauthorized"}, "ErrorResponse"),
        ({"success_request": {"info": {"106": "380989361131"}}}, "ValidationErrorResponse"),
    ],
)
def test_invalid_instances_are_refused(instance: Any, definition: str) -> None:
    assert errors_of(instance, definition)


def test_status_enum_matches_the_status_table() -> None:
    status = SCHEMA["$defs"]["MessageStatus"]
    assert dict(zip(status["enum"], status["x-enum-varnames"], strict=True)) == DOCUMENTED_STATUSES


@pytest.mark.parametrize("value", ["SENT", "PENDING", "В обработке", "", "delivrd"])
def test_an_undocumented_status_value_is_a_valid_reply(value: str) -> None:
    """The reply's status is any text, so that a status no document lists never makes the reply unreadable
    (the SDK reads it as an unknown status); the enum keeps the documented values, and names them all in
    the reply field's description."""
    assert errors_of({"success_request": {"info": {"106": value, "107": "DELIVRD"}}}, "StatusResponse") == []
    assert value not in DOCUMENTED_STATUSES
    assert errors_of(value, "MessageStatus")  # the enum itself stays closed
    field = SCHEMA["$defs"]["StatusResult"]["properties"]["info"]["additionalProperties"]
    assert field["type"] == "string"
    assert "$ref" not in field and "enum" not in field
    for documented in DOCUMENTED_STATUSES:
        assert documented in field["description"]


# --- errors.toml -------------------------------------------------------------------------------------


def test_errors_table_rows() -> None:
    table = load_errors()
    assert table["provider"] == "smsclub"
    assert set(table) == {"provider", "codes", "add_info", "statuses"}
    for section in ("codes", "add_info"):
        for code, row in table[section].items():
            where = f"[{section}.{code}]"
            assert row["category"] in CATEGORIES, where
            assert isinstance(row["description"], str), where
            assert row["description"].strip(), where
            assert isinstance(row["retryable"], bool), where
            assert isinstance(row["not_sent"], bool), where
            assert row["operations"], where
            assert set(row["operations"]) <= OPERATIONS, where


def test_error_codes_are_the_documented_ones() -> None:
    table = load_errors()
    assert set(table["codes"]) == DOCUMENTED_CODES
    assert set(table["add_info"]) == DOCUMENTED_ADD_INFO
    codes = table["codes"]
    assert codes["401"]["category"] == "authentication"
    assert codes["429"]["category"] == "rate_limit"
    assert codes["429"]["retryable"] is True
    assert codes["453"]["category"] == "duplicate"
    assert codes["453"]["retryable"] is False
    assert codes["5xx"]["not_sent"] is False


def test_statuses_are_the_documented_ones() -> None:
    statuses = load_errors()["statuses"]
    assert set(statuses) == set(DOCUMENTED_STATUSES)
    for code, row in statuses.items():
        name = row.get("name", code)
        assert name == DOCUMENTED_STATUSES[code]
        assert name.isascii(), f"[statuses.{code}] needs an ASCII `name`"
        assert name.isidentifier(), f"[statuses.{code}] needs a `name` that is a Python identifier"
        assert row["state"] in STATES
        assert row["description"].strip()
    assert {row["state"] for row in statuses.values()} >= {"sent", "delivered", "undelivered", "expired", "rejected"}


# --- datamodel-codegen -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    return generate_dataclasses(SCHEMA_PATH, tmp_path_factory.mktemp("codegen") / "smsclub_models.py")


def test_codegen_makes_clean_typed_dataclasses(generated: tuple[str, Any]) -> None:
    source, module = generated
    classes, aliases = classes_and_aliases(source)
    assert classes == EXPECTED_CLASSES
    assert aliases == EXPECTED_ALIASES
    assert "Any" not in source
    hints = get_type_hints(module.Balance, vars(module))
    assert hints["money"] is Decimal
    # The reply takes any status text (msgspec cannot bind an enum-or-str union); the enum is still made.
    assert get_type_hints(module.StatusResult, vars(module))["info"] == dict[str, str] | None
    assert {m.value: m.name for m in module.MessageStatus} == DOCUMENTED_STATUSES
    request = module.SendRequest(src_addr="VashZakaz", phone=["380989361131"], message="test text")
    assert request.integration_id is None
