"""`smsgate emulator`: the provider emulator in the foreground, loopback only."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._output import _console, _usage_error


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def emulator_command(
    host: Annotated[str, typer.Option("--host", help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port; 0 picks a free one.")] = 8765,
    seed: Annotated[
        Path | None,
        typer.Option("--seed", exists=True, dir_okay=False, readable=True, help="Seed file of accounts and state."),
    ] = None,
    clock_speed: Annotated[
        float, typer.Option("--clock-speed", min=0.0, help="Emulated seconds per real second (0 freezes it).")
    ] = 60.0,
) -> None:
    """Run the provider emulator in the foreground (Ctrl-C stops it). Loopback only."""
    if not _is_loopback(host):
        _usage_error(
            f"refusing to listen on {host!r}: the emulator accepts test credentials and is for loopback only "
            "(use 127.0.0.1, ::1 or localhost)"
        )
    from ..emulator import Emulator

    try:
        emulator = Emulator(seed=seed, clock_speed=clock_speed, host=host, port=port).start()
    except (OSError, ValueError, TypeError) as exc:
        _usage_error(f"cannot start the emulator: {exc}")
    console = _console()
    console.print(f"smsgate emulator on {emulator.url} (clock x{clock_speed:g}); Ctrl-C stops it")
    for name in emulator.providers:
        console.print(f"  {name:<10} {emulator.base_url(name)}")
    console.print(f"  {'control':<10} {emulator.url}/_emulator/state")
    sys.stdout.flush()
    emulator.serve_forever()  # returns on Ctrl-C, after stopping the server
    console.print("emulator stopped")
