"""The campaign journal: one SQLite file (WAL) that records every recipient's state, durably.

Each state change is committed before the next step that depends on it: a batch is marked *in-flight*
(committed) before its request leaves, and its outcomes are committed as soon as the reply is read. So after
a crash at any moment — even SIGKILL — the journal says exactly which recipients were certainly not sent
(pending), which were settled, and which may have been sent (in-flight at the crash, reopened as unknown).

States: ``pending`` → ``inflight`` → ``accepted`` | ``rejected`` | ``failed`` (not sent; goes back to
pending) | ``unknown``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Journal", "JournalCounts", "JournalRow"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (
    seq INTEGER PRIMARY KEY,            -- position in the input, from 0
    recipient TEXT NOT NULL,            -- as given
    text TEXT,                          -- this recipient's own text; NULL = the campaign's text
    state TEXT NOT NULL DEFAULT 'pending',
    phone TEXT,                         -- as sent (the provider's form)
    message_id TEXT,
    code TEXT,
    reason TEXT,
    detail TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    batch INTEGER,
    updated_at REAL
);
CREATE INDEX IF NOT EXISTS recipients_by_state ON recipients (state, seq);
"""

STATES = ("pending", "inflight", "accepted", "rejected", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class JournalRow:
    seq: int
    recipient: str
    text: str | None
    state: str
    phone: str | None
    message_id: str | None
    code: str | None
    reason: str | None
    detail: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class JournalCounts:
    pending: int = 0
    inflight: int = 0
    accepted: int = 0
    rejected: int = 0
    failed: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.inflight + self.accepted + self.rejected + self.failed + self.unknown

    @property
    def settled(self) -> int:
        return self.accepted + self.rejected + self.unknown


class Journal:
    """A campaign's durable record. Not thread-safe: the campaign uses it from one thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions below
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable against a crash of this process (WAL is fsync'ed at checkpoints only, but the OS
        # keeps written pages); FULL would add durability against power loss at ~2x the cost per commit.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- metadata ---------------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set(self, **values: Any) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    # -- loading ----------------------------------------------------------------------------------

    def loaded(self) -> int:
        """How many input rows are in the journal (rows are added in input order)."""
        row = self._db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM recipients").fetchone()
        return int(row[0])

    def add(self, rows: Iterable[tuple[int, str, str | None]], chunk: int = 5000) -> int:
        """Add (seq, recipient, text) rows in chunks; rows already present are kept as they are."""
        added = 0
        buffer: list[tuple[int, str, str | None]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= chunk:
                added += self._insert(buffer)
                buffer = []
        if buffer:
            added += self._insert(buffer)
        return added

    def _insert(self, rows: list[tuple[int, str, str | None]]) -> int:
        with self._transaction():
            cursor = self._db.executemany(
                "INSERT OR IGNORE INTO recipients (seq, recipient, text) VALUES (?, ?, ?)", rows
            )
        return cursor.rowcount

    # -- the state machine ------------------------------------------------------------------------

    def reopen_inflight(self, *, resend: bool) -> int:
        """After a crash: in-flight rows may have been sent. They become unknown — or pending, when the
        caller opted into at-least-once delivery."""
        state = "pending" if resend else "unknown"
        detail = None if resend else "in flight when the campaign stopped: it may have been sent"
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE recipients SET state = ?, detail = COALESCE(?, detail), code = COALESCE(?, code),"
                " updated_at = ? WHERE state = 'inflight'",
                (state, detail, None if resend else "interrupted", time.time()),
            )
        return cursor.rowcount

    def retry(self, states: Iterable[str]) -> int:
        """Put settled rows of the given states back to pending (e.g. unknown, for at-least-once)."""
        wanted = [s for s in states if s in STATES and s not in ("pending", "inflight")]
        if not wanted:
            return 0
        marks = ",".join("?" * len(wanted))
        with self._transaction():
            cursor = self._db.execute(
                f"UPDATE recipients SET state = 'pending' WHERE state IN ({marks})",  # noqa: S608
                wanted,
            )
        return cursor.rowcount

    def claim(self, limit: int, batch: int) -> list[JournalRow]:
        """The first pending rows sharing one text (up to `limit`), marked in-flight and committed."""
        rows = self._db.execute(
            "SELECT seq, recipient, text FROM recipients WHERE state = 'pending' ORDER BY seq LIMIT ?",
            (limit * 4,),
        ).fetchall()
        chosen: list[tuple[int, str, str | None]] = []
        for seq, recipient, text in rows:
            if chosen and text != chosen[0][2]:
                break
            chosen.append((seq, recipient, text))
            if len(chosen) == limit:
                break
        if not chosen:
            return []
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "UPDATE recipients SET state = 'inflight', batch = ?, attempts = attempts + 1, updated_at = ?"
                " WHERE seq = ? AND state = 'pending'",
                [(batch, now, seq) for seq, _, _ in chosen],
            )
        return [JournalRow(seq, r, t, "inflight", None, None, None, None, None, 0) for seq, r, t in chosen]

    def settle(
        self, results: Iterable[tuple[int, str, str | None, str | None, str | None, str | None, str | None]]
    ) -> None:
        """Record (seq, state, phone, message_id, code, reason, detail) of a batch, in one commit."""
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "UPDATE recipients SET state = ?, phone = ?, message_id = ?, code = ?, reason = ?, detail = ?,"
                " updated_at = ? WHERE seq = ? AND state = 'inflight'",
                [
                    (state, phone, mid, code, reason, detail, now, seq)
                    for seq, state, phone, mid, code, reason, detail in results
                ],
            )

    def unknown_batches(self) -> list[int]:
        """The requests with recipients whose outcome is unknown."""
        rows = self._db.execute(
            "SELECT DISTINCT batch FROM recipients WHERE state = 'unknown' AND batch IS NOT NULL ORDER BY batch"
        ).fetchall()
        return [int(r[0]) for r in rows]

    def batch_rows(self, batch: int) -> list[JournalRow]:
        """Every row one request carried (any state), in input order."""
        cursor = self._db.execute(
            "SELECT seq, recipient, text, state, phone, message_id, code, reason, detail, attempts FROM recipients"
            " WHERE batch = ? ORDER BY seq",
            (batch,),
        )
        return [JournalRow(*row) for row in cursor.fetchall()]

    def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        """Settle unknown rows after reconciliation: (seq, state, phone, message_id, detail)."""
        now = time.time()
        with self._transaction():
            cursor = self._db.executemany(
                "UPDATE recipients SET state = ?, phone = COALESCE(?, phone), message_id = ?, code = 'reconciled',"
                " detail = ?, updated_at = ? WHERE seq = ? AND state = 'unknown'",
                [(state, phone, mid, detail, now, seq) for seq, state, phone, mid, detail in updates],
            )
        return cursor.rowcount

    # -- reading ----------------------------------------------------------------------------------

    def counts(self) -> JournalCounts:
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM recipients GROUP BY state").fetchall())
        return JournalCounts(**{s: int(found.get(s, 0)) for s in STATES})

    def rows(self, state: str | None = None) -> Iterator[JournalRow]:
        """Every row in input order (streamed, never all in memory)."""
        query = "SELECT seq, recipient, text, state, phone, message_id, code, reason, detail, attempts FROM recipients"
        args: tuple[Any, ...] = ()
        if state is not None:
            query += " WHERE state = ?"
            args = (state,)
        cursor = self._db.execute(query + " ORDER BY seq", args)
        while batch := cursor.fetchmany(1000):
            for row in batch:
                yield JournalRow(*row)

    # -- plumbing ---------------------------------------------------------------------------------

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")

    def _transaction(self) -> Journal._Tx:
        return Journal._Tx(self._db)
