"""SMSLeads hooks (named in ``schemas/smsleads/provider.toml``). I/O-free.

What the schema cannot say: the argument types and conversions (Israeli local phones, ``dd/mm/yy hh:mm``
times, external ids for delivery reports), the rules that span several arguments, how a reply says "error"
(``<status>`` against the per-command success codes of ``errors.toml``), the named repair rules for the
documented defects of the provider's replies, and how replies become typed results.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from smsgate_generated.smsleads import models as _m
from smsgate_generated.smsleads.errors import STATUS_STATES, SUCCESS_CODES, SmsLeadsStatus

from .._convert import phone_israel_local
from .._exceptions import ValidationError
from .._results import (
    BlacklistEntry,
    BlacklistRemoval,
    CommandResult,
    ContactListEntry,
    ContactListResult,
    CreditBalance,
    DeliveryReport,
    IncomingMessage,
    Shipment,
    SubAccountBalance,
)
from .._spec import CodecError, ErrorReport, Operation
from .._types import DeliveryState

__all__ = [
    "MAX_DYNAMIC_FIELDS",
    "MAX_EXTERNAL_IDS",
    "MAX_REPORT_RANGE",
    "MAX_SENDER_LENGTH",
    "BulkMessage",
    "Contact",
    "Recipient",
    "UnsubscribeOption",
    "bulk_reply_root_sms",
    "error_code",
    "leading_whitespace",
    "rootless_reply",
    "unclosed_shipment_id",
    "verify_message_field",
    "whitespace_in_values",
]

PROVIDER = "smsleads"
#: The sender shown to recipients: 1..11 digits (no '+') and English letters.
MAX_SENDER_LENGTH = 11
#: At most this many delivery reports per dlr request (the page: "the max limit of DLR's in each request").
MAX_EXTERNAL_IDS = 1000
#: Delivery reports and incoming SMS: "a range of 1 week up to 1 year back" (the page; its 019 sibling: "up to
#: 1 week") — at most a week from ``start`` to ``end``.
MAX_REPORT_RANGE = timedelta(days=7)
#: Contact-list phones carry up to six dynamic fields, df1..df6.
MAX_DYNAMIC_FIELDS = 6
#: Dates travel as ``dd/mm/yy hh:mm``; two-digit years read back as 2000..2068, so only those are sent.
TIME_FORMAT = "%d/%m/%y %H:%M"
_ISRAEL = "Asia/Jerusalem"
_MOBILE = re.compile(r"05[0-9]{8}")

# -- argument types ------------------------------------------------------------------------------------


class UnsubscribeOption(enum.IntEnum):
    """How recipients of a send can opt out (``add_unsubscribe``)."""

    NONE = 0
    """No opt-out option."""
    BY_REPLY = 2
    """Opt out by replying with an SMS."""
    BY_LINK = 3
    """Opt out through a link added to the text."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """A phone of a send with your own id for it, to look its delivery report up later
    (`SmsLeads.delivery_reports`). A plain phone string means: no delivery report wanted."""

    phone: str
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone of a contact list with up to six dynamic fields (df1..df6), which a send with
    ``dynamic_fields=True`` puts where its text says ``[DYNAMIC_FIELD1]`` … ``[DYNAMIC_FIELD6]``."""

    phone: str
    fields: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class BulkMessage:
    """One message of `SmsLeads.send_bulk`: its own recipients, text and sender."""

    recipients: Sequence[str | Recipient]
    text: str
    sender: str


# -- conversions and checks (named by provider.toml; each raises ValidationError, sends nothing) --------------


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", field=field, provider=PROVIDER)


def _sequence(values: object, field: str, what: str) -> Sequence[object]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise _invalid(field, f"expected a sequence of {what}, got {type(values).__name__}")
    return values


def _token(value: object, field: str, what: str, *, show: bool = True) -> str:
    """A non-empty, single-line value without surrounding whitespace (the XSD's `Trimmed`)."""
    if not isinstance(value, str):
        raise _invalid(field, f"expected {what} as str, got {type(value).__name__}")
    if not value or value != value.strip() or "\n" in value or "\r" in value:
        shown = f" {value!r}" if show else ""
        raise _invalid(field, f"{what}{shown} must be a non-empty single line without surrounding spaces")
    return value


