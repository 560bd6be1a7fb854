"""LetsAds, emulated as documented (seeds 000/001, PROVIDERS.md §1).

One endpoint: ``POST /letsads`` (the root of the prefix, with or without a trailing slash), any
Content-Type, an XML body ``<request><auth><login/><password/></auth>`` followed by exactly one operation
element: ``<message>`` (send), ``<sms_id>`` (status) or ``<balance/>`` (balance). Every reply is HTTP 200,
``application/xml; charset=utf-8``::

    <?xml version="1.0" encoding="UTF-8"?>
    <response><name>…</name><description>…</description>…</response>

Errors are ``<name>Error</name><description>CODE</description>``. The checks run in this order, and the first
failing one answers:

1. ``NO_DATA`` — the body is empty or only whitespace.
2. ``WRONG_DATA_FORMAT`` — not well-formed XML, or refused by the hardened parser (a DOCTYPE, an entity
   declaration, more than 1 MiB).
3. ``REQUEST_FORMAT`` — the root is not ``request``; there is not exactly one ``<auth>``; there is not exactly
   one of ``<message>``/``<sms_id>``/``<balance>`` (other elements are ignored); ``<auth>`` holds more than
   one ``<login>``/``<password>``; ``<message>`` holds more than one ``<from>``/``<text>`` or no
   ``<recipient>``; the ``<sms_id>`` is not an unsigned integer; a value element holds child elements.
4. ``AUTH_DATA`` — unknown login (compared without surrounding whitespace), wrong password (compared exactly),
   or ``<login>``/``<password>`` missing.
5. ``API_DISABLED`` — the account's ``api_enabled`` flag is off.

Then, for send:

6. ``USER_NOT_MODERATED`` — the account's ``moderated`` flag is off.
7. ``INCORRECT_FROM`` — the sender (without surrounding whitespace) is malformed. The rule: either 1..11
   characters of ``A-Z a-z 0-9``, space, ``.``, ``_``, ``-`` with at least one ASCII letter and no leading or
   trailing space (an alphanumeric sender), or 1..15 ASCII digits (a numeric sender). A missing ``<from>``
   is an empty sender.
8. ``INVALID_FROM`` — well-formed but not one of the account's registered ``senders`` (case-sensitive).
9. ``NO_MESSAGE`` — the text is missing, empty or only whitespace.
10. ``MESSAGE_TOO_LONG`` — more than 459 characters when every character is GSM-7, more than 402 when any
    is not (characters = Unicode code points, as the documents say "characters"; see `smsgate._segments`).
11. ``MAX_MESSAGES_COUNT`` — more than 50 ``<recipient>`` elements.
12. ``INCORRECT_RECIPIENT_<value>`` — the first recipient that, without surrounding whitespace, is not 7..15
    ASCII digits or is not a possible number for ``phonenumbers`` when given a leading ``+``. ``<value>`` is
    the element's text exactly as sent. Nothing is sent to anyone.
13. ``NOT_ENOUGH_MONEY`` — balance < ``price_per_part`` × parts × recipients. Nothing is charged.

For status: ``MESSAGE_NOT_EXIST`` when no message has that id or it belongs to another account.
``UNKNOWN_ERROR`` is never produced by a request; inject it with the ``error_code`` fault.

Success:

* send → ``<name>Complete</name><description>N messages put into queue</description>`` and one ``<sms_id>``
  per recipient, in recipient order (duplicates included). Ids are integers from 633217 (as in the documents),
  increasing, shared by all accounts. The account is charged ``price_per_part`` (default 0.50) for each part
  of each recipient; parts come from `smsgate._segments.analyze`: one part up to 160 GSM-7 septets (extension
  characters count 2) or 70 UTF-16 units, else parts of 153 septets or 67 units.
* status → ``<name> Status</name>`` (with the documented leading space; ``status_leading_space=False`` drops
  it) and one of MESSAGE_IN_QUEUE, MESSAGE_IS_SENT, MESSAGE_IS_DELIVERED, MESSAGE_NOT_DELIVERED in
  ``<description>``. A message is in the queue when created, sent 5 emulated seconds later, and final 30
  emulated seconds after creation: NOT_DELIVERED when the recipient's last digit is one of the account's
  ``undelivered_last_digits`` (default ``"9"``), else DELIVERED. Computed lazily from the emulated clock.
* balance → ``<name>Balance</name><description>12.50</description><currency>UAH</currency>`` (two decimals).
"""

