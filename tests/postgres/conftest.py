"""A real PostgreSQL server for the tests of the PostgreSQL journal.

``SMSGATE_TEST_POSTGRES_URL`` (a superuser DSN) is used when given. Otherwise the session starts its own server
from the installed binaries (``initdb`` + ``pg_ctl``; as root through ``runuser -u postgres``) in a temporary
directory, on a free loopback port, with password authentication over TCP. Each test gets a database of its
own. A machine without PostgreSQL skips these tests with the reason; under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
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


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    given = os.environ.get("SMSGATE_TEST_POSTGRES_URL")
    if given:
        yield PgServer(given, urlsplit(given).password or "")
        return
    from smsgate._pg_server import PgUnavailableError, TempPostgres

    server = TempPostgres(PASSWORD)
    try:
        server.start()
    except PgUnavailableError as exc:
        _unavailable(f"{exc} (or set SMSGATE_TEST_POSTGRES_URL)")
        return
    try:
        yield PgServer(server.dsn, PASSWORD)
    finally:
        server.stop()


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
