"""Campaigns: journaled, resumable, never sending a recipient twice; killed by PID and resumed."""

from __future__ import annotations

import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import smsgate
from smsgate._campaign import Campaign

BIG = "380509999999"


def url_for(emu: Any, login: str = BIG, password: str = "pw") -> str:
    return str(emu.base_url("letsads")).replace("http://", f"letsads+http://{login}:{password}@") + "?sender=Sender"


@pytest.fixture
def big_account(smsgate_emulator: Any) -> Any:
    smsgate_emulator.letsads.add_account(login=BIG, password="pw", balance="10000000", senders=["Sender"])
    return smsgate_emulator


def numbers(n: int) -> list[str]:
    return [f"+38050{i:07d}" for i in range(n)]


def sent_counter(emu: Any) -> Counter[str]:
    # The emulator's server thread adds messages while the test counts them: copy under its lock.
    with emu.letsads._lock:
        messages = list(emu.letsads.messages.values())
    return Counter(m.recipient for m in messages)


async def test_one_hundred_thousand_recipients_all_accounted_for(big_account: Any, tmp_path: Path) -> None:
    n = 100_000
    async with smsgate.AsyncGateway.from_url(url_for(big_account)) as gateway:
        with Campaign(gateway, tmp_path / "c.db", text="Hello", concurrency=4) as campaign:
            assert campaign.load(f"+38050{i:07d}" for i in range(n)) == n  # a generator: streamed
            summary = await campaign.arun()
    assert summary.status == "done"
    assert summary.counts.accepted == n
    assert summary.counts.total == n
    assert summary.requests == n // 50
    sent = sent_counter(big_account)
    assert len(sent) == n
    assert max(sent.values()) == 1


async def test_a_load_that_failed_midway_resumes_after_the_rows_it_kept(big_account: Any, tmp_path: Path) -> None:
    """A load cut off by its input (a failing reader) keeps the chunks it committed and says it is not complete;
    loading the same input again adds only the rest, in input order, and the campaign sends everybody once."""
    n = 12_000

    def failing_reader() -> Any:
        for i, number in enumerate(numbers(n)):
            if i == 7_000:
                raise OSError("the input file went away")
            yield number

    async with smsgate.AsyncGateway.from_url(url_for(big_account)) as gateway:
        with Campaign(gateway, tmp_path / "c.db", text="Hello", concurrency=4) as campaign:
            with pytest.raises(OSError, match="went away"):
                campaign.load(failing_reader())
            complete_after_failure = campaign.fully_loaded
            kept = campaign.summary().counts.pending
            assert 0 < kept < 7_000
            assert campaign.load(numbers(n)) == n - kept
            assert (complete_after_failure, campaign.fully_loaded) == (False, True)
            assert [row.recipient for row in campaign.journal.rows()] == numbers(n)
            summary = await campaign.arun()
    assert summary.status == "done" and summary.counts.accepted == n
    sent = sent_counter(big_account)
    assert len(sent) == n and max(sent.values()) == 1


def test_loading_streams_the_input(big_account: Any, tmp_path: Path) -> None:
    """Memory does not grow with the recipient count: 200,000 rows go to disk, not into a list."""
    gateway = smsgate.Gateway.from_url(url_for(big_account))
    tracemalloc.start()
    with Campaign(gateway, tmp_path / "c.db", text="Hello") as campaign:
        campaign.load(f"+38050{i:07d}" for i in range(200_000))
        _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gateway.close()
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB while loading"


