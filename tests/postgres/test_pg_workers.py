"""Many workers on one PostgreSQL campaign: SIGKILLs landing mid-send, and the shared provider rate limit."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from smsgate._journal_pg import PgJournal

BIG = "380509999999"


def _setup(emu: Any, provider: str, n: int) -> tuple[str, list[str], Callable[[], Counter[str]]]:
    """The gateway URL of a bottomless account, the numbers, and how to read the emulator's own record."""
    if provider == "letsads":
        emu.letsads.add_account(login=BIG, password="pw", balance="10000000", senders=["Sender"])
        url = emu.base_url("letsads").replace("http://", f"letsads+http://{BIG}:pw@") + "?sender=Sender&timeout=2"
        return (
            url,
            [f"+38050{i:07d}" for i in range(n)],
            lambda: _letsads_sent(emu),
        )
    emu.smsc.add_account("crash", "crash-password", balance="10000000", senders=["smsgate"])
    url = emu.base_url("smsc").replace("http://", "smsc+http://crash:crash-password@") + "?sender=smsgate&timeout=2"
    return url, [f"+7999{i:07d}" for i in range(n)], lambda: _smsc_sent(emu)


def _letsads_sent(emu: Any) -> Counter[str]:
    with emu.letsads._lock:  # the emulator's server thread adds messages while the test counts them
        messages = list(emu.letsads.messages.values())
    return Counter(m.recipient for m in messages)


def _smsc_sent(emu: Any) -> Counter[str]:
    with emu.smsc._lock:
        messages = list(emu.smsc.messages)
    return Counter(m.phone for m in messages)


def _load(dsn: str, provider: str, phones: list[str]) -> None:
    with PgJournal(f"{dsn}#kill") as journal:
        journal.set(provider=provider, text="Hello", loaded=True, status="running")
        journal.add((i, phone, None) for i, phone in enumerate(phones))


def _inflight_of(dsn: str, pid: int) -> int:
    with psycopg.connect(dsn) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM smsgate_recipients WHERE state = 'inflight' AND owner IN"
            " (SELECT id FROM smsgate_workers WHERE pid = %s AND stopped_at IS NULL)",
            (pid,),
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["letsads", "smsc"])
def test_four_workers_sigkilled_mid_send_nobody_twice_nobody_lost(
    pg_dsn: str, smsgate_emulator: Any, provider: str
) -> None:
    """4 worker processes; at least 8 SIGKILLs that land while the victim has a request in flight, each
    victim replaced at once. The emulator's record has nobody twice; the journal accounts for everybody.
    SMSC is asked about every lost request (by client id, after the grace period): all end accepted. LetsAds
    cannot be asked: the recipients of the requests cut by a kill stay unknown, and were sent at most once."""
    n = 20000
    url, phones, sent_now = _setup(smsgate_emulator, provider, n)
    _load(pg_dsn, provider, phones)
    # Every request spends 0.15 s on the way, as on a real network: the campaign's pace is set by the provider,
    # not by how fast this machine's workers are, so the kills land while most of the work is still to do.
    smsgate_emulator.faults.inject(provider, "hold", delay=0.15, count=1_000_000)
    env = {**os.environ, "SMSGATE_URL": url}
    command = [
        sys.executable, "-m", "smsgate._cli_worker", "--journal", f"{pg_dsn}#kill",
        "--concurrency", "2", "--grace", "7",
    ]  # fmt: skip
    rng = random.Random(15)
    started = time.monotonic()
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)]
    everyone: list[subprocess.Popen[bytes]] = list(workers)
    kills = 0
    try:
        while kills < 8 and time.monotonic() - started < 90:
            if sum(sent_now().values()) >= n * 0.9:
                break
            alive = [w for w in workers if w.poll() is None]
            if not alive:
                break
            rng.shuffle(alive)
            victim = next((w for w in alive if _inflight_of(pg_dsn, w.pid) > 0), None)
            if victim is None:
                time.sleep(0.01)
                continue
            time.sleep(rng.uniform(0, 0.02))  # somewhere inside the exchange
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(10)
            kills += 1
            workers.remove(victim)
            replacement = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            workers.append(replacement)
            everyone.append(replacement)
            time.sleep(rng.uniform(0.1, 0.4))
        assert kills >= 8, f"only {kills} kills landed mid-send before the campaign ended"
        # The kills have landed: the rest (SMSC's lookups of every request a kill cut, one per recipient) at
        # loopback speed, not 0.15 s each, which took the workers ~110 s and sometimes past the wait below.
        smsgate_emulator.faults.clear(provider)
        for w in workers:
            w.wait(timeout=120)
            assert w.returncode == 0, w.stderr.read().decode() if w.stderr else ""
    finally:
        for w in everyone:
            if w.poll() is None:
                w.kill()
                w.wait(10)
            if w.stderr is not None:
                w.stderr.close()
    sent = sent_now()
    assert max(sent.values()) == 1, "a recipient was sent twice"
    with PgJournal(f"{pg_dsn}#kill", create=False) as journal:
        rows = list(journal.rows())
        counts = journal.counts()
    assert len(rows) == n
    assert counts.pending == counts.inflight == counts.failed == counts.rejected == 0
    interrupted = [r for r in rows if r.code in ("interrupted", "reconciled")]
    assert interrupted, "no kill cut a request in flight"
    for row in rows:
        phone = row.recipient.removeprefix("+")
        if row.state == "accepted":
            assert sent[phone] == 1
        else:
            assert row.state == "unknown" and sent[phone] <= 1
    if provider == "smsc":
        assert counts.accepted == n and len(sent) == n  # every lost request reconciled by client id
        assert any(r.code == "reconciled" for r in rows)
    else:
        assert counts.unknown > 0 and counts.accepted + counts.unknown == n
        by_id = {str(mid): m.recipient for mid, m in smsgate_emulator.letsads.messages.items()}
        assert all(by_id[str(r.message_id)] == r.recipient.removeprefix("+") for r in rows if r.state == "accepted")


def test_rate_limit_shared_by_all_workers_measured_at_the_provider(pg_dsn: str) -> None:
    """4 workers, one account, --rate-limit 5: the emulator (its clock running at real speed) never receives
    more than 5 requests within any second."""
    from smsgate.emulator import Emulator

    with Emulator(clock_speed=1.0) as emu:
        url, phones, sent_now = _setup(emu, "letsads", 50 * 30)
        _load(pg_dsn, "letsads", phones)
        env = {**os.environ, "SMSGATE_URL": url}
        command = [
            sys.executable, "-m", "smsgate._cli_worker", "--journal", f"{pg_dsn}#kill", "--rate-limit", "5",
        ]  # fmt: skip
        workers = [
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)
        ]
        try:
            for w in workers:
                w.wait(timeout=120)
                assert w.returncode == 0, w.stderr.read().decode() if w.stderr else ""
        finally:
            for w in workers:
                if w.poll() is None:
                    w.kill()
                    w.wait(10)
                if w.stderr is not None:
                    w.stderr.close()
        times = sorted(r.time for r in emu.requests.filter("letsads", operation="send"))
        with PgJournal(f"{pg_dsn}#kill", create=False) as journal:
            counts = journal.counts()
        assert counts.accepted == len(phones) == sum(sent_now().values()), counts
        assert len(times) == 30
    most = max(sum(1 for t in times[i:] if t - start < timedelta(seconds=1)) for i, start in enumerate(times))
    assert most <= 5, f"{most} requests reached the provider within one second"
