"""A real PostgreSQL server for the tests of the PostgreSQL journal.

``SMSGATE_TEST_POSTGRES_URL`` (a superuser DSN) is used when given. Otherwise the session starts its own server
from the installed binaries (``initdb`` + ``pg_ctl``; as root through ``runuser -u postgres``) in a temporary
directory, on a free loopback port, with password authentication over TCP. Each test gets a database of its
own. A machine without PostgreSQL skips these tests with the reason; under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PASSWORD = "pg-Secr3t-pw"  # what the tests look for in logs, errors, reprs and CLI output


@dataclass(frozen=True)
class PgServer:
    """A running server: a superuser DSN (``postgresql://user:pw@127.0.0.1:port/db``) and its password."""

    dsn: str
    password: str

    def database(self, name: str) -> str:
        parts = urlsplit(self.dsn)
        return urlunsplit(parts._replace(path=f"/{name}"))


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    given = os.environ.get("SMSGATE_TEST_POSTGRES_URL")
    if given:
        yield PgServer(given, urlsplit(given).password or "")
        return
    bindir = _binaries()
    if bindir is None:
        _unavailable("no initdb/pg_ctl found (install the postgresql package or set SMSGATE_TEST_POSTGRES_URL)")
        return
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    workdir = Path(tempfile.mkdtemp(prefix="smsgate-pg-"))
    if as_root:
        shutil.chown(workdir, "postgres")
    data = workdir / "data"
    pwfile = workdir / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if as_root:
        shutil.chown(pwfile, "postgres")
    run = {"capture_output": True, "text": True, "timeout": 120, "check": False}
    init = subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "smsgate",
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        **run,  # type: ignore[call-overload]
    )
    if init.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        _unavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
        return
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={workdir} -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    start = subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"],
        **run,  # type: ignore[call-overload]
    )
    if start.returncode != 0:
        log = (workdir / "log").read_text(errors="replace")[-1000:] if (workdir / "log").exists() else ""
        shutil.rmtree(workdir, ignore_errors=True)
        _unavailable(f"pg_ctl start failed: {start.stderr.strip()[-500:]} {log}")
        return
    try:
        yield PgServer(f"postgresql://smsgate:{PASSWORD}@127.0.0.1:{port}/postgres", PASSWORD)
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], **run)  # type: ignore[call-overload]
        shutil.rmtree(workdir, ignore_errors=True)


_databases = itertools.count()


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> Iterator[str]:
    """A DSN to an empty database of this test's own (dropped afterwards)."""
    import psycopg

    name = f"smsgate_test_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(pg_server.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_server.database(name)
    finally:
        with psycopg.connect(pg_server.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
