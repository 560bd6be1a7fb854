"""The `smsgate` command line for every provider: typer's CliRunner in-process, plus real subprocess runs of
`smsgate demo` and `smsgate emulator`. The emulator (the `smsgate_emulator` fixture, frozen clock) is the HTTP
peer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import pytest

pytest.importorskip("typer")

from typer.testing import CliRunner, Result

from smsgate import _cli
from tests.schemas.test_smsc_schema import DEFINITION_OF as SMSC_DEFINITION_OF
from tests.schemas.test_smsclub_schema import DEFINITION_OF as SMSCLUB_DEFINITION_OF

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "schemas" / "letsads" / "samples").glob("*.xml"))
SMSLEADS_SAMPLES = sorted((ROOT / "schemas" / "smsleads" / "samples").glob("*.xml"))
JSON_SAMPLES = [("smsclub", name, d) for name, d in sorted(SMSCLUB_DEFINITION_OF.items())] + [
    ("smsc", name, d) for name, d in sorted(SMSC_DEFINITION_OF.items())
]

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
    **{entry.env_var(credential): None for entry in _cli.PROVIDERS.values() for credential in entry.credentials},
    "SMSGATE_PROVIDER": None,
    "COLUMNS": None,
}


def run(args: list[str], env: Mapping[str, str | None] | None = None, stdin: str | bytes | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(_cli.build_app(), args, env={**CLEAN_ENV, **(env or {})}, input=stdin, catch_exceptions=False)


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


@pytest.fixture
def emu(smsgate_emulator: Any) -> Any:
    smsgate_emulator.letsads.add_account(login=CANARY_LOGIN, password=CANARY, senders=["Sender"])
    smsgate_emulator.smsleads.add_account("CanaryUser", TOKEN_CANARY)
    smsgate_emulator.smsclub.add_account(name="canary", token=TOKEN_CANARY)
    smsgate_emulator.smsc.add_account(login="canary", password=CANARY, apikey=KEY_CANARY, balance="42.00")
    return smsgate_emulator


@pytest.fixture
def url(emu: Any) -> str:
    return str(emu.base_url("letsads"))


def at(emu: Any, provider: str) -> list[str]:
    return ["--provider", provider, "--base-url", str(emu.base_url(provider))]


# --- the command itself ---------------------------------------------------------------------------------


def test_help_lists_every_command() -> None:
    result = run(["--help"])
    assert result.exit_code == 0, result.output
    for command in ("demo", "send", "status", "balance", "validate", "emulator"):
        assert command in result.output


def test_main_without_the_cli_extra_prints_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_cli, "_CLI_MISSING", "typer")
    with pytest.raises(SystemExit) as info:
        _cli.main(["demo"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'smsgate[cli]'" in err


def test_provider_table_is_consistent() -> None:
    assert set(_cli.PROVIDERS) == {"letsads", "smsleads", "smsclub", "smsc"}
    for provider_id, entry in _cli.PROVIDERS.items():
        assert entry.id == provider_id
        assert entry.spec().id == provider_id
        assert entry.spec().display_name == entry.display_name
        for function in (entry.send, entry.status, entry.balance):
            assert callable(function)
        assert any(c.secret for c in entry.credentials)
        assert entry.wire_format in ("xml", "json")
        names = {c.name for c in entry.credentials}
        assert all(set(s) <= names for s in entry.sets())
        if entry.wire_format == "json":
            assert _cli._candidates(entry.json_schema())


def test_unknown_provider_is_a_usage_error() -> None:
    result = run(["balance", "--provider", "nope"], env=creds())
    assert result.exit_code == 2
    assert "unknown provider 'nope'" in result.stderr
    assert "letsads" in result.stderr


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


# --- SMSLeads ------------------------------------------------------------------------------------------


def test_smsleads_send_with_external_ids_then_delivery_reports(emu: Any) -> None:
    sl = at(emu, "smsleads")
    env = env_of("smsleads")
    result = run(
        [
            "send",
            *sl,
            "-t",
            "Hello",
            "-s",
            "DemoAPI",
            "--json",
            "0502345678=order-1",
            "0587654329=order-2",
            "0545555555",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["provider"] == "smsleads"
    shipment = data["shipment_id"]
    assert shipment.isdigit()
    assert data["messages"] == [
        {"recipient": "0502345678", "message_id": shipment, "external_id": "order-1"},
        {"recipient": "0587654329", "message_id": shipment, "external_id": "order-2"},
        {"recipient": "0545555555", "message_id": shipment},
    ]
    assert data["rejected"] == []
    assert emu.smsleads.accounts[SL_USERNAME].credits == 997

    sent = run(["status", *sl, "--json", "order-1", "order-2"], env=env)
    assert sent.exit_code == 0, sent.output
    rows = json.loads(sent.stdout)["statuses"]
    assert [(r["message_id"], r["raw_status"], r["state"], r["final"]) for r in rows] == [
        ("order-1", "-1", "sent", False),
        ("order-2", "-1", "sent", False),
    ]
    assert {r["shipment_id"] for r in rows} == {shipment}

    emu.clock.advance(31)
    dlr_requests = len(emu.requests.filter("smsleads", operation="dlr"))
    final = run(["status", *sl, "--json", "order-1", "order-2", "no-such-id"], env=env)
    assert final.exit_code == 0, final.output
    rows = json.loads(final.stdout)["statuses"]
    assert [(r["status"], r["raw_status"], r["state"], r["final"]) for r in rows] == [
        ("DELIVERED", "102", "delivered", True),
        ("FAILED_101", "101", "undelivered", True),
        (None, "", "unknown", False),
    ]
    assert "no delivery report" in rows[2]["text"]
    assert len(emu.requests.filter("smsleads", operation="dlr")) == dlr_requests + 1  # one request for all ids

    table = run(["status", *sl, "order-1", "order-2"], env=env)
    assert table.exit_code == 0, table.output
    assert "102 DELIVERED" in table.stdout
    assert "undelivered" in table.stdout
    assert shipment in table.stdout


def test_smsleads_send_table_shows_the_external_ids(emu: Any) -> None:
    result = run(
        ["send", *at(emu, "smsleads"), "-t", "Hi", "-s", "DemoAPI", "0502345678=order-9"], env=env_of("smsleads")
    )
    assert result.exit_code == 0, result.output
    assert "external id" in result.stdout
    assert "order-9" in result.stdout
    assert "shipment id: 12345678" in result.stdout


def test_smsleads_validation_error_sends_nothing(emu: Any) -> None:
    result = run(["send", *at(emu, "smsleads"), "-t", "Hi", "-s", "DemoAPI", "+380501234567"], env=env_of("smsleads"))
    assert result.exit_code == 2
    assert "ValidationError" in result.stderr
    assert "Israeli" in result.stderr
    assert not emu.requests.filter("smsleads")


def test_smsleads_provider_error_has_its_code(emu: Any) -> None:
    result = run(
        ["balance", *at(emu, "smsleads"), "--json"],
        env=env_of("smsleads", {"username": SL_USERNAME, "token": TOKEN_CANARY}),
    )
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["provider"], error["code"]) == ("AuthenticationError", "smsleads", "11")
    assert "AuthenticationError" in result.stderr
    assert_no_secret(result.output, result.stderr, secret=TOKEN_CANARY)


# --- SMSClub -------------------------------------------------------------------------------------------


def test_smsclub_send_then_many_statuses_in_one_request(emu: Any) -> None:
    sc = at(emu, "smsclub")
    env = env_of("smsclub")
    result = run(["send", *sc, "-t", "Hello", "-s", "VashZakaz", "--json", "+380501234567", "380671234569"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [m["recipient"] for m in data["messages"]] == ["380501234567", "380671234569"]
    assert data["rejected"] == []
    ids = [m["message_id"] for m in data["messages"]]
    assert ids == ["106", "107"]

    queued = run(["status", *sc, "--json", *ids], env=env)
    assert queued.exit_code == 0, queued.output
    assert [(s["raw_status"], s["state"]) for s in json.loads(queued.stdout)["statuses"]] == [
        ("ENROUTE", "sent"),
        ("ENROUTE", "sent"),
    ]
    assert len(emu.requests.filter("smsclub", operation="status")) == 1

    emu.clock.advance(31)
    final = run(["status", *sc, "--json", *ids], env=env)
    statuses = json.loads(final.stdout)["statuses"]
    assert [(s["message_id"], s["status"], s["state"], s["final"]) for s in statuses] == [
        ("106", "DELIVRD", "delivered", True),
        ("107", "UNDELIV", "undelivered", True),
    ]
    table = run(["status", *sc, *ids], env=env)
    assert "UNDELIV" in table.stdout and "undelivered" in table.stdout


def test_smsclub_partial_send_lists_the_rejected_recipients(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """SMSClub refuses a recipient the SDK accepted (here: the emulator told to refuse one) and sends the others:
    exit 0, the refused one listed with its reason, a warning on stderr."""
    from smsgate.emulator import _smsclub

    normalize = _smsclub.normalize_phone
    monkeypatch.setattr(
        _smsclub, "normalize_phone", lambda raw: None if str(raw).endswith("380931234567") else normalize(raw)
    )
    sc = at(emu, "smsclub")
    result = run(["send", *sc, "-t", "Hi", "-s", "VashZakaz", "380501234567", "380931234567"], env=env_of("smsclub"))
    assert result.exit_code == 0, result.output
    assert "1 messages accepted" in result.stdout
    assert "1 recipient(s) rejected" in result.stdout
    assert "Incorrect phone number" in result.stdout
    assert "warning: SMSClub rejected 1 of 2 recipients" in result.stderr
    as_json = run(
        ["send", *sc, "-t", "Other", "-s", "VashZakaz", "--json", "380501234567", "380931234567"], env=env_of("smsclub")
    )
    data = json.loads(as_json.stdout)
    assert data["rejected"] == [{"recipient": "380931234567", "reason": "Incorrect phone number"}]
    assert len(data["messages"]) == 1


def test_smsclub_duplicate_is_a_typed_error(emu: Any) -> None:
    args = ["send", *at(emu, "smsclub"), "-t", "Same", "-s", "VashZakaz", "380501234567"]
    assert run(args, env=env_of("smsclub")).exit_code == 0
    again = run(args, env=env_of("smsclub"))
    assert again.exit_code == 1
    assert "453" in again.stderr and "DuplicateError" in again.stderr
    assert again.stderr.count("\n") == 1


# --- SMSC ----------------------------------------------------------------------------------------------


def test_smsc_send_with_a_client_id_then_status_per_phone(emu: Any) -> None:
    smsc = at(emu, "smsc")
    env = env_of("smsc")
    result = run(
        ["send", *smsc, "-t", "Hello", "--client-id", "order-7", "--json", "+79991234567", "79031234569"], env=env
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["message_id"] == "order-7"
    assert (data["parts"], data["cost"], data["balance"]) == (2, "3.36", "996.64")
    assert data["messages"] == [
        {"recipient": "79991234567", "message_id": "order-7"},
        {"recipient": "79031234569", "message_id": "order-7"},
    ]

    queued = run(["status", *smsc, "--json", "order-7:79991234567", "order-7:+79031234569"], env=env)
    assert queued.exit_code == 0, queued.output
    assert [(s["status"], s["state"]) for s in json.loads(queued.stdout)["statuses"]] == [
        ("WAITING", "queued"),
        ("WAITING", "queued"),
    ]
    emu.clock.advance(31)
    final = run(["status", *smsc, "--json", "order-7:79991234567", "order-7:79031234569"], env=env)
    statuses = json.loads(final.stdout)["statuses"]
    assert [(s["phone"], s["status"], s["state"], s["final"]) for s in statuses] == [
        ("79991234567", "DELIVERED", "delivered", True),
        ("79031234569", "UNDELIVERABLE", "undelivered", True),
    ]
    assert statuses[0]["error"] is None
    assert statuses[1]["error"].startswith("1 ")

    by_option = run(["status", *smsc, "--json", "order-7", "--phone", "+79991234567"], env=env)
    assert json.loads(by_option.stdout)["statuses"][0]["state"] == "delivered"
    table = run(["status", *smsc, "order-7:79991234567", "order-7:79031234569"], env=env)
    assert table.exit_code == 0, table.output
    assert "phone" in table.stdout
    assert "20 UNDELIVERABLE" in table.stdout
    assert "Subscriber absent" in table.stdout


def test_smsc_send_table_shows_cost_and_balance(emu: Any) -> None:
    result = run(["send", *at(emu, "smsc"), "-t", "Hi", "-s", "smsgate", "79991234567"], env=env_of("smsc"))
    assert result.exit_code == 0, result.output
    assert "cost: 1.68" in result.stdout
    assert "balance: 998.32" in result.stdout


@pytest.mark.parametrize("ids", [["7"], ["7:"], [":79991234567"]])
def test_smsc_status_needs_a_phone_per_id(emu: Any, ids: list[str]) -> None:
    result = run(["status", *at(emu, "smsc"), *ids], env=env_of("smsc"))
    assert result.exit_code == 2
    assert "ID:PHONE" in result.stderr
    assert not emu.requests.filter("smsc")


def test_smsc_provider_error_has_its_code(emu: Any) -> None:
    result = run(["send", *at(emu, "smsc"), "-t", "Hi", "--json", "+883123456789"], env=env_of("smsc"))
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["code"], error["category"]) == ("InvalidRecipientError", "send.8", "invalid_recipient")


def test_smsc_validation_error_sends_nothing(emu: Any) -> None:
    result = run(["send", *at(emu, "smsc"), "-t", "Hi", "--client-id", "not valid!", "79991234567"], env=env_of("smsc"))
    assert result.exit_code == 2
    assert "nothing was sent" in result.stderr
    assert not emu.requests.filter("smsc")


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


# --- validate -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_validate_accepts_every_sample(sample: Path) -> None:
    result = run(["validate", str(sample)])
    assert result.exit_code == 0, result.output
    assert "valid LetsAds" in result.stdout


def test_validate_reads_stdin() -> None:
    data = (ROOT / "schemas/letsads/samples/seed001-status-response.xml").read_text("utf-8")
    result = run(["validate", "-", "--provider", "letsads"], stdin=data)
    assert result.exit_code == 0, result.output
    assert "<stdin>: valid" in result.stdout


BAD_REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<request>
<auth>
<login>+380501234567</login>
<password>p1a2s3s4</password>
</auth>
<message>
<from>ThisSenderIsTooLong</from>
<text></text>
<recipient>380501234567</recipient>
<recipient>12</recipient>
<extra/>
</message>
</request>
"""


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad-send.xml"
    path.write_text(BAD_REQUEST, "utf-8")
    return path


