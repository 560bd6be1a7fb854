"""A provider rate limit shared by every worker of an account, kept in PostgreSQL on the database's clock.

The rule is `smsgate._ratelimit.RateLimiter`'s: ``limit = max(1, floor(rate))`` slots per account, and a
request holds a slot from the moment it is let through until `window` seconds after its exchange ended
(``window = limit / rate``). A slot is a row of ``smsgate_rate_slots``: taken with ``FOR UPDATE SKIP
LOCKED`` when its ``free_at`` has passed (``clock_timestamp()``, the database's clock, the same for every
machine), held (``free_at = infinity``) during the exchange, then freed a window later. Whatever the number
of workers and machines, the provider never sees more than `limit` requests in any `window` seconds. A
worker that dies holding a slot is noticed by the next reap (its advisory lock is free), which frees the slot
a window after that moment.

It applies to every HTTP exchange the client makes, retries included: the client polls it around each
attempt as it polls its own limiter (`SharedRateLimiter`, `share_rate_limit`).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ._journal_pg import PgJournal
    from ._pg_flows import Flow

__all__ = ["SharedRateLimiter", "account_key", "limit_and_window", "provider_rate", "share_rate_limit"]


def limit_and_window(rate: float) -> tuple[int, float]:
    if isinstance(rate, bool) or not math.isfinite(rate) or rate <= 0:
        raise ValueError(f"rate limit must be a positive number of requests per second, not {rate!r}")
    limit = max(1, math.floor(rate))
    return limit, limit / rate


def account_key(gateway_url: str) -> str:
    """Who shares a limit: the provider, login and host of a gateway URL, hashed (the password is not used)."""
    parts = urlsplit(gateway_url)
    who = f"{parts.scheme.partition('+')[0]}|{parts.username or ''}|{parts.hostname or ''}|{parts.port or ''}"
    return f"{parts.scheme.partition('+')[0]}:{hashlib.sha256(who.encode()).hexdigest()[:16]}"


def _ensure_flow(account: str, limit: int, window: float) -> Flow[None]:
    yield (
        "INSERT INTO smsgate_rate_slots (account, slot, window_s) SELECT %s, g, %s FROM generate_series(0, %s - 1) g"
        " ON CONFLICT (account, slot) DO UPDATE SET window_s = excluded.window_s",
        (account, window, limit),
        "none",
    )


def _acquire_flow(account: str, limit: int, holder: int) -> Flow[tuple[int | None, float]]:
    """(slot, 0) when one was taken; (None, seconds to wait) when none is free."""
    row = yield (
        "UPDATE smsgate_rate_slots r SET holder = %(h)s, free_at = 'infinity' FROM ("
        " SELECT account, slot FROM smsgate_rate_slots WHERE account = %(a)s AND slot < %(n)s AND holder IS NULL"
        " AND free_at <= clock_timestamp() ORDER BY free_at, slot LIMIT 1 FOR UPDATE SKIP LOCKED) s"
        " WHERE r.account = s.account AND r.slot = s.slot RETURNING r.slot",
        {"a": account, "n": limit, "h": holder},
        "one",
    )
    if row is not None:
        return int(row[0]), 0.0
    wait = yield (
        "SELECT COALESCE(EXTRACT(EPOCH FROM MIN(free_at) FILTER (WHERE holder IS NULL) - clock_timestamp()),"
        " MIN(window_s)) FROM smsgate_rate_slots WHERE account = %s AND slot < %s",
        (account, limit),
        "one",
    )
    return None, min(max(float(wait[0] or 0.0), 0.002), 1.0)


def _release_flow(account: str, slot: int, holder: int) -> Flow[None]:
    yield (
        "UPDATE smsgate_rate_slots SET holder = NULL, free_at = clock_timestamp() + make_interval(secs => window_s)"
        " WHERE account = %s AND slot = %s AND holder = %s",
        (account, slot, holder),
        "none",
    )


class SharedRateLimiter:
    """`smsgate._ratelimit.RateLimiter`'s interface (``acquire(now)`` → seconds to wait, ``release(now)``)
    over PostgreSQL: the client polls it around each attempt exactly as it polls its own limiter, before the
    attempt's deadline starts, so waiting for a slot never reads as a lost reply. The ``now`` the client
    passes is ignored: the database's clock decides, the same for every machine.

    `journal` runs the statements (give it a connection of its own); `holder` is the id of the worker whose
    liveness covers the slots taken (when that worker is gone, the next reap frees them)."""

    def __init__(self, journal: PgJournal, holder: int, account: str, rate: float) -> None:
        self.rate = rate
        self.limit, self.window = limit_and_window(rate)
        self.account = account
        self._journal = journal
        self._holder = holder
        self._held: deque[int] = deque()
        self._lock = threading.Lock()
        journal._run(_ensure_flow(account, self.limit, self.window))

    def acquire(self, now: float) -> float:
        with self._lock:
            slot, wait = self._journal._run(_acquire_flow(self.account, self.limit, self._holder))
            if slot is None:
                return wait
            self._held.append(slot)
            return 0.0

    def release(self, now: float) -> None:
        with self._lock:
            if not self._held:
                raise RuntimeError("SharedRateLimiter.release() without a matching acquire()")
            slot = self._held.popleft()  # every held slot is alike: any one frees a window from now
            self._journal._run(_release_flow(self.account, slot, self._holder))

    def __repr__(self) -> str:
        return f"SharedRateLimiter(account={self.account!r}, rate={self.rate!r})"


def share_rate_limit(client: Any, limiter: SharedRateLimiter) -> None:
    """Make a provider client (sync or async) take its rate-limit slots from `limiter`."""
    client._limiter = limiter


def provider_rate(client: Any) -> float | None:
    """The client's own (documented) rate limit, if any: the default shared limit."""
    limiter = getattr(client, "_limiter", None)
    rate = getattr(limiter, "rate", None)
    return float(rate) if isinstance(rate, int | float) else None
