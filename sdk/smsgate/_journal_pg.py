"""The campaign journal in PostgreSQL: one campaign drained by any number of worker processes on any machines.

Location: ``postgresql://user:password@host:port/dbname#campaign-name`` (the fragment names the campaign;
``default`` without one). The password is a secret like a provider's: it never reaches a log line, an
exception, a repr or the CLI's output (`redact_dsn`).

The guarantees of the SQLite journal, for many runners at once:

* **Atomic claims.** A runner claims pending rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks them
  ``inflight`` (owner = its worker id, a fresh batch with a unique request key) in the same transaction,
  committed *before* the request leaves. Two runners never hold the same row.
* **Liveness.** Each runner registers as a worker and holds a session advisory lock on its id for the life
  of its connection (TCP keepalives on both sides, so a vanished machine is noticed in about half a
  minute). A runner that finds a worker's lock free knows that worker is gone (SIGKILL, crash, lost
  machine): it turns that worker's ``inflight`` rows into ``unknown`` — never back to pending — in one
  transaction holding the dead worker's lock.
* **Reconciliation after a grace period.** Batches with unknown rows are handed out for reconciliation
  only when their request left more than `grace` seconds ago (longer than the request timeout), one runner
  per batch at a time.

The I/O-free part (every statement and what to do with its result) is written once as generator "flows";
`PgJournal` runs them on a psycopg connection, `AsyncPgJournal` on an async one.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit, urlunsplit

from ._journal import Claim, Journal, JournalCounts, JournalError, JournalRow, Owner, Settlement
from ._redact import MASK, Redactor

__all__ = [
    "AsyncPgJournal",
    "JournalError",
    "PgJournal",
    "PgLocation",
    "is_pg_location",
    "redact_dsn",
]

from ._pg_flows import (
    ANALYZE_AFTER,
    COLUMNS,
    MAX_CHECKS,
    Flow,
    R,
    analyze_flow,
    awaiting_flow,
    batch_rows_flow,
    claim_flow,
    copy_flow,
    counts_flow,
    holder_flow,
    loaded_flow,
    meta_flow,
    open_flow,
    reap_flow,
    register_flow,
    resolve_flow,
    retry_flow,
    set_flow,
    settle_and_claim_flow,
    settle_flow,
    unknown_batches_flow,
    unregister_flow,
    workers_flow,
)

# -- locations and secrets --------------------------------------------------------------------------------


def is_pg_location(location: object) -> bool:
    """Whether a journal location names PostgreSQL (``postgresql://…`` or ``postgres://…``) rather than a path."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact_dsn(dsn: str) -> str:
    """The DSN fit to print: its password (URL userinfo, ``?password=`` or ``password=…``) masked."""
    if is_pg_location(dsn):
        parts = urlsplit(dsn)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostinfo = netloc.rpartition("@")
            user, colon, _password = userinfo.partition(":")
            netloc = f"{user}:{MASK}@{hostinfo}" if colon else netloc
        query = re.sub(r"(^|&)(password=)[^&]*", rf"\1\2{MASK}", parts.query, flags=re.IGNORECASE)
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    return _KV_PASSWORD.sub(rf"\1{MASK}", dsn)


@dataclass(frozen=True, slots=True)
class PgLocation:
    """A PostgreSQL journal location: the connection string and the campaign's name (the URL fragment)."""

    conninfo: str
    campaign: str

    @classmethod
    def parse(cls, location: str) -> PgLocation:
        if not is_pg_location(location):
            raise ValueError("a PostgreSQL journal location starts with postgresql://")
        base, _, fragment = location.partition("#")
        return cls(base, unquote(fragment) or "default")

    @property
    def secrets(self) -> list[str]:
        found: list[str] = []
        password = urlsplit(self.conninfo).password
        if password:
            found += [password, unquote(password)]
        match = re.search(r"(?:^|[?&])password=([^&]*)", urlsplit(self.conninfo).query)
        if match:
            found += [match.group(1), unquote(match.group(1))]
        env = os.environ.get("PGPASSWORD")
        if env:
            found.append(env)
        return found

    def __str__(self) -> str:
        return redact_dsn(self.conninfo) + f"#{self.campaign}"

    def __repr__(self) -> str:
        return f"PgLocation({str(self)!r})"


# -- drivers ---------------------------------------------------------------------------------------------------

_KEEPALIVE: Final = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
# The server side notices a vanished client too (these are per-session settings).
_SESSION = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
    "SET application_name = 'smsgate'",
)


