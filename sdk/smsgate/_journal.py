"""The campaign journal: the durable record of every recipient's state, behind one interface.

`Journal` is the interface a campaign needs (an ABC, so that another store — e.g. a PostgreSQL database that
several machines share — can implement it); `SqliteJournal` is the embedded default: one SQLite file (WAL).
`smsgate._campaign.open_journal` picks the backend from the journal's location.

Each state change is committed before the next step that depends on it: a batch is marked *in-flight*
(committed, with the batch number taken from the journal's counter in the same transaction) before its
request leaves, and its outcomes are committed, in one transaction, as soon as the reply is read. So after a
crash at any moment — even SIGKILL — the journal says exactly which recipients were certainly not sent
(pending), which were settled, and which may have been sent (in-flight at the crash, reopened as unknown).

States: ``pending`` → ``inflight`` → ``accepted`` | ``rejected`` | ``unknown``, or back to ``pending`` when
the request provably did not reach the provider (``failed`` is kept for journals of older versions).

Ownership: a journal has at most one runner at a time. `Journal.acquire` takes it (refusing with
`JournalBusyError`, which names the holder's process id and host, while another runner holds it); in-flight
rows are reopened only when their owner is provably gone (`Journal.reopen_orphans`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import sqlite3
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from ._exceptions import SmsGateError

__all__ = [
    "STATES",
    "Claim",
    "Journal",
    "JournalBusyError",
    "JournalCounts",
    "JournalError",
    "JournalRow",
    "Owner",
    "Settlement",
    "SqliteJournal",
]

STATES = ("pending", "inflight", "accepted", "rejected", "failed", "unknown")


class JournalRow(NamedTuple):
    """One recipient's record (an immutable tuple: a campaign builds one per recipient it claims)."""

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
    #: The batch (request) that last carried this row; None when it was never claimed.
    batch: int | None = None
    #: When the row last changed state (seconds since the epoch): for an unknown row, since when it is.
    updated_at: float | None = None


#: A `JournalRow` from a tuple of all its fields, without the named tuple's own `__new__` (a Python function
#: taking each field as an argument: 0.41 µs against 0.15 µs) — what a claim does for every row it takes.
_row = tuple.__new__


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


@dataclass(frozen=True, slots=True)
class Owner:
    """Who runs a journal: a random token (the in-flight rows it claims carry it), its process and host."""

    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    since: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "host": self.host, "token": self.token, "since": self.since}

    @classmethod
    def from_json(cls, data: Any) -> Owner | None:
        try:
            return cls(int(data["pid"]), str(data["host"]), str(data["token"]), float(data["since"]))
        except (TypeError, KeyError, ValueError):
            return None

    def __str__(self) -> str:
        return f"process {self.pid} on host {self.host}"


class JournalError(SmsGateError):
    """A campaign journal failed or refused (its database unreachable, no such campaign, …). Its text never
    holds a password of the journal's location."""


class JournalBusyError(JournalError):
    """Another runner holds the journal; ``holder`` names it (process id and host) when it is known."""

    def __init__(self, location: str, holder: Owner | None) -> None:
        who = str(holder) if holder is not None else "another process"
        super().__init__(
            f"the journal {location} is being run by {who}: one runner at a time "
            "(wait for it to finish, or stop it, then run again)"
        )
        self.holder = holder


@dataclass(frozen=True, slots=True)
class Claim:
    """Rows claimed for one request: the batch number (the request key's suffix) and the rows, in-flight."""

    batch: int
    rows: list[JournalRow]
    #: True when these rows were sent before under this batch number (a resend after "not found").
    resend: bool = False


#: (seq, state, phone, message_id, code, reason, detail) of one row of a request's outcome.
Settlement = tuple[int, str, str | None, str | None, str | None, str | None, str | None]


