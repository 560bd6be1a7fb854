"""``verify_phone``: one line per phone, a link for a mobile, a number to call for a landline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from smsgate.emulator._smsleads._codes import Refused, SmsLeadsCode
from smsgate.emulator._smsleads._replies import Answer
from smsgate.emulator._smsleads._request import children_of, text_of
from smsgate.emulator._smsleads._state import VERIFICATION_NUMBER, SmsLeadsAccount
from smsgate.emulator._smsleads._values import is_israeli_landline, normalize_mobile

if TYPE_CHECKING:
    from smsgate.emulator._smsleads._provider import SmsLeads

__all__ = ["verify_phone"]


def verify_phone(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    lines: list[str] = []
    for element in children_of(root, "phone"):
        phone = text_of(element)
        if normalize_mobile(phone) is not None:
            lines.append(f"verification link will be send to {phone}")
        elif is_israeli_landline(phone):
            lines.append(f"in order to complete the verification of {phone} call to {VERIFICATION_NUMBER}")
        else:
            continue
        account.verifications.append(phone)
    if not lines:
        raise Refused(SmsLeadsCode.NO_PHONES_TO_VERIFY)
    return Answer(message="\n" + "\n".join(lines) + "\n")
