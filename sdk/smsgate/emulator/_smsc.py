"""SMSC (smsc.ru / smscentre.com), emulated as documented (seed 004, PROVIDERS.md §4, ``schemas/smsc/``).

Four scripts under the prefix — ``/sys/send.php``, ``/sys/status.php``, ``/sys/balance.php``,
``/sys/users.php`` — each taking its parameters from the query string (GET) or a form-encoded body (POST;
body values override query values, as PHP's ``$_REQUEST`` does). Every reply is HTTP 200; success and error
alike are written in the format ``fmt`` asks for:

====  ================================  =========================================================
fmt   success                           error
====  ================================  =========================================================
0     text: ``OK - 1 SMS, ID - 7``      ``ERROR = N (description)`` (send: ``…, ID - <id>``)
1     numbers: ``7,1``                  ``0,-N`` (send with an id: ``<id>,-N``)
2     XML: ``<result><id>7</id>…``      ``<result><error>…</error><error_code>N</error_code></result>``
3     JSON: ``{"id": 7, "cnt": 1}``     ``{"error": "…", "error_code": N}`` (send: with ``id``)
====  ================================  =========================================================

The JSON replies are exactly the ``$defs`` of ``smsc.schema.json``; amounts (``cost``, ``balance``, stats
values) are strings with two decimals, like the real service. The text and XML shapes of users.php and of the
errors are the seed's; those of send, status and balance follow the official libraries' comments
(``OK - 1 SMS, ID - 1234``; ``id,cnt[,cost[,balance]]``; ``cost,cnt``); where no source shows one
(fmt=0 cost estimate ``OK - 1 SMS, COST - 1.68``; a status list, one line or ``<result>`` per message
led by its id and phone) the emulator's choice is named here.

``charset`` (``utf-8``, ``koi8-r`` or ``windows-1251``) decodes the parameters and encodes the reply; the
default is **windows-1251**, as on the real server, so a client that sends UTF-8 without ``charset=utf-8``
gets mojibake back. (GET query strings reach the emulator already decoded as UTF-8, so non-UTF-8 bytes in a
query are lost: send windows-1251 or koi8-r parameters in a POST body.)

Authentication: ``login`` + ``psw`` (the password, or the lower-case hex MD5 of it), or ``apikey``.
An account with ``allowed_ips`` refuses other addresses with error 2. The caller's address is the first
``X-Forwarded-For`` entry when present, else ``127.0.0.1``.

Error precedence (the first failing check answers; ``area.N`` = errors.toml key):

1. 404 page — an unknown script (not an SMSC error).
2. **4** — the caller's address is blocked: `Smsc.BLOCK_AFTER` (5) authentication failures from it within
   `Smsc.FAILURE_WINDOW` (60) emulated seconds block it for `Smsc.BLOCK_SECONDS` (600) emulated seconds,
   and every request during the block restarts it. `Smsc.unblock` (or `Emulator.reset`) lifts it.
3. **1** — ``fmt`` not 0..3 (answered in fmt=0), ``charset`` not one of the three, too many parameters.
4. **2** — no or wrong credentials, or an address outside the account's ``allowed_ips`` (counts towards 4).

send.php (operation ``send``; ``cost`` when cost=1):

5. **send.1** — ``phones`` or ``mes`` missing or blank; ``mes`` over 1000 characters; ``id`` not
   ``[A-Za-z0-9._-]{1,40}``; ``cost`` not 0..3; ``translit`` not 0..2; ``tz`` not an integer -12..12;
   ``valid`` not ``hh:mm``; ``maxsms`` not a positive integer; a flag (``tinyurl``, ``flash``, ``push``,
   ``hlr``, ``bin`` (0..2), ``ping``, ``mms``, ``call``, ``viber``) out of range.
6. **send.5** — ``time`` is none of ``DDMMYYhhmm``, ``DD.MM.YY hh:mm``, ``h1-h2``, ``0<unix time>``,
   ``+<minutes>`` (times are Moscow time shifted by ``tz`` hours; a past time sends now).
7. **send.6** — ``sender`` given, not ``""``/``"."``, and not one of the account's ``senders`` (a
   sub-client created with ``fl[29]=1`` may also use its parent's). Without ``sender`` the first registered
   one is used; ``""``/``"."`` send without a name.
8. **send.7** — a recipient (``,``/``;`` list; blanks ignored, duplicates merged) that is not ``+``-optional
   7..15 digits making a possible number (``G<n>`` contact groups are not emulated and land here too).
   Without ``+``, an 11-digit number starting with 8 is corrected to 7…, as the real server does.
9. **send.8** — a recipient starting with one of the seed's ``undeliverable_prefixes`` (``882``, ``883``).
10. **send.9** — the same ``id`` was sent to one of these phones by this account less than 60 emulated seconds
    ago (`Smsc.DUPLICATE_WINDOW`: what makes sends with a client id idempotent); or, when rate limits are on,
    a sixth identical cost=1 request within a minute.
11. **send.3** — balance + credit (of the account paying: a sub-client of type 2, 3 or 4 spends its parent's)
    is below ``price_per_part`` × parts × recipients. cost=1 checks no money.

The other flags (``flash``, ``viber``…) and ``valid`` are checked, then ignored: every message is an SMS.
Then it sends: ``mes`` is transliterated (translit 1 and 2 alike), cut to ``maxsms`` parts, and each recipient
is charged per part (`smsgate._segments.analyze`: 160 Latin / 70 Cyrillic, 153 / 67 per part). The reply
``id`` is the caller's id (a number when it is one, 1..2147483647) or a new number from ``first_message_id``.

status.php (``phone`` + ``id``, comma lists in the same order; a trailing comma asks for the list shape):

5. **status.1** — ``phone`` or ``id`` missing, a malformed entry, the two lists of different lengths,
   ``all`` not 0..2, ``del`` not 0/1.
6. **status.5** — ``del=1`` and one of the messages is not found or already handed on (status ≠ -1).
   Otherwise the messages are deleted and the reply is ``OK`` (``{"result": "OK"}``; undocumented shape).
7. **status.9** (rate limits on) — a sixth request for one message, or a second list request, within a minute.

A message is -1 (waiting) until 5 emulated seconds after its send time (``time`` or creation), 0 (handed to
the operator) until 30, then 1 (delivered), or 20 with ``err`` 1 when the recipient's last digit is one of the
account's ``undelivered_last_digits`` (``"9"``). Not found (unknown, or another account's): -3.
``all=1`` adds ``status_name``, send date, phone, cost, sender and text; ``all=2`` country, operator, region.

balance.php: **balance.1** — ``cur`` not 0/1; **balance.9** (rate limits on) — an eleventh request within a
minute. Reply ``{"balance": "…"}``, with ``currency`` when cur=1 and ``credit`` when the account has one.

users.php (exactly one of ``add``, ``chg``, ``pay``, ``get_stat``, ``get_stat_all`` set to 1):

5. **users.5** — the caller is itself a sub-client (sub-clients cannot manage sub-clients).
6. **users.1** — no or several operations; add without ``user`` (``[A-Za-z0-9._@-]{1,40}``) or ``password``;
   a password under 8 characters or without three of: letters, digits, both cases, symbols; ``type`` not
   0..4; malformed ``email``, ``phone``, ``fmts``, ``new_login``, ``fl[N]`` (0/1); pay without ``user`` or
   a positive ``sum``; stats with ``start``/``end`` not ``dd.mm.yyyy`` or start after end.
7. **users.6** — chg/pay/stats name a ``user`` (or ``user_id``) that is not a sub-client of the caller.
8. **users.7** — pay to a sub-client of type 2, 3 or 4 (it shares the parent's balance).
9. **users.9** (rate limits on) — a fourth add/chg/pay for the same sub-client login within a minute.
10. **users.8** — add, or chg with ``new_login``, with a login already taken (the record cannot be saved).
11. **users.10** — pay with ``sum`` above the caller's balance.
12. **users.3** — stats find no sub-client with activity (messages sent, top-ups) in the period
    (default: the first day of the current month to today, Moscow time).

Every errors.toml code is reachable by a request; none is fault-only. The ``error_code`` fault answers
fmt=3 JSON: ``code`` is ``"N"`` or ``"<area>.N"``; anything else is error 1 with ``code`` as its text.
The rate limits behind the 9s of status, balance, users and the cost estimate can be switched off with
``rate_limits = false`` (seed) or ``Smsc.rate_limits = False``; the duplicate id check of send always holds.

Passwords and API keys never appear in ``repr()``, in the state output or in the request log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from typing import Final, NotRequired, TypedDict
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

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
    "SMSC_DEFAULT_SEED",
    "Smsc",
    "SmscAccount",
    "SmscAccountSeed",
    "SmscMessage",
    "SmscPayment",
    "SmscSeed",
    "SmscStatus",
]

#: Moscow time, in which SMSC writes and reads dates (UTC+3, no daylight saving since 2014).
MOSCOW: Final = timezone(timedelta(hours=3), "MSK")
_CODECS: Final = {"utf-8": "utf-8", "koi8-r": "koi8_r", "windows-1251": "cp1251"}
_DEFAULT_CHARSET = "windows-1251"


class SmscStatus(IntEnum):
    """Message status codes of status.php."""

    NOT_FOUND = -3
    STOPPED = -2
    WAITING = -1
    TRANSMITTED = 0
    DELIVERED = 1
    READ = 2
    EXPIRED = 3
    CLICKED = 4
    UNDELIVERABLE = 20
    INVALID_NUMBER = 22
    FORBIDDEN = 23
    INSUFFICIENT_FUNDS = 24
    UNAVAILABLE_NUMBER = 25


_STATUS_NAMES: Final = {
    -3: "Не найдено",
    -2: "Остановлено",
    -1: "Ожидает отправки",
    0: "Передано оператору",
    1: "Доставлено",
    2: "Прочитано",
    3: "Просрочено",
    4: "Нажата ссылка",
    20: "Невозможно доставить",
    22: "Неверный номер",
    23: "Запрещено",
    24: "Недостаточно средств",
    25: "Недоступный номер",
}

_COMMON_ERRORS: Final = {1: "parameters error", 2: "authorise error", 4: "IP address is temporarily blocked"}
_ERRORS: Final[dict[str, dict[int, str]]] = {
    "send": {
        **_COMMON_ERRORS,
        3: "no money",
        5: "wrong date format",
        6: "message is denied",
        7: "invalid number",
        8: "can't to deliver",
        9: "duplicate request, wait a minute",
    },
    "status": {**_COMMON_ERRORS, 5: "delete error", 9: "too many requests, wait a minute"},
    "balance": {**_COMMON_ERRORS, 9: "too many requests, wait a minute"},
    "users": {
        **_COMMON_ERRORS,
        3: "records not found",
        5: "operation error",
        6: "subclient not found",
        7: "subclient shares the balance of the main account",
        8: "save error",
        9: "too many requests, wait a minute",
        10: "insufficient funds",
    },
}
_SCRIPTS: Final = {
    "/sys/send.php": "send",
    "/sys/status.php": "status",
    "/sys/balance.php": "balance",
    "/sys/users.php": "users",
}
_USERS_OPERATIONS: Final = {
    "add": "users_add",
    "chg": "users_change",
    "pay": "users_pay",
    "get_stat": "users_stat",
    "get_stat_all": "users_stat_all",
}

#: (prefix, country, operator, MCC+MNC, region) for ``all=2`` and get_stat_all; the first matching prefix wins.
_DIRECTORY: Final = (
    ("79", "Россия", "МТС", "25001", "г.Москва и Московская область"),
    ("7", "Казахстан", "Beeline", "40101", ""),
    ("380", "Украина", "Киевстар", "25503", ""),
    ("375", "Беларусь", "A1", "25701", ""),
    ("", "Неизвестно", "Неизвестно", "", ""),
)


# -- seed shapes ---------------------------------------------------------------------------------


class SmscAccountSeed(TypedDict):
    """One account in a seed. A ``parent`` makes it a sub-client of that account, of ``type`` 0..4."""

    login: str
    password: str
    apikey: NotRequired[str]
    balance: NotRequired[str]
    credit: NotRequired[str]
    currency: NotRequired[str]
    senders: NotRequired[list[str]]
    price_per_part: NotRequired[str]
    undelivered_last_digits: NotRequired[str]
    allowed_ips: NotRequired[list[str]]
    parent: NotRequired[str]
    type: NotRequired[int]


class SmscSeed(TypedDict, total=False):
    """The ``"smsc"`` section of a seed."""

    accounts: list[SmscAccountSeed]
    first_message_id: int
    first_user_id: int
    undeliverable_prefixes: list[str]
    rate_limits: bool


_PASSWORD = "smsgate-password"  # noqa: S105 - a seed credential of the emulator
_SENDERS = ["SMSC.RU", "smsgate"]

#: The SMSC part of `smsgate.emulator.DEFAULT_SEED`.
SMSC_DEFAULT_SEED: Final[SmscSeed] = {
    "accounts": [
        # The main account: password or API key, two senders, 1000 RUR.
        {
            "login": "smsgate",
            "password": _PASSWORD,
            "apikey": "smsgate-apikey",
            "balance": "1000.00",
            "senders": list(_SENDERS),
        },
        # Its sub-clients: own balance (type 0), and one sharing the parent's balance (type 2).
        {"login": "smsgate-sub1", "password": "Sub1-Passw0rd", "parent": "smsgate", "type": 0, "balance": "50.00"},
        {"login": "smsgate-sub2", "password": "Sub2-Passw0rd", "parent": "smsgate", "type": 2, "balance": "0.00"},
        # No money: send.3, users.10.
        {"login": "smsgate-poor", "password": _PASSWORD, "balance": "0.00"},
        # Reachable only from 192.0.2.10 (X-Forwarded-For): error 2 from anywhere else.
        {"login": "smsgate-allowlist", "password": _PASSWORD, "allowed_ips": ["192.0.2.10"]},
    ],
    "first_message_id": 1,
    "first_user_id": 100001,
    "undeliverable_prefixes": ["882", "883"],
    "rate_limits": True,
}


# -- state ---------------------------------------------------------------------------------------


@dataclass
class SmscAccount:
    """An SMSC account or sub-client. The password and API key never show in ``repr()`` nor in the state."""

    login: str
    password: str = field(repr=False)
    apikey: str | None = field(default=None, repr=False)
    balance: Decimal = Decimal("1000.00")
    credit: Decimal = Decimal("0.00")
    currency: str = "RUR"
    senders: list[str] = field(default_factory=lambda: list(_SENDERS))
    price_per_part: Decimal = Decimal("1.68")
    undelivered_last_digits: str = "9"
    allowed_ips: list[str] = field(default_factory=list)
    #: The parent's login for a sub-client, else None.
    parent: str | None = None
    #: Sub-client type: 0 own tariff and balance; 1 parent's tariff; 2 parent's tariff and balance;
    #: 3 parent's balance; 4 an extra login of the parent.
    type: int = 0
    #: Sub-client id (users.php), None for a main account.
    user_id: int | None = None
    email: str = ""
    phone: str = ""
    fio: str = ""
    fmts: str = ""
    flags: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state, without the password and API key."""
        return {
            "login": self.login,
            "balance": format_money(self.balance),
            "credit": format_money(self.credit),
            "currency": self.currency,
            "senders": list(self.senders),
            "price_per_part": str(self.price_per_part),
            "undelivered_last_digits": self.undelivered_last_digits,
            "allowed_ips": list(self.allowed_ips),
            "has_apikey": self.apikey is not None,
            "parent": self.parent,
            "type": self.type,
            "user_id": self.user_id,
            "email": self.email,
            "phone": self.phone,
            "fio": self.fio,
            "fmts": self.fmts,
            "flags": dict(self.flags),
        }


