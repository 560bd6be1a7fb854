"""The generic part of the emulator: a loopback HTTP/1.1 server, fault injection and the request log.

Nothing here knows any provider. A provider is an object implementing `Provider`, registered under a path
prefix equal to its name (``/letsads``); it receives a `Request` (method, path after the prefix, headers,
query, body) and returns a `Reply` (status, headers, body). Between the socket and the provider sits the
fault injector: a `Fault` queued with `Faults.inject` replaces or damages the reply of the next requests to
that provider (reset, timeout, HTTP status, truncated, malformed or empty body, a provider error code), and
says whether the provider handler still processed the request. Every provider request is recorded in the
`RequestLog` before anything is written back, so a test that just saw its client fail can assert on it.

The server is the standard library's `ThreadingHTTPServer` (HTTP/1.1 with keep-alive, daemon threads,
``TCP_NODELAY``) bound to a loopback address only.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from smsgate.emulator._clock import Clock

__all__ = [
    "CONTROL_PREFIX",
    "INBOX_PREFIX",
    "MAX_BODY_BYTES",
    "Fault",
    "FaultKind",
    "Faults",
    "HttpServer",
    "Observer",
    "Provider",
    "RecordedRequest",
    "Reply",
    "Request",
    "RequestLog",
    "Stream",
    "check_web_request",
]

logger = logging.getLogger("smsgate.emulator")

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


# --------------------------------------------------------------------------------------------------------
# Faults


class FaultKind(StrEnum):
    """What a fault does to a request (see `Faults.inject` for the parameters of each)."""

    RESET = "reset"
    TIMEOUT = "timeout"
    STATUS = "status"
    TRUNCATE = "truncate"
    MALFORMED = "malformed"
    EMPTY = "empty"
    ERROR_CODE = "error_code"
    HOLD = "hold"


_ALLOWED_PARAMS: dict[FaultKind, frozenset[str]] = {
    FaultKind.RESET: frozenset({"before_handler"}),
    FaultKind.TIMEOUT: frozenset({"before_handler", "delay"}),
    FaultKind.STATUS: frozenset({"before_handler", "status", "retry_after", "body", "content_type"}),
    FaultKind.TRUNCATE: frozenset({"length", "bytes", "declare_full_length"}),
    FaultKind.MALFORMED: frozenset({"before_handler", "body", "status", "content_type"}),
    FaultKind.EMPTY: frozenset({"before_handler"}),
    FaultKind.ERROR_CODE: frozenset({"before_handler", "code"}),
    FaultKind.HOLD: frozenset({"delay"}),
}

#: Whether the provider handler is skipped, by default, for each kind.
_BEFORE_HANDLER_DEFAULT: dict[FaultKind, bool] = {
    FaultKind.RESET: True,
    FaultKind.TIMEOUT: False,
    FaultKind.STATUS: True,
    FaultKind.TRUNCATE: False,
    FaultKind.MALFORMED: True,
    FaultKind.EMPTY: True,
    FaultKind.ERROR_CODE: True,
    FaultKind.HOLD: False,
}


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault, validated. Built by `Faults.inject`; fields unused by its kind keep defaults.

    Attributes:
        provider: the provider whose requests it hits.
        kind: what it does.
        count: how many consecutive requests it hits.
        before_handler: True when the provider handler does not process the request (nothing happens to
            the provider's state), False when it does and only the reply is lost or damaged.
        delay: ``timeout``: seconds to hold the connection before closing it without a reply.
        status: ``status``/``malformed``: the HTTP status.
        retry_after: ``status``: the ``Retry-After`` header value, if any.
        body: ``status``/``malformed``: the body sent.
        content_type: ``status``/``malformed``: the ``Content-Type`` sent.
        length: ``truncate``: bytes of the real reply body that are sent (default: half of it).
        declare_full_length: ``truncate``: announce the full ``Content-Length`` and close the connection
            after the cut body (the client sees an incomplete body) instead of a correct, shorter one.
        code: ``error_code``: the provider error code answered.
    """

    provider: str
    kind: FaultKind
    count: int = 1
    before_handler: bool = True
    delay: float = 30.0
    status: int = 200
    retry_after: str | None = None
    body: bytes = b""
    content_type: str | None = None
    length: int | None = None
    declare_full_length: bool = False
    code: str = "UNKNOWN_ERROR"

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable description (the body is shown as text)."""
        return {
            "provider": self.provider,
            "kind": str(self.kind),
            "count": self.count,
            "before_handler": self.before_handler,
            "delay": self.delay,
            "status": self.status,
            "retry_after": self.retry_after,
            "body": self.body.decode("utf-8", "replace"),
            "content_type": self.content_type,
            "length": self.length,
            "declare_full_length": self.declare_full_length,
            "code": self.code,
        }


def _as_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"fault parameter {name!r} must be a bool, not {value!r}")
    return value


def _as_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"fault parameter {name!r} must be an integer in {low}..{high}, not {value!r}")
    return value


def _as_bytes(name: str, value: object) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise TypeError(f"fault parameter {name!r} must be str or bytes, not {type(value).__name__}")


def _as_header(name: str, value: object) -> str:
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text or any(c in text for c in "\r\n\0"):
        raise ValueError(f"fault parameter {name!r} must be a one-line header value, not {value!r}")
    return text


def _build_fault(provider: str, kind: FaultKind, count: int, params: Mapping[str, object]) -> Fault:
    unknown = set(params) - _ALLOWED_PARAMS[kind]
    if unknown:
        allowed = ", ".join(sorted(_ALLOWED_PARAMS[kind])) or "none"
        raise TypeError(f"unknown parameter(s) {sorted(unknown)} for fault {kind.value!r}; allowed: {allowed}")
    fault = Fault(
        provider,
        kind,
        count,
        before_handler=_as_bool("before_handler", params.get("before_handler", _BEFORE_HANDLER_DEFAULT[kind])),
    )
    if kind in (FaultKind.TIMEOUT, FaultKind.HOLD):
        delay = params.get("delay", 30.0)
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not math.isfinite(delay) or delay < 0:
            raise ValueError(f"fault parameter 'delay' must be a number of seconds >= 0, not {delay!r}")
        fault = replace(fault, delay=float(delay))
    elif kind is FaultKind.STATUS:
        fault = replace(
            fault,
            status=_as_int("status", params.get("status", 503), 200, 599),
            body=_as_bytes("body", params.get("body", b"")),
            retry_after=None if params.get("retry_after") is None else _as_header("retry_after", params["retry_after"]),
            content_type=_as_header("content_type", params.get("content_type", "text/html; charset=utf-8")),
        )
    elif kind is FaultKind.TRUNCATE:
        if "length" in params and "bytes" in params:
            raise TypeError("fault 'truncate' takes 'length' or its alias 'bytes', not both")
        length = params.get("length", params.get("bytes"))
        fault = replace(
            fault,
            length=None if length is None else _as_int("length", length, 0, MAX_BODY_BYTES),
            declare_full_length=_as_bool("declare_full_length", params.get("declare_full_length", False)),
        )
    elif kind is FaultKind.MALFORMED:
        if "body" not in params:
            raise TypeError("fault 'malformed' needs a 'body' parameter")
        fault = replace(
            fault,
            body=_as_bytes("body", params["body"]),
            status=_as_int("status", params.get("status", 200), 200, 599),
            content_type=_as_header("content_type", params.get("content_type", "text/html; charset=utf-8")),
        )
    elif kind is FaultKind.ERROR_CODE:
        code = params.get("code", "UNKNOWN_ERROR")
        if not isinstance(code, str) or not code.strip():
            raise ValueError(f"fault parameter 'code' must be a non-empty string, not {code!r}")
        fault = replace(fault, code=code)
    return fault


@dataclass(slots=True)
class _Queued:
    fault: Fault
    remaining: int


class Faults:
    """The queue of injected faults, per provider, thread-safe.

    Faults for one provider apply in the order they were injected: a fault with ``count=N`` hits the next N
    requests to that provider, then the next queued fault takes over. Control endpoints (``/_emulator/``)
    are never faulted.
    """

    def __init__(self, providers: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[_Queued]] = {name: [] for name in providers}

    def inject(self, provider: str, kind: FaultKind | str, *, count: int = 1, **params: object) -> Fault:
        """Queue a fault for the next `count` requests to `provider` and return it.

        Kinds and their parameters (``before_handler`` defaults in brackets; when it is False the provider
        handler processes the request, so e.g. a message IS sent and charged, and only the reply is lost):

        * ``reset`` [True] — close the connection with a TCP RST (``SO_LINGER`` 0) and no reply.
        * ``timeout`` [False] — read the request, hold the connection ``delay`` seconds (default 30), then
          close it without a reply. `Emulator.reset` and `Emulator.stop` cut the wait short.
        * ``status`` [True] — answer HTTP ``status`` (default 503) with ``body`` (default empty),
          ``content_type`` and, if given, a ``Retry-After: retry_after`` header.
        * ``truncate`` [always False] — send the real reply cut to ``length`` (alias ``bytes``) bytes
          (default: half) with a correct ``Content-Length``; with ``declare_full_length=True`` announce the
          full length instead and close the connection after the cut body.
        * ``malformed`` [True] — answer ``body`` verbatim (e.g. an HTML error page), HTTP ``status`` (default
          200), ``content_type`` (default ``text/html; charset=utf-8``).
        * ``empty`` [True] — HTTP 200 with an empty body.
        * ``error_code`` [True] — the provider's own error reply with ``code`` (default ``UNKNOWN_ERROR``).
        * ``hold`` [always False] — hold the request ``delay`` seconds (default 30) before it takes effect,
          as a request delayed in the network: the provider handles it then, and the reply is sent if the
          client is still waiting. `Emulator.reset` and `Emulator.stop` cut the wait short.

        Raises:
            ValueError: unknown provider or kind, or a bad parameter value.
            TypeError: a parameter the kind does not take, or of the wrong type.
        """
        if provider not in self._queues:
            raise ValueError(f"unknown provider {provider!r}; known: {sorted(self._queues)}")
        try:
            fault_kind = FaultKind(kind)
        except ValueError:
            raise ValueError(f"unknown fault kind {kind!r}; known: {[k.value for k in FaultKind]}") from None
        count = _as_int("count", count, 1, 1_000_000)
        fault = _build_fault(provider, fault_kind, count, params)
        with self._lock:
            self._queues[provider].append(_Queued(fault, count))
        return fault

    def take(self, provider: str) -> Fault | None:
        """Consume one application of the next fault queued for `provider` (None when there is none)."""
        with self._lock:
            queue = self._queues.get(provider)
            if not queue:
                return None
            entry = queue[0]
            entry.remaining -= 1
            if entry.remaining <= 0:
                queue.pop(0)
            return entry.fault

    def pending(self, provider: str | None = None) -> list[tuple[Fault, int]]:
        """Queued faults with the number of requests each will still hit, oldest first."""
        with self._lock:
            names = [provider] if provider is not None else list(self._queues)
            result: list[tuple[Fault, int]] = []
            for name in names:
                result.extend((entry.fault, entry.remaining) for entry in self._queues.get(name, []))
            return result

    def clear(self, provider: str | None = None) -> None:
        """Drop the queued faults of `provider` (or of every provider)."""
        with self._lock:
            for name, queue in self._queues.items():
                if provider is None or name == provider:
                    queue.clear()


# --------------------------------------------------------------------------------------------------------
# Request log


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request received for a provider, as recorded in the `RequestLog` (no bodies, no secrets).

    Attributes:
        provider: the provider it was addressed to.
        method: HTTP method.
        path: the path after the provider prefix (the query string is not recorded: it may hold secrets).
        body_size: request body size in bytes.
        operation: the operation it asked for (``"send"``…), or None when unrecognisable.
        time: emulated time of receipt.
        handled: whether the provider handler processed it (False when a fault struck before the handler).
        fault: the fault kind applied to it, if any.
        status: the HTTP status the client was sent, or None when it got no reply (reset, timeout).
        outcome: the provider handler's result (``"Complete"``, an error code…), None when not handled.
    """

    provider: str
    method: str
    path: str
    body_size: int
    operation: str | None
    time: datetime
    handled: bool
    fault: FaultKind | None
    status: int | None
    outcome: str | None

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable copy."""
        return {
            "provider": self.provider,
            "method": self.method,
            "path": self.path,
            "body_size": self.body_size,
            "operation": self.operation,
            "time": self.time.isoformat(),
            "handled": self.handled,
            "fault": None if self.fault is None else str(self.fault),
            "status": self.status,
            "outcome": self.outcome,
        }


class RequestLog:
    """Thread-safe, append-only log of provider requests; iterate, index or `filter` it in assertions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def append(self, entry: RecordedRequest) -> None:
        """Record one request."""
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._entries.clear()

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def filter(
        self,
        provider: str | None = None,
        *,
        operation: str | None = None,
        handled: bool | None = None,
    ) -> list[RecordedRequest]:
        """The recorded requests matching every given criterion."""
        return [
            entry
            for entry in self.snapshot()
            if (provider is None or entry.provider == provider)
            and (operation is None or entry.operation == operation)
            and (handled is None or entry.handled == handled)
        ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._entries[index]

    def __repr__(self) -> str:
        return f"<RequestLog of {len(self)} requests>"


# --------------------------------------------------------------------------------------------------------
# The HTTP server


@dataclass(frozen=True, slots=True)
class Stream:
    """A streamed reply (server-sent events): the headers, then each chunk as the iterator yields it."""

    headers: tuple[tuple[str, str], ...]
    chunks: Iterator[bytes]


class Observer(Protocol):
    """Watches provider requests (the inbox): `mark` before the handler runs, `record` after; both under
    the state lock."""

    def mark(self, provider: str) -> int: ...

    def record(
        self, request: Request, reply: Reply | None, status: int | None, fault: FaultKind | None, before: int
    ) -> None: ...


def _loopback_host(header: str) -> bool:
    """Whether a ``Host``/``Origin`` authority names this machine (loopback name or address, any port)."""
    name = header.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_web_request(method: str, headers: Mapping[str, str], *, json_only: bool) -> tuple[int, str] | None:
    """Why a request to the inbox page, its API or the control endpoints is refused, or None.

    - ``Host`` must be a loopback name or address (a DNS-rebinding page carries its own host name);
    - a state-changing method (not GET/HEAD/OPTIONS) must not come from another origin: an ``Origin`` other
      than this server's, or ``Sec-Fetch-Site: cross-site``;
    - with `json_only`, a state-changing request must carry a JSON body, which a page of another origin
      cannot send without a CORS preflight (never granted here).
    """
    host = headers.get("host", "")
    if not host or not _loopback_host(host):
        return 403, "the emulator's page and control API answer loopback host names only (localhost, 127.0.0.1, [::1])"
    if method in ("GET", "HEAD", "OPTIONS"):
        return None
    origin = headers.get("origin")
    if origin is not None:
        authority = urlsplit(origin).netloc.lower()
        if origin == "null" or authority != host.strip().lower():
            return 403, "cross-origin requests may not change the emulator"
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        return 403, "cross-site requests may not change the emulator"
    if json_only and not headers.get("content-type", "").lower().startswith("application/json"):
        return 415, "state-changing requests take a JSON body (Content-Type: application/json)"
    return None


@dataclass(slots=True)
class _Action:
    """What the connection handler does with a processed request."""

    reply: Reply | None = None
    stream: Stream | None = None
    reset: bool = False
    delay: float | None = None
    cut: int | None = None  # declare the full Content-Length but write only this many bytes, then close


class _RequestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _ClientGoneError(Exception):
    pass


class _AbortConnectionError(Exception):
    """Raised inside a request method to drop the connection; caught in `_Handler.handle`."""


_QUERY = re.compile(r"\?[^\s'\"]*")


def _plain(status: int, text: str) -> Reply:
    return Reply(status, (("Content-Type", "text/plain; charset=utf-8"),), text.encode("utf-8"))


def _host_is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 4 and address.is_loopback


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() interrupts handler threads itself; never hang on a stuck one
    # The default backlog of 5 resets connections when many clients connect at once (async bulk sends).
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], app: HttpServer) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Wake every handler thread blocked on a keep-alive connection (it reads EOF and exits)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up (timeouts, resets) are routine here; never print tracebacks to stderr.
        logger.debug("emulator connection error", exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "smsgate-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server: _Server

    _rst = False

    # -- plumbing ------------------------------------------------------------------------------------------

    def handle(self) -> None:
        try:
            super().handle()
        except _AbortConnectionError:
            self.close_connection = True

    def finish(self) -> None:
        if not self._rst:
            super().finish()
            return
        # A real RST: linger 0, then close the socket before socketserver's shutdown(SHUT_WR) sends a FIN.
        with suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            super().finish()
        finally:
            self.connection.close()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path only: a query string may carry credentials (SMSC's psw=…).
        path = urlsplit(getattr(self, "path", "")).path  # unset when the request line was unreadable
        logger.debug("%s %s -> %s", getattr(self, "command", None), path, code)

    def log_message(self, format: str, *args: object) -> None:
        # http.server puts raw request lines in its messages; drop query strings (credentials).
        logger.debug("emulator: %s", _QUERY.sub("?...", format % args))

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    # -- one request ---------------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise _RequestError(400, "bad Content-Length") from None
        if length < 0:
            raise _RequestError(400, "bad Content-Length")
        if length > MAX_BODY_BYTES:
            raise _RequestError(413, "request body too large")
        body = self.rfile.read(length)
        if len(body) < length:
            raise _ClientGoneError
        return body

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise _ClientGoneError
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _RequestError(400, "bad chunk size") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise _RequestError(413, "request body too large")
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise _ClientGoneError
            chunks.append(chunk)
            self.rfile.readline(1024)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _ClientGoneError:
            raise _AbortConnectionError from None
        except _RequestError as exc:
            self._write(_plain(exc.status, str(exc)), close=True)
            return
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            name = key.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        action = self.server.app.process(self.command, self.path, headers, body)
        if action.reset:
            self._rst = True
            raise _AbortConnectionError
        if action.delay is not None:
            self.server.app.sleep(action.delay)
            raise _AbortConnectionError
        if action.stream is not None:
            self._write_stream(action.stream)
            return
        assert action.reply is not None
        if action.cut is not None:
            self._write(action.reply, close=True, cut=action.cut)
        else:
            self._write(action.reply)

    def _write_stream(self, stream: Stream) -> None:
        self.send_response(200)
        for name, value in stream.headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for chunk in stream.chunks:
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:
            pass  # the page went away

    def _write(self, reply: Reply, *, close: bool = False, cut: int | None = None) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body if cut is None else reply.body[:cut])


class HttpServer:
    """Serves registered providers and the control endpoints over HTTP on a loopback address.

    Args:
        providers: provider name (= path prefix) → provider.
        faults: the fault queue consulted for every provider request.
        log: where provider requests are recorded.
        clock: the emulated clock (request times in the log).
        lock: the state lock; held while a provider handles a request.
        control: handles requests under ``/_emulator``; receives the path after that prefix.
        web: answers ``/`` and ``/_inbox/…`` (the inbox page and its API), if given.
        observer: told of every provider request (the inbox), if given.
        host: a loopback address (``127.0.0.1`` or another ``127.x`` address, or ``localhost``).
        port: the TCP port; 0 picks a free one.
    """

    def __init__(
        self,
        *,
        providers: Mapping[str, Provider],
        faults: Faults,
        log: RequestLog,
        clock: Clock,
        lock: AbstractContextManager[object],
        control: Callable[[Request], Reply],
        host: str = "127.0.0.1",
        port: int = 0,
        web: Callable[[Request], Reply | Stream] | None = None,
        observer: Observer | None = None,
    ) -> None:
        if not _host_is_loopback(host):
            raise ValueError(f"the emulator binds loopback addresses only (127.0.0.0/8, localhost), not {host!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an integer in 0..65535, not {port!r}")
        self._providers = dict(providers)
        self._faults = faults
        self._log = log
        self._clock = clock
        self._lock = lock
        self._control = control
        self._web = web
        self._observer = observer
        self._host = "127.0.0.1" if host == "localhost" else host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._wake_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return self._server is not None

    @property
    def address(self) -> tuple[str, int]:
        """The bound ``(host, port)``. Raises RuntimeError when not running."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Bind and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        server = _Server((self._host, self._port), self)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="smsgate-emulator", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        logger.debug("emulator listening on http://%s:%d", *self.address)

    def stop(self) -> None:
        """Stop serving, wake delayed (``timeout``) replies, drop open connections, close the socket."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.shutdown()
        self.interrupt_delays()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def interrupt_delays(self) -> None:
        """End every ``timeout`` fault that is currently holding a connection."""
        with self._wake_lock:
            self._wake.set()
            self._wake = threading.Event()

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (real time) or until `interrupt_delays` is called."""
        with self._wake_lock:
            wake = self._wake
        wake.wait(seconds)

    # -- routing -------------------------------------------------------------------------------------------

    def process(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Action:
        """Route one request and decide what to send back (faults included); thread-safe."""
        split = urlsplit(target)
        path = split.path or "/"
        query = {key: tuple(values) for key, values in parse_qs(split.query, keep_blank_values=True).items()}
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            refused = check_web_request(method, headers, json_only=False)
            if refused is not None:
                return _Action(reply=_plain(*refused))
            request = Request("_emulator", method, path[len(CONTROL_PREFIX) :], headers, query, body)
            return _Action(reply=self._control(request))
        if self._web is not None and (path in ("/", "/index.html") or path.startswith(INBOX_PREFIX + "/")):
            answer = self._web(Request("_inbox", method, path, headers, query, body))
            return _Action(stream=answer) if isinstance(answer, Stream) else _Action(reply=answer)
        name = path.split("/", 2)[1]
        provider = self._providers.get(name)
        if provider is None:
            return _Action(reply=_plain(404, "Not Found"))
        request = Request(name, method, path[len(name) + 1 :], headers, query, body, split.query)
        received = self._clock.now()
        with self._lock:
            fault = self._faults.take(name)
        if fault is not None and fault.kind is FaultKind.HOLD:
            self.sleep(fault.delay)  # outside the lock: other requests go on meanwhile
        with self._lock:
            before = self._observer.mark(name) if self._observer is not None else 0
            handled = fault is None or not fault.before_handler
            reply = provider.handle(request) if handled else None
            operation = reply.operation if reply is not None else provider.peek_operation(request)
            action = self._apply(fault, reply, provider)
            self._log.append(
                RecordedRequest(
                    provider=name,
                    method=method,
                    path=request.path,
                    body_size=len(body),
                    operation=operation,
                    time=received,
                    handled=handled,
                    fault=None if fault is None else fault.kind,
                    status=None if action.reply is None else action.reply.status,
                    outcome=None if reply is None else reply.outcome,
                )
            )
            if self._observer is not None:
                status = None if action.reply is None else action.reply.status
                self._observer.record(request, reply, status, None if fault is None else fault.kind, before)
        return action

    @staticmethod
    def _apply(fault: Fault | None, reply: Reply | None, provider: Provider) -> _Action:
        if fault is None:
            assert reply is not None
            return _Action(reply=reply)
        kind = fault.kind
        if kind is FaultKind.RESET:
            return _Action(reset=True)
        if kind is FaultKind.TIMEOUT:
            return _Action(delay=fault.delay)
        if kind is FaultKind.TRUNCATE:
            assert reply is not None
            length = len(reply.body) // 2 if fault.length is None else min(fault.length, len(reply.body))
            if fault.declare_full_length:
                return _Action(reply=reply, cut=length)
            return _Action(reply=replace(reply, body=reply.body[:length]))
        if kind is FaultKind.EMPTY:
            return _Action(reply=Reply(200, (("Content-Type", "text/html; charset=utf-8"),), b""))
        if kind is FaultKind.ERROR_CODE:
            return _Action(reply=provider.error_reply(fault.code))
        if kind is FaultKind.HOLD:
            assert reply is not None
            return _Action(reply=reply)
        headers: list[tuple[str, str]] = []
        if fault.content_type is not None:
            headers.append(("Content-Type", fault.content_type))
        if fault.retry_after is not None:
            headers.append(("Retry-After", fault.retry_after))
        return _Action(reply=Reply(fault.status, tuple(headers), fault.body))  # STATUS, MALFORMED
