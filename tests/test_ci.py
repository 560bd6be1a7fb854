"""The test command cannot pass without running tests, and the README's quick start is what CI runs.

The noxfile is run for real (``python -m nox``), with ``--no-venv`` where a session must get as far as
pytest: it then runs in this test environment instead of building a virtualenv.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def nox(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    env.pop("CI", None)
    command = [sys.executable, "-m", "nox", "--noxfile", str(ROOT / "noxfile.py"), "--envdir", str(tmp_path), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)


def test_a_missing_interpreter_fails_instead_of_skipping(tmp_path: Path) -> None:
    """It used to print "skipped" and exit 0 on a machine without the pinned Python 3.11."""
    proc = nox("-s", "tests", "--force-python", "3.99", tmp_path=tmp_path)
    assert proc.returncode != 0, proc.stderr
    assert "skipped" not in proc.stderr.lower()
    assert "3.99" in proc.stderr


def _old_python() -> str:
    """A working interpreter older than 3.11 (pyenv's shims may name one that is not active: tried first)."""
    candidates = [shutil.which(name) for name in ("python3.10", "python3.9")]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.10*/bin/python3"))]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.9*/bin/python3"))]
    for candidate in filter(None, candidates):
        check = "import sys; sys.exit(0 if sys.version_info < (3, 11) else 1)"
        if subprocess.run([candidate, "-c", check], capture_output=True, check=False).returncode == 0:
            return candidate
    pytest.skip("no Python older than 3.11 on this machine")


def test_an_old_python_fails_the_session(tmp_path: Path) -> None:
    proc = nox("-s", "lint", "--force-python", _old_python(), tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "smsgate needs Python 3.11+" in proc.stderr


def test_dev_refuses_an_old_python() -> None:
    proc = subprocess.run([_old_python(), str(ROOT / "tools" / "dev.py"), "tests"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "smsgate needs Python 3.11+" in proc.stdout


def test_sessions_run_on_the_python_at_hand(tmp_path: Path) -> None:
    proc = nox("--list", "--json", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '"python": null' in proc.stdout  # no pinned version: the interpreter running nox (3.11+)


def test_no_test_ran_fails(tmp_path: Path) -> None:
    proc = nox("-s", "tests", "--no-venv", "--", "-k", "no_such_test_anywhere", "tests/test_ci.py", tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "pytest ran no test" in proc.stderr


def test_tests_ran_are_counted(tmp_path: Path) -> None:
    target = "tests/sdk/test_options.py::test_env_var_names"
    proc = nox("-s", "tests", "--no-venv", "--", target, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pytest ran 1 tests" in proc.stderr


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()]


def test_readme_quick_start_is_two_bootstrap_commands() -> None:
    """Two commands, run by the distribution's `python3` (PEP 668: nothing is pip-installed into it)."""
    commands = _quick_start()
    assert commands == ["python3 tools/dev.py demo", "python3 tools/dev.py tests"]
    assert "pip install" not in " ".join(commands)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _quick_start()[1]
    assert re.search(rf"^{re.escape(test_command)}\b", ci, re.MULTILINE)
    assert "pip install" not in ci  # nothing goes into the system Python


def test_dev_refuses_an_unknown_command() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "dev.py"), "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "python3 tools/dev.py tests" in proc.stdout
