"""The `smsgate` command line: typer's CliRunner in-process, plus real subprocess runs of `smsgate demo` and
`smsgate emulator`. The emulator (the `smsgate_emulator` fixture, frozen clock) is the HTTP peer."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import pytest

pytest.importorskip("typer")

from typer.testing import CliRunner, Result

from smsgate import _cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "schemas" / "letsads" / "samples").glob("*.xml"))

LOGIN = "380501234567"
PASSWORD = "p1a2s3s4"
# A second account whose password is a canary: it must never show up in any output, in any encoding.
CANARY_LOGIN = "380509990000"
CANARY = "Cn&ry<7>\"q'+/% pw"
CANARY_FORMS = {
    CANARY,
    quote(CANARY, safe=""),
    quote_plus(CANARY),
    escape(CANARY),
    escape(CANARY, {'"': "&quot;", "'": "&apos;"}),
    json.dumps(CANARY)[1:-1],
    "Cn&ry",
    "Cn&amp;ry",
}

# A clean environment: no credentials from the developer's shell, no terminal width.
CLEAN_ENV: dict[str, str | None] = {
    "SMSGATE_LETSADS_LOGIN": None,
    "SMSGATE_LETSADS_PASSWORD": None,
    "COLUMNS": None,
}


def run(args: list[str], env: Mapping[str, str | None] | None = None, stdin: str | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(_cli.build_app(), args, env={**CLEAN_ENV, **(env or {})}, input=stdin, catch_exceptions=False)


def creds(login: str = LOGIN, password: str = PASSWORD) -> dict[str, str | None]:
    return {"SMSGATE_LETSADS_LOGIN": login, "SMSGATE_LETSADS_PASSWORD": password}


def assert_no_secret(*texts: str, secret: str = CANARY) -> None:
    forms = CANARY_FORMS if secret == CANARY else {secret}
    for text in texts:
        for form in forms:
            assert form not in text, f"the password ({form!r}) leaked into the output"


@pytest.fixture
def emu(smsgate_emulator: Any) -> Any:
    smsgate_emulator.letsads.add_account(login=CANARY_LOGIN, password=CANARY, senders=["Sender"])
    return smsgate_emulator


@pytest.fixture
def url(emu: Any) -> str:
    return str(emu.base_url("letsads"))


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
    for provider_id, entry in _cli.PROVIDERS.items():
        assert entry.id == provider_id
        assert entry.spec().id == provider_id
        assert callable(entry.demo)
        assert any(c.secret for c in entry.credentials)


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


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:9/letsads",  # connection refused
        "not a url",
    ],
)
def test_password_never_in_transport_errors(base_url: str) -> None:
    result = run(["balance", "--base-url", base_url, "--timeout", "2", "--json"], env=creds(CANARY_LOGIN, CANARY))
    assert result.exit_code != 0
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


# --- demo ---------------------------------------------------------------------------------------------


def _subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSGATE_") and k != "COLUMNS"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_demo_subprocess_without_a_terminal() -> None:
    """The README's first command, as CI runs it: a real process, no TTY, no network."""
    proc = subprocess.run(
        [sys.executable, "-m", "smsgate._cli", "demo"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        env=_subprocess_env(),
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "\x1b[" not in out  # no colour codes without a terminal
    assert "demo passed" in out
    assert "FAILED" not in out
    assert "100.00 UAH" in out
    assert "AsyncLetsAds" in out
    assert "MESSAGE_IS_DELIVERED" in out
    assert "MESSAGE_NOT_DELIVERED" in out
    assert "InvalidSenderError" in out
    assert "INVALID_FROM" in out
    assert "ValidationError" in out
    assert PASSWORD not in out + proc.stderr


def test_demo_in_process_with_a_fast_clock() -> None:
    result = run(["demo", "--provider", "letsads", "--clock-speed", "300"])
    assert result.exit_code == 0, result.output
    assert "demo passed" in result.stdout


@pytest.fixture
def broken_demo(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Swap the LetsAds demo for one whose steps misbehave."""
    ran: list[str] = []

    def demo(run_: _cli.DemoRun) -> None:
        ran.append(run_.base_url())
        run_.check("a step that misbehaves", False, "on purpose")

    entry = _cli.PROVIDERS["letsads"]
    monkeypatch.setitem(_cli.PROVIDERS, "letsads", dataclasses.replace(entry, demo=demo))
    return ran


def test_demo_exits_non_zero_when_a_step_misbehaves(broken_demo: list[str]) -> None:
    result = run(["demo"])
    assert result.exit_code == 1
    assert broken_demo and broken_demo[0].endswith("/letsads")
    assert "demo FAILED: 1 of 1 checks failed" in result.stdout


def test_demo_exits_non_zero_when_a_step_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    def demo(run_: _cli.DemoRun) -> None:
        raise RuntimeError("boom")

    entry = _cli.PROVIDERS["letsads"]
    monkeypatch.setitem(_cli.PROVIDERS, "letsads", dataclasses.replace(entry, demo=demo))
    result = run(["demo"])
    assert result.exit_code == 1
    assert "RuntimeError: boom" in result.stdout


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
