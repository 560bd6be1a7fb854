"""The SMSClub emulator over real HTTP on loopback, with plain httpx: every documented code and behaviour.

Every JSON reply is validated against its ``$defs`` entry of ``schemas/smsclub/smsclub.schema.json``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsgate.emulator import DEFAULT_SEED, Emulator, SmsClubAccount, SmsClubStatus
from smsgate.emulator._smsclub import normalize_phone

from .conftest import loopback_client, schema_check

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "smsclub" / "smsclub.schema.json").read_text(encoding="utf-8"))
ERRORS_TOML = ROOT / "schemas" / "smsclub" / "errors.toml"
SAMPLES = ROOT / "schemas" / "smsclub" / "samples"

TOKEN = "smsclub-test-token"
SECOND = "smsclub-second-token"
EMPTY = "smsclub-empty-token"
SENDER = "VashZakaz"
PHONE = "380989361131"


#: Validate an instance against ``#/$defs/<definition>`` of the SMSClub schema.
check = schema_check(SCHEMA)


class FakeMonotonic:
    """A replacement for `SmsClub.monotonic`: real seconds that move only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_clock(emu: Emulator) -> FakeMonotonic:
    fake = FakeMonotonic()
    emu.smsclub.monotonic = fake
    return fake


Post = Callable[..., httpx.Response]


@pytest.fixture
def post(emu: Emulator, client: httpx.Client) -> Post:
    def do(
        path: str, body: object = None, *, token: str | None = TOKEN, content: bytes | None = None
    ) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        if content is None and body is not None:
            content = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        response = client.post(emu.base_url("smsclub") + path, content=content, headers=headers)
        assert response.headers["content-type"] == "application/json; charset=UTF-8"
        return response

    return do


def send_body(phones: list[Any] | None = None, message: str = "test text", sender: str = SENDER) -> dict[str, object]:
    return {"phone": [PHONE] if phones is None else phones, "message": message, "src_addr": sender}


def balances(emu: Emulator) -> dict[str, Decimal]:
    return {name: account.balance for name, account in emu.smsclub.accounts.items()}


# -- every error code, triggered by a matching request ----------------------------------------------------------

Trigger = Callable[[Emulator, Post], httpx.Response]


def _validation(emu: Emulator, post: Post) -> httpx.Response:
    return post("/sms/send", send_body(sender="Unknown"))


def _bad_token(emu: Emulator, post: Post) -> httpx.Response:
    return post("/sms/balance", token="wrong")


def _rate_limit(emu: Emulator, post: Post) -> httpx.Response:
    emu.smsclub.monotonic = FakeMonotonic()
    for _ in range(9):
        assert post("/sms/balance").status_code == 200
    return post("/sms/send", send_body())


def _duplicate(emu: Emulator, post: Post) -> httpx.Response:
    assert post("/sms/send", send_body()).status_code == 200
    emu.clock.advance(119)
    return post("/sms/send", send_body())


def _fault(code: str) -> Trigger:
    def trigger(emu: Emulator, post: Post) -> httpx.Response:
        # Fault-only: no request makes SMSClub fail; inject the errors.toml code.
        emu.faults.inject("smsclub", "error_code", code=code)
        return post("/sms/send", send_body())

    return trigger


TRIGGERS: dict[str, Trigger] = {
    "400": _validation,
    "401": _bad_token,
    "429": _rate_limit,
    "453": _duplicate,
    "500": _fault("500"),
    "5xx": _fault("5xx"),
}


def test_trigger_table_covers_every_documented_code() -> None:
    with ERRORS_TOML.open("rb") as fh:
        assert set(TRIGGERS) == set(tomllib.load(fh)["codes"])


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_error_code_is_reachable(emu: Emulator, post: Post, code: str) -> None:
    messages_before, balances_before = dict(emu.smsclub.messages), balances(emu)

    def spy(path: str, body: object = None, **kwargs: Any) -> httpx.Response:
        nonlocal messages_before, balances_before
        messages_before, balances_before = dict(emu.smsclub.messages), balances(emu)
        return post(path, body, **kwargs)

    response = TRIGGERS[code](emu, spy)
    status = response.status_code
    assert str(status) == code or (code == "5xx" and 500 < status < 600)
    body = response.json()
    if code == "400":
        check(body, "ValidationErrorResponse")
        assert "info" not in body["success_request"]
    else:
        check(body, "ErrorResponse")
        assert body["status"] == status
        assert set(body) == {"name", "message", "code", "status"}
    # The last request sent nothing and charged nothing.
    assert emu.smsclub.messages == messages_before
    assert balances(emu) == balances_before


