"""`smsgate emulator`: the provider emulator in the foreground, loopback only."""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .._env import BASE_URL, env_var
from ._output import make_console, usage_error

if TYPE_CHECKING:
    from ..emulator import Emulator


__all__ = ["emulator_command"]


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _test_accounts(emulator: Emulator) -> dict[str, dict[str, str]]:
    """The first account of each provider, as the credentials its client takes (test values of this emulator,
    never a real account): what a newcomer needs to point `smsgate` or a client at it."""
    accounts: dict[str, dict[str, str]] = {}
    if letsads := next(iter(emulator.letsads.accounts.values()), None):
        accounts["letsads"] = {"login": letsads.login, "password": letsads.password}
    smsleads = next((a for a in emulator.smsleads.accounts.values() if a.tokens and a.parent is None), None)
    if smsleads is not None:
        token = next((t for t in reversed(smsleads.tokens) if t.superseded_at is None), smsleads.tokens[-1])
        accounts["smsleads"] = {"username": smsleads.username, "token": token.value}
    if smsclub := next(iter(emulator.smsclub.accounts.values()), None):
        accounts["smsclub"] = {"token": smsclub.token}
    if smsc := next((a for a in emulator.smsc.accounts.values() if a.parent is None), None):
        accounts["smsc"] = {"login": smsc.login, "password": smsc.password}
    return accounts


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
        usage_error(
            f"refusing to listen on {host!r}: the emulator accepts test credentials and is for loopback only "
            "(use 127.0.0.1, ::1 or localhost)"
        )
    from ..emulator import Emulator

    try:
        emulator = Emulator(seed=seed, clock_speed=clock_speed, host=host, port=port).start()
    except (OSError, ValueError, TypeError) as exc:
        usage_error(f"cannot start the emulator: {exc}")
    console = make_console()
    console.print(f"smsgate emulator on {emulator.url} (clock x{clock_speed:g})")
    for name in emulator.providers:
        console.print(f"  {name:<10} {emulator.base_url(name)}")
    console.print(f"  {'control':<10} {emulator.url}/_emulator/state")
    console.print(f"  {'inbox':<10} {emulator.inbox_url}  (every message received, live in a browser)")
    accounts = _test_accounts(emulator)
    if accounts:
        console.print("test accounts (paste into a shell: smsgate send/status/balance and the clients read them):")
        for name, values in accounts.items():
            pairs = {
                env_var(name, BASE_URL): emulator.base_url(name),
                **{env_var(name, k): v for k, v in values.items()},
            }
            console.print("  export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in pairs.items()), soft_wrap=True)
    console.print("Ctrl-C stops it")
    sys.stdout.flush()
    emulator.serve_forever()  # returns on Ctrl-C, after stopping the server
    console.print("emulator stopped")
