"""`smsgate send`, `status` and `balance` against the emulator: credentials, provider selection, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("typer")

from smsgate import _cli
from tests.cli._support import (
    CANARY,
    GOOD,
    KEY_CANARY,
    LOGIN,
    PASSWORD,
    SL_TOKEN,
    SL_USERNAME,
    SMSC_API_KEY,
    SMSC_LOGIN,
    assert_no_secret,
    at,
    creds,
    env_of,
    options_of,
    run,
)

# --- balance / send / status against the emulator ------------------------------------------------------


def test_balance_with_credentials_from_the_environment(url: str) -> None:
    result = run(["balance", "--base-url", url], env=creds())
    assert result.exit_code == 0, result.output
    assert "100.00 UAH" in result.stdout


def test_balance_json_keeps_the_decimal(url: str) -> None:
    result = run(["balance", "--base-url", url, "--json"], env=creds())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"provider": "letsads", "amount": "100.00", "currency": "UAH"}


def test_credentials_from_options(url: str) -> None:
    result = run(["balance", "--base-url", url, "--login", LOGIN, "--password", PASSWORD, "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert "100.00 UAH" in result.stdout
    assert_no_secret(result.output, result.stderr, secret=PASSWORD)


def test_missing_credentials_name_the_option_and_the_variable(url: str) -> None:
    result = run(["balance", "--base-url", url], env={"SMSGATE_LETSADS_LOGIN": LOGIN})
    assert result.exit_code == 2
    assert "--password" in result.stderr
    assert "SMSGATE_LETSADS_PASSWORD" in result.stderr


def test_send_then_status_until_final(emu: Any, url: str) -> None:
    result = run(
        ["send", "--base-url", url, "--text", "Hello", "--sender", "smsgate", "+380501234567", "380501234569"],
        env=creds(),
    )
    assert result.exit_code == 0, result.output
    assert "380501234567" in result.stdout
    assert "380501234569" in result.stdout
    ids = [str(i) for i in sorted(emu.letsads.messages)]
    assert len(ids) == 2
    for message_id in ids:
        assert message_id in result.stdout

    queued = run(["status", "--base-url", url, "--json", *ids], env=creds())
    assert queued.exit_code == 0, queued.output
    assert [s["state"] for s in json.loads(queued.stdout)["statuses"]] == ["queued", "queued"]

    emu.clock.advance(31)
    final = run(["status", "--base-url", url, "--json", *ids], env=creds())
    assert final.exit_code == 0, final.output
    statuses = json.loads(final.stdout)["statuses"]
    assert [s["status"] for s in statuses] == ["MESSAGE_IS_DELIVERED", "MESSAGE_NOT_DELIVERED"]
    assert [s["state"] for s in statuses] == ["delivered", "undelivered"]
    assert all(s["final"] for s in statuses)
    assert [s["message_id"] for s in statuses] == ids

    table = run(["status", "--base-url", url, *ids], env=creds())
    assert table.exit_code == 0, table.output
    assert "MESSAGE_NOT_DELIVERED" in table.stdout
    assert "undelivered" in table.stdout


def test_send_json(emu: Any, url: str) -> None:
    result = run(["send", "--base-url", url, "-t", "Hi", "-s", "Sender", "--json", "380677654323"], env=creds())
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (message_id,) = emu.letsads.messages
    assert data["provider"] == "letsads"
    assert data["messages"] == [{"recipient": "380677654323", "message_id": str(message_id)}]
    assert emu.letsads.accounts[LOGIN].balance == pytest.approx(100 - 0.5)


def test_provider_error_is_one_line_with_its_code(emu: Any, url: str) -> None:
    result = run(["send", "--base-url", url, "-t", "Hi", "-s", "NoSuchName", "380501234567"], env=creds())
    assert result.exit_code == 1
    assert result.stdout == ""
    line = result.stderr
    assert line.count("\n") == 1, line
    assert "INVALID_FROM" in line
    assert "InvalidSenderError" in line
    assert not emu.letsads.messages


def test_provider_error_as_json(url: str) -> None:
    result = run(["status", "--base-url", url, "--json", "999999"], env=creds())
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "NotFoundError"
    assert error["code"] == "MESSAGE_NOT_EXIST"
    assert error["provider"] == "letsads"
    assert error["category"] == "not_found"
    assert "MESSAGE_NOT_EXIST" in result.stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["send", "-t", "Hi", "-s", "Sender", "12"], "recipients[0]"),
        (["send", "-t", "x" * 500, "-s", "Sender", "380501234567"], "text"),
        (["status", "not-a-number"], "message_id"),
    ],
)
def test_validation_error_exits_2_and_sends_nothing(emu: Any, url: str, args: list[str], field: str) -> None:
    result = run([*args, "--base-url", url], env=creds())
    assert result.exit_code == 2, result.output
    assert "ValidationError" in result.stderr
    assert field in result.stderr
    assert "nothing was sent" in result.stderr
    assert len(emu.requests) == 0


def test_unreachable_provider_is_a_transport_error() -> None:
    result = run(["balance", "--base-url", "http://127.0.0.1:9/letsads", "--timeout", "2"], env=creds())
    assert result.exit_code == 1
    assert "ConnectFailedError" in result.stderr
    assert "nothing was sent" in result.stderr


# --- every provider: balance, credentials, provider selection --------------------------------------------

BALANCE_JSON = {
    "letsads": {"provider": "letsads", "amount": "100.00", "currency": "UAH"},
    "smsleads": {"provider": "smsleads", "credits": 1000},
    "smsclub": {"provider": "smsclub", "amount": "8111.1700", "currency": "UAH"},
    "smsc": {"provider": "smsc", "amount": "1000.00", "currency": "RUR"},
}
BALANCE_TEXT = {
    "letsads": "LetsAds balance: 100.00 UAH",
    "smsleads": "SMSLeads balance: 1000 credits",
    "smsclub": "SMSClub balance: 8111.1700 UAH",
    "smsc": "SMSC balance: 1000.00 RUR",
}


@pytest.mark.parametrize("provider", list(_cli.PROVIDERS))
def test_balance_of_every_provider_with_credentials_from_the_environment(emu: Any, provider: str) -> None:
    result = run(["balance", *at(emu, provider)], env=env_of(provider))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == BALANCE_TEXT[provider]
    as_json = run(["balance", *at(emu, provider), "--json"], env=env_of(provider))
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == BALANCE_JSON[provider]


@pytest.mark.parametrize("provider", list(_cli.PROVIDERS))
def test_balance_of_every_provider_with_credentials_from_options(emu: Any, provider: str) -> None:
    result = run(["balance", *at(emu, provider), *options_of(GOOD[provider]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == BALANCE_JSON[provider]


def test_an_option_overrides_its_variable(emu: Any) -> None:
    env = env_of("smsleads", {"username": SL_USERNAME, "token": "sl-johndoe-expired"})
    result = run(["balance", *at(emu, "smsleads"), "--token", SL_TOKEN], env=env)
    assert result.exit_code == 0, result.output
    assert "1000 credits" in result.stdout


@pytest.mark.parametrize("provider", ["letsads", "smsleads", "smsclub", "smsc"])
def test_the_base_url_from_its_variable_and_the_option_over_it(emu: Any, provider: str) -> None:
    """One convention for which account and where: SMSGATE_<PROVIDER>_BASE_URL beside the credentials'."""
    env = {**env_of(provider), f"SMSGATE_{provider.upper()}_BASE_URL": emu.base_url(provider)}
    assert run(["balance", "-p", provider], env=env).exit_code == 0
    elsewhere = {**env, f"SMSGATE_{provider.upper()}_BASE_URL": f"{emu.url}/nothing-here"}
    assert run(["balance", "-p", provider], env=elsewhere).exit_code == 1
    result = run(["balance", "-p", provider, "--base-url", emu.base_url(provider)], env=elsewhere)
    assert result.exit_code == 0, result.output


