"""One journal, one runner: a second runner is refused naming the holder; claims are atomic; batch numbers
(request keys) never repeat; one commit per batch transition."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smsgate
from smsgate._campaign import Campaign
from smsgate._journal import STATES, JournalBusyError, Owner, SqliteJournal

from .journals import held_journal

BIG = "380509999999"


def url_for(emu: Any) -> str:
    return str(emu.base_url("letsads").replace("http://", f"letsads+http://{BIG}:pw@") + "?sender=Sender")


@pytest.fixture
def big_account(smsgate_emulator: Any) -> Any:
    smsgate_emulator.letsads.add_account(login=BIG, password="pw", balance="10000000", senders=["Sender"])
    return smsgate_emulator


def numbers(n: int) -> list[str]:
    return [f"+38050{i:07d}" for i in range(n)]


def test_a_second_runner_is_refused_naming_the_holder(big_account: Any, tmp_path: Path) -> None:
    journal = tmp_path / "c.db"
    with smsgate.Gateway.from_url(url_for(big_account)) as gateway, Campaign(gateway, journal, text="Hi") as first:
        first.load(numbers(10))
        with pytest.raises(smsgate.JournalBusyError) as refused:  # an SmsGateError, exported from smsgate
            Campaign(gateway, journal, text="Hi")
        assert isinstance(refused.value, smsgate.SmsGateError)
        message = str(refused.value)
        assert f"process {os.getpid()}" in message
        assert socket.gethostname() in message
        assert refused.value.holder is not None and refused.value.holder.pid == os.getpid()
        assert first.run().counts.accepted == 10
    # Released on close: the next runner takes it.
    with smsgate.Gateway.from_url(url_for(big_account)) as gateway, Campaign(gateway, journal) as again:
        assert again.run().status == "done"
    assert len(big_account.letsads.messages) == 10


def _cli(journal: Path, numbers_file: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "smsgate._cli",
        "bulk",
        "send",
        "--journal",
        str(journal),
        "--to-file",
        str(numbers_file),
        "--text",
        "Hello",
        "--concurrency",
        "2",
        "--no-progress",
    ]


def test_two_runners_on_one_journal_send_nobody_twice(big_account: Any, tmp_path: Path) -> None:
    """Two `smsgate bulk send` on the same journal at once (two terminals, a cron overlap): the second is
    refused with the holder's pid and host; 1,000 recipients, each sent exactly once."""
    n = 1000
    numbers_file = tmp_path / "numbers.txt"
    numbers_file.write_text("\n".join(numbers(n)) + "\n")
    journal = tmp_path / "c.db"
    # Each request is held 0.5 s on its way: the first runner (2 at a time, 20 requests: 5 s) is still
    # sending when the second starts.
    big_account.faults.inject("letsads", "hold", delay=0.5, count=n // 50)
    env = {**os.environ, "SMSGATE_URL": url_for(big_account)}
    first = subprocess.Popen(_cli(journal, numbers_file), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with first:  # a failure here leaves no running process and no open pipe behind for a later test
        try:
            deadline = time.monotonic() + 60
            while not big_account.letsads.messages and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            second = subprocess.run(_cli(journal, numbers_file), env=env, capture_output=True, text=True, timeout=120)
            _, err = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
    assert first.returncode == 0, err
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"process {first.pid} on host {socket.gethostname()}" in second.stderr
    sent = Counter(m.recipient for m in big_account.letsads.messages.values())
    assert len(sent) == n
    assert max(sent.values()) == 1, f"{sum(v - 1 for v in sent.values())} duplicates"
    with sqlite3.connect(journal) as db:
        assert db.execute("SELECT COUNT(*) FROM recipients WHERE state = 'accepted'").fetchone()[0] == n


def _runner(path: Path) -> SqliteJournal:
    """A journal handle that claims as its own runner. The ownership lock would refuse a second runner;
    the claim itself must be atomic regardless (a backend with several workers relies on it)."""
    journal = SqliteJournal(path)
    journal._owner = Owner()  # bypass the one-runner lock on purpose: this tests the claim alone
    return journal


def test_concurrent_claims_never_hand_out_a_row_or_a_batch_number_twice(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    setup = SqliteJournal(path)
    setup.add((i, f"+38050{i:07d}", None) for i in range(3000))
    setup.close()
    claimed: list[tuple[int, list[int]]] = []
    lock = threading.Lock()

    def drain() -> None:
        journal = _runner(path)
        try:
            while (claim := journal.claim(7)) is not None:
                with lock:
                    claimed.append((claim.batch, [r.seq for r in claim.rows]))
        finally:
            journal.close()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    seqs = Counter(seq for _, rows in claimed for seq in rows)
    assert len(seqs) == 3000
    assert max(seqs.values()) == 1, "a row was handed to two runners"
    batches = Counter(batch for batch, _ in claimed)
    assert max(batches.values()) == 1, "two requests got the same batch number (the same request key)"
    check = SqliteJournal(path)
    assert check.counts().inflight == 3000
    check.close()


def test_batch_numbers_never_repeat_across_resumes(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    seen: list[int] = []
    for _ in range(3):
        journal = held_journal(path)
        if not journal.loaded():
            journal.add((i, f"+38050{i:07d}", None) for i in range(100))
        journal.reopen_orphans(resend=False)
        for _ in range(3):
            claim = journal.claim(5)
            assert claim is not None
            seen.append(claim.batch)
        journal.close()  # like a kill: the claimed rows stay in flight
    assert seen == sorted(set(seen)), seen


def test_one_commit_per_batch_transition(big_account: Any, tmp_path: Path) -> None:
    """One commit per request: a batch's outcomes and the next batch's claim (with its batch number) go in
    one transaction; nothing else is committed per batch."""
    commits: list[str] = []
    with (
        smsgate.Gateway.from_url(url_for(big_account)) as gateway,
        Campaign(gateway, tmp_path / "c.db", text="Hi", concurrency=1) as campaign,
    ):
        campaign.load(numbers(1000))
        campaign.journal._db.set_trace_callback(  # type: ignore[attr-defined]
            lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None
        )
        summary = campaign.run()
    assert summary.requests == 20
    # Once per run: reopening orphans, status running, the first claim, the final status, releasing the journal.
    per_run = 5
    assert len(commits) <= summary.requests + per_run, f"{len(commits)} commits for {summary.requests} requests"
    assert summary.counts.accepted == 1000


@contextlib.contextmanager
def _claims_refused(journal: SqliteJournal) -> Iterator[None]:
    """Inside: any claim (a row put in flight) aborts its transaction with IntegrityError("claims refused"),
    and the test expects it to; after: claims work again."""
    journal._db.execute(
        "CREATE TRIGGER refuse_claims BEFORE UPDATE OF state ON recipients WHEN NEW.state = 'inflight'"
        " BEGIN SELECT RAISE(ABORT, 'claims refused'); END"
    )
    try:
        with pytest.raises(sqlite3.IntegrityError, match="claims refused"):
            yield
    finally:
        journal._db.execute("DROP TRIGGER refuse_claims")


def _scanned(path: Path) -> dict[str, int]:
    """Rows per state, counted by another connection."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM recipients GROUP BY state").fetchall())


def _live(journal: SqliteJournal) -> dict[str, int]:
    counts = journal.counts()
    return {state: n for state in STATES if (n := getattr(counts, state))}


def test_the_runners_counts_stay_equal_to_the_table(tmp_path: Path) -> None:
    """The runner keeps its counts up to date instead of counting the table for each progress report: after
    every kind of change, rolled-back ones included, they equal a count by another connection."""
    path = tmp_path / "c.db"
    rng = random.Random(14)
    journal = held_journal(path)
    journal.add((i, f"+38050{i:07d}", None if i % 97 else "own text") for i in range(2000))
    assert _live(journal) == _scanned(path) == {"pending": 2000}
    claim = journal.claim(50)
    steps = 0
    while claim is not None:
        states = ["accepted", "accepted", "rejected", "unknown", "pending"]
        outcomes = [(r.seq, rng.choice(states), None, None, None, None, None) for r in claim.rows]
        action = rng.random()
        if action < 0.5:
            claim = journal.settle_and_claim(outcomes, 50)
        else:
            journal.settle(outcomes)
            if action < 0.6:
                journal.retry(["unknown"])
            elif action < 0.7:
                unknown = [seq for seq, state, *_ in outcomes if state == "unknown"]
                journal.resolve([(seq, "accepted", None, "m", None) for seq in unknown])
            claim = journal.claim(rng.choice([1, 7, 50]))
        steps += 1
        assert _live(journal) == _scanned(path), f"step {steps}"
    assert steps > 40
    journal.close()


def test_a_failed_settle_and_claim_keeps_neither(tmp_path: Path) -> None:
    """The settlement and the next claim are one transaction: when the claim fails, the settlement is rolled
    back with it (the rows stay in flight, nothing is claimed) and the counts say so."""
    path = tmp_path / "c.db"
    journal = held_journal(path, range(100))
    claim = journal.claim(50)
    assert claim is not None
    assert _live(journal) == _scanned(path) == {"inflight": 50, "pending": 50}
    with _claims_refused(journal):
        journal.settle_and_claim([(r.seq, "accepted", None, "m", None, None, None) for r in claim.rows], 50)
    assert _scanned(path) == {"inflight": 50, "pending": 50}
    assert _live(journal) == _scanned(path)
    journal.close()


def test_a_journal_of_an_older_version_is_taken_over(tmp_path: Path) -> None:
    """A journal written by a version that indexed every state: taken by a runner, its index of states is
    dropped (claims find fresh rows from a cursor), and its pending rows are claimed in input order."""
    path = tmp_path / "c.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE recipients (seq INTEGER PRIMARY KEY, recipient TEXT NOT NULL, text TEXT,"
            " state TEXT NOT NULL DEFAULT 'pending', phone TEXT, message_id TEXT, code TEXT, reason TEXT,"
            " detail TEXT, attempts INTEGER NOT NULL DEFAULT 0, batch INTEGER, updated_at REAL);"
            "CREATE INDEX recipients_by_state ON recipients (state, seq);"
        )
        db.executemany(
            "INSERT INTO recipients (seq, recipient, state) VALUES (?, ?, ?)",
            [(i, f"+38050{i:07d}", "accepted" if i < 10 else "pending") for i in range(30)],
        )
    journal = held_journal(path)
    indexes = {r[0] for r in journal._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert indexes == {"recipients_to_resend", "sqlite_autoindex_meta_1"}
    claim = journal.claim(5)
    assert claim is not None and [r.seq for r in claim.rows] == [10, 11, 12, 13, 14]
    assert _live(journal) == {"accepted": 10, "inflight": 5, "pending": 15}
    journal.close()


def test_a_killed_runner_is_provably_gone(big_account: Any, tmp_path: Path) -> None:
    """The lock dies with its process (SIGKILL included): the next runner takes the journal at once."""
    path = tmp_path / "c.db"
    code = (
        "import sys, time\n"
        "from smsgate._journal import SqliteJournal, Owner\n"
        "j = SqliteJournal(sys.argv[1]); j.acquire(Owner()); print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        probe = SqliteJournal(path)
        with pytest.raises(JournalBusyError, match=f"process {holder.pid} on host"):
            probe.acquire(Owner())
        assert probe.holder() is not None
        holder.kill()
        holder.wait(timeout=10)
        probe.acquire(Owner())  # provably gone: taken
        now = probe.holder()
        assert now is not None and now.pid == os.getpid()
        probe.close()
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_claim_marks_in_flight_exactly_the_rows_it_returns(tmp_path: Path) -> None:
    """Consecutive rows are claimed as a range, others one by one: either way the rows in flight are exactly
    the rows returned, with their batch number, and the first batch number comes from a counter that a rolled
    back claim did not leave behind."""
    path = tmp_path / "c.db"
    journal = held_journal(path)
    journal.add((i, f"+38050{i:07d}", "own" if i in (1, 9) else None) for i in range(12))
    with _claims_refused(journal):
        journal.claim(4)

    def in_flight() -> dict[int, int]:
        with sqlite3.connect(path) as db:
            return dict(db.execute("SELECT seq, batch FROM recipients WHERE state = 'inflight'").fetchall())

    claims = []
    while (claim := journal.claim(4)) is not None:
        claims.append(claim)
        assert in_flight() == {r.seq: claim.batch for r in claim.rows}
        journal.settle([(r.seq, "accepted", None, "m", None, None, None) for r in claim.rows])
    assert [[r.seq for r in c.rows] for c in claims] == [[0, 2, 3], [1], [4, 5, 6, 7], [8, 10, 11], [9]]
    assert [c.batch for c in claims] == [1, 2, 3, 4, 5]
    journal.close()


def test_a_new_campaign_never_counts_its_table(tmp_path: Path) -> None:
    """The runner counts the rows once, when it takes the journal (a new one is empty), and keeps the counts up
    to date from then on: loading, finding no orphans and nothing to retry, claiming and settling never scan
    the table; the counts still equal a count by another connection."""
    path = tmp_path / "c.db"
    journal = held_journal(path)
    statements: list[str] = []
    journal._db.set_trace_callback(statements.append)
    journal.add((i, f"+38050{i:07d}", None) for i in range(500))
    assert journal.reopen_orphans(resend=False) == 0
    assert journal.retry(["unknown"]) == 0
    claim = journal.claim(50)
    while claim is not None:
        claim = journal.settle_and_claim([(r.seq, "accepted", None, "m", None, None, None) for r in claim.rows], 50)
        journal.counts()
    assert _live(journal) == _scanned(path) == {"accepted": 500}
    assert not [s for s in statements if "COUNT(" in s.upper()]
    journal.close()


@pytest.mark.parametrize("resend", [False, True])
def test_reopening_a_gone_runners_rows_keeps_the_counts_without_counting_again(tmp_path: Path, resend: bool) -> None:
    """A resumed campaign: the rows a gone runner left in flight become unknown (pending with at-least-once);
    the runner's counts follow them without a second count of the table, and equal the table."""
    path = tmp_path / "c.db"
    first = held_journal(path, range(100))
    assert first.claim(50) is not None
    first.close()  # gone with 50 rows in flight
    journal = held_journal(path)  # counts the table once
    statements: list[str] = []
    journal._db.set_trace_callback(statements.append)
    assert journal.reopen_orphans(resend=resend) == 50
    expected = {"pending": 100} if resend else {"pending": 50, "unknown": 50}
    assert _live(journal) == _scanned(path) == expected
    assert not [s for s in statements if "COUNT(" in s.upper()]
    journal.close()


def _take(journal: SqliteJournal, limit: int) -> list[int] | None:
    """One claim, settled accepted: the rows' positions (None: nothing to claim)."""
    claim = journal.claim(limit)
    if claim is None:
        return None
    journal.settle([(r.seq, "accepted", None, "m", None, None, None) for r in claim.rows])
    return [r.seq for r in claim.rows]


def _drain(journal: SqliteJournal, limit: int = 50) -> list[list[int]]:
    """Every claim until none is left (each settled accepted), as the rows' positions."""
    taken = []
    while (seqs := _take(journal, limit)) is not None:
        taken.append(seqs)
    return taken


def test_claims_take_fresh_rows_in_input_order_wherever_they_become_fresh(tmp_path: Path) -> None:
    """Claims search for fresh rows from where the last claim stopped; rows that become fresh behind that point
    are still taken, and first: rows added into a gap, rows a rolled-back claim had taken, rows retried or
    reopened for a resend, and rows another connection made fresh (found when nothing is left ahead)."""
    path = tmp_path / "c.db"
    journal = held_journal(path, [*range(0, 20), *range(40, 60)])
    assert _take(journal, 10) == list(range(10))
    # A claim that is rolled back: its rows are the next claim's.
    with _claims_refused(journal):
        journal.claim(10)
    assert _take(journal, 10) == list(range(10, 20))
    assert _take(journal, 10) == list(range(40, 50))
    # Rows added into the gap behind the last claim: claimed next, in input order.
    assert journal.add((i, f"+38050{i:07d}", None) for i in range(20, 40)) == 20
    assert _take(journal, 10) == list(range(20, 30))
    assert _take(journal, 10) == list(range(30, 40))
    # Retried rows (at-least-once) are fresh again, wherever they are: taken before the rows ahead.
    with sqlite3.connect(path) as db:
        db.execute("UPDATE recipients SET state = 'unknown' WHERE seq IN (3, 45)")
    assert journal.retry(["unknown"]) == 2
    assert _drain(journal, 5) == [[3, 45, 50, 51, 52], [53, 54, 55, 56, 57], [58, 59]]
    # Another connection makes rows fresh while the runner holds the journal: found once nothing is ahead.
    with sqlite3.connect(path) as db:
        db.execute("UPDATE recipients SET state = 'pending', batch = NULL WHERE seq IN (7, 8)")
    assert _drain(journal) == [[7, 8]]
    assert _scanned(path) == {"accepted": 60}
    journal.close()


def test_rows_reopened_for_a_resend_are_claimed_next(tmp_path: Path) -> None:
    """At-least-once: a gone runner's in-flight rows, reopened after the new runner has claimed further on, are
    its next claim (in input order), not left for the end."""
    path = tmp_path / "c.db"
    first = held_journal(path, range(100))
    assert first.claim(50) is not None
    first.close()  # gone with rows 0-49 in flight
    journal = held_journal(path)
    claim = journal.claim(10)
    assert claim is not None and [r.seq for r in claim.rows] == list(range(50, 60))
    journal.settle([(r.seq, "accepted", None, "m", None, None, None) for r in claim.rows])
    assert journal.reopen_orphans(resend=True) == 50
    assert _drain(journal) == [list(range(0, 50)), list(range(60, 100))]
    journal.close()


def test_retrying_settled_rows_keeps_the_counts_without_counting_again(tmp_path: Path) -> None:
    """At-least-once: unknown (and failed) rows go back to pending; the runner's counts follow them, state by
    state, without counting the table, and equal a count by another connection."""
    path = tmp_path / "c.db"
    journal = held_journal(path, range(30))
    claim = journal.claim(30)
    assert claim is not None
    states = ["accepted", "unknown", "failed", "rejected", "unknown"]
    journal.settle([(r.seq, states[r.seq % 5], None, None, None, None, None) for r in claim.rows])
    statements: list[str] = []
    journal._db.set_trace_callback(statements.append)
    assert journal.retry(["unknown", "failed", "pending", "unknown"]) == 18
    assert _live(journal) == _scanned(path) == {"accepted": 6, "rejected": 6, "pending": 18}
    assert not [s for s in statements if "COUNT(" in s.upper()]
    journal.close()
