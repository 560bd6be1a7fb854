"""What every chapter of `smsgate demo` gets: the running emulator, a place to tell the story, and `check`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from ..emulator import Emulator


__all__ = ["Check", "Story"]


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation of the demo: its chapter, what was expected, whether it held, and what was seen."""

    chapter: str
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Story:
    """The demo's narrator: `say` tells the reader a line, `check` records an expectation.

    Without `verbose` a check prints nothing unless it fails; with it every check is listed as it is made.
    """

    console: Console
    emulator: Emulator
    verbose: bool = False
    checks: list[Check] = field(default_factory=list)
    chapter: str = ""

    def title(self, number: int, title: str) -> None:
        self.chapter = title
        self.console.print()
        self.console.print(f"{number}. {title}", style="bold")

    def say(self, line: str) -> None:
        self.console.print(f"   {line}", soft_wrap=True)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        """Record one expectation; a failed one is always shown and makes `smsgate demo` exit non-zero."""
        self.checks.append(Check(self.chapter, name, ok, detail))
        if self.verbose or not ok:
            mark = "ok" if ok else "FAILED"
            self.console.print(f"     [{mark}] {name}" + (f" ({detail})" if detail else ""), soft_wrap=True)
        return ok

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]