@dataclass
class SmscMessage:
    """One message to one recipient. `status` follows the emulated clock."""

    id: str
    login: str
    phone: str
    text: str
    sender: str
    encoding: Encoding
    parts: int
    cost: Decimal
    created_at: datetime
    send_at: datetime
    delivered: bool
    _clock: Clock = field(repr=False, compare=False)

    @property
    def status(self) -> SmscStatus:
        """The status now, on the emulated clock."""
        return self.status_at(self._clock.now())

    def status_at(self, now: datetime) -> SmscStatus:
        """The status at emulated time `now`."""
        if now < self.send_at + timedelta(seconds=Smsc.TRANSMITTED_AFTER):
            return SmscStatus.WAITING
        if now < self.send_at + timedelta(seconds=Smsc.FINAL_AFTER):
            return SmscStatus.TRANSMITTED
        return SmscStatus.DELIVERED if self.delivered else SmscStatus.UNDELIVERABLE

    def changed_at(self, now: datetime) -> datetime:
        """When the status at `now` began."""
        status = self.status_at(now)
        if status is SmscStatus.WAITING:
            return self.created_at
        if status is SmscStatus.TRANSMITTED:
            return self.send_at + timedelta(seconds=Smsc.TRANSMITTED_AFTER)
        return self.send_at + timedelta(seconds=Smsc.FINAL_AFTER)

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "id": self.id,
            "login": self.login,
            "phone": self.phone,
            "text": self.text,
            "sender": self.sender,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "cost": str(self.cost),
            "created_at": self.created_at.isoformat(),
            "send_at": self.send_at.isoformat(),
            "status": int(self.status),
        }


