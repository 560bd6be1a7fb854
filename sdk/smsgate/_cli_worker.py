"""``smsgate bulk worker``: drain a campaign from a PostgreSQL journal (the ``cli`` and ``postgres`` extras).

::

    # one machine creates the campaign and loads it; --no-run leaves the sending to workers
    smsgate bulk send --journal 'postgresql://app@db/smsgate#spring' --to-file people.txt --text "…" --no-run
    # any number of machines:
    smsgate bulk worker --journal 'postgresql://app@db/smsgate#spring'
    # from anywhere, live:
    smsgate bulk report 'postgresql://app@db/smsgate#spring' --follow

The journal URL's password, like the gateway URL's, is never printed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from ._exceptions import SmsGateError
from ._journal import JournalCounts
from ._journal_pg import PgJournal, is_pg_location

__all__ = ["bulk_worker", "follow_progress"]


def _console() -> Console:
    return Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 110, soft_wrap=True)


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


def progress_line(counts: JournalCounts, workers: int | None = None, rate: float | None = None) -> str:
    text = (
        f"{counts.settled}/{counts.total} settled: accepted {counts.accepted}, rejected {counts.rejected},"
        f" unknown {counts.unknown}; pending {counts.pending}, in flight {counts.inflight}"
    )
    if workers is not None:
        text += f"; {workers} worker{'s' if workers != 1 else ''}"
    if rate is not None:
        text += f"; {rate:.0f} recipients/s"
    return text


def bulk_worker(
    journal: Annotated[str, typer.Option("--journal", "-j", help="postgresql://… journal (#name picks the campaign).")],
    campaign: Annotated[str | None, typer.Option("--campaign", "-c", help="The campaign's name or id.")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Gateway URL (default: $SMSGATE_URL).", show_default=False)
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once in this worker.")] = 4,
    grace: Annotated[
        float | None,
        typer.Option(help="Seconds after a request left before 'no such message' is trusted (> request timeout)."),
    ] = None,
    rate_limit: Annotated[
        float | None,
        typer.Option("--rate-limit", help="Requests/s for all workers of the account (default: the provider's)."),
    ] = None,
    max_failures: Annotated[int, typer.Option(help="Halt after this many failed requests in a row.")] = 5,
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep waiting for work when the campaign is done (until SIGTERM).")
    ] = False,
) -> None:
    """Send a PostgreSQL campaign's recipients; run any number of workers, on any machines.

    SIGTERM or Ctrl-C: the requests in flight finish and are recorded, then the worker exits."""
    from ._pg_worker import run_worker

    if not is_pg_location(journal):
        _fail("bulk worker needs a postgresql://… journal (a SQLite journal has one runner: bulk send)")
    gateway_url = url or os.environ.get("SMSGATE_URL")
    if not gateway_url:
        _fail("give --url or set SMSGATE_URL")
    console = _console()

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        summary = await run_worker(
            journal,
            gateway_url,
            campaign=campaign,
            concurrency=concurrency,
            grace=grace,
            rate_limit=rate_limit,
            max_consecutive_failures=max_failures,
            stop=stop,
            follow=follow,
        )
        rate = summary.settled / summary.elapsed if summary.elapsed > 0 and summary.requests else 0.0
        console.print(
            f"worker {summary.status}: {summary.requests} requests, {summary.settled} recipients settled"
            f" in {summary.elapsed:.1f} s ({rate:.0f}/s)"
        )
        console.print(progress_line(summary.counts))
        if summary.halt is not None:
            console.print(f"halted: {summary.halt}")
        return 0 if summary.status in ("done", "stopped") else 1

    try:
        code = asyncio.run(main())
    except (SmsGateError, ValueError, RuntimeError) as exc:
        _fail(str(exc))  # journal errors are redacted; gateway URL errors never repeat the URL
    raise typer.Exit(code)


def follow_progress(location: str, console: Console, interval: float = 2.0) -> None:
    """Print a progress line every `interval` seconds until nothing is pending or in flight (``bulk report
    --follow``): any machine can watch a campaign that workers elsewhere are sending."""
    with PgJournal(location, create=False) as journal:
        last: tuple[float, int] | None = None
        while True:
            journal.reap()  # a gone worker's rows show as unknown, not as forever in flight
            counts = journal.counts()
            now = time.monotonic()
            rate = None if last is None else (counts.settled - last[1]) / max(now - last[0], 1e-9)
            console.print(progress_line(counts, journal.live_workers(), rate))
            if counts.pending == 0 and counts.inflight == 0:
                return
            last = (now, counts.settled)
            time.sleep(interval)


if __name__ == "__main__":  # python -m smsgate._cli_worker …: the worker without the rest of the CLI
    typer.run(bulk_worker)