# -- 400, 401, 404, 405 and their variants ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (None, {"src_addr", "phone", "message"}),
        ({}, {"src_addr", "phone", "message"}),
        ([1, 2], {"src_addr", "phone", "message"}),
        (send_body(sender=""), {"src_addr"}),
        (send_body(sender="vashzakaz"), {"src_addr"}),
        (send_body(phones=[]), {"phone"}),
        ({"phone": PHONE, "message": "x", "src_addr": SENDER}, {"phone"}),
        (send_body(phones=[PHONE] * 101), {"phone"}),
        (send_body(message=""), {"message"}),
        (send_body(message="   "), {"message"}),
        ({"phone": [PHONE], "message": 5, "src_addr": SENDER}, {"message"}),
        (send_body(message="a" * 1522), {"message"}),
        (send_body(message="ж" * 662), {"message"}),
        ({**send_body(), "integration_id": [1]}, {"integration_id"}),
        (send_body(sender="Nope", phones=[], message=""), {"src_addr", "phone", "message"}),
    ],
)
def test_send_validation(emu: Emulator, post: Post, body: object, fields: set[str]) -> None:
    response = post("/sms/send", body)
    assert response.status_code == 400
    reply = response.json()
    check(reply, "ValidationErrorResponse")
    assert set(reply["success_request"]["add_info"]) == fields
    assert not emu.smsclub.messages


def test_validation_texts_and_invalid_json(post: Post) -> None:
    reply = post("/sms/send", send_body(sender="Unknown")).json()
    assert reply == {"success_request": {"add_info": {"src_addr": "Некоректне Альфа Ім'я"}}}
    # The page's status request with its trailing comma is not JSON: no id_sms.
    malformed = (SAMPLES / "seed003-status-request-malformed.json").read_bytes()
    response = post("/sms/status", content=malformed)
    assert response.status_code == 400
    assert set(response.json()["success_request"]["add_info"]) == {"id_sms"}


