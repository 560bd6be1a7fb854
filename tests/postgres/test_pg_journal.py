"""The PostgreSQL journal against a real server: atomic claims, gone workers, secrets, CLI send and report."""

from __future__ import annotations

import csv
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from smsgate._journal import Owner
from smsgate._journal_pg import AsyncPgJournal, JournalError, PgJournal, redact_dsn

from .conftest import PASSWORD


def _loaded(dsn: str, n: int, name: str = "c") -> PgJournal:
    journal = PgJournal(f"{dsn}#{name}")
    journal.set(provider="letsads", text="Hi", loaded=True, status="running")
    journal.add((i, f"+38050{i:07d}", None) for i in range(n))
    return journal


def test_two_runners_never_claim_the_same_row_and_keys_are_unique(pg_dsn: str) -> None:
    a = _loaded(pg_dsn, 1000)
    b = PgJournal(f"{pg_dsn}#c", create=False)
    a.acquire(Owner())
    b.acquire(Owner())  # a second runner is welcome: no JournalBusyError
    seen: Counter[int] = Counter()
    batches: list[int] = []
    while True:
        ca, cb = a.claim(50), b.claim(50)
        for claim in (ca, cb):
            if claim is not None:
                seen.update(r.seq for r in claim.rows)
                batches.append(claim.batch)
        if ca is None and cb is None:
            break
    assert len(seen) == 1000 and max(seen.values()) == 1
    assert len(set(batches)) == len(batches) == 20  # request keys "<key>-<batch>" never repeat
    holder = a.holder()
    assert holder is not None and holder.pid == os.getpid()
    assert a.counts().inflight == 1000
    a.close()
    b.close()


async def test_async_twin_claims_and_settles(pg_dsn: str) -> None:
    _loaded(pg_dsn, 120).close()
    journal = await AsyncPgJournal.open(f"{pg_dsn}#c", create=False)
    async with journal:
        claim = await journal.claim(50)
        assert claim is not None and [r.seq for r in claim.rows] == list(range(50))
        nxt = await journal.settle_and_claim(
            [(r.seq, "accepted", r.recipient, f"id{r.seq}", None, None, None) for r in claim.rows], 50
        )
        assert nxt is not None and [r.seq for r in nxt.rows] == list(range(50, 100))
        settled = await journal.settle((r.seq, "rejected", None, None, "x", None, None) for r in nxt.rows)
        assert settled == 50
        counts = await journal.counts()
        assert (counts.accepted, counts.rejected, counts.pending, counts.total) == (50, 50, 20, 120)
        rows = [row async for row in journal.rows("accepted")]
        assert [r.message_id for r in rows][:2] == ["id0", "id1"]


def test_settle_and_claim_is_one_transaction(pg_dsn: str) -> None:
    """A request's outcomes and the next claim commit together (one commit per request), and a failed claim
    rolls the outcomes back with it: the rows stay in flight, nothing new is claimed. Request keys are unique;
    after `stop_claiming` it only settles."""
    journal = _loaded(pg_dsn, 230)
    journal.acquire(Owner())
    claim = journal.claim(50)
    batches = []
    while claim is not None:
        batches.append(claim.batch)
        outcomes = [(r.seq, "accepted", None, f"id{r.seq}", None, None, None) for r in claim.rows]
        if len(batches) == 3:
            journal._conn.execute(
                "CREATE FUNCTION smsgate_test_refuse() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'no more claims'; END $$"
            )
            journal._conn.execute(
                "CREATE TRIGGER smsgate_test_refuse BEFORE UPDATE ON smsgate_recipients FOR EACH ROW"
                " WHEN (NEW.state = 'inflight') EXECUTE FUNCTION smsgate_test_refuse()"
            )
            with pytest.raises(JournalError, match="no more claims"):
                journal.settle_and_claim(outcomes, 50)
            counts = journal.counts()
            assert (counts.accepted, counts.inflight, counts.pending) == (100, 50, 80)
            journal._conn.execute("DROP TRIGGER smsgate_test_refuse ON smsgate_recipients")
            journal._conn.execute("DROP FUNCTION smsgate_test_refuse()")
        if len(batches) == 4:
            journal.stop_claiming()
        claim = journal.settle_and_claim(outcomes, 50)
    counts = journal.counts()
    assert (counts.accepted, counts.inflight, counts.pending) == (200, 0, 30)
    assert len(set(batches)) == len(batches) == 4
    with journal._conn.cursor() as cur:
        cur.execute("SELECT request_key FROM smsgate_batches WHERE campaign_id = %s", (journal.campaign_id,))
        keys = sorted(row[0] for row in cur.fetchall())
    assert keys == sorted(f"{journal.key}-{b}" for b in batches)
    journal.close()


_HOLDER = """
import sys, time
from smsgate._journal_pg import PgJournal
j = PgJournal(sys.argv[1], create=False)
claim = j.claim(50)
print(claim.batch, flush=True)
time.sleep(60)
"""