class Journal(ABC):
    """What a campaign needs from its durable record. Implementations are used from one thread per instance.

    Semantics every backend keeps:

    * `claim` is atomic: it returns only rows that this call moved from pending to in-flight (owned by the
      acquired `Owner`), committed before it returns; the batch number comes from a counter advanced in the
      same transaction, so request keys never repeat across runners and resumes. Rows that went back to
      pending after a request that provably did not deliver them are claimed again under their original
      batch number (so the provider's own de-duplication of that client id catches a late arrival).
    * `settle` records a request's outcomes in one commit, and only for rows still in flight for this owner.
    * `reopen_orphans` touches in-flight rows only when their owner is provably gone.
    """

    #: Where the journal is, for messages (never holds a secret).
    location: str

    # -- metadata
    @abstractmethod
    def get(self, key: str, default: Any = None) -> Any: ...

    @abstractmethod
    def set(self, **values: Any) -> None: ...

    # -- ownership
    @abstractmethod
    def acquire(self, owner: Owner) -> None:
        """Become the journal's runner; `JournalBusyError` naming the holder when another runner has it."""

    @abstractmethod
    def release(self) -> None:
        """Stop being the runner (idempotent)."""

    @abstractmethod
    def holder(self) -> Owner | None:
        """The runner holding the journal now, if any (read-only; for reports)."""

    # -- loading
    @abstractmethod
    def loaded(self) -> int:
        """How many input rows are in the journal (rows are added in input order, from seq 0)."""

    @abstractmethod
    def add(self, rows: Iterable[tuple[int, str, str | None]], chunk: int = 5000) -> int:
        """Add (seq, recipient, text) rows in chunks; rows already present are kept as they are."""

    # -- the state machine
    @abstractmethod
    def reopen_orphans(self, *, resend: bool) -> int:
        """In-flight rows whose owner is provably gone may have been sent: they become unknown (or pending,
        when the caller opted into at-least-once delivery). Returns how many."""

    @abstractmethod
    def retry(self, states: Iterable[str]) -> int:
        """Put settled rows of the given states back to pending (e.g. unknown, for at-least-once)."""

    @abstractmethod
    def claim(self, limit: int) -> Claim | None:
        """Up to `limit` pending rows sharing one text, in-flight for the acquired owner; None when none."""

    @abstractmethod
    def settle(self, results: Iterable[Settlement]) -> int:
        """Record a request's outcomes in one commit; returns the rows updated."""

    def settle_and_claim(self, results: Iterable[Settlement], limit: int) -> Claim | None:
        """`settle` one request's outcomes and `claim` the next rows; a backend may do both in one commit
        (SQLite does: one commit per batch instead of two). The claim is committed before this returns, as
        with `claim`."""
        self.settle(results)
        return self.claim(limit)

    @abstractmethod
    def unknown_batches(self) -> list[int]:
        """The requests with recipients whose outcome is unknown."""

    @abstractmethod
    def batch_rows(self, batch: int) -> list[JournalRow]:
        """Every row one request carried (any state), in input order."""

    @abstractmethod
    def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        """Settle unknown rows after reconciliation: (seq, state, phone, message_id, detail)."""

    # -- reading
    @abstractmethod
    def counts(self) -> JournalCounts: ...

    @abstractmethod
    def rows(self, state: str | None = None) -> Iterator[JournalRow]:
        """Every row in input order (streamed, never all in memory)."""

    @abstractmethod
    def close(self) -> None:
        """Release the journal (if held) and close it."""

    def export_csv(self, out: IO[str]) -> int:
        """Every recipient's outcome as CSV, in input order (streamed). Returns the number of rows."""
        import csv

        writer = csv.writer(out)
        writer.writerow(
            ["seq", "recipient", "phone", "state", "message_id", "code", "reason", "detail", "attempts", "request_key"]
        )
        key = self.get("key")
        n = 0
        for row in self.rows():
            # The key of the request that last carried it: what the provider can be asked about later.
            sent = key and row.batch is not None and row.code != "validation"
            writer.writerow(
                [
                    row.seq,
                    row.recipient,
                    row.phone,
                    row.state,
                    row.message_id,
                    row.code,
                    row.reason,
                    row.detail,
                    row.attempts,
                    f"{key}-{row.batch}.0" if sent else None,
                ]
            )
            n += 1
        return n


