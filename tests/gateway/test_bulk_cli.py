"""`smsgate bulk send` / `smsgate bulk report` through typer's runner, against the emulator."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from smsgate._cli import build_app

SECRET = "bulk-S3cret"


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(build_app(), list(args), env=env, catch_exceptions=False)


def url(emu: Any) -> str:
    emu.letsads.add_account(login="380509999999", password=SECRET, balance="1000", senders=["Sender"])
    return str(emu.base_url("letsads")).replace("http://", f"letsads+http://380509999999:{SECRET}@") + "?sender=Sender"


def test_send_then_report(smsgate_emulator: Any, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("phone,text\n+380500000001,Hi Ann\n+380500000002,\nnope,Hi\n", encoding="utf-8")
    journal = tmp_path / "j.db"
    result = run(
        "bulk",
        "send",
        "--journal",
        str(journal),
        "--csv",
        str(people),
        "--text",
        "Hello",
        env={"SMSGATE_URL": url(smsgate_emulator)},
    )
    assert result.exit_code == 0, result.output
    assert "campaign: done" in result.output
    assert "accepted" in result.output
    assert SECRET not in result.output
    out = tmp_path / "out.csv"
    report = run("bulk", "report", str(journal), "--csv", str(out))
    assert report.exit_code == 0, report.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["recipient"], r["state"]) for r in rows] == [
        ("+380500000001", "accepted"),
        ("+380500000002", "accepted"),
        ("nope", "rejected"),
    ]
    # Running it again resumes: nothing is left, nothing is resent.
    again = run("bulk", "send", "--journal", str(journal), env={"SMSGATE_URL": url(smsgate_emulator)})
    assert again.exit_code == 0, again.output
    assert len(smsgate_emulator.letsads.messages) == 2


def test_report_to_stdout(smsgate_emulator: Any, tmp_path: Path) -> None:
    numbers = tmp_path / "n.txt"
    numbers.write_text("+380500000001\n\n+380500000002\n", encoding="utf-8")
    journal = tmp_path / "j.db"
    assert (
        run(
            "bulk", "send", "-j", str(journal), "--to-file", str(numbers), "-t", "Hi", "--url", url(smsgate_emulator)
        ).exit_code
        == 0
    )
    result = run("bulk", "report", str(journal), "--csv", "-")
    assert result.output.splitlines()[0].startswith("seq,recipient,phone,state")
    assert len(result.output.splitlines()) == 3


def test_usage_errors_never_echo_the_url(tmp_path: Path) -> None:
    journal = tmp_path / "j.db"
    missing = run("bulk", "send", "-j", str(journal), "--to-file", "x.txt", "-t", "Hi", env={"SMSGATE_URL": ""})
    assert missing.exit_code == 2
    bad = run("bulk", "send", "-j", str(journal), "--to-file", "x.txt", "-t", "Hi", "--url", f"nosuch://a:{SECRET}@")
    assert bad.exit_code == 2
    assert SECRET not in bad.output
    assert run("bulk", "report", str(tmp_path / "none.db")).exit_code == 2


def test_progress_bar_shows_sent_rejected_unknown_and_rate(smsgate_emulator: Any, tmp_path: Path) -> None:
    """The bar is drawn on a terminal only; drive it with a forced-terminal console."""
    import asyncio

    from rich.console import Console

    import smsgate
    from smsgate._campaign import Campaign
    from smsgate._cli_bulk import _run

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    gateway = smsgate.AsyncGateway.from_url(url(smsgate_emulator))
    with Campaign(gateway, tmp_path / "j.db", text="Hi") as campaign:
        campaign.load([f"+38050{i:07d}" for i in range(120)] + ["nope"])
        summary = asyncio.run(_run(campaign, gateway, 121, console, True))
    assert summary.status == "done"
    text = out.getvalue()
    assert "sending" in text
    assert "sent 120" in text
    assert "rejected 1" in text
    assert "unknown 0" in text
    assert "/s" in text


def test_report_names_the_runner_holding_the_journal(smsgate_emulator: Any, tmp_path: Path) -> None:
    import os
    import socket

    import smsgate
    from smsgate._campaign import Campaign

    journal = tmp_path / "j.db"
    with (
        smsgate.Gateway.from_url(url(smsgate_emulator)) as gateway,
        Campaign(gateway, journal, text="Hi") as campaign,
    ):
        campaign.load(["+380500000001"])
        busy = run("bulk", "report", str(journal))
    assert busy.exit_code == 0, busy.output
    assert f"being run now by process {os.getpid()} on host {socket.gethostname()}" in busy.output
    free = run("bulk", "report", str(journal))
    assert "being run now" not in free.output


def test_csv_with_an_unterminated_quote_is_refused_naming_its_line(smsgate_emulator: Any, tmp_path: Path) -> None:
    """A stray quote must not swallow the rest of the file into one recipient's text and send it."""
    people = tmp_path / "people.csv"
    people.write_text(
        'phone,text\n+380500000001,Hi Ann\n+380500000002,"Hi Bob\n+380500000003,Hi Cid\n+380500000004,Hi Dee\n',
        encoding="utf-8",
    )
    journal = tmp_path / "j.db"
    env = {"SMSGATE_URL": url(smsgate_emulator)}
    result = run("bulk", "send", "--journal", str(journal), "--csv", str(people), env=env)
    assert result.exit_code == 2, result.output
    assert "line 3" in result.output and "quote" in result.output
    assert not smsgate_emulator.letsads.messages  # nothing sent
    # A resume without the input does not send a half-loaded journal either.
    resumed = run("bulk", "send", "--journal", str(journal), env=env)
    assert resumed.exit_code == 2, resumed.output
    assert "--csv" in resumed.output
    assert not smsgate_emulator.letsads.messages
    # Fixed, the same command loads the rest and sends everyone once.
    people.write_text(
        'phone,text\n+380500000001,Hi Ann\n+380500000002,"Hi Bob"\n+380500000003,Hi Cid\n+380500000004,Hi Dee\n',
        encoding="utf-8",
    )
    fixed = run("bulk", "send", "--journal", str(journal), "--csv", str(people), env=env)
    assert fixed.exit_code == 0, fixed.output
    texts = sorted(m.text for m in smsgate_emulator.letsads.messages.values())
    assert texts == ["Hi Ann", "Hi Bob", "Hi Cid", "Hi Dee"]


