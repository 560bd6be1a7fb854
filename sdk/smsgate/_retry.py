"""When to repeat a request, decided once for the sync and the async client. I/O-free.

A request that provably did not reach the provider (connect failure) may always be repeated. Otherwise
only idempotent operations (status, balance, lists) are repeated, and a send only when the provider's
error says it sent nothing and may succeed later (e.g. a 429 from a rate limiter). Anything else that
happened after the request left (read timeout, reset, 5xx) may already have sent the message.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime
from time import time

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY
from ._exceptions import ConnectFailedError, ProviderError, ReplyLostError, SmsGateError

__all__ = ["backoff_delay", "parse_retry_after", "retry_delay"]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, float(parsedate_to_datetime(value).timestamp()) - time())
    except (TypeError, ValueError, IndexError):
        return None


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