def test_length_limits(post: Post) -> None:
    assert post("/sms/send", send_body(message="a" * 1521)).status_code == 200
    assert post("/sms/send", send_body(phones=["380501234567"], message="ж" * 661)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic c21zY2x1Yg=="}, {"Authorization": "Bearer"}, {"Authorization": "Bearer x y"}],
)
def test_401_variants(emu: Emulator, client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.post(emu.base_url("smsclub") + "/sms/balance", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    check(response.json(), "ErrorResponse")


def test_401_comes_before_validation(post: Post) -> None:
    assert post("/sms/send", {}, token="nope").status_code == 401
    assert post("/sms/send", send_body(), token=TOKEN.upper()).status_code == 401


def test_bearer_scheme_is_case_insensitive(emu: Emulator, client: httpx.Client) -> None:
    headers = {"Authorization": f"bearer  {TOKEN}"}
    assert client.post(emu.base_url("smsclub") + "/sms/balance", headers=headers).status_code == 200


def test_unknown_path_and_wrong_method(emu: Emulator, client: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    missing = client.post(emu.base_url("smsclub") + "/sms/nothing", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["status"] == 404
    wrong = client.get(emu.base_url("smsclub") + "/sms/balance", headers=headers)
    assert (wrong.status_code, wrong.headers["allow"], wrong.json()["status"]) == (405, "POST", 405)
    assert client.post(emu.base_url("smsclub") + "/sms/balance/", headers=headers).status_code == 200


# -- happy paths ----------------------------------------------------------------------------------------------


def test_send_the_pages_example(emu: Emulator, post: Post) -> None:
    response = post("/sms/send", content=(SAMPLES / "seed003-send-request.json").read_bytes())
    assert response.status_code == 200
    reply = response.json()
    check(reply, "SendResponse")
    assert reply == json.loads((SAMPLES / "seed003-send-response.json").read_text(encoding="utf-8"))
    (message,) = emu.smsclub.messages.values()
    assert (message.id, message.account, message.sender, message.phone, message.text) == (
        106,
        "main",
        SENDER,
        PHONE,
        "test text",
    )
    assert message.status is SmsClubStatus.ENROUTE
    assert emu.smsclub.accounts["main"].balance == Decimal("8111.17") - Decimal("0.85")
    entry = emu.requests[-1]
    assert (entry.operation, entry.path, entry.status, entry.outcome) == ("send", "/sms/send", 200, "200")


def test_send_cyrillic_sample_to_three_numbers(emu: Emulator, post: Post) -> None:
    reply = post("/sms/send", content=(SAMPLES / "send-request-cyrillic.json").read_bytes()).json()
    check(reply, "SendResponse")
    assert reply == {"success_request": {"info": {"106": PHONE, "107": "380501234567", "108": "380671234567"}}}
    assert {m.parts for m in emu.smsclub.messages.values()} == {1}


def test_partial_success(emu: Emulator, post: Post) -> None:
    body = send_body(phones=[PHONE, "38067123456789", "380501234567", "abc", 380671234567, None])
    response = post("/sms/send", body)
    assert response.status_code == 200
    reply = response.json()
    check(reply, "SendResponse")
    assert reply == {
        "success_request": {
            "info": {"106": PHONE, "107": "380501234567", "108": "380671234567"},
            "add_info": {
                "38067123456789": "Incorrect phone number",
                "abc": "Incorrect phone number",
                "null": ("Incorrect phone number"),
            },
        }
    }
    assert [m.phone for m in emu.smsclub.messages.values()] == [PHONE, "380501234567", "380671234567"]
    assert emu.smsclub.accounts["main"].balance == Decimal("8111.17") - 3 * Decimal("0.85")


def test_every_phone_rejected_is_http_200_with_add_info_only(emu: Emulator, post: Post) -> None:
    response = post("/sms/send", send_body(phones=["38093123456789"]))
    assert response.status_code == 200
    reply = response.json()
    check(reply, "SendResponse")
    assert reply == json.loads((SAMPLES / "send-response-all-rejected.json").read_text(encoding="utf-8"))
    assert not emu.smsclub.messages


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("380989361131", "380989361131"),
        ("+380989361131", "380989361131"),
        (" 380989361131 ", "380989361131"),
        ("0989361131", "380989361131"),
        (380989361131, "380989361131"),
        ("79161234567", "79161234567"),
        ("972501234567", "972501234567"),
        ("38098936113", None),
        ("38067123456789", None),
        ("098936113", None),
        ("1234567", None),
        ("", None),
        (True, None),
        (None, None),
        ("38098936113x", None),
    ],
)
def test_phone_rule(raw: object, normalized: str | None) -> None:
    assert normalize_phone(raw) == normalized


def test_personal_send(emu: Emulator, post: Post) -> None:
    reply = post("/v2/sms/send", content=(SAMPLES / "personal-request.json").read_bytes()).json()
    check(reply, "SendResponse")
    assert reply == {"success_request": {"info": {"106": "380980000001", "107": "380980000002"}}}
    assert [m.text for m in emu.smsclub.messages.values()] == ["test 1", "test 2"]
    assert emu.requests[-1].operation == "personal"


def test_personal_send_partial_and_validation(emu: Emulator, post: Post) -> None:
    body = {
        "src_addr": SENDER,
        "data_message": [
            {"phone": "380980000001", "message": "ok"},
            {"phone": "123", "message": "bad phone"},
            {"phone": "380980000003", "message": ""},
            {"phone": "0980000004", "message": "national"},
        ],
    }
    reply = post("/v2/sms/send", body).json()
    check(reply, "SendResponse")
    assert reply["success_request"]["info"] == {"106": "380980000001", "107": "380980000004"}
    assert set(reply["success_request"]["add_info"]) == {"123", "380980000003"}
    for bad in ([], "x", [1], [{"phone": "380980000001", "message": "x"}] * 101):
        response = post("/v2/sms/send", {"src_addr": SENDER, "data_message": bad})
        assert response.status_code == 400
        assert set(response.json()["success_request"]["add_info"]) == {"data_message"}
    response = post("/v2/sms/send", {"data_message": []})
    assert set(response.json()["success_request"]["add_info"]) == {"src_addr", "data_message"}


def test_originator(post: Post) -> None:
    reply = post("/sms/originator").json()
    check(reply, "OriginatorResponse")
    assert reply == {"success_request": {"info": ["VashZakaz", "test1", "test2", "smsgate"]}}
    assert post("/sms/originator", token=SECOND).json() == {"success_request": {"info": ["smsgate"]}}


# -- sender-name registration: the endpoints of SMSClub's official PHP examples ----------------------------------

#: The body of smsclub/php json_sms/originator_create.php, byte for byte what it sends (json_encode: ASCII escapes).
OFFICIAL_REGISTRATION = json.dumps(
    {
        "sender_id": "test_an",
        "company_type": "fop",
        "company": "My Company",
        "inn": "1234567",
        "okpo": "",
        "subject": "Информирование постоянных клиентов об акциях, событиях, новых поступлениях, скидках.",
        "description": "Магазин бытовой техники",
        "site": "https://magazin.com",
    }
).encode()


def test_the_official_registration_example_is_answered(emu: Emulator, post: Post) -> None:
    """originator_create.php, then originator_status.php: both answer in the API's envelope (not 404)."""
    response = post("/originators/registration-originators", content=OFFICIAL_REGISTRATION)
    assert response.status_code == 200
    assert response.json() == {"success_request": {"info": {"test_an": "Being moderated"}}}
    response = post("/originators/stat-originators", content=json.dumps({"sender_id": "test_an"}).encode())
    assert (response.status_code, response.json()) == (
        200,
        {"success_request": {"info": {"test_an": "Being moderated"}}},
    )
    assert [r.operation for r in emu.requests.filter("smsclub")] == ["originator_registration", "originator_status"]
    # Under moderation, the name is neither listed nor usable.
    assert "test_an" not in post("/sms/originator").json()["success_request"]["info"]
    assert post("/sms/send", send_body(sender="test_an")).status_code == 400


def test_a_registered_name_is_approved_on_the_emulated_clock(emu: Emulator, post: Post) -> None:
    post("/originators/registration-originators", content=OFFICIAL_REGISTRATION)
    emu.clock.advance(emu.smsclub.MODERATION_AFTER - 1)
    assert post("/originators/stat-originators", {"sender_id": "test_an"}).json()["success_request"]["info"] == {
        "test_an": "Being moderated"
    }
    emu.clock.advance(1)
    assert post("/originators/stat-originators", {"sender_id": "test_an"}).json()["success_request"]["info"] == {
        "test_an": "Approved"
    }
    assert post("/sms/originator").json()["success_request"]["info"][-1] == "test_an"
    assert post("/sms/send", send_body(sender="test_an")).status_code == 200
    # Other accounts never see it.
    assert post("/originators/stat-originators", {"sender_id": "test_an"}, token=SECOND).status_code == 400


def test_status_of_every_name_and_of_unknown_ones(emu: Emulator, post: Post) -> None:
    post("/originators/registration-originators", content=OFFICIAL_REGISTRATION)
    everything = post("/originators/stat-originators").json()["success_request"]["info"]
    assert everything == {
        "VashZakaz": "Approved",
        "test1": "Approved",
        "test2": "Approved",
        "smsgate": "Approved",
        "test_an": "Being moderated",
    }
    assert post("/originators/stat-originators", {"sender_id": "VashZakaz"}).json() == {
        "success_request": {"info": {"VashZakaz": "Approved"}}
    }
    unknown = post("/originators/stat-originators", {"sender_id": "Nobody"})
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"success_request": {"add_info": {"sender_id": "Alpha name not found"}}},
    )


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"sender_id": ""}, {"sender_id"}),
        ({"sender_id": "TwelveChars1"}, {"sender_id"}),
        ({"sender_id": "VashZakaz"}, {"sender_id"}),  # already the account's
        ({"company_type": "llc"}, {"company_type"}),
        ({"company": " "}, {"company"}),
        ({"inn": ""}, {"inn"}),  # a fop names its individual tax number
        ({"company_type": "tov"}, {"okpo"}),  # a company names its EDRPOU code
        ({"inn": "12a"}, {"inn"}),
        ({"subject": "", "description": None}, {"subject", "description"}),
    ],
)
def test_registration_validation(emu: Emulator, post: Post, change: dict[str, object], fields: set[str]) -> None:
    body = {**json.loads(OFFICIAL_REGISTRATION), **change}
    response = post("/originators/registration-originators", body)
    assert response.status_code == 400
    assert set(response.json()["success_request"]["add_info"]) == fields
    assert not emu.smsclub.accounts["main"].registrations


