"""A throw-away PostgreSQL server for tests and benchmarks: ``initdb`` + ``pg_ctl`` from the installed binaries.

::

    with TempPostgres() as server:        # PgUnavailableError when the binaries are missing or fail
        dsn = server.dsn                  # postgresql://smsgate:<password>@127.0.0.1:<port>/postgres

The cluster lives in a temporary directory, listens on a free loopback port only, and asks for a password
over TCP (SCRAM). Run as root, the server runs as the ``postgres`` user (``runuser -u postgres``), since
PostgreSQL refuses to run as root. Unless ``durable=True`` it does not fsync: it exists for one session.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

__all__ = ["PgUnavailableError", "TempPostgres", "postgres_bindir"]


class PgUnavailableError(RuntimeError):
    """No PostgreSQL server can be started here (binaries missing, initdb or pg_ctl failed)."""


def postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (Debian, Ubuntu), else wherever ``initdb`` is on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: _version(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """Start a server on `start` (or ``with``), stop it and delete its files on `stop`."""

    def __init__(self, password: str | None = None, *, user: str = "smsgate", durable: bool = False) -> None:
        self.password = password or secrets.token_urlsafe(12)
        self.user = user
        #: False (tests): fsync, synchronous commits and full-page writes off. True (benchmarks): the defaults.
        self.durable = durable
        self.port = 0
        self._workdir: Path | None = None
        self._prefix: list[str] = []
        self._bindir: Path | None = None

    @property
    def dsn(self) -> str:
        """A superuser DSN to the ``postgres`` database (holds the password: do not print it)."""
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/postgres"

    def start(self) -> TempPostgres:
        bindir = postgres_bindir()
        if bindir is None:
            raise PgUnavailableError("no initdb/pg_ctl found (install the postgresql package)")
        self._bindir = bindir
        as_root = os.geteuid() == 0
        self._prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        # As root the server runs as `postgres`, which must reach its folder: not under a private TMPDIR (nox
        # points TMPDIR into the checkout, which a CI clone made by `mktemp -d` keeps 0700).
        workdir = Path(tempfile.mkdtemp(prefix="smsgate-pg-", dir="/tmp" if as_root else None))  # noqa: S108 unique, 0700
        self._workdir = workdir
        pwfile = workdir / "pw"
        pwfile.write_text(self.password + "\n")
        if as_root:
            shutil.chown(workdir, "postgres")
            shutil.chown(pwfile, "postgres")
        data = workdir / "data"
        init = self._run(
            "initdb", "-D", str(data), "-U", self.user, f"--pwfile={pwfile}", "--auth-host=scram-sha-256",
            "--auth-local=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        if init.returncode != 0:
            self.stop()
            raise PgUnavailableError(f"initdb failed: {init.stderr.strip()[-500:]}")
        self.port = _free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={workdir}"
        options += " -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = workdir / "log"
        started = self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
        if started.returncode != 0:
            tail = log.read_text(errors="replace")[-1000:] if log.exists() else ""
            self.stop()
            raise PgUnavailableError(f"pg_ctl start failed: {started.stderr.strip()[-500:]} {tail}")
        return self

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        assert self._bindir is not None
        # In its own work directory: run as `postgres`, a tool cannot start in a caller's private folder (a CI
        # clone made by `mktemp -d` is 0700 root).
        return subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
            [*self._prefix, str(self._bindir / tool), *args],
            cwd=self._workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def stop(self) -> None:
        if self._workdir is None:
            return
        data = self._workdir / "data"
        if (data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"TempPostgres(port={self.port})"
