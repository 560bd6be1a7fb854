"""The typer application: every command group registered in one place."""

from __future__ import annotations

from typing import Annotated

import typer

from ._demo import demo_command
from ._emulator import emulator_command
from ._send import balance_command, send_command, status_command
from ._validate import validate_command

__all__ = ["build_app"]


def _print_version(value: bool) -> None:
    if value:
        import smsgate

        typer.echo(f"smsgate {smsgate.__version__}")
        raise typer.Exit(0)


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_print_version, is_eager=True, help="Print the version of smsgate and exit."
        ),
    ] = False,
) -> None:
    """Typed SMS gateway SDK: demo, one-off calls, schema validation, bulk campaigns and the local emulator."""


def build_app() -> typer.Typer:
    """The typer application (needs the ``cli`` extra)."""
    app = typer.Typer(
        name="smsgate",
        help="Typed SMS gateway SDK: demo, one-off calls, schema validation and the local emulator.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    app.command("demo")(demo_command)
    app.command("send")(send_command)
    app.command("status")(status_command)
    app.command("balance")(balance_command)
    app.command("validate")(validate_command)
    app.command("emulator")(emulator_command)
    from .._cli_bulk import bulk_app

    app.add_typer(bulk_app, name="bulk")
    return app
