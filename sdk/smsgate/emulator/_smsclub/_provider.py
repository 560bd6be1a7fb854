"""`SmsClub`: the provider as the server sees it — accounts and messages, the Bearer authentication and the
rate limit every operation passes first, and the dispatch of each path to its handler.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

from smsgate.emulator._clock import Clock
from smsgate.emulator._seedutil import fresh_copy
from smsgate.emulator._server import Reply, Request
from smsgate.emulator._smsclub import _balance, _send, _senders, _status
from smsgate.emulator._smsclub._replies import error_code_reply, flat_reply
from smsgate.emulator._smsclub._request import BEARER, OPERATIONS, Refused, route
from smsgate.emulator._smsclub._seed import account_from_seed, validate_seed
from smsgate.emulator._smsclub._state import (
    DEFAULT_ORIGINATORS,
    DUPLICATE_WINDOW,
    FINAL_AFTER,
    MAX_GSM7_CHARACTERS,
    MAX_IDS,
    MAX_RECIPIENTS,
    MAX_UCS2_CHARACTERS,
    MODERATION_AFTER,
    RATE_LIMIT,
    RATE_WINDOW,
    SmsClubAccount,
    SmsClubMessage,
    SmsClubStatus,
)

__all__ = ["HANDLERS", "SmsClub"]

_Handler = Callable[["SmsClub", SmsClubAccount, bytes], Reply]

#: The handler of each operation (named by `OPERATIONS` from the path).
HANDLERS: Final[Mapping[str, _Handler]] = {
    "send": _send.send,
    "personal": _send.personal,
    "status": _status.status,
    "originator": _senders.originators,
    "balance": _balance.balance,
    "originator_registration": _senders.register_originator,
    "originator_status": _senders.originator_status,
}


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
    FINAL_AFTER: Final = FINAL_AFTER
    #: Emulated seconds during which the same text to the same phone is a duplicate (453).
    DUPLICATE_WINDOW: Final = DUPLICATE_WINDOW
    #: Requests per second per token.
    RATE_LIMIT: Final = RATE_LIMIT
    #: Real seconds of the rate-limit window.
    RATE_WINDOW: Final = RATE_WINDOW
    MAX_RECIPIENTS: Final = MAX_RECIPIENTS
    MAX_IDS: Final = MAX_IDS
    MAX_GSM7_CHARACTERS: Final = MAX_GSM7_CHARACTERS
    MAX_UCS2_CHARACTERS: Final = MAX_UCS2_CHARACTERS
    #: Emulated seconds a sender-name registration stays "Being moderated" before it is "Approved".
    MODERATION_AFTER: Final = MODERATION_AFTER

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
        originators: Iterable[str] = DEFAULT_ORIGINATORS,
        price_per_part: Decimal | str = "0.85",
        undelivered_last_digits: str = "9",
    ) -> SmsClubAccount:
        """Create (or replace) an account until the next reset and return it."""
        account = account_from_seed(
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

    def now(self) -> datetime:
        """The emulated time."""
        return self._clock.now()

    @property
    def clock(self) -> Clock:
        """The emulated clock (messages read their status from it)."""
        return self._clock

    def take_message_id(self) -> int:
        """The id of a new message (shared by all accounts, increasing)."""
        message_id = self._next_id
        self._next_id += 1
        return message_id

    def last_sent(self, account: str, phone: str, text: str) -> datetime | None:
        """When `account` last sent `text` to `phone` (for the 453 duplicate check)."""
        return self._recent.get((account, phone, text))

    def remember(self, account: str, phone: str, text: str, when: datetime) -> None:
        """Record a send of `text` to `phone` by `account` at `when`."""
        self._recent[(account, phone, text)] = when

    # -- HTTP -------------------------------------------------------------------------------------

    def peek_operation(self, request: Request) -> str | None:
        """``send``, ``personal``, ``status``, ``originator``, ``balance``, ``originator_registration`` or
        ``originator_status`` from the path; None otherwise."""
        return OPERATIONS.get(route(request.path))

    def error_reply(self, code: str) -> Reply:
        """The reply of an errors.toml code (see `smsgate.emulator._smsclub._replies.error_code_reply`)."""
        return error_code_reply(code)

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the package docstring)."""
        operation = OPERATIONS.get(route(request.path))
        if operation is None:
            return flat_reply(404, None)
        if request.method != "POST":
            return flat_reply(405, operation, [("Allow", "POST")])
        try:
            with self._lock:
                account = self._authenticate(request, operation)
                self._throttle(account, operation)
                return HANDLERS[operation](self, account, request.body)
        except Refused as refused:
            return refused.reply

    def _authenticate(self, request: Request, operation: str) -> SmsClubAccount:
        match = BEARER.fullmatch(request.headers.get("authorization", ""))
        account = None if match is None else self.account_for_token(match.group(1))
        if account is None:
            raise Refused(flat_reply(401, operation, [("WWW-Authenticate", 'Bearer realm="api"')]))
        return account

    def _throttle(self, account: SmsClubAccount, operation: str) -> None:
        if self.rate_limit <= 0:
            return
        now = self.monotonic()
        window = self._windows.setdefault(account.name, deque())
        while window and now - window[0] >= RATE_WINDOW:
            window.popleft()
        if len(window) >= self.rate_limit:
            wait = max(1, math.ceil(window[0] + RATE_WINDOW - now))
            raise Refused(flat_reply(429, operation, [("Retry-After", str(wait))]))
        window.append(now)

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
