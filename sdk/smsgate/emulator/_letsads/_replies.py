"""LetsAds' replies: ``<?xml …?><response><name>…</name><description>…</description>…</response>``, HTTP 200
whatever happened. A fix to a reply's shape is made here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from lxml import etree

from smsgate.emulator._letsads._state import LetsAdsStatus
from smsgate.emulator._seedutil import format_money
from smsgate.emulator._server import Reply

__all__ = ["CONTENT_TYPE", "balance_reply", "error_reply", "not_found", "send_reply", "status_reply", "xml"]

XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CONTENT_TYPE: Final = (("Content-Type", "application/xml; charset=utf-8"),)


def xml(*fields: tuple[str, str]) -> bytes:
    root = etree.Element("response")
    for tag, text in fields:
        etree.SubElement(root, tag).text = text
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


def error_reply(code: str, operation: str | None = None) -> Reply:
    """``<name>Error</name><description>{code}</description>``."""
    return Reply(200, CONTENT_TYPE, xml(("name", "Error"), ("description", code)), operation=operation, outcome=code)


def send_reply(ids: Sequence[str]) -> Reply:
    """``Complete``, ``N messages put into queue`` and one ``sms_id`` per recipient, in order."""
    fields = [("name", "Complete"), ("description", f"{len(ids)} messages put into queue")]
    fields += [("sms_id", sms_id) for sms_id in ids]
    return Reply(200, CONTENT_TYPE, xml(*fields), operation="send", outcome="Complete")


def status_reply(status: LetsAdsStatus, *, leading_space: bool) -> Reply:
    """``<name> Status</name>`` (with the page's leading space when `leading_space`) and the status."""
    name = " Status" if leading_space else "Status"
    body = xml(("name", name), ("description", status.value))
    return Reply(200, CONTENT_TYPE, body, operation="status", outcome=status.value)


def balance_reply(balance: Decimal, currency: str) -> Reply:
    """``Balance``, the amount with two decimals and the currency."""
    body = xml(("name", "Balance"), ("description", format_money(balance)), ("currency", currency))
    return Reply(200, CONTENT_TYPE, body, operation="balance", outcome="Balance")


def not_found() -> Reply:
    """Any path other than the root of the prefix."""
    return Reply(404, (("Content-Type", "text/html; charset=utf-8"),), b"<h1>Not Found</h1>")