def test_a_company_registers_with_its_okpo_and_twice_is_refused(emu: Emulator, post: Post) -> None:
    body = {**json.loads(OFFICIAL_REGISTRATION), "company_type": "tov", "inn": "", "okpo": "12345678"}
    assert post("/originators/registration-originators", body).status_code == 200
    again = post("/originators/registration-originators", body)
    assert (again.status_code, again.json()) == (
        400,
        {"success_request": {"add_info": {"sender_id": "Alpha name already exists"}}},
    )
    (registration,) = emu.smsclub.accounts["main"].registrations.values()
    assert (registration.sender_id, registration.company_type, registration.okpo) == ("test_an", "tov", "12345678")
    emu.reset()
    assert not emu.smsclub.accounts["main"].registrations


def test_balance(emu: Emulator, post: Post) -> None:
    reply = post("/sms/balance").json()
    check(reply, "BalanceResponse")
    assert reply == json.loads((SAMPLES / "fixed-seed003-balance-response.json").read_text(encoding="utf-8"))
    emu.smsclub.accounts["main"].balance = Decimal("0.5")
    assert post("/sms/balance", {"ignored": True}).json()["success_request"]["info"]["money"] == "0.5000"


def test_documented_balance_reply_is_the_pages_broken_shape(emu: Emulator, post: Post) -> None:
    emu.smsclub.documented_replies = True
    response = post("/sms/balance")
    assert response.status_code == 200
    assert response.content == b'{"success_request": {"info": ["money": "8111.1700", "currency": "UAH"]}}'
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    seed_text = (SAMPLES / "seed003-balance-response-malformed.json").read_text(encoding="utf-8")
    assert "".join(response.text.split()) == "".join(seed_text.split())
    emu.reset()
    assert emu.smsclub.documented_replies is False