def _phone(value: object, field: str, *, mobile: bool = True) -> str:
    """An Israeli number as ``05XXXXXXXX`` (a mobile: what SMS goes to) or, with ``mobile=False``, any valid
    Israeli number in its local form (landlines too)."""
    if not isinstance(value, str):
        raise _invalid(field, f"expected a phone number string, got {type(value).__name__}")
    local = phone_israel_local(value, field=field)
    if mobile and not _MOBILE.fullmatch(local):
        raise _invalid(field, f"{value!r} is not an Israeli mobile number (05X-XXXXXXX)")
    return local


def _phones(values: object, field: str, *, mobile: bool = True) -> list[str]:
    items = _sequence(values, field, "phone numbers")
    if not items:
        raise _invalid(field, "at least one phone number is required")
    return [_phone(v, f"{field}[{i}]", mobile=mobile) for i, v in enumerate(items)]


def mobiles(values: Sequence[str], *, field: str = "phones") -> list[str]:
    """1 or more Israeli mobiles (E.164 ``+9725…``, ``9725…``, ``05…``, ``5…``), as local ``05…`` numbers."""
    return _phones(values, field)


def phones(values: Sequence[str], *, field: str = "phones") -> list[str]:
    """1 or more Israeli mobile or landline numbers, in their local form (``05…``, ``03…``)."""
    return _phones(values, field, mobile=False)


def recipients(values: Sequence[str | Recipient], *, field: str = "recipients") -> list[_m.Recipient]:
    """Phones (str) or `Recipient`s, as the request's ``<phone id="…">05…</phone>`` elements."""
    out = []
    for i, value in enumerate(_sequence(values, field, "phone numbers or Recipient")):
        where = f"{field}[{i}]"
        if isinstance(value, Recipient):
            external_id = None
            if value.external_id is not None:
                external_id = _token(value.external_id, f"{where}.external_id", "an external id")
            out.append(_m.Recipient(value=_phone(value.phone, f"{where}.phone"), id=external_id))
        elif isinstance(value, str):
            out.append(_m.Recipient(value=_phone(value, where)))
        else:
            raise _invalid(where, f"expected a phone number or a Recipient, got {type(value).__name__}")
    return out


