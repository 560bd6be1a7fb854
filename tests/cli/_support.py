"""What the command-line tests share: the emulator's accounts, canary secrets that must never show, and
running the real command line (typer's runner in-process, or the installed `smsgate` as a subprocess)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

from typer.testing import CliRunner, Result

from smsgate._cli._app import build_app
from smsgate._cli._providers import PROVIDERS

ROOT = Path(__file__).resolve().parents[2]

LOGIN = "380501234567"
PASSWORD = "p1a2s3s4"
# A second account per provider whose secrets are canaries: they must never show up in any output, in any
# encoding. Tokens travel in an Authorization header, so theirs has no space.
CANARY_LOGIN = "380509990000"
CANARY = "Cn&ry<7>\"q'+/% pw"
TOKEN_CANARY = "Cn&ry<7>\"q'+/%tk"
KEY_CANARY = "Cn&ry<7>\"q'+/%key"

# The emulator's seed accounts of the other providers.
SL_USERNAME = "JohnDoe"
SL_TOKEN = "sl-johndoe-token"
SC_TOKEN = "smsclub-test-token"
SMSC_LOGIN = "smsgate"
SMSC_PASSWORD = "smsgate-password"
SMSC_API_KEY = "smsgate-apikey"

GOOD: dict[str, dict[str, str]] = {
    "letsads": {"login": LOGIN, "password": PASSWORD},
    "smsleads": {"username": SL_USERNAME, "token": SL_TOKEN},
    "smsclub": {"token": SC_TOKEN},
    "smsc": {"login": SMSC_LOGIN, "password": SMSC_PASSWORD},
}
CANARIES: dict[str, dict[str, str]] = {
    "letsads": {"login": CANARY_LOGIN, "password": CANARY},
    "smsleads": {"username": "CanaryUser", "token": TOKEN_CANARY},
    "smsclub": {"token": TOKEN_CANARY},
    "smsc": {"login": "canary", "password": CANARY},
}

# A clean environment: no credentials from the developer's shell, no default provider, no terminal width.
CLEAN_ENV: dict[str, str | None] = {
    **{entry.env_var(credential): None for entry in PROVIDERS.values() for credential in entry.credentials},
    **{f"SMSGATE_{provider.upper()}_BASE_URL": None for provider in PROVIDERS},
    **{name: None for name in os.environ if name.startswith("SMSGATE_")},
    "SMSGATE_PROVIDER": None,
    "COLUMNS": None,
}


def run(args: Sequence[str], env: Mapping[str, str | None] | None = None, stdin: str | bytes | None = None) -> Result:
    """`smsgate ARGS` in-process, in a clean environment plus `env`."""
    runner = CliRunner()
    return runner.invoke(build_app(), list(args), env={**CLEAN_ENV, **(env or {})}, input=stdin, catch_exceptions=False)


def creds(login: str = LOGIN, password: str = PASSWORD) -> dict[str, str | None]:
    return {"SMSGATE_LETSADS_LOGIN": login, "SMSGATE_LETSADS_PASSWORD": password}


def env_of(provider: str, values: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """``SMSGATE_<PROVIDER>_<NAME>`` variables (the provider's seed account by default)."""
    given = GOOD[provider] if values is None else values
    return {f"SMSGATE_{provider.upper()}_{name.upper()}": value for name, value in given.items()}


def options_of(values: Mapping[str, str]) -> list[str]:
    return [arg for name, value in values.items() for arg in ("--" + name.replace("_", "-"), value)]


def secret_forms(secret: str) -> set[str]:
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        escape(secret),
        escape(secret, {'"': "&quot;", "'": "&apos;"}),
        json.dumps(secret)[1:-1],
    }
    if secret.startswith("Cn&ry"):
        forms |= {"Cn&ry", "Cn&amp;ry", "Cn%26ry"}
    return forms


def assert_no_secret(*texts: str, secret: str = CANARY) -> None:
    for text in texts:
        for form in secret_forms(secret):
            assert form not in text, f"the secret ({form!r}) leaked into the output"


def at(emu: Any, provider: str) -> list[str]:
    return ["--provider", provider, "--base-url", str(emu.base_url(provider))]


#: The emulator's seed account of each provider (public test values).
SEED: dict[str, dict[str, str]] = GOOD


def clean_environ(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without anything smsgate reads (credentials, URLs, provider) nor a terminal width."""
    source = os.environ if base is None else base
    return {k: v for k, v in source.items() if not k.startswith("SMSGATE_") and k != "COLUMNS"}


def seed_env(provider: str, base_url: str | None = None) -> dict[str, str | None]:
    """``SMSGATE_<PROVIDER>_<NAME>`` variables of the provider's seed account, and its base URL if given."""
    values = dict(SEED[provider])
    if base_url is not None:
        values["base_url"] = base_url
    return {f"SMSGATE_{provider.upper()}_{name.upper()}": value for name, value in values.items()}


def smsgate_command() -> list[str]:
    """The installed `smsgate` console script beside this interpreter (else the module)."""
    script = Path(sys.executable).with_name("smsgate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "smsgate._cli"]


def subprocess_env() -> dict[str, str]:
    """A clean environment for a `smsgate` subprocess, its output unbuffered."""
    return {**clean_environ(), "PYTHONUNBUFFERED": "1"}
