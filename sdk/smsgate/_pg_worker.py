"""A worker that drains a campaign from a PostgreSQL journal; start any number, on any machines.

::

    summary = await run_worker("postgresql://user:pw@db/smsgate#spring", "smsc://login:pw@?sender=Shop")

A worker is a `Campaign` run on the shared journal (`smsgate._journal_pg.PgJournal`), again and again until
nothing is left: claims are atomic and committed in flight before each request leaves; a worker that is gone
is noticed by the others (its advisory lock is free) and its in-flight recipients become ``unknown``; where
the provider can be asked (SMSC, SMSLeads) they are reconciled once their request has been gone longer than
the grace period. A rate limit shared by all the workers of an account (`smsgate._pg_ratelimit`) keeps them
together under the provider's limit. Setting `stop` (SIGTERM in ``smsgate bulk worker``) stops the claims:
the requests in flight finish and are recorded, the worker releases the journal and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from ._campaign import Campaign, HaltReason
from ._gateway import AsyncGateway
from ._journal import JournalCounts
from ._journal_pg import PgJournal, PgLocation
from ._pg_ratelimit import SharedRateLimiter, account_key, provider_rate, share_rate_limit

__all__ = ["WorkerSummary", "run_worker"]


@dataclass(frozen=True, slots=True)
class WorkerSummary:
    """What one worker did, and where its campaign stands."""

    status: str  # done | halted | stopped
    counts: JournalCounts
    provider: str | None
    requests: int = 0
    settled: int = 0
    elapsed: float = 0.0
    halt: HaltReason | None = None


async def run_worker(
    location: str,
    gateway_url: str,
    *,
    campaign: str | None = None,
    concurrency: int = 4,
    grace: float | None = None,
    rate_limit: float | None = None,
    max_consecutive_failures: int = 5,
    at_least_once: bool = False,
    stop: asyncio.Event | None = None,
    follow: bool = False,
    poll: float = 0.5,
) -> WorkerSummary:
    """Drain one campaign (the location's ``#name``, or `campaign`: a name or an id) until every recipient is
    settled, or until `stop` is set (the requests in flight finish first).

    `grace`: seconds after a request left before the provider's "no such message" is trusted (default: the
    request timeout + 2 s). `rate_limit`: requests per second for all the workers of this account together
    (default: the provider's documented limit, if any). With `follow`, a finished worker keeps waiting for
    work (rows reopened, a campaign resumed) until `stop` is set."""
    where = PgLocation.parse(location)
    if campaign is not None:
        where = PgLocation(where.conninfo, campaign)
    stop = stop if stop is not None else asyncio.Event()
    journal = PgJournal(where, create=False)
    limits: PgJournal | None = None
    try:
        gateway = AsyncGateway.from_url(gateway_url)
        runner = Campaign(
            gateway,
            journal,
            concurrency=concurrency,
            max_consecutive_failures=max_consecutive_failures,
            at_least_once=at_least_once,
            reconcile_grace=grace,
        )
        journal.reconcile_grace = runner.reconcile_grace
        rate = rate_limit if rate_limit is not None else provider_rate(gateway.client)
        if rate is not None and journal.worker is not None:
            limits = PgJournal(where, create=False)  # a connection of its own for the slots
            share_rate_limit(gateway.client, SharedRateLimiter(limits, journal.worker, account_key(gateway_url), rate))
        async with gateway:
            return await _drain(runner, journal, stop, follow, poll)
    finally:
        with contextlib.suppress(Exception):
            journal.close()  # releases: the worker is unregistered, its rate-limit slots freed
        if limits is not None:
            limits.close()


async def _drain(runner: Campaign, journal: PgJournal, stop: asyncio.Event, follow: bool, poll: float) -> WorkerSummary:
    started = time.perf_counter()
    watcher = asyncio.ensure_future(_stop_claims(stop, journal))
    requests = settled = 0
    halt: HaltReason | None = None
    try:
        while True:
            summary = await runner.arun()
            requests += summary.requests
            settled += summary.settled_now
            if stop.is_set():
                status = "stopped"
                break
            if summary.status == "halted":
                status, halt = "halted", summary.halt
                break
            counts = journal.counts()
            # Pending rows another worker put back, in-flight rows of others, unknown rows still to be looked
            # up once their grace has passed: wait, reap and look again.
            awaiting = runner.gateway.can_reconcile and journal.awaiting_reconciliation() > 0
            if counts.pending == 0 and counts.inflight == 0 and not awaiting:
                status = "done"
                if not follow:
                    break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll)
    finally:
        watcher.cancel()
    return WorkerSummary(
        status, journal.counts(), runner.gateway.provider, requests, settled, time.perf_counter() - started, halt
    )


async def _stop_claims(stop: asyncio.Event, journal: PgJournal) -> None:
    await stop.wait()
    journal.stop_claiming()
