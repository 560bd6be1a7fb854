"""What users install: the sdist and the wheel, and the wheel installed (not editable) in a clean virtualenv.

`nox -s wheel` builds both, installs the wheel and points these tests at it (``SMSGATE_DIST``,
``SMSGATE_WHEEL_VENV``); run alone, they build and install it themselves (about a minute: the dependencies
come from the package index or pip's cache).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
BIN = "Scripts" if sys.platform == "win32" else "bin"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the sdist and the wheel of this checkout."""
    given = os.environ.get("SMSGATE_DIST")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("smsgate-*.whl")
    return found


@pytest.fixture(scope="module")
def sdist(dist: Path) -> Path:
    (found,) = dist.glob("smsgate-*.tar.gz")
    return found


@pytest.fixture(scope="module")
def user_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clean virtualenv with the wheel (and its `cli` extra) installed: nothing from this checkout."""
    given = os.environ.get("SMSGATE_WHEEL_VENV")
    if given:
        yield Path(given)
        return
    target = tmp_path_factory.mktemp("user-venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    python = target / BIN / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[cli]"], check=True, capture_output=True)
    yield target


def run(venv_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command of the user's virtualenv, run outside the checkout so nothing of it can be imported."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"} and not k.startswith("SMSGATE_")
    }
    env["PATH"] = os.pathsep.join([str(venv_dir / BIN), env.get("PATH", "")])
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "smsgate/py.typed" in names
    assert "smsgate_generated/py.typed" in names  # without it every client is Any for mypy
    assert f"smsgate-{VERSION}.dist-info/licenses/LICENSE" in names
    for schema in ("letsads/letsads.xsd", "smsleads/smsleads.xsd", "smsclub/smsclub.schema.json"):
        assert f"smsgate_generated/{schema}" in names
    assert not [n for n in names if n.startswith("tests/")]


def test_sdist_contents(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for needed in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "noxfile.py", "tools/dev.py"):
        assert needed in names, needed
    assert "generated/smsgate_generated/py.typed" in names


def test_license_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")


def test_changelog_has_this_version() -> None:
    assert f"## [{VERSION}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_installed_from_the_wheel(user_venv: Path, tmp_path: Path) -> None:
    script = (
        "import smsgate, smsgate_generated;"
        "print(smsgate.__version__); print(smsgate.__file__); print(smsgate_generated.__file__)"
    )
    proc = run(user_venv, "python", "-c", script, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    version, sdk_file, generated_file = proc.stdout.split()
    assert version == VERSION
    for path in (sdk_file, generated_file):
        assert Path(path).resolve().is_relative_to(user_venv.resolve())


def test_smsgate_version(user_venv: Path, tmp_path: Path) -> None:
    """`smsgate --version` of the installed command prints the distribution's version."""
    proc = run(user_venv, "smsgate", "--version", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert VERSION in proc.stdout


def test_user_script_runs_on_the_wheel(user_venv: Path, tmp_path: Path) -> None:
    """The script CI type-checks against the wheel also runs on it, against the emulator the wheel ships."""
    proc = run(user_venv, "python", str(ROOT / "tests" / "typing" / "user_script.py"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith(f"smsgate {VERSION}: ok")
