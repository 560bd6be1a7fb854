"""`Campaign`: one text (or a text per recipient) to any number of recipients through a Gateway, with a
durable journal so that a campaign killed at any moment resumes without sending anyone twice.

Guarantees (see `smsgate._journal` for the mechanics):

* **At most once by default.** A recipient is marked in-flight, durably, before its request leaves. After a
  crash, in-flight recipients become ``unknown`` and are never resent unless you opt into at-least-once
  (``at_least_once=True``), which resends them and accepts the risk of a duplicate.
* **One runner at a time.** Opening a campaign takes its journal: a second runner (another terminal, a cron
  overlap, another machine on a shared disk) is refused with `JournalBusyError` naming the holder.
* **None forgotten.** Every input row is in the journal before it is sent; a resumed campaign continues
  with the rows still pending; the summary accounts for every row.
* **Reconciliation waits for late arrivals.** Where the provider can be asked (SMSC, SMSLeads), unknown
  recipients are looked up; "no such message" is trusted only once the request has been gone longer than
  the request timeout (`reconcile_grace`), and the recipients are then resent under their original client
  id, so the provider's own de-duplication refuses a copy that still arrives.
* **A refusal of the whole request halts.** No sender, wrong password, unregistered sender, no money: the
  recipients stay pending and the campaign stops as ``halted`` with the provider's code and text.
* **A failing provider is not hammered.** After ``max_consecutive_failures`` requests in a row that the
  provider failed (unreachable, 5xx…), the campaign stops as ``halted``; run it again to resume.
* Memory does not grow with the number of recipients: the input is streamed into the journal, and
  batches are claimed from it a few at a time.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._exceptions import ValidationError
from ._gateway import AsyncGateway, Gateway, Outcome, RecipientOutcome, SendReport
from ._journal import Claim, Journal, JournalCounts, Owner, Settlement, SqliteJournal
from ._types import ErrorCategory

__all__ = ["Campaign", "CampaignSummary", "HaltReason", "open_journal"]

logger = logging.getLogger("smsgate.campaign")

_STATE_OF = {
    Outcome.ACCEPTED: "accepted",
    Outcome.REJECTED: "rejected",
    Outcome.FAILED: "pending",  # provably not sent: it stays to be sent on the next run
    Outcome.UNKNOWN: "unknown",
}

#: Refusals of the whole request that no retry fixes: the recipients stay pending and the campaign halts.
_HALT_REASONS = frozenset(
    {
        ErrorCategory.AUTHENTICATION,
        ErrorCategory.PERMISSION,
        ErrorCategory.INVALID_SENDER,
        ErrorCategory.INSUFFICIENT_FUNDS,
        ErrorCategory.INVALID_REQUEST,
    }
)
_MAX_RECONCILE_ROUNDS = 5
_PROGRESS_EVERY = 0.1  # seconds between progress callbacks


@dataclass(frozen=True, slots=True)
class HaltReason:
    """Why a campaign halted: the provider's code (or the transport error's name) and its text."""

    code: str | None
    detail: str | None
    reason: str | None = None  # the error category
    #: True for a refusal of the whole request (credentials, sender, money…), False after repeated failures.
    refused: bool = True

    def __str__(self) -> str:
        head = "the provider refused the request" if self.refused else "the provider failed repeatedly"
        return f"{head}: {self.code or '?'}: {self.detail or self.reason or 'no detail'}"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, "reason": self.reason, "refused": self.refused}

    @classmethod
    def from_json(cls, data: Any) -> HaltReason | None:
        if not isinstance(data, dict):
            return None
        return cls(data.get("code"), data.get("detail"), data.get("reason"), bool(data.get("refused", True)))


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """Where a campaign stands: the count of every state, and whether it is done, halted or unfinished."""

    status: str
    counts: JournalCounts
    provider: str | None
    elapsed: float = 0.0
    requests: int = 0
    #: Recipients settled (accepted, rejected or unknown) by this run.
    settled_now: int = 0
    #: Why the campaign halted (status ``halted``), else None.
    halt: HaltReason | None = None

    @property
    def rate(self) -> float:
        """Recipients settled per second by the last run (0 when it sent nothing)."""
        return self.settled_now / self.elapsed if self.elapsed > 0 and self.requests else 0.0


ProgressCallback = Callable[[JournalCounts], None]


class Campaign:
    """A bulk send with a journal. ``Campaign(gateway, "campaign.db", text="…")``, then `load` and `run`.

    Reopening the same journal resumes it: `load` skips the rows already journaled, `run` continues. The
    campaign holds its journal from construction to `close`: a second `Campaign` on the same journal raises
    `smsgate._journal.JournalBusyError` naming the holder (process id and host).

    `reconcile_grace` (seconds): how long after a request left a provider's "no such message" is trusted
    (default: the client's request timeout plus 2 s; it must exceed the request timeout).
    """

    def __init__(
        self,
        gateway: Gateway | AsyncGateway,
        journal: str | Path | Journal,
        *,
        text: str | None = None,
        sender: str | None = None,
        concurrency: int = 4,
        max_consecutive_failures: int = 5,
        at_least_once: bool = False,
        failure_backoff: float = 0.5,
        reconcile_grace: float | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        timeout = request_timeout(gateway)
        if reconcile_grace is None:
            reconcile_grace = timeout + 2.0
        elif reconcile_grace <= timeout:
            raise ValueError(f"reconcile_grace ({reconcile_grace} s) must exceed the request timeout ({timeout} s)")
        self.reconcile_grace = reconcile_grace
        self.gateway = gateway
        self.journal: Journal = open_journal(journal)
        self.owner: Owner = Owner()
        try:
            self.journal.acquire(self.owner)
        except BaseException:
            self.journal.close()
            raise
        try:
            stored_text = self.journal.get("text")
            if text is not None and stored_text is not None and text != stored_text:
                raise ValueError("this journal belongs to a campaign with another text")
            stored_provider = self.journal.get("provider")
            if stored_provider is not None and stored_provider != gateway.provider:
                raise ValueError(f"this journal belongs to a {stored_provider} campaign, not {gateway.provider}")
        except BaseException:
            self.journal.close()
            raise
        self.text: str | None = text if text is not None else stored_text
        self.sender: str | None = sender if sender is not None else self.journal.get("sender")
        # Request keys are "<campaign key>-<batch>", the batch numbered by the journal's own counter: what a
        # provider that takes client-side ids (SMSC, SMSLeads) can be asked about later, when a reply was lost.
        self.key: str = self.journal.get("key") or uuid.uuid4().hex[:8]
        self.journal.set(provider=gateway.provider, text=self.text, sender=self.sender, key=self.key)
        self.concurrency = concurrency
        self.max_consecutive_failures = max_consecutive_failures
        self.at_least_once = at_least_once
        self.failure_backoff = failure_backoff
        self._failures = 0
        self._requests = 0
        self._halt: HaltReason | None = None
        self._halted = False
        self._recheck_at: float | None = None
        self._reconcile_again = False
        self._progressed = 0.0

    def close(self) -> None:
        """Release the journal (another runner may take it) and close it."""
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

        text = self.text

        def rows() -> Iterable[tuple[int, str, str | None]]:
            for seq, item in itertools.islice(enumerate(recipients), start, None):
                if isinstance(item, str):
                    if text is None:
                        raise ValueError(f"row {seq}: no text for {item!r} and the campaign has no text")
                    yield seq, item, None
                else:
                    phone, own_text = item
                    yield seq, phone, own_text if own_text != text else None

        added = self.journal.add(rows())
        self.journal.set(loaded=True)
        return added

    def load_csv(self, source: IO[str]) -> int:
        """Recipients from CSV: a ``phone`` column and, optionally, a ``text`` column (per-recipient text).

        Read strictly: a malformed row (e.g. a quote that is never closed, which would otherwise swallow the
        rest of the file into one recipient's text) raises ValueError naming the line where that row starts.
        """
        reader = csv.DictReader(source, strict=True)
        try:
            fields = reader.fieldnames
        except csv.Error as exc:
            raise ValueError(f"CSV line 1: {exc}") from None
        if not fields or "phone" not in fields:
            raise ValueError("the CSV needs a 'phone' column (and optionally 'text')")
        with_text = "text" in fields

        def rows() -> Iterator[str | tuple[str, str]]:
            start = reader.line_num + 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    hint = " (a quote that is never closed?)" if "end of data" in str(exc) else ""
                    raise ValueError(f"CSV line {start}: {exc}{hint}") from None
                yield (row["phone"], row["text"]) if with_text and row.get("text") else row["phone"]
                start = reader.line_num + 1

        return self.load(rows())

    @property
    def fully_loaded(self) -> bool:
        """Whether every recipient of the input is in the journal (a load that failed midway is not)."""
        return bool(self.journal.get("loaded", False))

    # -- running ------------------------------------------------------------------------------------

    def run(self, on_progress: ProgressCallback | None = None) -> CampaignSummary:
        """Send every pending recipient through a sync `Gateway`; blocking (requests run in `concurrency`
        threads). Returns the summary: done, halted, or unfinished. With an `AsyncGateway`, await `arun`."""
        self._refuse_async("arun")
        return asyncio.run(self.arun(on_progress))

    async def arun(self, on_progress: ProgressCallback | None = None) -> CampaignSummary:
        """`run`, awaitable: `concurrency` requests at a time.

        Cancelled (Ctrl-C), the requests in flight are settled as unknown (they may have left) and the
        journal is marked ``interrupted``; run again to resume."""
        self.journal.reopen_orphans(resend=self.at_least_once)
        if self.at_least_once:
            self.journal.retry(["unknown"])
        self._halted = False
        self._halt = None
        self._failures = 0
        self._requests = 0
        before = self.journal.counts().settled
        started = time.perf_counter()
        self.journal.set(status="running", halt=None)
        try:
            for _ in range(_MAX_RECONCILE_ROUNDS):
                if self.gateway.can_reconcile and not self.at_least_once:
                    await self.areconcile()
                self._reconcile_again = False
                await asyncio.gather(*(self._worker(on_progress) for _ in range(self.concurrency)))
                if self._halted or not (self._recheck_at or self._reconcile_again):
                    break
                # The provider had no trace of some requests that may still be on their way: wait until
                # they have been gone longer than the request timeout, then ask again.
                wait = max(0.0, (self._recheck_at or 0.0) - time.time())
                logger.info("waiting %.1f s before asking the provider again about unknown recipients", wait)
                await asyncio.sleep(wait)
        except asyncio.CancelledError:
            self.journal.set(status="interrupted")
            raise
        counts = self.journal.counts()
        if on_progress is not None:
            on_progress(counts)
        status = (
            "halted" if self._halted else ("done" if counts.pending == 0 and counts.inflight == 0 else "unfinished")
        )
        self.journal.set(status=status, halt=None if self._halt is None else self._halt.to_json())
        return CampaignSummary(
            status,
            counts,
            self.gateway.provider,
            time.perf_counter() - started,
            self._requests,
            counts.settled - before,
            self._halt,
        )

    async def _worker(self, on_progress: ProgressCallback | None) -> None:
        limit = self.gateway.max_recipients
        claim = self.journal.claim(limit) if not self._halted else None
        while claim is not None:
            rows = claim.rows
            text = rows[0].text if rows[0].text is not None else self.text
            assert text is not None
            try:
                report = await self._send([r.recipient for r in rows], text, f"{self.key}-{claim.batch}")
            except asyncio.CancelledError:
                # Interrupted mid-request: it may have left. Never resent unless reconciled or opted in.
                self.journal.settle(
                    (r.seq, "unknown", None, None, "interrupted", None, "interrupted while in flight") for r in rows
                )
                raise
            self._requests += 1
            settlements, halt = self._settlements(claim, report)
            failed = self._provider_failed(report)
            if halt is None and not failed and not self._halted:
                # The usual case: this batch's outcomes and the next batch's claim in one commit.
                claim = self.journal.settle_and_claim(settlements, limit)
                self._failures = 0
            else:
                self.journal.settle(settlements)
                claim = None
                if halt is not None:
                    self._halted = True
                    self._halt = halt
                    return
                if failed:
                    self._failures += 1
                    if self._failures >= self.max_consecutive_failures:
                        last = report.failed[-1] if report.failed else report.unknown[-1]
                        self._halt = HaltReason(last.code, last.detail, last.reason, refused=False)
                        self._halted = True
                        return
                    # Nothing is claimed while backing off: rows claimed and then not sent would come back
                    # as unknown after a crash.
                    await asyncio.sleep(min(self.failure_backoff * 2 ** (self._failures - 1), 8.0))
                if not self._halted:
                    claim = self.journal.claim(limit)
            if on_progress is not None and time.monotonic() - self._progressed >= _PROGRESS_EVERY:
                self._progressed = time.monotonic()
                on_progress(self.journal.counts())

    def _settlements(self, claim: Claim, report: SendReport) -> tuple[list[Settlement], HaltReason | None]:
        """Each row's new state; a refusal of the whole request keeps the rows pending and halts."""
        halt: HaltReason | None = None
        out: list[Settlement] = []
        for row, o in zip(claim.rows, report.outcomes, strict=True):
            state = _STATE_OF[o.outcome]
            code, detail = o.code, o.detail
            if o.outcome is Outcome.REJECTED and o.reason in _HALT_REASONS:
                # Refused for a reason that is not this recipient's (no sender…): unless the row's own text is
                # at fault, nobody is rejected for it.
                if not (o.reason is ErrorCategory.INVALID_REQUEST and row.text is not None):
                    state = "pending"
                    halt = halt or HaltReason(o.code, o.detail, o.reason)
            elif o.outcome is Outcome.FAILED:
                if o.reason in _HALT_REASONS:
                    halt = halt or HaltReason(o.code, o.detail, o.reason)
                elif o.reason is ErrorCategory.DUPLICATE and claim.resend:
                    # A resend under the original client id refused as a duplicate: the first request did
                    # arrive after all. Unknown until reconciliation finds it.
                    state, code = "unknown", "duplicate"
                    self._reconcile_again = True
                    detail = "the provider already has this request: the first attempt arrived"
            out.append(
                (row.seq, state, o.phone, o.message_id, code, None if o.reason is None else str(o.reason), detail)
            )
        return out, halt

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
        external id): the ones it has become accepted; the ones it has no trace of become pending again —
        but only once their request has been gone longer than `reconcile_grace` (before that it may still
        be on its way) — and are resent under their original client id by the next claim. Providers without
        such lookups (LetsAds, SMSClub) leave them unknown. Returns the number of rows settled."""
        self._recheck_at = None
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
            unknown = {r.seq: r for r in rows if r.state == "unknown"}
            now = time.time()
            updates = []
            for (seq, phone), o in zip(sent, outcomes, strict=True):
                was = unknown.get(seq)
                if was is None or o.outcome is Outcome.UNKNOWN:
                    continue
                if o.outcome is not Outcome.ACCEPTED:
                    trusted_at = (was.updated_at or now) + self.reconcile_grace
                    if now < trusted_at:  # "not found" proves nothing yet: the request may be on its way
                        self._recheck_at = max(self._recheck_at or 0.0, trusted_at)
                        continue
                updates.append((seq, _STATE_OF[o.outcome], phone, o.message_id, o.detail))
            settled += self.journal.resolve(updates)
        return settled

    @staticmethod
    def _provider_failed(report: SendReport) -> bool:
        """A request the provider failed: nothing accepted and something failed or unknown (not mere
        rejections of bad numbers)."""
        return not report.accepted and bool(report.failed or report.unknown)

    # -- reporting ----------------------------------------------------------------------------------

    def summary(self) -> CampaignSummary:
        return _summary_of(self.journal)

    def export_csv(self, out: IO[str]) -> int:
        """Every recipient's outcome as CSV, in input order (streamed). Returns the number of rows."""
        return self.journal.export_csv(out)


def request_timeout(gateway: Gateway | AsyncGateway) -> float:
    """The longest one request of this gateway's client can take before it gives up (connect + write +
    read timeouts, or the client's overall deadline when it has one), in seconds."""
    client = gateway.client
    deadline = getattr(client, "deadline", None)
    if isinstance(deadline, int | float) and deadline > 0:
        return float(deadline)
    timeout = getattr(client, "timeout", None)
    parts = [getattr(timeout, name, None) for name in ("connect", "write", "read")]
    if timeout is None or any(p is None for p in parts):
        return 300.0  # no timeout: wait five minutes before trusting "not found"
    return float(sum(p for p in parts if p is not None))


def _summary_of(journal: Journal) -> CampaignSummary:
    return CampaignSummary(
        journal.get("status", "new"),
        journal.counts(),
        journal.get("provider"),
        halt=HaltReason.from_json(journal.get("halt")),
    )


def export_csv(journal: Journal, out: IO[str]) -> int:
    return journal.export_csv(out)


def open_journal(location: str | Path | Journal) -> Journal:
    """The journal at `location`: a `Journal` as given, ``postgresql://…#campaign`` (PostgreSQL, see
    `smsgate._journal_pg`; the ``postgres`` extra), or a path (SQLite)."""
    if isinstance(location, Journal):
        return location
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        from ._journal_pg import PgJournal

        return PgJournal(location)
    return SqliteJournal(location)


def open_summary(path: str | Path) -> tuple[CampaignSummary, Journal]:
    """A journal's summary without a gateway (for `smsgate bulk report`); returns (summary, journal)."""
    if not str(path).startswith(("postgresql://", "postgres://")) and not Path(path).exists():
        raise FileNotFoundError(path)
    journal = open_journal(path)
    return _summary_of(journal), journal
