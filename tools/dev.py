#!/usr/bin/env python3
"""Run smsgate's nox sessions on a fresh machine with nothing but Python 3.11+.

    python3 tools/dev.py demo      # install smsgate with its CLI and run `smsgate demo`
    python3 tools/dev.py tests     # the whole test suite
    python3 tools/dev.py check     # what CI runs: codegen_check, lint, typecheck, wheel, docs, tests
    python3 tools/dev.py nox ...   # any nox command line (e.g. `nox -l`)

Anything after the command goes to nox (``tests --envdir /tmp/envs -- -k letsads``). nox itself is
installed into a private virtualenv (``.nox/.bootstrap/``), never into the Python that runs this script, so
it works with a distribution's externally managed ``python3`` (PEP 668) as well as with pyenv or python.org
builds, and without pipx. The sessions then build their own virtualenvs under ``.nox/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / ".nox" / ".bootstrap"
NOX = "nox==2026.10.20"
MIN_PYTHON = (3, 11)
COMMANDS = {
    "demo": ["-s", "demo"],
    "tests": ["-s", "tests"],
    "test": ["-s", "tests"],
    "check": [],  # nox's default sessions (noxfile.py: nox.options.sessions)
    "nox": None,  # a raw nox command line
}


def _python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _stamp() -> dict[str, str]:
    """What the bootstrap virtualenv was made from: rebuilt when the Python or the nox pin changes."""
    return {"python": sys.executable, "version": sys.version, "nox": NOX}


def bootstrap() -> Path:
    """The bootstrap virtualenv's interpreter, with the pinned nox installed (created on first use)."""
    stamp_file = BOOTSTRAP / "smsgate-bootstrap.json"
    python = _python(BOOTSTRAP)
    try:
        if python.exists() and json.loads(stamp_file.read_text(encoding="utf-8")) == _stamp():
            return python
    except (OSError, ValueError):
        pass
    print(f"dev.py: creating {BOOTSTRAP.relative_to(ROOT)} with {NOX} (Python {sys.version.split()[0]})", flush=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(BOOTSTRAP)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(
            f"dev.py: could not create a virtualenv with {sys.executable} ({exc}).\n"
            "On Debian/Ubuntu install the venv module first: sudo apt install python3-venv"
        ) from None
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", NOX]
    if subprocess.call(pip) != 0:
        raise SystemExit(f"dev.py: `pip install {NOX}` failed in {BOOTSTRAP}")
    stamp_file.write_text(json.dumps(_stamp()), encoding="utf-8")
    return python


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        need = ".".join(map(str, MIN_PYTHON))
        print(f"dev.py: smsgate needs Python {need}+, this is {sys.version.split()[0]} ({sys.executable})")
        return 2
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in COMMANDS:
        print(__doc__)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    command, rest = argv[0], argv[1:]
    python = bootstrap()
    session = COMMANDS[command]
    args = [str(python), "-m", "nox", "--noxfile", str(ROOT / "noxfile.py"), *(session or []), *rest]
    try:
        return subprocess.call(args, cwd=ROOT)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
