"""SMSLeads, emulated as documented (seed 002, PROVIDERS.md §2, ``schemas/smsleads/``).

Endpoint and envelope
=====================

One endpoint: ``POST /smsleads`` (the root of the prefix, with or without a trailing slash; any other path
answers HTTP 404), any Content-Type, an XML body whose root element names the command (the 19 commands of
the page: ``sms``, ``bulk``, ``balance``, ``dlr``, ``dlrByDate``, ``incoming``, ``blacklist``, ``rmNumBL``,
``addSub``, ``updateAmountSub``, ``getBlanceSubs``, ``newCL``, ``removeCL``, ``addNumCL``, ``rmNumCL``,
``getCL``, ``getCLbyID``, ``cancel``, ``verify_phone``). Whitespace before ``<?xml`` (the page's PHP example
#1) is tolerated, and every value is read without surrounding whitespace (``<username> xxxxxx </username>``).
Every reply is HTTP 200, ``application/xml; charset=utf-8``, one element per line as on the page::

    <?xml version="1.0" encoding="UTF-8"?>
    <sms>
    <status>0</status>
    <message>SMS will be sent</message>
    <shipment_id>12345678</shipment_id>
    </sms>

The root is the command's (``sms``, the page's generic envelope, when the command is unknown or the body
unreadable); ``status`` is 0 on success (rmNumBL: 944, as documented) or a result code of
``schemas/smsleads/errors.toml``; ``message`` is the page's text for the code (for 2: the missing field),
or the command's positive text; error replies carry nothing else. With ``documented_replies`` off (the
default) every reply validates against ``schemas/smsleads/smsleads.xsd``.

Authentication and precedence
=============================

Every request needs ``Authorization: Bearer <token>`` AND ``<user><username>`` in the body, and the token
must belong to that username. An account holds a list of tokens, each with an expiry (24 months after it
was generated, on the emulated clock); generating a new token (`SmsLeads.generate_token`) leaves the older
ones working for 7 more days. The checks run in this order; the first failing one answers:

1. ``502`` action type not valid — the HTTP method is not POST.
2. ``1`` XML parse error — the body is empty, not well-formed, or refused by the hardened parser (a DOCTYPE,
   an entity declaration, more than 1 MiB).
3. ``997`` not a valid command — the root element is not one of the 19 commands.
4. ``2`` missing field — no ``<user>``, or no (or an empty) ``<username>`` in it.
5. ``504`` current token not found — no ``Authorization`` header, not the ``Bearer`` scheme, or no token.
6. ``3`` token invalid — no account has this token.
7. ``10`` token expired — its 24 months are over.
8. ``11`` a newer token exists — the token was superseded more than 7 days ago.
9. ``11`` token does not match the username — it belongs to another (or to no) username.
10. ``999`` contact support — the account is ``blocked``.
11. ``511`` no permission for this function — the command is in the account's ``denied_commands``
    (sub-accounts are always denied ``addSub``, ``updateAmountSub`` and ``getBlanceSubs``).

Then the command's own checks, in this order (a missing required element is ``2``, naming it):

* ``sms``: ``5`` the account may not send (``send_allowed`` off); ``7`` a group of messages (more than one
  ``<message>``, or a ``<messages>`` element: groups go through ``bulk``); ``2`` no ``source``,
  ``destinations`` or ``message``; ``992`` the source is not 1..11 digits/English letters; ``989`` the
  message is blank or longer than 1005 characters (the 019 platform's cap); ``986`` ``add_unsubscribe`` is
  not 0, 2 or 3; ``998`` ``timing`` is not a valid ``dd/mm/yy hh:mm``; ``7`` ``add_dynamic`` is 1 with a
  single ``phone`` or with other than exactly one ``cl_id``; ``9`` no ``phone`` and no ``cl_id``, or a phone
  that is not an Israeli mobile (``05XXXXXXXX`` or ``5XXXXXXXX``); ``988`` a ``cl_id`` that is not one of
  the account's contact lists; ``9`` the lists hold no phone; ``8`` every recipient is on the account's
  blacklist; ``4`` the credits do not cover the parts.
* ``bulk``: ``5``; ``2`` (``messages``, at least one ``sms``, and each one's ``source``, ``destinations``,
  ``message``); ``986``; ``998``; then for each ``sms`` in order ``992``, ``989``, ``9`` (no phone, or a bad
  one); ``8``; ``4``.
* ``dlr``/``dlrByDate``/``incoming``/``blacklist``: ``2`` (``transactions`` and an ``external_id`` for the
  DLR commands, ``from``, ``to``); ``998`` a date is not ``dd/mm/yy hh:mm`` or ``from`` is after ``to``.
* ``rmNumBL``: ``2`` (``phones``, ``reason``); ``933`` no phone, a phone that is not an Israeli mobile, or a blank
  reason (nothing is removed). Success is ``944``: "X phone numbers Successfully deleted , Y Phone numbers
  not exist in blacklist".
* ``addSub``: ``2`` (``userDetails`` and its five fields); ``996`` name not 1..50 characters; ``995``
  username not 3..30; ``993`` password not 6..30; ``992`` source; ``991`` amount not digits only; ``994``
  the username exists (any account); ``990`` the amount exceeds the account's own credits.
* ``updateAmountSub``: ``2``; ``995``; ``993``; ``991``; ``503`` not one of the account's sub-accounts;
  ``990``. The amount is moved from the parent to the sub-account, whose password becomes the one sent.
* ``newCL``: ``2`` (at least one ``cl``, each with ``name`` and ``destinations``); ``996`` name not 1..50.
* ``removeCL``/``addNumCL``/``rmNumCL``/``getCLbyID``: ``2``; ``988`` when none of the lists given is one of
  the account's (for several lists, the missing ones are reported in ``<errors>``: partial success).
* ``cancel``: ``2``; ``977`` not a shipment id of this account; ``955`` already cancelled; ``966`` already
  sent (immediate sends, and scheduled ones whose time has come on the emulated clock).
* ``verify_phone``: ``510`` no phone element, or none of them an Israeli mobile or landline number.

Only ``6`` (process failure, an internal error) cannot be caused by any request: inject it with the
``error_code`` fault (``code="6"``). That fault answers ``<ROOT><status>N</status><message>…</message></ROOT>``
for any numeric code, with the root of the request's command; a non-numeric code (the fault's default
``UNKNOWN_ERROR``) answers 6. The reply is shaped by ``documented_replies`` like every other.

State and behaviour
===================

* Credits are integers, charged per SMS part per recipient at submission (scheduled campaigns included, and
  refunded when cancelled): parts come from `smsgate._segments.analyze` (GSM-7: 160, then 153 per part;
  anything else, Hebrew included, is UCS-2: 70, then 67). The text charged is the one sent: ``tag`` puts
  ``<tag>`` before it (``#`` → ``<#>Hello``), ``add_dynamic=1`` fills ``[DYNAMIC_FIELD1..6]`` from the contact
  list's df1..df6 (empty when unset), ``add_unsubscribe`` 2/3 appends a Hebrew opt-out line (by reply SMS /
  by link). Blacklisted recipients are skipped and not charged; duplicates are not merged.
* ``response=1`` replaces the source with a reply-capable number picked from ``reply_numbers``
  (pseudo-randomly, deterministically from the shipment id; one number for a whole bulk).
* Every send is one shipment (``shipment_id``, increasing from ``first_shipment_id``); ``cancel`` takes it as
  ``campaign_id``. A ``timing`` in the future makes it a scheduled campaign; now or past sends at once.
* Delivery reports: a recipient whose ``phone`` had a non-empty ``id`` attribute (the external id) gets a
  transaction. From the send time it has status -1 (sent), and 30 emulated seconds later 102 (delivered), or
  101 (not delivered) when the phone's last digit is one of the account's ``undelivered_last_digits``
  (default ``"9"``). ``he_message``/``en_message`` follow the code's state in errors.toml's ``[statuses]``.
  ``dlr`` answers the transactions of the external ids given, ``dlrByDate`` all of them (its
  ``external_id`` is the literal ``null``), sent between ``from`` and ``to`` (whole minutes, inclusive),
  oldest first, at most 1000. Scheduled and cancelled campaigns have none.
* Dates are ``dd/mm/yy hh:mm`` on the emulated clock in UTC (the page names no time zone).
* ``incoming`` and ``blacklist`` list the seeded (or added) entries of the account dated between ``from``
  and ``to``, newest first.
* Contact lists have ids (from ``first_contact_list_id``), a name and contacts (phone + df1..df6);
  ``getCL`` answers one row per phone (an empty list as a row without phone). Phones are stored as
  ``05XXXXXXXX``. Rejected phones and missing lists of ``newCL``/``removeCL``/``addNumCL``/``rmNumCL`` are
  listed in ``<errors>`` with status 0 (partial success).
* ``verify_phone`` answers, one line per phone, "verification link will be send to P" (mobile) or "in order
  to complete the verification of P call to 05…" (landline), inside ``message`` with a newline before and
  after; the phones are kept in the account's ``verifications``.

Documented replies
==================

With ``documented_replies`` on (`SmsLeads.documented_replies`, or the seed's ``documented_replies``), every
reply is the correct one with the page's defects applied, each by its own function named as in
``schemas/smsleads/samples/README.md`` (`SmsLeadsDefect`): ``sms`` → ``unclosed-shipment-id``; ``bulk`` →
``bulk-reply-root-sms`` and ``unclosed-shipment-id``; ``dlr`` (and ``dlrByDate``, presumed alike) →
``unclosed-shipment-id`` and ``whitespace-in-values`` (``he_message``); ``rmNumBL`` → ``rootless-reply``;
``getBlanceSubs`` → ``whitespace-in-values`` (``name``); ``verify_phone`` → ``verify-message-field`` (and
the page's lower-case ``encoding="utf-8"``, which is legal).

Tokens and passwords are secrets: they never appear in ``repr()``, logs or `SmsLeads.snapshot`.
"""

