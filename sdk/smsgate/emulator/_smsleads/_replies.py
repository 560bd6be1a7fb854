"""SMSLeads' replies: the envelope (``<?xml …?>``, the command's root, ``status``, ``message``, one element
per line as on the page), the rows of each listing reply, and the page's reply defects that
``documented_replies`` applies. A fix to a reply's shape is made here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from lxml import etree

from smsgate.emulator._server import Reply
from smsgate.emulator._smsleads._codes import DLR_STATES, STATE_TEXTS, SmsLeadsCode
from smsgate.emulator._smsleads._state import SmsLeadsContactList, SmsLeadsIncoming, SmsLeadsMessage
from smsgate.emulator._smsleads._values import format_time

__all__ = [
    "DOCUMENTED_DEFECTS",
    "Answer",
    "SmsLeadsDefect",
    "apply_defect",
    "balance_rows",
    "blacklist_rows",
    "contact_list_rows",
    "error_list",
    "incoming_rows",
    "node",
    "not_found",
    "render",
    "reply",
    "transaction_row",
]

_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_DECLARATION_LOWER: Final = b'<?xml version="1.0" encoding="utf-8"?>\n'
_CONTENT_TYPE: Final = (("Content-Type", "application/xml; charset=utf-8"),)


class SmsLeadsDefect(StrEnum):
    """The page's reply defects, named as in ``schemas/smsleads/samples/README.md``."""

    UNCLOSED_SHIPMENT_ID = "unclosed-shipment-id"
    ROOTLESS_REPLY = "rootless-reply"
    BULK_REPLY_ROOT_SMS = "bulk-reply-root-sms"
    VERIFY_MESSAGE_FIELD = "verify-message-field"
    WHITESPACE_IN_VALUES = "whitespace-in-values"


#: The defects of the page's reply of each command, applied in order when ``documented_replies`` is on.
DOCUMENTED_DEFECTS: Final[Mapping[str, tuple[SmsLeadsDefect, ...]]] = {
    "sms": (SmsLeadsDefect.UNCLOSED_SHIPMENT_ID,),
    "bulk": (SmsLeadsDefect.BULK_REPLY_ROOT_SMS, SmsLeadsDefect.UNCLOSED_SHIPMENT_ID),
    "dlr": (SmsLeadsDefect.UNCLOSED_SHIPMENT_ID, SmsLeadsDefect.WHITESPACE_IN_VALUES),
    "dlrByDate": (SmsLeadsDefect.UNCLOSED_SHIPMENT_ID, SmsLeadsDefect.WHITESPACE_IN_VALUES),
    "rmNumBL": (SmsLeadsDefect.ROOTLESS_REPLY,),
    "getBlanceSubs": (SmsLeadsDefect.WHITESPACE_IN_VALUES,),
    "verify_phone": (SmsLeadsDefect.VERIFY_MESSAGE_FIELD,),
}


def node(tag: str, text: str | None = None, children: Iterable[etree._Element] = ()) -> etree._Element:
    """An element with its text and children."""
    element = etree.Element(tag)
    if text is not None:
        element.text = text
    element.extend(children)
    return element


@dataclass
class Answer:
    """What a handler answers: ``status`` and ``message``, elements before them (`head`) and after (`body`)."""

    status: str = SmsLeadsCode.OK.value
    message: str = ""
    head: list[etree._Element] = field(default_factory=list)
    body: list[etree._Element] = field(default_factory=list)


# -- the envelope ----------------------------------------------------------------------------------------------


def page_layout(element: etree._Element) -> None:
    """One element per line, as on the page."""
    if len(element):
        if not (element.text or "").strip():
            element.text = "\n"
        for child in element:
            page_layout(child)
            child.tail = "\n"


def render(command: str, answer: Answer, *, documented: bool) -> bytes:
    """The reply body of `command`; `documented`: with the page's defects of this command."""
    root = node(command)
    root.extend(answer.head)
    root.append(node("status", answer.status))
    root.append(node("message", answer.message))
    root.extend(answer.body)
    page_layout(root)
    declaration = _DECLARATION
    if documented and command == "verify_phone":
        declaration = _DECLARATION_LOWER  # as on the page; legal (encoding names are case-insensitive)
    body = declaration + etree.tostring(root, encoding="UTF-8") + b"\n"
    if documented:
        for defect in DOCUMENTED_DEFECTS.get(command, ()):
            body = apply_defect(defect, body, command)
    return body


def reply(command: str | None, answer: Answer, *, documented: bool) -> Reply:
    """The HTTP reply: always 200, XML; the root is ``sms`` when the command is unknown."""
    body = render(command or "sms", answer, documented=documented)
    return Reply(200, _CONTENT_TYPE, body, operation=command, outcome=answer.status)


def not_found() -> Reply:
    """Any path other than the root of the prefix."""
    return Reply(404, (("Content-Type", "text/html; charset=utf-8"),), b"<h1>Not Found</h1>")


# -- rows of the listing replies -------------------------------------------------------------------------------


