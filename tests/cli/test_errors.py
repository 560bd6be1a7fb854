"""Errors a person can act on (issue 11, item 7): the provider's own text, a bad URL as a usage error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli._support import run, seed_env

pytest.importorskip("typer")


def test_a_provider_error_shows_the_providers_own_text(smsgate_emulator: Any) -> None:
    """SMSClub says how long a Cyrillic text may be; the CLI says it too, not only the error table's generic text."""
    env = seed_env("smsclub", smsgate_emulator.base_url("smsclub"))
    result = run(["send", "-p", "smsclub", "-s", "VashZakaz", "-t", "я" * 700, "380501234567"], env=env)
    assert result.exit_code == 1, result.output
    assert "at most 661 characters" in result.stderr, result.stderr
    as_json = run(["send", "-p", "smsclub", "-s", "VashZakaz", "-t", "я" * 700, "380501234567", "--json"], env=env)
    error = json.loads(as_json.stdout)["error"]
    assert "at most 661 characters" in error["provider_message"]


@pytest.mark.parametrize(
    "bad_url",
    [
        "not a url",
        "127.0.0.1:8765/letsads",
        "htp:/127.0.0.1/letsads",
        "http://[::1",
        "ftp://127.0.0.1/letsads",
        "http://",
    ],
)
def test_a_malformed_base_url_is_a_usage_error(bad_url: str) -> None:
    result = run(["balance", "-p", "letsads", "--base-url", bad_url], env=seed_env("letsads"))
    assert result.exit_code == 2, result.output
    assert "could not connect" not in result.output
    assert "base-url" in result.stderr or "BASE_URL" in result.stderr, result.stderr


def test_a_malformed_base_url_variable_is_a_usage_error() -> None:
    result = run(["balance", "-p", "smsc"], env=seed_env("smsc", "smsc.example/api"))
    assert result.exit_code == 2, result.output
    assert "SMSGATE_SMSC_BASE_URL" in result.stderr
    assert "could not connect" not in result.output
