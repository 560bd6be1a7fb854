"""What a provider of the emulator sees and returns: `Request`, `Reply`, the `Provider` protocol, and the
server's fixed paths and limits. Nothing here does I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "CONTROL_PREFIX",
    "IDLE_TIMEOUT",
    "INBOX_PREFIX",
    "MAX_BODY_BYTES",
    "Provider",
    "Reply",
    "Request",
    "json_object",
]

#: Path prefix of the emulator's own JSON control endpoints.
CONTROL_PREFIX = "/_emulator"
#: Path prefix of the inbox page's files and JSON API (the page itself is ``/``).
INBOX_PREFIX = "/_inbox"
#: Request bodies larger than this are refused with HTTP 413 before they are read.
MAX_BODY_BYTES = 4 << 20
#: Idle keep-alive connections are closed after this many seconds.
IDLE_TIMEOUT = 60.0


# --------------------------------------------------------------------------------------------------------
# What a provider sees and returns


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as a provider handler sees it.

    Attributes:
        provider: the provider name (= path prefix) the request was addressed to.
        method: the HTTP method, upper case.
        path: the path after the provider prefix: ``""`` or ``"/…"``.
        headers: header names lower-cased; repeated headers joined with ``", "``.
        query: the query string, parsed (blank values kept).
        body: the raw request body.
        raw_query: the query string as received, still percent-encoded (for a provider that decodes it in
            the request's own charset, as SMSC does).
    """

    provider: str
    method: str
    path: str
    headers: Mapping[str, str]
    query: Mapping[str, tuple[str, ...]]
    body: bytes
    raw_query: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """What a provider handler answers. `operation` and `outcome` are not sent; they go to the request log.

    Attributes:
        status: the HTTP status.
        headers: response headers (``Content-Length``, ``Date``, ``Server`` are added by the server).
        body: the response body.
        operation: the provider operation the request asked for (``"send"``, ``"status"``…), if known.
        outcome: a short provider-specific result (``"Complete"``, an error code…), for assertions.
    """

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    operation: str | None = None
    outcome: str | None = None


class Provider(Protocol):
    """The interface a provider module implements to be served under ``/<name>``."""

    @property
    def name(self) -> str:
        """Provider id and path prefix, e.g. ``"letsads"``."""
        ...

    def handle(self, request: Request) -> Reply:
        """Process one request (state changes included) and return the reply. Called under the state lock."""
        ...

    def peek_operation(self, request: Request) -> str | None:
        """Which operation `request` asks for, without processing it (for the log of faulted requests)."""
        ...

    def error_reply(self, code: str) -> Reply:
        """The provider's own error reply carrying `code` (fault kind ``error_code``)."""
        ...

    def reset(self) -> None:
        """Return to the seed state."""
        ...

    def snapshot(self) -> dict[str, object]:
        """JSON-serialisable state (no secrets) for ``GET /_emulator/state``."""
        ...


def json_object(body: bytes) -> dict[str, object]:
    """A request body that must be a JSON object (empty: ``{}``), for the control and inbox APIs; ValueError
    otherwise."""
    try:
        data = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data
