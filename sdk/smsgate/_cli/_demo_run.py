"""What a provider's demo steps get: the running emulator, a console, and `check`; polling helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console

from .._exceptions import (
    ProviderError,
    ValidationError,
)
from ._output import _TitledTable

if TYPE_CHECKING:
    from ..emulator import Emulator


class _Provider(Protocol):
    """What the runner needs of a provider entry."""

    @property
    def id(self) -> str: ...

    @property
    def display_name(self) -> str: ...


@dataclass
class DemoRun:
    """What a provider's demo function gets: the running emulator, a console, and `check`."""

    console: Console
    emulator: Emulator
    entry: _Provider
    poll_timeout: float = 20.0
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def base_url(self) -> str:
        return self.emulator.base_url(self.entry.id)

    def step(self, title: str) -> None:
        self.console.print()
        self.console.print(f"== {self.entry.display_name}: {title}", style="bold")

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        """Record one expectation of the demo; a failed one makes `smsgate demo` exit non-zero."""
        self.checks.append((f"{self.entry.display_name}: {name}", ok, detail))
        mark = "ok" if ok else "FAILED"
        self.console.print(f"   [{mark}] {name}" + (f" ({detail})" if detail else ""), markup=False)
        return ok

    def received(self) -> int:
        """How many requests the emulator has received for this provider so far."""
        return len(self.emulator.requests.filter(self.entry.id))

    def emulated_seconds(self, seconds: float) -> float:
        """Real seconds that `seconds` of emulated time take (the demo's clock is accelerated)."""
        speed = self.emulator.clock.speed
        return seconds / speed if speed > 0 else 0.0

    def expect_provider_error(
        self, call: Callable[[], object], expected: type[ProviderError], code: str, what: str
    ) -> None:
        """Run `call`, show the typed error it raises and check its class and code."""
        try:
            call()
        except ProviderError as exc:
            table = _TitledTable(f"{what} raised", "exception", "code", "description", indent=3)
            table.add_row(f"smsgate.{type(exc).__name__}", exc.code, exc.description)
            self.console.print(table)
            self.console.print(f"   category={exc.category} retryable={exc.retryable} not_sent={exc.not_sent}")
            self.check(
                f"{expected.__name__} with code {code}",
                isinstance(exc, expected) and exc.code == code,
                f"{type(exc).__name__} {exc.code}",
            )
        else:
            self.check(f"{expected.__name__} with code {code}", False, "no error raised")

    def expect_validation_error(self, call: Callable[[], object], what: str) -> None:
        """Run `call`, which must raise `ValidationError` before anything reaches the emulator."""
        before = self.received()
        try:
            call()
        except ValidationError as exc:
            self.console.print(f"   {what}")
            self.console.print(f"   smsgate.{type(exc).__name__}: {exc}")
            received = self.received() - before
            self.check("ValidationError, and the emulator received nothing", received == 0, f"{received} requests")
        else:
            self.check(f"{what}: refused before sending", False, "no error raised")


_Polled = Any  # a MessageStatus or a DeliveryReport: .raw_status, .is_final


def _poll_until_final(
    run: DemoRun,
    poll: Callable[[], Sequence[_Polled]],
    *,
    key: Callable[[_Polled], str] = lambda s: str(s.message_id),
    expected: int = 0,
    interval: float = 0.15,
    history: dict[str, list[str]] | None = None,
) -> tuple[list[_Polled], dict[str, list[str]], int]:
    """Poll until every message (at least `expected` of them) is final or `run.poll_timeout` real seconds
    pass. Returns the last statuses, each message's distinct raw statuses in order (after those already in
    `history`), and the number of polls."""
    history = {k: list(v) for k, v in (history or {}).items()}
    deadline = time.monotonic() + run.poll_timeout
    polls = 0
    while True:
        statuses = list(poll())
        polls += 1
        _remember(history, statuses, key)
        done = len(statuses) >= expected and all(s.is_final for s in statuses)
        if done or time.monotonic() >= deadline:
            return statuses, history, polls
        time.sleep(interval)


def _remember(history: dict[str, list[str]], statuses: Sequence[_Polled], key: Callable[[_Polled], str]) -> None:
    for status in statuses:
        seen = history.setdefault(key(status), [])
        if not seen or seen[-1] != status.raw_status:
            seen.append(status.raw_status)


def _check_final_states(run: DemoRun, recipients: Sequence[str], states: Sequence[object]) -> None:
    """Every message final; recipients whose number ends in 9 undelivered (the emulator's rule)."""
    from .._types import DeliveryState

    run.check("every message reached a final state", all(getattr(s, "is_final", False) for s in states))
    expected = [DeliveryState.UNDELIVERED if r.endswith("9") else DeliveryState.DELIVERED for r in recipients]
    run.check(
        "numbers ending in 9 are not delivered, the others are",
        list(states) == expected,
        ", ".join(str(s) for s in states),
    )
