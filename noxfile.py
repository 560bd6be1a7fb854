"""Sessions: codegen, codegen_check, lint, typecheck, wheel, docs, tests, bench, demo.

``python3 tools/dev.py tests`` (the README's test command, and `.ci/run`'s) runs ``nox -s tests`` from a
bootstrap virtualenv. Every session runs in a fresh virtualenv of the Python that runs nox, which must be
3.11 or newer: a session never reports "skipped" for want of an interpreter, it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.sessions = ["codegen_check", "lint", "typecheck", "wheel", "docs", "tests"]
nox.options.reuse_venv = "yes"
# A missing interpreter (e.g. `--force-python 3.13` where there is none) is an error, never a silent skip.
nox.options.error_on_missing_interpreters = True
nox.options.error_on_external_run = True

ROOT = Path(__file__).resolve().parent
MIN_PYTHON = (3, 11)
SOURCES = ["sdk", "generated", "codegen", "tests", "bench", "tools", "noxfile.py"]
MYPY = "mypy==2.4.1"
BASEDPYRIGHT = "basedpyright==1.40.2"
#: Least share of smsgate's exported symbols whose type a checker knows (`--verifytypes`).
MIN_TYPE_COMPLETENESS = 0.98

if sys.version_info < MIN_PYTHON:  # pragma: no cover - the message is the point
    raise SystemExit(
        f"smsgate needs Python {'.'.join(map(str, MIN_PYTHON))}+; nox runs on {sys.version.split()[0]} "
        f"({sys.executable}). Run it with a newer python3."
    )


def _check_python(session: nox.Session) -> None:
    """Fail (not skip) when the session's interpreter is older than smsgate supports."""
    check = f"import sys; sys.exit(0 if sys.version_info >= {MIN_PYTHON!r} else 1)"
    try:
        session.run("python", "-c", check, silent=True)
    except nox.command.CommandFailed:
        session.error(f"smsgate needs Python {'.'.join(map(str, MIN_PYTHON))}+ (session interpreter: {session.python})")


def _install(session: nox.Session, *args: str) -> None:
    """Install into the session's virtualenv; with ``--no-venv`` the current environment must hold it all."""
    if session.venv_backend == "none":
        session.log(f"--no-venv: not installing {' '.join(args)}")
        return
    session.install(*args)


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from schemas/ with the pinned generators."""
    _check_python(session)
    session.install("-e", ".[codegen]")
    session.run("python", "-m", "codegen")


@nox.session
def codegen_check(session: nox.Session) -> None:
    """Fail when generated/ differs from what schemas/ produce."""
    _check_python(session)
    session.install("-e", ".[codegen]")
    session.run("python", "-m", "codegen", "--check")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    _check_python(session)
    session.install("ruff==0.17.5")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on sdk/, generated/ and codegen/ (pyproject's [tool.mypy]), then on tests/ and tools/."""
    _check_python(session)
    session.install("-e", ".[cli,typecheck,test]")
    session.run("mypy")
    session.run("mypy", "--strict", "tests", "tools")


