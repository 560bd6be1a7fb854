"""The sending commands: ``sms``, ``bulk`` and ``cancel`` (a scheduled campaign), and the charging of a
shipment (per SMS part per recipient, blacklisted recipients skipped).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from lxml import etree

from smsgate._segments import analyze
from smsgate.emulator._smsleads._codes import Refused, SmsLeadsCode, missing_field
from smsgate.emulator._smsleads._replies import Answer, node
from smsgate.emulator._smsleads._request import check_source, child_of, children_of, required_child, text_of
from smsgate.emulator._smsleads._state import (
    MAX_MESSAGE_CHARACTERS,
    SmsLeadsAccount,
    SmsLeadsMessage,
    SmsLeadsShipment,
)
from smsgate.emulator._smsleads._values import DIGITS, DYNAMIC, normalize_mobile, parse_time

if TYPE_CHECKING:
    from smsgate.emulator._smsleads._provider import SmsLeads

__all__ = ["bulk", "cancel", "sms"]

_UNSUBSCRIBE_BY_REPLY: Final = "\nלהסרה השב הסר"
_UNSUBSCRIBE_BY_LINK: Final = "\nלהסרה: https://smsleads.co.il/u/{shipment_id}"


@dataclass(frozen=True)
class _Target:
    phone: str
    external_id: str | None
    fields: tuple[str, ...] | None  # the contact's df1..df6, for add_dynamic


@dataclass(frozen=True)
class _Group:
    source: str
    text: str
    targets: list[_Target]


def _check_text(text: str) -> None:
    if not text.strip() or len(text) > MAX_MESSAGE_CHARACTERS:
        raise Refused(SmsLeadsCode.BAD_MESSAGE_LENGTH)


def _unsubscribe(root: etree._Element) -> str:
    element = child_of(root, "add_unsubscribe")
    if element is None:
        return "0"
    value = text_of(element)
    if value not in ("0", "2", "3"):
        raise Refused(SmsLeadsCode.BAD_UNSUBSCRIBE)
    return value


def _timing(root: etree._Element, now: datetime) -> tuple[datetime, bool]:
    element = child_of(root, "timing")
    if element is None:
        return now, False
    moment = parse_time(text_of(element))
    if moment is None:
        raise Refused(SmsLeadsCode.UNKNOWN_REQUEST_ERROR)
    return (moment, True) if moment > now else (now, False)


def _targets(destinations: etree._Element) -> list[_Target]:
    targets: list[_Target] = []
    for element in children_of(destinations, "phone"):
        phone = normalize_mobile(text_of(element))
        if phone is None:
            raise Refused(SmsLeadsCode.BAD_LENGTH)
        external_id = (element.get("id") or "").strip() or None
        targets.append(_Target(phone, external_id, None))
    return targets


def sms(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    if not account.send_allowed:
        raise Refused(SmsLeadsCode.NO_PERMISSION_NOW)
    if len(children_of(root, "message")) > 1 or child_of(root, "messages") is not None:
        raise Refused(SmsLeadsCode.USE_BULK)
    source_element = required_child(root, "source")
    destinations = required_child(root, "destinations")
    text = required_child(root, "message").text or ""
    source = text_of(source_element)
    check_source(source)
    _check_text(text)
    unsubscribe = _unsubscribe(root)
    send_at, scheduled = _timing(root, smsleads.now())
    dynamic = text_of(child_of(root, "add_dynamic")) == "1"
    response = text_of(child_of(root, "response")) == "1"
    phones = children_of(destinations, "phone")
    list_ids = [text_of(element) for element in children_of(destinations, "cl_id")]
    if dynamic and (phones or len(list_ids) != 1):
        raise Refused(SmsLeadsCode.USE_BULK)
    if not phones and not list_ids:
        raise Refused(SmsLeadsCode.BAD_LENGTH)
    targets = _targets(destinations)
    for raw_id in list_ids:
        cl = smsleads.own_list(account, raw_id)
        if cl is None:
            raise Refused(SmsLeadsCode.NO_CONTACT_LIST)
        targets.extend(_Target(c.phone, None, c.fields if dynamic else None) for c in cl.contacts)
    if not targets:
        raise Refused(SmsLeadsCode.BAD_LENGTH)
    tag = text_of(child_of(root, "tag"))
    groups = [_Group(source, text, targets)]
    shipment = _submit(smsleads, account, "sms", groups, send_at, scheduled, unsubscribe, response, tag)
    return Answer(message="SMS will be sent", body=[node("shipment_id", str(shipment.id))])


def bulk(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    if not account.send_allowed:
        raise Refused(SmsLeadsCode.NO_PERMISSION_NOW)
    items = children_of(required_child(root, "messages"), "sms")
    if not items:
        raise missing_field("sms")
    raw: list[tuple[str, etree._Element, str]] = []
    for item in items:
        source = text_of(required_child(item, "source"))
        destinations = required_child(item, "destinations")
        raw.append((source, destinations, required_child(item, "message").text or ""))
    unsubscribe = _unsubscribe(root)
    send_at, scheduled = _timing(root, smsleads.now())
    response = text_of(child_of(root, "response")) == "1"
    groups: list[_Group] = []
    for source, destinations, text in raw:
        check_source(source)
        _check_text(text)
        targets = _targets(destinations)
        if not targets:
            raise Refused(SmsLeadsCode.BAD_LENGTH)
        groups.append(_Group(source, text, targets))
    shipment = _submit(smsleads, account, "bulk", groups, send_at, scheduled, unsubscribe, response, "")
    return Answer(
        message="SMS bulk will be sent",
        head=[node("add_unsubscribe", unsubscribe)],
        body=[node("shipment_id", str(shipment.id))],
    )


def _submit(
    smsleads: SmsLeads,
    account: SmsLeadsAccount,
    command: str,
    groups: Sequence[_Group],
    send_at: datetime,
    scheduled: bool,
    unsubscribe: str,
    response: bool,
    tag: str,
) -> SmsLeadsShipment:
    """Checks 8 and 4, then charge and record the shipment."""
    shipment_id = smsleads.next_shipment_id()
    reply_number = random.Random(shipment_id).choice(smsleads.reply_numbers) if response else None
    messages: list[SmsLeadsMessage] = []
    for group in groups:
        for target in group.targets:
            if target.phone in account.blacklist:
                continue
            text = _compose(group.text, target.fields, tag, unsubscribe, shipment_id)
            segments = analyze(text)
            messages.append(
                SmsLeadsMessage(
                    shipment_id=shipment_id,
                    username=account.username,
                    source=reply_number or group.source,
                    phone=target.phone,
                    external_id=target.external_id,
                    text=text,
                    encoding=segments.encoding,
                    parts=segments.parts,
                    send_at=send_at,
                    delivered=target.phone[-1] not in account.undelivered_last_digits,
                )
            )
    if not messages:
        raise Refused(SmsLeadsCode.ALL_BLACKLISTED)
    cost = sum(message.parts for message in messages)
    if cost > account.credits:
        raise Refused(SmsLeadsCode.NOT_ENOUGH_CREDIT)
    account.credits -= cost
    shipment = SmsLeadsShipment(
        id=shipment_id,
        username=account.username,
        command=command,
        created_at=smsleads.now(),
        send_at=send_at,
        scheduled=scheduled,
        cost=cost,
        add_unsubscribe=unsubscribe,
        response=response,
        messages=messages,
    )
    smsleads.add_shipment(shipment)
    return shipment


def _compose(text: str, fields: tuple[str, ...] | None, tag: str, unsubscribe: str, shipment_id: int) -> str:
    if fields is not None:
        text = DYNAMIC.sub(lambda match: fields[int(match.group(1)) - 1], text)
    if tag:
        text = f"<{tag}>{text}"
    if unsubscribe == "2":
        text += _UNSUBSCRIBE_BY_REPLY
    elif unsubscribe == "3":
        text += _UNSUBSCRIBE_BY_LINK.format(shipment_id=shipment_id)
    return text


def cancel(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    raw_id = text_of(required_child(root, "campaign_id"))
    shipment = smsleads.shipments.get(int(raw_id)) if DIGITS.fullmatch(raw_id) and len(raw_id) <= 18 else None
    if shipment is None or shipment.username != account.username:
        raise Refused(SmsLeadsCode.CAMPAIGN_NOT_FOUND)
    now = smsleads.now()
    state = shipment.state_at(now)
    if state == "cancelled":
        raise Refused(SmsLeadsCode.CAMPAIGN_CANCELLED)
    if state == "sent":
        raise Refused(SmsLeadsCode.CAMPAIGN_SENT)
    shipment.cancelled_at = now
    for message in shipment.messages:
        message.cancelled = True
    account.credits += shipment.cost
    return Answer(message="Campaign successfuly cancel")