def test_sync_gateway_per_recipient_texts_and_report(big_account: Any, tmp_path: Path) -> None:
    source = io.StringIO("phone,text\n+380500000001,Hi Ann\n+380500000002,\nnot-a-phone,Hi Bob\n+380500000003,Hi Cy\n")
    with (
        smsgate.Gateway.from_url(url_for(big_account)) as gateway,
        Campaign(gateway, tmp_path / "c.db", text="Hello") as campaign,
    ):
        campaign.load_csv(source)
        summary = campaign.run()
        out = io.StringIO()
        assert campaign.export_csv(out) == 4
    assert (summary.counts.accepted, summary.counts.rejected) == (3, 1)
    texts = {m.recipient: m.text for m in big_account.letsads.messages.values()}
    assert texts == {"380500000001": "Hi Ann", "380500000002": "Hello", "380500000003": "Hi Cy"}
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("seq,recipient,phone,state")
    assert lines[3].split(",")[:4] == ["2", "not-a-phone", "", "rejected"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_halts_after_consecutive_failures_and_resumes(big_account: Any, tmp_path: Path) -> None:
    dead = f"letsads+http://{BIG}:pw@127.0.0.1:{closed_port()}/letsads?sender=Sender&max_retries=0"
    journal = tmp_path / "c.db"
    with (
        smsgate.Gateway.from_url(dead) as gateway,
        Campaign(
            gateway, journal, text="Hi", concurrency=1, max_consecutive_failures=3, failure_backoff=0.001
        ) as campaign,
    ):
        campaign.load(numbers(120))
        summary = campaign.run()
    assert summary.status == "halted"
    assert summary.requests == 3
    assert summary.counts.pending == 120  # connect failures: provably not sent, still to send
    with smsgate.Gateway.from_url(url_for(big_account)) as gateway, Campaign(gateway, journal) as campaign:
        summary = campaign.run()
    assert summary.status == "done"
    assert summary.counts.accepted == 120
    assert max(sent_counter(big_account).values()) == 1


def test_unknown_is_not_resent_unless_at_least_once(big_account: Any, tmp_path: Path) -> None:
    journal = tmp_path / "c.db"
    big_account.faults.inject("letsads", "timeout", delay=2.0)  # the first request is taken, its reply lost
    url = url_for(big_account)
    with (
        smsgate.Gateway.from_url(url + "&timeout=0.3&max_retries=0") as gateway,
        Campaign(gateway, journal, text="Hi", concurrency=1) as campaign,
    ):
        campaign.load(numbers(60))
        summary = campaign.run()
    assert (summary.counts.unknown, summary.counts.accepted) == (50, 10)
    assert len(big_account.letsads.messages) == 60
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal) as campaign:
        assert campaign.run().counts.unknown == 50  # at most once: nothing resent
    assert len(big_account.letsads.messages) == 60
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, at_least_once=True) as campaign:
        summary = campaign.run()
    assert (summary.counts.unknown, summary.counts.accepted) == (0, 60)
    assert len(big_account.letsads.messages) == 110  # the opt-in resent the 50 unknown ones


def test_journal_belongs_to_one_campaign(big_account: Any, tmp_path: Path) -> None:
    journal = tmp_path / "c.db"
    with smsgate.Gateway.from_url(url_for(big_account)) as gateway:
        with Campaign(gateway, journal, text="A"):
            pass
        with pytest.raises(ValueError, match="another text"):
            Campaign(gateway, journal, text="B")


def _accepted(journal: Path) -> int:
    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM recipients WHERE state = 'accepted'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _crash_setup(emu: Any, provider: str, n: int) -> tuple[str, list[str], Callable[[], Counter[str]]]:
    """A bottomless account, the gateway URL, the numbers, and how to read the emulator's own record."""
    if provider == "letsads":
        emu.letsads.add_account(login=BIG, password="pw", balance="10000000", senders=["Sender"])
        return url_for(emu), numbers(n), lambda: sent_counter(emu)
    emu.smsc.add_account("crash", "crash-password", balance="10000000", senders=["smsgate"])
    url = emu.base_url("smsc").replace("http://", "smsc+http://crash:crash-password@") + "?sender=smsgate"
    return url, [f"+7999{i:07d}" for i in range(n)], lambda: _smsc_sent(emu)


def _smsc_sent(emu: Any) -> Counter[str]:
    with emu.smsc._lock:  # the server thread appends while the test counts
        messages = list(emu.smsc.messages)
    return Counter(m.phone for m in messages)


def _inflight(journal: Path) -> int:
    with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5) as db:
        return int(db.execute("SELECT COUNT(*) FROM recipients WHERE state = 'inflight'").fetchone()[0])