def test_charged_per_part(emu: Emulator, post: Post) -> None:
    for text, parts in (("a" * 160, 1), ("a" * 161, 2), ("ж" * 70, 1), ("ж" * 71, 2), ("ж" * 661, 10)):
        emu.reset()
        assert post("/sms/send", send_body(message=text)).status_code == 200
        (message,) = emu.smsclub.messages.values()
        assert (message.parts, message.cost) == (parts, Decimal("0.85") * parts)
        assert emu.smsclub.accounts["main"].balance == Decimal("8111.17") - Decimal("0.85") * parts


def test_insufficient_funds(emu: Emulator, post: Post) -> None:
    response = post("/sms/send", send_body(), token=EMPTY)
    assert response.status_code == 400
    reply = response.json()
    check(reply, "ValidationErrorResponse")
    assert reply == {"success_request": {"add_info": {"balance": "Insufficient funds"}}}
    emu.smsclub.accounts["empty"].balance = Decimal("1.70")
    assert post("/sms/send", send_body(phones=[PHONE, "380501234567"]), token=EMPTY).status_code == 200
    assert emu.smsclub.accounts["empty"].balance == Decimal("0.00")


# -- status on the emulated clock ----------------------------------------------------------------------------------


def test_statuses_move_on_the_clock(emu: Emulator, post: Post) -> None:
    sent = post("/sms/send", send_body(phones=[PHONE, "380501234569"])).json()["success_request"]["info"]
    ok_id, bad_id = sent

    def statuses() -> dict[str, str]:
        reply = post("/sms/status", {"id_sms": [ok_id, bad_id]}).json()
        check(reply, "StatusResponse")
        return dict(reply["success_request"]["info"])

    assert statuses() == {ok_id: "ENROUTE", bad_id: "ENROUTE"}
    emu.clock.advance(29.9)
    assert statuses() == {ok_id: "ENROUTE", bad_id: "ENROUTE"}
    emu.clock.advance(0.1)
    assert statuses() == {ok_id: "DELIVRD", bad_id: "UNDELIV"}
    assert emu.smsclub.messages[int(bad_id)].status is SmsClubStatus.UNDELIV


