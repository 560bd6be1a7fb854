"""The I/O-free rate limiter on a fake clock, and the manifest keys that feed it (and SMSClub's other needs)."""

from __future__ import annotations

import math
import random
import shutil
from pathlib import Path

import pytest

from codegen._manifest import ManifestError, load_provider
from smsgate._ratelimit import RateLimiter

from .conftest import SCHEMAS


def test_a_window_of_nine_per_second() -> None:
    limiter = RateLimiter(9.0)
    assert (limiter.limit, limiter.window) == (9, 1.0)
    assert [limiter.acquire(0.0) for _ in range(9)] == [0.0] * 9
    # All nine still in flight: nothing frees sooner than a window after they end.
    assert limiter.acquire(0.0) == 1.0
    for t in (0.25, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 0.875, 0.875):  # binary fractions: exact arithmetic
        limiter.release(t)
    # A slot frees one window after the first reply ended, not after the first request started.
    assert limiter.acquire(0.875) == 0.375
    assert limiter.acquire(1.125) == 0.125
    assert limiter.acquire(1.25) == 0.0
    assert limiter.acquire(1.25) == 0.25  # the next ones ended at 0.5
    assert limiter.acquire(1.5) == 0.0
    assert limiter.acquire(1.5) == 0.0
    assert limiter.acquire(1.5) == 0.25


@pytest.mark.parametrize(("rate", "limit", "window"), [(9.0, 9, 1.0), (0.5, 1, 2.0), (2.5, 2, 0.8), (1, 1, 1.0)])
def test_any_rate(rate: float, limit: int, window: float) -> None:
    limiter = RateLimiter(rate)
    assert limiter.limit == limit
    assert limiter.window == pytest.approx(window)


@pytest.mark.parametrize("rate", [0, -1, math.nan, math.inf, True, "9"])
def test_bad_rates(rate: object) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        RateLimiter(rate)  # type: ignore[arg-type]


def test_release_without_acquire() -> None:
    with pytest.raises(RuntimeError):
        RateLimiter(1).release(0.0)


@pytest.mark.parametrize("seed", range(20))
def test_the_provider_never_sees_more_than_the_limit(seed: int) -> None:
    """Simulated clients (one after another and concurrent) with random latencies: wherever between a
    request's start and its reply the provider handles it, no window holds more than `limit` of them."""
    rng = random.Random(seed)
    limiter = RateLimiter(rng.choice([9.0, 3.0, 2.5]))
    workers = rng.choice([1, 3, 20])
    clock = 0.0
    # Each worker: (time it may next ask, end of its current request or None).
    ready = [0.0] * workers
    handled: list[float] = []
    in_flight: list[tuple[float, float, int]] = []  # (end, handled at, worker)
    while len(handled) < 200:
        # Advance to the next event: a reply ending or a worker asking.
        next_end = min((e for e, _, _ in in_flight), default=math.inf)
        next_ask = min(ready)
        clock = min(next_end, next_ask)
        if next_end <= next_ask:
            end, at, worker = min(in_flight)
            in_flight.remove((end, at, worker))
            limiter.release(end)
            handled.append(at)
            ready[worker] = end + rng.choice([0.0, 0.0, rng.random() * 0.2])
            continue
        worker = ready.index(next_ask)
        wait = limiter.acquire(clock)
        if wait > 0:
            ready[worker] = clock + wait
            continue
        latency = rng.choice([0.001, 0.01, rng.random() * 0.5, rng.random() * 3])
        in_flight.append((clock + latency, clock + rng.random() * latency, worker))
        ready[worker] = math.inf
    handled.sort()
    for i in range(len(handled) - limiter.limit):
        assert handled[i + limiter.limit] - handled[i] >= limiter.window - 1e-9


# -- manifest keys -----------------------------------------------------------------------------------------


def test_smsclub_manifest() -> None:
    p = load_provider(SCHEMAS / "smsclub")
    assert p.rate_limit == 9.0
    assert load_provider(SCHEMAS / "letsads").rate_limit is None
    ops = {op.name: op for op in p.operations}
    assert ops["balance"].request is None and ops["senders"].request is None
    assert ops["send"].request is not None
    codes = {e.code: e.category for e in p.errors}
    assert codes["add_info.src_addr"] == "invalid_sender"
    assert codes["add_info.recipient"] == "invalid_recipient"
    assert {"400", "401", "429", "453", "500", "5xx"} <= set(codes)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("rate_limit = 9.0", "rate_limit = 0", "rate_limit"),
        ("rate_limit = 9.0", 'rate_limit = "9"', "rate_limit"),
        ('error_sections = ["add_info"]', 'error_sections = ["nothing"]', "error_sections"),
        ('error_sections = ["add_info"]', 'error_sections = ["statuses"]', "error_sections"),
    ],
)
def test_manifest_mistakes(tmp_path: Path, old: str, new: str, message: str) -> None:
    target = tmp_path / "smsclub"
    shutil.copytree(SCHEMAS / "smsclub", target)
    path = target / "provider.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_provider(target)