from __future__ import annotations

import functools
import hmac
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Final, NotRequired, TypedDict

from lxml import etree

from smsgate._segments import Encoding, analyze
from smsgate._xml import UnsafeXMLError, XMLSyntaxError, parse_untrusted
from smsgate.emulator._clock import Clock
from smsgate.emulator._seedutil import (
    format_money,
    fresh_copy,
    read_decimal,
    read_flag,
    read_last_digits,
    read_list,
    read_nonempty,
    read_positive,
    read_strings,
    read_table,
    repeated,
)
from smsgate.emulator._server import Reply, Request

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "LETSADS_DEFAULT_SEED",
    "LetsAds",
    "LetsAdsAccount",
    "LetsAdsAccountSeed",
    "LetsAdsError",
    "LetsAdsMessage",
    "LetsAdsSeed",
    "LetsAdsStatus",
]

_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_CONTENT_TYPE = (("Content-Type", "application/xml; charset=utf-8"),)


class LetsAdsStatus(StrEnum):
    """Message statuses, as LetsAds spells them."""

    IN_QUEUE = "MESSAGE_IN_QUEUE"
    IS_SENT = "MESSAGE_IS_SENT"
    IS_DELIVERED = "MESSAGE_IS_DELIVERED"
    NOT_DELIVERED = "MESSAGE_NOT_DELIVERED"


class LetsAdsError(StrEnum):
    """Error codes, as LetsAds spells them. ``INCORRECT_RECIPIENT_`` is a prefix: the number follows it."""

    NO_DATA = "NO_DATA"
    WRONG_DATA_FORMAT = "WRONG_DATA_FORMAT"
    REQUEST_FORMAT = "REQUEST_FORMAT"
    AUTH_DATA = "AUTH_DATA"
    API_DISABLED = "API_DISABLED"
    USER_NOT_MODERATED = "USER_NOT_MODERATED"
    INCORRECT_FROM = "INCORRECT_FROM"
    INVALID_FROM = "INVALID_FROM"
    MESSAGE_TOO_LONG = "MESSAGE_TOO_LONG"
    NO_MESSAGE = "NO_MESSAGE"
    MAX_MESSAGES_COUNT = "MAX_MESSAGES_COUNT"
    NOT_ENOUGH_MONEY = "NOT_ENOUGH_MONEY"
    INCORRECT_RECIPIENT = "INCORRECT_RECIPIENT_"
    MESSAGE_NOT_EXIST = "MESSAGE_NOT_EXIST"
    UNKNOWN_ERROR = "UNKNOWN_ERROR"


# -- seed shapes ---------------------------------------------------------------------------------


class LetsAdsAccountSeed(TypedDict):
    """One account in a seed. Money is a decimal string (numbers are accepted too)."""

    login: str
    password: str
    balance: NotRequired[str]
    currency: NotRequired[str]
    api_enabled: NotRequired[bool]
    moderated: NotRequired[bool]
    senders: NotRequired[list[str]]
    price_per_part: NotRequired[str]
    undelivered_last_digits: NotRequired[str]


class LetsAdsSeed(TypedDict, total=False):
    """The ``"letsads"`` section of a seed."""

    accounts: list[LetsAdsAccountSeed]
    status_leading_space: bool
    first_sms_id: int


_PASSWORD = "p1a2s3s4"  # the documents' example password  # noqa: S105
_SENDERS = ["Sender", "smsgate"]

#: The LetsAds part of `smsgate.emulator.DEFAULT_SEED`: the documents' example accounts and a few edge cases.
LETSADS_DEFAULT_SEED: Final[LetsAdsSeed] = {
    "accounts": [
        # The RU page's send and PHP examples.
        {"login": "380501234567", "password": _PASSWORD, "balance": "100.00", "senders": list(_SENDERS)},
        # The EN page's send and PHP examples.
        {"login": "79261234567", "password": _PASSWORD, "balance": "100.00", "senders": list(_SENDERS)},
        # The status and balance examples of both pages.
        {"login": "380671234567", "password": _PASSWORD, "balance": "100.00", "senders": list(_SENDERS)},
        # API access not switched on → API_DISABLED.
        {"login": "380500000001", "password": _PASSWORD, "api_enabled": False, "senders": list(_SENDERS)},
        # Not verified → USER_NOT_MODERATED on send.
        {"login": "380500000002", "password": _PASSWORD, "moderated": False, "senders": list(_SENDERS)},
        # No money → NOT_ENOUGH_MONEY on send.
        {"login": "380500000003", "password": _PASSWORD, "balance": "0.00", "senders": list(_SENDERS)},
    ],
    "status_leading_space": True,
    "first_sms_id": 633217,
}