@pytest.mark.parametrize("provider", ["letsads", "smsc"])
def test_killed_by_pid_mid_run_then_resumed_no_duplicates(smsgate_emulator: Any, tmp_path: Path, provider: str) -> None:
    """SIGKILL at least 7 times mid-send (requests in flight at the kill, as the journal shows), resume each
    time: nobody twice, nobody forgotten. LetsAds cannot be asked about a lost request (its in-flight
    recipients stay unknown); SMSC can, by client id, so every recipient ends accepted."""
    n = 8000
    url, phones, sent_now = _crash_setup(smsgate_emulator, provider, n)
    url += "&timeout=1"  # the grace before SMSC's "no such message" is trusted: 3 s + 2 s
    numbers_file = tmp_path / "numbers.txt"
    numbers_file.write_text("\n".join(phones) + "\n")
    journal = tmp_path / "c.db"
    command = [
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
        "4",
        "--no-progress",
    ]
    env = {**os.environ, "SMSGATE_URL": url}
    kills = mid_send = 0
    for target in range(400, n - 400, 500):
        if mid_send >= 8:
            break
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with proc:  # a failure here leaves no running process and no open pipe behind for a later test
            try:
                deadline = time.monotonic() + 60
                while sum(sent_now().values()) < target and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.002)
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                    kills += 1
                out, err = proc.communicate(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
        assert proc.returncode in (0, -signal.SIGKILL), out + err  # a run that stopped by itself says why
        # The fixture's clock is frozen; SMSC's per-minute limits (status requests per message) count on it.
        # Between two runs a minute passes, as it would for a real resume, so the lookups are not refused.
        smsgate_emulator.clock.advance(61)
        if proc.returncode == -signal.SIGKILL and _inflight(journal):
            mid_send += 1  # the kill cut requests in flight
    print(f"{provider}: {mid_send} of {kills} SIGKILLs landed mid-send")  # shown with -s
    assert mid_send >= 7, f"only {mid_send} of {kills} kills landed mid-send"
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert final.returncode == 0, final.stdout + final.stderr
    sent = sent_now()
    assert max(sent.values()) == 1, "a recipient was sent twice"
    with sqlite3.connect(journal) as db:
        rows = db.execute("SELECT recipient, state, message_id, batch FROM recipients ORDER BY seq").fetchall()
        batches = int(db.execute("SELECT value FROM meta WHERE key = 'batches'").fetchone()[0])
    assert len(rows) == n
    states = Counter(state for _, state, _, _ in rows)
    # Every recipient is accounted for: accepted, or unknown because a kill cut its request.
    assert states["accepted"] + states["unknown"] == n
    for recipient, state, _, _ in rows:
        phone = recipient.removeprefix("+")
        if state == "accepted":
            assert sent[phone] == 1
        else:  # in flight at a kill: sent at most once, and never resent
            assert sent[phone] <= 1
    assert max(batch for *_, batch in rows) <= batches
    if provider == "letsads":
        by_id = {str(mid): m.recipient for mid, m in smsgate_emulator.letsads.messages.items()}
        assert all(by_id[mid] == r.removeprefix("+") for r, state, mid, _ in rows if state == "accepted")
        assert 0 < states["unknown"] <= kills * 4 * 50
    else:
        left = [r for r in rows if r[1] == "unknown"]
        assert not left, f"SMSC answers for every lost request: {len(left)} unreconciled\n{final.stdout[-2000:]}"
        assert len(sent) == n
        ids = {m.phone: m.id for m in smsgate_emulator.smsc.messages}
        assert all(mid == f"{ids[r.removeprefix('+')]}:{r.removeprefix('+')}" for r, _, mid, _ in rows)
        # One client id per request: the id a phone was sent under names the batch that carried it.
        assert all(ids[r.removeprefix("+")].endswith(f"-{batch}.0") for r, _, _, batch in rows)


SMSC_URL = "smsc+http://smsgate:smsgate-password@{host}?sender=smsgate&max_retries=0"
SMSLEADS_URL = "smsleads+http://JohnDoe:sl-johndoe-token@{host}?sender=DemoAPI&max_retries=0"


def _url(template: str, emu: Any, provider: str) -> str:
    return template.format(host=emu.base_url(provider).removeprefix("http://"))


@pytest.mark.parametrize("handled", [True, False], ids=["provider-took-it", "never-arrived"])
def test_smsc_unknowns_are_reconciled_by_client_id(smsgate_emulator: Any, tmp_path: Path, handled: bool) -> None:
    journal = tmp_path / "c.db"
    numbers_ = [f"+7999123{i:04d}" for i in range(30)]
    # A short request timeout: "no such message" is trusted once the request has been gone longer than it.
    url = _url(SMSC_URL, smsgate_emulator, "smsc") + "&timeout=0.5"
    smsgate_emulator.faults.inject("smsc", "reset", before_handler=not handled)
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, text="Hi") as campaign:
        campaign.load(numbers_)
        first = campaign.run()
        assert first.counts.unknown == 30  # the reply was lost
        assert len(smsgate_emulator.smsc.messages) == (30 if handled else 0)
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal) as campaign:
        summary = campaign.run()  # reconciles first: by client id and phone
    assert summary.counts.accepted == 30
    assert summary.counts.unknown == 0
    sent = Counter(m.phone for m in smsgate_emulator.smsc.messages)
    assert len(sent) == 30
    assert max(sent.values()) == 1  # found again, or provably never sent and sent now: never twice


def test_smsleads_unknowns_are_reconciled_by_external_id(smsgate_emulator: Any, tmp_path: Path) -> None:
    journal = tmp_path / "c.db"
    url = _url(SMSLEADS_URL, smsgate_emulator, "smsleads")
    smsgate_emulator.faults.inject("smsleads", "reset", before_handler=False)
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, text="Hi") as campaign:
        campaign.load(["+972502345678", "+972545555555", "+972587654321"])
        assert campaign.run().counts.unknown == 3
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal) as campaign:
        assert campaign.reconcile() == 3
        summary = campaign.summary()
    assert (summary.counts.accepted, summary.counts.unknown) == (3, 0)
    assert sum(len(s.messages) for s in smsgate_emulator.smsleads.shipments.values()) == 3


def test_letsads_unknowns_cannot_be_reconciled(big_account: Any, tmp_path: Path) -> None:
    journal = tmp_path / "c.db"
    big_account.faults.inject("letsads", "reset", before_handler=False)
    url = url_for(big_account) + "&max_retries=0"
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, text="Hi") as campaign:
        campaign.load(numbers(5))
        assert campaign.run().counts.unknown == 5
        assert not gateway.can_reconcile
        assert campaign.reconcile() == 0
        assert campaign.summary().counts.unknown == 5
