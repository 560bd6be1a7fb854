"""The README's SMSClub section says what a user gets (issue 13 item 9): each behaviour is shown through a
client against the emulator (a real loopback socket), then the README's sentence about it is checked.

- A status text outside the documented ones: ``status=None``, state ``unknown``, the text in ``raw_status``
  (not ``ResponseFormatError``).
- A refusal in ``success_request.add_info``: ``.description`` is the errors.toml row's text, SMSClub's own
  reasons are in ``.provider_message``; the same for the flat ``{"status", "message"}`` body.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

import smsgate
from smsgate import DeliveryState

from .conftest import ROOT, load_errors

TOKEN = "smsclub-test-token"
ERRORS = load_errors("smsclub")


def smsclub_section() -> str:
    """The SMSClub page of the documentation (it was the README's SMSClub section), without its headings."""
    text = (ROOT / "docs" / "providers" / "smsclub.md").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def sentence_with(section: str, words: str) -> str:
    """The table row, or else the sentence, of the section holding `words`."""
    rows = [line for line in section.splitlines() if line.startswith("|") and words in line]
    if rows:
        return rows[0]
    flat = " ".join(line for line in section.splitlines() if not line.startswith("|"))
    found = [part for part in re.split(r"(?<=[.)])\s+(?=[A-Z`])", " ".join(flat.split())) if words in part]
    assert found, f"the README's SMSClub section no longer says {words!r}"
    return found[0]


def client(emulator: Any) -> smsgate.SmsClub:
    return smsgate.SmsClub(token=TOKEN, base_url=emulator.base_url("smsclub"), max_retries=0)


def test_an_undocumented_status_is_unknown_with_its_text(smsgate_emulator: Any) -> None:
    body = json.dumps({"success_request": {"info": {"101": "PENDING"}}})
    smsgate_emulator.faults.inject("smsclub", "malformed", body=body, status=200)
    with client(smsgate_emulator) as sms:
        (status,) = sms.status(["101"])
    assert (status.status, status.state, status.raw_status) == (None, DeliveryState.UNKNOWN, "PENDING")

    said = sentence_with(smsclub_section(), "outside these eleven")
    assert "`status=None`" in said and "`unknown`" in said and "`.raw_status`" in said, said
    assert "text at all" in said, said  # ResponseFormatError only for a status that is not text


def test_add_info_reasons_are_the_provider_message(smsgate_emulator: Any) -> None:
    with client(smsgate_emulator) as sms, pytest.raises(smsgate.InvalidSenderError) as info:
        sms.send(["380501234567"], "Hello", sender="NoSuchName")
    err = info.value
    assert err.code == "add_info.src_addr"
    assert err.description == ERRORS["add_info"]["src_addr"]["description"]
    assert err.provider_message is not None and err.provider_message.startswith("src_addr: ")

    row = sentence_with(smsclub_section(), "`add_info.src_addr`")
    assert "reason" in row and "in `.provider_message`" in row, row
    assert "reason in `.description`" not in row, row


def test_a_flat_error_message_is_the_provider_message(smsgate_emulator: Any) -> None:
    body = json.dumps(
        {"name": "Unauthorized", "message": "Your request was made with invalid credentials.", "status": 401}
    )
    smsgate_emulator.faults.inject("smsclub", "malformed", body=body, status=200)
    with client(smsgate_emulator) as sms, pytest.raises(smsgate.AuthenticationError) as info:
        sms.balance()
    assert info.value.provider_message == "Your request was made with invalid credentials."
    assert info.value.description == ERRORS["codes"]["401"]["description"]

    said = sentence_with(smsclub_section(), "The flat `{")
    assert "`message` becomes `.provider_message`" in said, said


def test_a_name_registered_at_the_emulator_becomes_a_sender_of_the_sdk(smsgate_emulator: Any) -> None:
    """The README: the emulator answers the registration endpoints; an hour later the name is a sender."""
    url = smsgate_emulator.base_url("smsclub") + "/originators/registration-originators"
    body = {
        "sender_id": "Shop",
        "company_type": "tov",
        "company": "Shop LLC",
        "okpo": "12345678",
        "subject": "Orders",
        "description": "A shop",
        "site": "https://shop.example",
    }
    reply = httpx.post(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.json() == {"success_request": {"info": {"Shop": "Being moderated"}}}
    with client(smsgate_emulator) as sms:
        assert "Shop" not in sms.senders()
        smsgate_emulator.clock.advance(3600)
        assert sms.senders()[-1] == "Shop"
        assert len(sms.send(["380501234567"], "Hello", sender="Shop").messages) == 1
    said = sentence_with(smsclub_section(), "Sender-name registration")
    assert "not part of the SDK" in said, said