@nox.session
def wheel(session: nox.Session) -> None:
    """What users install: build sdist and wheel, `twine check` them, install the wheel (not editable) into a
    clean virtualenv and type-check a user's script against it (mypy --strict --disallow-any-expr, and
    basedpyright --verifytypes smsgate >= 98% known), then run tests/test_artifact.py on that install."""
    _check_python(session)
    session.install("build", "twine", MYPY, BASEDPYRIGHT, "pytest>=8", "pytest-asyncio>=0.24")
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
    built = sorted(str(p) for p in dist.iterdir())
    session.run("twine", "check", "--strict", *built)
    (wheel_file,) = dist.glob("*.whl")

    # A user's virtualenv: the wheel and its dependencies, nothing from this checkout.
    user = tmp / "user-venv"
    shutil.rmtree(user, ignore_errors=True)
    session.run("python", "-m", "venv", str(user))
    bindir = user / ("Scripts" if sys.platform == "win32" else "bin")
    user_python = str(bindir / "python")
    session.run(user_python, "-m", "pip", "install", "--quiet", f"{wheel_file}[cli]", external=True)

    # Checked from a scratch folder: no pyproject config, no source tree on the path, only the install.
    scratch = tmp / "user-script"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    shutil.copy(ROOT / "tests" / "typing" / "user_script.py", scratch / "user_script.py")
    with session.chdir(scratch):
        session.run(
            "mypy",
            "--python-executable",
            user_python,
            "--strict",
            "--disallow-any-expr",
            "--no-incremental",
            "user_script.py",
        )
        # basedpyright resolves `smsgate` through the first `python` on PATH, so that must be the user's
        # virtualenv; session.run would put this session's virtualenv first, hence a plain subprocess.
        env = {**os.environ, "VIRTUAL_ENV": str(user), "PATH": os.pathsep.join([str(bindir), os.environ["PATH"]])}
        command = [str(Path(session.bin) / "basedpyright"), "--verifytypes", "smsgate", "--ignoreexternal"]
        session.log(" ".join(command[1:]) + " (on the wheel's install)")
        report = subprocess.run([*command, "--outputjson"], env=env, capture_output=True, text=True, check=False).stdout
        _check_completeness(session, report)
    session.run(
        "pytest",
        str(ROOT / "tests" / "test_artifact.py"),
        env={"SMSGATE_WHEEL_VENV": str(user), "SMSGATE_DIST": str(dist)},
    )


def _check_completeness(session: nox.Session, output: str) -> None:
    try:
        completeness = json.loads(output)["typeCompleteness"]
    except (ValueError, KeyError):
        session.error(f"basedpyright --verifytypes: unreadable report:\n{output[:2000]}")
    score = float(completeness["completenessScore"])
    known = completeness["exportedSymbolCounts"]["withKnownType"]
    total = sum(completeness["exportedSymbolCounts"].values())
    session.log(f"basedpyright --verifytypes smsgate: {score:.1%} known ({known} of {total} exported symbols)")
    if score < MIN_TYPE_COMPLETENESS:
        for symbol in completeness.get("symbols", []):
            for diagnostic in symbol.get("diagnostics", []):
                if diagnostic.get("severity") == "error":
                    session.log(f"  {symbol['name']}: {diagnostic['message']}")
        session.error(f"type completeness {score:.1%} is below {MIN_TYPE_COMPLETENESS:.0%}")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site (MkDocs, mkdocs.yml): a strict build, every warning an error.

    Its examples are run by the tests (tests/docs/)."""
    _check_python(session)
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(Path(session.create_tmp()).resolve() / "site"))


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite: sync and async clients against the emulator over loopback.

    Fails when pytest ran no test at all (nothing collected, everything deselected or skipped)."""
    _check_python(session)
    # The codegen extra too: tests exercise the manifest reader and the pinned generators.
    _install(session, "-e", ".[cli,test,codegen]")
    junit = Path(session.create_tmp()).resolve() / "junit.xml"
    junit.unlink(missing_ok=True)
    session.run("pytest", f"--junitxml={junit}", *session.posargs, success_codes=[0, 5])
    ran = tests_run(junit)
    if ran == 0:
        session.error("pytest ran no test")
    session.log(f"pytest ran {ran} tests")


def tests_run(junit: Path) -> int:
    """Tests pytest ran (collected, neither skipped nor deselected), from its JUnit XML report."""
    if not junit.is_file():
        return 0
    root = ET.parse(junit).getroot()  # noqa: S314 - our own pytest's report
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    return sum(int(s.get("tests", 0)) - int(s.get("skipped", 0)) for s in suites)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the emulator, as ratios to raw httpx measured in the same run (not a test)."""
    _check_python(session)
    session.install("-e", ".[cli,postgres]")  # postgres: bench/workers.py
    session.run("python", "-m", "bench", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Install smsgate with its CLI and run `smsgate demo` against the embedded emulator."""
    _check_python(session)
    session.install("-e", ".[cli]")
    session.run("smsgate", "demo", *session.posargs)
