"""`LetsAds`: the provider as the server sees it — accounts and messages, the login/password check every
request passes first, and the dispatch of each operation to its handler.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Final

from smsgate.emulator._clock import Clock
from smsgate.emulator._letsads import _balance, _send, _status
from smsgate.emulator._letsads._replies import error_reply, not_found
from smsgate.emulator._letsads._request import Parsed, Refused, parse
from smsgate.emulator._letsads._seed import account_from_seed, validate_seed
from smsgate.emulator._letsads._state import (
    DEFAULT_SENDERS,
    FINAL_AFTER,
    MAX_GSM7_CHARACTERS,
    MAX_RECIPIENTS,
    MAX_UCS2_CHARACTERS,
    SENT_AFTER,
    LetsAdsAccount,
    LetsAdsError,
    LetsAdsMessage,
    LetsAdsStatus,
)
from smsgate.emulator._seedutil import fresh_copy
from smsgate.emulator._server import Reply, Request

__all__ = ["HANDLERS", "LetsAds"]

_Handler = Callable[["LetsAds", LetsAdsAccount, Parsed], Reply]

#: The handler of each operation (the element after ``<auth>``: message, sms_id, balance).
HANDLERS: Final[Mapping[str, _Handler]] = {"send": _send.send, "status": _status.status, "balance": _balance.balance}


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
    SENT_AFTER: Final = SENT_AFTER
    #: Emulated seconds from creation to the final status.
    FINAL_AFTER: Final = FINAL_AFTER
    MAX_RECIPIENTS: Final = MAX_RECIPIENTS
    MAX_GSM7_CHARACTERS: Final = MAX_GSM7_CHARACTERS
    MAX_UCS2_CHARACTERS: Final = MAX_UCS2_CHARACTERS

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
        senders: Iterable[str] = DEFAULT_SENDERS,
        price_per_part: Decimal | str = "0.50",
        undelivered_last_digits: str = "9",
    ) -> LetsAdsAccount:
        """Create (or replace) an account until the next reset and return it."""
        account = account_from_seed(
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

    def now(self) -> datetime:
        """The emulated time."""
        return self._clock.now()

    @property
    def clock(self) -> Clock:
        """The emulated clock (messages read their status from it)."""
        return self._clock

    def take_message_id(self) -> int:
        """The id of a new message (increasing)."""
        message_id = self._next_id
        self._next_id += 1
        return message_id

    # -- HTTP -------------------------------------------------------------------------------------

    def peek_operation(self, request: Request) -> str | None:
        """``"send"``, ``"status"`` or ``"balance"``, without processing the request; None when unclear."""
        try:
            return parse(request.body).operation
        except Refused as refused:
            return refused.operation

    def error_reply(self, code: str) -> Reply:
        """``<name>Error</name><description>{code}</description>``."""
        return error_reply(code)

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the package docstring)."""
        if request.path not in ("", "/"):
            return not_found()
        operation: str | None = None
        try:
            parsed = parse(request.body)
            operation = parsed.operation
            with self._lock:
                account = self._authenticate(parsed)
                return HANDLERS[operation](self, account, parsed)
        except Refused as refused:
            return replace(error_reply(refused.code), operation=refused.operation or operation)

    def _authenticate(self, parsed: Parsed) -> LetsAdsAccount:
        account = self.accounts.get(parsed.login.strip())
        if account is None or not hmac.compare_digest(
            parsed.password.encode("utf-8"), account.password.encode("utf-8")
        ):
            raise Refused(LetsAdsError.AUTH_DATA, parsed.operation)
        if not account.api_enabled:
            raise Refused(LetsAdsError.API_DISABLED, parsed.operation)
        return account

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