from __future__ import annotations

import hmac
import itertools
import random
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final, NotRequired, TypedDict

from lxml import etree

from smsgate._segments import Encoding, analyze
from smsgate._xml import UnsafeXMLError, XMLSyntaxError, parse_untrusted
from smsgate.emulator._clock import Clock
from smsgate.emulator._seedutil import (
    fresh_copy,
    read_flag,
    read_last_digits,
    read_list,
    read_strings,
    read_table,
    repeated,
)
from smsgate.emulator._server import Reply, Request

__all__ = [
    "COMMANDS",
    "SMSLEADS_DEFAULT_SEED",
    "SmsLeads",
    "SmsLeadsAccount",
    "SmsLeadsAccountSeed",
    "SmsLeadsBlacklistSeed",
    "SmsLeadsCode",
    "SmsLeadsContact",
    "SmsLeadsContactList",
    "SmsLeadsContactListSeed",
    "SmsLeadsContactSeed",
    "SmsLeadsDefect",
    "SmsLeadsIncoming",
    "SmsLeadsIncomingSeed",
    "SmsLeadsMessage",
    "SmsLeadsSeed",
    "SmsLeadsShipment",
    "SmsLeadsToken",
    "SmsLeadsTokenSeed",
    "format_time",
    "is_israeli_landline",
    "normalize_mobile",
    "parse_time",
]

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_DECLARATION_LOWER = b'<?xml version="1.0" encoding="utf-8"?>\n'
_CONTENT_TYPE = (("Content-Type", "application/xml; charset=utf-8"),)

#: The 19 commands, by root element name (``getBlanceSubs`` is misspelt on purpose: it is the real name).
COMMANDS: Final = (
    "sms",
    "bulk",
    "balance",
    "dlr",
    "dlrByDate",
    "incoming",
    "blacklist",
    "rmNumBL",
    "addSub",
    "updateAmountSub",
    "getBlanceSubs",
    "newCL",
    "removeCL",
    "addNumCL",
    "rmNumCL",
    "getCL",
    "getCLbyID",
    "cancel",
    "verify_phone",
)


class SmsLeadsCode(StrEnum):
    """The API result codes (``<status>``) of the page's table, plus 0 (success)."""

    OK = "0"
    XML_PARSE_ERROR = "1"
    MISSING_FIELD = "2"
    TOKEN_INVALID = "3"  # noqa: S105 - a result code, not a secret
    NOT_ENOUGH_CREDIT = "4"
    NO_PERMISSION_NOW = "5"
    PROCESS_FAILURE = "6"
    USE_BULK = "7"
    ALL_BLACKLISTED = "8"
    BAD_LENGTH = "9"
    TOKEN_EXPIRED = "10"  # noqa: S105 - a result code, not a secret
    TOKEN_MISMATCH = "11"  # noqa: S105 - a result code, not a secret
    INVALID_ACTION = "502"
    NOT_YOUR_SUB_ACCOUNT = "503"
    TOKEN_NOT_FOUND = "504"  # noqa: S105 - a result code, not a secret
    NO_PHONES_TO_VERIFY = "510"
    NO_PERMISSION = "511"
    BAD_PHONES_OR_REASON = "933"
    NOT_IN_BLACKLIST = "944"
    CAMPAIGN_CANCELLED = "955"
    CAMPAIGN_SENT = "966"
    CAMPAIGN_NOT_FOUND = "977"
    BAD_UNSUBSCRIBE = "986"
    NO_CONTACT_LIST = "988"
    BAD_MESSAGE_LENGTH = "989"
    AMOUNT_TOO_LARGE = "990"
    AMOUNT_NOT_DIGITS = "991"
    BAD_SOURCE = "992"
    BAD_PASSWORD = "993"  # noqa: S105 - a result code, not a secret
    USERNAME_EXISTS = "994"
    BAD_USERNAME = "995"
    BAD_NAME = "996"
    UNKNOWN_COMMAND = "997"
    UNKNOWN_REQUEST_ERROR = "998"
    CONTACT_SUPPORT = "999"


#: The page's text for each code (933 as its rmNumBL reply spells it).
_MESSAGES: Final[Mapping[str, str]] = {
    "1": "There was a problem parsing your XML",
    "2": "A required field is missing",
    "3": "Username or password is incorrect and API token is invalid",
    "4": "Not enough credit, Purchase Now.",
    "5": "No permission to send SMS at this time",
    "6": "Process failure",
    "7": "You can not send in this format,you need send group in 'bulk', For more – call to Customer Service.",
    "8": "All numbers are on a blocked list",
    "9": "destination/source/message length is too large or too small",
    "10": "Username or password is incorrect and Expired API token",
    "11": "API token is valid but doesn't match username or if you have newer token you should use it instead",
    "502": "action type not valid",
    "503": "username not exist in your account",
    "504": "current token not found",
    "510": "invalid verify_phone request: no phones to verify",
    "511": "you have not permission for this function",
    "933": "Phones or reason not valid",
    "944": "Some of numbers not in blacklist",
    "955": "Campaign already cancel",
    "966": "Campaign already sent",
    "977": "Campaign does not belong to customer or Not exist",
    "986": "Add unsubscribe error- invalid value",
    "988": "Contact list are entered not exist",
    "989": "The message is too long or too short",
    "990": "Amount must be small amount of your credits",
    "991": "The amount must contain only digits",
    "992": "The source is too long or too short",
    "993": "The password is too long or too short",
    "994": "Username already exists",
    "995": "The username is too long or too short",
    "996": "The name is too long or too short",
    "997": "Not a valid command sent",
    "998": "There was an unknown error in the request",
    "999": "Contact support",
}


class SmsLeadsDefect(StrEnum):
    """The page's reply defects, named as in ``schemas/smsleads/samples/README.md``."""

    UNCLOSED_SHIPMENT_ID = "unclosed-shipment-id"
    ROOTLESS_REPLY = "rootless-reply"
    BULK_REPLY_ROOT_SMS = "bulk-reply-root-sms"
    VERIFY_MESSAGE_FIELD = "verify-message-field"
    WHITESPACE_IN_VALUES = "whitespace-in-values"


#: Delivery status codes the emulator uses, with their state in errors.toml's ``[statuses]`` table.
_DLR_STATES: Final[Mapping[int, str]] = {-1: "sent", 102: "delivered", 101: "undelivered"}
#: ``he_message``/``en_message`` for each state of errors.toml's ``[statuses]`` table.
_STATE_TEXTS: Final[Mapping[str, tuple[str, str]]] = {
    "sent": ("נשלח", "Sent"),
    "delivered": ("הגיע ליעד", "Delivered"),
    "undelivered": ("לא הגיע ליעד", "Not delivered"),
    "expired": ("פג תוקף", "Expired"),
    "rejected": ("נדחה", "Rejected"),
}

_UNSUBSCRIBE_BY_REPLY = "\nלהסרה השב הסר"
_UNSUBSCRIBE_BY_LINK = "\nלהסרה: https://smsleads.co.il/u/{shipment_id}"


# -- values ----------------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"0?(5[0-9]{8})")
_LANDLINE = re.compile(r"0?([2-489][0-9]{7}|7[2-9][0-9]{7})")
_SOURCE = re.compile(r"[0-9A-Za-z]{1,11}")
_DIGITS = re.compile(r"[0-9]+")
_TIME = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{2}) ([0-9]{2}):([0-9]{2})")
_DYNAMIC = re.compile(r"\[DYNAMIC_FIELD([1-6])\]")


