"""The emulator's inbox: every message the emulated providers received, as a web page and a JSON API.

The page (``GET /``) is a small static application shipped in ``smsgate/emulator/static/`` (HTML, CSS and a
plain JavaScript module: no build step, no CDN). It is a client of the JSON API below, which the emulator's
own server answers under ``/_inbox/api/``:

=========================================  =================================================================
``GET  /_inbox/api/messages``              messages, newest first. Query: ``provider``, ``status`` (a neutral
                                           state: queued, sent, delivered, undelivered, expired, rejected,
                                           scheduled, cancelled), ``sender``, ``recipient`` (digits),
                                           ``q`` (text, sender, recipient or account contains it),
                                           ``limit`` (default 200, at most 1000). Returns ``{"messages",
                                           "total", "now", "seq"}``.
``GET  /_inbox/api/messages/{key}``        one message with its status timeline and the raw request and
                                           reply that created it (secrets masked).
``GET  /_inbox/api/providers``             per provider: accounts and balances, senders, SMSLeads contact
                                           lists (the emulator's state, secrets masked).
``GET  /_inbox/api/faults``                fault kinds with their parameters, and the faults queued.
``POST /_inbox/api/faults``                inject one: ``{"provider", "kind", "count", <params>}`` (as
                                           ``Faults.inject``); ``DELETE`` clears every queued fault.
``POST /_inbox/api/reset``                 back to the seed state (messages, balances, faults, clock).
``POST /_inbox/api/clock/advance``         ``{"seconds": N}``: move the emulated clock.
``GET  /_inbox/api/events``                server-sent events: ``change`` whenever a message arrives, a
                                           status can have moved (the clock advanced) or the state was reset.
=========================================  =================================================================

The page and its API are for this machine only (``_server.check_web_request``): requests whose ``Host``
is not a loopback name or address are refused (DNS rebinding), and so are state-changing requests from another
origin, or without a JSON body, so a web page the developer happens to visit cannot reset the emulator or
inject faults. Every credential the emulator knows (passwords, their MD5, tokens, API keys) is masked in
everything the page shows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from importlib import resources
from typing import Any
from urllib.parse import unquote

from smsgate._redact import Redactor
from smsgate.emulator._clock import Clock
from smsgate.emulator._faults import _ALLOWED_PARAMS
from smsgate.emulator._server import (
    INBOX_PREFIX,
    Fault,
    FaultKind,
    Faults,
    Provider,
    Reply,
    Request,
    Stream,
    check_web_request,
)
from smsgate.emulator._wire import json_object

__all__ = ["Inbox"]

#: Raw bodies kept per exchange (request and reply each).
MAX_RAW_BYTES = 16 << 10
#: Exchanges that created messages, kept for the detail view (oldest dropped first).
MAX_EXCHANGES = 5000
_STATIC = {
    "index.html": "text/html; charset=utf-8",
    "inbox.css": "text/css; charset=utf-8",
    "inbox.js": "text/javascript; charset=utf-8",
}
_SEARCHED = ("text", "sender", "recipient", "recipient_display", "account")
_CSP = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
_SECRET_FIELD = re.compile(r"pass|psw|token|key|secret", re.I)
_SECRET_PARAM = re.compile(r"(?i)\b(psw|password|apikey|api_key|token|login_token)=([^&\s]*)")
#: Each fault kind and its parameters, as `Faults.inject` takes them (the page builds its form from this).
_FAULT_PARAMS: dict[str, list[str]] = {
    kind.value: sorted(params, key=lambda p: (p == "before_handler", p)) for kind, params in _ALLOWED_PARAMS.items()
}


@dataclass(slots=True)
class _Exchange:
    seq: int
    provider: str
    time: datetime
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    reply: bytes
    fault: str | None
    first: int  # index of the first message unit this request created
    last: int  # one past the last


# --------------------------------------------------------------------------------------------------------
# Messages as the page shows them


def _store(provider: Provider) -> Any:
    """Where one request's creations are kept: SMSLeads' shipments, the other providers' messages."""
    shipments = getattr(provider, "shipments", None)
    return shipments if shipments is not None else getattr(provider, "messages", ())