@dataclass(frozen=True)
class SmscPayment:
    """A top-up of a sub-client by its parent (users.php pay=1)."""

    parent: str
    user: str
    amount: Decimal
    time: datetime

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        amount = format_money(self.amount)
        return {"parent": self.parent, "user": self.user, "amount": amount, "time": self.time.isoformat()}


def _account_from_seed(where: str, raw_account: object) -> SmscAccount:
    raw = read_table(where, raw_account, SmscAccountSeed)
    login = read_nonempty(f"{where}.login", raw.get("login")).strip()
    password = read_nonempty(f"{where}.password", raw.get("password"), blank=True)
    account = SmscAccount(login=login, password=password)
    if "apikey" in raw:
        account.apikey = read_nonempty(f"{where}.apikey", raw["apikey"], blank=True)
    if "balance" in raw:
        account.balance = read_decimal(f"{where}.balance", raw["balance"], negative=True)
    if "credit" in raw:
        account.credit = read_decimal(f"{where}.credit", raw["credit"])
    if "price_per_part" in raw:
        account.price_per_part = read_decimal(f"{where}.price_per_part", raw["price_per_part"])
    if "currency" in raw:
        account.currency = read_currency_code(f"{where}.currency", raw["currency"], "RUR")
    if "senders" in raw:
        account.senders = read_strings(f"{where}.senders", raw["senders"])
    if "allowed_ips" in raw:
        account.allowed_ips = read_strings(f"{where}.allowed_ips", raw["allowed_ips"])
    if "undelivered_last_digits" in raw:
        account.undelivered_last_digits = read_last_digits(
            f"{where}.undelivered_last_digits", raw["undelivered_last_digits"]
        )
    if "parent" in raw:
        parent = raw["parent"]
        if not isinstance(parent, str) or not parent:
            raise ValueError(f"{where}.parent must be the login of another account")
        account.parent = parent
    if "type" in raw:
        kind = raw["type"]
        if isinstance(kind, bool) or not isinstance(kind, int) or not 0 <= kind <= 4:
            raise ValueError(f"{where}.type must be an integer 0..4")
        if account.parent is None:
            raise ValueError(f"{where}.type is only for sub-clients (accounts with a parent)")
        account.type = kind
    return account


@dataclass(frozen=True, slots=True)
class _SeedState:
    accounts: list[SmscAccount]
    first_message_id: int
    first_user_id: int
    undeliverable_prefixes: list[str]
    rate_limits: bool


def validate_seed(raw_seed: object) -> _SeedState:
    """Check an ``"smsc"`` seed section."""
    raw = read_table("seed 'smsc'", raw_seed, SmscSeed)
    raw_accounts = read_list("seed 'smsc.accounts'", raw.get("accounts", []))
    accounts = [_account_from_seed(f"smsc.accounts[{i}]", item) for i, item in enumerate(raw_accounts)]
    by_login = {account.login: account for account in accounts}
    if len(by_login) != len(accounts):
        raise ValueError("seed 'smsc.accounts': duplicate login(s)")
    keys = [account.apikey for account in accounts if account.apikey is not None]
    if len(set(keys)) != len(keys):
        raise ValueError("seed 'smsc.accounts': duplicate apikey(s)")
    first_user_id = read_positive("seed 'smsc.first_user_id'", raw.get("first_user_id", 100001))
    next_user_id = first_user_id
    for account in accounts:
        if account.parent is None:
            continue
        parent = by_login.get(account.parent)
        if parent is None or parent.parent is not None or parent is account:
            raise ValueError(f"seed 'smsc': the parent of {account.login!r} must be a main account of the seed")
        account.user_id = next_user_id
        next_user_id += 1
    prefixes = read_strings("seed 'smsc.undeliverable_prefixes'", raw.get("undeliverable_prefixes", ["882", "883"]))
    if not all(prefix.isdigit() for prefix in prefixes):
        raise ValueError("seed 'smsc.undeliverable_prefixes' must be strings of digits")
    rate_limits = read_flag("seed 'smsc.rate_limits'", raw.get("rate_limits", True))
    first_message_id = read_positive("seed 'smsc.first_message_id'", raw.get("first_message_id", 1))
    return _SeedState(accounts, first_message_id, next_user_id, prefixes, rate_limits)


# -- parameters and replies ----------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
_INT_ID = re.compile(r"[1-9][0-9]{0,9}")
_PHONE = re.compile(r"(\+?)([0-9]{7,15})")
_LOGIN = re.compile(r"[A-Za-z0-9._@-]{1,40}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_FMTS = re.compile(r"-?[0-9]+(,-?[0-9]+)*")
_SUM = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
_DATE = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")
_HHMM = re.compile(r"[0-9]{1,2}:[0-5][0-9]")
_DDMMYYHHMM = re.compile(r"([0-9]{2})\.?([0-9]{2})\.?([0-9]{2}) ?([0-9]{2}):?([0-9]{2})")
_FLAG = re.compile(r"fl\[([0-9]{1,3})\]")
_LATIN: Final = ("a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "j", "k", "l", "m", "n", "o", "p")
_LATIN_2: Final = ("r", "s", "t", "u", "f", "h", "c", "ch", "sh", "shh", '"', "y", "'", "e", "yu", "ya")
_TRANSLIT: Final = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN + _LATIN_2, strict=True))