# -- state ---------------------------------------------------------------------------------------


@dataclass
class LetsAdsAccount:
    """A LetsAds account. The password is never shown in ``repr()`` nor in the state output."""

    login: str
    password: str = field(repr=False)
    balance: Decimal = Decimal("100.00")
    currency: str = "UAH"
    api_enabled: bool = True
    moderated: bool = True
    senders: list[str] = field(default_factory=lambda: list(_SENDERS))
    price_per_part: Decimal = Decimal("0.50")
    #: Recipients whose last digit is one of these end MESSAGE_NOT_DELIVERED; the others are delivered.
    undelivered_last_digits: str = "9"

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state, without the password."""
        return {
            "login": self.login,
            "balance": format_money(self.balance),
            "currency": self.currency,
            "api_enabled": self.api_enabled,
            "moderated": self.moderated,
            "senders": list(self.senders),
            "price_per_part": str(self.price_per_part),
            "undelivered_last_digits": self.undelivered_last_digits,
        }


@dataclass
class LetsAdsMessage:
    """One message to one recipient. `status` follows the emulated clock."""

    id: int
    login: str
    sender: str
    recipient: str
    text: str
    encoding: Encoding
    parts: int
    cost: Decimal
    created_at: datetime
    delivered: bool
    _clock: Clock = field(repr=False, compare=False)

    @property
    def status(self) -> LetsAdsStatus:
        """The status now, on the emulated clock."""
        return self.status_at(self._clock.now())

    def status_at(self, now: datetime) -> LetsAdsStatus:
        """The status at emulated time `now`."""
        elapsed = now - self.created_at
        if elapsed < timedelta(seconds=LetsAds.SENT_AFTER):
            return LetsAdsStatus.IN_QUEUE
        if elapsed < timedelta(seconds=LetsAds.FINAL_AFTER):
            return LetsAdsStatus.IS_SENT
        return LetsAdsStatus.IS_DELIVERED if self.delivered else LetsAdsStatus.NOT_DELIVERED

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "id": self.id,
            "login": self.login,
            "sender": self.sender,
            "recipient": self.recipient,
            "text": self.text,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "cost": str(self.cost),
            "created_at": self.created_at.isoformat(),
            "status": str(self.status),
        }


def _account_from_seed(where: str, raw_account: object) -> LetsAdsAccount:
    raw = read_table(where, raw_account, LetsAdsAccountSeed)
    login = read_nonempty(f"{where}.login", raw.get("login")).strip()
    password = read_nonempty(f"{where}.password", raw.get("password"), blank=True)
    account = LetsAdsAccount(login=login, password=password)
    if "balance" in raw:
        account.balance = read_decimal(f"{where}.balance", raw["balance"])
    if "price_per_part" in raw:
        account.price_per_part = read_decimal(f"{where}.price_per_part", raw["price_per_part"])
    if "api_enabled" in raw:
        account.api_enabled = read_flag(f"{where}.api_enabled", raw["api_enabled"])
    if "moderated" in raw:
        account.moderated = read_flag(f"{where}.moderated", raw["moderated"])
    if "currency" in raw:
        account.currency = read_nonempty(f"{where}.currency", raw["currency"], blank=True)
    if "senders" in raw:
        account.senders = read_strings(f"{where}.senders", raw["senders"])
    if "undelivered_last_digits" in raw:
        account.undelivered_last_digits = read_last_digits(
            f"{where}.undelivered_last_digits", raw["undelivered_last_digits"]
        )
    return account


def validate_seed(raw_seed: object) -> tuple[list[LetsAdsAccount], bool, int]:
    """Check a ``"letsads"`` seed section; return (accounts, status_leading_space, first_sms_id)."""
    raw = read_table("seed 'letsads'", raw_seed, LetsAdsSeed)
    raw_accounts = read_list("seed 'letsads.accounts'", raw.get("accounts", []))
    accounts = [_account_from_seed(f"letsads.accounts[{i}]", item) for i, item in enumerate(raw_accounts)]
    duplicates = repeated(account.login for account in accounts)
    if duplicates:
        raise ValueError(f"seed 'letsads.accounts': duplicate login(s) {duplicates}")
    leading_space = read_flag("seed 'letsads.status_leading_space'", raw.get("status_leading_space", True))
    first_id = read_positive("seed 'letsads.first_sms_id'", raw.get("first_sms_id", 633217))
    return accounts, leading_space, first_id


# -- request checks ------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code: str, operation: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.operation = operation


_OPERATIONS: Final = {"message": "send", "sms_id": "status", "balance": "balance"}
_ALPHA_SENDER = re.compile(r"[A-Za-z0-9._-](?:[A-Za-z0-9 ._-]{0,9}[A-Za-z0-9._-])?")
_NUMERIC_SENDER = re.compile(r"[0-9]{1,15}")
_RECIPIENT = re.compile(r"[0-9]{7,15}")
_SMS_ID = re.compile(r"[0-9]+")
_LETTER = re.compile(r"[A-Za-z]")


def sender_is_well_formed(sender: str) -> bool:
    """The emulator's INCORRECT_FROM rule (see the module docstring)."""
    if _NUMERIC_SENDER.fullmatch(sender):
        return True
    return bool(_ALPHA_SENDER.fullmatch(sender)) and bool(_LETTER.search(sender))


