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
import socket
import uuid
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from ._exceptions import SmsGateError
from ._journal import STATES, JournalCounts, JournalRow
from ._redact import MASK, Redactor

__all__ = [
    "AsyncPgJournal",
    "Claim",
    "JournalError",
    "PgJournal",
    "PgLocation",
    "is_pg_location",
    "redact_dsn",
]

#: Advisory-lock namespaces (the first int4 of the two-key form): schema creation, and worker liveness.
SCHEMA_LOCK: Final = 0x534D5347  # "SMSG"
WORKER_LOCK: Final = 0x534D5357  # "SMSW"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS smsgate_campaigns (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    meta jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS smsgate_workers (
    id bigserial PRIMARY KEY,
    campaign_id bigint,
    host text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    stopped_at timestamptz,
    how text
);
CREATE TABLE IF NOT EXISTS smsgate_batches (
    id bigserial PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES smsgate_campaigns ON DELETE CASCADE,
    request_key text NOT NULL UNIQUE,
    worker_id bigint,
    size integer NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    checked_at timestamptz,
    checks integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS smsgate_recipients (
    campaign_id bigint NOT NULL REFERENCES smsgate_campaigns ON DELETE CASCADE,
    seq bigint NOT NULL,
    recipient text NOT NULL,
    text text,
    state text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'inflight', 'accepted', 'rejected', 'failed', 'unknown')),
    phone text,
    message_id text,
    code text,
    reason text,
    detail text,
    attempts integer NOT NULL DEFAULT 0,
    batch bigint,
    owner bigint,
    updated_at timestamptz,
    PRIMARY KEY (campaign_id, seq)
);
CREATE INDEX IF NOT EXISTS smsgate_recipients_pending ON smsgate_recipients (campaign_id, seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS smsgate_recipients_inflight ON smsgate_recipients (owner) WHERE state = 'inflight';
CREATE INDEX IF NOT EXISTS smsgate_recipients_unknown ON smsgate_recipients (batch) WHERE state = 'unknown';
CREATE INDEX IF NOT EXISTS smsgate_recipients_batch ON smsgate_recipients (batch);
CREATE TABLE IF NOT EXISTS smsgate_rate_slots (
    account text NOT NULL,
    slot integer NOT NULL,
    holder bigint,
    window_s double precision NOT NULL DEFAULT 1,
    free_at timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (account, slot)
);
"""

_GONE_DETAIL = "in flight when its worker stopped: it may have been sent"
_COLUMNS = "seq, recipient, text, state, phone, message_id, code, reason, detail, attempts"


class JournalError(SmsGateError):
    """The journal's database failed or refused (unreachable, wrong password, no such campaign…).

    Its text never holds the DSN's password."""


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


# -- the I/O-free part: flows of statements ------------------------------------------------------------------

Mode = Literal["none", "one", "all", "count", "copy"]
Step = tuple[str, Any, Mode]
R = TypeVar("R")
Flow = Generator[Step, Any, R]


@dataclass(frozen=True, slots=True)
class Claim:
    """Rows claimed for one request: its batch id, its unique request key, the rows (input order)."""

    batch: int
    key: str
    rows: list[JournalRow]


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    id: int
    name: str
    meta: dict[str, Any]


def _schema_flow() -> Flow[None]:
    yield ("SELECT pg_advisory_xact_lock(%s, 0)", (SCHEMA_LOCK,), "none")
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            yield (statement, None, "none")


def _open_flow(name: str, create: bool) -> Flow[CampaignInfo | None]:
    yield from _schema_flow()
    row = yield ("SELECT id, name, meta FROM smsgate_campaigns WHERE name = %s", (name,), "one")
    if row is None and name.isdigit():
        row = yield ("SELECT id, name, meta FROM smsgate_campaigns WHERE id = %s", (int(name),), "one")
    if row is None and create:
        meta = {"key": uuid.uuid4().hex[:8], "status": "new"}
        row = yield (
            "INSERT INTO smsgate_campaigns (name, meta) VALUES (%s, %s::jsonb) RETURNING id, name, meta",
            (name, _json(meta)),
            "one",
        )
    return None if row is None else CampaignInfo(int(row[0]), str(row[1]), dict(row[2]))


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def _set_flow(campaign: int, values: Mapping[str, Any]) -> Flow[dict[str, Any]]:
    row = yield (
        "UPDATE smsgate_campaigns SET meta = meta || %s::jsonb WHERE id = %s RETURNING meta",
        (_json(dict(values)), campaign),
        "one",
    )
    return dict(row[0])


def _meta_flow(campaign: int) -> Flow[dict[str, Any]]:
    row = yield ("SELECT meta FROM smsgate_campaigns WHERE id = %s", (campaign,), "one")
    return dict(row[0]) if row else {}


def _register_flow(campaign: int | None) -> Flow[int]:
    row = yield (
        "INSERT INTO smsgate_workers (campaign_id, host, pid) VALUES (%s, %s, %s) RETURNING id",
        (campaign, socket.gethostname(), os.getpid()),
        "one",
    )
    worker = int(row[0])
    # Taken before the insert commits: nobody can see this worker without its lock held.
    yield ("SELECT pg_advisory_lock(%s, (%s %% 2147483648)::int)", (WORKER_LOCK, worker), "none")
    return worker


def _unregister_flow(worker: int, how: str) -> Flow[None]:
    yield ("UPDATE smsgate_workers SET stopped_at = clock_timestamp(), how = %s WHERE id = %s", (how, worker), "none")
    yield (
        "UPDATE smsgate_rate_slots SET holder = NULL, free_at = clock_timestamp() + make_interval(secs => window_s)"
        " WHERE holder = %s",
        (worker,),
        "none",
    )
    yield ("SELECT pg_advisory_unlock(%s, (%s %% 2147483648)::int)", (WORKER_LOCK, worker), "none")


def _reap_flow(me: int | None, resend: bool) -> Flow[int]:
    """Workers whose lock is free are gone: their in-flight rows become unknown (or pending, when the caller
    opted into at-least-once), their rate-limit slots are freed a window later."""
    rows = yield (
        "SELECT id FROM (SELECT id FROM smsgate_workers WHERE stopped_at IS NULL AND id <> %s OFFSET 0) w"
        " WHERE pg_try_advisory_xact_lock(%s, (id %% 2147483648)::int)",
        (-1 if me is None else me, WORKER_LOCK),
        "all",
    )
    gone = [int(r[0]) for r in rows]
    if not gone:
        return 0
    if resend:
        reopened = yield (
            "UPDATE smsgate_recipients SET state = 'pending', owner = NULL, updated_at = clock_timestamp()"
            " WHERE owner = ANY(%s) AND state = 'inflight'",
            (gone,),
            "count",
        )
    else:
        reopened = yield (
            "UPDATE smsgate_recipients SET state = 'unknown', owner = NULL, code = 'interrupted', detail = %s,"
            " updated_at = clock_timestamp() WHERE owner = ANY(%s) AND state = 'inflight'",
            (_GONE_DETAIL, gone),
            "count",
        )
    yield (
        "UPDATE smsgate_rate_slots SET holder = NULL, free_at = clock_timestamp() + make_interval(secs => window_s)"
        " WHERE holder = ANY(%s)",
        (gone,),
        "none",
    )
    yield (
        "UPDATE smsgate_workers SET stopped_at = clock_timestamp(), how = 'gone' WHERE id = ANY(%s)",
        (gone,),
        "none",
    )
    return int(reopened)


def _claim_flow(campaign: int, key: str, worker: int, limit: int) -> Flow[Claim | None]:
    rows = yield (
        "SELECT seq, recipient, text FROM smsgate_recipients WHERE campaign_id = %s AND state = 'pending'"
        " ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED",
        (campaign, limit),
        "all",
    )
    chosen: list[tuple[int, str, str | None]] = []
    for seq, recipient, text in rows:
        if chosen and text != chosen[0][2]:
            break  # one request carries one text
        chosen.append((int(seq), str(recipient), text))
    if not chosen:
        return None
    (batch,) = yield ("SELECT nextval(pg_get_serial_sequence('smsgate_batches', 'id'))", None, "one")
    request_key = f"{key}-{batch}"
    yield (
        "INSERT INTO smsgate_batches (id, campaign_id, request_key, worker_id, size) VALUES (%s, %s, %s, %s, %s)",
        (batch, campaign, request_key, worker, len(chosen)),
        "none",
    )
    taken = yield (
        "UPDATE smsgate_recipients SET state = 'inflight', batch = %s, owner = %s, attempts = attempts + 1,"
        " updated_at = clock_timestamp() WHERE campaign_id = %s AND seq = ANY(%s) AND state = 'pending'",
        (batch, worker, campaign, [seq for seq, _, _ in chosen]),
        "count",
    )
    if taken != len(chosen):  # cannot happen with the rows locked; refuse rather than send a row twice
        raise JournalError(f"claim took {taken} of {len(chosen)} locked rows")
    return Claim(
        int(batch),
        request_key,
        [JournalRow(seq, r, t, "inflight", None, None, None, None, None, 0) for seq, r, t in chosen],
    )


Outcome7 = tuple[int, str, str | None, str | None, str | None, str | None, str | None]


def _settle_flow(campaign: int, batch: int, worker: int, results: Iterable[Outcome7]) -> Flow[int]:
    """(seq, state, phone, message_id, code, reason, detail) of one batch, in one commit; only rows this
    worker still holds in flight."""
    cols: list[list[Any]] = [[], [], [], [], [], [], []]
    for result in results:
        for col, value in zip(cols, result, strict=True):
            col.append(value)
    if not cols[0]:
        return 0
    count = yield (
        "UPDATE smsgate_recipients r SET state = u.state, phone = u.phone, message_id = u.mid, code = u.code,"
        " reason = u.reason, detail = u.detail, owner = NULL, updated_at = clock_timestamp()"
        " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])"
        " AS u(seq, state, phone, mid, code, reason, detail)"
        " WHERE r.campaign_id = %s AND r.seq = u.seq AND r.batch = %s AND r.owner = %s AND r.state = 'inflight'",
        (*cols, campaign, batch, worker),
        "count",
    )
    return int(count)


def _due_flow(campaign: int, grace: float, max_checks: int, limit: int) -> Flow[list[tuple[int, str]]]:
    rows = yield (
        "UPDATE smsgate_batches b SET checked_at = clock_timestamp(), checks = checks + 1 WHERE b.id IN ("
        " SELECT b2.id FROM smsgate_batches b2 WHERE b2.campaign_id = %(c)s"
        " AND b2.sent_at < clock_timestamp() - make_interval(secs => %(g)s)"
        " AND (b2.checked_at IS NULL OR b2.checked_at < clock_timestamp() - make_interval(secs => %(g)s))"
        " AND b2.checks < %(m)s"
        " AND EXISTS (SELECT 1 FROM smsgate_recipients r WHERE r.batch = b2.id AND r.state = 'unknown')"
        " ORDER BY b2.id LIMIT %(n)s FOR UPDATE SKIP LOCKED) RETURNING b.id, b.request_key",
        {"c": campaign, "g": grace, "m": max_checks, "n": limit},
        "all",
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def _awaiting_flow(campaign: int, max_checks: int) -> Flow[int]:
    """Unknown rows that reconciliation may still settle (their batch not yet asked `max_checks` times)."""
    row = yield (
        "SELECT COUNT(*) FROM smsgate_recipients r JOIN smsgate_batches b ON b.id = r.batch"
        " WHERE r.campaign_id = %s AND r.state = 'unknown' AND b.checks < %s",
        (campaign, max_checks),
        "one",
    )
    return int(row[0])


def _batch_rows_flow(campaign: int, batch: int) -> Flow[list[JournalRow]]:
    rows = yield (
        f"SELECT {_COLUMNS} FROM smsgate_recipients WHERE campaign_id = %s AND batch = %s ORDER BY seq",  # noqa: S608
        (campaign, batch),
        "all",
    )
    return [JournalRow(*row) for row in rows]


def _resolve_flow(campaign: int, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> Flow[int]:
    cols: list[list[Any]] = [[], [], [], [], []]
    for update in updates:
        for col, value in zip(cols, update, strict=True):
            col.append(value)
    if not cols[0]:
        return 0
    count = yield (
        "UPDATE smsgate_recipients r SET state = u.state, phone = COALESCE(u.phone, r.phone), message_id = u.mid,"
        " code = 'reconciled', detail = u.detail, updated_at = clock_timestamp()"
        " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])"
        " AS u(seq, state, phone, mid, detail)"
        " WHERE r.campaign_id = %s AND r.seq = u.seq AND r.state = 'unknown'",
        (*cols, campaign),
        "count",
    )
    return int(count)


def _retry_flow(campaign: int, states: Iterable[str]) -> Flow[int]:
    wanted = [s for s in states if s in STATES and s not in ("pending", "inflight")]
    if not wanted:
        return 0
    count = yield (
        "UPDATE smsgate_recipients SET state = 'pending' WHERE campaign_id = %s AND state = ANY(%s)",
        (campaign, wanted),
        "count",
    )
    return int(count)


def _counts_flow(campaign: int) -> Flow[JournalCounts]:
    rows = yield (
        "SELECT state, COUNT(*) FROM smsgate_recipients WHERE campaign_id = %s GROUP BY state",
        (campaign,),
        "all",
    )
    found = {str(s): int(n) for s, n in rows}
    return JournalCounts(**{s: found.get(s, 0) for s in STATES})


def _workers_flow(campaign: int) -> Flow[int]:
    """Workers of this campaign (or of any campaign) still registered; a gone one is noticed by the next reap."""
    row = yield (
        "SELECT COUNT(*) FROM smsgate_workers WHERE stopped_at IS NULL AND (campaign_id = %s OR campaign_id IS NULL)",
        (campaign,),
        "one",
    )
    return int(row[0])


def _loaded_flow(campaign: int) -> Flow[int]:
    row = yield (
        "SELECT COALESCE(MAX(seq) + 1, 0) FROM smsgate_recipients WHERE campaign_id = %s",
        (campaign,),
        "one",
    )
    return int(row[0])


def _copy_flow(campaign: int, rows: list[tuple[int, str, str | None]]) -> Flow[int]:
    yield (
        "COPY smsgate_recipients (campaign_id, seq, recipient, text) FROM STDIN",
        [(campaign, seq, recipient, text) for seq, recipient, text in rows],
        "copy",
    )
    return len(rows)


def _campaigns_flow(status: str) -> Flow[list[str]]:
    rows = yield (
        "SELECT name FROM smsgate_campaigns WHERE meta->>'status' = %s ORDER BY id",
        (status,),
        "all",
    )
    return [str(r[0]) for r in rows]


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
    location: PgLocation
    campaign_id: int
    name: str
    key: str
    worker: int | None
    _redact: Redactor

    def _error(self, exc: BaseException) -> JournalError:
        text = self._redact(str(exc).strip() or type(exc).__name__)
        return JournalError(f"journal {self.location}: {text}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.location)!r})"


def _not_found(location: PgLocation) -> JournalError:
    return JournalError(f"no campaign {location.campaign!r} in journal {location}")


class PgJournal(_Base):
    """A campaign in a PostgreSQL journal, over one connection (not thread-safe). ``create=False`` refuses a
    campaign that does not exist yet (`JournalError`)."""

    def __init__(self, location: str | PgLocation, *, create: bool = True) -> None:
        import psycopg

        self.location = location if isinstance(location, PgLocation) else PgLocation.parse(location)
        self._redact = Redactor(self.location.secrets)
        self.worker = None
        error: JournalError | None = None
        try:
            self._conn = psycopg.connect(self.location.conninfo, autocommit=True, **_KEEPALIVE)  # type: ignore[arg-type]
            for statement in _SESSION:
                self._conn.execute(statement)
        except psycopg.Error as exc:
            error = self._error(exc)
        if error is not None:
            raise error  # raised outside the handler: the driver's exception is not kept as its context
        info = self._run(_open_flow(self.location.campaign, create))
        if info is None:
            self._conn.close()
            raise _not_found(self.location)
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
        self._conn.close()

    def __enter__(self) -> PgJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # metadata
    def meta(self) -> dict[str, Any]:
        """The campaign's stored settings (provider, text, sender, key, status, loaded)."""
        return self._run(_meta_flow(self.campaign_id))

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta().get(key, default)

    def set(self, **values: Any) -> None:
        self._run(_set_flow(self.campaign_id, values))

    # loading
    def loaded(self) -> int:
        return self._run(_loaded_flow(self.campaign_id))

    def add(self, rows: Iterable[tuple[int, str, str | None]], chunk: int = 10_000) -> int:
        """Add (seq, recipient, text) rows in committed chunks (COPY); give only rows past `loaded()`."""
        added = 0
        buffer: list[tuple[int, str, str | None]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= chunk:
                added += self._run(_copy_flow(self.campaign_id, buffer))
                buffer = []
        if buffer:
            added += self._run(_copy_flow(self.campaign_id, buffer))
        return added

    # workers
    def register_worker(self) -> int:
        if self.worker is None:
            self.worker = self._run(_register_flow(self.campaign_id))
        return self.worker

    def unregister_worker(self, how: str = "stopped") -> None:
        if self.worker is not None:
            self._run(_unregister_flow(self.worker, how))
            self.worker = None

    def reap(self, *, resend: bool = False) -> int:
        return self._run(_reap_flow(self.worker, resend))

    def reopen_inflight(self, *, resend: bool) -> int:
        """In-flight rows whose worker is gone become unknown (pending with `resend`); a live worker's stay."""
        return self.reap(resend=resend)

    # the state machine
    def claim(self, limit: int) -> Claim | None:
        worker = self.register_worker()
        return self._run(_claim_flow(self.campaign_id, self.key, worker, limit))

    def settle(self, batch: int, results: Iterable[Outcome7]) -> int:
        assert self.worker is not None
        return self._run(_settle_flow(self.campaign_id, batch, self.worker, results))

    def retry(self, states: Iterable[str]) -> int:
        return self._run(_retry_flow(self.campaign_id, states))

    def due_batches(self, grace: float, *, max_checks: int = 3, limit: int = 10) -> list[tuple[int, str]]:
        return self._run(_due_flow(self.campaign_id, grace, max_checks, limit))

    def awaiting_reconciliation(self, max_checks: int = 3) -> int:
        return self._run(_awaiting_flow(self.campaign_id, max_checks))

    def batch_rows(self, batch: int) -> list[JournalRow]:
        return self._run(_batch_rows_flow(self.campaign_id, batch))

    def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        return self._run(_resolve_flow(self.campaign_id, updates))

    # reading
    def counts(self) -> JournalCounts:
        return self._run(_counts_flow(self.campaign_id))

    def live_workers(self) -> int:
        return self._run(_workers_flow(self.campaign_id))

    def campaigns(self, status: str = "running") -> list[str]:
        return self._run(_campaigns_flow(status))

    def rows(self, state: str | None = None) -> Iterator[JournalRow]:
        """Every row in input order, streamed through a server-side cursor."""
        import psycopg

        query = f"SELECT {_COLUMNS} FROM smsgate_recipients WHERE campaign_id = %s"  # noqa: S608
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
    """`PgJournal`, awaitable (psycopg's async connection); safe to share between tasks of one event loop.
    Build it with ``await AsyncPgJournal.open(location)``."""

    def __init__(self, location: PgLocation, conn: Any, info: CampaignInfo) -> None:
        import asyncio

        self.location = location
        self._redact = Redactor(location.secrets)
        self._conn = conn
        self._lock = asyncio.Lock()
        self.worker = None
        self.campaign_id, self.name, self.key = info.id, info.name, str(info.meta["key"])

    @classmethod
    async def open(cls, location: str | PgLocation, *, create: bool = True) -> AsyncPgJournal:
        import psycopg

        where = location if isinstance(location, PgLocation) else PgLocation.parse(location)
        probe = _Base()
        probe.location, probe._redact = where, Redactor(where.secrets)
        error: JournalError | None = None
        try:
            conn = await psycopg.AsyncConnection.connect(where.conninfo, autocommit=True, **_KEEPALIVE)  # type: ignore[arg-type]
            for statement in _SESSION:
                await conn.execute(statement)
        except psycopg.Error as exc:
            error = probe._error(exc)
        if error is not None:
            raise error
        journal = cls(where, conn, CampaignInfo(0, where.campaign, {"key": ""}))
        info = await journal._run(_open_flow(where.campaign, create))
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
        await self._conn.close()

    async def __aenter__(self) -> AsyncPgJournal:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def meta(self) -> dict[str, Any]:
        return await self._run(_meta_flow(self.campaign_id))

    async def get(self, key: str, default: Any = None) -> Any:
        return (await self.meta()).get(key, default)

    async def set(self, **values: Any) -> None:
        await self._run(_set_flow(self.campaign_id, values))

    async def loaded(self) -> int:
        return await self._run(_loaded_flow(self.campaign_id))

    async def add(self, rows: Iterable[tuple[int, str, str | None]], chunk: int = 10_000) -> int:
        added = 0
        buffer: list[tuple[int, str, str | None]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= chunk:
                added += await self._run(_copy_flow(self.campaign_id, buffer))
                buffer = []
        if buffer:
            added += await self._run(_copy_flow(self.campaign_id, buffer))
        return added

    async def register_worker(self) -> int:
        if self.worker is None:
            self.worker = await self._run(_register_flow(self.campaign_id))
        return self.worker

    async def unregister_worker(self, how: str = "stopped") -> None:
        if self.worker is not None:
            await self._run(_unregister_flow(self.worker, how))
            self.worker = None

    async def reap(self, *, resend: bool = False) -> int:
        return await self._run(_reap_flow(self.worker, resend))

    async def reopen_inflight(self, *, resend: bool) -> int:
        return await self.reap(resend=resend)

    async def claim(self, limit: int) -> Claim | None:
        worker = await self.register_worker()
        return await self._run(_claim_flow(self.campaign_id, self.key, worker, limit))

    async def settle(self, batch: int, results: Iterable[Outcome7]) -> int:
        assert self.worker is not None
        return await self._run(_settle_flow(self.campaign_id, batch, self.worker, results))

    async def retry(self, states: Iterable[str]) -> int:
        return await self._run(_retry_flow(self.campaign_id, states))

    async def due_batches(self, grace: float, *, max_checks: int = 3, limit: int = 10) -> list[tuple[int, str]]:
        return await self._run(_due_flow(self.campaign_id, grace, max_checks, limit))

    async def awaiting_reconciliation(self, max_checks: int = 3) -> int:
        return await self._run(_awaiting_flow(self.campaign_id, max_checks))

    async def batch_rows(self, batch: int) -> list[JournalRow]:
        return await self._run(_batch_rows_flow(self.campaign_id, batch))

    async def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        return await self._run(_resolve_flow(self.campaign_id, updates))

    async def counts(self) -> JournalCounts:
        return await self._run(_counts_flow(self.campaign_id))

    async def live_workers(self) -> int:
        return await self._run(_workers_flow(self.campaign_id))

    async def campaigns(self, status: str = "running") -> list[str]:
        return await self._run(_campaigns_flow(status))

    async def rows(self, state: str | None = None) -> AsyncIterator[JournalRow]:
        import psycopg

        query = f"SELECT {_COLUMNS} FROM smsgate_recipients WHERE campaign_id = %s"  # noqa: S608
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