def test_status_the_pages_example(emu: Emulator, post: Post) -> None:
    post("/sms/send", send_body())
    reply = post("/sms/status", content=(SAMPLES / "fixed-seed003-status-request.json").read_bytes()).json()
    assert reply == json.loads((SAMPLES / "seed003-status-response.json").read_text(encoding="utf-8"))


def test_status_ids_as_integers_and_duplicates(post: Post) -> None:
    post("/sms/send", send_body())
    reply = post("/sms/status", {"id_sms": [106, "106", "0106"]}).json()
    check(reply, "StatusResponse")
    assert reply == {"success_request": {"info": {"106": "ENROUTE"}}}


def test_status_of_unknown_and_foreign_ids(post: Post) -> None:
    post("/sms/send", send_body())
    post("/sms/send", send_body(sender="smsgate"), token=SECOND)  # id 107 belongs to the second account
    response = post("/sms/status", {"id_sms": ["107", "999"]})
    assert response.status_code == 400
    check(response.json(), "ValidationErrorResponse")
    assert response.json() == json.loads((SAMPLES / "error-400-invalid-id-sms.json").read_text(encoding="utf-8"))
    partial = post("/sms/status", {"id_sms": ["106", "107"]})
    assert partial.status_code == 200
    check(partial.json(), "StatusResponse")
    assert partial.json() == {"success_request": {"info": {"106": "ENROUTE"}, "add_info": "Invalid id_sms"}}


@pytest.mark.parametrize(
    "body", [None, {}, {"id_sms": []}, {"id_sms": "106"}, {"id_sms": ["abc"]}, {"id_sms": [True]}, {"id_sms": [-1]}]
)
def test_status_validation(post: Post, body: object) -> None:
    response = post("/sms/status", body)
    assert response.status_code == 400
    check(response.json(), "ValidationErrorResponse")
    assert set(response.json()["success_request"]["add_info"]) == {"id_sms"}


def test_status_limit_of_100_ids(emu: Emulator, post: Post) -> None:
    ids = json.loads((SAMPLES / "status-request-100-ids.json").read_text(encoding="utf-8"))["id_sms"]
    assert post("/sms/status", {"id_sms": ids}).json() == {"success_request": {"add_info": "Invalid id_sms"}}
    assert post("/sms/status", {"id_sms": [*ids, "1100"]}).json()["success_request"]["add_info"].keys() == {"id_sms"}


def test_one_hundred_phones_is_the_maximum(emu: Emulator, post: Post) -> None:
    phones = [f"3805012{i:05d}" for i in range(100)]
    reply = post("/sms/send", send_body(phones=phones)).json()
    check(reply, "SendResponse")
    assert len(reply["success_request"]["info"]) == 100


# -- the duplicate window and the rate limit -------------------------------------------------------------------


def test_duplicate_window_is_two_emulated_minutes(emu: Emulator, post: Post) -> None:
    assert post("/sms/send", send_body()).status_code == 200
    assert post("/sms/send", send_body()).status_code == 453
    assert post("/sms/send", send_body(message="another text")).status_code == 200
    assert post("/sms/send", send_body(phones=["380501234567"])).status_code == 200
    assert post("/sms/send", send_body(phones=["+380989361131"])).status_code == 453  # the same number
    assert post("/sms/send", send_body(sender="smsgate"), token=SECOND).status_code == 200  # another account
    emu.clock.advance(119.999)
    assert post("/sms/send", send_body()).status_code == 453
    emu.clock.advance(0.001)
    assert post("/sms/send", send_body()).status_code == 200
    assert len(emu.smsclub.messages) == 5