@functools.cache
def _phonenumbers() -> Callable[[str], bool]:
    import phonenumbers

    def possible(digits: str) -> bool:
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return False
        return bool(phonenumbers.is_possible_number(number))

    return possible


def recipient_is_valid(recipient: str) -> bool:
    """The emulator's INCORRECT_RECIPIENT_ rule: 7..15 digits and a possible number with a leading '+'."""
    value = recipient.strip()
    return bool(_RECIPIENT.fullmatch(value)) and _phonenumbers()(value)


def _leaf(element: etree._Element, operation: str | None) -> str:
    """The text of a value element; child elements make the request malformed."""
    if len(element):
        raise _Refused(LetsAdsError.REQUEST_FORMAT, operation)
    return element.text or ""


def _at_most_one(parent: etree._Element, tag: str, operation: str | None) -> etree._Element | None:
    found = parent.findall(tag)
    if len(found) > 1:
        raise _Refused(LetsAdsError.REQUEST_FORMAT, operation)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class _Parsed:
    operation: str
    login: str
    password: str
    sender: str = ""
    text: str = ""
    recipients: tuple[str, ...] = ()
    sms_id: int = 0


def _parse(body: bytes) -> _Parsed:
    """Checks 1-3 of the module docstring; raises `_Refused`."""
    if not body.strip():
        raise _Refused(LetsAdsError.NO_DATA)
    try:
        root = parse_untrusted(body)
    except (XMLSyntaxError, UnsafeXMLError, ValueError):
        raise _Refused(LetsAdsError.WRONG_DATA_FORMAT) from None
    if root.tag != "request":
        raise _Refused(LetsAdsError.REQUEST_FORMAT)
    children = [child for child in root if isinstance(child.tag, str)]
    ops = [child for child in children if child.tag in _OPERATIONS]
    operation = _OPERATIONS[str(ops[0].tag)] if len(ops) == 1 else None
    auths = [child for child in children if child.tag == "auth"]
    if len(auths) != 1 or operation is None:
        raise _Refused(LetsAdsError.REQUEST_FORMAT, operation)
    login_el = _at_most_one(auths[0], "login", operation)
    password_el = _at_most_one(auths[0], "password", operation)
    login = "" if login_el is None else _leaf(login_el, operation)
    password = "" if password_el is None else _leaf(password_el, operation)
    element = ops[0]
    if operation == "send":
        from_el = _at_most_one(element, "from", operation)
        text_el = _at_most_one(element, "text", operation)
        recipients = tuple(_leaf(r, operation) for r in element.findall("recipient"))
        if not recipients:
            raise _Refused(LetsAdsError.REQUEST_FORMAT, operation)
        return _Parsed(
            operation,
            login,
            password,
            sender="" if from_el is None else _leaf(from_el, operation),
            text="" if text_el is None else _leaf(text_el, operation),
            recipients=recipients,
        )
    if operation == "status":
        raw_id = _leaf(element, operation).strip()
        if not _SMS_ID.fullmatch(raw_id):
            raise _Refused(LetsAdsError.REQUEST_FORMAT, operation)
        # Ids longer than any real one cannot exist (and int() refuses over 4300 digits).
        sms_id = int(raw_id) if len(raw_id) <= 18 else -1
        return _Parsed(operation, login, password, sms_id=sms_id)
    return _Parsed(operation, login, password)


