"""Defaults shared by every client."""

from __future__ import annotations

from typing import Final

import httpx

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "USER_AGENT",
]

#: Connect fails fast (nothing was sent, so it is safe to retry); a read may legitimately take longer.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
#: A Retry-After longer than this is not waited for: the error is raised instead.
MAX_RETRY_AFTER: Final = 60.0
USER_AGENT: Final = "smsgate-python"
