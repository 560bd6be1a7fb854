"""SMSClub, emulated as documented (seed 003, PROVIDERS.md §3, ``schemas/smsclub/``).

Five operations, each an HTTP ``POST`` to its own path under the prefix (so a client with
``base_url=emu.base_url("smsclub")`` posts to ``…/smsclub/sms/send``), authenticated with
``Authorization: Bearer <token>``, with a UTF-8 JSON body where the operation takes one:

==========================  ==========  =======================================================================
path                        operation   body
==========================  ==========  =======================================================================
``/sms/send``               send        ``{"src_addr": …, "phone": [...], "message": …, "integration_id"?: …}``
``/v2/sms/send``            personal    ``{"src_addr": …, "data_message": [{"phone": …, "message": …}, …]}``
``/sms/status``             status      ``{"id_sms": ["106", …]}`` (strings; integers are accepted too)
``/sms/originator``         originator  none (a body is ignored)
``/sms/balance``            balance     none (a body is ignored)
==========================  ==========  =======================================================================

and the two sender-name (alpha name) endpoints of SMSClub's official PHP examples (``json_sms/
originator_create.php``, ``originator_status.php``; not on the API page, replies not shown anywhere — see
"Sender-name registration" below):

=========================================  =======================  ==============================================
path                                       operation                body
=========================================  =======================  ==============================================
``/originators/registration-originators``  originator_registration  ``{"sender_id", "company_type", "company",
                                                                    "inn", "okpo", "subject", "description",
                                                                    "site"}``
``/originators/stat-originators``          originator_status        ``{"sender_id": …}`` (without it: every name)
=========================================  =======================  ==============================================

Replies are ``application/json; charset=UTF-8`` in exactly the shapes of ``smsclub.schema.json``: a success is
HTTP 200 ``{"success_request": {"info": …, "add_info"?: …}}`` (``info`` keyed by message id for send and
status, an array of names for originator, ``{"money": "8111.1700", "currency": "UAH"}`` for balance);
a validation failure is HTTP 400 ``{"success_request": {"add_info": …}}`` (no ``info``); every other error is
the flat Yii-style ``{"name": …, "message": …, "code": 0, "status": N}`` with HTTP status N.

The checks run in this order; the first failing one answers:

1. 404 / 405 — an unknown path, or a method other than POST (flat body; not provider codes).
2. **401** — no ``Authorization: Bearer <token>`` header, or an unknown token (with ``WWW-Authenticate``).
3. **429** — more than `SmsClub.rate_limit` (9) requests in the last second with that token. The window
   slides on the **real monotonic clock** (`SmsClub.monotonic`, replaceable in tests), not the emulated one:
   the limit is about the pace of a client's HTTP calls, which the emulated clock (frozen in tests,
   60× in the demo) does not measure. Only accepted requests fill the window; a refused one carries
   ``Retry-After`` (whole seconds until a slot frees, at least 1). ``rate_limit = 0`` switches it off.
4. **400** — field validation, every failing field listed in ``add_info`` at once (keys ``src_addr``,
   ``phone``, ``message``, ``data_message``, ``id_sms``, ``integration_id``): the body is read as JSON
   whatever its ``Content-Type``, and one that is not a JSON object counts as empty;
   ``src_addr`` missing or not one of the account's registered ``originators`` (exact match);
   ``phone`` not an array of 1..100 items; ``message`` missing, empty or longer than 1521 characters
   (661 when any character is not GSM-7 — the limit ``sol-parts`` enforces; unconfirmed);
   ``data_message`` not an array of 1..100 objects; ``id_sms`` not an array of 1..100 ids made of digits.
5. Per recipient (send, personal): a phone that is not a possible international number of 10..15 digits
   (a leading ``+`` is dropped; a Ukrainian national ``0XXXXXXXXX`` becomes ``380XXXXXXXXX``) — or, in a
   personal send, whose own message is empty or too long — is rejected in ``add_info`` (phone → reason) and
   the others go on: **partial success is normal**. When every phone is rejected the reply is HTTP 200 with
   ``add_info`` only and nothing is sent.
6. **453** — an accepted phone already got the same text from this account less than 2 minutes ago on the
   emulated clock (`SmsClub.DUPLICATE_WINDOW`), or appears twice with the same text in the request. The
   whole request is refused; nothing is sent.
7. **400** ``{"add_info": {"balance": "Insufficient funds"}}`` — the balance does not cover
   ``price_per_part`` × parts of every accepted message (the page documents no code for it). Nothing sent.

Status: ids of messages of the caller's account get their status in ``info``; other ids (unknown, or of
another account) are not reported: when none is known the reply is HTTP 400 with ``add_info`` the plain
string ``"Invalid id_sms"``; otherwise HTTP 200 with ``info`` and that same ``add_info`` string.

**500 and every other 5xx are fault-only**: inject them with the ``error_code`` fault (``code="500"``,
``"5xx"`` = 503, or any status ``"502"``…); the fault answers any errors.toml code with its own body shape.

Success: ids are integers from 106 (the page's example), increasing, shared by all accounts, as strings.
Each accepted message is charged ``price_per_part`` (default 0.85 UAH) per part (`smsgate._segments.analyze`).
A message is ``ENROUTE`` when created and final 30 emulated seconds later: ``UNDELIV`` when the recipient's
last digit is one of the account's ``undelivered_last_digits`` (default ``"9"``), else ``DELIVRD``.
The balance shows ``money`` with four decimals, as the page does (``"8111.1700"``).

``documented_replies = True`` (a seed switch, default False) makes the balance answer the page's broken
text, ``"info": ["money": "…", "currency": "…"]`` (key/value pairs inside an array, not JSON), so an SDK's
tolerance of that defect can be tested over HTTP.

Sender-name registration
========================

SMSClub's official examples only send these requests and print the decoded reply, so the emulator answers in
the API's own envelope (presumed): HTTP 200 ``{"success_request": {"info": {"<sender_id>": "<state>"}}}``, or
HTTP 400 ``{"success_request": {"add_info": {"<field>": "<reason>"}}}`` listing every failing field.

* ``registration-originators`` checks: ``sender_id`` 1..11 Latin letters, digits, spaces, ``.``, ``_`` or ``-``
  (the official example's ``test_an`` has an underscore), and not already the account's name nor already
  requested (``"Alpha name already exists"``); ``company_type`` ``fop`` (an individual entrepreneur: ``inn``
  required, digits) or ``tov`` (a company: ``okpo``, its EDRPOU code, required, digits) — the official example
  sends ``fop`` with an empty ``okpo``; ``company``, ``subject`` and ``description`` non-blank strings;
  ``site`` a string when given. The request is recorded in the account's ``registrations`` and answered
  ``"Being moderated"``.
* A registration is moderated on the emulated clock: `SmsClub.MODERATION_AFTER` (one hour) after it was made
  it is ``"Approved"``: ``/sms/originator`` lists it after the seeded names and sends may use it.
* ``stat-originators`` answers the state of ``sender_id`` (the seeded names are ``"Approved"``), or of every
  name of the account when ``sender_id`` is absent; a name the account neither has nor requested is HTTP 400
  ``{"add_info": {"sender_id": "Alpha name not found"}}``.

Tokens never appear in ``repr()``, in the state output or in the request log.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from http import HTTPStatus
from typing import Final, NotRequired, TypedDict

from smsgate._segments import Encoding, analyze
from smsgate.emulator._clock import Clock
from smsgate.emulator._letsads import recipient_is_valid
from smsgate.emulator._seedutil import (
    format_money,
    fresh_copy,
    read_currency_code,
    read_decimal,
    read_flag,
    read_last_digits,
    read_list,
    read_nonempty,
    read_positive,
    read_strings,
    read_table,
)
from smsgate.emulator._server import Reply, Request

__all__ = [
    "SMSCLUB_DEFAULT_SEED",
    "SmsClub",
    "SmsClubAccount",
    "SmsClubAccountSeed",
    "SmsClubMessage",
    "SmsClubRegistration",
    "SmsClubSeed",
    "SmsClubStatus",
]

_CONTENT_TYPE = ("Content-Type", "application/json; charset=UTF-8")
_MONEY = Decimal("0.0001")


class SmsClubStatus(StrEnum):
    """Message statuses the emulator answers (the page's five SMPP-style codes)."""

    ENROUTE = "ENROUTE"
    DELIVRD = "DELIVRD"
    EXPIRED = "EXPIRED"
    UNDELIV = "UNDELIV"
    REJECTD = "REJECTD"


# -- seed shapes ---------------------------------------------------------------------------------


class SmsClubAccountSeed(TypedDict):
    """One account in a seed. `name` identifies it in the state output (the token never appears there)."""

    name: str
    token: str
    balance: NotRequired[str]
    currency: NotRequired[str]
    originators: NotRequired[list[str]]
    price_per_part: NotRequired[str]
    undelivered_last_digits: NotRequired[str]


class SmsClubSeed(TypedDict, total=False):
    """The ``"smsclub"`` section of a seed."""

    accounts: list[SmsClubAccountSeed]
    first_sms_id: int
    rate_limit: int
    documented_replies: bool


_ORIGINATORS = ["VashZakaz", "test1", "test2", "smsgate"]
#: The states ``stat-originators`` answers (presumed texts: SMSClub shows none).
_APPROVED: Final = "Approved"
_MODERATED: Final = "Being moderated"

#: The SMSClub part of `smsgate.emulator.DEFAULT_SEED`.
SMSCLUB_DEFAULT_SEED: Final[SmsClubSeed] = {
    "accounts": [
        # The page's examples: sender VashZakaz, balance 8111.17 UAH.
        {"name": "main", "token": "smsclub-test-token", "balance": "8111.17", "originators": list(_ORIGINATORS)},
        # A second account: its messages are invisible to the first.
        {"name": "second", "token": "smsclub-second-token", "balance": "100.00", "originators": ["smsgate"]},
        # No money: every send is refused.
        {"name": "empty", "token": "smsclub-empty-token", "balance": "0.00", "originators": list(_ORIGINATORS)},
    ],
    "first_sms_id": 106,
    "rate_limit": 9,
    "documented_replies": False,
}


# -- state ---------------------------------------------------------------------------------------


@dataclass
class SmsClubAccount:
    """An SMSClub account. The token is never shown in ``repr()`` nor in the state output."""

    name: str
    token: str = field(repr=False)
    balance: Decimal = Decimal("100.00")
    currency: str = "UAH"
    originators: list[str] = field(default_factory=lambda: list(_ORIGINATORS))
    price_per_part: Decimal = Decimal("0.85")
    #: Recipients whose last digit is one of these end UNDELIV; the others DELIVRD.
    undelivered_last_digits: str = "9"
    #: Sender names requested through ``/originators/registration-originators``, by name.
    registrations: dict[str, SmsClubRegistration] = field(default_factory=dict)

    def senders_at(self, now: datetime) -> list[str]:
        """The names the account may send from at `now`: the seeded ones, then the approved registrations."""
        approved = [
            name for name, r in self.registrations.items() if r.approved_at(now) and name not in self.originators
        ]
        return [*self.originators, *approved]

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state, without the token."""
        return {
            "name": self.name,
            "balance": format_money(self.balance, _MONEY),
            "currency": self.currency,
            "originators": list(self.originators),
            "registrations": sorted(self.registrations),
            "price_per_part": str(self.price_per_part),
            "undelivered_last_digits": self.undelivered_last_digits,
        }


@dataclass
class SmsClubRegistration:
    """A sender-name registration request (``/originators/registration-originators``)."""

    sender_id: str
    company_type: str
    company: str
    inn: str
    okpo: str
    subject: str
    description: str
    site: str
    requested_at: datetime

    def approved_at(self, now: datetime) -> bool:
        """Whether moderation is over at emulated time `now`."""
        return now - self.requested_at >= timedelta(seconds=SmsClub.MODERATION_AFTER)

    def to_json(self, now: datetime) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "sender_id": self.sender_id,
            "company_type": self.company_type,
            "company": self.company,
            "requested_at": self.requested_at.isoformat(),
            "state": _APPROVED if self.approved_at(now) else _MODERATED,
        }


@dataclass
class SmsClubMessage:
    """One message to one recipient. `status` follows the emulated clock."""

    id: int
    account: str
    sender: str
    phone: str
    text: str
    encoding: Encoding
    parts: int
    cost: Decimal
    created_at: datetime
    delivered: bool
    _clock: Clock = field(repr=False, compare=False)

    @property
    def status(self) -> SmsClubStatus:
        """The status now, on the emulated clock."""
        return self.status_at(self._clock.now())

    def status_at(self, now: datetime) -> SmsClubStatus:
        """The status at emulated time `now`."""
        if now - self.created_at < timedelta(seconds=SmsClub.FINAL_AFTER):
            return SmsClubStatus.ENROUTE
        return SmsClubStatus.DELIVRD if self.delivered else SmsClubStatus.UNDELIV

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "id": self.id,
            "account": self.account,
            "sender": self.sender,
            "phone": self.phone,
            "text": self.text,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "cost": str(self.cost),
            "created_at": self.created_at.isoformat(),
            "status": str(self.status),
        }


def _account_from_seed(where: str, raw_account: object) -> SmsClubAccount:
    raw = read_table(where, raw_account, SmsClubAccountSeed)
    name = read_nonempty(f"{where}.name", raw.get("name")).strip()
    token = raw.get("token")
    if not isinstance(token, str) or not token or any(c.isspace() for c in token):
        raise ValueError(f"{where}.token must be a non-empty string without spaces")
    account = SmsClubAccount(name=name, token=token)
    if "balance" in raw:
        account.balance = read_decimal(f"{where}.balance", raw["balance"])
    if "price_per_part" in raw:
        account.price_per_part = read_decimal(f"{where}.price_per_part", raw["price_per_part"])
    if "currency" in raw:
        account.currency = read_currency_code(f"{where}.currency", raw["currency"], "UAH")
    if "originators" in raw:
        account.originators = read_strings(f"{where}.originators", raw["originators"], nonempty=True)
    if "undelivered_last_digits" in raw:
        account.undelivered_last_digits = read_last_digits(
            f"{where}.undelivered_last_digits", raw["undelivered_last_digits"]
        )
    return account


@dataclass(frozen=True, slots=True)
class _SeedState:
    accounts: list[SmsClubAccount]
    first_sms_id: int
    rate_limit: int
    documented_replies: bool


def validate_seed(raw_seed: object) -> _SeedState:
    """Check an ``"smsclub"`` seed section."""
    raw = read_table("seed 'smsclub'", raw_seed, SmsClubSeed)
    raw_accounts = read_list("seed 'smsclub.accounts'", raw.get("accounts", []))
    accounts = [_account_from_seed(f"smsclub.accounts[{i}]", item) for i, item in enumerate(raw_accounts)]
    for attribute in ("name", "token"):
        values = [getattr(account, attribute) for account in accounts]
        if len(set(values)) != len(values):
            raise ValueError(f"seed 'smsclub.accounts': duplicate {attribute}(s)")
    first_id = read_positive("seed 'smsclub.first_sms_id'", raw.get("first_sms_id", 106))
    rate_limit = raw.get("rate_limit", SmsClub.RATE_LIMIT)
    if isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 0:
        raise ValueError("seed 'smsclub.rate_limit' must be an integer >= 0 (0 switches the limit off)")
    documented = read_flag("seed 'smsclub.documented_replies'", raw.get("documented_replies", False))
    return _SeedState(accounts, first_id, rate_limit, documented)


# -- request checks ------------------------------------------------------------------------------

_OPERATIONS: Final = {
    "/sms/send": "send",
    "/v2/sms/send": "personal",
    "/sms/status": "status",
    "/sms/originator": "originator",
    "/sms/balance": "balance",
    "/originators/registration-originators": "originator_registration",
    "/originators/stat-originators": "originator_status",
}
_BEARER = re.compile(r"Bearer[ \t]+(\S+)[ \t]*", re.IGNORECASE)
_ID_SMS = re.compile(r"[0-9]{1,18}")
_INTERNATIONAL = re.compile(r"[1-9][0-9]{9,14}")
_UA_NATIONAL = re.compile(r"0[0-9]{9}")
_BAD_SENDER = "Некоректне Альфа Ім'я"
_BAD_PHONE = "Incorrect phone number"
_INVALID_ID_SMS = "Invalid id_sms"
_SENDER_ID = re.compile(r"[A-Za-z0-9 ._-]{1,11}")
_DIGITS = re.compile(r"[0-9]{1,20}")

_FLAT_MESSAGES: Final = {
    401: ("Unauthorized", "Your request was made with invalid credentials."),
    404: ("Not Found", "Page not found."),
    405: ("Method Not Allowed", "Method Not Allowed. This URL can only handle the following request methods: POST."),
    429: ("Too Many Requests", "Rate limit exceeded."),
    453: ("Error", "Duplicate message: the same text was sent to this number less than 2 minutes ago."),
    500: ("Internal Server Error", "An internal server error occurred."),
    503: ("Service Unavailable", "The service is temporarily unavailable."),
}


def normalize_phone(raw: object) -> str | None:
    """The international digits of a recipient, or None when SMSClub would reject it (module docstring)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    value = str(raw).strip().removeprefix("+")
    if _UA_NATIONAL.fullmatch(value):
        value = "38" + value
    if not _INTERNATIONAL.fullmatch(value) or not recipient_is_valid(value):
        return None
    return value


def _text_problem(text: object) -> str | None:
    """Why a message text is refused, or None."""
    if not isinstance(text, str) or not text.strip():
        return "Message text is empty"
    segments = analyze(text)
    limit = SmsClub.MAX_GSM7_CHARACTERS if segments.encoding is Encoding.GSM7 else SmsClub.MAX_UCS2_CHARACTERS
    if segments.characters > limit:
        return f"Message text is too long (at most {limit} characters)"
    return None


def _json(
    status: int, payload: object, *, operation: str | None, outcome: str, headers: Iterable[tuple[str, str]] = ()
) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(status, (_CONTENT_TYPE, *headers), body, operation=operation, outcome=outcome)


def _flat(status: int, operation: str | None, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    name, message = _FLAT_MESSAGES.get(status) or (_reason(status), _reason(status))
    payload = {"name": name, "message": message, "code": 0, "status": status}
    return _json(status, payload, operation=operation, outcome=str(status), headers=headers)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _validation(add_info: object, operation: str | None) -> Reply:
    return _json(400, {"success_request": {"add_info": add_info}}, operation=operation, outcome="400")


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.outcome)
        self.reply = reply


@dataclass(frozen=True, slots=True)
class _Item:
    """One accepted recipient of a send."""

    phone: str
    text: str


# -- the provider --------------------------------------------------------------------------------


class SmsClub:
    """The SMSClub emulator: its state (accounts, messages) and its request handler.

    Reach it as ``Emulator.smsclub``. Mutating the state between requests is fine; `Emulator.reset` returns to
    the seed.

    Attributes:
        accounts: account name → account (look one up by token with `account_for_token`).
        messages: message id → message.
        rate_limit: requests per second per token (9); 0 switches the limit off.
        documented_replies: answer the balance in the page's broken shape (see the module docstring).
        monotonic: the real clock the rate limit reads (`time.monotonic`); a test may replace it.
    """

    name: Final = "smsclub"
    #: Emulated seconds from creation to the final status.
    FINAL_AFTER: Final = 30.0
    #: Emulated seconds during which the same text to the same phone is a duplicate (453).
    DUPLICATE_WINDOW: Final = 120.0
    #: Requests per second per token.
    RATE_LIMIT: Final = 9
    #: Real seconds of the rate-limit window.
    RATE_WINDOW: Final = 1.0
    MAX_RECIPIENTS: Final = 100
    MAX_IDS: Final = 100
    MAX_GSM7_CHARACTERS: Final = 1521
    MAX_UCS2_CHARACTERS: Final = 661
    #: Emulated seconds a sender-name registration stays "Being moderated" before it is "Approved".
    MODERATION_AFTER: Final = 3600.0

    def __init__(self, seed: object, clock: Clock, lock: threading.RLock | None = None) -> None:
        self._seed = validate_seed(seed)
        self._clock = clock
        self._lock = lock if lock is not None else threading.RLock()
        self.monotonic: Callable[[], float] = time.monotonic
        self.accounts: dict[str, SmsClubAccount] = {}
        self.messages: dict[int, SmsClubMessage] = {}
        self.rate_limit: int = self._seed.rate_limit
        self.documented_replies: bool = self._seed.documented_replies
        self._next_id = self._seed.first_sms_id
        self._windows: dict[str, deque[float]] = {}
        self._recent: dict[tuple[str, str, str], datetime] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the seed: accounts and switches, no messages, ids from the first one, empty windows, real clock."""
        with self._lock:
            self.accounts = {a.name: fresh_copy(a) for a in self._seed.accounts}
            self.messages = {}
            self.rate_limit = self._seed.rate_limit
            self.documented_replies = self._seed.documented_replies
            self._next_id = self._seed.first_sms_id
            self._windows = {}
            self._recent = {}
            self.monotonic = time.monotonic

    def add_account(
        self,
        name: str,
        token: str,
        *,
        balance: Decimal | str = "100.00",
        currency: str = "UAH",
        originators: Iterable[str] = tuple(_ORIGINATORS),
        price_per_part: Decimal | str = "0.85",
        undelivered_last_digits: str = "9",
    ) -> SmsClubAccount:
        """Create (or replace) an account until the next reset and return it."""
        account = _account_from_seed(
            "account",
            {
                "name": name,
                "token": token,
                "balance": str(balance),
                "currency": currency,
                "originators": list(originators),
                "price_per_part": str(price_per_part),
                "undelivered_last_digits": undelivered_last_digits,
            },
        )
        with self._lock:
            for other in list(self.accounts.values()):
                if other.name != account.name and hmac.compare_digest(other.token, account.token):
                    raise ValueError("another account already has that token")
            self.accounts[account.name] = account
        return account

    def account_for_token(self, token: str) -> SmsClubAccount | None:
        """The account a Bearer token belongs to (compared in constant time), or None."""
        found = None
        for account in self.accounts.values():
            if hmac.compare_digest(account.token.encode("utf-8"), token.encode("utf-8")):
                found = account
        return found

    # -- HTTP -------------------------------------------------------------------------------------

    def peek_operation(self, request: Request) -> str | None:
        """``send``, ``personal``, ``status``, ``originator``, ``balance``, ``originator_registration`` or
        ``originator_status`` from the path; None otherwise."""
        return _OPERATIONS.get(_route(request.path))

    def error_reply(self, code: str) -> Reply:
        """The reply of an errors.toml code: ``"400"`` (validation shape), ``"401"``, ``"429"``, ``"453"``,
        ``"500"``, ``"5xx"`` (503) or any other HTTP status 400..599 (flat shape); anything else is a 500."""
        if code == "400":
            return _validation({"message": "Input validation error"}, None)
        if code == "5xx":
            return _flat(503, None)
        status = int(code) if code.isdigit() and len(code) == 3 else 500
        if not 400 <= status <= 599:
            status = 500
        headers = [("Retry-After", "1")] if status == 429 else []
        if status == 401:
            headers.append(("WWW-Authenticate", 'Bearer realm="api"'))
        return _flat(status, None, headers)

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the module docstring)."""
        operation = _OPERATIONS.get(_route(request.path))
        if operation is None:
            return _flat(404, None)
        if request.method != "POST":
            return _flat(405, operation, [("Allow", "POST")])
        try:
            with self._lock:
                account = self._authenticate(request, operation)
                self._throttle(account, operation)
                if operation == "send":
                    return self._send(account, request.body)
                if operation == "personal":
                    return self._personal(account, request.body)
                if operation == "status":
                    return self._status(account, request.body)
                if operation == "originator":
                    payload = {"success_request": {"info": account.senders_at(self._clock.now())}}
                    return _json(200, payload, operation=operation, outcome="200")
                if operation == "originator_registration":
                    return self._register_originator(account, request.body)
                if operation == "originator_status":
                    return self._originator_status(account, request.body)
                return self._balance(account)
        except _Refused as refused:
            return refused.reply

    def _authenticate(self, request: Request, operation: str) -> SmsClubAccount:
        match = _BEARER.fullmatch(request.headers.get("authorization", ""))
        account = None if match is None else self.account_for_token(match.group(1))
        if account is None:
            raise _Refused(_flat(401, operation, [("WWW-Authenticate", 'Bearer realm="api"')]))
        return account

    def _throttle(self, account: SmsClubAccount, operation: str) -> None:
        if self.rate_limit <= 0:
            return
        now = self.monotonic()
        window = self._windows.setdefault(account.name, deque())
        while window and now - window[0] >= self.RATE_WINDOW:
            window.popleft()
        if len(window) >= self.rate_limit:
            wait = max(1, math.ceil(window[0] + self.RATE_WINDOW - now))
            raise _Refused(_flat(429, operation, [("Retry-After", str(wait))]))
        window.append(now)

    # -- operations --------------------------------------------------------------------------------

    def _send(self, account: SmsClubAccount, body: bytes) -> Reply:
        data = _json_object(body)
        problems: dict[str, str] = {}
        self._check_sender(account, data, problems)
        phones = data.get("phone")
        if not isinstance(phones, list) or not phones:
            problems["phone"] = "Phone list is required"
        elif len(phones) > self.MAX_RECIPIENTS:
            problems["phone"] = f"At most {self.MAX_RECIPIENTS} phone numbers per request"
        text_problem = _text_problem(data.get("message"))
        if text_problem is not None:
            problems["message"] = text_problem
        if "integration_id" in data and not isinstance(data["integration_id"], str | int):
            problems["integration_id"] = "Invalid integration_id"
        if problems:
            raise _Refused(_validation(problems, "send"))
        assert isinstance(phones, list)
        text = data["message"]
        assert isinstance(text, str)
        rejected: dict[str, str] = {}
        items: list[_Item] = []
        for raw in phones:
            phone = normalize_phone(raw)
            if phone is None:
                rejected[_key(raw)] = _BAD_PHONE
            else:
                items.append(_Item(phone, text))
        return self._deliver(account, str(data["src_addr"]), items, rejected, "send")

    def _personal(self, account: SmsClubAccount, body: bytes) -> Reply:
        data = _json_object(body)
        problems: dict[str, str] = {}
        self._check_sender(account, data, problems)
        entries = data.get("data_message")
        if not isinstance(entries, list) or not entries:
            problems["data_message"] = "data_message is required"
        elif len(entries) > self.MAX_RECIPIENTS:
            problems["data_message"] = f"At most {self.MAX_RECIPIENTS} messages per request"
        elif not all(isinstance(entry, dict) for entry in entries):
            problems["data_message"] = "Each item must be an object with phone and message"
        if problems:
            raise _Refused(_validation(problems, "personal"))
        assert isinstance(entries, list)
        rejected: dict[str, str] = {}
        items: list[_Item] = []
        for entry in entries:
            raw, text = entry.get("phone"), entry.get("message")
            phone = normalize_phone(raw)
            problem = _BAD_PHONE if phone is None else _text_problem(text)
            if problem is not None or phone is None:
                rejected[_key(raw)] = problem or _BAD_PHONE
            else:
                assert isinstance(text, str)
                items.append(_Item(phone, text))
        return self._deliver(account, str(data["src_addr"]), items, rejected, "personal")

    def _check_sender(self, account: SmsClubAccount, data: dict[str, object], problems: dict[str, str]) -> None:
        sender = data.get("src_addr")
        if not isinstance(sender, str) or not sender:
            problems["src_addr"] = "src_addr is required"
        elif sender not in account.senders_at(self._clock.now()):
            problems["src_addr"] = _BAD_SENDER

    def _deliver(
        self, account: SmsClubAccount, sender: str, items: list[_Item], rejected: dict[str, str], operation: str
    ) -> Reply:
        if not items:
            return _json(200, {"success_request": {"add_info": rejected}}, operation=operation, outcome="200")
        now = self._clock.now()
        window = timedelta(seconds=self.DUPLICATE_WINDOW)
        seen: set[tuple[str, str]] = set()
        for item in items:
            last = self._recent.get((account.name, item.phone, item.text))
            if (item.phone, item.text) in seen or (last is not None and now - last < window):
                raise _Refused(_flat(453, operation))
            seen.add((item.phone, item.text))
        analyzed = [analyze(item.text) for item in items]
        total = sum((account.price_per_part * segments.parts for segments in analyzed), Decimal(0))
        if account.balance < total:
            raise _Refused(_validation({"balance": "Insufficient funds"}, operation))
        info: dict[str, str] = {}
        for item, segments in zip(items, analyzed, strict=True):
            cost = account.price_per_part * segments.parts
            account.balance -= cost
            message = SmsClubMessage(
                id=self._next_id,
                account=account.name,
                sender=sender,
                phone=item.phone,
                text=item.text,
                encoding=segments.encoding,
                parts=segments.parts,
                cost=cost,
                created_at=now,
                delivered=item.phone[-1] not in account.undelivered_last_digits,
                _clock=self._clock,
            )
            self.messages[message.id] = message
            self._recent[(account.name, item.phone, item.text)] = now
            info[str(message.id)] = item.phone
            self._next_id += 1
        result: dict[str, object] = {"info": info}
        if rejected:
            result["add_info"] = rejected
        return _json(200, {"success_request": result}, operation=operation, outcome="200")

    def _status(self, account: SmsClubAccount, body: bytes) -> Reply:
        data = _json_object(body)
        raw_ids = data.get("id_sms")
        if not isinstance(raw_ids, list) or not raw_ids:
            raise _Refused(_validation({"id_sms": "id_sms is required"}, "status"))
        if len(raw_ids) > self.MAX_IDS:
            raise _Refused(_validation({"id_sms": f"At most {self.MAX_IDS} ids per request"}, "status"))
        ids: list[int] = []
        for raw in raw_ids:
            text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
            if not isinstance(text, str) or not _ID_SMS.fullmatch(text):
                raise _Refused(_validation({"id_sms": "Each id must be a string of digits"}, "status"))
            if int(text) not in ids:
                ids.append(int(text))
        now = self._clock.now()
        info: dict[str, str] = {}
        for sms_id in ids:
            message = self.messages.get(sms_id)
            if message is not None and message.account == account.name:
                info[str(sms_id)] = message.status_at(now).value
        if not info:
            raise _Refused(_validation(_INVALID_ID_SMS, "status"))
        result: dict[str, object] = {"info": info}
        if len(info) < len(ids):
            result["add_info"] = _INVALID_ID_SMS
        return _json(200, {"success_request": result}, operation="status", outcome="200")

    def _register_originator(self, account: SmsClubAccount, body: bytes) -> Reply:
        data = _json_object(body)
        problems: dict[str, str] = {}
        sender_id = data.get("sender_id")
        if not isinstance(sender_id, str) or not _SENDER_ID.fullmatch(sender_id):
            problems["sender_id"] = "The alpha name must be 1..11 Latin letters, digits, spaces, '.', '_' or '-'"
        elif sender_id in account.originators or sender_id in account.registrations:
            problems["sender_id"] = "Alpha name already exists"
        company_type = data.get("company_type")
        if company_type not in ("fop", "tov"):
            problems["company_type"] = "company_type must be fop or tov"
        number_field = {"fop": "inn", "tov": "okpo"}.get(str(company_type))
        if number_field is not None:
            number = data.get(number_field)
            if not isinstance(number, str | int) or isinstance(number, bool) or not _DIGITS.fullmatch(str(number)):
                problems[number_field] = f"{number_field} is required (digits)"
        for name in ("company", "subject", "description"):
            value = data.get(name)
            if not isinstance(value, str) or not value.strip():
                problems[name] = f"{name} is required"
        if not isinstance(data.get("site", ""), str):
            problems["site"] = "site must be a string"
        if problems:
            raise _Refused(_validation(problems, "originator_registration"))
        assert isinstance(sender_id, str)
        assert isinstance(company_type, str)
        registration = SmsClubRegistration(
            sender_id=sender_id,
            company_type=company_type,
            company=str(data["company"]),
            inn=str(data.get("inn", "")),
            okpo=str(data.get("okpo", "")),
            subject=str(data["subject"]),
            description=str(data["description"]),
            site=str(data.get("site", "")),
            requested_at=self._clock.now(),
        )
        account.registrations[sender_id] = registration
        payload = {"success_request": {"info": {sender_id: _MODERATED}}}
        return _json(200, payload, operation="originator_registration", outcome="200")

    def _originator_status(self, account: SmsClubAccount, body: bytes) -> Reply:
        now = self._clock.now()
        states = {name: _APPROVED for name in account.originators}
        for name, registration in account.registrations.items():
            states.setdefault(name, _APPROVED if registration.approved_at(now) else _MODERATED)
        data = _json_object(body)
        if "sender_id" in data:
            sender_id = data["sender_id"]
            if not isinstance(sender_id, str) or sender_id not in states:
                raise _Refused(_validation({"sender_id": "Alpha name not found"}, "originator_status"))
            states = {sender_id: states[sender_id]}
        return _json(200, {"success_request": {"info": states}}, operation="originator_status", outcome="200")

    def _balance(self, account: SmsClubAccount) -> Reply:
        money = format_money(account.balance, _MONEY)
        if self.documented_replies:
            body = (
                f'{{"success_request": {{"info": ["money": "{money}", "currency": {json.dumps(account.currency)}]}}}}'
            ).encode()
            return Reply(200, (_CONTENT_TYPE,), body, operation="balance", outcome="200")
        payload = {"success_request": {"info": {"money": money, "currency": account.currency}}}
        return _json(200, payload, operation="balance", outcome="200")

    # -- state ------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """Accounts (without tokens) with balances, messages with their current status, switches, counts."""
        with self._lock:
            now = self._clock.now()
            statuses = {status.value: 0 for status in SmsClubStatus}
            messages = []
            for message in self.messages.values():
                entry = message.to_json()
                status = message.status_at(now).value
                entry["status"] = status
                statuses[status] += 1
                messages.append(entry)
            return {
                "accounts": [account.to_json() for account in self.accounts.values()],
                "registrations": [
                    dict(r.to_json(now), account=account.name)
                    for account in self.accounts.values()
                    for r in account.registrations.values()
                ],
                "messages": messages,
                "rate_limit": self.rate_limit,
                "documented_replies": self.documented_replies,
                "counts": {"accounts": len(self.accounts), "messages": len(self.messages), "statuses": statuses},
            }

    def __repr__(self) -> str:
        return f"<SmsClub accounts={list(self.accounts)} messages={len(self.messages)}>"


def _route(path: str) -> str:
    return path.rstrip("/") if path not in ("", "/") else path


def _json_object(body: bytes) -> dict[str, object]:
    """The request body as a JSON object; anything else (empty, not JSON, not an object) counts as ``{}``."""
    try:
        data = json.loads(body) if body.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _key(raw: object) -> str:
    """A rejected phone as an ``add_info`` key: the value as sent."""
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
