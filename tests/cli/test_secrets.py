"""No secret of any provider ever appears: not in output, errors, JSON, help or transport errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("typer")

from smsgate import _cli
from tests.cli._support import (
    CANARIES,
    CANARY,
    CANARY_LOGIN,
    GOOD,
    KEY_CANARY,
    LOGIN,
    TOKEN_CANARY,
    assert_no_secret,
    at,
    creds,
    env_of,
    options_of,
    run,
)

# --- the password never appears ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["balance"],
        ["balance", "--json"],
        ["send", "-t", "Hi", "-s", "Sender", "380501234567"],
        ["send", "-t", "Hi", "-s", "NoSuchName", "380501234567", "--json"],
        ["send", "-t", "Hi", "-s", "Sender", "12"],
        ["status", "999999", "--json"],
        ["status", "abc"],
    ],
)
@pytest.mark.parametrize("how", ["env", "option"])
def test_password_never_in_output(url: str, args: list[str], how: str) -> None:
    if how == "env":
        result = run([*args, "--base-url", url], env=creds(CANARY_LOGIN, CANARY))
    else:
        result = run([*args, "--base-url", url, "--login", CANARY_LOGIN, "--password", CANARY])
    assert result.exit_code in (0, 1, 2), result.output
    assert_no_secret(result.output, result.stdout, result.stderr)


def test_wrong_password_is_an_authentication_error_without_the_password(url: str) -> None:
    result = run(["balance", "--base-url", url], env=creds(LOGIN, CANARY))
    assert result.exit_code == 1
    assert "AUTH_DATA" in result.stderr
    assert "AuthenticationError" in result.stderr
    assert_no_secret(result.output, result.stderr)


def test_help_never_shows_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    for command in ("send", "status", "balance"):
        result = run([command, "--help"], env=creds(CANARY_LOGIN, CANARY))
        assert result.exit_code == 0
        assert "--password" in result.stdout
        assert_no_secret(result.output)


# --- no secret of any provider ever appears --------------------------------------------------------------


def _canary_commands(provider: str, emu: Any) -> list[list[str]]:
    """Commands that succeed, fail at the provider, fail validation and fail usage, for `provider`."""
    sender = {"letsads": "Sender", "smsleads": "DemoAPI", "smsclub": "VashZakaz", "smsc": "smsgate"}[provider]
    phone = {"letsads": LOGIN, "smsleads": "0502345678", "smsclub": "380501234567", "smsc": "79991234567"}[provider]
    bad_id = {"letsads": "999999", "smsleads": "nope", "smsclub": "999999", "smsc": "999:79991234567"}[provider]
    commands = [
        ["balance"],
        ["balance", "--json"],
        ["send", "-t", "Hi", "-s", sender, phone],
        ["send", "-t", "Hi", "-s", sender, "--json", phone],
        ["send", "-t", "Hi", "-s", "NoSuchSenderName", phone, "--json"],
        ["send", "-t", "Hi", "-s", sender, "12"],
        ["status", bad_id, "--json"],
        ["status", "not an id"],
        ["send", "-t", "", phone],
    ]
    return [[*command, *at(emu, provider)] for command in commands]


@pytest.mark.parametrize("provider", list(_cli.PROVIDERS))
@pytest.mark.parametrize("how", ["env", "option"])
def test_secrets_never_in_any_output(emu: Any, provider: str, how: str) -> None:
    emu.smsclub.rate_limit = 0  # many calls in a row: no 429 waits
    secrets = CANARIES[provider]
    for command in _canary_commands(provider, emu):
        env = env_of(provider, secrets) if how == "env" else None
        result = run(command if how == "env" else [*command, *options_of(secrets)], env=env)
        assert result.exit_code in (0, 1, 2), result.output
        assert_no_secret(result.output, result.stdout, result.stderr)
        assert_no_secret(result.output, result.stdout, result.stderr, secret=TOKEN_CANARY)


@pytest.mark.parametrize("provider", list(_cli.PROVIDERS))
def test_a_wrong_secret_is_an_authentication_error_without_the_secret(emu: Any, provider: str) -> None:
    wrong_secret = TOKEN_CANARY + "-wrong"
    wrong = {name: (wrong_secret if name in ("token", "password") else value) for name, value in GOOD[provider].items()}
    result = run(["balance", *at(emu, provider), "--json"], env=env_of(provider, wrong))
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["error"]["type"] == "AuthenticationError"
    assert_no_secret(result.output, result.stderr, secret=wrong_secret)


def test_smsc_api_key_never_in_output(emu: Any) -> None:
    for command in _canary_commands("smsc", emu):
        result = run(command, env={"SMSGATE_SMSC_API_KEY": KEY_CANARY})
        assert result.exit_code in (0, 1, 2), result.output
        assert_no_secret(result.output, result.stderr, secret=KEY_CANARY)
    wrong = run(["balance", *at(emu, "smsc")], env={"SMSGATE_SMSC_API_KEY": KEY_CANARY + "x"})
    assert wrong.exit_code == 1
    assert_no_secret(wrong.output, wrong.stderr, secret=KEY_CANARY + "x")


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:9/x",  # connection refused
        "not a url",
    ],
)
@pytest.mark.parametrize("provider", list(_cli.PROVIDERS))
def test_secrets_never_in_transport_errors(provider: str, base_url: str) -> None:
    result = run(
        ["balance", "-p", provider, "--base-url", base_url, "--timeout", "2", "--json"],
        env=env_of(provider, CANARIES[provider]),
    )
    assert result.exit_code != 0
    assert_no_secret(result.output, result.stdout, result.stderr)
    assert_no_secret(result.output, result.stdout, result.stderr, secret=TOKEN_CANARY)


def test_help_never_shows_a_secret() -> None:
    env: dict[str, str | None] = {"SMSGATE_PROVIDER": "smsc"}
    for provider in _cli.PROVIDERS:
        env.update(env_of(provider, CANARIES[provider]))
    env["SMSGATE_SMSC_API_KEY"] = KEY_CANARY
    for command in ("send", "status", "balance", "validate", "demo"):
        result = run([command, "--help"], env=env)
        assert result.exit_code == 0
        for secret in (CANARY, TOKEN_CANARY, KEY_CANARY):
            assert_no_secret(result.output, secret=secret)
    for command in ("send", "status", "balance"):
        result = run([command, "--help"], env=env)
        for option in ("--login", "--password", "--username", "--token", "--api-key"):
            assert option in result.stdout