def _units(provider: Provider) -> list[Any]:
    """What one request creates, oldest first."""
    store = _store(provider)
    return list(store.values()) if isinstance(store, dict) else list(store)


def _unit_count(provider: Provider) -> int:
    return len(_store(provider))


_STATE_WORDS = (
    ("NOT_DELIVERED", "undelivered"),
    ("UNDELIV", "undelivered"),
    ("UNAVAILABLE", "undelivered"),
    ("DELIVRD", "delivered"),
    ("DELIVERED", "delivered"),
    ("READ", "delivered"),
    ("CLICKED", "delivered"),
    ("EXPIRED", "expired"),
    ("REJECT", "rejected"),
    ("FORBIDDEN", "rejected"),
    ("INSUFFICIENT", "rejected"),
    ("QUEUE", "queued"),
    ("WAIT", "queued"),
    ("STOPPED", "queued"),
    ("TRANSMIT", "sent"),
    ("ENROUTE", "sent"),
    ("SENT", "sent"),
)


def _state_of(name: str) -> str:
    upper = name.upper()
    for word, state in _STATE_WORDS:
        if word in upper:
            return state
    return name.lower()


def _status_name(provider: Provider, status: object) -> str:
    if isinstance(status, Enum):
        return status.name
    if status is None:
        return "SCHEDULED"
    named = {
        getattr(type(provider), "SENT_STATUS", object()): "SENT",
        getattr(type(provider), "DELIVERED_STATUS", object()): "DELIVERED",
        getattr(type(provider), "UNDELIVERED_STATUS", object()): "NOT_DELIVERED",
    }
    return named.get(status, str(status))


def _timeline(provider: Provider, message: Any, now: datetime) -> list[dict[str, str]]:
    """The statuses a message went through up to `now`, with when each began (on the emulated clock)."""
    offsets = {0.0}
    for name in dir(type(provider)):
        value = getattr(type(provider), name, None)
        if name.endswith("_AFTER") and isinstance(value, int | float) and not isinstance(value, bool):
            offsets.add(float(value))
    bases = {t for t in (getattr(message, "created_at", None), getattr(message, "send_at", None)) if t is not None}
    instants = sorted({b + timedelta(seconds=o) for b in bases for o in offsets if b + timedelta(seconds=o) <= now})
    events: list[dict[str, str]] = []
    for at in instants:
        name = "CANCELLED" if getattr(message, "cancelled", False) else _status_name(provider, message.status_at(at))
        if not events or events[-1]["status"] != name:
            events.append({"at": at.isoformat(), "status": name, "state": _state_of(name)})
    return events


def _per_part(encoding: str, parts: int) -> int:
    if encoding.upper().startswith("GSM"):
        return 160 if parts <= 1 else 153
    return 70 if parts <= 1 else 67


def _display_phone(phone: str, provider: str) -> str:
    import phonenumbers

    try:
        region = "IL" if provider == "smsleads" and not phone.startswith("+") else None
        number = phonenumbers.parse(phone if region or phone.startswith("+") else f"+{phone}", region)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return phone


def _money(value: object) -> str | None:
    return None if value is None else str(value)