def _xml(*fields: tuple[str, str]) -> bytes:
    root = etree.Element("response")
    for tag, text in fields:
        etree.SubElement(root, tag).text = text
    return _XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


# -- the provider --------------------------------------------------------------------------------


class LetsAds:
    """The LetsAds emulator: its state (accounts, messages) and its request handler.

    Reach it as ``Emulator.letsads``. Mutating the state directly (``accounts[login].balance = …``) or with
    `add_account` is fine between requests; `Emulator.reset` returns to the seed.

    Attributes:
        accounts: login → account.
        messages: message id → message.
        status_leading_space: answer ``<name> Status</name>`` as documented (True) or ``Status`` (False).
    """

    name: Final = "letsads"
    #: Emulated seconds from creation to MESSAGE_IS_SENT.
    SENT_AFTER: Final = 5.0
    #: Emulated seconds from creation to the final status.
    FINAL_AFTER: Final = 30.0
    MAX_RECIPIENTS: Final = 50
    MAX_GSM7_CHARACTERS: Final = 459
    MAX_UCS2_CHARACTERS: Final = 402

    def __init__(self, seed: object, clock: Clock, lock: threading.RLock | None = None) -> None:
        self._seed_accounts, self._seed_leading_space, self._first_id = validate_seed(seed)
        self._clock = clock
        self._lock = lock if lock is not None else threading.RLock()
        self.accounts: dict[str, LetsAdsAccount] = {}
        self.messages: dict[int, LetsAdsMessage] = {}
        self.status_leading_space: bool = True
        self._next_id = self._first_id
        self.reset()

    def reset(self) -> None:
        """Back to the seed: its accounts, no messages, ids from the first one again."""
        with self._lock:
            self.accounts = {a.login: fresh_copy(a) for a in self._seed_accounts}
            self.messages = {}
            self.status_leading_space = self._seed_leading_space
            self._next_id = self._first_id

    def add_account(
        self,
        login: str,
        password: str,
        *,
        balance: Decimal | str = "100.00",
        currency: str = "UAH",
        api_enabled: bool = True,
        moderated: bool = True,
        senders: Iterable[str] = ("Sender", "smsgate"),
        price_per_part: Decimal | str = "0.50",
        undelivered_last_digits: str = "9",
    ) -> LetsAdsAccount:
        """Create (or replace) an account until the next reset and return it."""
        account = _account_from_seed(
            "account",
            {
                "login": login,
                "password": password,
                "balance": str(balance),
                "currency": currency,
                "api_enabled": api_enabled,
                "moderated": moderated,
                "senders": list(senders),
                "price_per_part": str(price_per_part),
                "undelivered_last_digits": undelivered_last_digits,
            },
        )
        with self._lock:
            self.accounts[account.login] = account
        return account

    # -- HTTP -------------------------------------------------------------------------------------

    def peek_operation(self, request: Request) -> str | None:
        """``"send"``, ``"status"`` or ``"balance"``, without processing the request; None when unclear."""
        try:
            return _parse(request.body).operation
        except _Refused as refused:
            return refused.operation

    def error_reply(self, code: str) -> Reply:
        """``<name>Error</name><description>{code}</description>``."""
        return Reply(200, _CONTENT_TYPE, _xml(("name", "Error"), ("description", code)), outcome=code)

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the module docstring)."""
        if request.path not in ("", "/"):
            return Reply(404, (("Content-Type", "text/html; charset=utf-8"),), b"<h1>Not Found</h1>")
        operation: str | None = None
        try:
            parsed = _parse(request.body)
            operation = parsed.operation
            with self._lock:
                account = self._authenticate(parsed)
                if operation == "send":
                    return self._send(account, parsed)
                if operation == "status":
                    return self._status(account, parsed)
                return self._balance(account)
        except _Refused as refused:
            return replace(self.error_reply(refused.code), operation=refused.operation or operation)

    def _authenticate(self, parsed: _Parsed) -> LetsAdsAccount:
        account = self.accounts.get(parsed.login.strip())
        if account is None or not hmac.compare_digest(
            parsed.password.encode("utf-8"), account.password.encode("utf-8")
        ):
            raise _Refused(LetsAdsError.AUTH_DATA, parsed.operation)
        if not account.api_enabled:
            raise _Refused(LetsAdsError.API_DISABLED, parsed.operation)
        return account

    def _send(self, account: LetsAdsAccount, parsed: _Parsed) -> Reply:
        def refuse(code: str) -> _Refused:
            return _Refused(code, "send")

        if not account.moderated:
            raise refuse(LetsAdsError.USER_NOT_MODERATED)
        sender = parsed.sender.strip()
        if not sender_is_well_formed(sender):
            raise refuse(LetsAdsError.INCORRECT_FROM)
        if sender not in account.senders:
            raise refuse(LetsAdsError.INVALID_FROM)
        text = parsed.text
        if not text.strip():
            raise refuse(LetsAdsError.NO_MESSAGE)
        segments = analyze(text)
        limit = self.MAX_GSM7_CHARACTERS if segments.encoding is Encoding.GSM7 else self.MAX_UCS2_CHARACTERS
        if segments.characters > limit:
            raise refuse(LetsAdsError.MESSAGE_TOO_LONG)
        if len(parsed.recipients) > self.MAX_RECIPIENTS:
            raise refuse(LetsAdsError.MAX_MESSAGES_COUNT)
        for recipient in parsed.recipients:
            if not recipient_is_valid(recipient):
                raise refuse(LetsAdsError.INCORRECT_RECIPIENT + recipient)
        cost_each = account.price_per_part * segments.parts
        if account.balance < cost_each * len(parsed.recipients):
            raise refuse(LetsAdsError.NOT_ENOUGH_MONEY)
        now = self._clock.now()
        ids: list[str] = []
        for raw in parsed.recipients:
            recipient = raw.strip()
            account.balance -= cost_each
            message = LetsAdsMessage(
                id=self._next_id,
                login=account.login,
                sender=sender,
                recipient=recipient,
                text=text,
                encoding=segments.encoding,
                parts=segments.parts,
                cost=cost_each,
                created_at=now,
                delivered=recipient[-1] not in account.undelivered_last_digits,
                _clock=self._clock,
            )
            self.messages[message.id] = message
            ids.append(str(message.id))
            self._next_id += 1
        fields = [("name", "Complete"), ("description", f"{len(ids)} messages put into queue")]
        fields += [("sms_id", sms_id) for sms_id in ids]
        return Reply(200, _CONTENT_TYPE, _xml(*fields), operation="send", outcome="Complete")

    def _status(self, account: LetsAdsAccount, parsed: _Parsed) -> Reply:
        message = self.messages.get(parsed.sms_id)
        if message is None or message.login != account.login:
            raise _Refused(LetsAdsError.MESSAGE_NOT_EXIST, "status")
        status = message.status_at(self._clock.now())
        name = " Status" if self.status_leading_space else "Status"
        body = _xml(("name", name), ("description", status.value))
        return Reply(200, _CONTENT_TYPE, body, operation="status", outcome=status.value)

    def _balance(self, account: LetsAdsAccount) -> Reply:
        body = _xml(("name", "Balance"), ("description", format_money(account.balance)), ("currency", account.currency))
        return Reply(200, _CONTENT_TYPE, body, operation="balance", outcome="Balance")

    # -- state ------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """Accounts (without passwords) with balances, messages with their current status, counts."""
        with self._lock:
            now = self._clock.now()
            statuses = {status.value: 0 for status in LetsAdsStatus}
            messages = []
            for message in self.messages.values():
                entry = message.to_json()
                entry["status"] = message.status_at(now).value
                statuses[message.status_at(now).value] += 1
                messages.append(entry)
            return {
                "accounts": [account.to_json() for account in self.accounts.values()],
                "messages": messages,
                "status_leading_space": self.status_leading_space,
                "counts": {
                    "accounts": len(self.accounts),
                    "messages": len(self.messages),
                    "statuses": statuses,
                },
            }
