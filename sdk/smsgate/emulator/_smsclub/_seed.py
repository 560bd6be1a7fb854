"""SMSClub's seed section: its shapes, the default seed, and its validation into accounts."""

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
from smsgate.emulator._smsclub._state import DEFAULT_ORIGINATORS, RATE_LIMIT, SmsClubAccount

__all__ = [
    "SMSCLUB_DEFAULT_SEED",
    "SeedState",
    "SmsClubAccountSeed",
    "SmsClubSeed",
    "account_from_seed",
    "validate_seed",
]


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


#: The SMSClub part of `smsgate.emulator.DEFAULT_SEED`.
SMSCLUB_DEFAULT_SEED: Final[SmsClubSeed] = {
    "accounts": [
        # The page's examples: sender VashZakaz, balance 8111.17 UAH.
        {"name": "main", "token": "smsclub-test-token", "balance": "8111.17", "originators": list(DEFAULT_ORIGINATORS)},
        # A second account: its messages are invisible to the first.
        {"name": "second", "token": "smsclub-second-token", "balance": "100.00", "originators": ["smsgate"]},
        # No money: every send is refused.
        {"name": "empty", "token": "smsclub-empty-token", "balance": "0.00", "originators": list(DEFAULT_ORIGINATORS)},
    ],
    "first_sms_id": 106,
    "rate_limit": 9,
    "documented_replies": False,
}


def account_from_seed(where: str, raw_account: object) -> SmsClubAccount:
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
class SeedState:
    accounts: list[SmsClubAccount]
    first_sms_id: int
    rate_limit: int
    documented_replies: bool


def validate_seed(raw_seed: object) -> SeedState:
    """Check an ``"smsclub"`` seed section."""
    raw = read_table("seed 'smsclub'", raw_seed, SmsClubSeed)
    raw_accounts = read_list("seed 'smsclub.accounts'", raw.get("accounts", []))
    accounts = [account_from_seed(f"smsclub.accounts[{i}]", item) for i, item in enumerate(raw_accounts)]
    for attribute in ("name", "token"):
        values = [getattr(account, attribute) for account in accounts]
        if len(set(values)) != len(values):
            raise ValueError(f"seed 'smsclub.accounts': duplicate {attribute}(s)")
    first_id = read_positive("seed 'smsclub.first_sms_id'", raw.get("first_sms_id", 106))
    rate_limit = raw.get("rate_limit", RATE_LIMIT)
    if isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 0:
        raise ValueError("seed 'smsclub.rate_limit' must be an integer >= 0 (0 switches the limit off)")
    documented = read_flag("seed 'smsclub.documented_replies'", raw.get("documented_replies", False))
    return SeedState(accounts, first_id, rate_limit, documented)
