"""Every code block of the README and of docs/ runs against the emulator, and its output comments are checked.

- ``python`` blocks are executed in a fresh namespace, in a temporary working directory, with the clients'
  base URLs pointed at a running emulator through the documented environment variables
  (``SMSGATE_<PROVIDER>_BASE_URL``), and the emulator holding the accounts the documentation names.
- ``bash`` blocks run line by line: ``smsgate …`` commands through the installed CLI, ``export``
  lines into the environment of the lines after them, ``printf '…' > FILE`` lines write the example's input
  file; installation commands (``pip``, ``python3 -m venv``, the quick start, which CI runs itself) are the
  only lines not run here.
- An output comment is ``# prints: EXPECTED`` on a ``print(...)`` line: every line that print writes must
  match EXPECTED, where ``...`` stands for any text. A comment on a ``print(...)`` line that is not an
  output comment fails the test: documented output is either checked or not claimed.
- A block that cannot run here (it needs a PostgreSQL server) says so on the line above it,
  ``<!-- docs-test: skip REASON -->``, and is reported as skipped with that reason.
- The examples use the credentials ``...`` and the sender ``Shop``: the emulator is seeded with them
  (``_docs_seed``); a documented pytest ``test_*`` function is called with a default-seeded emulator, as the
  ``smsgate_emulator`` fixture gives it.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import os
import re
import shlex
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smsgate.emulator import DEFAULT_SEED, Emulator

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(?P<lang>[a-z]*)[^\n]*\n(?P<code>.*?)^```", re.M | re.S)
PRINTS = "prints:"
#: The one way to leave a block unrun, visible on the page's source and reported as a skip with its reason.
SKIP = re.compile(r"<!-- docs-test: skip (?P<reason>.+?) -->")
#: Commands of the installation and the quick start: CI runs them as such (the quick start is its test command).
INSTALL = re.compile(r"^\s*(pip |python3? -m (pip|venv)|\./|python3? [\w./-]+\.py|pipx |git clone|cd )")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    #: Why the block is not run, from a ``<!-- docs-test: skip REASON -->`` line right above it.
    skip: str | None = None

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks() -> Iterator[Block]:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m["lang"] in ("python", "py", "bash", "sh", "console"):
                above = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
                skip = SKIP.fullmatch(above.strip())
                line = text.count("\n", 0, m.start()) + 1
                yield Block(page, line, m["lang"], m["code"], skip["reason"] if skip else None)


BLOCKS = list(_blocks())
PYTHON = [b for b in BLOCKS if b.lang in ("python", "py")]
SHELL = [b for b in BLOCKS if b.lang in ("bash", "sh", "console")]


def _docs_seed() -> dict[str, object]:
    """The built-in seed, plus the accounts the documentation writes (passwords elided as "...")."""
    seed: dict[str, Any] = copy.deepcopy(dict(DEFAULT_SEED))
    letsads = seed["letsads"]["accounts"][0]  # login 380501234567
    letsads["password"] = "..."
    letsads["senders"].append("Shop")
    johndoe = seed["smsleads"]["accounts"][0]
    johndoe["tokens"][-1]["token"] = "..."  # the newest token: the one that works
    johndoe["sources"].append("Shop")
    club = seed["smsclub"]["accounts"][0]
    club["token"] = "..."
    club["originators"].append("Shop")
    smsc = seed["smsc"]["accounts"]
    smsc.insert(0, {**copy.deepcopy(smsc[0]), "login": "mylogin", "password": "...", "apikey": "..."})
    smsc[0]["senders"].append("Shop")
    return seed


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=_docs_seed(), clock_speed=0) as emu:  # a frozen clock: the statuses shown stay put
        yield emu


@pytest.fixture(scope="module")
def default_emulator() -> Iterator[Emulator]:
    """The built-in seed, for documented pytest tests (they use the accounts of the emulator's page)."""
    with Emulator(seed=None, clock_speed=0) as emu:
        yield emu


@pytest.fixture
def docs_env(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    emulator.reset()
    monkeypatch.chdir(tmp_path)
    env = {f"SMSGATE_{p.upper()}_BASE_URL": emulator.base_url(p) for p in emulator.providers}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _output_comments(code: str) -> dict[int, str]:
    """Line number (1-based, in the block) -> the comment on a line that calls print."""
    found: dict[int, str] = {}
    lines = code.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            row = tok.start[0]
            if re.match(r"\s*print\(", lines[row - 1]):
                found[row] = tok.string.lstrip("#").strip()
    return found


def _matches(pattern: str, text: str) -> bool:
    parts = [re.escape(p) for p in pattern.split("...")]
    return re.fullmatch(".*?".join(parts), text, re.S) is not None


@pytest.mark.parametrize("block", PYTHON, ids=[b.id for b in PYTHON])
def test_python_example(block: Block, docs_env: dict[str, str], default_emulator: Emulator) -> None:
    if block.skip:
        pytest.skip(block.skip)
    comments = _output_comments(block.code)
    claims = {row: c[len(PRINTS) :].strip() for row, c in comments.items() if c.startswith(PRINTS)}
    loose = {row: c for row, c in comments.items() if not c.startswith(PRINTS)}
    assert not loose, f"{block.id}: comments on print lines must be '# {PRINTS} …' output claims: {loose}"
    printed: dict[int, list[str]] = {}

    def record_print(*args: object, sep: str = " ", end: str = "\n", file: object = None, flush: bool = False) -> None:
        frame = sys._getframe(1)
        out = sep.join(map(str, args))
        if frame.f_code.co_filename == block.id:
            printed.setdefault(frame.f_lineno, []).append(out)

    namespace: dict[str, object] = {"__name__": "__docs__", "print": record_print}
    compiled = compile(block.code, block.id, "exec")
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compiled, namespace)  # noqa: S102 the documentation's own code, run as a reader would
        # A documented pytest test is run too, with the emulator fixture it asks for.
        for name, test in list(namespace.items()):
            if name.startswith("test_") and callable(test):
                default_emulator.reset()
                test(**{p: default_emulator for p in inspect.signature(test).parameters})
    for row, expected in claims.items():
        outs = printed.get(row)
        assert outs, f"{block.id}:{row} never printed (expected {expected!r})"
        for out in outs:
            assert _matches(expected, out), f"{block.id}:{row}: printed {out!r}, the page says {expected!r}"


#: The PostgreSQL location the docs write; a shell example naming it runs against a real server instead.
DOCS_DSN = "postgresql://app:DBPASS@db.internal/smsgate"


@pytest.fixture(scope="module")
def postgres_dsn() -> Iterator[str]:
    """A real PostgreSQL server (as tests/postgres starts one) for the examples of several machines."""
    given = os.environ.get("SMSGATE_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    from smsgate._pg_server import PgUnavailableError, TempPostgres

    server = TempPostgres()
    try:
        server.start()
    except PgUnavailableError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the PostgreSQL examples cannot run in CI: {exc}", pytrace=False)
        pytest.skip(f"the PostgreSQL examples need a PostgreSQL server: {exc}")
    try:
        yield server.dsn
    finally:
        server.stop()


@pytest.mark.parametrize("block", SHELL, ids=[b.id for b in SHELL])
def test_shell_example(block: Block, docs_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if block.skip:
        pytest.skip(block.skip)
    code = block.code
    if DOCS_DSN in code:  # the campaign on several machines: the same commands on a real server
        code = code.replace(DOCS_DSN, request.getfixturevalue("postgres_dsn"))
    env = {**os.environ, **docs_env}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for raw in code.splitlines():
        line = raw.split("  #", 1)[0].strip()
        if not line or line.startswith("#") or INSTALL.match(line):
            continue
        words = shlex.split(line)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = value
            continue
        if words[0] == "printf" and words[-2] == ">":  # the example's input file
            Path(tmp_path, words[-1]).write_text(words[1].replace("\\n", "\n"), encoding="utf-8")
            continue
        assert words[0] == "smsgate", f"{block.id}: a shell example runs smsgate or installs it: {line!r}"
        if words[1:2] == ["emulator"]:
            _check_server_starts(block, words, env, tmp_path)
            continue
        proc = subprocess.run(words, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, f"{block.id}: {line!r} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"


def _check_server_starts(block: Block, words: list[str], env: dict[str, str], cwd: Path) -> None:
    """`smsgate emulator` serves until stopped: it must start and print the addresses the page promises."""
    if "--port" in words:  # the documented port may be taken here: any free one proves the same
        words[words.index("--port") + 1] = "0"
    proc = subprocess.Popen(words, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if "inbox" in line.lower() and "http://127.0.0.1:" in line:
                break
        assert any("http://127.0.0.1:" in line for line in seen), f"{block.id}: {words} printed {seen}"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # closes the pipe too


def test_python_examples_type_check(tmp_path: Path) -> None:
    """Every python block passes ``mypy --strict`` as the user's own script, against the installed smsgate."""
    pytest.importorskip("mypy", reason="mypy is in the test extra")
    files = []
    for n, block in enumerate(PYTHON):
        file = tmp_path / f"example_{n:02d}.py"
        file.write_text(block.code, encoding="utf-8")
        files.append((file, block))
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n", encoding="utf-8")  # not the project's config
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", str(tmp_path / ".cache")]
        + [f.name for f, _ in files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = proc.stdout
    for file, block in files:
        report = report.replace(file.name, block.id)
    assert proc.returncode == 0, report


@pytest.mark.parametrize("provider", sorted(p.name for p in (ROOT / "schemas").iterdir() if p.is_dir()))
def test_provider_page_includes_generated_error_table(provider: str) -> None:
    """Each provider's page shows its error table as `python -m codegen` writes it from errors.toml, not a copy."""
    page = (ROOT / "docs" / "providers" / f"{provider}.md").read_text(encoding="utf-8")
    assert f'--8<-- "generated/docs/{provider}-errors.md"' in page
    assert (ROOT / "generated" / "docs" / f"{provider}-errors.md").is_file()
