"""`smsgate demo`: the product in half a minute, against the embedded emulator (no network, no account).

The story is told by the chapters of `_demo_story`; this module runs them, one emulator for all, and turns
their checks into the verdict and the exit code.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from .._exceptions import SmsGateError
from ._demo_run import Story
from ._demo_story import CHAPTERS
from ._output import EXIT_FAILED, error_line, make_console

__all__ = ["demo_command"]


def demo_command(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every check as it is made.")] = False,
) -> None:
    """The SDK in half a minute, against the embedded emulator: no network, no account needed.

    One code path over four providers; a campaign killed mid-run (kill -9) and resumed without sending
    anyone twice; a lost reply turned into `unknown` and reconciled; a validation error that sent nothing.
    Exits 1 if any check fails; --verbose lists them all.
    """
    from ..emulator import Emulator

    console = make_console()
    started = time.monotonic()
    with Emulator(clock_speed=0) as emulator:  # a frozen clock: the story moves it on
        console.print(f"smsgate demo: the SDK against its embedded emulator at {emulator.url} (loopback, no account)")
        story = Story(console=console, emulator=emulator, verbose=verbose)
        for number, (title, chapter) in enumerate(CHAPTERS, 1):
            story.title(number, title)
            try:
                chapter(story)
            except SmsGateError as exc:
                story.check("the chapter ran to the end", False, error_line(exc))
            except Exception as exc:  # a chapter that crashes must still report, and the others still run
                story.check("the chapter ran to the end", False, f"{type(exc).__name__}: {exc}")
    elapsed = time.monotonic() - started
    checks, failed = story.checks, story.failed
    console.print()
    if failed or not checks:
        console.print(f"demo FAILED: {len(failed)} of {len(checks)} checks failed ({elapsed:.1f} s)")
        for check in failed:
            console.print(f"  {check.chapter}: {check.name}" + (f" ({check.detail})" if check.detail else ""))
        raise typer.Exit(EXIT_FAILED)
    hint = "" if verbose else "; --verbose lists them"
    console.print(f"demo passed: {len(checks)} checks in {elapsed:.1f} s{hint}")
