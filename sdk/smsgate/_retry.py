"""When to repeat a request, decided once for the sync and the async client. I/O-free.

A request that provably did not reach the provider (connect failure) may always be repeated. Otherwise
only idempotent operations (status, balance, lists) are repeated, and a send only when the provider's
error says it sent nothing and may succeed later (e.g. a 429 from a rate limiter). Anything else that
happened after the request left (read timeout, reset, 5xx) may already have sent the message.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from time import time

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY
from ._exceptions import ConnectFailedError, ProviderError, ReplyLostError, SmsGateError

__all__ = ["backoff_delay", "parse_retry_after", "parse_retry_after_ms", "retry_after_of", "retry_delay"]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable.

    A negative, NaN or infinite number of seconds is unreadable: treated as absent (the backoff applies),
    never as "retry at once". A date in the past means now (0).
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        return max(0.0, float(parsedate_to_datetime(value).timestamp()) - time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_retry_after_ms(value: str | None) -> float | None:
    """Seconds from a ``retry-after-ms`` header (milliseconds); None when absent, negative or not finite."""
    if not value:
        return None
    try:
        millis = float(value.strip())
    except ValueError:
        return None
    return millis / 1000 if math.isfinite(millis) and millis >= 0 else None


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """How long a reply asks us to wait: ``retry-after-ms`` when readable (the finer), else Retry-After."""
    millis = parse_retry_after_ms(headers.get("retry-after-ms"))
    return millis if millis is not None else parse_retry_after(headers.get("retry-after"))


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at 8 s, each minus up to 25 %."""
    delay: float = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * random.random())


def retry_delay(error: SmsGateError, *, attempt: int, max_retries: int, idempotent: bool) -> float | None:
    """Seconds to wait before repeating the request after `error`, or None to raise it.

    `attempt` counts the retries already made (0 after the first try).
    """
    if attempt >= max_retries:
        return None
    if isinstance(error, ConnectFailedError):
        return backoff_delay(attempt)
    if isinstance(error, ReplyLostError):
        return backoff_delay(attempt) if idempotent else None
    if isinstance(error, ProviderError):
        if not error.retryable or not (idempotent or error.not_sent):
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= MAX_RETRY_AFTER else None
        return backoff_delay(attempt)
    return None