def test_bulk_names_the_account_as_send_does(smsgate_emulator: Any, tmp_path: Path) -> None:
    """One way to say which account across the CLI: -p PROVIDER with SMSGATE_<PROVIDER>_* variables."""
    smsgate_emulator.letsads.add_account(login="380509999999", password=SECRET, balance="1000", senders=["Sender"])
    env = {
        "SMSGATE_LETSADS_LOGIN": "380509999999",
        "SMSGATE_LETSADS_PASSWORD": SECRET,
        "SMSGATE_LETSADS_BASE_URL": str(smsgate_emulator.base_url("letsads")),
    }
    to = tmp_path / "to.txt"
    to.write_text("+380500000001\n+380500000002\n", encoding="utf-8")
    journal = tmp_path / "j.db"
    args = (
        "bulk",
        "send",
        "-p",
        "letsads",
        "--journal",
        str(journal),
        "--to-file",
        str(to),
        "-t",
        "Hi",
        "-s",
        "Sender",
    )
    result = run(*args, env=env)
    assert result.exit_code == 0, result.output
    assert len(smsgate_emulator.letsads.messages) == 2
    assert SECRET not in result.output
    # The same variables missing: a usage error that says what to give, never a traceback.
    missing = run("bulk", "send", "-p", "smsclub", "--journal", str(tmp_path / "k.db"), "--to-file", str(to), "-t", "x")
    assert missing.exit_code == 2, missing.output
    assert "SMSGATE_SMSCLUB_TOKEN" in missing.output and "--url" in missing.output
