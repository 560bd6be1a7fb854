"""Fault injection: what a `Fault` does to the next requests of a provider, and the queue (`Faults`) the
server consults for every provider request."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from smsgate.emulator._wire import MAX_BODY_BYTES

__all__ = ["Fault", "FaultKind", "Faults"]


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
