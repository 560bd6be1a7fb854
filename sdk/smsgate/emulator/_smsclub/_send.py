"""The sending operations: ``/sms/send`` (one text to many phones) and ``/v2/sms/send`` (a text per phone),
with the sender check, the per-recipient rejections (partial success), duplicates (453) and charging.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from smsgate._segments import analyze
from smsgate.emulator._server import Reply
from smsgate.emulator._smsclub._replies import flat_reply, json_reply, success, validation_reply
from smsgate.emulator._smsclub._request import (
    BAD_PHONE,
    BAD_SENDER,
    Item,
    Refused,
    json_object,
    normalize_phone,
    phone_key,
    text_problem,
)
from smsgate.emulator._smsclub._state import DUPLICATE_WINDOW, MAX_RECIPIENTS, SmsClubAccount, SmsClubMessage

if TYPE_CHECKING:
    from smsgate.emulator._smsclub._provider import SmsClub

__all__ = ["personal", "send"]


def send(smsclub: SmsClub, account: SmsClubAccount, body: bytes) -> Reply:
    data = json_object(body)
    problems: dict[str, str] = {}
    _check_sender(smsclub, account, data, problems)
    phones = data.get("phone")
    if not isinstance(phones, list) or not phones:
        problems["phone"] = "Phone list is required"
    elif len(phones) > MAX_RECIPIENTS:
        problems["phone"] = f"At most {MAX_RECIPIENTS} phone numbers per request"
    problem = text_problem(data.get("message"))
    if problem is not None:
        problems["message"] = problem
    if "integration_id" in data and not isinstance(data["integration_id"], str | int):
        problems["integration_id"] = "Invalid integration_id"
    if problems:
        raise Refused(validation_reply(problems, "send"))
    assert isinstance(phones, list)
    text = data["message"]
    assert isinstance(text, str)
    rejected: dict[str, str] = {}
    items: list[Item] = []
    for raw in phones:
        phone = normalize_phone(raw)
        if phone is None:
            rejected[phone_key(raw)] = BAD_PHONE
        else:
            items.append(Item(phone, text))
    return _deliver(smsclub, account, str(data["src_addr"]), items, rejected, "send")


def personal(smsclub: SmsClub, account: SmsClubAccount, body: bytes) -> Reply:
    data = json_object(body)
    problems: dict[str, str] = {}
    _check_sender(smsclub, account, data, problems)
    entries = data.get("data_message")
    if not isinstance(entries, list) or not entries:
        problems["data_message"] = "data_message is required"
    elif len(entries) > MAX_RECIPIENTS:
        problems["data_message"] = f"At most {MAX_RECIPIENTS} messages per request"
    elif not all(isinstance(entry, dict) for entry in entries):
        problems["data_message"] = "Each item must be an object with phone and message"
    if problems:
        raise Refused(validation_reply(problems, "personal"))
    assert isinstance(entries, list)
    rejected: dict[str, str] = {}
    items: list[Item] = []
    for entry in entries:
        raw, text = entry.get("phone"), entry.get("message")
        phone = normalize_phone(raw)
        problem = BAD_PHONE if phone is None else text_problem(text)
        if problem is not None or phone is None:
            rejected[phone_key(raw)] = problem or BAD_PHONE
        else:
            assert isinstance(text, str)
            items.append(Item(phone, text))
    return _deliver(smsclub, account, str(data["src_addr"]), items, rejected, "personal")


def _check_sender(smsclub: SmsClub, account: SmsClubAccount, data: dict[str, object], problems: dict[str, str]) -> None:
    sender = data.get("src_addr")
    if not isinstance(sender, str) or not sender:
        problems["src_addr"] = "src_addr is required"
    elif sender not in account.senders_at(smsclub.now()):
        problems["src_addr"] = BAD_SENDER


def _deliver(
    smsclub: SmsClub, account: SmsClubAccount, sender: str, items: list[Item], rejected: dict[str, str], operation: str
) -> Reply:
    if not items:
        return json_reply(200, {"success_request": {"add_info": rejected}}, operation=operation, outcome="200")
    now = smsclub.now()
    window = timedelta(seconds=DUPLICATE_WINDOW)
    seen: set[tuple[str, str]] = set()
    for item in items:
        last = smsclub.last_sent(account.name, item.phone, item.text)
        if (item.phone, item.text) in seen or (last is not None and now - last < window):
            raise Refused(flat_reply(453, operation))
        seen.add((item.phone, item.text))
    analyzed = [analyze(item.text) for item in items]
    total = sum((account.price_per_part * segments.parts for segments in analyzed), Decimal(0))
    if account.balance < total:
        raise Refused(validation_reply({"balance": "Insufficient funds"}, operation))
    info: dict[str, str] = {}
    for item, segments in zip(items, analyzed, strict=True):
        cost = account.price_per_part * segments.parts
        account.balance -= cost
        message = SmsClubMessage(
            id=smsclub.take_message_id(),
            account=account.name,
            sender=sender,
            phone=item.phone,
            text=item.text,
            encoding=segments.encoding,
            parts=segments.parts,
            cost=cost,
            created_at=now,
            delivered=item.phone[-1] not in account.undelivered_last_digits,
            _clock=smsclub.clock,
        )
        smsclub.messages[message.id] = message
        smsclub.remember(account.name, item.phone, item.text, now)
        info[str(message.id)] = item.phone
    return success(operation, info, rejected or None)
