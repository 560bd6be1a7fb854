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

from ._journal import STATES, Claim, Journal, JournalCounts, JournalError, JournalRow, Owner, Settlement
from ._redact import MASK, Redactor

__all__ = [
    "AsyncPgJournal",
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
CREATE INDEX IF NOT EXISTS smsgate_recipients_resend ON smsgate_recipients (campaign_id, batch)
    WHERE state = 'pending' AND batch IS NOT NULL;
CREATE TABLE IF NOT EXISTS smsgate_rate_slots (
    account text NOT NULL,
    slot integer NOT NULL,
    holder bigint,
    window_s double precision NOT NULL DEFAULT 1,
    free_at timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (account, slot)
);
"""

#: Lookups of one batch's unknown rows before they are left unknown for good.
MAX_CHECKS: Final = 3
_GONE_DETAIL = "in flight when its worker stopped: it may have been sent"
_COLUMNS = (
    "seq, recipient, text, state, phone, message_id, code, reason, detail, attempts, batch,"
    " EXTRACT(EPOCH FROM updated_at)::float8"
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


# -- the I/O-free part: flows of statements ------------------------------------------------------------------

Mode = Literal["none", "one", "all", "count", "copy"]
Step = tuple[str, Any, Mode]
R = TypeVar("R")
Flow = Generator[Step, Any, R]


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


def _register_flow(campaign: int | None, owner: Owner | None = None) -> Flow[int]:
    row = yield (
        "INSERT INTO smsgate_workers (campaign_id, host, pid) VALUES (%s, %s, %s) RETURNING id",
        (campaign, owner.host if owner else socket.gethostname(), owner.pid if owner else os.getpid()),
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
    if resend:  # at-least-once: a new request (a new batch number, a new key)
        reopened = yield (
            "UPDATE smsgate_recipients SET state = 'pending', owner = NULL, batch = NULL,"
            " updated_at = clock_timestamp() WHERE owner = ANY(%s) AND state = 'inflight'",
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


def _claim_flow(campaign: int, worker: int, limit: int) -> Flow[Claim | None]:
    """Rows back to pending after a request that provably did not deliver them go first, under their batch
    number (so their client id) with that batch's row locked; then fresh rows under a new batch number."""
    batches = yield (
        "SELECT DISTINCT batch FROM smsgate_recipients WHERE campaign_id = %s AND state = 'pending'"
        " AND batch IS NOT NULL ORDER BY batch LIMIT 8",
        (campaign,),
        "all",
    )
    if batches:
        locked = yield (
            "SELECT id FROM smsgate_batches WHERE id = ANY(%s) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
            ([int(b[0]) for b in batches],),
            "one",
        )
        if locked is not None:
            batch = int(locked[0])
            rows = yield (
                "SELECT seq, recipient, text FROM smsgate_recipients WHERE campaign_id = %s AND batch = %s"
                " AND state = 'pending' ORDER BY seq LIMIT %s FOR UPDATE",
                (campaign, batch, limit),
                "all",
            )
            if rows:
                return (yield from _take(campaign, worker, batch, rows, resend=True))
    rows = yield (
        "SELECT seq, recipient, text FROM smsgate_recipients WHERE campaign_id = %s AND state = 'pending'"
        " AND batch IS NULL ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED",
        (campaign, limit),
        "all",
    )
    if not rows:
        return None
    (batch,) = yield ("SELECT nextval(pg_get_serial_sequence('smsgate_batches', 'id'))", None, "one")
    return (yield from _take(campaign, worker, int(batch), rows, resend=False))


def _take(campaign: int, worker: int, batch: int, rows: list[Any], *, resend: bool) -> Flow[Claim]:
    chosen: list[tuple[int, str, str | None]] = []
    for seq, recipient, text in rows:
        if chosen and text != chosen[0][2]:
            break  # one request carries one text
        chosen.append((int(seq), str(recipient), text))
    if not resend:
        key = yield ("SELECT meta->>'key' FROM smsgate_campaigns WHERE id = %s", (campaign,), "one")
        yield (
            "INSERT INTO smsgate_batches (id, campaign_id, request_key, worker_id, size) VALUES (%s, %s, %s, %s, %s)",
            (batch, campaign, f"{key[0]}-{batch}", worker, len(chosen)),
            "none",
        )
    else:
        yield (
            "UPDATE smsgate_batches SET worker_id = %s, sent_at = clock_timestamp(), checked_at = NULL, checks = 0"
            " WHERE id = %s",
            (worker, batch),
            "none",
        )
    stamp = yield (
        "UPDATE smsgate_recipients SET state = 'inflight', batch = %s, owner = %s, attempts = attempts + 1,"
        " updated_at = clock_timestamp() WHERE campaign_id = %s AND seq = ANY(%s) AND state = 'pending'"
        " RETURNING EXTRACT(EPOCH FROM updated_at)::float8",
        (batch, worker, campaign, [seq for seq, _, _ in chosen]),
        "all",
    )
    if len(stamp) != len(chosen):  # cannot happen with the rows locked; refuse rather than send a row twice
        raise JournalError(f"claim took {len(stamp)} of {len(chosen)} locked rows")
    now = float(stamp[0][0])
    return Claim(
        batch,
        [JournalRow(seq, r, t, "inflight", None, None, None, None, None, 0, batch, now) for seq, r, t in chosen],
        resend,
    )


def _settle_flow(campaign: int, worker: int, results: Iterable[Settlement]) -> Flow[int]:
    """(seq, state, phone, message_id, code, reason, detail) of one request, in one commit; only rows this
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
        " WHERE r.campaign_id = %s AND r.seq = u.seq AND r.owner = %s AND r.state = 'inflight'",
        (*cols, campaign, worker),
        "count",
    )
    return int(count)


def _unknown_batches_flow(campaign: int, lease: float, max_checks: int) -> Flow[list[int]]:
    """Batches with unknown rows that are due for a lookup, leased to this caller: never looked up, or not
    within `lease` seconds, and fewer than `max_checks` times. So many runners share the lookups instead of
    each asking the provider about every batch (SMSC allows a few status requests a minute per message)."""
    rows = yield (
        "UPDATE smsgate_batches b SET checked_at = clock_timestamp(), checks = b.checks + 1 WHERE b.id IN ("
        " SELECT b2.id FROM smsgate_batches b2 WHERE b2.campaign_id = %(c)s AND b2.checks < %(m)s"
        " AND (b2.checked_at IS NULL OR b2.checked_at < clock_timestamp() - make_interval(secs => %(l)s))"
        " AND EXISTS (SELECT 1 FROM smsgate_recipients r WHERE r.batch = b2.id AND r.state = 'unknown')"
        " ORDER BY b2.id FOR UPDATE SKIP LOCKED) RETURNING b.id",
        {"c": campaign, "m": max_checks, "l": lease},
        "all",
    )
    return sorted(int(r[0]) for r in rows)


def _awaiting_flow(campaign: int, max_checks: int) -> Flow[int]:
    """Unknown rows that a later lookup may still settle (their batch asked fewer than `max_checks` times)."""
    row = yield (
        "SELECT COUNT(*) FROM smsgate_recipients r JOIN smsgate_batches b ON b.id = r.batch"
        " WHERE r.campaign_id = %s AND r.state = 'unknown' AND b.checks < %s",
        (campaign, max_checks),
        "one",
    )
    return int(row[0])


def _holder_flow(campaign: int) -> Flow[Owner | None]:
    row = yield (
        "SELECT pid, host, id, EXTRACT(EPOCH FROM started_at)::float8 FROM smsgate_workers"
        " WHERE stopped_at IS NULL AND (campaign_id = %s OR campaign_id IS NULL) ORDER BY id LIMIT 1",
        (campaign,),
        "one",
    )
    return None if row is None else Owner(int(row[0]), str(row[1]), f"worker-{row[2]}", float(row[3]))


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
        "UPDATE smsgate_recipients SET state = 'pending', batch = NULL WHERE campaign_id = %s AND state = ANY(%s)",
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


#: Rows loaded at once after which the table's statistics are refreshed, so that the very first claims already
#: read the pending index (without statistics a fresh million-row table is planned as a few rows).
_ANALYZE_AFTER: Final = 10_000


def _analyze_flow() -> Flow[None]:
    yield ("ANALYZE smsgate_recipients", None, "none")


def _copy_flow(campaign: int, rows: list[tuple[int, str, str | None]]) -> Flow[int]:
    yield (
        "COPY smsgate_recipients (campaign_id, seq, recipient, text) FROM STDIN",
        [(campaign, seq, recipient, text) for seq, recipient, text in rows],
        "copy",
    )
    return len(rows)


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
        info = self._run(_open_flow(self.where.campaign, create))
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
        return self._run(_meta_flow(self.campaign_id))

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta().get(key, default)

    def set(self, **values: Any) -> None:
        self._run(_set_flow(self.campaign_id, values))

    # -- ownership: one registered worker per runner, alive while its advisory lock is held
    def acquire(self, owner: Owner) -> None:
        if self.worker is not None:
            raise RuntimeError("this journal is already acquired")
        self.worker = self._run(_register_flow(self.campaign_id, owner))

    def release(self) -> None:
        if self.worker is not None:
            worker, self.worker = self.worker, None
            self._run(_unregister_flow(worker, "stopped"))

    def holder(self) -> Owner | None:
        """The longest-running live worker of this campaign (others may run too: see `live_workers`)."""
        return self._run(_holder_flow(self.campaign_id))

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
        if added >= _ANALYZE_AFTER:
            self._run(_analyze_flow())
        return added

    # -- the state machine
    def reap(self, *, resend: bool = False) -> int:
        """In-flight rows of workers that are gone become unknown (pending with `resend`)."""
        return self._run(_reap_flow(self.worker, resend))

    def reopen_orphans(self, *, resend: bool) -> int:
        return self.reap(resend=resend)

    def claim(self, limit: int) -> Claim | None:
        if self._stopped:
            return None
        worker = self.register_worker()
        return self._run(_claim_flow(self.campaign_id, worker, limit))

    def settle(self, results: Iterable[Settlement]) -> int:
        if self.worker is None:
            raise RuntimeError("acquire the journal before claiming or settling rows")
        return self._run(_settle_flow(self.campaign_id, self.worker, results))

    def retry(self, states: Iterable[str]) -> int:
        return self._run(_retry_flow(self.campaign_id, states))

    def unknown_batches(self) -> list[int]:
        """Batches with unknown rows due for a lookup, leased to this runner (see `reconcile_grace`)."""
        return self._run(_unknown_batches_flow(self.campaign_id, self.reconcile_grace, MAX_CHECKS))

    def awaiting_reconciliation(self) -> int:
        """Unknown rows a later lookup may still settle (their batch looked up fewer than MAX_CHECKS times)."""
        return self._run(_awaiting_flow(self.campaign_id, MAX_CHECKS))

    def batch_rows(self, batch: int) -> list[JournalRow]:
        return self._run(_batch_rows_flow(self.campaign_id, batch))

    def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        return self._run(_resolve_flow(self.campaign_id, updates))

    # -- reading
    def counts(self) -> JournalCounts:
        return self._run(_counts_flow(self.campaign_id))

    def live_workers(self) -> int:
        return self._run(_workers_flow(self.campaign_id))

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
        return await self._run(_meta_flow(self.campaign_id))

    async def get(self, key: str, default: Any = None) -> Any:
        return (await self.meta()).get(key, default)

    async def set(self, **values: Any) -> None:
        await self._run(_set_flow(self.campaign_id, values))

    async def acquire(self, owner: Owner) -> None:
        if self.worker is not None:
            raise RuntimeError("this journal is already acquired")
        self.worker = await self._run(_register_flow(self.campaign_id, owner))

    async def release(self) -> None:
        if self.worker is not None:
            worker, self.worker = self.worker, None
            await self._run(_unregister_flow(worker, "stopped"))

    async def holder(self) -> Owner | None:
        return await self._run(_holder_flow(self.campaign_id))

    async def register_worker(self) -> int:
        if self.worker is None:
            await self.acquire(Owner())
        assert self.worker is not None
        return self.worker

    def stop_claiming(self) -> None:
        self._stopped = True

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
        if added >= _ANALYZE_AFTER:
            await self._run(_analyze_flow())
        return added

    async def reap(self, *, resend: bool = False) -> int:
        return await self._run(_reap_flow(self.worker, resend))

    async def reopen_orphans(self, *, resend: bool) -> int:
        return await self.reap(resend=resend)

    async def claim(self, limit: int) -> Claim | None:
        if self._stopped:
            return None
        worker = await self.register_worker()
        return await self._run(_claim_flow(self.campaign_id, worker, limit))

    async def settle(self, results: Iterable[Settlement]) -> int:
        if self.worker is None:
            raise RuntimeError("acquire the journal before claiming or settling rows")
        return await self._run(_settle_flow(self.campaign_id, self.worker, results))

    async def retry(self, states: Iterable[str]) -> int:
        return await self._run(_retry_flow(self.campaign_id, states))

    async def unknown_batches(self) -> list[int]:
        return await self._run(_unknown_batches_flow(self.campaign_id, self.reconcile_grace, MAX_CHECKS))

    async def awaiting_reconciliation(self) -> int:
        return await self._run(_awaiting_flow(self.campaign_id, MAX_CHECKS))

    async def batch_rows(self, batch: int) -> list[JournalRow]:
        return await self._run(_batch_rows_flow(self.campaign_id, batch))

    async def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        return await self._run(_resolve_flow(self.campaign_id, updates))

    async def counts(self) -> JournalCounts:
        return await self._run(_counts_flow(self.campaign_id))

    async def live_workers(self) -> int:
        return await self._run(_workers_flow(self.campaign_id))

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
