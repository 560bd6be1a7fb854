"""Running the real command line: typer's runner in-process, or the installed `smsgate` as a subprocess."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from typer.testing import CliRunner, Result

from smsgate._cli._app import build_app

ROOT = Path(__file__).resolve().parents[2]

#: The emulator's seed accounts (public test values).
SEED: dict[str, dict[str, str]] = {
    "letsads": {"login": "380501234567", "password": "p1a2s3s4"},
    "smsleads": {"username": "JohnDoe", "token": "sl-johndoe-token"},
    "smsclub": {"token": "smsclub-test-token"},
    "smsc": {"login": "smsgate", "password": "smsgate-password"},
}


def clean_environ(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without anything smsgate reads (credentials, URLs, provider) nor a terminal width."""
    source = os.environ if base is None else base
    return {k: v for k, v in source.items() if not k.startswith("SMSGATE_") and k != "COLUMNS"}


def run(args: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None) -> Result:
    """`smsgate ARGS` in-process, in a clean environment plus `env`."""
    blank: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SMSGATE_") or k == "COLUMNS"}
    return CliRunner().invoke(
        build_app(), list(args), env={**blank, **(env or {})}, input=stdin, catch_exceptions=False
    )


def env_of(provider: str, base_url: str | None = None) -> dict[str, str]:
    """``SMSGATE_<PROVIDER>_<NAME>`` variables of the provider's seed account (and its base URL)."""
    values = dict(SEED[provider])
    if base_url is not None:
        values["base_url"] = base_url
    return {f"SMSGATE_{provider.upper()}_{name.upper()}": value for name, value in values.items()}


def smsgate_command() -> list[str]:
    """The installed `smsgate` console script beside this interpreter (else the module)."""
    script = Path(sys.executable).with_name("smsgate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "smsgate._cli"]
