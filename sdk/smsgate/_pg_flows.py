"""The PostgreSQL journal's I/O-free part: its schema and every statement with what to do with its result,
written once as generator "flows" (`smsgate._journal_pg` runs them on a sync or an async connection)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

from ._journal import STATES, Claim, JournalCounts, JournalError, JournalRow, Owner, Settlement

__all__ = [
    "ANALYZE_AFTER",
    "COLUMNS",
    "MAX_CHECKS",
    "Flow",
    "analyze_flow",
    "awaiting_flow",
    "batch_rows_flow",
    "claim_flow",
    "copy_flow",
    "counts_flow",
    "holder_flow",
    "loaded_flow",
    "meta_flow",
    "open_flow",
    "reap_flow",
    "register_flow",
    "resolve_flow",
    "retry_flow",
    "set_flow",
    "settle_and_claim_flow",
    "settle_flow",
    "unknown_batches_flow",
    "unregister_flow",
    "workers_flow",
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
COLUMNS = (
    "seq, recipient, text, state, phone, message_id, code, reason, detail, attempts, batch,"
    " EXTRACT(EPOCH FROM updated_at)::float8"
)


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


def open_flow(name: str, create: bool) -> Flow[CampaignInfo | None]:
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


def set_flow(campaign: int, values: Mapping[str, Any]) -> Flow[dict[str, Any]]:
    row = yield (
        "UPDATE smsgate_campaigns SET meta = meta || %s::jsonb WHERE id = %s RETURNING meta",
        (_json(dict(values)), campaign),
        "one",
    )
    return dict(row[0])


def meta_flow(campaign: int) -> Flow[dict[str, Any]]:
    row = yield ("SELECT meta FROM smsgate_campaigns WHERE id = %s", (campaign,), "one")
    return dict(row[0]) if row else {}


def register_flow(campaign: int | None, owner: Owner | None = None) -> Flow[int]:
    row = yield (
        "INSERT INTO smsgate_workers (campaign_id, host, pid) VALUES (%s, %s, %s) RETURNING id",
        (campaign, owner.host if owner else socket.gethostname(), owner.pid if owner else os.getpid()),
        "one",
    )
    worker = int(row[0])
    # Taken before the insert commits: nobody can see this worker without its lock held.
    yield ("SELECT pg_advisory_lock(%s, (%s %% 2147483648)::int)", (WORKER_LOCK, worker), "none")
    return worker


def unregister_flow(worker: int, how: str) -> Flow[None]:
    yield ("UPDATE smsgate_workers SET stopped_at = clock_timestamp(), how = %s WHERE id = %s", (how, worker), "none")
    yield (
        "UPDATE smsgate_rate_slots SET holder = NULL, free_at = clock_timestamp() + make_interval(secs => window_s)"
        " WHERE holder = %s",
        (worker,),
        "none",
    )
    yield ("SELECT pg_advisory_unlock(%s, (%s %% 2147483648)::int)", (WORKER_LOCK, worker), "none")


def reap_flow(me: int | None, resend: bool) -> Flow[int]:
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


def claim_flow(campaign: int, worker: int, limit: int) -> Flow[Claim | None]:
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
    batch, key = yield (
        "SELECT nextval(pg_get_serial_sequence('smsgate_batches', 'id')), meta->>'key' FROM smsgate_campaigns"
        " WHERE id = %s",
        (campaign,),
        "one",
    )
    return (yield from _take(campaign, worker, int(batch), rows, resend=False, key=key))


def _take(
    campaign: int, worker: int, batch: int, rows: list[Any], *, resend: bool, key: str | None = None
) -> Flow[Claim]:
    chosen: list[tuple[int, str, str | None]] = []
    for seq, recipient, text in rows:
        if chosen and text != chosen[0][2]:
            break  # one request carries one text
        chosen.append((int(seq), str(recipient), text))
    if not resend:
        yield (
            "INSERT INTO smsgate_batches (id, campaign_id, request_key, worker_id, size) VALUES (%s, %s, %s, %s, %s)",
            (batch, campaign, f"{key}-{batch}", worker, len(chosen)),
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


def settle_flow(campaign: int, worker: int, results: Iterable[Settlement]) -> Flow[int]:
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


def settle_and_claim_flow(
    campaign: int, worker: int, results: Iterable[Settlement], limit: int, *, claiming: bool
) -> Flow[Claim | None]:
    """`settle_flow` then `claim_flow` (unless `claiming` is off) in one transaction: one commit per request."""
    yield from settle_flow(campaign, worker, results)
    if not claiming:
        return None
    return (yield from claim_flow(campaign, worker, limit))


def unknown_batches_flow(campaign: int, lease: float, max_checks: int) -> Flow[list[int]]:
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


def awaiting_flow(campaign: int, max_checks: int) -> Flow[int]:
    """Unknown rows that a later lookup may still settle (their batch asked fewer than `max_checks` times)."""
    row = yield (
        "SELECT COUNT(*) FROM smsgate_recipients r JOIN smsgate_batches b ON b.id = r.batch"
        " WHERE r.campaign_id = %s AND r.state = 'unknown' AND b.checks < %s",
        (campaign, max_checks),
        "one",
    )
    return int(row[0])


def holder_flow(campaign: int) -> Flow[Owner | None]:
    row = yield (
        "SELECT pid, host, id, EXTRACT(EPOCH FROM started_at)::float8 FROM smsgate_workers"
        " WHERE stopped_at IS NULL AND (campaign_id = %s OR campaign_id IS NULL) ORDER BY id LIMIT 1",
        (campaign,),
        "one",
    )
    return None if row is None else Owner(int(row[0]), str(row[1]), f"worker-{row[2]}", float(row[3]))


def batch_rows_flow(campaign: int, batch: int) -> Flow[list[JournalRow]]:
    rows = yield (
        f"SELECT {COLUMNS} FROM smsgate_recipients WHERE campaign_id = %s AND batch = %s ORDER BY seq",  # noqa: S608
        (campaign, batch),
        "all",
    )
    return [JournalRow(*row) for row in rows]


def resolve_flow(campaign: int, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> Flow[int]:
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


def retry_flow(campaign: int, states: Iterable[str]) -> Flow[int]:
    wanted = [s for s in states if s in STATES and s not in ("pending", "inflight")]
    if not wanted:
        return 0
    count = yield (
        "UPDATE smsgate_recipients SET state = 'pending', batch = NULL WHERE campaign_id = %s AND state = ANY(%s)",
        (campaign, wanted),
        "count",
    )
    return int(count)


def counts_flow(campaign: int) -> Flow[JournalCounts]:
    rows = yield (
        "SELECT state, COUNT(*) FROM smsgate_recipients WHERE campaign_id = %s GROUP BY state",
        (campaign,),
        "all",
    )
    found = {str(s): int(n) for s, n in rows}
    return JournalCounts(**{s: found.get(s, 0) for s in STATES})


def workers_flow(campaign: int) -> Flow[int]:
    """Workers of this campaign (or of any campaign) still registered; a gone one is noticed by the next reap."""
    row = yield (
        "SELECT COUNT(*) FROM smsgate_workers WHERE stopped_at IS NULL AND (campaign_id = %s OR campaign_id IS NULL)",
        (campaign,),
        "one",
    )
    return int(row[0])


def loaded_flow(campaign: int) -> Flow[int]:
    row = yield (
        "SELECT COALESCE(MAX(seq) + 1, 0) FROM smsgate_recipients WHERE campaign_id = %s",
        (campaign,),
        "one",
    )
    return int(row[0])


#: Rows loaded at once after which the table's statistics are refreshed, so that the very first claims already
#: read the pending index (without statistics a fresh million-row table is planned as a few rows).
ANALYZE_AFTER: Final = 10_000


def analyze_flow() -> Flow[None]:
    yield ("ANALYZE smsgate_recipients", None, "none")


def copy_flow(campaign: int, rows: list[tuple[int, str, str | None]]) -> Flow[int]:
    yield (
        "COPY smsgate_recipients (campaign_id, seq, recipient, text) FROM STDIN",
        [(campaign, seq, recipient, text) for seq, recipient, text in rows],
        "copy",
    )
    return len(rows)
