"""`smsgate demo`: the SDK end to end against the embedded emulator."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from .._exceptions import (
    SmsGateError,
)
from ._demo_run import DemoRun
from ._output import EXIT_FAILED, _console, _error_line, _TitledTable
from ._providers import PROVIDERS, _entry


def demo_command(
    provider: Annotated[
        str | None,
        typer.Option("--provider", "-p", help=f"Only this provider (default: all of {', '.join(PROVIDERS)})."),
    ] = None,
    clock_speed: Annotated[
        float, typer.Option("--clock-speed", min=1.0, help="Emulated seconds per real second.")
    ] = 30.0,
    poll_timeout: Annotated[
        float, typer.Option("--poll-timeout", min=1.0, help="Real seconds to wait for final statuses.")
    ] = 20.0,
) -> None:
    """Run the SDK end to end against the embedded emulator: no network, no account needed.

    For each provider: balance before and after a send, the ids of every recipient, statuses until final,
    one async call, one typed provider error with its code and one validation error that sends nothing.
    """
    from ..emulator import Emulator

    entries = [_entry(provider)] if provider else list(PROVIDERS.values())
    console = _console()
    console.print("smsgate demo: the SDK against the embedded emulator on loopback (no network, no account).")
    checks: list[tuple[str, bool, str]] = []
    started = time.monotonic()
    with Emulator(clock_speed=clock_speed) as emulator:
        console.print(f"emulator: {emulator.url} (clock x{clock_speed:g})")
        for entry in entries:
            run = DemoRun(console=console, emulator=emulator, entry=entry, poll_timeout=poll_timeout)
            console.print()
            console.print(f"=== {entry.display_name} at {run.base_url()}", style="bold")
            try:
                entry.demo(run)
            except SmsGateError as exc:
                run.check("the demo ran to the end", False, _error_line(exc))
            except Exception as exc:  # a demo that crashes must still report and exit non-zero
                run.check("the demo ran to the end", False, f"{type(exc).__name__}: {exc}")
            checks.extend(run.checks)
    failed = [c for c in checks if not c[1]]
    console.print()
    table = _TitledTable("summary", "check", "result")
    for name, ok, _detail in checks:
        table.add_row(name, "ok" if ok else "FAILED")
    console.print(table)
    elapsed = time.monotonic() - started
    if failed or not checks:
        console.print(f"demo FAILED: {len(failed)} of {len(checks)} checks failed ({elapsed:.1f} s)")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"demo passed: {len(checks)} checks, {len(entries)} provider(s), {elapsed:.1f} s")
