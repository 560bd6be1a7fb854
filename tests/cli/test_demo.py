"""`smsgate demo` as a short story (issue 11, item 8): four chapters, every check real, the verdict in the exit code."""

from __future__ import annotations

import re
import subprocess

import pytest

pytest.importorskip("typer")

from smsgate._cli import _demo, _demo_story
from smsgate._cli._demo_run import Story
from tests.cli._support import ROOT, SEED, clean_environ, run, smsgate_command

SECRETS = [v for account in SEED.values() for k, v in account.items() if k in ("password", "token")]
TITLES = (
    "1. One code path, four providers",
    "2. A campaign killed mid-run, then resumed",
    "3. A lost reply: unknown, then reconciled",
    "4. A validation error sends nothing",
)


def test_demo_tells_the_story_in_a_screenful() -> None:
    """The README's first command as CI runs it: the real `smsgate` process, no terminal, no network."""
    proc = subprocess.run(
        [*smsgate_command(), "demo"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_environ(),
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "\x1b[" not in out  # no colour codes without a terminal
    assert re.search(r"^demo passed: \d+ checks in [\d.]+ s", out, re.M), out
    for title in TITLES:
        assert title in out
    for provider in ("LetsAds", "SMSLeads", "SMSClub", "SMSC"):
        assert re.search(rf"^\s+{provider}\s+2 of 2\s+delivered, undelivered", out, re.M), (provider, out)
    assert "kill -9 after" in out
    assert "(0 sent twice, 0 missing)" in out
    assert "-> unknown, unknown, unknown" in out
    assert "-> accepted, accepted, accepted" in out
    assert "smsgate.ValidationError" in out and "received 0 requests" in out
    assert "[ok]" not in out  # the checks are not the story: --verbose lists them
    assert len(out.splitlines()) <= 30  # read in half a minute
    for secret in SECRETS:
        assert secret not in out + proc.stderr


def test_verbose_lists_every_check() -> None:
    result = run(["demo", "--verbose"])
    assert result.exit_code == 0, result.output
    total = int(re.search(r"demo passed: (\d+) checks", result.stdout).group(1))  # type: ignore[union-attr]
    listed = [line for line in result.stdout.splitlines() if line.strip().startswith("[ok]")]
    assert len(listed) == total >= 15
    assert any("nobody sent twice, nobody missing" in line for line in listed)
    assert any("nothing sent, nothing charged" in line for line in listed)


def _failing(story: Story) -> None:
    story.check("a check that does not hold", False, "on purpose")


def _crashing(story: Story) -> None:
    raise RuntimeError("boom")


def test_a_failed_check_fails_the_demo_and_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_demo, "CHAPTERS", (("Broken on purpose", _failing), *_demo_story.CHAPTERS[3:]))
    result = run(["demo"])
    assert result.exit_code == 1, result.output
    assert "[FAILED] a check that does not hold (on purpose)" in result.stdout
    assert "demo FAILED: 1 of " in result.stdout
    assert "Broken on purpose: a check that does not hold" in result.stdout


def test_a_crashing_chapter_fails_the_demo_and_the_others_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_demo, "CHAPTERS", (("Crashes", _crashing), *_demo_story.CHAPTERS[3:]))
    result = run(["demo", "--verbose"])
    assert result.exit_code == 1, result.output
    assert "RuntimeError: boom" in result.stdout
    assert "[ok] nothing sent, nothing charged" in result.stdout  # chapter 4 ran after the crash
