"""The reporting commands: ``balance``, delivery reports (``dlr``, ``dlrByDate``), ``incoming`` and the
blacklist (``blacklist``, ``rmNumBL``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from smsgate.emulator._smsleads._codes import Refused, SmsLeadsCode, missing_field
from smsgate.emulator._smsleads._replies import Answer, blacklist_rows, incoming_rows, node, transaction_row
from smsgate.emulator._smsleads._request import children_of, date_range, report_range, required_child, text_of
from smsgate.emulator._smsleads._state import MAX_DLR_RECORDS, SmsLeadsAccount
from smsgate.emulator._smsleads._values import normalize_mobile

if TYPE_CHECKING:
    from smsgate.emulator._smsleads._provider import SmsLeads

__all__ = ["balance", "blacklist", "dlr", "dlr_by_date", "incoming", "rm_num_bl"]


def balance(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    credits = str(account.credits)
    return Answer(message=f"Your balance is:{credits}", body=[node("balance", credits)])


def _transactions(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element, ids: set[str] | None) -> Answer:
    now = smsleads.now()
    start, end = report_range(root, now)
    rows: list[etree._Element] = []
    for shipment in smsleads.shipments.values():
        if shipment.username != account.username or not start <= shipment.send_at < end:
            continue
        for message in shipment.messages:
            status = message.status_at(now)
            date = message.status_date_at(now)
            if message.external_id is None or status is None or date is None:
                continue
            if ids is not None and message.external_id not in ids:
                continue
            rows.append(transaction_row(message, status, date))
            if len(rows) == MAX_DLR_RECORDS:
                return Answer(body=[node("transactions", children=rows)])
    return Answer(body=[node("transactions", children=rows)])


def dlr(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    ids = {text_of(element) for element in children_of(required_child(root, "transactions"), "external_id")}
    ids.discard("")
    if not ids:
        raise missing_field("external_id")
    return _transactions(smsleads, account, root, ids)


def dlr_by_date(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    required_child(required_child(root, "transactions"), "external_id")  # the page's literal "null"
    return _transactions(smsleads, account, root, None)


def incoming(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    start, end = report_range(root, smsleads.now())
    entries = sorted((e for e in account.incoming if start <= e.date < end), key=lambda e: e.date, reverse=True)
    rows = incoming_rows(entries)
    return Answer(body=[node("transactions", children=rows)])


def blacklist(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    start, end = date_range(root)
    entries = sorted(
        ((phone, date) for phone, date in account.blacklist.items() if start <= date < end),
        key=lambda entry: entry[1],
        reverse=True,
    )
    rows = blacklist_rows(entries)
    return Answer(body=[node("transactions", children=rows)])


def rm_num_bl(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    phones_element = required_child(root, "phones")
    reason = text_of(required_child(root, "reason"))
    phones = [normalize_mobile(text_of(element)) for element in children_of(phones_element, "phone")]
    if not phones or not reason or None in phones:
        raise Refused(SmsLeadsCode.BAD_PHONES_OR_REASON)
    removed = 0
    for phone in phones:
        if phone is not None and account.blacklist.pop(phone, None) is not None:
            removed += 1
    kept = len(phones) - removed
    message = f"{removed} phone numbers Successfully deleted , {kept} Phone numbers not exist in blacklist"
    return Answer(SmsLeadsCode.NOT_IN_BLACKLIST.value, message)