def test_a_killed_workers_inflight_rows_become_unknown_never_pending(pg_dsn: str) -> None:
    journal = _loaded(pg_dsn, 200)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, f"{pg_dsn}#c"], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert holder.stdout is not None
        holder.stdout.readline()
        mine = journal.claim(50)
        assert mine is not None
        # Both alive: nobody's rows are touched.
        assert journal.reap() == 0
        assert journal.counts().inflight == 100
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()
    deadline = time.monotonic() + 20  # the server notices the closed socket at once; allow a slow machine
    reaped = 0
    while not reaped and time.monotonic() < deadline:
        reaped = journal.reap()
        time.sleep(0.05)
    assert reaped == 50
    counts = journal.counts()
    assert (counts.unknown, counts.inflight, counts.pending) == (50, 50, 100)
    assert {r.code for r in journal.rows("unknown")} == {"interrupted"}
    # Our own in-flight rows are still ours: settling them works.
    assert journal.settle((r.seq, "accepted", None, "x", None, None, None) for r in mine.rows) == 50
    journal.close()


def test_the_password_never_shows(pg_dsn: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    journal = PgJournal(f"{pg_dsn}#c")
    assert PASSWORD not in repr(journal) and PASSWORD not in str(journal.location)
    assert "[REDACTED]" in repr(journal)
    journal.close()
    wrong = pg_dsn.replace(PASSWORD, PASSWORD + "x")
    with pytest.raises(JournalError) as info:
        PgJournal(f"{wrong}#c")
    assert PASSWORD not in str(info.value) and info.value.__context__ is None
    with pytest.raises(JournalError) as info:
        PgJournal(f"{pg_dsn}#nothing-here", create=False)
    assert "nothing-here" in str(info.value) and PASSWORD not in str(info.value)
    assert PASSWORD not in caplog.text
    assert PASSWORD not in redact_dsn(f"host=h password={PASSWORD} user=u")


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smsgate._cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _worker(*args: str, env: dict[str, str]) -> list[str]:
    return [sys.executable, "-m", "smsgate._cli", "bulk", "worker", *args]


BIG = "380509999999"


def _letsads_url(emu: Any) -> str:
    emu.letsads.add_account(login=BIG, password="pw", balance="10000000", senders=["Sender"])
    return str(emu.base_url("letsads")).replace("http://", f"letsads+http://{BIG}:pw@") + "?sender=Sender"


def test_bulk_send_loads_leaves_to_workers_report_from_anywhere(
    pg_dsn: str, smsgate_emulator: Any, tmp_path: Path
) -> None:
    url = _letsads_url(smsgate_emulator)
    numbers = tmp_path / "n.txt"
    numbers.write_text("".join(f"+38050{i:07d}\n" for i in range(300)))
    journal = f"{pg_dsn}#spring"
    env = {"SMSGATE_URL": url}
    sent = _cli("bulk", "send", "--journal", journal, "--to-file", str(numbers), "--text", "Hi", "--no-run", env=env)
    assert sent.returncode == 0, sent.stderr
    assert "300 recipients in the journal, left to: smsgate bulk worker" in sent.stdout
    assert not smsgate_emulator.letsads.messages  # left to the workers
    report = _cli("bulk", "report", journal)
    assert report.returncode == 0, report.stderr
    assert "pending" in report.stdout and "300" in report.stdout
    worker = subprocess.run(
        _worker("--journal", pg_dsn, "--campaign", "spring", env=env),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    assert len(smsgate_emulator.letsads.messages) == 300
    out = tmp_path / "out.csv"
    report = _cli("bulk", "report", journal, "--csv", str(out))
    assert report.returncode == 0, report.stderr
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 300 and {r["state"] for r in rows} == {"accepted"}
    assert [r["seq"] for r in rows] == [str(i) for i in range(300)]  # input order, as the SQLite export
    for result in (sent, report, worker):
        assert PASSWORD not in result.stdout + result.stderr
    assert "[REDACTED]" in sent.stdout
    live = _cli("bulk", "report", journal, "--follow")
    assert live.returncode == 0, live.stderr
    assert "300/300 settled: accepted 300" in live.stdout and PASSWORD not in live.stdout
    wrong = _cli("bulk", "report", journal.replace(PASSWORD, PASSWORD + "x"))
    assert wrong.returncode == 2 and "password authentication failed" in wrong.stderr
    assert PASSWORD not in wrong.stdout + wrong.stderr
    resumed = _cli("bulk", "send", "--journal", journal, "--to-file", str(numbers), "--text", "Hi", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert len(smsgate_emulator.letsads.messages) == 300  # done: nobody twice


def test_worker_sigterm_finishes_in_flight_and_releases(pg_dsn: str, smsgate_emulator: Any) -> None:
    url = _letsads_url(smsgate_emulator)
    journal = _loaded(pg_dsn, 20_000, "big")
    env = {**os.environ, "SMSGATE_URL": url}
    proc = subprocess.Popen(
        _worker("--journal", f"{pg_dsn}#big", env=env), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    with proc:  # a failure here leaves no running process and no open pipe behind for a later test
        try:
            deadline = time.monotonic() + 60
            while len(smsgate_emulator.letsads.messages) < 500 and time.monotonic() < deadline:
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert b"worker stopped" in out
    counts = journal.counts()
    assert counts.inflight == 0 and counts.unknown == 0  # every request in flight finished and was recorded
    assert counts.accepted == len(smsgate_emulator.letsads.messages) < 20_000
    journal.close()
