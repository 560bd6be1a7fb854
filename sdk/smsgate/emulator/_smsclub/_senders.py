"""Sender names (alpha names): ``/sms/originator`` (the names the account may send from) and the two endpoints
of SMSClub's official PHP examples, ``/originators/registration-originators`` and ``/originators/stat-originators``
(presumed replies in the API's envelope; see the package docstring).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate.emulator._server import Reply
from smsgate.emulator._smsclub._replies import success, validation_reply
from smsgate.emulator._smsclub._request import DIGITS, SENDER_ID, Refused, json_object
from smsgate.emulator._smsclub._state import APPROVED, MODERATED, SmsClubAccount, SmsClubRegistration

if TYPE_CHECKING:
    from smsgate.emulator._smsclub._provider import SmsClub

__all__ = ["originator_status", "originators", "register_originator"]


def originators(smsclub: SmsClub, account: SmsClubAccount, body: bytes) -> Reply:
    """The seeded names, then the approved registrations (a body is ignored)."""
    return success("originator", account.senders_at(smsclub.now()))


def register_originator(smsclub: SmsClub, account: SmsClubAccount, body: bytes) -> Reply:
    data = json_object(body)
    problems: dict[str, str] = {}
    sender_id = data.get("sender_id")
    if not isinstance(sender_id, str) or not SENDER_ID.fullmatch(sender_id):
        problems["sender_id"] = "The alpha name must be 1..11 Latin letters, digits, spaces, '.', '_' or '-'"
    elif sender_id in account.originators or sender_id in account.registrations:
        problems["sender_id"] = "Alpha name already exists"
    company_type = data.get("company_type")
    if company_type not in ("fop", "tov"):
        problems["company_type"] = "company_type must be fop or tov"
    number_field = {"fop": "inn", "tov": "okpo"}.get(str(company_type))
    if number_field is not None:
        number = data.get(number_field)
        if not isinstance(number, str | int) or isinstance(number, bool) or not DIGITS.fullmatch(str(number)):
            problems[number_field] = f"{number_field} is required (digits)"
    for name in ("company", "subject", "description"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            problems[name] = f"{name} is required"
    if not isinstance(data.get("site", ""), str):
        problems["site"] = "site must be a string"
    if problems:
        raise Refused(validation_reply(problems, "originator_registration"))
    assert isinstance(sender_id, str)
    assert isinstance(company_type, str)
    registration = SmsClubRegistration(
        sender_id=sender_id,
        company_type=company_type,
        company=str(data["company"]),
        inn=str(data.get("inn", "")),
        okpo=str(data.get("okpo", "")),
        subject=str(data["subject"]),
        description=str(data["description"]),
        site=str(data.get("site", "")),
        requested_at=smsclub.now(),
    )
    account.registrations[sender_id] = registration
    return success("originator_registration", {sender_id: MODERATED})


def originator_status(smsclub: SmsClub, account: SmsClubAccount, body: bytes) -> Reply:
    now = smsclub.now()
    states = {name: APPROVED for name in account.originators}
    for name, registration in account.registrations.items():
        states.setdefault(name, APPROVED if registration.approved_at(now) else MODERATED)
    data = json_object(body)
    if "sender_id" in data:
        sender_id = data["sender_id"]
        if not isinstance(sender_id, str) or sender_id not in states:
            raise Refused(validation_reply({"sender_id": "Alpha name not found"}, "originator_status"))
        states = {sender_id: states[sender_id]}
    return success("originator_status", states)
