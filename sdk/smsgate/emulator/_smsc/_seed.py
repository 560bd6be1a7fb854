"""SMSC's seed section: its shapes, the default seed, and the reading of a seed into accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NotRequired, TypedDict

from smsgate.emulator._seedutil import (
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
from smsgate.emulator._smsc._state import DEFAULT_SENDERS, SmscAccount

__all__ = ["SMSC_DEFAULT_SEED", "SeedState", "SmscAccountSeed", "SmscSeed", "account_from_seed", "validate_seed"]


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

#: The SMSC part of `smsgate.emulator.DEFAULT_SEED`.
SMSC_DEFAULT_SEED: Final[SmscSeed] = {
    "accounts": [
        # The main account: password or API key, two senders, 1000 RUR.
        {
            "login": "smsgate",
            "password": _PASSWORD,
            "apikey": "smsgate-apikey",
            "balance": "1000.00",
            "senders": list(DEFAULT_SENDERS),
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


def account_from_seed(where: str, raw_account: object) -> SmscAccount:
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
class SeedState:
    accounts: list[SmscAccount]
    first_message_id: int
    first_user_id: int
    undeliverable_prefixes: list[str]
    rate_limits: bool


def validate_seed(raw_seed: object) -> SeedState:
    """Check an ``"smsc"`` seed section."""
    raw = read_table("seed 'smsc'", raw_seed, SmscSeed)
    raw_accounts = read_list("seed 'smsc.accounts'", raw.get("accounts", []))
    accounts = [account_from_seed(f"smsc.accounts[{i}]", item) for i, item in enumerate(raw_accounts)]
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
    return SeedState(accounts, first_message_id, next_user_id, prefixes, rate_limits)