def transliterate(text: str) -> str:
    """Russian Cyrillic to Latin letters, as SMSC's ``translit=1`` does (other characters are kept)."""
    out: list[str] = []
    for char in text:
        latin = _TRANSLIT.get(char.lower())
        if latin is None:
            out.append(char)
        elif char.isupper():
            out.append(latin.capitalize() if latin.isalpha() else latin)
        else:
            out.append(latin)
    return "".join(out)


def password_is_strong(password: str) -> bool:
    """users.php's rule: at least 8 characters and three of: letters, digits, both cases, symbols."""
    has_letter = any(c.isascii() and c.isalpha() for c in password)
    has_digit = any(c.isascii() and c.isdigit() for c in password)
    has_cases = any(c.isascii() and c.islower() for c in password) and any(
        c.isascii() and c.isupper() for c in password
    )
    has_symbol = any(not (c.isascii() and c.isalnum()) for c in password)
    return len(password) >= 8 and has_letter + has_digit + has_cases + has_symbol >= 3


@dataclass
class _Params:
    """The request's parameters as latin-1 "byte strings", decoded with the request's charset on access."""

    raw: dict[str, str]
    codec: str = "cp1251"

    def has(self, key: str) -> bool:
        return key in self.raw

    def get(self, key: str) -> str | None:
        value = self.raw.get(key)
        return None if value is None else value.encode("latin-1").decode(self.codec, errors="replace")

    def text(self, key: str) -> str:
        return (self.get(key) or "").strip()

    def choice(self, key: str, low: int, high: int, default: int = 0) -> int:
        """An integer parameter in low..high; blank → default; anything else → error 1."""
        value = self.text(key)
        if not value:
            return default
        if not re.fullmatch(r"-?[0-9]{1,3}", value) or not low <= int(value) <= high:
            raise _Refused(1)
        return int(value)


def _read_params(request: Request) -> _Params:
    raw: dict[str, str] = {}
    for key, values in request.query.items():
        if values:
            raw[_bytes_string(key)] = _bytes_string(values[-1])
    content_type = request.headers.get("content-type", "")
    if request.body and not content_type.lower().startswith(("multipart/", "application/json")):
        try:
            pairs = parse_qsl(
                request.body.decode("latin-1"), keep_blank_values=True, encoding="latin-1", max_num_fields=1000
            )
        except ValueError:
            raise _Refused(1) from None
        raw.update(pairs)
    if len(raw) > 1000:
        raise _Refused(1)
    return _Params(raw)


def _bytes_string(value: str) -> str:
    """A str decoded as UTF-8 back to its bytes, held as a latin-1 str (one char per byte)."""
    return value.encode("utf-8", errors="replace").decode("latin-1")


@dataclass
class _Context:
    """How to write the reply of one request."""

    area: str
    fmt: int = 0
    charset: str = _DEFAULT_CHARSET
    operation: str | None = None
    #: send.php: the caller's id, echoed in error replies.
    client_id: str | None = None

    @property
    def codec(self) -> str:
        return _CODECS[self.charset]


_Fields = Sequence[tuple[str, object]]


def _scalar(value: object) -> str:
    return str(value)


def _reply(ctx: _Context, text: str, outcome: str = "OK") -> Reply:
    kind = {0: "text/plain", 1: "text/plain", 2: "application/xml", 3: "application/json"}[ctx.fmt]
    errors = "xmlcharrefreplace" if ctx.fmt == 2 else "replace"
    body = text.encode(ctx.codec, errors=errors)
    return Reply(200, (("Content-Type", f"{kind}; charset={ctx.charset}"),), body, ctx.operation, outcome)


