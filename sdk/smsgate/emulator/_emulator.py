"""`Emulator`: the providers, their seed, the clock, faults and the request log behind one HTTP server."""

from __future__ import annotations

import copy
import json
import os
import threading
import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Final, TypedDict

from smsgate.emulator._clock import Clock
from smsgate.emulator._inbox import Inbox
from smsgate.emulator._letsads import LETSADS_DEFAULT_SEED, LetsAds, LetsAdsSeed
from smsgate.emulator._server import (
    CONTROL_PREFIX,
    Fault,
    Faults,
    HttpServer,
    Provider,
    Reply,
    Request,
    RequestLog,
)
from smsgate.emulator._smsc import SMSC_DEFAULT_SEED, Smsc, SmscSeed
from smsgate.emulator._smsclub import SMSCLUB_DEFAULT_SEED, SmsClub, SmsClubSeed
from smsgate.emulator._smsleads import SMSLEADS_DEFAULT_SEED, SmsLeads, SmsLeadsSeed
from smsgate.emulator._wire import json_object

__all__ = ["DEFAULT_SEED", "Emulator", "Seed", "load_seed"]


class Seed(TypedDict, total=False):
    """The initial state of an emulator: one section per provider (today: ``letsads``)."""

    letsads: LetsAdsSeed
    smsleads: SmsLeadsSeed
    smsclub: SmsClubSeed
    smsc: SmscSeed


#: The state every emulator starts from (and returns to on `Emulator.reset`) unless given another seed.
#: LetsAds accounts, all with password ``p1a2s3s4``, senders ``["Sender", "smsgate"]``, 100.00 UAH, 0.50 per
#: part: ``380501234567`` (RU page), ``79261234567`` (EN page), ``380671234567`` (status/balance examples),
#: ``380500000001`` (API disabled), ``380500000002`` (not moderated), ``380500000003`` (balance 0.00).
#: SMSLeads: see `smsgate.emulator._smsleads.SMSLEADS_DEFAULT_SEED` (``JohnDoe``, token ``sl-johndoe-token``).
#: SMSClub: see `smsgate.emulator._smsclub.SMSCLUB_DEFAULT_SEED` (token ``smsclub-test-token``, sender
#: ``VashZakaz``). SMSC: see `smsgate.emulator._smsc.SMSC_DEFAULT_SEED` (login ``smsgate``, password
#: ``smsgate-password``, API key ``smsgate-apikey``, sub-clients ``smsgate-sub1``/``smsgate-sub2``).
#: Do not mutate it; copy it (`copy.deepcopy`) to build a variant.
DEFAULT_SEED: Final[Seed] = {
    "letsads": LETSADS_DEFAULT_SEED,
    "smsleads": SMSLEADS_DEFAULT_SEED,
    "smsclub": SMSCLUB_DEFAULT_SEED,
    "smsc": SMSC_DEFAULT_SEED,
}

_PROVIDER_SECTIONS: Final = frozenset(Seed.__annotations__)


def load_seed(seed: Mapping[str, object] | str | os.PathLike[str] | None = None) -> dict[str, object]:
    """Read a seed: None → `DEFAULT_SEED`; a mapping (deep-copied); or a path to a ``.json``/``.toml`` file.

    The file holds the same shape as `DEFAULT_SEED`, e.g. in TOML::

        [[letsads.accounts]]
        login = "380501234567"
        password = "secret"
        balance = "12.50"
        senders = ["Shop"]

    Providers missing from the seed start with no accounts. Raises ValueError on an unknown section, an
    unreadable file or (when the emulator is built) a malformed provider section.
    """
    if seed is None:
        data: object = copy.deepcopy(DEFAULT_SEED)
    elif isinstance(seed, str | os.PathLike):
        path = Path(seed)
        suffix = path.suffix.lower()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read seed file {str(path)!r}: {exc.strerror}") from None
        try:
            if suffix == ".json":
                data = json.loads(raw)
            elif suffix == ".toml":
                data = tomllib.loads(raw.decode("utf-8"))
            else:
                raise ValueError(f"seed file {str(path)!r} must end in .json or .toml")
        except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"seed file {str(path)!r} is not valid {suffix[1:].upper()}: {exc}") from None
    elif isinstance(seed, Mapping):
        data = copy.deepcopy(dict(seed))
    else:
        raise TypeError(f"seed must be None, a mapping or a path, not {type(seed).__name__}")
    if not isinstance(data, dict):
        raise ValueError("a seed must be an object/table with one section per provider")
    unknown = set(data) - _PROVIDER_SECTIONS
    if unknown:
        raise ValueError(f"unknown seed section(s) {sorted(map(str, unknown))}; known: {sorted(_PROVIDER_SECTIONS)}")
    return {str(key): value for key, value in data.items()}


