"""A worker that drains campaigns from a PostgreSQL journal; start any number, on any machines.

::

    summary = await run_worker("postgresql://user:pw@db/smsgate#spring", "smsc://login:pw@?sender=Shop")

Each request's recipients are claimed (atomically, committed as in flight) before it leaves; its outcomes are
committed as soon as the reply is read. Workers that are gone are noticed by the others (their advisory
lock is free) and their in-flight recipients become ``unknown``; where the provider can be asked (SMSC,
SMSLeads), unknown batches are reconciled once their request left more than `grace` seconds ago. A shared
rate limit (`smsgate._pg_ratelimit`) keeps all the workers of an account under the provider's limit.
Setting `stop` (SIGTERM in ``smsgate bulk worker``) lets the requests in flight finish, then releases
everything and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from ._constants import DEFAULT_TIMEOUT
from ._exceptions import ValidationError
from ._gateway import AsyncGateway, Outcome, SendReport
from ._journal import JournalCounts
from ._journal_pg import AsyncPgJournal, JournalError, PgLocation
from ._pg_ratelimit import AsyncSharedLimitTransport, account_key, provider_rate

__all__ = ["WorkerSummary", "load_campaign", "run_worker"]

_STATE_OF = {
    Outcome.ACCEPTED: "accepted",
    Outcome.REJECTED: "rejected",
    Outcome.FAILED: "pending",  # provably not sent: it stays to be sent
    Outcome.UNKNOWN: "unknown",
}

#: How many times a batch is looked up before its unknown rows are left unknown for good.
MAX_CHECKS = 3


@dataclass(frozen=True, slots=True)
class WorkerSummary:
    """What one worker did, and where its campaign stands."""

    status: str  # done | halted | stopped | unfinished
    counts: JournalCounts
    provider: str | None
    requests: int = 0
    reconciled: int = 0
    reaped: int = 0
    elapsed: float = 0.0


async def load_campaign(
    location: str,
    recipients: Iterable[str | tuple[str, str]],
    *,
    provider: str,
    text: str | None,
    sender: str | None,
) -> tuple[AsyncPgJournal, int]:
    """Create (or reopen) the campaign named by the location's fragment and stream the recipients into it
    (rows already journaled are skipped, as with SQLite). Returns the open journal and the rows added."""
    journal = await AsyncPgJournal.open(location, create=True)
    try:
        meta = await journal.meta()
        if meta.get("provider") not in (None, provider):
            raise ValueError(f"this journal belongs to a {meta['provider']} campaign, not {provider}")
        if text is not None and meta.get("text") not in (None, text):
            raise ValueError("this journal belongs to a campaign with another text")
        text = text if text is not None else meta.get("text")
        await journal.set(provider=provider, text=text, sender=sender if sender is not None else meta.get("sender"))
        added = 0
        if not meta.get("loaded", False):
            start = await journal.loaded()

            def rows() -> Iterable[tuple[int, str, str | None]]:
                for seq, item in enumerate(recipients):
                    if seq < start:
                        continue
                    if isinstance(item, str):
                        if text is None:
                            raise ValueError(f"row {seq}: no text for {item!r} and the campaign has no text")
                        yield seq, item, None
                    else:
                        phone, own_text = item
                        yield seq, phone, own_text if own_text != text else None

            added = await journal.add(rows())
            await journal.set(loaded=True, status="running")
        return journal, added
    except BaseException:
        await journal.aclose()
        raise


ProgressCallback = Callable[[JournalCounts], None]


async def run_worker(
    location: str,
    gateway_url: str,
    *,
    campaign: str | None = None,
    concurrency: int = 4,
    grace: float | None = None,
    rate_limit: float | None = None,
    max_consecutive_failures: int = 5,
    stop: asyncio.Event | None = None,
    follow: bool = False,
    poll: float = 0.5,
    on_progress: ProgressCallback | None = None,
) -> WorkerSummary:
    """Drain one campaign (the location's fragment, or `campaign`) until nothing is left to send or settle.

    `grace`: seconds after a request left before a "not found" from the provider is trusted (default: the
    request timeout × 2 + 5; never less than the timeout). `rate_limit`: requests per second for all the
    workers of this account together (default: the provider's documented limit, if any). With `follow`, the
    worker keeps polling for work until `stop` is set."""
    where = PgLocation.parse(location)
    if campaign is not None:
        where = PgLocation(where.conninfo, campaign)
    stop = stop if stop is not None else asyncio.Event()
    journal = await AsyncPgJournal.open(where, create=False)
    inner = httpx.AsyncHTTPTransport()
    shared = _Lazy(inner)
    http = httpx.AsyncClient(transport=shared, timeout=DEFAULT_TIMEOUT)
    try:
        gateway = AsyncGateway.from_url(gateway_url, http_client=http)
    except BaseException:
        await http.aclose()
        await journal.aclose()
        raise
    try:
        meta = await journal.meta()
        if meta.get("provider") not in (None, gateway.provider):
            raise ValueError(f"this campaign is for {meta['provider']}, not {gateway.provider}")
        rate = rate_limit if rate_limit is not None else provider_rate(gateway.client)
        if rate is not None:
            shared.target = AsyncSharedLimitTransport(journal, account_key(gateway_url), rate, inner)
        timeout = gateway.client.timeout
        longest = max(t for t in (timeout.read, timeout.connect, timeout.write, timeout.pool, 0.0) if t is not None)
        grace = grace if grace is not None else longest * 2 + 5
        if grace <= longest:
            raise ValueError(f"grace ({grace:g} s) must be longer than the request timeout ({longest:g} s)")
        worker = _Worker(journal, gateway, meta, stop, concurrency, grace, max_consecutive_failures, on_progress)
        await journal.register_worker()
        if meta.get("status") == "halted":
            await journal.set(status="running")  # a worker started by hand resumes a halted campaign
        return await worker.run(follow, poll)
    finally:
        with contextlib.suppress(JournalError):
            await journal.unregister_worker("stopped")
        await gateway.aclose()
        await http.aclose()
        await journal.aclose()


class _Lazy(httpx.AsyncBaseTransport):
    """The plain transport until the shared limit is known, then the limiting one."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.target: httpx.AsyncBaseTransport = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.target.handle_async_request(request)

    async def aclose(self) -> None:
        await self.target.aclose()


class _Worker:
    def __init__(
        self,
        journal: AsyncPgJournal,
        gateway: AsyncGateway,
        meta: dict[str, object],
        stop: asyncio.Event,
        concurrency: int,
        grace: float,
        max_failures: int,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.journal = journal
        self.gateway = gateway
        text, sender = meta.get("text"), meta.get("sender")
        self.text = text if isinstance(text, str) else None
        self.sender = sender if isinstance(sender, str) else gateway.sender
        self.stop = stop
        self.concurrency = concurrency
        self.grace = grace
        self.max_failures = max_failures
        self.on_progress = on_progress
        self.failures = 0
        self.halted = False
        self.requests = 0
        self.reconciled = 0
        self.reaped = 0

    async def run(self, follow: bool, poll: float) -> WorkerSummary:
        started = time.perf_counter()
        journal = self.journal
        status = "unfinished"
        while True:
            self.reaped += await journal.reap()
            if self.gateway.can_reconcile and not self.stop.is_set():
                await self.reconcile()
            await asyncio.gather(*(self._task() for _ in range(self.concurrency)))
            if self.stop.is_set():
                status = "stopped"
                break
            if self.halted or await journal.get("status") == "halted":
                status = "halted"
                await journal.set(status="halted")
                break
            counts = await journal.counts()
            if counts.pending:
                continue
            waiting = counts.inflight > 0  # other workers' requests (a gone worker's are reaped next round)
            if not waiting and self.gateway.can_reconcile:
                waiting = await journal.awaiting_reconciliation(MAX_CHECKS) > 0
            if not waiting:
                status = "done"
                await journal.set(status="done")
                if not follow:
                    break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), poll)
        counts = await journal.counts()
        return WorkerSummary(
            status,
            counts,
            self.gateway.provider,
            self.requests,
            self.reconciled,
            self.reaped,
            time.perf_counter() - started,
        )

    async def _task(self) -> None:
        journal, limit = self.journal, self.gateway.max_recipients
        while not self.stop.is_set() and not self.halted:
            claim = await journal.claim(limit)
            if claim is None:
                return
            text = claim.rows[0].text if claim.rows[0].text is not None else self.text
            if text is None:
                raise ValueError("a recipient has no text and the campaign has none")
            report: SendReport = await self.gateway.send(
                [r.recipient for r in claim.rows], text, sender=self.sender, key=claim.key
            )
            self.requests += 1
            await journal.settle(
                claim.batch,
                (
                    (row.seq, _STATE_OF[o.outcome], o.phone, o.message_id, o.code, o.reason, o.detail)
                    for row, o in zip(claim.rows, report.outcomes, strict=True)
                ),
            )
            if not report.accepted and (report.failed or report.unknown):
                self.failures += 1
                if self.failures >= self.max_failures:
                    self.halted = True
                    return
                await asyncio.sleep(min(0.5 * 2 ** (self.failures - 1), 8.0))
            else:
                self.failures = 0
            if self.on_progress is not None:
                self.on_progress(await journal.counts())

    async def reconcile(self) -> None:
        """Ask the provider about unknown batches whose request left more than `grace` seconds ago."""
        journal = self.journal
        while batches := await journal.due_batches(self.grace, max_checks=MAX_CHECKS):
            for batch, key in batches:
                rows = await journal.batch_rows(batch)
                sent: list[tuple[int, str]] = []
                for row in rows:
                    try:
                        sent.append((row.seq, self.gateway.normalize(row.recipient)))
                    except ValidationError:
                        continue
                outcomes = await self.gateway.reconcile(f"{key}.0", [phone for _, phone in sent])
                unknown = {row.seq for row in rows if row.state == "unknown"}
                updates = [
                    (seq, _STATE_OF[o.outcome], phone, o.message_id, o.detail)
                    for (seq, phone), o in zip(sent, outcomes, strict=True)
                    if seq in unknown and o.outcome is not Outcome.UNKNOWN
                ]
                self.reconciled += await journal.resolve(updates)