def _json_text(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _xml(tag: str, fields: _Fields, attributes: str = "") -> str:
    inner = "".join(f"<{name}>{escape(_scalar(value))}</{name}>" for name, value in fields)
    return f"<{tag}{attributes}>{inner}</{tag}>"


def _id_value(client_id: str) -> int | str:
    """An id as SMSC echoes it: a number when it is one (1..2147483647), else the string."""
    if _INT_ID.fullmatch(client_id) and int(client_id) <= 2147483647:
        return int(client_id)
    return client_id


def _error(ctx: _Context, code: int) -> Reply:
    description = _ERRORS[ctx.area].get(code, "error")
    client_id = ctx.client_id if ctx.area == "send" else None
    if ctx.fmt == 0:
        text = f"ERROR = {code} ({description})" + ("" if client_id is None else f", ID - {client_id}")
    elif ctx.fmt == 1:
        text = f"{client_id or 0},-{code}"
    elif ctx.fmt == 2:
        fields: list[tuple[str, object]] = [("error", description), ("error_code", code)]
        if client_id is not None:
            fields.append(("id", client_id))
        text = _xml("result", fields)
    else:
        payload: dict[str, object] = {"error": description}
        if client_id is not None:
            payload["id"] = _id_value(client_id)
        payload["error_code"] = code
        text = _json_text(payload)
    return _reply(ctx, text, f"{ctx.area}.{code}")


def _ok(ctx: _Context) -> Reply:
    """The "OK" reply of users.php chg/pay and status.php del."""
    text = {0: "OK", 1: "OK", 2: "<result>OK</result>", 3: _json_text({"result": "OK"})}[ctx.fmt]
    return _reply(ctx, text)


def _date(value: datetime) -> str:
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")


def _directory(phone: str) -> tuple[str, str, str, str]:
    """(country, operator, mccmnc, region) of a phone."""
    for prefix, country, operator, mccmnc, region in _DIRECTORY:
        if phone.startswith(prefix):
            return country, operator, mccmnc, region
    raise AssertionError("unreachable: the last prefix is empty")  # pragma: no cover


def _zone(tz: int) -> timezone:
    return timezone(timedelta(hours=3 + tz))


def _schedule(value: str, tz: int, now: datetime) -> datetime | None:
    """The send time a ``time`` parameter asks for (never before `now`), or None when it is malformed."""
    zone = _zone(tz)
    local = now.astimezone(zone)
    try:
        if not value:
            when = now
        elif m := _DDMMYYHHMM.fullmatch(value):
            day, month, year, hour, minute = map(int, m.groups())
            when = datetime(2000 + year, month, day, hour, minute, tzinfo=zone)
        elif re.fullmatch(r"0[0-9]{1,11}", value):
            when = datetime.fromtimestamp(int(value), UTC)
        elif m := re.fullmatch(r"([0-9]{1,2})-([0-9]{1,2})", value):
            first, last = int(m.group(1)), int(m.group(2))
            if not 0 <= first < last <= 24:
                return None
            if first <= local.hour < last:
                when = now
            else:
                start = local.replace(hour=first, minute=0, second=0, microsecond=0)
                when = start if local.hour < first else start + timedelta(days=1)
        elif m := re.fullmatch(r"\+([0-9]{1,6})", value):
            when = now + timedelta(minutes=int(m.group(1)))
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    return max(when, now)


def _parse_day(value: str) -> date | None:
    m = _DATE.fullmatch(value)
    if m is None:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


@dataclass
class _Row:
    """Stats of one sub-client, per item (description, operator, mccmnc) → [sms, credit, debit]."""

    login: str
    currency: str
    items: dict[tuple[str, str, str], list[Decimal]] = field(default_factory=dict)

    def add(self, key: tuple[str, str, str], sms: int, credit: Decimal, debit: Decimal) -> None:
        totals = self.items.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        totals[0] += sms
        totals[1] += credit
        totals[2] += debit

    def totals(self) -> list[Decimal]:
        return [sum((item[i] for item in self.items.values()), Decimal(0)) for i in range(3)]


# -- the provider --------------------------------------------------------------------------------


class Smsc:
    """The SMSC emulator: its state (accounts and sub-clients, messages, top-ups, blocked addresses) and handler.

    Reach it as ``Emulator.smsc``. Mutating the state between requests is fine; `Emulator.reset` returns to the
    seed.

    Attributes:
        accounts: login → account (main accounts and sub-clients alike).
        messages: every message, oldest first.
        payments: every top-up of a sub-client (users.php pay=1), oldest first.
        blocked: blocked address → emulated time the block ends.
        undeliverable_prefixes: recipients starting with one of these are refused with send.8.
        rate_limits: whether the per-minute request limits (errors 9 other than duplicates) apply.
    """

    name: Final = "smsc"
    #: Emulated seconds from the send time to status 0 (handed to the operator).
    TRANSMITTED_AFTER: Final = 5.0
    #: Emulated seconds from the send time to the final status.
    FINAL_AFTER: Final = 30.0
    #: Emulated seconds during which the same id to the same phone is a duplicate (send.9).
    DUPLICATE_WINDOW: Final = 60.0
    #: Authentication failures from one address within FAILURE_WINDOW that block it (error 4).
    BLOCK_AFTER: Final = 5
    FAILURE_WINDOW: Final = 60.0
    BLOCK_SECONDS: Final = 600.0
    MAX_TEXT: Final = 1000
    #: Per-minute limits (with `rate_limits`): identical cost requests, status requests per message,
    #: list status requests, balance requests, add/change/pay requests per sub-client.
    MAX_COST_REQUESTS: Final = 5
    MAX_STATUS_REQUESTS: Final = 5
    MAX_LIST_STATUS_REQUESTS: Final = 1
    MAX_BALANCE_REQUESTS: Final = 10
    MAX_USER_CHANGES: Final = 3

    def __init__(self, seed: object, clock: Clock, lock: threading.RLock | None = None) -> None:
        self._seed = validate_seed(seed)
        self._clock = clock
        self._lock = lock if lock is not None else threading.RLock()
        self.accounts: dict[str, SmscAccount] = {}
        self.messages: list[SmscMessage] = []
        self.payments: list[SmscPayment] = []
        self.blocked: dict[str, datetime] = {}
        self.undeliverable_prefixes: list[str] = []
        self.rate_limits = True
        self._failures: dict[str, deque[datetime]] = {}
        self._hits: dict[tuple[str, ...], deque[datetime]] = {}
        self._sent: dict[tuple[str, str, str], datetime] = {}
        self._next_id = self._seed.first_message_id
        self._next_user_id = self._seed.first_user_id
        self.reset()

    def reset(self) -> None:
        """Back to the seed: its accounts and switches; no messages, top-ups, blocks or request windows."""
        with self._lock:
            self.accounts = {account.login: fresh_copy(account) for account in self._seed.accounts}
            self.messages = []
            self.payments = []
            self.undeliverable_prefixes = list(self._seed.undeliverable_prefixes)
            self.rate_limits = self._seed.rate_limits
            self._hits = {}
            self._sent = {}
            self._next_id = self._seed.first_message_id
            self._next_user_id = self._seed.first_user_id
            self.unblock()

    def unblock(self, address: str | None = None) -> None:
        """Lift the error-4 block of `address` (every address when None) and forget its failed logins."""
        with self._lock:
            if address is None:
                self.blocked.clear()
                self._failures.clear()
            else:
                self.blocked.pop(address, None)
                self._failures.pop(address, None)

    def add_account(
        self,
        login: str,
        password: str,
        *,
        apikey: str | None = None,
        balance: Decimal | str = "1000.00",
        credit: Decimal | str = "0.00",
        currency: str = "RUR",
        senders: Iterable[str] = tuple(_SENDERS),
        price_per_part: Decimal | str = "1.68",
        undelivered_last_digits: str = "9",
        allowed_ips: Iterable[str] = (),
    ) -> SmscAccount:
        """Create (or replace) a main account until the next reset and return it."""
        raw: dict[str, object] = {
            "login": login,
            "password": password,
            "balance": str(balance),
            "credit": str(credit),
            "currency": currency,
            "senders": list(senders),
            "price_per_part": str(price_per_part),
            "undelivered_last_digits": undelivered_last_digits,
            "allowed_ips": list(allowed_ips),
        }
        if apikey is not None:
            raw["apikey"] = apikey
        account = _account_from_seed("account", raw)
        with self._lock:
            self.accounts[account.login] = account
        return account

    def message(self, login: str, message_id: str, phone: str) -> SmscMessage | None:
        """The latest message of `login` with that id to that phone (digits, no ``+``), or None."""
        for message in reversed(self.messages):
            if (message.login, message.id, message.phone) == (login, message_id, phone):
                return message
        return None

    # -- HTTP -------------------------------------------------------------------------------------

    def peek_operation(self, request: Request) -> str | None:
        """``send``/``cost``, ``status``, ``balance`` or ``users_…``, without processing; None when unclear."""
        area = _SCRIPTS.get(request.path)
        if area is None:
            return None
        try:
            params = _read_params(request)
        except _Refused:
            return area if area != "users" else None
        return self._operation(area, params)

    @staticmethod
    def _operation(area: str, params: _Params) -> str | None:
        if area == "send":
            return "cost" if params.text("cost") == "1" else "send"
        if area == "users":
            chosen = [op for flag, op in _USERS_OPERATIONS.items() if params.text(flag) == "1"]
            return chosen[0] if len(chosen) == 1 else None
        return area

    def error_reply(self, code: str) -> Reply:
        """``{"error": …, "error_code": N}`` (fmt=3, UTF-8) for ``code`` = ``"N"`` or ``"<area>.N"``."""
        area, _, number = code.rpartition(".")
        area = area if area in _ERRORS else "send"
        ctx = _Context(area, fmt=3, charset="utf-8")
        if not number.isdigit() or len(number) > 3:
            return _reply(ctx, _json_text({"error": code, "error_code": 1}), code)
        return _error(ctx, int(number))

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the module docstring)."""
        area = _SCRIPTS.get(request.path)
        if area is None:
            return Reply(404, (("Content-Type", "text/html; charset=utf-8"),), b"<h1>404 Not Found</h1>")
        ctx = _Context(area)
        with self._lock:
            try:
                address = _address(request)
                try:
                    params = _read_params(request)
                except _Refused:
                    self._check_block(address)
                    raise
                fmt = params.text("fmt")
                ctx.fmt = int(fmt) if fmt in ("0", "1", "2", "3") else 0
                ctx.operation = self._operation(area, params)
                if area == "send":
                    client_id = params.text("id")
                    ctx.client_id = client_id if _ID.fullmatch(client_id) else None
                charset = params.text("charset").lower() or _DEFAULT_CHARSET
                if charset in _CODECS:
                    ctx.charset = charset
                    params.codec = _CODECS[charset]
                self._check_block(address)
                if fmt not in ("", "0", "1", "2", "3") or charset not in _CODECS:
                    raise _Refused(1)
                account = self._authenticate(params, address)
                if area == "send":
                    return self._send(ctx, account, params)
                if area == "status":
                    return self._status(ctx, account, params)
                if area == "balance":
                    return self._balance(ctx, account, params)
                return self._users(ctx, account, params)
            except _Refused as refused:
                return _error(ctx, refused.code)

    # -- checks shared by every script -------------------------------------------------------------

    def _check_block(self, address: str) -> None:
        now = self._clock.now()
        until = self.blocked.get(address)
        if until is None:
            return
        if now >= until:
            self.unblock(address)
            return
        self.blocked[address] = now + timedelta(seconds=self.BLOCK_SECONDS)
        raise _Refused(4)

    def _authenticate(self, params: _Params, address: str) -> SmscAccount:
        account: SmscAccount | None = None
        apikey = params.get("apikey")
        if apikey:
            for candidate in self.accounts.values():
                if candidate.apikey is not None and hmac.compare_digest(
                    candidate.apikey.encode("utf-8"), apikey.encode("utf-8")
                ):
                    account = candidate
        else:
            login, psw = params.text("login"), params.get("psw") or ""
            found = self.accounts.get(login)
            if found is not None and psw and _password_matches(found.password, psw):
                account = found
        if account is not None and (not account.allowed_ips or address in account.allowed_ips):
            return account
        self._fail(address)
        raise _Refused(2)

    def _fail(self, address: str) -> None:
        now = self._clock.now()
        failures = self._failures.setdefault(address, deque())
        failures.append(now)
        while failures and now - failures[0] >= timedelta(seconds=self.FAILURE_WINDOW):
            failures.popleft()
        if len(failures) >= self.BLOCK_AFTER:
            self.blocked[address] = now + timedelta(seconds=self.BLOCK_SECONDS)

    def _limited(self, key: tuple[str, ...], limit: int) -> None:
        """Count one request under `key`; error 9 when `limit` requests were already counted in the last minute."""
        if not self.rate_limits:
            return
        now = self._clock.now()
        window = self._hits.setdefault(key, deque())
        while window and now - window[0] >= timedelta(seconds=60):
            window.popleft()
        if len(window) >= limit:
            raise _Refused(9)
        window.append(now)

    def _payer(self, account: SmscAccount) -> SmscAccount:
        """Whose balance `account` spends: its parent's for sub-clients of type 2, 3 and 4."""
        if account.parent is not None and account.type in (2, 3, 4):
            return self.accounts.get(account.parent, account)
        return account

    def _tariff(self, account: SmscAccount) -> Decimal:
        """The price per part `account` pays: its parent's for sub-clients of type 1, 2 and 4."""
        if account.parent is not None and account.type in (1, 2, 4):
            parent = self.accounts.get(account.parent)
            if parent is not None:
                return parent.price_per_part
        return account.price_per_part

    def _senders(self, account: SmscAccount) -> list[str]:
        senders = list(account.senders)
        if account.parent is not None and (account.flags.get("29") == 1 or account.type == 4):
            parent = self.accounts.get(account.parent)
            if parent is not None:
                senders += parent.senders
        return senders

    # -- send.php ----------------------------------------------------------------------------------

    def _send(self, ctx: _Context, account: SmscAccount, params: _Params) -> Reply:
        raw_phones, text = params.text("phones"), params.get("mes") or ""
        if not raw_phones or not text.strip() or len(text) > self.MAX_TEXT:
            raise _Refused(1)
        if params.text("id") and ctx.client_id is None:
            raise _Refused(1)
        cost_mode = params.choice("cost", 0, 3)
        translit = params.choice("translit", 0, 2)
        tz = params.choice("tz", -12, 12)
        for flag in ("tinyurl", "flash", "push", "hlr", "ping", "mms", "call", "viber"):
            params.choice(flag, 0, 1)
        params.choice("bin", 0, 2)
        valid = params.text("valid")
        if valid and not _HHMM.fullmatch(valid):
            raise _Refused(1)
        maxsms_text = params.text("maxsms")
        if maxsms_text and (not maxsms_text.isdigit() or not 1 <= int(maxsms_text) <= 1000):
            raise _Refused(1)
        now = self._clock.now()
        send_at = _schedule(params.text("time"), tz, now)
        if send_at is None:
            raise _Refused(5)
        sender = self._sender(account, params)
        phones = self._phones(raw_phones)
        if translit:
            text = transliterate(text)
        if maxsms_text:
            text = _cut(text, int(maxsms_text))
        segments = analyze(text)
        price = self._tariff(account) * segments.parts
        total = price * len(phones)
        cnt = segments.parts * len(phones)
        if cost_mode == 1:
            request = sorted((k, v) for k, v in params.raw.items() if k not in ("login", "psw", "apikey"))
            self._limited(("cost", account.login, repr(request)), self.MAX_COST_REQUESTS)
            return self._send_reply(ctx, cost_mode, None, cnt, total, None)
        if ctx.client_id is not None:
            window = timedelta(seconds=self.DUPLICATE_WINDOW)
            for phone in phones:
                last = self._sent.get((account.login, ctx.client_id, phone))
                if last is not None and now - last < window:
                    raise _Refused(9)
        payer = self._payer(account)
        if payer.balance + payer.credit < total:
            raise _Refused(3)
        if ctx.client_id is not None:
            message_id = ctx.client_id
        else:
            message_id = str(self._next_id)
            self._next_id += 1
        payer.balance -= total
        for phone in phones:
            self.messages.append(
                SmscMessage(
                    id=message_id,
                    login=account.login,
                    phone=phone,
                    text=text,
                    sender=sender,
                    encoding=segments.encoding,
                    parts=segments.parts,
                    cost=price,
                    created_at=now,
                    send_at=send_at,
                    delivered=phone[-1] not in account.undelivered_last_digits,
                    _clock=self._clock,
                )
            )
            self._sent[(account.login, message_id, phone)] = now
        return self._send_reply(ctx, cost_mode, message_id, cnt, total, payer.balance)

    def _sender(self, account: SmscAccount, params: _Params) -> str:
        if not params.has("sender"):
            senders = self._senders(account)
            return senders[0] if senders else ""
        sender = params.text("sender")
        if sender in ("", "."):
            return ""
        if sender not in self._senders(account):
            raise _Refused(6)
        return sender

    def _phones(self, raw: str) -> list[str]:
        phones: list[str] = []
        for entry in re.split(r"[,;]", raw):
            if not entry.strip():
                continue
            digits = _normalize_phone(entry)
            if digits is None or not recipient_is_valid(digits):
                raise _Refused(7)
            if digits not in phones:
                phones.append(digits)
        if not phones:
            raise _Refused(1)
        if any(phone.startswith(prefix) for phone in phones for prefix in self.undeliverable_prefixes):
            raise _Refused(8)
        return phones

    @staticmethod
    def _send_reply(
        ctx: _Context, cost_mode: int, message_id: str | None, cnt: int, cost: Decimal, balance: Decimal | None
    ) -> Reply:
        if message_id is None:  # cost=1: the price only
            fields: list[tuple[str, object]] = [("cost", format_money(cost)), ("cnt", cnt)]
            text0 = f"OK - {cnt} SMS, COST - {format_money(cost)}"
        else:
            fields = [("id", _id_value(message_id)), ("cnt", cnt)]
            text0 = f"OK - {cnt} SMS, ID - {message_id}"
            if cost_mode >= 2:
                fields.append(("cost", format_money(cost)))
                text0 += f", COST - {format_money(cost)}"
            if cost_mode == 3 and balance is not None:
                fields.append(("balance", format_money(balance)))
                text0 += f", BALANCE - {format_money(balance)}"
        if ctx.fmt == 0:
            return _reply(ctx, text0)
        if ctx.fmt == 1:
            return _reply(ctx, ",".join(_scalar(value) for _, value in fields))
        if ctx.fmt == 2:
            return _reply(ctx, _xml("result", fields))
        return _reply(ctx, _json_text(dict(fields)))

    # -- status.php --------------------------------------------------------------------------------

    def _status(self, ctx: _Context, account: SmscAccount, params: _Params) -> Reply:
        raw_phones, raw_ids = params.text("phone"), params.text("id")
        if not raw_phones or not raw_ids:
            raise _Refused(1)
        many = "," in raw_phones or "," in raw_ids
        phones = raw_phones.removesuffix(",").split(",")
        ids = raw_ids.removesuffix(",").split(",")
        detail = params.choice("all", 0, 2)
        delete = params.choice("del", 0, 1)
        if len(phones) != len(ids) or not all(_ID.fullmatch(i.strip()) for i in ids):
            raise _Refused(1)
        pairs: list[tuple[str, str]] = []
        for raw_phone, raw_id in zip(phones, ids, strict=True):
            phone = _normalize_phone(raw_phone)
            if phone is None:
                raise _Refused(1)
            pairs.append((phone, raw_id.strip()))
        found = [self.message(account.login, message_id, phone) for phone, message_id in pairs]
        now = self._clock.now()
        if delete:
            if any(m is None or m.status_at(now) is not SmscStatus.WAITING for m in found):
                raise _Refused(5)
            doomed = {id(m) for m in found}
            self.messages = [m for m in self.messages if id(m) not in doomed]
            return _ok(ctx)
        if many:
            self._limited(("status-list", account.login), self.MAX_LIST_STATUS_REQUESTS)
        else:
            phone, message_id = pairs[0]
            self._limited(("status", account.login, phone, message_id), self.MAX_STATUS_REQUESTS)
        rows = [
            self._status_fields(message, phone, message_id, detail, many, now)
            for (phone, message_id), message in zip(pairs, found, strict=True)
        ]
        outcome = "OK" if many else f"status {dict(rows[0])['status']}"
        if ctx.fmt == 3:
            dicts = [dict(row) for row in rows]
            return _reply(ctx, _json_text(dicts if many else dicts[0]), outcome)
        if ctx.fmt == 2:
            results = "".join(_xml("result", row) for row in rows)
            return _reply(ctx, f"<list>{results}</list>" if many else results, outcome)
        if ctx.fmt == 1:
            lines = [self._status_numbers(row, detail, many) for row in rows]
            return _reply(ctx, "\n".join(lines), outcome)
        return _reply(ctx, "\n".join(self._status_text(row) for row in rows), outcome)

    @staticmethod
    def _status_fields(
        message: SmscMessage | None, phone: str, message_id: str, detail: int, many: bool, now: datetime
    ) -> list[tuple[str, object]]:
        fields: list[tuple[str, object]] = []
        if many or detail:
            fields.append(("id", _id_value(message_id)))
        if many and not detail:
            fields.append(("phone", phone))
        status = SmscStatus.NOT_FOUND if message is None else message.status_at(now)
        fields.append(("status", int(status)))
        if detail:
            fields.append(("status_name", _STATUS_NAMES[status]))
        if message is None:
            if detail:
                fields.append(("phone", phone))
            return fields
        changed = message.changed_at(now)
        if status is SmscStatus.UNDELIVERABLE:
            fields.append(("err", 1))
        if detail:
            fields += [("send_date", _date(message.send_at)), ("send_timestamp", int(message.send_at.timestamp()))]
        fields += [("last_date", _date(changed)), ("last_timestamp", int(changed.timestamp()))]
        if detail:
            fields += [
                ("phone", message.phone),
                ("cost", format_money(message.cost)),
                ("sender_id", message.sender),
                ("message", message.text),
            ]
        if detail == 2:
            country, operator, _, region = _directory(message.phone)
            fields += [("country", country), ("operator", operator), ("region", region)]
        return fields

    @staticmethod
    def _status_numbers(row: _Fields, detail: int, many: bool) -> str:
        values = dict(row)
        out: list[object] = [values["id"], values.get("phone", "")] if many else []
        out += [values["status"], values.get("last_timestamp", 0), values.get("err", 0)]
        if detail:
            out += [values.get(key, "") for key in ("send_timestamp", "phone", "cost", "sender_id", "status_name")]
            out.append(values.get("message", ""))
        if detail == 2:
            out += [values.get(key, "") for key in ("country", "operator", "region")]
        return ",".join(_scalar(value) for value in out)

    @staticmethod
    def _status_text(row: _Fields) -> str:
        names = {"status": "Status", "last_date": "check_time", "send_date": "send_time"}
        parts = [
            f"{names.get(key, key)} = {value}" for key, value in row if key not in ("last_timestamp", "send_timestamp")
        ]
        return ", ".join(parts)

    # -- balance.php -------------------------------------------------------------------------------

    def _balance(self, ctx: _Context, account: SmscAccount, params: _Params) -> Reply:
        currency = params.choice("cur", 0, 1)
        self._limited(("balance", account.login), self.MAX_BALANCE_REQUESTS)
        payer = self._payer(account)
        fields: list[tuple[str, object]] = [("balance", format_money(payer.balance))]
        if currency:
            fields.append(("currency", payer.currency))
        if payer.credit > 0:
            fields.append(("credit", format_money(payer.credit)))
        if ctx.fmt == 3:
            return _reply(ctx, _json_text(dict(fields)))
        if ctx.fmt == 2:
            return _reply(ctx, _xml("result", fields))
        return _reply(ctx, ",".join(_scalar(value) for _, value in fields))

    # -- users.php ---------------------------------------------------------------------------------

    def _users(self, ctx: _Context, account: SmscAccount, params: _Params) -> Reply:
        if account.parent is not None:
            raise _Refused(5)
        if ctx.operation is None:
            raise _Refused(1)
        if ctx.operation == "users_add":
            return self._users_add(ctx, account, params)
        if ctx.operation == "users_change":
            return self._users_change(ctx, account, params)
        if ctx.operation == "users_pay":
            return self._users_pay(ctx, account, params)
        return self._users_stat(ctx, account, params, detailed=ctx.operation == "users_stat_all")

    def _subclient(self, parent: SmscAccount, login: str) -> SmscAccount:
        sub = self.accounts.get(login)
        if sub is None or sub.parent != parent.login:
            raise _Refused(6)
        return sub

    @staticmethod
    def _profile(params: _Params) -> dict[str, object]:
        """The optional profile fields of add/chg, checked (error 1)."""
        changes: dict[str, object] = {}
        if params.text("type"):
            changes["type"] = params.choice("type", 0, 4)
        for key, pattern in (("email", _EMAIL), ("phone", _PHONE), ("fmts", _FMTS)):
            if params.has(key):
                value = params.text(key)
                if value and not pattern.fullmatch(value):
                    raise _Refused(1)
                changes[key] = value
        if params.has("fio"):
            changes["fio"] = params.text("fio")
        flags: dict[str, int] = {}
        for key in params.raw:
            m = _FLAG.fullmatch(key)
            if m is not None:
                flags[str(int(m.group(1)))] = params.choice(key, 0, 1)
        if flags:
            changes["flags"] = flags
        return changes

    def _users_add(self, ctx: _Context, parent: SmscAccount, params: _Params) -> Reply:
        login, password = params.text("user"), params.get("password") or ""
        if not _LOGIN.fullmatch(login) or not password_is_strong(password):
            raise _Refused(1)
        profile = self._profile(params)
        self._limited(("users", parent.login, login), self.MAX_USER_CHANGES)
        if login in self.accounts:
            raise _Refused(8)
        flags = profile.get("flags", {})
        assert isinstance(flags, dict)
        sub = SmscAccount(
            login=login,
            password=password,
            balance=Decimal("0.00"),
            currency=parent.currency,
            senders=["SMSC.RU"],
            price_per_part=parent.price_per_part,
            undelivered_last_digits=parent.undelivered_last_digits,
            parent=parent.login,
            user_id=self._next_user_id,
        )
        self._apply_profile(sub, profile)
        self._next_user_id += 1
        self.accounts[login] = sub
        text = {
            0: f"ID = {sub.user_id}",
            1: str(sub.user_id),
            2: f"<user><id>{sub.user_id}</id></user>",
            3: _json_text({"id": sub.user_id}),
        }[ctx.fmt]
        return _reply(ctx, text)

    @staticmethod
    def _apply_profile(sub: SmscAccount, profile: Mapping[str, object]) -> None:
        for key, value in profile.items():
            if key == "flags":
                assert isinstance(value, dict)
                sub.flags.update(value)
            else:
                setattr(sub, key, value)

    def _users_change(self, ctx: _Context, parent: SmscAccount, params: _Params) -> Reply:
        login = params.text("user")
        new_login = params.text("new_login")
        password = params.get("password")
        if not login or (params.has("new_login") and not _LOGIN.fullmatch(new_login)):
            raise _Refused(1)
        if password is not None and not password_is_strong(password):
            raise _Refused(1)
        profile = self._profile(params)
        sub = self._subclient(parent, login)
        self._limited(("users", parent.login, sub.login), self.MAX_USER_CHANGES)
        if new_login and new_login != sub.login and new_login in self.accounts:
            raise _Refused(8)
        self._apply_profile(sub, profile)
        if password is not None:
            sub.password = password
        if new_login and new_login != sub.login:
            del self.accounts[sub.login]
            for message in self.messages:
                if message.login == sub.login:
                    message.login = new_login
            self.payments = [
                SmscPayment(p.parent, new_login, p.amount, p.time) if p.user == sub.login else p for p in self.payments
            ]
            sub.login = new_login
            self.accounts[new_login] = sub
        return _ok(ctx)

    def _users_pay(self, ctx: _Context, parent: SmscAccount, params: _Params) -> Reply:
        login, raw_sum = params.text("user"), params.text("sum")
        if not login or not _SUM.fullmatch(raw_sum) or Decimal(raw_sum) <= 0:
            raise _Refused(1)
        params.choice("balance2", 0, 1)
        amount = Decimal(raw_sum)
        sub = self._subclient(parent, login)
        if sub.type in (2, 3, 4):
            raise _Refused(7)
        self._limited(("users", parent.login, sub.login), self.MAX_USER_CHANGES)
        if parent.balance < amount:
            raise _Refused(10)
        parent.balance -= amount
        sub.balance += amount
        self.payments.append(SmscPayment(parent.login, sub.login, amount, self._clock.now()))
        return _ok(ctx)

    def _users_stat(self, ctx: _Context, parent: SmscAccount, params: _Params, *, detailed: bool) -> Reply:
        today = self._clock.now().astimezone(MOSCOW).date()
        start = _parse_day(params.text("start")) if params.text("start") else today.replace(day=1)
        end = _parse_day(params.text("end")) if params.text("end") else today
        reseller = params.choice("reseller", 0, 1)
        for flag in ("mycur", "balance2", "hide_deleted"):
            params.choice(flag, 0, 1)
        user_id = params.text("user_id")
        if start is None or end is None or start > end or (user_id and not user_id.isdigit()):
            raise _Refused(1)
        subs = [a for a in self.accounts.values() if a.parent == parent.login]
        if params.text("user"):
            subs = [self._subclient(parent, params.text("user"))]
        elif user_id:
            subs = [a for a in subs if a.user_id == int(user_id)]
            if not subs:
                raise _Refused(6)
        if reseller:
            subs = [a for a in subs if a.type in (0, 1)]
        rows: dict[str, _Row] = {}

        def in_period(moment: datetime) -> bool:
            return start <= moment.astimezone(MOSCOW).date() <= end

        logins = {a.login: a for a in subs}
        for message in self.messages:
            sub = logins.get(message.login)
            if sub is not None and in_period(message.created_at):
                _, operator, mccmnc, _ = _directory(message.phone)
                row = rows.setdefault(sub.login, _Row(sub.login, sub.currency))
                row.add(("SMS", operator, mccmnc), message.parts, Decimal(0), message.cost)
        for payment in self.payments:
            sub = logins.get(payment.user)
            if sub is not None and in_period(payment.time):
                row = rows.setdefault(sub.login, _Row(sub.login, sub.currency))
                row.add(("Top-up", "", ""), 0, payment.amount, Decimal(0))
        if not rows:
            raise _Refused(3)
        ordered = [rows[login] for login in logins if login in rows]
        return _reply(ctx, _stat_text(ctx.fmt, ordered, detailed=detailed))

    # -- state ------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """Accounts (no passwords, no API keys), messages with their current status, top-ups, blocks, counts."""
        with self._lock:
            now = self._clock.now()
            statuses: dict[str, int] = {}
            messages = []
            for message in self.messages:
                entry = message.to_json()
                status = int(message.status_at(now))
                entry["status"] = status
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                messages.append(entry)
            return {
                "accounts": [account.to_json() for account in self.accounts.values()],
                "messages": messages,
                "payments": [payment.to_json() for payment in self.payments],
                "blocked": {address: until.isoformat() for address, until in self.blocked.items()},
                "undeliverable_prefixes": list(self.undeliverable_prefixes),
                "rate_limits": self.rate_limits,
                "counts": {"accounts": len(self.accounts), "messages": len(self.messages), "statuses": statuses},
            }

    def __repr__(self) -> str:
        return f"<Smsc accounts={list(self.accounts)} messages={len(self.messages)}>"