# ------------------------------------------------------------------------------------------------------
# SQLite

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
    batch INTEGER,                      -- the request that last carried it (its key's suffix)
    updated_at REAL,
    owner TEXT                          -- the runner's token, while in flight
);
"""

# Fresh pending rows (what a claim takes) are found by their position from a cursor the runner keeps
# (`SqliteJournal._fresh_from`), not by an index: loading, claiming and settling a row touch no index at all.
# Journals of older versions had an index of every state, then one of fresh rows: a runner drops them.
_OLD_INDEXES = ("recipients_by_state", "recipients_fresh")

# The first fresh pending rows from a position, in input order (a search of the table's rowid).
_FRESH_ROWS = (
    "SELECT seq, recipient, text, batch FROM recipients"
    " WHERE seq >= ? AND state = 'pending' AND batch IS NULL ORDER BY seq LIMIT ?"
)

# Rows back to pending after a request that provably did not deliver them: resent under their batch number.
_RESEND_INDEX = (
    "CREATE INDEX IF NOT EXISTS recipients_to_resend ON recipients (batch, seq)"
    " WHERE state = 'pending' AND batch IS NOT NULL"
)

_COLUMNS = "seq, recipient, text, state, phone, message_id, code, reason, detail, attempts, batch, updated_at"

_STR_ONLY = frozenset({str})
#: Consecutive rows from a position (?1) whose numbers are the items of a JSON array of strings (?2).
_INSERT_ARRAY = "INSERT OR IGNORE INTO recipients (seq, recipient) SELECT ?1 + key, value FROM json_each(?2)"

# Python's sqlite3 (3.11) binds None through its adaptation protocol (a failed lookup of `__adapt__` and
# `__conform__` per value): about 0.35 µs against 0.07-0.12 µs for an int or a str. The statements a campaign
# runs for every recipient therefore never bind None: loading binds no text for a row without its own, and a
# settlement binds an absent value as the integer 0, which `NULLIF(?, 0)` writes as NULL (the values are
# strings or None, and no string equals an integer in SQLite: "0" stays "0").
_SETTLE = (
    "UPDATE recipients SET state = ?, phone = NULLIF(?, 0), message_id = NULLIF(?, 0), code = NULLIF(?, 0),"
    " reason = NULLIF(?, 0), detail = NULLIF(?, 0), owner = NULL, updated_at = ?"
    " WHERE seq = ? AND state = 'inflight' AND owner = ?"
)


class SqliteJournal(Journal):
    """A journal in one SQLite file (WAL). Ownership is an exclusive lock on ``<file>-owner`` (released by
    the operating system when the holder dies, SIGKILL included), which also records who holds it.

    Durability: ``synchronous=FULL`` — each commit is on disk before the request leaves or the next batch is
    claimed, so the journal survives a power loss too, not only a crash of the process. A worker commits once
    per request: the outcomes of the request just read together with the claim of its next batch
    (`settle_and_claim`)."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)  # explicit transactions
        self._db.execute("PRAGMA journal_mode=WAL")
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(recipients)")}
        if "owner" not in columns:  # a journal of an older version
            self._db.execute("ALTER TABLE recipients ADD COLUMN owner TEXT")
        self._db.execute(_RESEND_INDEX)
        self._owner: Owner | None = None
        #: Rows per state while this journal is acquired (its owner is the only writer), kept up to date by
        #: add, claim and settle so that progress reports do not count the whole table; None = count again.
        self._counts: dict[str, int] | None = None
        self._lock_file: IO[str] | None = None
        #: Whether the batch counter's row is known to exist (inserted once, not before every claim).
        self._counter_ready = False
        #: No fresh pending row (pending, never claimed) comes before this position while the journal is held:
        #: a claim searches from here. Moved past what a claim takes; back to where rows become fresh again
        #: (added, retried, reopened for a resend, a rolled-back claim). A search that finds nothing from here
        #: looks once more from the start, so a row made fresh by anyone else is still found.
        self._fresh_from = 0

    def close(self) -> None:
        self.release()
        self._db.close()

    # -- metadata ---------------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set(self, **values: Any) -> None:
        with self._transaction():
            self._set(values)

    def _set(self, values: dict[str, Any]) -> None:
        self._db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(k, json.dumps(v)) for k, v in values.items()],
        )

    # -- ownership --------------------------------------------------------------------------------

    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + "-owner")

    def acquire(self, owner: Owner) -> None:
        if self._owner is not None:
            raise RuntimeError("this journal is already acquired")
        handle = self._lock_path().open("a+", encoding="utf-8")
        try:
            if not _try_lock(handle):
                raise JournalBusyError(self.location, self._recorded_holder(handle))
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(owner.to_json()))
            handle.flush()
        except BaseException:
            handle.close()
            raise
        self._lock_file = handle
        self._owner = owner
        self._fresh_from = 0
        with self._transaction():
            for name in _OLD_INDEXES:  # the runner is the only writer now: nobody is using them
                self._db.execute(f"DROP INDEX IF EXISTS {name}")
        self.set(owner=owner.to_json())
        self._counts = None
        self.counts()  # counted once now (nothing to count in a new journal), then kept up to date

    def release(self) -> None:
        if self._lock_file is None:
            return
        with contextlib.suppress(sqlite3.Error):  # closing after a failure: the lock still goes
            self.set(owner=None)
        self._lock_file.close()  # closing the file drops the lock
        self._lock_file = None
        self._owner = None
        self._counts = None

    def holder(self) -> Owner | None:
        path = self._lock_path()
        if not path.exists():
            return None
        with path.open("a+", encoding="utf-8") as handle:
            if _try_lock(handle):  # nobody holds it (ours is released when the file closes)
                return None
            return self._recorded_holder(handle)

    @staticmethod
    def _recorded_holder(handle: IO[str]) -> Owner | None:
        handle.seek(0)
        try:
            return Owner.from_json(json.loads(handle.read() or "null"))
        except ValueError:
            return None

    def _token(self) -> str:
        if self._owner is None:
            raise RuntimeError("acquire the journal before claiming or settling rows")
        return self._owner.token

    # -- loading ----------------------------------------------------------------------------------

    def loaded(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM recipients").fetchone()
        return int(row[0])

    def add(self, rows: Iterable[tuple[int, str, str | None]], chunk: int = 5000) -> int:
        added = 0
        source = iter(rows)
        while buffer := list(itertools.islice(source, chunk)):
            added += self._insert(buffer)
        return added

    def _insert(self, rows: list[tuple[int, str, str | None]]) -> int:
        # Rows without a text of their own are inserted without binding one (see `_SETTLE`).
        plain = [(seq, recipient) for seq, recipient, text in rows if text is None]
        own = [row for row in rows if row[2] is not None] if len(plain) < len(rows) else []
        added = 0
        with self._transaction():
            if plain:
                added += self._insert_plain(plain)
            if own:
                added += self._db.executemany(
                    "INSERT OR IGNORE INTO recipients (seq, recipient, text) VALUES (?, ?, ?)", own
                ).rowcount
        if self._counts is not None:
            self._counts["pending"] += added
        if self._fresh_from and added:  # (a load before any claim has nothing to move back)
            self._fresh_from = min(self._fresh_from, min(row[0] for row in rows))
        return added

    def _insert_plain(self, plain: list[tuple[int, str]]) -> int:
        """Rows without a text of their own. Consecutive rows whose numbers are all strings that JSON writes
        without an escape (printable ASCII, from the space to "~", but for quotes and backslashes: what
        `json_each` reads back exactly as given) go in as one statement over a JSON array of the numbers,
        instead of one bound row at a time (about 0.5 µs less per row); any other chunk row by row."""
        seqs, numbers = zip(*plain, strict=True)
        first = seqs[0]
        if set(map(type, numbers)) == _STR_ONLY and seqs == tuple(range(first, first + len(seqs))):
            array = json.dumps(numbers)
            if "\\" not in array:  # nothing escaped: every number is read back exactly as given
                return self._db.execute(_INSERT_ARRAY, (first, array)).rowcount
        return self._db.executemany("INSERT OR IGNORE INTO recipients (seq, recipient) VALUES (?, ?)", plain).rowcount

    # -- the state machine ------------------------------------------------------------------------

    def reopen_orphans(self, *, resend: bool) -> int:
        # The exclusive lock proves every other runner gone: in-flight rows not ours are orphans.
        token = self._token()
        state = "pending" if resend else "unknown"
        detail = None if resend else "in flight when the campaign stopped: it may have been sent"
        with self._transaction():
            # At-least-once resends are new requests (a new batch number, a new key).
            cursor = self._db.execute(
                "UPDATE recipients SET state = ?, detail = COALESCE(?, detail), code = COALESCE(?, code),"
                " batch = CASE WHEN ? THEN NULL ELSE batch END, owner = NULL, updated_at = ?"
                " WHERE state = 'inflight' AND (owner IS NULL OR owner != ?)",
                (state, detail, None if resend else "interrupted", resend, time.time(), token),
            )
        if self._counts is not None:  # every row it changed was in flight: the counts follow without a recount
            self._counts["inflight"] -= cursor.rowcount
            self._counts[state] += cursor.rowcount
        if resend and cursor.rowcount:
            self._fresh_from = 0  # fresh again, wherever they are
        return cursor.rowcount

    def retry(self, states: Iterable[str]) -> int:
        wanted = dict.fromkeys(s for s in states if s in STATES and s not in ("pending", "inflight"))
        moved: dict[str, int] = {}
        with self._transaction():
            for state in wanted:  # one statement per state, so that the live counts follow each
                # A deliberate resend (at-least-once) is a new request: a new batch number, a new key.
                moved[state] = self._db.execute(
                    "UPDATE recipients SET state = 'pending', batch = NULL WHERE state = ?", (state,)
                ).rowcount
        total = sum(moved.values())
        if total:
            if self._counts is not None:
                for state, n in moved.items():
                    self._counts[state] -= n
                self._counts["pending"] += total
            self._fresh_from = 0  # fresh again, wherever they are
        return total

    def claim(self, limit: int) -> Claim | None:
        token = self._token()
        with self._transaction():
            return self._claim(limit, token)

    def settle(self, results: Iterable[Settlement]) -> int:
        token = self._token()
        with self._transaction():
            return self._settle(results, token)

    def settle_and_claim(self, results: Iterable[Settlement], limit: int) -> Claim | None:
        token = self._token()
        with self._transaction():
            self._settle(results, token)
            return self._claim(limit, token)

    def _claim(self, limit: int, token: str) -> Claim | None:
        resend = True
        rows = self._db.execute(
            "SELECT seq, recipient, text, batch FROM recipients INDEXED BY recipients_to_resend"
            " WHERE state = 'pending' AND batch IS NOT NULL ORDER BY batch, seq LIMIT ?",
            (limit,),
        ).fetchall()
        if rows:
            batch = int(rows[0][3])
            rows = [r for r in rows if r[3] == batch]
        else:
            resend = False
            rows = self._db.execute(_FRESH_ROWS, (self._fresh_from, limit)).fetchall()
            if not rows and self._fresh_from:  # none from the cursor: once more from the start (see _fresh_from)
                self._fresh_from = 0
                rows = self._db.execute(_FRESH_ROWS, (0, limit)).fetchall()
            if not rows:
                return None
            if not self._counter_ready:
                self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('batches', '0')")
                self._counter_ready = True
            (value,) = self._db.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'batches' RETURNING value"
            ).fetchone()
            batch = int(value)
        first_text = rows[0][2]
        chosen = rows if all(r[2] == first_text for r in rows) else [r for r in rows if r[2] == first_text]
        if not resend:  # the first row not taken (another text) is the first fresh row left
            self._fresh_from = next((r[0] for r in rows if r[2] != first_text), rows[-1][0] + 1)
        now = time.time()
        first, last = chosen[0][0], chosen[-1][0]
        rows_sql, rows_args = (
            ("seq BETWEEN ? AND ?", (first, last))  # consecutive rows (the usual case): exactly the range
            if last - first == len(chosen) - 1
            else ("seq IN (SELECT value FROM json_each(?))", (json.dumps([r[0] for r in chosen]),))
        )
        taken = self._db.execute(
            "UPDATE recipients SET state = 'inflight', batch = ?, owner = ?, attempts = attempts + 1,"  # noqa: S608
            f" updated_at = ? WHERE {rows_sql} AND state = 'pending'",  # rows_sql: one of the two fixed clauses
            (batch, token, now, *rows_args),
        ).rowcount
        if taken != len(chosen):  # cannot happen under the write lock; never return rows not taken
            raise RuntimeError("journal claim raced with another writer")
        if self._counts is not None:
            self._counts["pending"] -= taken
            self._counts["inflight"] += taken
        return Claim(
            batch,
            [
                _row(JournalRow, (seq, r, t, "inflight", None, None, None, None, None, 0, batch, now))
                for seq, r, t, _ in chosen
            ],
            resend,
        )

    def _settle(self, results: Iterable[Settlement], token: str) -> int:
        now = time.time()
        # An absent value is bound as 0 and written as NULL by the statement (see `_SETTLE`).
        items = [
            (
                state,
                0 if phone is None else phone,
                0 if mid is None else mid,
                0 if code is None else code,
                0 if reason is None else reason,
                0 if detail is None else detail,
                now,
                seq,
                token,
            )
            for seq, state, phone, mid, code, reason, detail in results
        ]
        cursor = self._db.executemany(_SETTLE, items)
        counts = self._counts
        if counts is not None:
            if cursor.rowcount == len(items):
                counts["inflight"] -= len(items)
                for item in items:
                    counts[item[0]] += 1
            else:  # rows no longer ours (cannot happen while we hold the journal): count again
                self._counts = None
        return cursor.rowcount

    def unknown_batches(self) -> list[int]:
        rows = self._db.execute(
            "SELECT DISTINCT batch FROM recipients WHERE state = 'unknown' AND batch IS NOT NULL ORDER BY batch"
        ).fetchall()
        return [int(r[0]) for r in rows]

    def batch_rows(self, batch: int) -> list[JournalRow]:
        cursor = self._db.execute(f"SELECT {_COLUMNS} FROM recipients WHERE batch = ? ORDER BY seq", (batch,))  # noqa: S608
        return [JournalRow(*row) for row in cursor.fetchall()]

    def resolve(self, updates: Iterable[tuple[int, str, str | None, str | None, str | None]]) -> int:
        now = time.time()
        with self._transaction():
            cursor = self._db.executemany(
                "UPDATE recipients SET state = ?, phone = COALESCE(?, phone), message_id = ?, code = 'reconciled',"
                " detail = ?, updated_at = ? WHERE seq = ? AND state = 'unknown'",
                [(state, phone, mid, detail, now, seq) for seq, state, phone, mid, detail in updates],
            )
        self._counts = None
        return cursor.rowcount

    # -- reading ----------------------------------------------------------------------------------

    def counts(self) -> JournalCounts:
        counts = self._counts
        if counts is None:
            found = dict(self._db.execute("SELECT state, COUNT(*) FROM recipients GROUP BY state").fetchall())
            counts = {s: int(found.get(s, 0)) for s in STATES}
            if self._owner is not None:  # the only writer is this object: keep them up to date from now on
                self._counts = counts
        return JournalCounts(**counts)

    def rows(self, state: str | None = None) -> Iterator[JournalRow]:
        query = f"SELECT {_COLUMNS} FROM recipients"  # noqa: S608
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
        def __init__(self, journal: SqliteJournal) -> None:
            self.journal = journal

        def __enter__(self) -> None:
            self.journal._db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            if exc_type is None:
                self.journal._db.execute("COMMIT")
            else:
                self.journal._counts = None  # the live counts may have counted what is rolled back
                self.journal._counter_ready = False  # and the counter's row may have been inserted in it
                self.journal._fresh_from = 0  # and a claim in it may have moved the cursor past its rows
                self.journal._db.execute("ROLLBACK")

    def _transaction(self) -> SqliteJournal._Tx:
        return SqliteJournal._Tx(self)


def _try_lock(handle: IO[str]) -> bool:
    """An exclusive, non-blocking lock on an open file, dropped by the OS when the process dies."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