class _Base:
    where: PgLocation
    #: Where the journal is, for messages: the DSN with its password masked, and the campaign's name.
    location: str
    campaign_id: int
    name: str
    key: str
    worker: int | None
    #: Seconds between two lookups of one batch by any runner: set it to the campaign's reconcile grace,
    #: so that the lookup after a "no such message" comes once that answer can be trusted.
    reconcile_grace: float = 10.0
    _redact: Redactor

    def _locate(self, where: PgLocation) -> None:
        self.where = where
        self.location = str(where)
        self._redact = Redactor(where.secrets)

    def _error(self, exc: BaseException) -> JournalError:
        text = self._redact(str(exc).strip() or type(exc).__name__)
        return JournalError(f"journal {self.location}: {text}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"


def _not_found(location: PgLocation) -> JournalError:
    return JournalError(f"no campaign {location.campaign!r} in journal {location}")


class PgJournal(_Base, Journal):
    """A campaign in a PostgreSQL journal (the `Journal` interface), over one connection; used from one thread.

    Unlike SQLite's, any number of runners may hold it at once (`acquire` registers a worker and never
    refuses): claims are atomic, in-flight rows are reopened only when their worker is gone, and `settle`
    touches only this worker's rows. ``create=False`` refuses a campaign that does not exist (`JournalError`).
    """

    def __init__(self, location: str | PgLocation, *, create: bool = True) -> None:
        import psycopg

        self._locate(location if isinstance(location, PgLocation) else PgLocation.parse(location))
        self.worker = None
        self._stopped = False
        error: JournalError | None = None
        try:
            self._conn = psycopg.connect(self.where.conninfo, autocommit=True, **_KEEPALIVE)  # type: ignore[arg-type]
            for statement in _SESSION:
                self._conn.execute(statement)
        except psycopg.Error as exc:
            error = self._error(exc)
        if error is not None:
            raise error  # raised outside the handler: the driver's exception is not kept as its context
        info = self._run(open_flow(self.where.campaign, create))
        if info is None:
            self._conn.close()
            raise _not_found(self.where)
        self.campaign_id, self.name, self.key = info.id, info.name, str(info.meta["key"])

    def _run(self, flow: Flow[R]) -> R:
        import psycopg

        error: JournalError | None = None
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                result: Any = None
                while True:
                    try:
                        sql, params, mode = flow.send(result)
                    except StopIteration as stop:
                        return stop.value  # type: ignore[no-any-return]
                    if mode == "copy":
                        with cur.copy(sql) as copy:
                            for row in params:
                                copy.write_row(row)
                        result = None
                        continue
                    cur.execute(sql, params)
                    result = cur.fetchone() if mode == "one" else cur.fetchall() if mode == "all" else cur.rowcount
        except psycopg.Error as exc:
            error = self._error(exc)
        assert error is not None
        raise error

    def close(self) -> None:
        if not self._conn.closed:
            try:
                self.release()
            finally:
                self._conn.close()

    def __enter__(self) -> PgJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata
    def meta(self) -> dict[str, Any]:
        """The campaign's stored settings (provider, text, sender, key, status, loaded…)."""
        return self._run(meta_flow(self.campaign_id))

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta().get(key, default)

    def set(self, **values: Any) -> None:
        self._run(set_flow(self.campaign_id, values))

    # -- ownership: one registered worker per runner, alive while its advisory lock is held
    def acquire(self, owner: Owner) -> None:
        if self.worker is not None:
            raise RuntimeError("this journal is already acquired")
        self.worker = self._run(register_flow(self.campaign_id, owner))

    def release(self) -> None:
        if self.worker is not None:
            worker, self.worker = self.worker, None
            self._run(unregister_flow(worker, "stopped"))

    def holder(self) -> Owner | None:
        """The longest-running live worker of this campaign (others may run too: see `live_workers`)."""
        return self._run(holder_flow(self.campaign_id))

    def register_worker(self) -> int:
        if self.worker is None:
            self.acquire(Owner())
        assert self.worker is not None
        return self.worker

    def stop_claiming(self) -> None:
        """From now on `claim` returns None: a runner finishes its requests in flight, then ends (SIGTERM)."""
        self._stopped = True

    # -- loading
    def loaded(self) -> int:
        return self._run(loaded_flow(self.campaign_id))

    def add(self, rows: Iterable[tuple[int, str, str | None]], chunk: int = 10_000) -> int:
        """Add (seq, recipient, text) rows in committed chunks (COPY); give only rows past `loaded()`."""
        added = 0
        buffer: list[tuple[int, str, str | None]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= chunk:
                added += self._run(copy_flow(self.campaign_id, buffer))
                buffer = []
        if buffer:
            added += self._run(copy_flow(self.campaign_id, buffer))
        if added >= ANALYZE_AFTER:
            self._run(analyze_flow())
        return added

    # -- the state machine
    def reap(self, *, resend: bool = False) -> int:
        """In-flight rows of workers that are gone become unknown (pending with `resend`)."""
        return self._run(reap_flow(self.worker, resend))

    def reopen_orphans(self, *, resend: bool) -> int:
        return self.reap(resend=resend)

    def claim(self, limit: int) -> Claim | None:
        if self._stopped:
            return None
        worker = self.register_worker()
        return self._run(claim_flow(self.campaign_id, worker, limit))

    def settle(self, results: Iterable[Settlement]) -> int:
        if self.worker is None:
            raise RuntimeError("acquire the journal before claiming or settling rows")
        return self._run(settle_flow(self.campaign_id, self.worker, results))

    def settle_and_claim(self, results: Iterable[Settlement], limit: int) -> Claim | None:
        """`settle` and `claim` in one transaction (one commit per request; neither when it fails)."""
        if self.worker is None:
            raise RuntimeError("acquire the journal before claiming or settling rows")
        flow = settle_and_claim_flow(self.campaign_id, self.worker, results, limit, claiming=not self._stopped)
        return self._run(flow)

    def retry(self, states: Iterable[str]) -> int:
        return self._run(retry_flow(self.campaign_id, states))

    def unknown_batches(self) -> list[int]:
        """Batches with unknown rows due for a lookup, leased to this runner (see `reconcile_grace`)."""
        return self._run(unknown_batches_flow(self.campaign_id, self.reconcile_grace, MAX_CHECKS))

    def awaiting_reconciliation(self) -> int:
        """Unknown rows a later lookup may still settle (their batch looked up fewer than MAX_CHECKS times)."""
        return self._run(awaiting_flow(self.campaign_id, MAX_CHECKS))

    def batch_rows(self, batch: int) -> list[JournalRow]:
        return self._run(batch_rows_flow(self.campaign_id, batch))

    def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        return self._run(resolve_flow(self.campaign_id, updates))

    # -- reading
    def counts(self) -> JournalCounts:
        return self._run(counts_flow(self.campaign_id))

    def live_workers(self) -> int:
        return self._run(workers_flow(self.campaign_id))

    def rows(self, state: str | None = None) -> Iterator[JournalRow]:
        """Every row in input order, streamed through a server-side cursor."""
        import psycopg

        query = f"SELECT {COLUMNS} FROM smsgate_recipients WHERE campaign_id = %s"  # noqa: S608
        args: tuple[Any, ...] = (self.campaign_id,)
        if state is not None:
            query += " AND state = %s"
            args += (state,)
        error: JournalError | None = None
        try:
            with self._conn.transaction(), self._conn.cursor(name=f"smsgate_rows_{uuid.uuid4().hex}") as cur:
                cur.execute(query + " ORDER BY seq", args)
                while batch := cur.fetchmany(1000):
                    for row in batch:
                        yield JournalRow(*row)
        except psycopg.Error as exc:
            error = self._error(exc)
        if error is not None:
            raise error


class AsyncPgJournal(_Base):
    """`PgJournal`'s awaitable twin (psycopg's async connection), safe to share between the tasks of one event
    loop. Build it with ``await AsyncPgJournal.open(location)``."""

    def __init__(self, where: PgLocation, conn: Any) -> None:
        import asyncio

        self._locate(where)
        self._conn = conn
        self._lock = asyncio.Lock()
        self.worker = None
        self._stopped = False
        self.campaign_id, self.name, self.key = 0, where.campaign, ""

    @classmethod
    async def open(cls, location: str | PgLocation, *, create: bool = True) -> AsyncPgJournal:
        import psycopg

        where = location if isinstance(location, PgLocation) else PgLocation.parse(location)
        probe = _Base()
        probe._locate(where)
        error: JournalError | None = None
        try:
            conn = await psycopg.AsyncConnection.connect(where.conninfo, autocommit=True, **_KEEPALIVE)  # type: ignore[arg-type]
            for statement in _SESSION:
                await conn.execute(statement)
        except psycopg.Error as exc:
            error = probe._error(exc)
        if error is not None:
            raise error
        journal = cls(where, conn)
        info = await journal._run(open_flow(where.campaign, create))
        if info is None:
            await conn.close()
            raise _not_found(where)
        journal.campaign_id, journal.name, journal.key = info.id, info.name, str(info.meta["key"])
        return journal

    async def _run(self, flow: Flow[R]) -> R:
        import psycopg

        error: JournalError | None = None
        try:
            async with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
                result: Any = None
                while True:
                    try:
                        sql, params, mode = flow.send(result)
                    except StopIteration as stop:
                        return stop.value  # type: ignore[no-any-return]
                    if mode == "copy":
                        async with cur.copy(sql) as copy:
                            for row in params:
                                await copy.write_row(row)
                        result = None
                        continue
                    await cur.execute(sql, params)
                    result = (
                        await cur.fetchone()
                        if mode == "one"
                        else await cur.fetchall()
                        if mode == "all"
                        else cur.rowcount
                    )
        except psycopg.Error as exc:
            error = self._error(exc)
        assert error is not None
        raise error

    async def aclose(self) -> None:
        if not self._conn.closed:
            try:
                await self.release()
            finally:
                await self._conn.close()

    async def __aenter__(self) -> AsyncPgJournal:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def meta(self) -> dict[str, Any]:
        return await self._run(meta_flow(self.campaign_id))

    async def get(self, key: str, default: Any = None) -> Any:
        return (await self.meta()).get(key, default)

    async def set(self, **values: Any) -> None:
        await self._run(set_flow(self.campaign_id, values))

    async def acquire(self, owner: Owner) -> None:
        if self.worker is not None:
            raise RuntimeError("this journal is already acquired")
        self.worker = await self._run(register_flow(self.campaign_id, owner))

    async def release(self) -> None:
        if self.worker is not None:
            worker, self.worker = self.worker, None
            await self._run(unregister_flow(worker, "stopped"))

    async def holder(self) -> Owner | None:
        return await self._run(holder_flow(self.campaign_id))

    async def register_worker(self) -> int:
        if self.worker is None:
            await self.acquire(Owner())
        assert self.worker is not None
        return self.worker

    def stop_claiming(self) -> None:
        self._stopped = True

    async def loaded(self) -> int:
        return await self._run(loaded_flow(self.campaign_id))

    async def add(self, rows: Iterable[tuple[int, str, str | None]], chunk: int = 10_000) -> int:
        added = 0
        buffer: list[tuple[int, str, str | None]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= chunk:
                added += await self._run(copy_flow(self.campaign_id, buffer))
                buffer = []
        if buffer:
            added += await self._run(copy_flow(self.campaign_id, buffer))
        if added >= ANALYZE_AFTER:
            await self._run(analyze_flow())
        return added

    async def reap(self, *, resend: bool = False) -> int:
        return await self._run(reap_flow(self.worker, resend))

    async def reopen_orphans(self, *, resend: bool) -> int:
        return await self.reap(resend=resend)

    async def claim(self, limit: int) -> Claim | None:
        if self._stopped:
            return None
        worker = await self.register_worker()
        return await self._run(claim_flow(self.campaign_id, worker, limit))

    async def settle(self, results: Iterable[Settlement]) -> int:
        if self.worker is None:
            raise RuntimeError("acquire the journal before claiming or settling rows")
        return await self._run(settle_flow(self.campaign_id, self.worker, results))

    async def settle_and_claim(self, results: Iterable[Settlement], limit: int) -> Claim | None:
        if self.worker is None:
            raise RuntimeError("acquire the journal before claiming or settling rows")
        flow = settle_and_claim_flow(self.campaign_id, self.worker, results, limit, claiming=not self._stopped)
        return await self._run(flow)

    async def retry(self, states: Iterable[str]) -> int:
        return await self._run(retry_flow(self.campaign_id, states))

    async def unknown_batches(self) -> list[int]:
        return await self._run(unknown_batches_flow(self.campaign_id, self.reconcile_grace, MAX_CHECKS))

    async def awaiting_reconciliation(self) -> int:
        return await self._run(awaiting_flow(self.campaign_id, MAX_CHECKS))

    async def batch_rows(self, batch: int) -> list[JournalRow]:
        return await self._run(batch_rows_flow(self.campaign_id, batch))

    async def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        return await self._run(resolve_flow(self.campaign_id, updates))

    async def counts(self) -> JournalCounts:
        return await self._run(counts_flow(self.campaign_id))

    async def live_workers(self) -> int:
        return await self._run(workers_flow(self.campaign_id))

    async def rows(self, state: str | None = None) -> AsyncIterator[JournalRow]:
        import psycopg

        query = f"SELECT {COLUMNS} FROM smsgate_recipients WHERE campaign_id = %s"  # noqa: S608
        args: tuple[Any, ...] = (self.campaign_id,)
        if state is not None:
            query += " AND state = %s"
            args += (state,)
        error: JournalError | None = None
        try:
            async with (
                self._lock,
                self._conn.transaction(),
                self._conn.cursor(name=f"smsgate_rows_{uuid.uuid4().hex}") as cur,
            ):
                await cur.execute(query + " ORDER BY seq", args)
                while batch := await cur.fetchmany(1000):
                    for row in batch:
                        yield JournalRow(*row)
        except psycopg.Error as exc:
            error = self._error(exc)
        if error is not None:
            raise error