def test_provider_from_the_environment(emu: Any) -> None:
    result = run(
        ["balance", "--base-url", str(emu.base_url("smsclub"))],
        env={"SMSGATE_PROVIDER": "smsclub", **env_of("smsclub")},
    )
    assert result.exit_code == 0, result.output
    assert "SMSClub balance" in result.stdout


def test_provider_names_are_case_insensitive(emu: Any) -> None:
    result = run(["balance", "-p", "SMSC", "--base-url", str(emu.base_url("smsc"))], env=env_of("smsc"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("provider", "env", "expected"),
    [
        ("smsleads", {"SMSGATE_SMSLEADS_USERNAME": SL_USERNAME}, ["--token or SMSGATE_SMSLEADS_TOKEN"]),
        ("smsclub", {}, ["--token or SMSGATE_SMSCLUB_TOKEN"]),
        (
            "smsc",
            {},
            [
                "--login or SMSGATE_SMSC_LOGIN",
                "--password or SMSGATE_SMSC_PASSWORD",
                "--api-key or SMSGATE_SMSC_API_KEY",
            ],
        ),
        ("smsc", {"SMSGATE_SMSC_LOGIN": SMSC_LOGIN}, ["--password or SMSGATE_SMSC_PASSWORD", "--api-key"]),
    ],
)
def test_missing_credentials_of_each_provider(
    emu: Any, provider: str, env: dict[str, str], expected: list[str]
) -> None:
    result = run(["balance", *at(emu, provider)], env=env)
    assert result.exit_code == 2
    for text in expected:
        assert text in result.stderr
    assert not emu.requests.filter(provider)


def test_smsc_takes_an_api_key_instead_of_login_and_password(emu: Any) -> None:
    result = run(["balance", *at(emu, "smsc"), "--json"], env={"SMSGATE_SMSC_API_KEY": SMSC_API_KEY})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["amount"] == "1000.00"
    # An --api-key option picks the key (the canary account's) even when login and password are in the environment.
    result = run(["balance", *at(emu, "smsc"), "--api-key", KEY_CANARY], env=env_of("smsc"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "SMSC balance: 42.00 RUR"
    assert_no_secret(result.output, result.stderr, secret=KEY_CANARY)


def test_smsc_login_and_api_key_together_is_a_usage_error(emu: Any) -> None:
    result = run(["balance", *at(emu, "smsc"), "--login", SMSC_LOGIN, "--api-key", KEY_CANARY, "--password", CANARY])
    assert result.exit_code == 2
    assert "give either --login and --password, or --api-key, not both" in result.stderr
    assert_no_secret(result.output, result.stderr)
    assert_no_secret(result.output, result.stderr, secret=KEY_CANARY)
    assert not emu.requests.filter("smsc")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["balance", "-p", "smsclub", "--login", "x"], "SMSClub takes --token; not --login"),
        (["balance", "-p", "letsads", "--api-key", KEY_CANARY], "LetsAds takes --login, --password; not --api-key"),
        (["send", "-p", "letsads", "-t", "Hi", "-s", "Sender", "--client-id", "7", LOGIN], "--client-id is for SMSC"),
        (["status", "-p", "smsclub", "--phone", "380501234567", "106"], "--phone is for SMSC"),
        (["status", "-p", "smsc", "--days", "3", "7:79991234567"], "--days is for SMSLeads"),
        (["send", "-p", "smsclub", "-t", "Hi", "380501234567"], "SMSClub needs --sender"),
        (["send", "-p", "smsleads", "-t", "Hi", "0502345678"], "SMSLeads needs --sender"),
    ],
)
def test_options_of_another_provider_are_usage_errors(emu: Any, args: list[str], message: str) -> None:
    provider = args[args.index("-p") + 1]
    env = {**env_of(provider), **creds()}
    result = run([*args, "--base-url", str(emu.base_url(provider))], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert_no_secret(result.output, result.stderr, secret=KEY_CANARY)
    assert not emu.requests.filter(provider)
