"""Reading an SMSLeads request: its XML body (the root names the command), its elements and values, and
the checks several commands share (sources, date ranges).

A handler refuses a request by raising `Refused` (``_codes``) with the result code; the provider writes it
as the command's reply (``_replies``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from smsgate._xml import UnsafeXMLError, XMLSyntaxError, parse_untrusted
from smsgate.emulator._smsleads._codes import COMMANDS, Refused, SmsLeadsCode, missing_field
from smsgate.emulator._smsleads._state import MAX_REPORT_LOOKBACK, MAX_REPORT_RANGE
from smsgate.emulator._smsleads._values import SOURCE, parse_time

__all__ = [
    "check_source",
    "child_of",
    "children_of",
    "command_of",
    "date_range",
    "parse_body",
    "report_range",
    "required_child",
    "text_of",
]


def children_of(parent: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in parent if child.tag == tag]


def child_of(parent: etree._Element, tag: str) -> etree._Element | None:
    return next((child for child in parent if child.tag == tag), None)


def required_child(parent: etree._Element, tag: str) -> etree._Element:
    element = child_of(parent, tag)
    if element is None:
        raise missing_field(tag)
    return element


def text_of(element: etree._Element | None) -> str:
    """A value element's text without surrounding whitespace ('' when absent)."""
    return "" if element is None else (element.text or "").strip()


def parse_body(body: bytes) -> etree._Element | None:
    data = body.lstrip()  # the page's PHP example #1 sends a newline before <?xml
    if not data:
        return None
    try:
        return parse_untrusted(data)
    except (XMLSyntaxError, UnsafeXMLError, ValueError):
        return None


def command_of(root: etree._Element | None) -> str | None:
    return root.tag if root is not None and root.tag in COMMANDS else None


def check_source(source: str) -> None:
    """``992`` unless 1..11 digits or English letters."""
    if not SOURCE.fullmatch(source):
        raise Refused(SmsLeadsCode.BAD_SOURCE)


def date_range(root: etree._Element) -> tuple[datetime, datetime]:
    """``from``/``to`` as [start, end): `to` includes its whole minute."""
    start, end = parse_time(text_of(required_child(root, "from"))), parse_time(text_of(required_child(root, "to")))
    if start is None or end is None or start > end:
        raise Refused(SmsLeadsCode.UNKNOWN_REQUEST_ERROR)
    return start, end + timedelta(minutes=1)


def report_range(root: etree._Element, now: datetime) -> tuple[datetime, datetime]:
    """`date_range` of a report (``dlr``, ``dlrByDate``, ``incoming``): ``998`` when ``to`` is more than a week
    after ``from``, or ``from`` more than a year before now (to the minute)."""
    start, end = date_range(root)
    this_minute = now.replace(second=0, microsecond=0)
    if end - timedelta(minutes=1) - start > MAX_REPORT_RANGE or start < this_minute - MAX_REPORT_LOOKBACK:
        raise Refused(SmsLeadsCode.UNKNOWN_REQUEST_ERROR)
    return start, end
