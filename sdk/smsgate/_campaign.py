"""`Campaign`: one text (or a text per recipient) to any number of recipients through a Gateway, with a
durable journal so that a campaign killed at any moment resumes without sending anyone twice.

Guarantees (see `smsgate._journal` for the mechanics):

* **At most once by default.** A recipient is marked in-flight, durably, before its request leaves. After a
  crash, in-flight recipients become ``unknown`` and are never resent unless you opt into at-least-once
  (``at_least_once=True``), which resends them and accepts the risk of a duplicate.
* **None forgotten.** Every input row is in the journal before it is sent; a resumed campaign continues
  with the rows still pending; the summary accounts for every row.
* **A failing provider is not hammered.** After ``max_consecutive_failures`` requests in a row that the
  provider failed (unreachable, 5xx, no money…), the campaign stops as ``halted``; run it again to resume.
* Memory does not grow with the number of recipients: the input is streamed into the journal, and
  batches are claimed from it a few at a time.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._exceptions import ValidationError
from ._gateway import AsyncGateway, Gateway, Outcome, RecipientOutcome, SendReport
from ._journal import Journal, JournalCounts

__all__ = ["Campaign", "CampaignSummary"]

_STATE_OF = {
    Outcome.ACCEPTED: "accepted",
    Outcome.REJECTED: "rejected",
    Outcome.FAILED: "pending",  # provably not sent: it stays to be sent on the next run
    Outcome.UNKNOWN: "unknown",
}


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """Where a campaign stands: the count of every state, and whether it is done, halted or unfinished."""

    status: str
    counts: JournalCounts
    provider: str | None
    elapsed: float = 0.0
    requests: int = 0

    @property
    def rate(self) -> float:
        """Recipients settled per second in the last run."""
        return (
            (self.counts.accepted + self.counts.rejected + self.counts.unknown) / self.elapsed if self.elapsed else 0.0
        )


ProgressCallback = Callable[[JournalCounts], None]


class Campaign:
    """A bulk send with a journal. ``Campaign(gateway, "campaign.db", text="…")``, then `load` and `run`.

    Reopening the same journal resumes it: `load` skips the rows already journaled, `run` continues.
    """

    def __init__(
        self,
        gateway: Gateway | AsyncGateway,
        journal: str | Path,
        *,
        text: str | None = None,
        sender: str | None = None,
        concurrency: int = 4,
        max_consecutive_failures: int = 5,
        at_least_once: bool = False,
        failure_backoff: float = 0.5,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.gateway = gateway
        self.journal = Journal(journal)
        stored_text = self.journal.get("text")
        if text is not None and stored_text is not None and text != stored_text:
            raise ValueError("this journal belongs to a campaign with another text")
        self.text: str | None = text if text is not None else stored_text
        self.sender = sender if sender is not None else self.journal.get("sender")
        stored_provider = self.journal.get("provider")
        if stored_provider is not None and stored_provider != gateway.provider:
            raise ValueError(f"this journal belongs to a {stored_provider} campaign, not {gateway.provider}")
        self.journal.set(provider=gateway.provider, text=self.text, sender=self.sender)
        self.concurrency = concurrency
        self.max_consecutive_failures = max_consecutive_failures
        self.at_least_once = at_least_once
        self.failure_backoff = failure_backoff
        self._batches = itertools.count(int(self.journal.get("batches", 0)) + 1)
        # Request keys are "<campaign key>-<batch>": what a provider that takes client-side ids (SMSC,
        # SMSLeads) can be asked about later, when a reply was lost.
        self.key: str = self.journal.get("key") or uuid.uuid4().hex[:8]
        self.journal.set(key=self.key)
        self._failures = 0
        self._requests = 0
        self._halted = False

    def close(self) -> None:
        self.journal.close()

    def __enter__(self) -> Campaign:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- input --------------------------------------------------------------------------------------

    def load(self, recipients: Iterable[str | tuple[str, str]]) -> int:
        """Stream recipients (numbers, or (number, text) pairs) into the journal; returns how many were new.

        On a resumed campaign, give the same input: the rows already journaled are skipped, not re-added.
        """
        if self.journal.get("loaded", False):
            return 0
        start = self.journal.loaded()

        def rows() -> Iterable[tuple[int, str, str | None]]:
            for seq, item in enumerate(recipients):
                if seq < start:
                    continue
                if isinstance(item, str):
                    if self.text is None:
                        raise ValueError(f"row {seq}: no text for {item!r} and the campaign has no text")
                    yield seq, item, None
                else:
                    phone, own_text = item
                    yield seq, phone, own_text if own_text != self.text else None

        added = self.journal.add(rows())
        self.journal.set(loaded=True)
        return added

    def load_csv(self, source: IO[str]) -> int:
        """Recipients from CSV: a ``phone`` column and, optionally, a ``text`` column (per-recipient text)."""
        reader = csv.DictReader(source)
        if not reader.fieldnames or "phone" not in reader.fieldnames:
            raise ValueError("the CSV needs a 'phone' column (and optionally 'text')")
        with_text = "text" in reader.fieldnames
        return self.load(
            (row["phone"], row["text"]) if with_text and row.get("text") else row["phone"] for row in reader
        )

    # -- running ------------------------------------------------------------------------------------

    def run(self, on_progress: ProgressCallback | None = None) -> CampaignSummary:
        """Send every pending recipient through a sync `Gateway`; blocking (requests run in `concurrency`
        threads). Returns the summary: done, halted, or unfinished. With an `AsyncGateway`, await `arun`."""
        self._refuse_async("arun")
        return asyncio.run(self.arun(on_progress))

    async def arun(self, on_progress: ProgressCallback | None = None) -> CampaignSummary:
        """`run`, awaitable: `concurrency` requests at a time."""
        self.journal.reopen_inflight(resend=self.at_least_once)
        if self.at_least_once:
            self.journal.retry(["unknown"])
        elif self.gateway.can_reconcile:
            await self.areconcile()
        self._halted = False
        self._failures = 0
        self._requests = 0
        started = time.perf_counter()
        self.journal.set(status="running")
        await asyncio.gather(*(self._worker(on_progress) for _ in range(self.concurrency)))
        counts = self.journal.counts()
        status = (
            "halted" if self._halted else ("done" if counts.pending == 0 and counts.inflight == 0 else "unfinished")
        )
        self.journal.set(status=status)
        return CampaignSummary(status, counts, self.gateway.provider, time.perf_counter() - started, self._requests)

    async def _worker(self, on_progress: ProgressCallback | None) -> None:
        limit = self.gateway.max_recipients
        while not self._halted:
            batch = next(self._batches)
            rows = self.journal.claim(limit, batch)
            if not rows:
                return
            self.journal.set(batches=batch)
            text = rows[0].text if rows[0].text is not None else self.text
            assert text is not None
            report = await self._send([r.recipient for r in rows], text, f"{self.key}-{batch}")
            self._requests += 1
            self.journal.settle(
                (row.seq, _STATE_OF[o.outcome], o.phone, o.message_id, o.code, o.reason, o.detail)
                for row, o in zip(rows, report.outcomes, strict=True)
            )
            if self._provider_failed(report):
                self._failures += 1
                if self._failures >= self.max_consecutive_failures:
                    self._halted = True
                    return
                await asyncio.sleep(min(self.failure_backoff * 2 ** (self._failures - 1), 8.0))
            else:
                self._failures = 0
            if on_progress is not None:
                on_progress(self.journal.counts())

    async def _send(self, phones: list[str], text: str, key: str) -> SendReport:
        report: SendReport = await self._on_gateway("send", phones, text, sender=self.sender, key=key)
        return report

    async def _on_gateway(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a Gateway method: awaited on an `AsyncGateway`, in a worker thread on a sync `Gateway`."""
        if isinstance(self.gateway, AsyncGateway):
            return await getattr(self.gateway, method)(*args, **kwargs)
        return await asyncio.to_thread(getattr(self.gateway, method), *args, **kwargs)

    def _refuse_async(self, awaitable: str) -> None:
        if isinstance(self.gateway, AsyncGateway):
            raise TypeError(f"with an AsyncGateway, use `await campaign.{awaitable}()` inside its event loop")

    # -- reconciliation -----------------------------------------------------------------------------

    def reconcile(self) -> int:
        """Ask the provider what became of the recipients whose outcome is unknown (sync `Gateway`)."""
        self._refuse_async("areconcile")
        return asyncio.run(self.areconcile())

    async def areconcile(self) -> int:
        """Settle unknown recipients where the provider can tell (SMSC by client id and phone, SMSLeads by
        external id): the ones it has become accepted, the ones it provably never got become pending again
        (and are sent by the next run). Providers without such lookups (LetsAds, SMSClub) leave them
        unknown. Returns the number of rows settled."""
        if not self.gateway.can_reconcile:
            return 0
        settled = 0
        for batch in self.journal.unknown_batches():
            rows = self.journal.batch_rows(batch)
            # The request's phones, in the order they were sent: the batch's rows that were valid numbers.
            sent: list[tuple[int, str]] = []
            for row in rows:
                try:
                    sent.append((row.seq, self.gateway.normalize(row.recipient)))
                except ValidationError:
                    continue
            phones = [phone for _, phone in sent]
            request_key = f"{self.key}-{batch}.0"
            outcomes: list[RecipientOutcome] = await self._on_gateway("reconcile", request_key, phones)
            unknown = {row.seq for row in rows if row.state == "unknown"}
            updates = [
                (seq, _STATE_OF[o.outcome], phone, o.message_id, o.detail)
                for (seq, phone), o in zip(sent, outcomes, strict=True)
                if seq in unknown and o.outcome is not Outcome.UNKNOWN
            ]
            settled += self.journal.resolve(updates)
        return settled

    @staticmethod
    def _provider_failed(report: SendReport) -> bool:
        """A request the provider failed: nothing accepted and something failed or unknown (not mere
        rejections of bad numbers)."""
        return not report.accepted and bool(report.failed or report.unknown)

    # -- reporting ----------------------------------------------------------------------------------

    def summary(self) -> CampaignSummary:
        return CampaignSummary(self.journal.get("status", "new"), self.journal.counts(), self.journal.get("provider"))

    def export_csv(self, out: IO[str]) -> int:
        """Every recipient's outcome as CSV, in input order (streamed). Returns the number of rows."""
        return export_csv(self.journal, out)


def export_csv(journal: Journal, out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(["seq", "recipient", "phone", "state", "message_id", "code", "reason", "detail", "attempts"])
    n = 0
    for row in journal.rows():
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
            ]
        )
        n += 1
    return n


def open_summary(path: str | Path) -> tuple[CampaignSummary, Journal]:
    """A journal's summary without a gateway (for `smsgate bulk report`); returns (summary, journal)."""
    if not Path(path).exists():
        raise FileNotFoundError(path)
    journal = Journal(path)
    return CampaignSummary(journal.get("status", "new"), journal.counts(), journal.get("provider")), journal