def transaction_row(message: SmsLeadsMessage, status: int, date: datetime) -> etree._Element:
    """One delivery report of ``dlr``/``dlrByDate``: its status, with the status's texts, reached at `date`."""
    he, en = STATE_TEXTS[DLR_STATES[status]]
    return node(
        "transaction",
        children=[
            node("external_id", message.external_id or ""),
            node("status", str(status)),
            node("he_message", he),
            node("en_message", en),
            node("date", format_time(date)),
            node("shipment_id", str(message.shipment_id)),
        ],
    )


def incoming_rows(entries: Iterable[SmsLeadsIncoming]) -> list[etree._Element]:
    """The ``transaction`` rows of ``incoming``."""
    return [
        node(
            "transaction",
            children=[
                node("source", entry.source),
                node("destination", entry.destination),
                node("message", entry.message),
                node("date", format_time(entry.date)),
            ],
        )
        for entry in entries
    ]


def blacklist_rows(entries: Iterable[tuple[str, datetime]]) -> list[etree._Element]:
    """The ``transaction`` rows of ``blacklist``: phone and date."""
    return [
        node("transaction", children=[node("phone", phone), node("date", format_time(date))]) for phone, date in entries
    ]


def balance_rows(subs: Iterable[tuple[int, int, str]]) -> list[etree._Element]:
    """The ``balance`` rows of ``getBlanceSubs``: (credits, sms_user_id, name) of each sub-account."""
    return [
        node(
            "balance",
            children=[node("amount", str(credits)), node("sms_user_id", str(user_id)), node("name", name)],
        )
        for credits, user_id, name in subs
    ]


def contact_list_rows(cl: SmsLeadsContactList, with_id: bool) -> list[etree._Element]:
    """The ``contact_list`` rows of one list: one per phone, an empty list as a row without phone."""

    def row(phone: str | None) -> etree._Element:
        children = [node("cl_id", str(cl.id))] if with_id else []
        if phone is not None:
            children.append(node("phone", phone))
        children.append(node("name", cl.name))
        return node("contact_list", children=children)

    if not cl.contacts:
        return [row(None)]
    return [row(contact.phone) for contact in cl.contacts]


def error_list(errors: Sequence[str]) -> list[etree._Element]:
    """``<errors><error>…</error>…</errors>`` when there are errors (partial success), else nothing."""
    return [node("errors", children=[node("error", error) for error in errors])] if errors else []


# -- the page's defects ----------------------------------------------------------------------------------------


def _unclosed_shipment_id(body: bytes, command: str) -> bytes:
    """``<shipment_id>x</shipment_id>`` → ``<shipment_id>x<shipment_id>``."""
    return body.replace(b"</shipment_id>", b"<shipment_id>")


_ROOTED = re.compile(rb"(<\?xml[^>]*\?>\s*)<([A-Za-z_]+)>\s*(.*?)\s*</\2>\s*", re.DOTALL)


def _rootless_reply(body: bytes, command: str) -> bytes:
    """Drop the root element: its children become top-level elements."""
    match = _ROOTED.fullmatch(body)
    return body if match is None else match.group(1) + match.group(3) + b"\n"


def _bulk_reply_root_sms(body: bytes, command: str) -> bytes:
    """The root ``<bulk>`` becomes ``<sms>``."""
    return body.replace(f"<{command}>".encode(), b"<sms>").replace(f"</{command}>".encode(), b"</sms>")


def _verify_message_field(body: bytes, command: str) -> bytes:
    """``<message>`` becomes ``<verify_message>``."""
    return body.replace(b"<message>", b"<verify_message>").replace(b"</message>", b"</verify_message>")


#: The values the page shows with spaces around them, per command.
_SPACED_VALUES: Final[Mapping[str, tuple[str, ...]]] = {
    "dlr": ("he_message",),
    "dlrByDate": ("he_message",),
    "getBlanceSubs": ("name",),
}


def _whitespace_in_values(body: bytes, command: str) -> bytes:
    """Spaces around the values the page shows so (``<he_message> הגיע ליעד </he_message>``)."""
    for tag in _SPACED_VALUES.get(command, ()):
        name = re.escape(tag.encode())
        body = re.sub(rb"(<" + name + rb">)([^<]*)(</" + name + rb">)", rb"\1 \2 \3", body)
    return body


_DEFECT_FUNCTIONS: Final[Mapping[SmsLeadsDefect, Callable[[bytes, str], bytes]]] = {
    SmsLeadsDefect.UNCLOSED_SHIPMENT_ID: _unclosed_shipment_id,
    SmsLeadsDefect.ROOTLESS_REPLY: _rootless_reply,
    SmsLeadsDefect.BULK_REPLY_ROOT_SMS: _bulk_reply_root_sms,
    SmsLeadsDefect.VERIFY_MESSAGE_FIELD: _verify_message_field,
    SmsLeadsDefect.WHITESPACE_IN_VALUES: _whitespace_in_values,
}


def apply_defect(defect: SmsLeadsDefect | str, body: bytes, command: str) -> bytes:
    """Apply one named defect of the page to a correct reply of `command`."""
    return _DEFECT_FUNCTIONS[SmsLeadsDefect(defect)](body, command)
