"""Reconciliation never resends a message that is still on its way: "no such message" is trusted only once
the request has been gone longer than the request timeout, and a resend reuses the original client id, so
the provider's de-duplication refuses a copy that arrives late. The emulator's ``hold`` fault delays a
request N seconds before it takes effect (a request stuck in the network)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import smsgate
from smsgate._campaign import Campaign

PHONES = [f"+7999123{i:04d}" for i in range(30)]


def smsc_url(emu: Any, timeout: float) -> str:
    host = str(emu.base_url("smsc")).removeprefix("http://")
    return f"smsc+http://smsgate:smsgate-password@{host}?sender=smsgate&max_retries=0&timeout={timeout}"


def sent(emu: Any) -> Counter[str]:
    return Counter(m.phone for m in emu.smsc.messages)


def wait_for_the_held_request(emu: Any, until: float) -> None:
    while time.monotonic() < until:
        time.sleep(0.05)
    deadline = time.monotonic() + 10
    while len(emu.requests) and emu.requests[0].status is None and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_hold_fault_delays_a_request_before_it_takes_effect(smsgate_emulator: Any) -> None:
    smsgate_emulator.faults.inject("smsc", "hold", delay=1.0)
    with smsgate.Gateway.from_url(smsc_url(smsgate_emulator, 0.3)) as gateway:
        report = gateway.send(PHONES[:2], "Hi", key="held")
        assert {o.outcome for o in report.outcomes} == {smsgate.Outcome.UNKNOWN}  # the client gave up
        assert not smsgate_emulator.smsc.messages  # not arrived yet
        time.sleep(1.5)
        assert len(smsgate_emulator.smsc.messages) == 2  # then it took effect


def test_not_found_is_not_trusted_while_the_request_may_be_on_its_way(smsgate_emulator: Any, tmp_path: Path) -> None:
    """The request is held 2.5 s; the client gives up after 0.5 s; the campaign is resumed at once. SMSC has
    no trace yet: resending now would send everyone twice. The resumed run waits out the grace (longer than
    the request timeout), asks again, finds the messages."""
    journal = tmp_path / "c.db"
    url = smsc_url(smsgate_emulator, 0.5)
    smsgate_emulator.faults.inject("smsc", "hold", delay=2.5)
    start = time.monotonic()
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, text="Hi") as campaign:
        campaign.load(PHONES)
        assert campaign.run().counts.unknown == 30
    assert not smsgate_emulator.smsc.messages
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal) as campaign:
        summary = campaign.run()
    wait_for_the_held_request(smsgate_emulator, start + 3.0)
    counted = sent(smsgate_emulator)
    assert max(counted.values()) == 1, f"{sum(v - 1 for v in counted.values())} recipients got the text twice"
    assert len(counted) == 30
    assert (summary.status, summary.counts.accepted, summary.counts.unknown) == ("done", 30, 0)


def test_a_resend_reuses_the_original_client_id(smsgate_emulator: Any, tmp_path: Path) -> None:
    """With a grace shorter than the hold (but longer than the timeout), "not found" is trusted and the
    recipients are resent — under the original client id, so the late original is refused as a duplicate."""
    journal = tmp_path / "c.db"
    url = smsc_url(smsgate_emulator, 0.3)
    smsgate_emulator.faults.inject("smsc", "hold", delay=3.0)
    start = time.monotonic()
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, text="Hi") as campaign:
        campaign.load(PHONES)
        assert campaign.run().counts.unknown == 30
        key = campaign.key
    with (
        smsgate.Gateway.from_url(url) as gateway,
        Campaign(gateway, journal, reconcile_grace=1.0) as campaign,
    ):
        summary = campaign.run()
        rows = list(campaign.journal.rows())
    assert summary.counts.accepted == 30
    wait_for_the_held_request(smsgate_emulator, start + 3.5)
    counted = sent(smsgate_emulator)
    assert len(counted) == 30
    assert max(counted.values()) == 1, "the late original was not caught by SMSC's de-duplication"
    assert {m.id for m in smsgate_emulator.smsc.messages} == {f"{key}-1.0"}  # one client id, reused
    assert all(r.message_id == f"{key}-1.0:{r.recipient.removeprefix('+')}" for r in rows)


def test_reconcile_grace_must_exceed_the_request_timeout(smsgate_emulator: Any, tmp_path: Path) -> None:
    with (
        smsgate.Gateway.from_url(smsc_url(smsgate_emulator, 1.0)) as gateway,
        pytest.raises(ValueError, match="must exceed the request timeout"),
    ):
        Campaign(gateway, tmp_path / "c.db", text="Hi", reconcile_grace=2.0)  # 3 s: connect+write+read


def test_the_export_gives_each_unknown_recipient_its_request_key(smsgate_emulator: Any, tmp_path: Path) -> None:
    """What a caller needs to look an unknown recipient up later: the key of the request that carried it."""
    import csv
    import io

    url = smsc_url(smsgate_emulator, 1.0)
    smsgate_emulator.faults.inject("smsc", "reset", before_handler=False)  # taken, reply lost
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, tmp_path / "c.db", text="Hi") as campaign:
        campaign.load([*PHONES[:3], "not-a-phone"])
        assert campaign.run().counts.unknown == 3
        out = io.StringIO()
        campaign.export_csv(out)
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert [r["request_key"] for r in rows] == [f"{campaign.key}-1.0"] * 3 + [""]
        found = gateway.reconcile(rows[0]["request_key"], [rows[0]["recipient"].removeprefix("+")])
    assert found[0].outcome is smsgate.Outcome.ACCEPTED


def test_a_resend_refused_as_a_duplicate_is_found_not_resent(smsgate_emulator: Any, tmp_path: Path) -> None:
    """The other order: "not found" was trusted, then the lost request arrived before the resend. SMSC
    refuses the resend (same client id): the recipients are looked up again and found, never sent twice."""
    journal = tmp_path / "c.db"
    url = smsc_url(smsgate_emulator, 0.3)
    smsgate_emulator.faults.inject("smsc", "hold", delay=2.5)
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, text="Hi") as campaign:
        campaign.load(PHONES)
        assert campaign.run().counts.unknown == 30
    time.sleep(1.1)  # past the grace (1 s) since the reply was lost, before the held request lands (2.5 s)
    with smsgate.Gateway.from_url(url) as gateway, Campaign(gateway, journal, reconcile_grace=1.0) as campaign:
        assert campaign.reconcile() == 30  # "no such message", trusted: back to pending
        assert campaign.summary().counts.pending == 30
        deadline = time.monotonic() + 10
        while len(smsgate_emulator.smsc.messages) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)  # the held request lands
        summary = campaign.run()
    assert (summary.counts.accepted, summary.counts.unknown, summary.counts.pending) == (30, 0, 0)
    counted = sent(smsgate_emulator)
    assert len(counted) == 30
    assert max(counted.values()) == 1
