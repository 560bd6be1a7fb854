"""SMSLeads' state: accounts (tokens, credits, sub-accounts, blacklist, incoming SMS), contact lists, and
shipments whose messages move through their delivery statuses on the emulated clock.

Nothing here reads a request or writes a reply: the handlers (``_send``, ``_reports``, ``_sub_accounts``,
``_contact_lists``, ``_verify``) change this state and ``_replies`` renders their answers.

A message with an external id has status -1 (sent) from its send time, and `FINAL_AFTER` (30) emulated
seconds later 102 (delivered), or 101 (not delivered) when the phone's last digit is one of the account's
``undelivered_last_digits``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from smsgate._segments import Encoding

__all__ = [
    "DELIVERED_STATUS",
    "FINAL_AFTER",
    "MAX_DLR_RECORDS",
    "MAX_MESSAGE_CHARACTERS",
    "MAX_REPORT_LOOKBACK",
    "MAX_REPORT_RANGE",
    "NAME_LENGTH",
    "PASSWORD_LENGTH",
    "SENT_STATUS",
    "SUB_ACCOUNT_DENIED",
    "TOKEN_GRACE",
    "TOKEN_VALID_DAYS",
    "UNDELIVERED_STATUS",
    "USERNAME_LENGTH",
    "VERIFICATION_NUMBER",
    "SmsLeadsAccount",
    "SmsLeadsContact",
    "SmsLeadsContactList",
    "SmsLeadsIncoming",
    "SmsLeadsMessage",
    "SmsLeadsShipment",
    "SmsLeadsToken",
]

#: Emulated seconds from sending to the final delivery status.
FINAL_AFTER: Final = 30.0
#: Days a new token is valid (24 months).
TOKEN_VALID_DAYS: Final = 730
#: How long a superseded token keeps working.
TOKEN_GRACE: Final = timedelta(days=7)
#: At most this many delivery reports per ``dlr``/``dlrByDate`` request.
MAX_DLR_RECORDS: Final = 1000
#: The longest ``from``..``to`` range of ``dlr``, ``dlrByDate`` and ``incoming`` ("a range of 1 week…").
MAX_REPORT_RANGE: Final = timedelta(days=7)
#: How far back their ``from`` may reach ("…up to 1 year back").
MAX_REPORT_LOOKBACK: Final = timedelta(days=365)
#: The longest text ``sms``/``bulk`` accept (the 019 platform's cap).
MAX_MESSAGE_CHARACTERS: Final = 1005
SENT_STATUS: Final = -1
DELIVERED_STATUS: Final = 102
UNDELIVERED_STATUS: Final = 101
NAME_LENGTH: Final = range(1, 51)
USERNAME_LENGTH: Final = range(3, 31)
PASSWORD_LENGTH: Final = range(6, 31)
#: The number a landline calls to complete its verification.
VERIFICATION_NUMBER: Final = "0522222222"
#: Commands a sub-account may never use.
SUB_ACCOUNT_DENIED: Final = frozenset({"addSub", "updateAmountSub", "getBlanceSubs"})


@dataclass
class SmsLeadsToken:
    """An API token. Its value is a secret: never in ``repr()`` nor in the state output."""

    value: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    #: When a newer token was generated; the token then works for `TOKEN_GRACE` more.
    superseded_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        """Dates only, never the value."""
        return {
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "superseded_at": None if self.superseded_at is None else self.superseded_at.isoformat(),
        }


@dataclass
class SmsLeadsContact:
    """One phone (``05XXXXXXXX``) of a contact list and its dynamic fields df1..df6 (``""`` when unset)."""

    phone: str
    fields: tuple[str, str, str, str, str, str] = ("", "", "", "", "", "")

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        entry: dict[str, object] = {"phone": self.phone}
        entry.update({f"df{i}": value for i, value in enumerate(self.fields, 1) if value})
        return entry


@dataclass
class SmsLeadsContactList:
    """A contact list of an account."""

    id: int
    username: str
    name: str
    contacts: list[SmsLeadsContact] = field(default_factory=list)

    def find(self, phone: str) -> SmsLeadsContact | None:
        """The contact with this (normalised) phone."""
        return next((contact for contact in self.contacts if contact.phone == phone), None)

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "contacts": [contact.to_json() for contact in self.contacts],
        }


@dataclass
class SmsLeadsIncoming:
    """An SMS received by the account."""

    source: str
    destination: str
    message: str
    date: datetime

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "source": self.source,
            "destination": self.destination,
            "message": self.message,
            "date": self.date.isoformat(),
        }


@dataclass
class SmsLeadsAccount:
    """An SMSLeads account, or a sub-account when `parent` is set. Tokens and password never show."""

    username: str
    credits: int = 0
    name: str = ""
    password: str = field(default="", repr=False)
    parent: str | None = None
    sms_user_id: int = 0
    sources: list[str] = field(default_factory=list)
    tokens: list[SmsLeadsToken] = field(default_factory=list, repr=False)
    send_allowed: bool = True
    blocked: bool = False
    denied_commands: set[str] = field(default_factory=set)
    undelivered_last_digits: str = "9"
    #: Blacklisted phone (``05XXXXXXXX``) → when it was added.
    blacklist: dict[str, datetime] = field(default_factory=dict)
    incoming: list[SmsLeadsIncoming] = field(default_factory=list)
    #: Phones sent to ``verify_phone``.
    verifications: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state, without token values and password."""
        return {
            "username": self.username,
            "credits": self.credits,
            "name": self.name,
            "parent": self.parent,
            "sms_user_id": self.sms_user_id,
            "sources": list(self.sources),
            "tokens": [token.to_json() for token in self.tokens],
            "send_allowed": self.send_allowed,
            "blocked": self.blocked,
            "denied_commands": sorted(self.denied_commands),
            "undelivered_last_digits": self.undelivered_last_digits,
            "blacklist": [{"phone": phone, "date": date.isoformat()} for phone, date in self.blacklist.items()],
            "incoming": [entry.to_json() for entry in self.incoming],
            "verifications": list(self.verifications),
        }


