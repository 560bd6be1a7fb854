"""The emulator's accelerated clock.

Provider state that changes over time (message statuses) is computed lazily from this clock, so there are
no background threads: the clock runs `speed` times faster than real time, and `advance` jumps it forward
for deterministic tests. With ``speed=0`` it is frozen and moves only when `advance` is called.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

__all__ = ["Clock"]


class Clock:
    """An accelerated, thread-safe clock of emulated time (timezone-aware UTC datetimes).

    Args:
        speed: emulated seconds per real second; ``0`` freezes the clock (it then moves only with `advance`).
        start: the emulated time at creation and after `reset`; default: the real time at creation.
    """

    def __init__(self, speed: float = 60.0, start: datetime | None = None) -> None:
        if not math.isfinite(speed) or speed < 0:
            raise ValueError(f"clock speed must be a finite number >= 0, not {speed!r}")
        if start is not None and start.tzinfo is None:
            raise ValueError("clock start must be timezone-aware")
        self._speed = float(speed)
        self._start = start if start is not None else datetime.now(UTC)
        self._lock = threading.Lock()
        self._origin = self._start
        self._real_origin = time.monotonic()

    @property
    def speed(self) -> float:
        """Emulated seconds per real second (0 = frozen)."""
        return self._speed

    @property
    def frozen(self) -> bool:
        """True when the clock moves only with `advance`."""
        return self._speed == 0

    def now(self) -> datetime:
        """The current emulated time."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        if self._speed == 0:
            return self._origin
        elapsed = (time.monotonic() - self._real_origin) * self._speed
        return self._origin + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        """Move emulated time forward by `seconds` (>= 0) and return the new emulated time."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"can only advance by a finite number of seconds >= 0, not {seconds!r}")
        with self._lock:
            self._origin = self._now_locked() + timedelta(seconds=seconds)
            self._real_origin = time.monotonic()
            return self._origin

    def reset(self) -> None:
        """Go back to the start time."""
        with self._lock:
            self._origin = self._start
            self._real_origin = time.monotonic()

    def __repr__(self) -> str:
        return f"Clock(speed={self._speed!r}, now={self.now().isoformat()!r})"
