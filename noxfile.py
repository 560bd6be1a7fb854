"""Sessions: codegen, codegen_check, lint, typecheck, tests, bench, demo.

`nox -s tests` is the test command of the README and of `.ci/run`.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["codegen_check", "lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

PYTHON = "3.11"
SOURCES = ["sdk", "generated", "codegen", "tests", "bench", "noxfile.py"]


@nox.session(python=PYTHON)
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from schemas/ with the pinned generators."""
    session.install("-e", ".[codegen]")
    session.run("python", "-m", "codegen")


@nox.session(python=PYTHON)
def codegen_check(session: nox.Session) -> None:
    """Fail when generated/ differs from what schemas/ produce."""
    session.install("-e", ".[codegen]")
    session.run("python", "-m", "codegen", "--check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff==0.17.5")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on sdk/, generated/ and codegen/."""
    session.install("-e", ".[cli,typecheck]")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite: sync and async clients against the emulator over loopback."""
    # The codegen extra too: tests exercise the manifest reader and the pinned generators.
    session.install("-e", ".[cli,test,codegen]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against the emulator, as ratios to raw httpx measured in the same run (not a test)."""
    session.install("-e", ".[cli]")
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Install smsgate with its CLI and run `smsgate demo` against the embedded emulator."""
    session.install("-e", ".[cli]")
    session.run("smsgate", "demo", *session.posargs)
