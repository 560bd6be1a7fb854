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
import re
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from smsgate.emulator._clock import Clock
from smsgate.emulator._faults import Fault, FaultKind, Faults
from smsgate.emulator._wire import (
    CONTROL_PREFIX,
    IDLE_TIMEOUT,
    INBOX_PREFIX,
    MAX_BODY_BYTES,
    Provider,
    Reply,
    Request,
)

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
