"""LetsAds' seed section: its shapes, the default seed, and its validation into accounts."""

from __future__ import annotations

from typing import Final, NotRequired, TypedDict

from smsgate.emulator._letsads._state import DEFAULT_SENDERS, LetsAdsAccount
from smsgate.emulator._seedutil import (
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

__all__ = [
    "LETSADS_DEFAULT_SEED",
    "LetsAdsAccountSeed",
    "LetsAdsSeed",
    "account_from_seed",
    "validate_seed",
]


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

#: The LetsAds part of `smsgate.emulator.DEFAULT_SEED`: the documents' example accounts and a few edge cases.
LETSADS_DEFAULT_SEED: Final[LetsAdsSeed] = {
    "accounts": [
        # The RU page's send and PHP examples.
        {"login": "380501234567", "password": _PASSWORD, "balance": "100.00", "senders": list(DEFAULT_SENDERS)},
        # The EN page's send and PHP examples.
        {"login": "79261234567", "password": _PASSWORD, "balance": "100.00", "senders": list(DEFAULT_SENDERS)},
        # The status and balance examples of both pages.
        {"login": "380671234567", "password": _PASSWORD, "balance": "100.00", "senders": list(DEFAULT_SENDERS)},
        # API access not switched on → API_DISABLED.
        {"login": "380500000001", "password": _PASSWORD, "api_enabled": False, "senders": list(DEFAULT_SENDERS)},
        # Not verified → USER_NOT_MODERATED on send.
        {"login": "380500000002", "password": _PASSWORD, "moderated": False, "senders": list(DEFAULT_SENDERS)},
        # No money → NOT_ENOUGH_MONEY on send.
        {"login": "380500000003", "password": _PASSWORD, "balance": "0.00", "senders": list(DEFAULT_SENDERS)},
    ],
    "status_leading_space": True,
    "first_sms_id": 633217,
}


def account_from_seed(where: str, raw_account: object) -> LetsAdsAccount:
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
    accounts = [account_from_seed(f"letsads.accounts[{i}]", item) for i, item in enumerate(raw_accounts)]
    duplicates = repeated(account.login for account in accounts)
    if duplicates:
        raise ValueError(f"seed 'letsads.accounts': duplicate login(s) {duplicates}")
    leading_space = read_flag("seed 'letsads.status_leading_space'", raw.get("status_leading_space", True))
    first_id = read_positive("seed 'letsads.first_sms_id'", raw.get("first_sms_id", 633217))
    return accounts, leading_space, first_id
