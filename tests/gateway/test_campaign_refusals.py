"""A refusal of the whole request (no sender, wrong password, unregistered sender, no money) is not a
recipient rejection: the rows stay pending, the campaign halts with the provider's reason, and the CLI says
why and how to resume; Ctrl-C prints the summary so far and how to resume (exit 130)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import smsgate
from smsgate._campaign import Campaign

LOGIN = "380509999999"
POOR = "380508888888"


def base(emu: Any, login: str = LOGIN, password: str = "pw") -> str:
    return str(emu.base_url("letsads")).replace("http://", f"letsads+http://{login}:{password}@")


@pytest.fixture
def accounts(smsgate_emulator: Any) -> Any:
    smsgate_emulator.letsads.add_account(login=LOGIN, password="pw", balance="100000", senders=["Sender"])
    smsgate_emulator.letsads.add_account(login=POOR, password="pw", balance="0", senders=["Sender"])
    return smsgate_emulator


def numbers(n: int) -> list[str]:
    return [f"+38050{i:07d}" for i in range(n)]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("no sender", "validation"),
        ("wrong password", "AUTH_DATA"),
        ("unregistered sender", "INVALID_FROM"),
        ("no money", "NOT_ENOUGH_MONEY"),
    ],
)
def test_a_refused_request_halts_and_keeps_everyone_pending(
    accounts: Any, tmp_path: Path, case: str, code: str
) -> None:
    url = {
        "no sender": base(accounts),
        "wrong password": base(accounts, password="wrong") + "?sender=Sender",
        "unregistered sender": base(accounts) + "?sender=Nobody",
        "no money": base(accounts, login=POOR) + "?sender=Sender",
    }[case]
    journal = tmp_path / "c.db"
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, text="Hi", concurrency=1) as campaign:
        campaign.load(numbers(100))
        summary = campaign.run()
    assert summary.status == "halted"
    assert summary.requests == 1, "the first refusal halts: no point asking again"
    assert summary.counts.pending == 100
    assert summary.counts.rejected == 0
    assert summary.halt is not None and summary.halt.code == code
    assert summary.halt.detail
    assert not accounts.letsads.messages
    # Fixed and resumed: everyone is sent, once.
    with smsgate.Gateway.from_url(base(accounts) + "?sender=Sender") as gateway, Campaign(gateway, journal) as again:
        done = again.run()
    assert done.status == "done"
    assert done.counts.accepted == 100
    assert len(accounts.letsads.messages) == 100


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    from smsgate._cli import build_app

    return CliRunner().invoke(build_app(), list(args), env=env, catch_exceptions=False)


def test_bulk_send_says_why_it_halted_and_how_to_resume(accounts: Any, tmp_path: Path) -> None:
    numbers_file = tmp_path / "n.txt"
    numbers_file.write_text("\n".join(numbers(100)) + "\n")
    journal = tmp_path / "c.db"
    wrong = base(accounts, password="wrong") + "?sender=Sender"
    result = run(
        "bulk", "send", "-j", str(journal), "--to-file", str(numbers_file), "-t", "Hi", env={"SMSGATE_URL": wrong}
    )
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "campaign: halted" in out
    assert "AUTH_DATA" in out
    assert "Authorization failed" in out
    assert f"resume with: smsgate bulk send --journal {journal}" in out
    assert "wrong" not in out.replace("wrong login", "")  # the password never shows
    fixed = run("bulk", "send", "-j", str(journal), env={"SMSGATE_URL": base(accounts) + "?sender=Sender"})
    assert fixed.exit_code == 0, fixed.output
    assert len(accounts.letsads.messages) == 100


def test_resuming_a_finished_campaign_prints_a_sensible_summary(accounts: Any, tmp_path: Path) -> None:
    numbers_file = tmp_path / "n.txt"
    numbers_file.write_text("\n".join(numbers(60)) + "\n")
    journal = tmp_path / "c.db"
    env = {"SMSGATE_URL": base(accounts) + "?sender=Sender"}
    first = run("bulk", "send", "-j", str(journal), "--to-file", str(numbers_file), "-t", "Hi", env=env)
    assert first.exit_code == 0, first.output
    assert "60 recipients settled" in first.output
    again = run("bulk", "send", "-j", str(journal), env=env)
    assert again.exit_code == 0, again.output
    assert "nothing left to send" in again.output
    assert "recipients/s" not in again.output  # no rate for a run that sent nothing
    assert "accepted" in again.output and "60" in again.output


def test_ctrl_c_prints_the_summary_so_far_and_how_to_resume(accounts: Any, tmp_path: Path) -> None:
    numbers_file = tmp_path / "n.txt"
    numbers_file.write_text("\n".join(numbers(500)) + "\n")
    journal = tmp_path / "c.db"
    # The third request hangs (no reply for 30 s): the campaign is mid-send when Ctrl-C comes.
    accounts.faults.inject("letsads", "hold", delay=0.0, count=2)
    accounts.faults.inject("letsads", "timeout", delay=30.0)
    env = {**os.environ, "SMSGATE_URL": base(accounts) + "?sender=Sender"}
    command = [
        sys.executable, "-m", "smsgate._cli", "bulk", "send", "-j", str(journal),
        "--to-file", str(numbers_file), "-t", "Hi", "--concurrency", "1", "--no-progress",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with proc:  # a failure here leaves no running process and no open pipe behind for a later test
        try:
            deadline = time.monotonic() + 60
            while len(accounts.requests) < 3 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, out + err
    flat = " ".join(out.split())
    assert "interrupted" in flat
    assert "accepted 100" in flat  # the two requests answered before Ctrl-C
    assert "unknown 50" in flat  # the one in flight: it may have left
    assert f"to resume: smsgate bulk send --journal {journal}" in flat
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    # The request in flight at Ctrl-C did reach the provider: its 50 are unknown, never resent.
    assert len(accounts.letsads.messages) == 500
    assert "unknown 50" in " ".join(resumed.stdout.split())


def test_a_recipients_own_text_refused_rejects_only_that_recipient(accounts: Any, tmp_path: Path) -> None:
    """Only the row's own text is at fault: that row is rejected, the rest sent; a campaign text refused
    for everyone halts instead (nobody is rejected for it)."""
    import io

    too_long = "x" * 1000
    url = base(accounts) + "?sender=Sender"
    source = io.StringIO(f"phone,text\n+380500000001,\n+380500000002,{too_long}\n+380500000003,\n")
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, tmp_path / "a.db", text="Hi") as campaign:
        campaign.load_csv(source)
        summary = campaign.run()
    assert (summary.status, summary.counts.accepted, summary.counts.rejected) == ("done", 2, 1)
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, tmp_path / "b.db", text=too_long) as campaign:
        campaign.load(numbers(3))
        summary = campaign.run()
    assert (summary.status, summary.counts.pending, summary.counts.rejected) == ("halted", 3, 0)
    assert summary.halt is not None and "459" in str(summary.halt)