def normalize_mobile(phone: str) -> str | None:
    """``05XXXXXXXX`` for an Israeli mobile given as ``05XXXXXXXX`` or ``5XXXXXXXX`` (spaces around are ignored)."""
    match = _MOBILE.fullmatch(phone.strip())
    return "0" + match.group(1) if match else None


def is_israeli_landline(phone: str) -> bool:
    """An Israeli landline (or 07x) number, with or without its leading 0: ``3xxxxxxx``, ``04xxxxxxx``…"""
    return bool(_LANDLINE.fullmatch(phone.strip()))


def parse_time(text: str) -> datetime | None:
    """A ``dd/mm/yy hh:mm`` date (UTC, years 2000-2099), or None when it is not one."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    day, month, year, hour, minute = (int(part) for part in match.groups())
    try:
        return datetime(2000 + year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def format_time(moment: datetime) -> str:
    """``dd/mm/yy hh:mm`` in UTC."""
    return moment.astimezone(UTC).strftime("%d/%m/%y %H:%M")


# -- seed shapes -------------------------------------------------------------------------------------------------


class SmsLeadsTokenSeed(TypedDict):
    """An API token of an account. Tokens are ordered by creation; each newer one supersedes the older."""

    token: str
    #: Days before the clock's start at which it was generated (default 0).
    created_days_ago: NotRequired[float]
    #: Days it is valid after generation (default 730, 24 months).
    valid_days: NotRequired[float]


class SmsLeadsContactSeed(TypedDict):
    """One phone of a contact list and its dynamic fields."""

    phone: str
    df1: NotRequired[str]
    df2: NotRequired[str]
    df3: NotRequired[str]
    df4: NotRequired[str]
    df5: NotRequired[str]
    df6: NotRequired[str]


class SmsLeadsContactListSeed(TypedDict):
    """A contact list of an account."""

    id: int
    name: str
    contacts: NotRequired[list[SmsLeadsContactSeed]]


class SmsLeadsBlacklistSeed(TypedDict):
    """A blacklisted phone: dated ``date`` (``dd/mm/yy hh:mm``) or ``minutes_ago`` before the clock's start."""

    phone: str
    date: NotRequired[str]
    minutes_ago: NotRequired[float]


class SmsLeadsIncomingSeed(TypedDict):
    """An incoming SMS: dated ``date`` (``dd/mm/yy hh:mm``) or ``minutes_ago`` before the clock's start."""

    source: str
    destination: str
    message: str
    date: NotRequired[str]
    minutes_ago: NotRequired[float]


class SmsLeadsAccountSeed(TypedDict):
    """One account (or, with ``parent``, a sub-account) in a seed."""

    username: str
    tokens: NotRequired[list[SmsLeadsTokenSeed]]
    credits: NotRequired[int]
    name: NotRequired[str]
    password: NotRequired[str]
    parent: NotRequired[str]
    sms_user_id: NotRequired[int]
    sources: NotRequired[list[str]]
    send_allowed: NotRequired[bool]
    blocked: NotRequired[bool]
    denied_commands: NotRequired[list[str]]
    undelivered_last_digits: NotRequired[str]
    contact_lists: NotRequired[list[SmsLeadsContactListSeed]]
    blacklist: NotRequired[list[SmsLeadsBlacklistSeed]]
    incoming: NotRequired[list[SmsLeadsIncomingSeed]]


class SmsLeadsSeed(TypedDict, total=False):
    """The ``"smsleads"`` section of a seed."""

    accounts: list[SmsLeadsAccountSeed]
    documented_replies: bool
    first_shipment_id: int
    first_contact_list_id: int
    reply_numbers: list[str]


#: The SMSLeads part of `smsgate.emulator.DEFAULT_SEED`: the page's example account ``JohnDoe`` (with the
#: contact lists, sub-accounts ``username1``/``username2`` and entries of the page's examples) and a few
#: edge cases. Token values are fake and readable on purpose.
SMSLEADS_DEFAULT_SEED: Final[SmsLeadsSeed] = {
    "accounts": [
        {
            "username": "JohnDoe",
            "name": "John Doe",
            "credits": 1000,
            "sources": ["DemoAPI", "0501234567"],
            "tokens": [
                # Expired 70 days ago → 10.
                {"token": "sl-johndoe-expired", "created_days_ago": 800},
                # Superseded 20 days ago, its 7 days of grace are over → 11.
                {"token": "sl-johndoe-superseded", "created_days_ago": 400},
                # Superseded 2 days ago: still works for 5 days.
                {"token": "sl-johndoe-previous", "created_days_ago": 20},
                # The current token.
                {"token": "sl-johndoe-token", "created_days_ago": 2},
            ],
            "contact_lists": [
                {
                    "id": 21518,
                    "name": "name1",
                    "contacts": [
                        {"phone": "0521234567", "df1": "Israel", "df2": "Israeli", "df3": "Haifa"},
                        {"phone": "0547654321", "df1": "דנה", "df2": "כהן", "df3": "תל אביב"},
                    ],
                },
                {"id": 21500, "name": "name2", "contacts": [{"phone": "0501112233"}]},
            ],
            "blacklist": [
                {"phone": "0509999999", "minutes_ago": 4320},
                {"phone": "0508888888", "minutes_ago": 1440},
            ],
            "incoming": [
                {
                    "source": "0521234567",
                    "destination": "0535500100",
                    "message": "This is a sample message",
                    "minutes_ago": 60,
                },
                {"source": "0547654321", "destination": "0535500100", "message": "הסר", "minutes_ago": 300},
            ],
        },
        # The sub-accounts of the page's getBlanceSubs and updateAmountSub examples.
        {
            "username": "username1",
            "parent": "JohnDoe",
            "name": "name1",
            "password": "password1",
            "credits": 80,
            "sources": ["DemoAPI"],
            "tokens": [{"token": "sl-username1-token"}],
        },
        {
            "username": "username2",
            "parent": "JohnDoe",
            "name": "name2",
            "password": "password2",
            "credits": 50,
            "sources": ["DemoAPI"],
            "tokens": [{"token": "sl-username2-token"}],
        },
        # No credits → 4 on send.
        {"username": "EmptyWallet", "credits": 0, "sources": ["DemoAPI"], "tokens": [{"token": "sl-empty-token"}]},
        # May not send → 5 on send.
        {
            "username": "NoSend",
            "credits": 1000,
            "send_allowed": False,
            "sources": ["DemoAPI"],
            "tokens": [{"token": "sl-nosend-token"}],
        },
        # Blocked by the provider → 999 on every command.
        {"username": "Blocked", "credits": 1000, "blocked": True, "tokens": [{"token": "sl-blocked-token"}]},
    ],
    "documented_replies": False,
    "first_shipment_id": 12345678,
    "first_contact_list_id": 17419,
    "reply_numbers": ["0535500100", "0535500101", "0535500102"],
}


# -- state -------------------------------------------------------------------------------------------------------


@dataclass
class SmsLeadsToken:
    """An API token. Its value is a secret: never in ``repr()`` nor in the state output."""

    value: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    #: When a newer token was generated; the token then works for `SmsLeads.TOKEN_GRACE` more.
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
        if now - self.send_at < timedelta(seconds=SmsLeads.FINAL_AFTER):
            return SmsLeads.SENT_STATUS
        return SmsLeads.DELIVERED_STATUS if self.delivered else SmsLeads.UNDELIVERED_STATUS

    def status_date_at(self, now: datetime) -> datetime | None:
        """When the status at `now` was reached."""
        status = self.status_at(now)
        if status is None:
            return None
        if status == SmsLeads.SENT_STATUS:
            return self.send_at
        return self.send_at + timedelta(seconds=SmsLeads.FINAL_AFTER)

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


# -- seed validation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dated:
    absolute: datetime | None
    minutes_ago: float

    def at(self, now: datetime) -> datetime:
        return self.absolute if self.absolute is not None else now - timedelta(minutes=self.minutes_ago)


@dataclass(frozen=True)
class _TokenSpec:
    value: str = field(repr=False)
    created_days_ago: float
    valid_days: float


@dataclass(frozen=True)
class _AccountSpec:
    account: SmsLeadsAccount  # a template: copied at each reset (dates of its entries are filled then)
    tokens: tuple[_TokenSpec, ...]
    lists: tuple[SmsLeadsContactList, ...]
    blacklist: tuple[tuple[str, _Dated], ...]
    incoming: tuple[tuple[str, str, str, _Dated], ...]


@dataclass(frozen=True)
class _SeedSpec:
    accounts: tuple[_AccountSpec, ...]
    documented_replies: bool
    first_shipment_id: int
    first_contact_list_id: int
    reply_numbers: tuple[str, ...]


