"""The SMSC emulator object: its state, the route from a script to its handler, and the checks every script
shares (address blocks, authentication, per-minute limits, who pays and at what tariff)."""

from __future__ import annotations

import hmac
import threading
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from smsgate.emulator._clock import Clock
from smsgate.emulator._seedutil import fresh_copy
from smsgate.emulator._server import Reply, Request
from smsgate.emulator._smsc import _state
from smsgate.emulator._smsc._balance import balance
from smsgate.emulator._smsc._replies import ERRORS, error, json_text, reply
from smsgate.emulator._smsc._request import (
    CODECS,
    DEFAULT_CHARSET,
    ID,
    NO_CLIENT_ID,
    SCRIPTS,
    Context,
    Params,
    Refused,
    caller_address,
    operation,
    password_matches,
    read_params,
)
from smsgate.emulator._smsc._seed import account_from_seed, validate_seed
from smsgate.emulator._smsc._send import send
from smsgate.emulator._smsc._state import DEFAULT_SENDERS, SmscAccount, SmscMessage, SmscPayment
from smsgate.emulator._smsc._status import status
from smsgate.emulator._smsc._users import users

__all__ = ["Smsc"]

_HANDLERS: Final = {"send": send, "status": status, "balance": balance, "users": users}


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
    TRANSMITTED_AFTER: Final = _state.TRANSMITTED_AFTER
    #: Emulated seconds from the send time to the final status.
    FINAL_AFTER: Final = _state.FINAL_AFTER
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
        self.rate_limits: bool = True
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
        senders: Iterable[str] = DEFAULT_SENDERS,
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
        account = account_from_seed("account", raw)
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
        area = SCRIPTS.get(request.path)
        if area is None:
            return None
        try:
            params = read_params(request)
        except Refused:
            return area if area != "users" else None
        return operation(area, params)

    def error_reply(self, code: str) -> Reply:
        """``{"error": …, "error_code": N}`` (fmt=3, UTF-8) for ``code`` = ``"N"`` or ``"<area>.N"``."""
        area, _, number = code.rpartition(".")
        area = area if area in ERRORS else "send"
        ctx = Context(area, fmt=3, charset="utf-8")
        if not number.isdigit() or len(number) > 3:
            return reply(ctx, json_text({"error": code, "error_code": 1}), code)
        return error(ctx, int(number))

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the module docstring)."""
        area = SCRIPTS.get(request.path)
        if area is None:
            return Reply(404, (("Content-Type", "text/html; charset=utf-8"),), b"<h1>404 Not Found</h1>")
        ctx = Context(area)
        with self._lock:
            try:
                address = caller_address(request)
                try:
                    params = read_params(request)
                except Refused:
                    self._check_block(address)
                    raise
                fmt = params.text("fmt")
                ctx.fmt = int(fmt) if fmt in ("0", "1", "2", "3") else 0
                ctx.operation = operation(area, params)
                if area == "send":
                    client_id = params.text("id")
                    valid = client_id not in NO_CLIENT_ID and ID.fullmatch(client_id)
                    ctx.client_id = client_id if valid else None
                charset = params.text("charset").lower() or DEFAULT_CHARSET
                if charset in CODECS:
                    ctx.charset = charset
                    params.codec = CODECS[charset]
                self._check_block(address)
                if fmt not in ("", "0", "1", "2", "3") or charset not in CODECS:
                    raise Refused(1)
                account = self._authenticate(params, address)
                return _HANDLERS[area](self, ctx, account, params)
            except Refused as refused:
                return error(ctx, refused.code)

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
        raise Refused(4)

    def _authenticate(self, params: Params, address: str) -> SmscAccount:
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
            if found is not None and psw and password_matches(found.password, psw):
                account = found
        if account is not None and (not account.allowed_ips or address in account.allowed_ips):
            return account
        self._fail(address)
        raise Refused(2)

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
            raise Refused(9)
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