class Emulator:
    """A local, faithful simulator of the providers' HTTP APIs, on a real loopback HTTP server.

    Args:
        seed: the initial state: None for `DEFAULT_SEED`, a mapping of the same shape, or a path to a
            ``.json``/``.toml`` file holding one.
        clock_speed: emulated seconds per real second (statuses move on this clock); 0 freezes the clock
            so that only `Clock.advance` moves it — what deterministic tests want.
        host: a loopback address to bind (127.0.0.0/8 or ``localhost``); nothing else is allowed.
        port: the TCP port; 0 picks a free one.
        clock_start: the emulated time at start and after `reset` (timezone-aware); default: now.

    Use it as a context manager (``with Emulator() as emu:``) or call `start`/`stop`. Point an SDK client at
    ``emu.base_url("letsads")``. The server also answers JSON control endpoints under ``/_emulator/`` so that
    another process can drive it: ``GET state``, ``GET requests``, ``POST reset``, ``POST faults`` (body
    ``{"provider": …, "kind": …, "count": …, <params>}``), ``DELETE faults``, ``POST clock/advance``
    (body ``{"seconds": N}``).
    """

    def __init__(
        self,
        seed: Mapping[str, object] | str | os.PathLike[str] | None = None,
        clock_speed: float = 60.0,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock_start: datetime | None = None,
    ) -> None:
        sections = load_seed(seed)
        self._lock = threading.RLock()
        self._clock = Clock(clock_speed, clock_start)
        self._letsads = LetsAds(sections.get("letsads", {}), self._clock, self._lock)
        self._providers: dict[str, Provider] = {self._letsads.name: self._letsads}
        self._smsleads = SmsLeads(sections.get("smsleads", {}), self._clock, self._lock)
        self._providers[self._smsleads.name] = self._smsleads
        self._smsclub = SmsClub(sections.get("smsclub", {}), self._clock, self._lock)
        self._providers[self._smsclub.name] = self._smsclub
        self._smsc = Smsc(sections.get("smsc", {}), self._clock, self._lock)
        self._providers[self._smsc.name] = self._smsc
        self._faults = Faults(list(self._providers))
        self._requests = RequestLog()
        self._stopped = threading.Event()
        self._inbox = Inbox(
            providers=self._providers,
            clock=self._clock,
            faults=self._faults,
            lock=self._lock,
            reset=self.reset,
            inject=self._inject_from_json,
        )
        self._server = HttpServer(
            providers=self._providers,
            faults=self._faults,
            log=self._requests,
            clock=self._clock,
            lock=self._lock,
            control=self._control,
            host=host,
            port=port,
            web=self._inbox.handle,
            observer=self._inbox,
        )

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Start serving from a background daemon thread; return self. Raises RuntimeError when running."""
        self._inbox.reopen()
        self._server.start()
        self._stopped.clear()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection. Idempotent; `start` may be called again afterwards."""
        self._inbox.close()
        self._server.stop()
        self._stopped.set()

    def serve_forever(self) -> None:
        """Serve until `stop` is called from another thread or Ctrl-C (KeyboardInterrupt) stops it cleanly."""
        if not self._server.running:
            self.start()
        try:
            while not self._stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return self._server.running

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``. Raises RuntimeError when not running."""
        host, port = self._server.address
        return f"http://{host}:{port}"

    @property
    def inbox_url(self) -> str:
        """The inbox page, ``http://127.0.0.1:PORT/``: every message the providers received, live in a browser."""
        return f"{self.url}/"

    def base_url(self, provider: str) -> str:
        """The URL an SDK client of `provider` uses as ``base_url``, e.g. ``http://127.0.0.1:PORT/letsads``."""
        if provider not in self._providers:
            raise ValueError(f"unknown provider {provider!r}; known: {sorted(self._providers)}")
        return f"{self.url}/{provider}"

    # -- state -----------------------------------------------------------------------------------------------

    @property
    def providers(self) -> tuple[str, ...]:
        """The names (= path prefixes) of the emulated providers."""
        return tuple(self._providers)

    @property
    def clock(self) -> Clock:
        """The emulated clock: ``now()``, ``advance(seconds)``, ``speed``."""
        return self._clock

    @property
    def letsads(self) -> LetsAds:
        """LetsAds state: ``accounts``, ``messages``, ``add_account(…)``, ``status_leading_space``."""
        return self._letsads

    @property
    def smsleads(self) -> SmsLeads:
        """SMSLeads state: ``accounts``, ``contact_lists``, ``shipments``, ``generate_token(…)``…"""
        return self._smsleads

    @property
    def smsclub(self) -> SmsClub:
        """SMSClub state: ``accounts``, ``messages``, ``add_account(…)``, ``rate_limit``, ``documented_replies``."""
        return self._smsclub

    @property
    def smsc(self) -> Smsc:
        """SMSC state: ``accounts`` (and sub-clients), ``messages``, ``payments``, ``blocked``, ``unblock()``…"""
        return self._smsc

    @property
    def faults(self) -> Faults:
        """The fault injector: ``faults.inject(provider, kind, *, count=1, **params)``."""
        return self._faults

    @property
    def requests(self) -> RequestLog:
        """The thread-safe log of provider requests received (control endpoints are not logged)."""
        return self._requests

    def reset(self) -> None:
        """Back to the seed: accounts, messages, ids, clock; drop queued faults and the request log.

        Also ends any ``timeout`` fault still holding a connection.
        """
        with self._lock:
            self._clock.reset()
            for provider in self._providers.values():
                provider.reset()
            self._faults.clear()
            self._requests.clear()
            self._inbox.clear()
        self._server.interrupt_delays()

    def state(self) -> dict[str, object]:
        """JSON-serialisable state (no secrets): clock, accounts, messages, counts, queued faults."""
        with self._lock:
            providers: dict[str, object] = {}
            for name, provider in self._providers.items():
                snapshot = provider.snapshot()
                counts = snapshot.setdefault("counts", {})
                if isinstance(counts, dict):
                    counts["requests"] = len(self._requests.filter(name))
                providers[name] = snapshot
            return {
                "clock": {"now": self._clock.now().isoformat(), "speed": self._clock.speed},
                "providers": providers,
                "faults": [dict(fault.to_json(), remaining=left) for fault, left in self._faults.pending()],
                "requests": len(self._requests),
            }

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return f"<Emulator {where} providers={list(self._providers)}>"

    # -- control endpoints -----------------------------------------------------------------------------------

    def _control(self, request: Request) -> Reply:
        route = (request.method, request.path.rstrip("/"))
        try:
            if route == ("GET", "/state"):
                return _json(200, self.state())
            if route == ("GET", "/requests"):
                return _json(200, [entry.to_json() for entry in self._requests])
            if route == ("POST", "/reset"):
                self.reset()
                return _json(200, {"ok": True})
            if route == ("POST", "/faults"):
                fault = self._inject_from_json(json_object(request.body))
                return _json(200, {"ok": True, "fault": fault.to_json()})
            if route == ("DELETE", "/faults"):
                self._faults.clear()
                return _json(200, {"ok": True})
            if route == ("POST", "/clock/advance"):
                seconds = json_object(request.body).get("seconds")
                if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                    raise ValueError("'seconds' must be a number")
                return _json(200, {"now": self._clock.advance(seconds).isoformat()})
        except (ValueError, TypeError) as exc:
            return _json(400, {"error": str(exc)})
        known = {"/state", "/requests", "/reset", "/faults", "/clock/advance"}
        if route[1] in known:
            return _json(405, {"error": f"method {request.method} not allowed on {CONTROL_PREFIX}{route[1]}"})
        return _json(404, {"error": f"no control endpoint {CONTROL_PREFIX}{request.path}"})

    def _inject_from_json(self, body: dict[str, object]) -> Fault:
        params = dict(body)
        provider, kind, count = params.pop("provider", None), params.pop("kind", None), params.pop("count", 1)
        if not isinstance(provider, str) or not isinstance(kind, str):
            raise ValueError("'provider' and 'kind' must be strings")
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValueError("'count' must be an integer")
        return self._faults.inject(provider, kind, count=count, **params)


def _json(status: int, payload: object) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
    return Reply(status, (("Content-Type", "application/json"),), body)
