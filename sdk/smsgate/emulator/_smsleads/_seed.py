"""SMSLeads' seed section: its shapes, the default seed, and its validation into account templates."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, NotRequired, TypedDict

from smsgate.emulator._seedutil import (
    read_flag,
    read_last_digits,
    read_list,
    read_strings,
    read_table,
    repeated,
)
from smsgate.emulator._smsleads._codes import COMMANDS
from smsgate.emulator._smsleads._state import (
    TOKEN_VALID_DAYS,
    SmsLeadsAccount,
    SmsLeadsContact,
    SmsLeadsContactList,
    SmsLeadsToken,
)
from smsgate.emulator._smsleads._values import normalize_mobile, parse_time

__all__ = [
    "SMSLEADS_DEFAULT_SEED",
    "AccountSpec",
    "SeedSpec",
    "SmsLeadsAccountSeed",
    "SmsLeadsBlacklistSeed",
    "SmsLeadsContactListSeed",
    "SmsLeadsContactSeed",
    "SmsLeadsIncomingSeed",
    "SmsLeadsSeed",
    "SmsLeadsTokenSeed",
    "TokenSpec",
    "account_spec",
    "tokens_from",
    "validate_seed",
]


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
                        {"phone": "0522345678", "df1": "Israel", "df2": "Israeli", "df3": "Haifa"},
                        {"phone": "0547654321", "df1": "דנה", "df2": "כהן", "df3": "תל אביב"},
                    ],
                },
                {"id": 21500, "name": "name2", "contacts": [{"phone": "0502345678"}]},
            ],
            "blacklist": [
                {"phone": "0509999999", "minutes_ago": 4320},
                {"phone": "0508888888", "minutes_ago": 1440},
            ],
            "incoming": [
                {
                    "source": "0522345678",
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


@dataclass(frozen=True)
class _Dated:
    absolute: datetime | None
    minutes_ago: float

    def at(self, now: datetime) -> datetime:
        return self.absolute if self.absolute is not None else now - timedelta(minutes=self.minutes_ago)


@dataclass(frozen=True)
class TokenSpec:
    value: str = field(repr=False)
    created_days_ago: float
    valid_days: float


@dataclass(frozen=True)
class AccountSpec:
    account: SmsLeadsAccount  # a template: copied at each reset (dates of its entries are filled then)
    tokens: tuple[TokenSpec, ...]
    lists: tuple[SmsLeadsContactList, ...]
    blacklist: tuple[tuple[str, _Dated], ...]
    incoming: tuple[tuple[str, str, str, _Dated], ...]


@dataclass(frozen=True)
class SeedSpec:
    accounts: tuple[AccountSpec, ...]
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


def account_spec(where: str, raw_account: object) -> AccountSpec:
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
    tokens: list[TokenSpec] = []
    for i, item in enumerate(read_list(f"{where}.tokens", raw.get("tokens", []))):
        spot = f"{where}.tokens[{i}]"
        token = read_table(spot, item, SmsLeadsTokenSeed)
        if "token" not in token:
            raise ValueError(f"{spot}.token is required")
        value = _str(f"{spot}.token", token["token"]).strip()
        created = _number(f"{spot}.created_days_ago", token.get("created_days_ago", 0))
        valid = _number(f"{spot}.valid_days", token.get("valid_days", TOKEN_VALID_DAYS))
        tokens.append(TokenSpec(value, created, valid))
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
    return AccountSpec(account, tuple(tokens), tuple(lists), tuple(blacklist), tuple(incoming))


def validate_seed(raw_seed: object) -> SeedSpec:
    """Check a ``"smsleads"`` seed section (raises ValueError) and return its validated form."""
    raw = read_table("seed 'smsleads'", raw_seed, SmsLeadsSeed)
    accounts = [
        account_spec(f"smsleads.accounts[{i}]", item)
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
    return SeedSpec(
        accounts=tuple(accounts),
        documented_replies=read_flag("seed 'smsleads.documented_replies'", raw.get("documented_replies", False)),
        first_shipment_id=_int("seed 'smsleads.first_shipment_id'", raw.get("first_shipment_id", 12345678), 1),
        first_contact_list_id=_int("seed 'smsleads.first_contact_list_id'", raw.get("first_contact_list_id", 17419), 1),
        reply_numbers=tuple(reply_numbers),
    )


def tokens_from(specs: Sequence[TokenSpec], now: datetime) -> list[SmsLeadsToken]:
    """The tokens of a seeded account at `now`, oldest first, each superseded by the next."""
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