def _views(name: str, provider: Provider, unit: Any, index: int, now: datetime) -> list[dict[str, Any]]:
    if name == "smsleads":
        views = []
        count = max(1, len(unit.messages))
        for i, m in enumerate(unit.messages):
            status = None if (m.cancelled or now < m.send_at) else m.status_at(now)
            status_name = "CANCELLED" if m.cancelled else _status_name(provider, status)
            views.append(
                {
                    "key": f"smsleads:{unit.id}:{i}",
                    "provider": name,
                    "id": str(unit.id) if m.external_id is None else f"{unit.id} / {m.external_id}",
                    "account": m.username,
                    "sender": m.source,
                    "recipient": m.phone,
                    "recipient_display": _display_phone(m.phone, name),
                    "text": m.text,
                    "encoding": str(m.encoding),
                    "parts": m.parts,
                    "per_part": _per_part(str(m.encoding), m.parts),
                    "cost": str(Decimal(unit.cost) / count) if unit.cost else str(m.parts),
                    "currency": "credit" if m.parts == 1 else "credits",
                    "created_at": unit.created_at.isoformat(),
                    "status": status_name,
                    "state": _state_of(status_name),
                    "unit": index,
                    "_message": m,
                }
            )
        return views
    recipient = str(getattr(unit, "recipient", None) or getattr(unit, "phone", ""))
    account = getattr(unit, "login", None) or getattr(unit, "account", "")
    status_name = _status_name(provider, unit.status_at(now))
    cost = getattr(unit, "cost", None)
    return [
        {
            "key": f"{name}:{unit.id}:{index}",
            "provider": name,
            "id": str(unit.id),
            "account": account,
            "sender": unit.sender,
            "recipient": recipient,
            "recipient_display": _display_phone(recipient, name),
            "text": unit.text,
            "encoding": str(unit.encoding),
            "parts": unit.parts,
            "per_part": _per_part(str(unit.encoding), unit.parts),
            "cost": _money(cost),
            "currency": {"letsads": "UAH", "smsclub": "UAH", "smsc": "RUB"}.get(name, ""),
            "created_at": unit.created_at.isoformat(),
            "status": status_name,
            "state": _state_of(status_name),
            "unit": index,
            "_message": unit,
        }
    ]


# --------------------------------------------------------------------------------------------------------
# The inbox