def test_validate_names_line_element_and_facet(bad_file: Path) -> None:
    result = run(["validate", str(bad_file)])
    assert result.exit_code == 1
    out = result.stdout
    assert "5 problem(s)" in out
    assert "<request>" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0].isdigit()}
    assert set(rows) == {"4", "8", "9", "11", "12"}
    assert "login" in rows["4"] and "pattern" in rows["4"]
    assert "from" in rows["8"] and "maxLength" in rows["8"]
    assert "text" in rows["9"] and "minLength" in rows["9"]
    assert "recipient" in rows["11"] and "'12'" in rows["11"]
    assert "extra" in rows["12"] and "not expected" in rows["12"]


def test_validate_json(bad_file: Path) -> None:
    result = run(["validate", str(bad_file), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["verdict"] == "invalid"
    assert data["root"] == "request"
    problems = data["problems"]
    assert [p["line"] for p in problems] == [4, 8, 9, 11, 12]
    assert problems[0] == {
        "line": 4,
        "element": "login",
        "facet": "pattern",
        "message": "The value '+380501234567' is not accepted by the pattern '[0-9]{7,15}'.",
    }
    assert problems[1]["facet"] == "maxLength"


def test_validate_response_with_an_unknown_name(tmp_path: Path) -> None:
    path = tmp_path / "reply.xml"
    path.write_text("<response>\n<name>Done</name>\n<sms_id>0</sms_id>\n</response>\n", "utf-8")
    result = run(["validate", str(path), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["line"], p["element"], p["facet"]) for p in problems] == [
        (2, "name", "enumeration"),
        (3, "sms_id", "minInclusive"),
    ]


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        "<response><name>&b;</name></response>\n",
        # external entity (XXE)
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<response><name>Error</name><description>&x;</description></response>\n",
        # a bare DOCTYPE
        '<!DOCTYPE response SYSTEM "http://example.com/evil.dtd">\n<response><name>Balance</name></response>\n',
    ],
    ids=["billion-laughs", "xxe", "external-dtd"],
)
def test_validate_refuses_hostile_xml(tmp_path: Path, document: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(document, "utf-8")
    result = run(["validate", str(path)])
    assert result.exit_code == 1
    assert "refused" in result.stdout
    assert "DOCTYPE" in result.stdout
    assert "passwd" not in result.stdout.replace(str(path), "")
    as_json = run(["validate", str(path), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["verdict"] == "refused"


def test_validate_malformed_xml_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "truncated.xml"
    path.write_text("<response>\n<name>Complete</name>\n<sms_id>63", "utf-8")
    result = run(["validate", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "malformed"
    assert data["problems"][0]["line"] == 3
    text = run(["validate", str(path)])
    assert "not well-formed XML: line 3" in text.stdout


def test_validate_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["validate", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


# --- validate: SMSLeads (XML) and the JSON providers ------------------------------------------------------


@pytest.mark.parametrize("sample", SMSLEADS_SAMPLES, ids=[p.name for p in SMSLEADS_SAMPLES])
def test_validate_every_smsleads_sample(sample: Path) -> None:
    result = run(["validate", "-p", "smsleads", str(sample), "--json"])
    data = json.loads(result.stdout)
    if "-malformed" in sample.name:
        assert result.exit_code == 1
        assert data["verdict"] in ("invalid", "malformed")
        assert data["problems"] and all(p["message"] for p in data["problems"])
    else:
        assert result.exit_code == 0, result.output
        assert data["valid"] is True
        assert data["format"] == "xml"
        assert run(["validate", "-p", "smsleads", str(sample)]).stdout.startswith(f"{sample}: valid SMSLeads <")


def test_validate_smsleads_names_line_element_and_facet(tmp_path: Path) -> None:
    path = tmp_path / "sms.xml"
    path.write_text(
        "<sms>\n<user><username>JohnDoe</username></user>\n<source>Too-Long-Sender-Name</source>\n"
        "<destinations><phone>0502345678</phone></destinations>\n<message>Hi</message>\n<bogus/>\n</sms>\n",
        "utf-8",
    )
    result = run(["validate", "-p", "smsleads", str(path), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert problems, result.stdout
    assert all(isinstance(p["line"], int) for p in problems)
    assert any(p["element"] == "source" for p in problems) or any(p["element"] == "bogus" for p in problems)


def test_validate_refuses_hostile_smsleads_xml(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<balance>&x;</balance>\n',
        "utf-8",
    )
    result = run(["validate", "-p", "smsleads", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verdict"] == "refused"
    assert "root:" not in result.stdout


@pytest.mark.parametrize(("provider", "name", "definition"), JSON_SAMPLES, ids=[f"{p}-{n}" for p, n, _ in JSON_SAMPLES])
def test_validate_every_json_sample(provider: str, name: str, definition: str) -> None:
    path = ROOT / "schemas" / provider / "samples" / name
    auto = run(["validate", "-p", provider, str(path), "--json"])
    data = json.loads(auto.stdout)
    assert data["format"] == "json"
    if "-malformed" in name:
        assert auto.exit_code == 1
        assert data["verdict"] == "malformed"
        (problem,) = data["problems"]
        assert isinstance(problem["line"], int) and isinstance(problem["column"], int)
        return
    assert auto.exit_code == 0, auto.output
    assert data["valid"] is True
    assert definition in data["matches"]  # some replies are valid as several definitions: all are listed
    assert data["definition"] == data["matches"][0]
    asked = run(["validate", "-p", provider, str(path), "--definition", definition, "--json"])
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout)["definition"] == definition


SMSCLUB_BAD_SEND = '{"src_addr": "VashZakaz", "phone": ["380501234567", "12"], "extra": 1}'


def test_validate_json_finds_the_closest_definition_and_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "send.json"
    path.write_text(SMSCLUB_BAD_SEND, "utf-8")
    result = run(["validate", "-p", "smsclub", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["valid"], data["verdict"], data["definition"], data["matches"]) == (
        False,
        "invalid",
        "SendRequest",
        [],
    )
    assert data["candidates"][0] == {"definition": "SendRequest", "problems": 3}
    assert {c["definition"] for c in data["candidates"]} >= {"SendRequest", "StatusRequest", "BalanceResponse"}
    assert [(p["path"], p["keyword"]) for p in data["problems"]] == [
        ("$", "required"),
        ("$", "additionalProperties"),
        ("$.phone[1]", "pattern"),
    ]
    assert "'message' is a required property" in data["problems"][0]["message"]
    assert "'extra'" in data["problems"][1]["message"]
    assert "'12'" in data["problems"][2]["message"]

    text = run(["validate", "-p", "smsclub", str(path)])
    assert text.exit_code == 1
    assert "3 problem(s) against the SMSClub schema's SendRequest (the closest of" in " ".join(text.stdout.split())
    assert "$.phone[1]" in text.stdout
    assert "next closest" in text.stdout


def test_validate_json_against_a_named_definition(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text('{"phone": "79991234567", "id": "7", "all": 5}', "utf-8")
    result = run(["validate", "-p", "smsc", str(path), "-d", "StatusRequest", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["definition"] == "StatusRequest"
    assert data["candidates"] == []
    assert [(p["path"], p["keyword"]) for p in data["problems"]] == [("$.all", "enum")]
    text = run(["validate", "-p", "smsc", str(path), "-d", "StatusRequest"])
    assert "(as asked)" in text.stdout
    assert "$.all" in text.stdout


def test_validate_json_paths_of_nested_items(tmp_path: Path) -> None:
    path = tmp_path / "personal.json"
    path.write_text(
        json.dumps(
            {"src_addr": "VashZakaz", "data_message": [{"phone": "380501234567", "message": "a"}, {"phone": 5}]}
        ),
        "utf-8",
    )
    result = run(["validate", "-p", "smsclub", str(path), "--json"])
    data = json.loads(result.stdout)
    assert data["definition"] == "PersonalSendRequest"
    paths = {(p["path"], p["keyword"]) for p in data["problems"]}
    assert ("$.data_message[1].phone", "type") in paths
    assert ("$.data_message[1]", "required") in paths


def test_validate_json_reads_stdin() -> None:
    result = run(["validate", "-", "-p", "smsc"], stdin='{"balance": "12.50", "currency": "RUR"}')
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "<stdin>: valid SMSC BalanceResponse document"


def test_validate_unknown_definition_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}", "utf-8")
    result = run(["validate", "-p", "smsclub", str(path), "--definition", "Nope"])
    assert result.exit_code == 2
    assert "no definition 'Nope'" in result.stderr
    assert "SendRequest" in result.stderr


def test_validate_definition_is_for_json_providers_only(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text("<balance/>", "utf-8")
    result = run(["validate", "-p", "smsleads", str(path), "--definition", "SendRequest"])
    assert result.exit_code == 2
    assert "JSON providers" in result.stderr


@pytest.mark.parametrize(
    ("document", "verdict", "says"),
    [
        ("[" * 5000 + "]" * 5000, "refused", "nested deeper than 64 levels"),
        ('{"a":' * 70 + "1" + "}" * 70, "refused", "nested deeper than 64 levels"),
        ('{"phones": "79991234567", "mes": "a", "mes": "b"}', "refused", "appears twice"),
        ("[" + ",".join(["1"] * 600_000) + "]", "refused", "byte limit"),
        ('{"balance": NaN}', "malformed", "NaN is not JSON"),
        ('{"balance": Infinity}', "malformed", "Infinity is not JSON"),
        ('{"id": ' + "9" * 5000 + "}", "malformed", "digits"),
        ("<result><error>x</error></result>", "malformed", "SMSC documents are JSON"),
        (b"\xff\xfe{}", "malformed", "not UTF-8"),
        ('{"balance": "1"', "malformed", "delimiter"),
        ("", "malformed", "Expecting value"),
    ],
    ids=[
        "deep-array",
        "deep-object",
        "duplicate-key",
        "oversized",
        "nan",
        "infinity",
        "huge-int",
        "xml",
        "utf16",
        "truncated",
        "empty",
    ],
)
def test_validate_refuses_hostile_json(tmp_path: Path, document: str | bytes, verdict: str, says: str) -> None:
    path = tmp_path / "hostile.json"
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document, "utf-8")
    started = time.monotonic()
    result = run(["validate", "-p", "smsc", str(path), "--json"])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == verdict
    assert says in data["problems"][0]["message"]
    text = run(["validate", "-p", "smsc", str(path)])
    assert text.exit_code == 1
    assert f"{path}: {'refused' if verdict == 'refused' else 'not JSON'}" in text.stdout


@pytest.mark.parametrize("definition", [None, "SendRequest", "PasswordAuth", "ApiKeyAuth", "Credentials"])
def test_validate_never_shows_a_credential_of_the_document(tmp_path: Path, definition: str | None) -> None:
    path = tmp_path / "with-secrets.json"
    path.write_text(json.dumps({"login": 5, "psw": CANARY, "apikey": KEY_CANARY, "phones": 1}), "utf-8")
    args = ["validate", "-p", "smsc", str(path)] + (["--definition", definition] if definition else [])
    for extra in ([], ["--json"]):
        result = run([*args, *extra])
        assert result.exit_code == 1
        assert_no_secret(result.output)
        assert_no_secret(result.output, secret=KEY_CANARY)


# --- subprocesses (the demo has its own tests: tests/cli/test_demo.py) -----------------------------------


def _subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSGATE_") and k != "COLUMNS"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --- emulator -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])  # noqa: S104
def test_emulator_refuses_non_loopback_hosts(host: str) -> None:
    result = run(["emulator", "--host", host, "--port", "0"])
    assert result.exit_code == 2
    assert "loopback only" in result.stderr


def test_emulator_rejects_a_bad_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.txt"
    seed.write_text("nope", "utf-8")
    result = run(["emulator", "--port", "0", "--seed", str(seed)])
    assert result.exit_code == 2
    assert "cannot start the emulator" in result.stderr


def test_emulator_subprocess_serves_a_seed_until_interrupted(tmp_path: Path) -> None:
    seed = tmp_path / "seed.toml"
    seed.write_text(
        '[[letsads.accounts]]\nlogin = "380631112233"\npassword = "seeded-pw"\nbalance = "12.50"\nsenders = ["Shop"]\n',
        "utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "smsgate._cli", "emulator", "--port", "0", "--seed", str(seed), "--clock-speed", "0"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_subprocess_env(),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("smsgate emulator on http://127.0.0.1:"), first + (
            proc.stderr.read() if proc.stderr else ""
        )
        letsads_line = proc.stdout.readline().split()
        assert letsads_line[0] == "letsads"
        base_url = letsads_line[1]
        result = run(["balance", "--base-url", base_url, "--json"], env=creds("380631112233", "seeded-pw"))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["amount"] == "12.50"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "emulator stopped" in out
