"""Per-provider behaviour of `smsgate send` and `status`: SMSLeads external ids, SMSClub partial sends, SMSC ids."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("typer")

from tests.cli._support import (
    SL_USERNAME,
    TOKEN_CANARY,
    assert_no_secret,
    at,
    env_of,
    run,
)

# --- SMSLeads ------------------------------------------------------------------------------------------


def test_smsleads_send_with_external_ids_then_delivery_reports(emu: Any) -> None:
    sl = at(emu, "smsleads")
    env = env_of("smsleads")
    result = run(
        [
            "send",
            *sl,
            "-t",
            "Hello",
            "-s",
            "DemoAPI",
            "--json",
            "0502345678=order-1",
            "0587654329=order-2",
            "0545555555",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["provider"] == "smsleads"
    shipment = data["shipment_id"]
    assert shipment.isdigit()
    assert data["messages"] == [
        {"recipient": "0502345678", "message_id": shipment, "external_id": "order-1"},
        {"recipient": "0587654329", "message_id": shipment, "external_id": "order-2"},
        {"recipient": "0545555555", "message_id": shipment},
    ]
    assert data["rejected"] == []
    assert emu.smsleads.accounts[SL_USERNAME].credits == 997

    sent = run(["status", *sl, "--json", "order-1", "order-2"], env=env)
    assert sent.exit_code == 0, sent.output
    rows = json.loads(sent.stdout)["statuses"]
    assert [(r["message_id"], r["raw_status"], r["state"], r["final"]) for r in rows] == [
        ("order-1", "-1", "sent", False),
        ("order-2", "-1", "sent", False),
    ]
    assert {r["shipment_id"] for r in rows} == {shipment}

    emu.clock.advance(31)
    dlr_requests = len(emu.requests.filter("smsleads", operation="dlr"))
    final = run(["status", *sl, "--json", "order-1", "order-2", "no-such-id"], env=env)
    assert final.exit_code == 0, final.output
    rows = json.loads(final.stdout)["statuses"]
    assert [(r["status"], r["raw_status"], r["state"], r["final"]) for r in rows] == [
        ("DELIVERED", "102", "delivered", True),
        ("FAILED_101", "101", "undelivered", True),
        (None, "", "unknown", False),
    ]
    assert "no delivery report" in rows[2]["text"]
    assert len(emu.requests.filter("smsleads", operation="dlr")) == dlr_requests + 1  # one request for all ids

    table = run(["status", *sl, "order-1", "order-2"], env=env)
    assert table.exit_code == 0, table.output
    assert "102 DELIVERED" in table.stdout
    assert "undelivered" in table.stdout
    assert shipment in table.stdout


def test_smsleads_send_table_shows_the_external_ids(emu: Any) -> None:
    result = run(
        ["send", *at(emu, "smsleads"), "-t", "Hi", "-s", "DemoAPI", "0502345678=order-9"], env=env_of("smsleads")
    )
    assert result.exit_code == 0, result.output
    assert "external id" in result.stdout
    assert "order-9" in result.stdout
    assert "shipment id: 12345678" in result.stdout


def test_smsleads_validation_error_sends_nothing(emu: Any) -> None:
    result = run(["send", *at(emu, "smsleads"), "-t", "Hi", "-s", "DemoAPI", "+380501234567"], env=env_of("smsleads"))
    assert result.exit_code == 2
    assert "ValidationError" in result.stderr
    assert "Israeli" in result.stderr
    assert not emu.requests.filter("smsleads")


def test_smsleads_provider_error_has_its_code(emu: Any) -> None:
    result = run(
        ["balance", *at(emu, "smsleads"), "--json"],
        env=env_of("smsleads", {"username": SL_USERNAME, "token": TOKEN_CANARY}),
    )
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["provider"], error["code"]) == ("AuthenticationError", "smsleads", "11")
    assert "AuthenticationError" in result.stderr
    assert_no_secret(result.output, result.stderr, secret=TOKEN_CANARY)


# --- SMSClub -------------------------------------------------------------------------------------------


def test_smsclub_send_then_many_statuses_in_one_request(emu: Any) -> None:
    sc = at(emu, "smsclub")
    env = env_of("smsclub")
    result = run(["send", *sc, "-t", "Hello", "-s", "VashZakaz", "--json", "+380501234567", "380671234569"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [m["recipient"] for m in data["messages"]] == ["380501234567", "380671234569"]
    assert data["rejected"] == []
    ids = [m["message_id"] for m in data["messages"]]
    assert ids == ["106", "107"]

    queued = run(["status", *sc, "--json", *ids], env=env)
    assert queued.exit_code == 0, queued.output
    assert [(s["raw_status"], s["state"]) for s in json.loads(queued.stdout)["statuses"]] == [
        ("ENROUTE", "sent"),
        ("ENROUTE", "sent"),
    ]
    assert len(emu.requests.filter("smsclub", operation="status")) == 1

    emu.clock.advance(31)
    final = run(["status", *sc, "--json", *ids], env=env)
    statuses = json.loads(final.stdout)["statuses"]
    assert [(s["message_id"], s["status"], s["state"], s["final"]) for s in statuses] == [
        ("106", "DELIVRD", "delivered", True),
        ("107", "UNDELIV", "undelivered", True),
    ]
    table = run(["status", *sc, *ids], env=env)
    assert "UNDELIV" in table.stdout and "undelivered" in table.stdout


def test_smsclub_partial_send_lists_the_rejected_recipients(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """SMSClub refuses a recipient the SDK accepted (here: the emulator told to refuse one) and sends the others:
    exit 0, the refused one listed with its reason, a warning on stderr."""
    from smsgate.emulator._smsclub import _send as _smsclub  # the module whose sends read normalize_phone

    normalize = _smsclub.normalize_phone  # type: ignore[attr-defined]  # imported there, patched here
    monkeypatch.setattr(
        _smsclub, "normalize_phone", lambda raw: None if str(raw).endswith("380931234567") else normalize(raw)
    )
    sc = at(emu, "smsclub")
    result = run(["send", *sc, "-t", "Hi", "-s", "VashZakaz", "380501234567", "380931234567"], env=env_of("smsclub"))
    assert result.exit_code == 0, result.output
    assert "1 messages accepted" in result.stdout
    assert "1 recipient(s) rejected" in result.stdout
    assert "Incorrect phone number" in result.stdout
    assert "warning: SMSClub rejected 1 of 2 recipients" in result.stderr
    as_json = run(
        ["send", *sc, "-t", "Other", "-s", "VashZakaz", "--json", "380501234567", "380931234567"], env=env_of("smsclub")
    )
    data = json.loads(as_json.stdout)
    assert data["rejected"] == [{"recipient": "380931234567", "reason": "Incorrect phone number"}]
    assert len(data["messages"]) == 1


def test_smsclub_duplicate_is_a_typed_error(emu: Any) -> None:
    args = ["send", *at(emu, "smsclub"), "-t", "Same", "-s", "VashZakaz", "380501234567"]
    assert run(args, env=env_of("smsclub")).exit_code == 0
    again = run(args, env=env_of("smsclub"))
    assert again.exit_code == 1
    assert "453" in again.stderr and "DuplicateError" in again.stderr
    assert again.stderr.count("\n") == 1


# --- SMSC ----------------------------------------------------------------------------------------------


def test_smsc_send_with_a_client_id_then_status_per_phone(emu: Any) -> None:
    smsc = at(emu, "smsc")
    env = env_of("smsc")
    result = run(
        ["send", *smsc, "-t", "Hello", "--client-id", "order-7", "--json", "+79991234567", "79031234569"], env=env
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["message_id"] == "order-7"
    assert (data["parts"], data["cost"], data["balance"]) == (2, "3.36", "996.64")
    assert data["messages"] == [
        {"recipient": "79991234567", "message_id": "order-7"},
        {"recipient": "79031234569", "message_id": "order-7"},
    ]

    queued = run(["status", *smsc, "--json", "order-7:79991234567", "order-7:+79031234569"], env=env)
    assert queued.exit_code == 0, queued.output
    assert [(s["status"], s["state"]) for s in json.loads(queued.stdout)["statuses"]] == [
        ("WAITING", "queued"),
        ("WAITING", "queued"),
    ]
    emu.clock.advance(31)
    final = run(["status", *smsc, "--json", "order-7:79991234567", "order-7:79031234569"], env=env)
    statuses = json.loads(final.stdout)["statuses"]
    assert [(s["phone"], s["status"], s["state"], s["final"]) for s in statuses] == [
        ("79991234567", "DELIVERED", "delivered", True),
        ("79031234569", "UNDELIVERABLE", "undelivered", True),
    ]
    assert statuses[0]["error"] is None
    assert statuses[1]["error"].startswith("1 ")

    by_option = run(["status", *smsc, "--json", "order-7", "--phone", "+79991234567"], env=env)
    assert json.loads(by_option.stdout)["statuses"][0]["state"] == "delivered"
    table = run(["status", *smsc, "order-7:79991234567", "order-7:79031234569"], env=env)
    assert table.exit_code == 0, table.output
    assert "phone" in table.stdout
    assert "20 UNDELIVERABLE" in table.stdout
    assert "Subscriber absent" in table.stdout


def test_smsc_send_table_shows_cost_and_balance(emu: Any) -> None:
    result = run(["send", *at(emu, "smsc"), "-t", "Hi", "-s", "smsgate", "79991234567"], env=env_of("smsc"))
    assert result.exit_code == 0, result.output
    assert "cost: 1.68" in result.stdout
    assert "balance: 998.32" in result.stdout


@pytest.mark.parametrize("ids", [["7"], ["7:"], [":79991234567"]])
def test_smsc_status_needs_a_phone_per_id(emu: Any, ids: list[str]) -> None:
    result = run(["status", *at(emu, "smsc"), *ids], env=env_of("smsc"))
    assert result.exit_code == 2
    assert "ID:PHONE" in result.stderr
    assert not emu.requests.filter("smsc")


def test_smsc_provider_error_has_its_code(emu: Any) -> None:
    result = run(["send", *at(emu, "smsc"), "-t", "Hi", "--json", "+883123456789"], env=env_of("smsc"))
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["code"], error["category"]) == ("InvalidRecipientError", "send.8", "invalid_recipient")


def test_smsc_validation_error_sends_nothing(emu: Any) -> None:
    result = run(["send", *at(emu, "smsc"), "-t", "Hi", "--client-id", "not valid!", "79991234567"], env=env_of("smsc"))
    assert result.exit_code == 2
    assert "nothing was sent" in result.stderr
    assert not emu.requests.filter("smsc")