def _list_id(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _invalid(field, f"{value!r} is not a contact-list id (a positive int)")
    return value


def list_ids(values: Sequence[int], *, field: str = "list_ids") -> list[int]:
    """Contact-list ids (positive ints); may be empty."""
    return [_list_id(v, f"{field}[{i}]") for i, v in enumerate(_sequence(values, field, "contact-list ids"))]


def list_id(value: int, *, field: str = "list_id") -> int:
    return _list_id(value, field)


def check_nonempty_ids(values: Sequence[int], *, field: str = "list_ids") -> None:
    if not values:
        raise _invalid(field, "at least one contact-list id is required")


def _local(value: object, field: str) -> datetime:
    """A datetime as the provider's wall-clock time: naive as given, aware converted to Israel time."""
    if not isinstance(value, datetime):
        raise _invalid(field, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(_israel_tz(field)).replace(tzinfo=None)
    if not 2000 <= value.year <= 2068:
        raise _invalid(field, f"{value:%Y-%m-%d} is outside what a two-digit year can carry (2000..2068)")
    return value


@functools.cache
def _israel() -> tzinfo | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(_ISRAEL)
    except ZoneInfoNotFoundError:
        return None


def _israel_tz(field: str) -> tzinfo:
    tz = _israel()
    if tz is None:
        raise _invalid(field, f"no time-zone data for {_ISRAEL}: give a naive datetime in Israel local time")
    return tz


def timestamp(value: datetime, *, field: str = "when") -> str:
    """A datetime as ``dd/mm/yy hh:mm`` (seconds dropped). Naive = Israel local time; aware is converted."""
    return _local(value, field).strftime(TIME_FORMAT)


def optional_timestamp(value: datetime | None, *, field: str = "send_at") -> str | None:
    return None if value is None else timestamp(value, field=field)


def switch(value: bool, *, field: str = "flag") -> int | None:
    """True → 1 (on); False → the element is left out (the provider reads anything but 1 as off)."""
    if not isinstance(value, bool):
        raise _invalid(field, f"expected a bool, got {type(value).__name__}")
    return 1 if value else None


def unsubscribe(value: UnsubscribeOption | None, *, field: str = "unsubscribe") -> _m.Unsubscribe | None:
    if value is None:
        return None
    try:
        return _m.Unsubscribe(int(UnsubscribeOption(value)))
    except (TypeError, ValueError):
        raise _invalid(field, f"{value!r} is not an UnsubscribeOption (NONE, BY_REPLY, BY_LINK)") from None


def check_sender(value: str, *, field: str = "sender") -> None:
    """1..11 characters, digits (no '+') and English letters only."""
    if not isinstance(value, str):
        raise _invalid(field, f"expected str, got {type(value).__name__}")
    if not 1 <= len(value) <= MAX_SENDER_LENGTH or not (value.isascii() and value.isalnum()):
        raise _invalid(
            field,
            f"{value!r} is not a valid sender: 1..{MAX_SENDER_LENGTH} digits (no '+') and English letters",
        )


def check_text(value: str, *, field: str = "text") -> None:
    """The message text: a non-blank str (SMSLeads documents no maximum; it answers 989 when too long)."""
    if not isinstance(value, str):
        raise _invalid(field, f"expected str, got {type(value).__name__}")
    if not value.strip():
        raise _invalid(field, "the message text is empty")


def check_tag(value: str | None, *, field: str = "tag") -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise _invalid(field, "a tag must be a non-empty str (or None for no tag)")


def check_name(value: str, *, field: str = "name") -> None:
    _token(value, field, "a name")


def check_password(value: str, *, field: str = "password") -> None:
    """Never echoes the value: it is a password."""
    _token(value, field, "the password", show=False)


def check_reason(value: str, *, field: str = "reason") -> None:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "a non-empty reason is required")


def credits(value: int, *, field: str = "amount") -> str:
    """A number of credits (an int >= 0) as the digits the provider wants."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(field, f"{value!r} is not a number of credits (an int >= 0)")
    return str(value)


def campaign_id(value: int | str, *, field: str = "campaign_id") -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _token(value, field, "a campaign id")


def external_ids(values: Sequence[str], *, field: str = "external_ids") -> list[str]:
    """1..1000 external ids, as given to `Recipient` when sending."""
    items = _sequence(values, field, "external ids")
    if not 1 <= len(items) <= MAX_EXTERNAL_IDS:
        raise _invalid(field, f"{len(items)} external ids; give 1..{MAX_EXTERNAL_IDS} per request")
    return [_token(v, f"{field}[{i}]", "an external id") for i, v in enumerate(items)]


def bulk_messages(values: Sequence[BulkMessage], *, field: str = "messages") -> _m.BulkMessages:
    """1 or more `BulkMessage`s, each with at least one recipient, a text and a valid sender."""
    items = _sequence(values, field, "BulkMessage")
    if not items:
        raise _invalid(field, "at least one message is required")
    out = []
    for i, value in enumerate(items):
        where = f"{field}[{i}]"
        if not isinstance(value, BulkMessage):
            raise _invalid(where, f"expected a BulkMessage, got {type(value).__name__}")
        phones_ = recipients(value.recipients, field=f"{where}.recipients")
        if not phones_:
            raise _invalid(f"{where}.recipients", "at least one recipient is required")
        check_text(value.text, field=f"{where}.text")
        check_sender(value.sender, field=f"{where}.sender")
        out.append(
            _m.BulkMessage(source=value.sender, destinations=_m.BulkRecipients(phone=phones_), message=value.text)
        )
    return _m.BulkMessages(sms=out)


def _contact(value: object, field: str) -> _m.Contact:
    if isinstance(value, str):
        return _m.Contact(phone=_phone(value, field))
    if not isinstance(value, Contact):
        raise _invalid(field, f"expected a phone number or a Contact, got {type(value).__name__}")
    fields = _sequence(value.fields, f"{field}.fields", "str")
    if len(fields) > MAX_DYNAMIC_FIELDS:
        raise _invalid(f"{field}.fields", f"{len(fields)} dynamic fields; at most {MAX_DYNAMIC_FIELDS} (df1..df6)")
    for j, item in enumerate(fields):
        if not isinstance(item, str):
            raise _invalid(f"{field}.fields[{j}]", f"expected str, got {type(item).__name__}")
    df: dict[str, str] = dict(zip(("df1", "df2", "df3", "df4", "df5", "df6"), map(str, fields), strict=False))
    return _m.Contact(phone=_phone(value.phone, f"{field}.phone"), **df)


def _contacts(values: object, field: str) -> _m.Contacts:
    items = _sequence(values, field, "phone numbers or Contact")
    if not items:
        raise _invalid(field, "at least one phone is required")
    return _m.Contacts(destination=[_contact(v, f"{field}[{i}]") for i, v in enumerate(items)])


def _mapping(value: object, field: str, what: str) -> Mapping[object, object]:
    if not isinstance(value, Mapping) or not value:
        raise _invalid(field, f"expected a non-empty mapping of {what}")
    return value


def new_contact_lists(value: Mapping[str, Sequence[str | Contact]], *, field: str = "lists") -> list[_m.NewContactList]:
    """{list name: its phones or Contacts} → one ``<cl>`` per list."""
    out = []
    for name, contacts in _mapping(value, field, "list names to phones").items():
        where = f"{field}[{name!r}]"
        if not isinstance(name, str):
            raise _invalid(where, f"a list name must be a str, got {type(name).__name__}")
        check_name(name, field=where)
        out.append(_m.NewContactList(name=name, destinations=_contacts(contacts, where)))
    return out


def contact_list_additions(
    value: Mapping[int, Sequence[str | Contact]], *, field: str = "additions"
) -> list[_m.ContactListAddition]:
    """{list id: phones or Contacts to add} → one ``<cl>`` per list."""
    return [
        _m.ContactListAddition(id=_list_id(key, f"{field}[{key!r}]"), destinations=_contacts(v, f"{field}[{key!r}]"))
        for key, v in _mapping(value, field, "contact-list ids to phones").items()
    ]


def contact_list_removals(
    value: Mapping[int, Sequence[str]], *, field: str = "removals"
) -> list[_m.ContactListRemoval]:
    """{list id: phones to remove} → one ``<cl>`` per list."""
    return [
        _m.ContactListRemoval(
            id=_list_id(key, f"{field}[{key!r}]"),
            destinations=_m.Phones(phone=_phones(v, f"{field}[{key!r}]")),
        )
        for key, v in _mapping(value, field, "contact-list ids to phones").items()
    ]


def validate_send(*, recipients: Sequence[str | Recipient], contact_lists: Sequence[int], dynamic_fields: bool) -> None:
    """Somebody to send to; with dynamic fields, exactly one contact list and no single phones."""
    if not recipients and not contact_lists:
        raise _invalid("recipients", "nobody to send to: give recipients and/or contact_lists")
    if dynamic_fields and (recipients or len(contact_lists) != 1):
        raise _invalid(
            "dynamic_fields",
            "dynamic fields come from a contact list: give exactly one contact list and no single recipients",
        )


def validate_range(*, start: datetime, end: datetime) -> None:
    """The range must not end before it starts (both read as the provider's local time)."""
    if _local(start, "start") > _local(end, "end"):
        raise _invalid("end", f"the range ends ({end}) before it starts ({start})")


def validate_report_range(*, start: datetime, end: datetime) -> None:
    """`validate_range`, and at most `MAX_REPORT_RANGE` (a week) long, as sent (to the minute, local time).

    The page's other half, "up to 1 year back", is left to the provider (998): only it knows its clock.
    """
    validate_range(start=start, end=end)
    first, last = (
        _local(value, name).replace(second=0, microsecond=0) for value, name in ((start, "start"), (end, "end"))
    )
    if last - first > MAX_REPORT_RANGE:
        raise _invalid("end", f"a report range is at most one week long (the provider's limit), not {last - first}")


# -- errors ----------------------------------------------------------------------------------------------


class _Reply(Protocol):
    @property
    def status(self) -> int | None: ...

    @property
    def message(self) -> str | None: ...


def _command(operation: Operation) -> str:
    return operation.command or operation.name


def error_code(reply: _Reply, operation: Operation) -> ErrorReport | None:
    """The ``<status>`` of a reply when it is not a success code of the command, with the reply's
    ``<message>`` (SMSLeads' own text, e.g. "Missing field: username"), else None.

    Success codes come from errors.toml's ``[success]``: 0 for every command, plus 944 for rmNumBL.
    A reply without a status is left to the decoder, which refuses it as unreadable.
    """
    if reply.status is None:
        return None
    code = str(reply.status)
    ok = SUCCESS_CODES.get(_command(operation), SUCCESS_CODES["*"])
    if code in ok:
        return None
    return ErrorReport(code, _text(reply.message) or None)


# -- repair rules for the documented defects of the replies (samples/README.md) ----------------------------
#
# Each rule gets the raw reply and returns the repaired bytes, or None when its defect is not there. Each
# matches its whole defect, never a prefix of it: a truncated reply must stay unreadable, never turn into a
# success with a shorter id. The client tries them only when a reply does not parse and bind strictly.

Repair = Callable[[bytes], bytes | None]
_DECL = rb"(?:\s*<\?xml[^>]*\?>)?"

_UNCLOSED_SHIPMENT_ID = re.compile(
    rb"<shipment_id>([^<>\s]+)<shipment_id>(\s*</(?:sms|bulk|transaction)>)",
)


def unclosed_shipment_id(body: bytes) -> bytes | None:
    """``unclosed-shipment-id``: ``<shipment_id>12345678<shipment_id>`` right before the closing tag of its
    parent (``</sms>``, ``</bulk>``, ``</transaction>``) → ``<shipment_id>12345678</shipment_id>``."""
    fixed, n = _UNCLOSED_SHIPMENT_ID.subn(rb"<shipment_id>\1</shipment_id>\2", body)
    return fixed if n else None


_ROOTLESS = re.compile(
    rb"(?P<decl>" + _DECL + rb")\s*(?P<body><status>\s*-?\d+\s*</status>\s*<message>[^<>]*</message>)\s*",
)


def rootless_reply(root: str) -> Repair:
    """``rootless-reply``: a reply that is exactly ``<status>N</status>`` and ``<message>…</message>`` side by
    side with no root (rmNumBL) → the same wrapped in ``<root>…</root>``, the root of the command sent."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", root):
        raise ValueError(f"not an element name: {root!r}")
    name = root.encode("ascii")

    def rule(body: bytes) -> bytes | None:
        match = _ROOTLESS.fullmatch(body)
        if match is None:
            return None
        decl = match["decl"].strip()
        head = decl + b"\n" if decl else b""
        return head + b"<" + name + b">\n" + match["body"] + b"\n</" + name + b">\n"

    rule.__name__ = rule.__qualname__ = f"rootless_reply_{root}"
    rule.__doc__ = f"``rootless-reply`` for {root}: wrap a rootless status/message reply in <{root}>."
    return rule


rootless_reply_rmNumBL = rootless_reply("rmNumBL")

_SMS_ROOT = re.compile(
    rb"(?P<decl>" + _DECL + rb")(?P<ws>\s*)<sms>(?P<inner>(?:(?!<sms\b|</sms>).)*)</sms>(?P<end>\s*)", re.DOTALL
)


def bulk_reply_root_sms(body: bytes) -> bytes | None:
    """``bulk-reply-root-sms``: a bulk reply whose single root is ``<sms>…</sms>`` with a ``<status>`` in it
    → the same with the root ``<bulk>``."""
    match = _SMS_ROOT.fullmatch(body)
    if match is None or b"<status>" not in match["inner"]:
        return None
    return match["decl"] + match["ws"] + b"<bulk>" + match["inner"] + b"</bulk>" + match["end"]


_VERIFY_MESSAGE = re.compile(rb"<verify_message>([^<>]*)</verify_message>")


def verify_message_field(body: bytes) -> bytes | None:
    """``verify-message-field``: the verify_phone reply's one ``<verify_message>…</verify_message>`` →
    ``<message>…</message>``."""
    if body.count(b"<verify_message>") != 1 or b"<message>" in body:
        return None
    fixed, n = _VERIFY_MESSAGE.subn(rb"<message>\1</message>", body)
    return fixed if n == 1 else None


_PADDED_VALUE = re.compile(rb"<([A-Za-z_][\w.-]*)>([ \t]*)([^<>\r\n]*?[^<>\s])([ \t]*)</\1>")


def whitespace_in_values(body: bytes) -> bytes | None:
    """``whitespace-in-values``: spaces around a one-line value, ``<name> name2</name>`` → ``<name>name2</name>``.

    Only leaf elements on one line are touched; multi-line texts (verify_phone's) are kept as they are.
    """
    changed = False

    def trim(match: re.Match[bytes]) -> bytes:
        nonlocal changed
        if match[2] or match[4]:
            changed = True
        return b"<" + match[1] + b">" + match[3] + b"</" + match[1] + b">"

    fixed = _PADDED_VALUE.sub(trim, body)
    return fixed if changed else None


_LEADING = re.compile(rb"\s+(?=<\?xml[\s?])")


def leading_whitespace(body: bytes) -> bytes | None:
    """``leading-whitespace``: whitespace before the ``<?xml …?>`` declaration (not well-formed) → removed."""
    match = _LEADING.match(body)
    return body[match.end() :] if match else None


# -- decoding replies into results -------------------------------------------------------------------------


def _status(reply: _Reply) -> int:
    if reply.status is None:
        raise CodecError("the reply has no <status>")
    return reply.status


def _text(value: str | None) -> str:
    return (value or "").strip()


def _required_id(value: str | None, what: str) -> str:
    """An id a result cannot do without: an empty ``<{what}/>`` makes the reply unreadable, never an id ''."""
    text = _text(value)
    if not text:
        raise CodecError(f"the reply holds an empty <{what}>")
    return text


def _when(value: str, what: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), TIME_FORMAT)
    except ValueError:
        raise CodecError(f"{what} {value[:40]!r} is not a dd/mm/yy hh:mm date") from None


def decode_shipment(reply: _m.Sms | _m.Bulk) -> Shipment:
    """The shipment id of an accepted send; a success without one cannot be tracked and is refused."""
    _status(reply)
    shipment_id = _text(reply.shipment_id)
    if not shipment_id:
        raise CodecError("the send was accepted but the reply holds no <shipment_id>")
    return Shipment(shipment_id=shipment_id, description=_text(reply.message) or None)


def decode_balance(reply: _m.Balance) -> CreditBalance:
    """The nested ``<balance>`` of the ``<balance>`` reply; else the number in "Your balance is:42"."""
    _status(reply)
    amount = reply.balance
    if amount is None:
        found = re.search(r"(-?\d+)\s*$", _text(reply.message))
        if found is None:
            raise CodecError("the balance reply holds no amount")
        amount = int(found[1])
    return CreditBalance(credits=amount, description=_text(reply.message) or None)


def _delivery_report(row: _m.DeliveryReport) -> DeliveryReport[SmsLeadsStatus]:
    raw = str(row.status)
    try:
        status: SmsLeadsStatus | None = SmsLeadsStatus(raw)
    except ValueError:
        status = None
    return DeliveryReport(
        external_id=_required_id(row.external_id, "external_id"),
        shipment_id=_required_id(row.shipment_id, "shipment_id"),
        status=status,
        raw_status=raw,
        state=STATUS_STATES[status] if status is not None else DeliveryState.UNKNOWN,
        text_he=row.he_message.strip(),
        text_en=row.en_message.strip(),
        reported_at=_when(row.date, "report date"),
    )


def decode_delivery_reports(reply: _m.Dlr | _m.DlrByDate) -> tuple[DeliveryReport[SmsLeadsStatus], ...]:
    _status(reply)
    rows = reply.transactions.transaction if reply.transactions is not None else []
    return tuple(_delivery_report(row) for row in rows)


def decode_incoming(reply: _m.Incoming) -> tuple[IncomingMessage, ...]:
    _status(reply)
    rows = reply.transactions.transaction if reply.transactions is not None else []
    return tuple(
        IncomingMessage(
            sender=r.source.strip(),
            recipient=r.destination.strip(),
            text=r.message,
            received_at=_when(r.date, "message date"),
        )
        for r in rows
    )


def decode_blacklist(reply: _m.Blacklist) -> tuple[BlacklistEntry, ...]:
    _status(reply)
    rows = reply.transactions.transaction if reply.transactions is not None else []
    return tuple(BlacklistEntry(phone=r.phone.strip(), blocked_at=_when(r.date, "block date")) for r in rows)


_REMOVAL_COUNTS = re.compile(r"(\d+)\s+phone\s+numbers?\s+successfully\s+deleted\D*?(\d+)\s+phone", re.IGNORECASE)


def decode_blacklist_removal(reply: _m.RmNumBl) -> BlacklistRemoval:
    _status(reply)
    description = _text(reply.message)
    found = _REMOVAL_COUNTS.search(description)
    if found is None:
        return BlacklistRemoval(description=description)
    return BlacklistRemoval(description=description, removed=int(found[1]), not_listed=int(found[2]))


def decode_command(reply: _Reply) -> CommandResult:
    _status(reply)
    return CommandResult(description=_text(reply.message))


def decode_sub_account_balances(reply: _m.GetBlanceSubs) -> tuple[SubAccountBalance, ...]:
    _status(reply)
    rows = reply.balances.balance if reply.balances is not None else []
    return tuple(
        SubAccountBalance(
            sub_account_id=_required_id(r.sms_user_id, "sms_user_id"), name=r.name.strip(), credits=r.amount
        )
        for r in rows
    )


def _errors(reply: _m.NewCl | _m.RemoveCl | _m.AddNumCl | _m.RmNumCl) -> tuple[str, ...]:
    rows = reply.errors.error if reply.errors is not None else []
    return tuple(e.strip() for e in rows if e.strip())


def decode_contact_lists_created(reply: _m.NewCl) -> ContactListResult:
    """The ids of the lists created and, with status 0, whatever was refused (partial success)."""
    _status(reply)
    ids = reply.identifiers.identifier if reply.identifiers is not None else []
    return ContactListResult(description=_text(reply.message), errors=_errors(reply), list_ids=tuple(ids))


def decode_contact_list_change(reply: _m.RemoveCl | _m.AddNumCl | _m.RmNumCl) -> ContactListResult:
    """Status 0 with ``<errors>`` is a partial success: the errors are kept in the result."""
    _status(reply)
    return ContactListResult(description=_text(reply.message), errors=_errors(reply))


def _entries(rows: Iterable[_m.ContactListEntry], default_id: int | None) -> tuple[ContactListEntry, ...]:
    out = []
    for r in rows:
        cl_id = r.cl_id if r.cl_id is not None else default_id
        if cl_id is None:
            raise CodecError("a contact-list row holds no <cl_id>")
        phone = _text(r.phone) or None
        out.append(ContactListEntry(list_id=cl_id, name=r.name.strip(), phone=phone))
    return tuple(out)


def decode_contact_lists(reply: _m.GetCl) -> tuple[ContactListEntry, ...]:
    _status(reply)
    return _entries(reply.contact_lists.contact_list if reply.contact_lists is not None else [], None)


def decode_contact_list(reply: _m.GetClbyId, *, list_id: int) -> tuple[ContactListEntry, ...]:
    _status(reply)
    return _entries(reply.contact_lists.contact_list if reply.contact_lists is not None else [], list_id)