@dataclass
class SmsLeadsMessage:
    """One SMS to one recipient of a shipment. Its delivery status follows the emulated clock."""

    shipment_id: int
    username: str
    source: str
    phone: str
    external_id: str | None
    text: str
    encoding: Encoding
    parts: int
    send_at: datetime
    delivered: bool
    cancelled: bool = False

    def status_at(self, now: datetime) -> int | None:
        """The delivery status code at `now`; None before it is sent or when its campaign was cancelled."""
        if self.cancelled or now < self.send_at:
            return None
        if now - self.send_at < timedelta(seconds=FINAL_AFTER):
            return SENT_STATUS
        return DELIVERED_STATUS if self.delivered else UNDELIVERED_STATUS

    def status_date_at(self, now: datetime) -> datetime | None:
        """When the status at `now` was reached."""
        status = self.status_at(now)
        if status is None:
            return None
        if status == SENT_STATUS:
            return self.send_at
        return self.send_at + timedelta(seconds=FINAL_AFTER)

    def to_json(self, now: datetime) -> dict[str, object]:
        """JSON-serialisable state at `now`."""
        return {
            "phone": self.phone,
            "external_id": self.external_id,
            "source": self.source,
            "text": self.text,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "status": self.status_at(now),
        }


@dataclass
class SmsLeadsShipment:
    """One accepted ``sms`` or ``bulk`` request (a campaign, when scheduled)."""

    id: int
    username: str
    command: str
    created_at: datetime
    send_at: datetime
    scheduled: bool
    cost: int
    add_unsubscribe: str
    response: bool
    messages: list[SmsLeadsMessage]
    cancelled_at: datetime | None = None

    def state_at(self, now: datetime) -> str:
        """``"cancelled"``, ``"scheduled"`` (not sent yet) or ``"sent"``."""
        if self.cancelled_at is not None:
            return "cancelled"
        return "scheduled" if now < self.send_at else "sent"

    def to_json(self, now: datetime) -> dict[str, object]:
        """JSON-serialisable state at `now`."""
        return {
            "id": self.id,
            "username": self.username,
            "command": self.command,
            "created_at": self.created_at.isoformat(),
            "send_at": self.send_at.isoformat(),
            "scheduled": self.scheduled,
            "state": self.state_at(now),
            "cost": self.cost,
            "add_unsubscribe": self.add_unsubscribe,
            "response": self.response,
            "messages": [message.to_json(now) for message in self.messages],
        }
