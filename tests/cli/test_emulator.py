"""`smsgate emulator` says at start where it listens and which test accounts it holds (issue 11, item 7)."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("typer")

from tests.cli._support import ROOT, SEED, clean_environ, creds, run, smsgate_command, subprocess_env

PROVIDERS = ("letsads", "smsleads", "smsclub", "smsc")


@pytest.fixture
def banner() -> Iterator[list[str]]:
    """The lines `smsgate emulator` prints before it serves (up to its 'Ctrl-C' line), while it runs."""
    proc = subprocess.Popen(
        [*smsgate_command(), "emulator", "--port", "0", "--clock-speed", "0"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**clean_environ(), "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or "Ctrl-C" not in lines[-1]:
            line = proc.stdout.readline()
            assert line, "".join(lines) + (proc.stderr.read() if proc.stderr else "")
            lines.append(line.rstrip("\n"))
        yield lines
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _exports(lines: list[str]) -> dict[str, str]:
    variables: dict[str, str] = {}
    for line in lines:
        words = shlex.split(line)
        if words and words[0] == "export":
            variables.update(word.split("=", 1) for word in words[1:])  # type: ignore[misc]
    return variables


def test_the_banner_lists_every_providers_url_and_test_credentials(banner: list[str]) -> None:
    text = "\n".join(banner)
    variables = _exports(banner)
    for provider in PROVIDERS:
        assert f"/{provider}" in text
        assert variables[f"SMSGATE_{provider.upper()}_BASE_URL"].startswith("http://127.0.0.1:")
        for name, value in SEED[provider].items():
            assert variables[f"SMSGATE_{provider.upper()}_{name.upper()}"] == value, (provider, name)


def test_the_banner_gives_the_inbox_page(banner: list[str]) -> None:
    """The inbox page (every message the providers received, live) is one click away."""
    inbox = [line.split() for line in banner if line.split()[:1] == ["inbox"]]
    assert len(inbox) == 1, banner  # once
    assert inbox[0][1].startswith("http://127.0.0.1:") and inbox[0][1].endswith("/"), banner


def test_the_printed_credentials_work_as_printed(banner: list[str]) -> None:
    """Paste the banner's exports into the environment: `smsgate balance` answers for every provider."""
    variables = _exports(banner)
    for provider in PROVIDERS:
        result = run(["balance", "-p", provider, "--json"], env=variables)
        assert result.exit_code == 0, (provider, result.output)


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
        env=subprocess_env(),
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
