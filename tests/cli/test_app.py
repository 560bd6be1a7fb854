"""The application itself: --version and shell completion (issue 11, items 4 and 7)."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

pytest.importorskip("typer")

from smsgate import _cli
from tests.cli._support import ROOT, clean_environ, creds, run, smsgate_command


def test_version_prints_the_installed_distributions_version() -> None:
    result = run(["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"smsgate {version('smsgate')}"


def test_show_completion_prints_a_bash_completion_script() -> None:
    result = run(["--show-completion", "bash"])
    assert result.exit_code == 0, result.output
    assert "_SMSGATE_COMPLETE=complete_bash" in result.stdout
    assert "complete " in result.stdout and "smsgate" in result.stdout


def _complete(words: str, tmp_path: Path) -> list[str]:
    """What bash completion offers for `words` (as the installed script asks the real program)."""
    env = clean_environ()
    env.update(
        {"_SMSGATE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    )
    env["HOME"] = str(tmp_path)
    proc = subprocess.run(smsgate_command(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_completion_offers_the_commands_and_options(tmp_path: Path) -> None:
    assert {"send", "status", "balance", "validate", "demo", "emulator", "bulk"} <= set(_complete("smsgate ", tmp_path))
    assert "send" in _complete("smsgate se", tmp_path)
    assert "--base-url" in _complete("smsgate balance --base", tmp_path)


def test_install_completion_writes_the_script_for_bash(tmp_path: Path) -> None:
    env = clean_environ()
    env.update({"HOME": str(tmp_path), "SHELL": "/bin/bash"})
    proc = subprocess.run(
        [*smsgate_command(), "--install-completion", "bash"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    scripts = list(tmp_path.rglob("smsgate*"))
    assert scripts, list(tmp_path.rglob("*"))
    assert any("_SMSGATE_COMPLETE" in p.read_text("utf-8") for p in scripts if p.is_file())
    assert "smsgate" in (tmp_path / ".bashrc").read_text("utf-8")


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