def _str(where: str, value: object, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ValueError(f"{where} must be a {'' if empty else 'non-empty '}string, not {value!r}")
    return value


def _int(where: str, value: object, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{where} must be an integer >= {low}, not {value!r}")
    return value


def _number(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"{where} must be a number, not {value!r}")
    return float(value)


def _mobile(where: str, value: object) -> str:
    phone = normalize_mobile(_str(where, value))
    if phone is None:
        raise ValueError(f"{where} must be an Israeli mobile number (05XXXXXXXX), not {value!r}")
    return phone


def _dated(where: str, raw: Mapping[str, object]) -> _Dated:
    if "date" in raw and "minutes_ago" in raw:
        raise ValueError(f"{where}: give 'date' or 'minutes_ago', not both")
    if "date" in raw:
        moment = parse_time(_str(f"{where}.date", raw["date"]))
        if moment is None:
            raise ValueError(f"{where}.date must be 'dd/mm/yy hh:mm', not {raw['date']!r}")
        return _Dated(moment, 0.0)
    return _Dated(None, _number(f"{where}.minutes_ago", raw.get("minutes_ago", 0)))


def _short_token(where: str, value: object) -> str:
    text = _str(where, value).strip()
    if len(text) > 15 or any(char.isspace() for char in text):
        raise ValueError(f"{where} must be at most 15 characters without spaces, not {value!r}")
    return text


def _account_spec(where: str, raw_account: object) -> _AccountSpec:
    raw = read_table(where, raw_account, SmsLeadsAccountSeed)
    if "username" not in raw:
        raise ValueError(f"{where}.username is required")
    username = _str(f"{where}.username", raw["username"]).strip()
    account = SmsLeadsAccount(username=username)
    account.credits = _int(f"{where}.credits", raw.get("credits", 0))
    account.name = _str(f"{where}.name", raw.get("name", username)).strip()
    account.password = _str(f"{where}.password", raw.get("password", ""), empty=True)
    if "parent" in raw:
        account.parent = _str(f"{where}.parent", raw["parent"]).strip()
    if "sms_user_id" in raw:
        account.sms_user_id = _int(f"{where}.sms_user_id", raw["sms_user_id"], 1)
    account.sources = read_strings(f"{where}.sources", raw.get("sources", []))
    account.send_allowed = read_flag(f"{where}.send_allowed", raw.get("send_allowed", True))
    account.blocked = read_flag(f"{where}.blocked", raw.get("blocked", False))
    denied = read_strings(f"{where}.denied_commands", raw.get("denied_commands", []))
    unknown = sorted(set(denied) - set(COMMANDS))
    if unknown:
        raise ValueError(f"{where}.denied_commands: unknown command(s) {unknown}")
    account.denied_commands = set(denied)
    digits = _str(f"{where}.undelivered_last_digits", raw.get("undelivered_last_digits", "9"), empty=True)
    account.undelivered_last_digits = read_last_digits(f"{where}.undelivered_last_digits", digits)
    tokens: list[_TokenSpec] = []
    for i, item in enumerate(read_list(f"{where}.tokens", raw.get("tokens", []))):
        spot = f"{where}.tokens[{i}]"
        token = read_table(spot, item, SmsLeadsTokenSeed)
        if "token" not in token:
            raise ValueError(f"{spot}.token is required")
        value = _str(f"{spot}.token", token["token"]).strip()
        created = _number(f"{spot}.created_days_ago", token.get("created_days_ago", 0))
        valid = _number(f"{spot}.valid_days", token.get("valid_days", SmsLeads.TOKEN_VALID_DAYS))
        tokens.append(_TokenSpec(value, created, valid))
    lists: list[SmsLeadsContactList] = []
    for i, item in enumerate(read_list(f"{where}.contact_lists", raw.get("contact_lists", []))):
        spot = f"{where}.contact_lists[{i}]"
        entry = read_table(spot, item, SmsLeadsContactListSeed)
        if "id" not in entry or "name" not in entry:
            raise ValueError(f"{spot}: 'id' and 'name' are required")
        contacts: list[SmsLeadsContact] = []
        for j, raw_contact in enumerate(read_list(f"{spot}.contacts", entry.get("contacts", []))):
            place = f"{spot}.contacts[{j}]"
            contact = read_table(place, raw_contact, SmsLeadsContactSeed)
            if "phone" not in contact:
                raise ValueError(f"{place}.phone is required")
            values = [_str(f"{place}.df{n}", contact.get(f"df{n}", ""), empty=True) for n in range(1, 7)]
            fields = (values[0], values[1], values[2], values[3], values[4], values[5])
            contacts.append(SmsLeadsContact(_mobile(f"{place}.phone", contact["phone"]), fields))
        name = _str(f"{spot}.name", entry["name"]).strip()
        lists.append(SmsLeadsContactList(_int(f"{spot}.id", entry["id"], 1), username, name, contacts))
    blacklist: list[tuple[str, _Dated]] = []
    for i, item in enumerate(read_list(f"{where}.blacklist", raw.get("blacklist", []))):
        spot = f"{where}.blacklist[{i}]"
        entry = read_table(spot, item, SmsLeadsBlacklistSeed)
        if "phone" not in entry:
            raise ValueError(f"{spot}.phone is required")
        blacklist.append((_mobile(f"{spot}.phone", entry["phone"]), _dated(spot, entry)))
    incoming: list[tuple[str, str, str, _Dated]] = []
    for i, item in enumerate(read_list(f"{where}.incoming", raw.get("incoming", []))):
        spot = f"{where}.incoming[{i}]"
        entry = read_table(spot, item, SmsLeadsIncomingSeed)
        missing = {"source", "destination", "message"} - set(entry)
        if missing:
            raise ValueError(f"{spot}: {sorted(missing)} required")
        incoming.append(
            (
                _short_token(f"{spot}.source", entry["source"]),
                _short_token(f"{spot}.destination", entry["destination"]),
                _str(f"{spot}.message", entry["message"], empty=True),
                _dated(spot, entry),
            )
        )
    return _AccountSpec(account, tuple(tokens), tuple(lists), tuple(blacklist), tuple(incoming))


def validate_seed(raw_seed: object) -> _SeedSpec:
    """Check a ``"smsleads"`` seed section (raises ValueError) and return its validated form."""
    raw = read_table("seed 'smsleads'", raw_seed, SmsLeadsSeed)
    accounts = [
        _account_spec(f"smsleads.accounts[{i}]", item)
        for i, item in enumerate(read_list("seed 'smsleads.accounts'", raw.get("accounts", [])))
    ]
    usernames = [spec.account.username for spec in accounts]
    duplicates = repeated(usernames)
    if duplicates:
        raise ValueError(f"seed 'smsleads.accounts': duplicate username(s) {duplicates}")
    for spec in accounts:
        parent = spec.account.parent
        if parent is not None and (parent not in usernames or parent == spec.account.username):
            raise ValueError(f"seed 'smsleads.accounts': parent {parent!r} of {spec.account.username!r} is unknown")
    tokens = [token.value for spec in accounts for token in spec.tokens]
    if len(tokens) != len(set(tokens)):
        raise ValueError("seed 'smsleads.accounts': a token is given more than once")
    list_ids = [cl.id for spec in accounts for cl in spec.lists]
    if len(list_ids) != len(set(list_ids)):
        raise ValueError("seed 'smsleads.accounts': a contact list id is given more than once")
    user_ids = [spec.account.sms_user_id for spec in accounts if spec.account.sms_user_id]
    if len(user_ids) != len(set(user_ids)):
        raise ValueError("seed 'smsleads.accounts': an sms_user_id is given more than once")
    reply_numbers = [
        _short_token(f"smsleads.reply_numbers[{i}]", number)
        for i, number in enumerate(
            read_strings("seed 'smsleads.reply_numbers'", raw.get("reply_numbers", ["0535500100"]))
        )
    ]
    if not reply_numbers:
        raise ValueError("seed 'smsleads.reply_numbers' must not be empty")
    return _SeedSpec(
        accounts=tuple(accounts),
        documented_replies=read_flag("seed 'smsleads.documented_replies'", raw.get("documented_replies", False)),
        first_shipment_id=_int("seed 'smsleads.first_shipment_id'", raw.get("first_shipment_id", 12345678), 1),
        first_contact_list_id=_int("seed 'smsleads.first_contact_list_id'", raw.get("first_contact_list_id", 17419), 1),
        reply_numbers=tuple(reply_numbers),
    )


# -- request reading ----------------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code: SmsLeadsCode, message: str | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.message = message if message is not None else _MESSAGES[code.value]


def _missing(name: str) -> _Refused:
    return _Refused(SmsLeadsCode.MISSING_FIELD, f"Missing field: {name}")


def _children(parent: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in parent if child.tag == tag]


def _child(parent: etree._Element, tag: str) -> etree._Element | None:
    return next((child for child in parent if child.tag == tag), None)


def _required(parent: etree._Element, tag: str) -> etree._Element:
    element = _child(parent, tag)
    if element is None:
        raise _missing(tag)
    return element


def _value(element: etree._Element | None) -> str:
    """A value element's text without surrounding whitespace ('' when absent)."""
    return "" if element is None else (element.text or "").strip()


def _parse_body(body: bytes) -> etree._Element | None:
    data = body.lstrip()  # the page's PHP example #1 sends a newline before <?xml
    if not data:
        return None
    try:
        return parse_untrusted(data)
    except (XMLSyntaxError, UnsafeXMLError, ValueError):
        return None


def _command_of(root: etree._Element | None) -> str | None:
    return root.tag if root is not None and root.tag in COMMANDS else None


# -- replies --------------------------------------------------------------------------------------------------------


def _element(tag: str, text: str | None = None, children: Iterable[etree._Element] = ()) -> etree._Element:
    element = etree.Element(tag)
    if text is not None:
        element.text = text
    element.extend(children)
    return element


@dataclass
class _Answer:
    status: str = SmsLeadsCode.OK.value
    message: str = ""
    head: list[etree._Element] = field(default_factory=list)
    body: list[etree._Element] = field(default_factory=list)


def _page_layout(element: etree._Element) -> None:
    """One element per line, as on the page."""
    if len(element):
        if not (element.text or "").strip():
            element.text = "\n"
        for child in element:
            _page_layout(child)
            child.tail = "\n"


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


# -- the provider ----------------------------------------------------------------------------------------------------


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


_Handler = Callable[[SmsLeadsAccount, etree._Element], _Answer]


class SmsLeads:
    """The SMSLeads emulator: its state and its request handler (rules in the module docstring).

    Reach it as ``Emulator.smsleads``. Mutating the state directly (``accounts[name].credits = …``) or with
    `add_account`, `generate_token`, `add_incoming` is fine between requests; `Emulator.reset` returns to
    the seed.

    Attributes:
        accounts: username → account (sub-accounts included).
        contact_lists: id → contact list (of every account).
        shipments: shipment id → shipment.
        documented_replies: answer exactly as the page shows, malformed replies included.
        reply_numbers: the reply-capable numbers ``response=1`` picks from.
    """

    name: Final = "smsleads"
    #: Emulated seconds from sending to the final delivery status.
    FINAL_AFTER: Final = 30.0
    TOKEN_VALID_DAYS: Final = 730
    #: How long a superseded token keeps working.
    TOKEN_GRACE: Final = timedelta(days=7)
    MAX_DLR_RECORDS: Final = 1000
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
    #: The defects of the page's reply of each command, applied in order when `documented_replies` is on.
    DOCUMENTED_DEFECTS: Final[Mapping[str, tuple[SmsLeadsDefect, ...]]] = {
        "sms": (SmsLeadsDefect.UNCLOSED_SHIPMENT_ID,),
        "bulk": (SmsLeadsDefect.BULK_REPLY_ROOT_SMS, SmsLeadsDefect.UNCLOSED_SHIPMENT_ID),
        "dlr": (SmsLeadsDefect.UNCLOSED_SHIPMENT_ID, SmsLeadsDefect.WHITESPACE_IN_VALUES),
        "dlrByDate": (SmsLeadsDefect.UNCLOSED_SHIPMENT_ID, SmsLeadsDefect.WHITESPACE_IN_VALUES),
        "rmNumBL": (SmsLeadsDefect.ROOTLESS_REPLY,),
        "getBlanceSubs": (SmsLeadsDefect.WHITESPACE_IN_VALUES,),
        "verify_phone": (SmsLeadsDefect.VERIFY_MESSAGE_FIELD,),
    }

    def __init__(self, seed: object, clock: Clock, lock: threading.RLock | None = None) -> None:
        self._seed = validate_seed(seed)
        self._clock = clock
        self._lock = lock if lock is not None else threading.RLock()
        self.accounts: dict[str, SmsLeadsAccount] = {}
        self.contact_lists: dict[int, SmsLeadsContactList] = {}
        self.shipments: dict[int, SmsLeadsShipment] = {}
        self.documented_replies = False
        self.reply_numbers: list[str] = []
        self._next_shipment_id = 1
        self._next_list_id = 1
        self._last_command: str | None = None
        self._handlers: dict[str, _Handler] = {
            "sms": self._sms,
            "bulk": self._bulk,
            "balance": self._balance,
            "dlr": self._dlr,
            "dlrByDate": self._dlr_by_date,
            "incoming": self._incoming,
            "blacklist": self._blacklist,
            "rmNumBL": self._rm_num_bl,
            "addSub": self._add_sub,
            "updateAmountSub": self._update_amount_sub,
            "getBlanceSubs": self._get_balance_subs,
            "newCL": self._new_cl,
            "removeCL": self._remove_cl,
            "addNumCL": self._add_num_cl,
            "rmNumCL": self._rm_num_cl,
            "getCL": self._get_cl,
            "getCLbyID": self._get_cl_by_id,
            "cancel": self._cancel,
            "verify_phone": self._verify_phone,
        }
        self.reset()

    # -- state management -------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed: accounts, tokens, lists, entries; no shipments; ids from the first ones again."""
        with self._lock:
            now = self._clock.now()
            self.accounts = {}
            self.contact_lists = {}
            next_user_id = max([5001] + [spec.account.sms_user_id + 1 for spec in self._seed.accounts])
            for spec in self._seed.accounts:
                account = fresh_copy(spec.account)
                if not account.sms_user_id:
                    account.sms_user_id, next_user_id = next_user_id, next_user_id + 1
                if account.parent is not None:
                    account.denied_commands |= self.SUB_ACCOUNT_DENIED
                account.tokens = self._tokens_from(spec.tokens, now)
                account.blacklist = {phone: dated.at(now) for phone, dated in spec.blacklist}
                account.incoming = [
                    SmsLeadsIncoming(source, destination, message, dated.at(now))
                    for source, destination, message, dated in spec.incoming
                ]
                self.accounts[account.username] = account
                for cl in spec.lists:
                    self.contact_lists[cl.id] = SmsLeadsContactList(
                        cl.id, cl.username, cl.name, [SmsLeadsContact(c.phone, c.fields) for c in cl.contacts]
                    )
            self.shipments = {}
            self.documented_replies = self._seed.documented_replies
            self.reply_numbers = list(self._seed.reply_numbers)
            self._next_shipment_id = self._seed.first_shipment_id
            self._next_list_id = self._seed.first_contact_list_id
            self._last_command = None

    @classmethod
    def _tokens_from(cls, specs: Sequence[_TokenSpec], now: datetime) -> list[SmsLeadsToken]:
        tokens = sorted(
            (
                SmsLeadsToken(
                    spec.value,
                    created_at=now - timedelta(days=spec.created_days_ago),
                    expires_at=now - timedelta(days=spec.created_days_ago) + timedelta(days=spec.valid_days),
                )
                for spec in specs
            ),
            key=lambda token: token.created_at,
        )
        for older, newer in itertools.pairwise(tokens):
            older.superseded_at = newer.created_at
        return tokens

    def add_account(
        self,
        username: str,
        token: str | None = None,
        *,
        credits: int = 1000,
        name: str | None = None,
        sources: Iterable[str] = ("DemoAPI",),
        parent: str | None = None,
        send_allowed: bool = True,
        blocked: bool = False,
        undelivered_last_digits: str = "9",
    ) -> SmsLeadsAccount:
        """Create (or replace) an account until the next reset; with `token`, give it that current token."""
        raw: dict[str, object] = {
            "username": username,
            "credits": credits,
            "name": name if name is not None else username,
            "sources": list(sources),
            "send_allowed": send_allowed,
            "blocked": blocked,
            "undelivered_last_digits": undelivered_last_digits,
        }
        if parent is not None:
            raw["parent"] = parent
        account = _account_spec("account", raw).account
        with self._lock:
            if parent is not None:
                if parent not in self.accounts:
                    raise ValueError(f"unknown parent account {parent!r}")
                account.denied_commands |= self.SUB_ACCOUNT_DENIED
            account.sms_user_id = self._new_user_id()
            self.accounts[account.username] = account
            if token is not None:
                self.generate_token(account.username, token)
        return account

    def generate_token(self, username: str, value: str | None = None, *, valid_days: float = 730) -> SmsLeadsToken:
        """Generate a new API token for `username` (as the getApiToken form does) and return it.

        The account's older tokens keep working for `TOKEN_GRACE` (7 days). Without `value`, a random one.
        """
        with self._lock:
            account = self.accounts.get(username)
            if account is None:
                raise ValueError(f"unknown SMSLeads account {username!r}")
            token_value = value if value is not None else secrets.token_urlsafe(24)
            if not token_value.strip() or self._find_token(token_value.strip()) is not None:
                raise ValueError("the token must be non-empty and unique")
            now = self._clock.now()
            for older in account.tokens:
                if older.superseded_at is None:
                    older.superseded_at = now
            token = SmsLeadsToken(token_value.strip(), now, now + timedelta(days=valid_days))
            account.tokens.append(token)
            return token

    def add_incoming(
        self, username: str, source: str, message: str, *, destination: str = "0535500100", date: datetime | None = None
    ) -> SmsLeadsIncoming:
        """Record an SMS received by `username` (dated now on the emulated clock unless `date` is given)."""
        with self._lock:
            account = self.accounts.get(username)
            if account is None:
                raise ValueError(f"unknown SMSLeads account {username!r}")
            entry = SmsLeadsIncoming(source, destination, message, date or self._clock.now())
            account.incoming.append(entry)
            return entry

    def _new_user_id(self) -> int:
        return max([5000, *(account.sms_user_id for account in self.accounts.values())]) + 1

    def _find_token(self, value: str) -> tuple[SmsLeadsAccount, SmsLeadsToken] | None:
        wanted = value.encode("utf-8")
        found: tuple[SmsLeadsAccount, SmsLeadsToken] | None = None
        for account in self.accounts.values():
            for token in account.tokens:
                if hmac.compare_digest(wanted, token.value.encode("utf-8")):
                    found = (account, token)
        return found

    # -- HTTP ---------------------------------------------------------------------------------------------------

    def peek_operation(self, request: Request) -> str | None:
        """The command (root element name) of `request`, without processing it; None when unclear."""
        command = _command_of(_parse_body(request.body))
        self._last_command = command
        return command

    def error_reply(self, code: str) -> Reply:
        """``<ROOT><status>code</status><message>…</message></ROOT>`` with the last request's command as root.

        A non-numeric code (such as the fault's default ``UNKNOWN_ERROR``) answers 6, process failure.
        """
        status = code.strip()
        if not re.fullmatch(r"-?[0-9]{1,9}", status):
            status = SmsLeadsCode.PROCESS_FAILURE.value
        status = str(int(status))
        command = self._last_command or "sms"
        message = _MESSAGES.get(status, "Unknown error")
        body = self._render(command, _Answer(status, message))
        return Reply(200, _CONTENT_TYPE, body, operation=self._last_command, outcome=status)

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the module docstring)."""
        if request.path not in ("", "/"):
            return Reply(404, (("Content-Type", "text/html; charset=utf-8"),), b"<h1>Not Found</h1>")
        root = _parse_body(request.body)
        command = _command_of(root)
        self._last_command = command
        try:
            if request.method != "POST":
                raise _Refused(SmsLeadsCode.INVALID_ACTION)
            if root is None:
                raise _Refused(SmsLeadsCode.XML_PARSE_ERROR)
            if command is None:
                raise _Refused(SmsLeadsCode.UNKNOWN_COMMAND)
            with self._lock:
                account = self._authenticate(request, root, command)
                answer = self._handlers[command](account, root)
        except _Refused as refused:
            answer = _Answer(refused.code.value, refused.message)
        body = self._render(command or "sms", answer)
        return Reply(200, _CONTENT_TYPE, body, operation=command, outcome=answer.status)

    def _render(self, command: str, answer: _Answer) -> bytes:
        root = _element(command)
        root.extend(answer.head)
        root.append(_element("status", answer.status))
        root.append(_element("message", answer.message))
        root.extend(answer.body)
        _page_layout(root)
        declaration = _DECLARATION
        if self.documented_replies and command == "verify_phone":
            declaration = _DECLARATION_LOWER  # as on the page; legal (encoding names are case-insensitive)
        body = declaration + etree.tostring(root, encoding="UTF-8") + b"\n"
        if self.documented_replies:
            for defect in self.DOCUMENTED_DEFECTS.get(command, ()):
                body = apply_defect(defect, body, command)
        return body

    def _authenticate(self, request: Request, root: etree._Element, command: str) -> SmsLeadsAccount:
        username = _value(_child(_required(root, "user"), "username"))
        if not username:
            raise _missing("username")
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Refused(SmsLeadsCode.TOKEN_NOT_FOUND)
        found = self._find_token(token.strip())
        if found is None:
            raise _Refused(SmsLeadsCode.TOKEN_INVALID)
        account, owned = found
        now = self._clock.now()
        if now >= owned.expires_at:
            raise _Refused(SmsLeadsCode.TOKEN_EXPIRED)
        if owned.superseded_at is not None and now >= owned.superseded_at + self.TOKEN_GRACE:
            raise _Refused(SmsLeadsCode.TOKEN_MISMATCH)
        if account.username != username:
            raise _Refused(SmsLeadsCode.TOKEN_MISMATCH)
        if account.blocked:
            raise _Refused(SmsLeadsCode.CONTACT_SUPPORT)
        if command in account.denied_commands:
            raise _Refused(SmsLeadsCode.NO_PERMISSION)
        return account

    # -- shared checks ------------------------------------------------------------------------------------------

    @staticmethod
    def _check_source(source: str) -> None:
        if not _SOURCE.fullmatch(source):
            raise _Refused(SmsLeadsCode.BAD_SOURCE)

    @classmethod
    def _check_text(cls, text: str) -> None:
        if not text.strip() or len(text) > cls.MAX_MESSAGE_CHARACTERS:
            raise _Refused(SmsLeadsCode.BAD_MESSAGE_LENGTH)

    @staticmethod
    def _unsubscribe(root: etree._Element) -> str:
        element = _child(root, "add_unsubscribe")
        if element is None:
            return "0"
        value = _value(element)
        if value not in ("0", "2", "3"):
            raise _Refused(SmsLeadsCode.BAD_UNSUBSCRIBE)
        return value

    def _timing(self, root: etree._Element) -> tuple[datetime, bool]:
        now = self._clock.now()
        element = _child(root, "timing")
        if element is None:
            return now, False
        moment = parse_time(_value(element))
        if moment is None:
            raise _Refused(SmsLeadsCode.UNKNOWN_REQUEST_ERROR)
        return (moment, True) if moment > now else (now, False)

    def _range(self, root: etree._Element) -> tuple[datetime, datetime]:
        """``from``/``to`` as [start, end): `to` includes its whole minute."""
        start, end = parse_time(_value(_required(root, "from"))), parse_time(_value(_required(root, "to")))
        if start is None or end is None or start > end:
            raise _Refused(SmsLeadsCode.UNKNOWN_REQUEST_ERROR)
        return start, end + timedelta(minutes=1)

    def _own_list(self, account: SmsLeadsAccount, raw_id: str) -> SmsLeadsContactList | None:
        if not _DIGITS.fullmatch(raw_id) or len(raw_id) > 18:
            return None
        cl = self.contact_lists.get(int(raw_id))
        return cl if cl is not None and cl.username == account.username else None

    @staticmethod
    def _targets(destinations: etree._Element) -> list[_Target]:
        targets: list[_Target] = []
        for element in _children(destinations, "phone"):
            phone = normalize_mobile(_value(element))
            if phone is None:
                raise _Refused(SmsLeadsCode.BAD_LENGTH)
            external_id = (element.get("id") or "").strip() or None
            targets.append(_Target(phone, external_id, None))
        return targets

    # -- sending ------------------------------------------------------------------------------------------------

    def _sms(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        if not account.send_allowed:
            raise _Refused(SmsLeadsCode.NO_PERMISSION_NOW)
        if len(_children(root, "message")) > 1 or _child(root, "messages") is not None:
            raise _Refused(SmsLeadsCode.USE_BULK)
        source_element = _required(root, "source")
        destinations = _required(root, "destinations")
        text = _required(root, "message").text or ""
        source = _value(source_element)
        self._check_source(source)
        self._check_text(text)
        unsubscribe = self._unsubscribe(root)
        send_at, scheduled = self._timing(root)
        dynamic = _value(_child(root, "add_dynamic")) == "1"
        response = _value(_child(root, "response")) == "1"
        phones = _children(destinations, "phone")
        list_ids = [_value(element) for element in _children(destinations, "cl_id")]
        if dynamic and (phones or len(list_ids) != 1):
            raise _Refused(SmsLeadsCode.USE_BULK)
        if not phones and not list_ids:
            raise _Refused(SmsLeadsCode.BAD_LENGTH)
        targets = self._targets(destinations)
        for raw_id in list_ids:
            cl = self._own_list(account, raw_id)
            if cl is None:
                raise _Refused(SmsLeadsCode.NO_CONTACT_LIST)
            targets.extend(_Target(c.phone, None, c.fields if dynamic else None) for c in cl.contacts)
        if not targets:
            raise _Refused(SmsLeadsCode.BAD_LENGTH)
        tag = _value(_child(root, "tag"))
        shipment = self._submit(
            account, "sms", [_Group(source, text, targets)], send_at, scheduled, unsubscribe, response, tag
        )
        return _Answer(message="SMS will be sent", body=[_element("shipment_id", str(shipment.id))])

    def _bulk(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        if not account.send_allowed:
            raise _Refused(SmsLeadsCode.NO_PERMISSION_NOW)
        items = _children(_required(root, "messages"), "sms")
        if not items:
            raise _missing("sms")
        raw: list[tuple[str, etree._Element, str]] = []
        for item in items:
            source = _value(_required(item, "source"))
            destinations = _required(item, "destinations")
            raw.append((source, destinations, _required(item, "message").text or ""))
        unsubscribe = self._unsubscribe(root)
        send_at, scheduled = self._timing(root)
        response = _value(_child(root, "response")) == "1"
        groups: list[_Group] = []
        for source, destinations, text in raw:
            self._check_source(source)
            self._check_text(text)
            targets = self._targets(destinations)
            if not targets:
                raise _Refused(SmsLeadsCode.BAD_LENGTH)
            groups.append(_Group(source, text, targets))
        shipment = self._submit(account, "bulk", groups, send_at, scheduled, unsubscribe, response, "")
        return _Answer(
            message="SMS bulk will be sent",
            head=[_element("add_unsubscribe", unsubscribe)],
            body=[_element("shipment_id", str(shipment.id))],
        )

    def _submit(
        self,
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
        shipment_id = self._next_shipment_id
        reply_number = random.Random(shipment_id).choice(self.reply_numbers) if response else None
        messages: list[SmsLeadsMessage] = []
        for group in groups:
            for target in group.targets:
                if target.phone in account.blacklist:
                    continue
                text = self._compose(group.text, target.fields, tag, unsubscribe, shipment_id)
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
            raise _Refused(SmsLeadsCode.ALL_BLACKLISTED)
        cost = sum(message.parts for message in messages)
        if cost > account.credits:
            raise _Refused(SmsLeadsCode.NOT_ENOUGH_CREDIT)
        account.credits -= cost
        shipment = SmsLeadsShipment(
            id=shipment_id,
            username=account.username,
            command=command,
            created_at=self._clock.now(),
            send_at=send_at,
            scheduled=scheduled,
            cost=cost,
            add_unsubscribe=unsubscribe,
            response=response,
            messages=messages,
        )
        self.shipments[shipment_id] = shipment
        self._next_shipment_id += 1
        return shipment

    @staticmethod
    def _compose(text: str, fields: tuple[str, ...] | None, tag: str, unsubscribe: str, shipment_id: int) -> str:
        if fields is not None:
            text = _DYNAMIC.sub(lambda match: fields[int(match.group(1)) - 1], text)
        if tag:
            text = f"<{tag}>{text}"
        if unsubscribe == "2":
            text += _UNSUBSCRIBE_BY_REPLY
        elif unsubscribe == "3":
            text += _UNSUBSCRIBE_BY_LINK.format(shipment_id=shipment_id)
        return text

    def _cancel(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        raw_id = _value(_required(root, "campaign_id"))
        shipment = self.shipments.get(int(raw_id)) if _DIGITS.fullmatch(raw_id) and len(raw_id) <= 18 else None
        if shipment is None or shipment.username != account.username:
            raise _Refused(SmsLeadsCode.CAMPAIGN_NOT_FOUND)
        now = self._clock.now()
        state = shipment.state_at(now)
        if state == "cancelled":
            raise _Refused(SmsLeadsCode.CAMPAIGN_CANCELLED)
        if state == "sent":
            raise _Refused(SmsLeadsCode.CAMPAIGN_SENT)
        shipment.cancelled_at = now
        for message in shipment.messages:
            message.cancelled = True
        account.credits += shipment.cost
        return _Answer(message="Campaign successfuly cancel")

    # -- reports ------------------------------------------------------------------------------------------------

    def _balance(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        credits = str(account.credits)
        return _Answer(message=f"Your balance is:{credits}", body=[_element("balance", credits)])

    def _transactions(self, account: SmsLeadsAccount, root: etree._Element, ids: set[str] | None) -> _Answer:
        start, end = self._range(root)
        now = self._clock.now()
        rows: list[etree._Element] = []
        for shipment in self.shipments.values():
            if shipment.username != account.username or not start <= shipment.send_at < end:
                continue
            for message in shipment.messages:
                status = message.status_at(now)
                date = message.status_date_at(now)
                if message.external_id is None or status is None or date is None:
                    continue
                if ids is not None and message.external_id not in ids:
                    continue
                he_message, en_message = _STATE_TEXTS[_DLR_STATES[status]]
                rows.append(
                    _element(
                        "transaction",
                        children=[
                            _element("external_id", message.external_id),
                            _element("status", str(status)),
                            _element("he_message", he_message),
                            _element("en_message", en_message),
                            _element("date", format_time(date)),
                            _element("shipment_id", str(shipment.id)),
                        ],
                    )
                )
                if len(rows) == self.MAX_DLR_RECORDS:
                    return _Answer(body=[_element("transactions", children=rows)])
        return _Answer(body=[_element("transactions", children=rows)])

    def _dlr(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        ids = {_value(element) for element in _children(_required(root, "transactions"), "external_id")}
        ids.discard("")
        if not ids:
            raise _missing("external_id")
        return self._transactions(account, root, ids)

    def _dlr_by_date(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        _required(_required(root, "transactions"), "external_id")  # the page's literal "null"
        return self._transactions(account, root, None)

    def _incoming(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        start, end = self._range(root)
        entries = sorted((e for e in account.incoming if start <= e.date < end), key=lambda e: e.date, reverse=True)
        rows = [
            _element(
                "transaction",
                children=[
                    _element("source", entry.source),
                    _element("destination", entry.destination),
                    _element("message", entry.message),
                    _element("date", format_time(entry.date)),
                ],
            )
            for entry in entries
        ]
        return _Answer(body=[_element("transactions", children=rows)])

    def _blacklist(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        start, end = self._range(root)
        entries = sorted(
            ((phone, date) for phone, date in account.blacklist.items() if start <= date < end),
            key=lambda entry: entry[1],
            reverse=True,
        )
        rows = [
            _element("transaction", children=[_element("phone", phone), _element("date", format_time(date))])
            for phone, date in entries
        ]
        return _Answer(body=[_element("transactions", children=rows)])

    def _rm_num_bl(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        phones_element = _required(root, "phones")
        reason = _value(_required(root, "reason"))
        phones = [normalize_mobile(_value(element)) for element in _children(phones_element, "phone")]
        if not phones or not reason or None in phones:
            raise _Refused(SmsLeadsCode.BAD_PHONES_OR_REASON)
        removed = 0
        for phone in phones:
            if phone is not None and account.blacklist.pop(phone, None) is not None:
                removed += 1
        kept = len(phones) - removed
        message = f"{removed} phone numbers Successfully deleted , {kept} Phone numbers not exist in blacklist"
        return _Answer(SmsLeadsCode.NOT_IN_BLACKLIST.value, message)

    # -- sub-accounts ----------------------------------------------------------------------------------------------

    def _check_amount(self, account: SmsLeadsAccount, amount: str) -> int:
        if not _DIGITS.fullmatch(amount):
            raise _Refused(SmsLeadsCode.AMOUNT_NOT_DIGITS)
        return int(amount) if len(amount) <= 18 else account.credits + 1

    def _add_sub(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        details = _required(root, "userDetails")
        name, username, password, source, amount = (
            _value(_required(details, tag)) for tag in ("name", "username", "password", "source", "amount")
        )
        if len(name) not in self.NAME_LENGTH:
            raise _Refused(SmsLeadsCode.BAD_NAME)
        if len(username) not in self.USERNAME_LENGTH:
            raise _Refused(SmsLeadsCode.BAD_USERNAME)
        if len(password) not in self.PASSWORD_LENGTH:
            raise _Refused(SmsLeadsCode.BAD_PASSWORD)
        self._check_source(source)
        credits = self._check_amount(account, amount)
        if username in self.accounts:
            raise _Refused(SmsLeadsCode.USERNAME_EXISTS)
        if credits > account.credits:
            raise _Refused(SmsLeadsCode.AMOUNT_TOO_LARGE)
        account.credits -= credits
        self.accounts[username] = SmsLeadsAccount(
            username=username,
            credits=credits,
            name=name,
            password=password,
            parent=account.username,
            sms_user_id=self._new_user_id(),
            sources=[source],
            denied_commands=set(self.SUB_ACCOUNT_DENIED),
            undelivered_last_digits=account.undelivered_last_digits,
        )
        return _Answer(message="The user was created successfully")

    def _update_amount_sub(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        details = _required(root, "userDetails")
        username, password, amount = (_value(_required(details, tag)) for tag in ("username", "password", "amount"))
        if len(username) not in self.USERNAME_LENGTH:
            raise _Refused(SmsLeadsCode.BAD_USERNAME)
        if len(password) not in self.PASSWORD_LENGTH:
            raise _Refused(SmsLeadsCode.BAD_PASSWORD)
        credits = self._check_amount(account, amount)
        sub = self.accounts.get(username)
        if sub is None or sub.parent != account.username:
            raise _Refused(SmsLeadsCode.NOT_YOUR_SUB_ACCOUNT)
        if credits > account.credits:
            raise _Refused(SmsLeadsCode.AMOUNT_TOO_LARGE)
        account.credits -= credits
        sub.credits += credits
        sub.password = password
        return _Answer(message="Wallet successfully updated")

    def _get_balance_subs(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        rows = [
            _element(
                "balance",
                children=[
                    _element("amount", str(sub.credits)),
                    _element("sms_user_id", str(sub.sms_user_id)),
                    _element("name", sub.name),
                ],
            )
            for sub in self.accounts.values()
            if sub.parent == account.username
        ]
        return _Answer(body=[_element("balances", children=rows)])

    # -- contact lists ------------------------------------------------------------------------------------------

    @staticmethod
    def _bad_phone(phone: str) -> str:
        return f"The phone {phone} is too long or too short or contain characters and therefore not added"

    def _contacts(self, destinations: etree._Element, errors: list[str]) -> list[SmsLeadsContact]:
        contacts: list[SmsLeadsContact] = []
        for destination in _children(destinations, "destination"):
            raw_phone = _value(_child(destination, "phone"))
            phone = normalize_mobile(raw_phone)
            if phone is None:
                errors.append(self._bad_phone(raw_phone))
                continue
            values = [_value(_child(destination, f"df{n}")) for n in range(1, 7)]
            contacts.append(SmsLeadsContact(phone, (values[0], values[1], values[2], values[3], values[4], values[5])))
        return contacts

    @staticmethod
    def _merge(cl: SmsLeadsContactList, contacts: Iterable[SmsLeadsContact]) -> None:
        for contact in contacts:
            existing = cl.find(contact.phone)
            if existing is None:
                cl.contacts.append(contact)
            else:
                existing.fields = contact.fields

    @staticmethod
    def _errors(errors: list[str]) -> list[etree._Element]:
        return [_element("errors", children=[_element("error", error) for error in errors])] if errors else []

    def _new_cl(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        items = _children(root, "cl")
        if not items:
            raise _missing("cl")
        checked: list[tuple[str, etree._Element]] = []
        for item in items:
            name = _value(_required(item, "name"))
            if len(name) not in self.NAME_LENGTH:
                raise _Refused(SmsLeadsCode.BAD_NAME)
            checked.append((name, _required(item, "destinations")))
        errors: list[str] = []
        identifiers: list[etree._Element] = []
        for name, destinations in checked:
            while self._next_list_id in self.contact_lists:  # seeded lists keep their ids
                self._next_list_id += 1
            cl = SmsLeadsContactList(self._next_list_id, account.username, name)
            self._next_list_id += 1
            self._merge(cl, self._contacts(destinations, errors))
            self.contact_lists[cl.id] = cl
            identifiers.append(_element("identifier", str(cl.id)))
        return _Answer(
            message="conact list successfully created",
            body=[*self._errors(errors), _element("identifiers", children=identifiers)],
        )

    def _remove_cl(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        ids = [_value(element) for element in _children(_required(root, "cl"), "id")]
        if not ids:
            raise _missing("id")
        found = [(raw_id, self._own_list(account, raw_id)) for raw_id in ids]
        if all(cl is None for _, cl in found):
            raise _Refused(SmsLeadsCode.NO_CONTACT_LIST)
        errors: list[str] = []
        for raw_id, cl in found:
            if cl is None or cl.id not in self.contact_lists:
                errors.append(f"contact list id: {raw_id} does not exist and therefore not removed")
            else:
                del self.contact_lists[cl.id]
        return _Answer(message="contact list successfully removed", body=self._errors(errors))

    def _list_items(self, root: etree._Element) -> list[tuple[str, etree._Element]]:
        items = _children(root, "cl")
        if not items:
            raise _missing("cl")
        return [(_value(_required(item, "id")), _required(item, "destinations")) for item in items]

    def _add_num_cl(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        items = [(raw_id, self._own_list(account, raw_id), dests) for raw_id, dests in self._list_items(root)]
        if all(cl is None for _, cl, _ in items):
            raise _Refused(SmsLeadsCode.NO_CONTACT_LIST)
        errors: list[str] = []
        for raw_id, cl, destinations in items:
            if cl is None:
                errors.append(f"contact list id: {raw_id} does not exist and therefore not updated")
                continue
            self._merge(cl, self._contacts(destinations, errors))
        return _Answer(message="Successfully added phone numbers", body=self._errors(errors))

    def _rm_num_cl(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        items = [(raw_id, self._own_list(account, raw_id), dests) for raw_id, dests in self._list_items(root)]
        if all(cl is None for _, cl, _ in items):
            raise _Refused(SmsLeadsCode.NO_CONTACT_LIST)
        errors: list[str] = []
        for raw_id, cl, destinations in items:
            if cl is None:
                errors.append(f"contact list id: {raw_id} does not exist and therefore not removed")
                continue
            for element in _children(destinations, "phone"):
                raw_phone = _value(element)
                phone = normalize_mobile(raw_phone)
                contact = None if phone is None else cl.find(phone)
                if phone is None:
                    errors.append(f"The phone {raw_phone} is too long or too short or contain characters")
                elif contact is None:
                    errors.append(f"The phone {raw_phone} is not in contact list id: {cl.id} and therefore not removed")
                else:
                    cl.contacts.remove(contact)
        return _Answer(message="Successfully deleted phone numbers", body=self._errors(errors))

    @staticmethod
    def _rows(cl: SmsLeadsContactList, with_id: bool) -> list[etree._Element]:
        def row(phone: str | None) -> etree._Element:
            children = [_element("cl_id", str(cl.id))] if with_id else []
            if phone is not None:
                children.append(_element("phone", phone))
            children.append(_element("name", cl.name))
            return _element("contact_list", children=children)

        if not cl.contacts:
            return [row(None)]  # an empty list: a row without phone
        return [row(contact.phone) for contact in cl.contacts]

    def _get_cl(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        rows = [
            row for cl in self.contact_lists.values() if cl.username == account.username for row in self._rows(cl, True)
        ]
        return _Answer(body=[_element("contact_lists", children=rows)])

    def _get_cl_by_id(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        cl = self._own_list(account, _value(_required(_required(root, "cl"), "id")))
        if cl is None:
            raise _Refused(SmsLeadsCode.NO_CONTACT_LIST)
        return _Answer(body=[_element("contact_lists", children=self._rows(cl, False))])

    # -- verify_phone ---------------------------------------------------------------------------------------------

    def _verify_phone(self, account: SmsLeadsAccount, root: etree._Element) -> _Answer:
        lines: list[str] = []
        for element in _children(root, "phone"):
            phone = _value(element)
            if normalize_mobile(phone) is not None:
                lines.append(f"verification link will be send to {phone}")
            elif is_israeli_landline(phone):
                lines.append(f"in order to complete the verification of {phone} call to {self.VERIFICATION_NUMBER}")
            else:
                continue
            account.verifications.append(phone)
        if not lines:
            raise _Refused(SmsLeadsCode.NO_PHONES_TO_VERIFY)
        return _Answer(message="\n" + "\n".join(lines) + "\n")

    # -- state ----------------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """Accounts (no tokens, no passwords), contact lists, shipments with current statuses, counts."""
        with self._lock:
            now = self._clock.now()
            return {
                "accounts": [account.to_json() for account in self.accounts.values()],
                "contact_lists": [cl.to_json() for cl in self.contact_lists.values()],
                "shipments": [shipment.to_json(now) for shipment in self.shipments.values()],
                "documented_replies": self.documented_replies,
                "counts": {
                    "accounts": len(self.accounts),
                    "contact_lists": len(self.contact_lists),
                    "shipments": len(self.shipments),
                    "messages": sum(len(shipment.messages) for shipment in self.shipments.values()),
                },
            }
