"""A client-side request rate limit, decided once for the sync and the async client. I/O-free.

`RateLimiter` never sleeps and never reads a clock: the caller passes the time (``time.monotonic()``) and
gets back how long to wait. The sync client sleeps that long, the async one awaits it, then both ask again::

    while (delay := limiter.acquire(time.monotonic())) > 0:
        time.sleep(delay)                  # or: await asyncio.sleep(delay)
    try:
        ...                                # one HTTP exchange
    finally:
        limiter.release(time.monotonic())

A sliding window, counted conservatively: a request holds its slot from the moment it is let through until
`window` seconds after its reply ended (the provider handled it somewhere in between). So however long the
exchanges take, and whether they run one after another or concurrently, the provider never sees more than
`limit` of them within any `window` seconds. A provider's documented limit goes in its manifest
(``[provider] rate_limit = 9.0``) and becomes the client's default (``rate_limit=None`` switches it off).
"""

from __future__ import annotations

import math
import threading
from collections import deque

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most `limit` requests in any `window` seconds, for a rate of `rate` requests per second.

    ``limit = max(1, floor(rate))`` and ``window = limit / rate``: 9.0 is 9 requests per second, 0.5 is one
    request per 2 seconds, 2.5 is 2 requests per 0.8 s. Thread-safe; never blocks beyond a short lock.
    """

    __slots__ = ("_done", "_in_flight", "_lock", "limit", "rate", "window")

    def __init__(self, rate: float) -> None:
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"rate_limit must be a positive number of requests per second or None, not {rate!r}")
        self.rate = float(rate)
        self.limit = max(1, math.floor(rate))
        self.window = self.limit / self.rate
        #: End times of finished requests still inside the window, oldest first (appended in time order).
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._lock = threading.Lock()

    def acquire(self, now: float) -> float:
        """Take a slot and return 0.0, or take nothing and return the seconds to wait before asking again."""
        with self._lock:
            done = self._done
            while done and done[0] <= now - self.window:
                done.popleft()
            if len(done) + self._in_flight < self.limit:
                self._in_flight += 1
                return 0.0
            if done:
                return max(done[0] + self.window - now, 1e-3)
            # Every slot is held by a request still in flight: none frees sooner than a window from now.
            return self.window

    def release(self, now: float) -> None:
        """The request let through by `acquire` has ended (reply read, or failed): its slot frees a window later."""
        with self._lock:
            if self._in_flight <= 0:
                raise RuntimeError("RateLimiter.release() without a matching acquire()")
            self._in_flight -= 1
            if self._done and now < self._done[-1]:
                now = self._done[-1]  # keep the window ordered even if a caller's clock stutters
            self._done.append(now)

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r}, limit={self.limit}, window={self.window!r})"