def test_duplicate_refuses_the_whole_request(emu: Emulator, post: Post) -> None:
    post("/sms/send", send_body())
    response = post("/sms/send", send_body(phones=["380501234567", PHONE]))
    assert response.status_code == 453
    check(response.json(), "ErrorResponse")
    assert len(emu.smsclub.messages) == 1
    assert post("/sms/send", send_body(phones=["380501234567", "380501234567"])).status_code == 453
    personal = {"src_addr": SENDER, "data_message": [{"phone": PHONE, "message": "test text"}]}
    assert post("/v2/sms/send", personal).status_code == 453


def test_rate_limit_with_retry_after(emu: Emulator, post: Post, fake_clock: FakeMonotonic) -> None:
    for _ in range(9):
        assert post("/sms/balance").status_code == 200
    refused = post("/sms/status", {"id_sms": ["1"]})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    check(refused.json(), "ErrorResponse")
    assert refused.json() == json.loads((SAMPLES / "error-429.json").read_text(encoding="utf-8"))
    assert post("/sms/balance", token=SECOND).status_code == 200  # per token
    fake_clock.now += 0.999
    assert post("/sms/balance").status_code == 429  # refused requests do not fill the window
    fake_clock.now += 0.001
    assert post("/sms/balance").status_code == 200
    assert emu.requests[-2].outcome == "429"


def test_rate_limit_window_slides(post: Post, fake_clock: FakeMonotonic) -> None:
    for _ in range(5):
        assert post("/sms/balance").status_code == 200
    fake_clock.now += 0.5
    for _ in range(4):
        assert post("/sms/balance").status_code == 200
    assert post("/sms/balance").status_code == 429
    fake_clock.now += 0.5  # the first five leave the window
    for _ in range(5):
        assert post("/sms/balance").status_code == 200
    assert post("/sms/balance").status_code == 429


def test_rate_limit_on_the_real_clock_and_switching_it_off(emu: Emulator, post: Post) -> None:
    statuses = [post("/sms/balance").status_code for _ in range(10)]  # ten loopback requests take milliseconds
    assert statuses == [200] * 9 + [429]
    emu.smsclub.rate_limit = 0
    assert all(post("/sms/balance").status_code == 200 for _ in range(20))
    emu.reset()
    assert emu.smsclub.rate_limit == 9


def test_401_is_not_rate_limited(post: Post, fake_clock: FakeMonotonic) -> None:
    for _ in range(20):
        assert post("/sms/balance", token="bad").status_code == 401
    assert post("/sms/balance").status_code == 200


# -- faults ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "sample"),
    [
        ("500", 500, "error-500.json"),
        ("5xx", 503, None),
        ("502", 502, None),
        ("401", 401, "error-401.json"),
        ("453", 453, "error-453.json"),
        ("nonsense", 500, "error-500.json"),
    ],
)
def test_error_code_fault(emu: Emulator, post: Post, code: str, status: int, sample: str | None) -> None:
    emu.faults.inject("smsclub", "error_code", code=code)
    response = post("/sms/balance")
    assert response.status_code == status
    check(response.json(), "ErrorResponse")
    if sample is not None:
        assert response.json() == json.loads((SAMPLES / sample).read_text(encoding="utf-8"))
    assert emu.requests[-1].operation == "balance"
    emu.faults.inject("smsclub", "error_code", code="400")
    check(post("/sms/balance").json(), "ValidationErrorResponse")
    emu.faults.inject("smsclub", "error_code", code="429")
    assert post("/sms/balance").headers["retry-after"] == "1"


def test_timeout_after_handler_still_sends(emu: Emulator, post: Post) -> None:
    emu.faults.inject("smsclub", "timeout", delay=0.05)
    with pytest.raises(httpx.RemoteProtocolError):
        post("/sms/send", send_body())
    assert len(emu.smsclub.messages) == 1
    assert post("/sms/send", send_body()).status_code == 453  # a blind retry is a duplicate


# -- state, secrets, seeds ---------------------------------------------------------------------------------------


def test_default_seed_accounts(emu: Emulator) -> None:
    accounts = emu.smsclub.accounts
    assert balances(emu) == {"main": Decimal("8111.17"), "second": Decimal("100.00"), "empty": Decimal("0.00")}
    assert accounts["main"].originators == ["VashZakaz", "test1", "test2", "smsgate"]
    assert emu.smsclub.account_for_token(TOKEN) is accounts["main"]
    assert emu.smsclub.account_for_token("nope") is None
    assert DEFAULT_SEED["smsclub"]["accounts"][0]["token"] == TOKEN
    assert emu.base_url("smsclub").endswith("/smsclub")