class Inbox:
    """Records what the providers receive and serves the page and its JSON API (see the module docstring).

    The server calls `mark` and `record` around each provider request (under the state lock: cheap, the
    raw bytes are kept as they are and masked only when shown) and `handle` for ``/`` and ``/_inbox/…``.
    """

    def __init__(
        self,
        *,
        providers: Mapping[str, Provider],
        clock: Clock,
        faults: Faults,
        lock: threading.RLock,
        reset: Callable[[], None],
        inject: Callable[[dict[str, object]], Fault],
    ) -> None:
        self._providers = dict(providers)
        self._clock = clock
        self._faults = faults
        self._lock = lock
        self._reset = reset
        self._inject = inject
        self._exchanges: deque[_Exchange] = deque(maxlen=MAX_EXCHANGES)
        self._seq = 0
        self._generation = 0
        self._changed = threading.Condition()
        self._closed = threading.Event()

    # -- recording (called by the server) ------------------------------------------------------------------

    def mark(self, provider: str) -> int:
        """How many message units `provider` holds before a request (called under the state lock)."""
        return _unit_count(self._providers[provider])

    def record(
        self, request: Request, reply: Reply | None, status: int | None, fault: FaultKind | None, before: int
    ) -> None:
        """Keep one provider exchange when it created messages (called under the state lock)."""
        self._seq += 1
        after = _unit_count(self._providers[request.provider])
        if after > before:
            query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
            self._exchanges.append(
                _Exchange(
                    seq=self._seq,
                    provider=request.provider,
                    time=self._clock.now(),
                    method=request.method,
                    path=request.path,
                    query=query,
                    headers={k: v for k, v in request.headers.items() if k in ("content-type", "authorization")},
                    body=request.body[:MAX_RAW_BYTES],
                    status=status,
                    reply=b"" if reply is None else reply.body[:MAX_RAW_BYTES],
                    fault=None if fault is None else str(fault),
                    first=before,
                    last=after,
                )
            )
            self._notify()

    def clear(self) -> None:
        """Forget the exchanges (the emulator was reset)."""
        self._exchanges.clear()
        self._generation += 1
        self._notify()

    def close(self) -> None:
        """End every event stream (the server stops)."""
        self._closed.set()
        self._notify()

    def reopen(self) -> None:
        self._closed.clear()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # -- secrets ---------------------------------------------------------------------------------------------

    def _redactor(self) -> Redactor:
        secrets: set[str] = set()
        for provider in self._providers.values():
            accounts = getattr(provider, "accounts", {})
            for account in accounts.values() if isinstance(accounts, dict) else accounts:
                if not dataclasses.is_dataclass(account):
                    continue
                for f in dataclasses.fields(account):
                    if not _SECRET_FIELD.search(f.name):
                        continue
                    value = getattr(account, f.name)
                    values = value if isinstance(value, list | tuple | set) else [value]
                    for v in values:
                        text = getattr(v, "value", v)
                        if isinstance(text, str) and text:
                            secrets.add(text)
                            secrets.add(hashlib.md5(text.encode()).hexdigest())  # noqa: S324 SMSC's psw form
        return Redactor(secrets)

    @staticmethod
    def _mask_params(text: str) -> str:
        return _SECRET_PARAM.sub(lambda m: f"{m[1]}=[REDACTED]", text)

    # -- views -----------------------------------------------------------------------------------------------

    def _all_views(self, now: datetime) -> list[dict[str, Any]]:
        # Arrival order: the request that created a unit (a frozen clock gives every message the same time).
        arrival: dict[tuple[str, int], int] = {}
        for e in self._exchanges:
            for index in range(e.first, e.last):
                arrival[e.provider, index] = e.seq
        views: list[dict[str, Any]] = []
        for name, provider in self._providers.items():
            for index, unit in enumerate(_units(provider)):
                for view in _views(name, provider, unit, index, now):
                    view["_order"] = (view["created_at"], arrival.get((name, index), 0), index)
                    views.append(view)
        views.sort(key=lambda v: v["_order"], reverse=True)
        return views

    @staticmethod
    def _public(view: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in view.items() if not k.startswith("_")}

    def messages(self, query: Mapping[str, str]) -> dict[str, object]:
        """The message list of the API (filters of the module docstring)."""
        with self._lock:
            now = self._clock.now()
            views = self._all_views(now)
        provider, status = query.get("provider", ""), query.get("status", "")
        sender, q = query.get("sender", "").lower(), query.get("q", "").lower()
        digits = re.sub(r"\D", "", query.get("recipient", ""))
        try:
            limit = max(1, min(1000, int(query.get("limit", "200"))))
        except ValueError:
            limit = 200

        def keep(v: dict[str, Any]) -> bool:
            return (
                (not provider or v["provider"] == provider)
                and (not status or v["state"] == status or v["status"].lower() == status.lower())
                and (not sender or sender in v["sender"].lower())
                and (not digits or digits in re.sub(r"\D", "", v["recipient"]))
                and (
                    not q
                    or any(
                        q in str(v[f]).lower() for f in ("text", "sender", "recipient", "recipient_display", "account")
                    )
                )
            )

        kept = [self._public(v) for v in views if keep(v)]
        return {"messages": kept[:limit], "total": len(kept), "now": now.isoformat(), "seq": self._seq}

    def message(self, key: str) -> dict[str, object] | None:
        """One message with its timeline and raw exchange, or None."""
        with self._lock:
            now = self._clock.now()
            view = next((v for v in self._all_views(now) if v["key"] == key), None)
            if view is None:
                return None
            provider = self._providers[view["provider"]]
            timeline = _timeline(provider, view["_message"], now)
            exchange = next(
                (
                    e
                    for e in reversed(self._exchanges)
                    if e.provider == view["provider"] and e.first <= view["unit"] < e.last
                ),
                None,
            )
            redact = self._redactor()
        out = self._public(view)
        out["timeline"] = timeline
        out["exchange"] = None if exchange is None else self._exchange_json(exchange, redact)
        return out

    def _exchange_json(self, e: _Exchange, redact: Redactor) -> dict[str, object]:
        def text(data: bytes) -> str:
            return self._mask_params(redact(data.decode("utf-8", errors="replace")))

        headers = {k: ("[REDACTED]" if k == "authorization" else redact(v)) for k, v in e.headers.items()}
        target = f"/{e.provider}{e.path}" + (f"?{self._mask_params(redact(e.query))}" if e.query else "")
        return {
            "time": e.time.isoformat(),
            "request": {"method": e.method, "target": target, "headers": headers, "body": text(e.body)},
            "reply": {"status": e.status, "body": text(e.reply), "fault": e.fault},
        }

    def providers_state(self) -> dict[str, object]:
        """Accounts and balances, senders and contact lists per provider, secrets masked."""
        with self._lock:
            state = {name: provider.snapshot() for name, provider in self._providers.items()}
            redact = self._redactor()
        for snapshot in state.values():
            snapshot.pop("messages", None)
            snapshot.pop("shipments", None)
        return json.loads(redact(json.dumps(state, default=str, ensure_ascii=False)))  # type: ignore[no-any-return]

    def faults_state(self) -> dict[str, object]:
        return {
            "providers": list(self._providers),
            "kinds": _FAULT_PARAMS,
            "queued": [dict(fault.to_json(), remaining=left) for fault, left in self._faults.pending()],
        }

    # -- HTTP ------------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply | Stream:
        """Answer ``/`` (the page), ``/_inbox/static/…`` and ``/_inbox/api/…``."""
        refused = check_web_request(request.method, request.headers, json_only=True)
        if refused is not None:
            return _json(refused[0], {"error": refused[1]})
        path = request.path.rstrip("/") or "/"
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path.startswith(f"{INBOX_PREFIX}/static/"):
            return self._static(path.rsplit("/", 1)[1])
        query = {k: v[-1] for k, v in request.query.items() if v}
        route = (request.method, path.removeprefix(f"{INBOX_PREFIX}/api"))
        try:
            return self._api(route, request, query)
        except (ValueError, TypeError) as exc:
            return _json(400, {"error": str(exc)})

    def _api(self, route: tuple[str, str], request: Request, query: dict[str, str]) -> Reply | Stream:
        method, path = route
        if method == "GET" and path == "/messages":
            return _json(200, self.messages(query))
        if method == "GET" and path.startswith("/messages/"):
            found = self.message(unquote(path.removeprefix("/messages/")))
            return _json(200, found) if found is not None else _json(404, {"error": "no such message"})
        if method == "GET" and path == "/providers":
            return _json(200, self.providers_state())
        if method == "GET" and path == "/faults":
            return _json(200, self.faults_state())
        if method == "POST" and path == "/faults":
            fault = self._inject(json_object(request.body))
            self._notify()
            return _json(200, {"ok": True, "fault": fault.to_json()})
        if method == "DELETE" and path == "/faults":
            self._faults.clear()
            self._notify()
            return _json(200, {"ok": True})
        if method == "POST" and path == "/reset":
            self._reset()
            return _json(200, {"ok": True})
        if method == "POST" and path == "/clock/advance":
            seconds = json_object(request.body).get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 10**7:
                raise ValueError("'seconds' must be a number of seconds, 0..10000000")
            now = self._clock.advance(seconds)
            self._notify()
            return _json(200, {"now": now.isoformat()})
        if method == "GET" and path == "/events":
            return Stream(
                (("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")),
                self._events(),
            )
        return _json(404, {"error": f"no inbox endpoint {method} {INBOX_PREFIX}/api{path}"})

    def _events(self) -> Iterator[bytes]:
        yield b"retry: 1000\n\n"
        last: tuple[object, ...] | None = None
        idle = 0
        while not self._closed.is_set():
            token = (self._generation, self._seq, self._clock.now().replace(microsecond=0), len(self._faults.pending()))
            if token != last:
                last = token
                idle = 0
                payload = json.dumps({"seq": self._seq, "now": self._clock.now().isoformat()})
                yield f"event: change\ndata: {payload}\n\n".encode()
            else:
                idle += 1
                if idle % 15 == 0:
                    yield b": keep-alive\n\n"
            with self._changed:
                self._changed.wait(1.0)

    @staticmethod
    def _static(name: str) -> Reply:
        if name not in _STATIC:
            return _json(404, {"error": "not found"})
        body = resources.files("smsgate.emulator").joinpath("static", name).read_bytes()
        headers = (
            ("Content-Type", _STATIC[name]),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            (
                "Content-Security-Policy",
                "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            ),
            ("X-Frame-Options", "DENY"),
        )
        return Reply(200, headers, body)


def _json(status: int, payload: object) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    return Reply(status, (("Content-Type", "application/json"), ("Cache-Control", "no-store")), body)