def _normalize_phone(value: str) -> str | None:
    """The digits of a phone (``+`` optional; without it, 11 digits from 8 become 7…), or None if malformed."""
    m = _PHONE.fullmatch(value.strip())
    if m is None:
        return None
    plus, digits = m.groups()
    if not plus and len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


def _address(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for", "")
    first = forwarded.split(",", 1)[0].strip()
    return first or "127.0.0.1"


def _password_matches(password: str, psw: str) -> bool:
    digest = hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest()
    return hmac.compare_digest(psw.encode("utf-8"), password.encode("utf-8")) or hmac.compare_digest(
        psw.lower().encode("utf-8"), digest.encode("ascii")
    )


def _cut(text: str, max_parts: int) -> str:
    """The longest prefix of `text` that fits in `max_parts` parts."""
    if analyze(text).parts <= max_parts:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if analyze(text[:middle]).parts <= max_parts:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def _stat_text(fmt: int, rows: list[_Row], *, detailed: bool) -> str:
    """users.php get_stat / get_stat_all rows in the seed's shapes."""

    def amounts(totals: Sequence[Decimal], currency: str) -> list[tuple[str, str]]:
        return [
            ("sms", str(int(totals[0]))),
            ("credit", format_money(totals[1])),
            ("debit", format_money(totals[2])),
            ("currency", currency),
        ]

    if not detailed:
        table = [[("login", row.login), *amounts(row.totals(), row.currency)] for row in rows]
        if fmt == 3:
            return _json_text([dict(line) for line in table])
        if fmt == 2:
            return "<list>" + "".join(_xml("stat", line) for line in table) + "</list>"
        if fmt == 1:
            return "\n".join(",".join(value for _, value in line) for line in table)
        return "\n".join(", ".join(f"{key} = {value}" for key, value in line) for line in table)
    nested = [
        (
            row.login,
            [
                [("description", d), ("operator", o), ("mccmnc", m), *amounts(totals, row.currency)]
                for (d, o, m), totals in row.items.items()
            ],
        )
        for row in rows
    ]
    if fmt == 3:
        return _json_text([{"login": login, "items": [dict(item) for item in items]} for login, items in nested])
    if fmt == 2:
        users = "".join(
            f"<user login={quoteattr(login)}>" + "".join(_xml("item", item) for item in items) + "</user>"
            for login, items in nested
        )
        return f"<list>{users}</list>"
    lines = [[("login", login), *item] for login, items in nested for item in items]
    if fmt == 1:
        return "\n".join(",".join(value for _, value in line) for line in lines)
    return "\n".join(", ".join(f"{key} = {value}" for key, value in line) for line in lines)