def test_tokens_never_leak(emu: Emulator, client: httpx.Client, post: Post) -> None:
    account = emu.smsclub.add_account("canary", "canary-T0ken", balance="5.00")
    assert "canary-T0ken" not in repr(account)
    assert "canary-T0ken" not in repr(emu.smsclub.accounts)
    assert "canary-T0ken" not in repr(emu.smsclub)
    post("/sms/send", send_body(), token="canary-T0ken")
    post("/sms/balance", token="canary-T0ken")
    for text in (
        client.get(emu.url + "/_emulator/state").text,
        json.dumps(emu.state()),
        client.get(emu.url + "/_emulator/requests").text,
        repr(list(emu.requests)),
    ):
        assert "canary-T0ken" not in text
        assert TOKEN not in text
    assert emu.state()["providers"]["smsclub"]["accounts"][-1]["balance"] == "4.1500"  # type: ignore[index]
    with pytest.raises(ValueError, match="token"):
        emu.smsclub.add_account("other", TOKEN)


def test_state_and_reset(emu: Emulator, post: Post) -> None:
    post("/sms/send", send_body(phones=[PHONE, "380501234569"]))
    emu.clock.advance(30)
    state = emu.smsclub.snapshot()
    assert state["counts"] == {
        "accounts": 3,
        "messages": 2,
        "statuses": {"ENROUTE": 0, "DELIVRD": 1, "EXPIRED": 0, "UNDELIV": 1, "REJECTD": 0},
    }
    emu.reset()
    assert not emu.smsclub.messages
    assert post("/sms/send", send_body()).json()["success_request"]["info"] == {"106": PHONE}


def test_account_objects() -> None:
    account = SmsClubAccount("x", "secret-token")
    assert "secret-token" not in repr(account)
    assert account.balance == Decimal("100.00")


def test_custom_seed() -> None:
    seed = {
        "smsclub": {
            "accounts": [
                {"name": "shop", "token": "t1", "balance": "2", "originators": ["Shop"], "price_per_part": "1"}
            ],
            "first_sms_id": 5000,
            "rate_limit": 0,
            "documented_replies": True,
        }
    }
    with Emulator(seed=seed, clock_speed=0) as emu, loopback_client() as c:
        url, headers = emu.base_url("smsclub"), {"Authorization": "Bearer t1"}
        sent = c.post(url + "/sms/send", json=send_body(sender="Shop"), headers=headers).json()
        assert sent == {"success_request": {"info": {"5000": PHONE}}}
        assert b'"money": "1.0000"' in c.post(url + "/sms/balance", headers=headers).content
        assert emu.smsclub.rate_limit == 0


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"accounts": [{"name": "a"}]}, "token"),
        ({"accounts": [{"token": "t"}]}, "name"),
        ({"accounts": [{"name": "a", "token": "t x"}]}, "token"),
        ({"accounts": [{"name": "a", "token": "t", "colour": "red"}]}, "unknown key"),
        ({"accounts": [{"name": "a", "token": "t", "balance": "lots"}]}, "balance"),
        ({"accounts": [{"name": "a", "token": "t", "currency": "hryvnia"}]}, "currency"),
        ({"accounts": [{"name": "a", "token": "t", "originators": "Shop"}]}, "originators"),
        ({"accounts": [{"name": "a", "token": "t", "undelivered_last_digits": "x"}]}, "undelivered"),
        ({"accounts": [{"name": "a", "token": "t"}, {"name": "a", "token": "u"}]}, "duplicate name"),
        ({"accounts": [{"name": "a", "token": "t"}, {"name": "b", "token": "t"}]}, "duplicate token"),
        ({"first_sms_id": 0}, "first_sms_id"),
        ({"rate_limit": -1}, "rate_limit"),
        ({"documented_replies": "yes"}, "documented_replies"),
        ({"nothing": 1}, "unknown key"),
        ({"accounts": {}}, "list"),
    ],
)
def test_bad_seeds_are_refused(section: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Emulator(seed={"smsclub": section})
