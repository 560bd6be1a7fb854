"""``smsgate bulk worker``, and ``bulk send`` / ``bulk report`` on a PostgreSQL journal (the ``cli`` and
``postgres`` extras).

::

    # on one machine: create the campaign and load it (add --no-run to leave the sending to workers)
    smsgate bulk send --journal 'postgresql://app@db/smsgate#spring' --to-file people.txt --text "…" --no-run
    # on any number of machines:
    smsgate bulk worker --journal 'postgresql://app@db/smsgate' --campaign spring
    # from anywhere:
    smsgate bulk report 'postgresql://app@db/smsgate#spring' [--follow]

The journal URL's password, like the gateway URL's, is never printed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Annotated, NoReturn

import typer
from rich.console import Console

from ._exceptions import SmsGateError
from ._journal import JournalCounts
from ._journal_pg import PgJournal, PgLocation, is_pg_location

__all__ = ["bulk_worker", "is_pg_location", "pg_report", "pg_send"]


def _console() -> Console:
    return Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 110, soft_wrap=True)


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


def _line(counts: JournalCounts, workers: int | None = None) -> str:
    done = counts.accepted + counts.rejected + counts.unknown
    text = (
        f"{done}/{counts.total} settled: accepted {counts.accepted}, rejected {counts.rejected},"
        f" unknown {counts.unknown}, pending {counts.pending}, in flight {counts.inflight}"
    )
    return text if workers is None else f"{text}; workers {workers}"


def bulk_worker(
    journal: Annotated[
        str, typer.Option("--journal", "-j", help="postgresql://… journal (a #name picks the campaign).")
    ],
    campaign: Annotated[str | None, typer.Option("--campaign", "-c", help="The campaign's name or id.")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Gateway URL (default: $SMSGATE_URL).", show_default=False)
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once in this worker.")] = 4,
    grace: Annotated[
        float | None,
        typer.Option(help="Seconds before an unknown request is reconciled (> the request timeout)."),
    ] = None,
    rate_limit: Annotated[
        float | None,
        typer.Option("--rate-limit", help="Requests/s for all workers of the account (default: the provider's)."),
    ] = None,
    max_failures: Annotated[int, typer.Option(help="Halt after this many failed requests in a row.")] = 5,
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep polling for work instead of exiting when done.")
    ] = False,
) -> None:
    """Drain a campaign from a PostgreSQL journal; start any number, on any machines. SIGTERM: finish the
    requests in flight, release, exit."""
    from ._pg_worker import run_worker

    if not is_pg_location(journal):
        _fail("bulk worker needs a postgresql://… journal")
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
        console.print(
            f"worker {summary.status}: {summary.requests} requests, {summary.reconciled} reconciled,"
            f" {summary.reaped} reopened as unknown from gone workers, in {summary.elapsed:.1f} s"
        )
        console.print(_line(summary.counts))
        return 0 if summary.status in ("done", "stopped") else 1

    try:
        code = asyncio.run(main())
    except (SmsGateError, ValueError) as exc:
        _fail(str(exc))  # JournalError texts are redacted; gateway URL errors never repeat the URL
    raise typer.Exit(code)


def pg_send(
    journal: str,
    recipients: Iterable[str | tuple[str, str]],
    *,
    gateway_url: str,
    text: str | None,
    sender: str | None,
    run: bool,
    concurrency: int,
    max_failures: int,
) -> int:
    """``bulk send`` on a PostgreSQL journal: create (or reopen) the campaign, stream the input into it, then
    drain it here as one worker (`run`) or leave it to ``bulk worker`` processes. Returns the exit code."""
    from ._gateway import AsyncGateway
    from ._pg_worker import load_campaign, run_worker

    try:
        probe = AsyncGateway.from_url(gateway_url)
    except (ValueError, TypeError) as exc:
        _fail(f"bad gateway URL: {exc}")
    provider = probe.provider
    sender = sender if sender is not None else probe.sender
    console = _console()

    async def main() -> int:
        await probe.aclose()
        store, added = await load_campaign(journal, recipients, provider=provider, text=text, sender=sender)
        counts = await store.counts()
        await store.aclose()
        where = PgLocation.parse(journal)
        console.print(f"campaign {where.campaign!r}: {added} recipients loaded, {counts.total} in the journal")
        if not run:
            console.print(f"left to workers: smsgate bulk worker --journal '{where}'")
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        summary = await run_worker(
            journal, gateway_url, concurrency=concurrency, max_consecutive_failures=max_failures, stop=stop
        )
        console.print(f"campaign {summary.status}: {summary.requests} requests in {summary.elapsed:.1f} s")
        console.print(_line(summary.counts))
        return 0 if summary.status == "done" else 1

    try:
        return asyncio.run(main())
    except (SmsGateError, ValueError, OSError) as exc:
        _fail(str(exc))


def pg_report(journal: str, csv_out: Path | None, *, follow: bool = False, interval: float = 2.0) -> None:
    """``bulk report`` on a PostgreSQL journal: the summary (with live workers), or every row as CSV; with
    `follow`, a progress line every `interval` seconds until the campaign is done."""
    from ._campaign import CampaignSummary

    try:
        store = PgJournal(journal, create=False)
    except SmsGateError as exc:
        _fail(str(exc))
    try:
        if csv_out is not None and str(csv_out) == "-":
            _export(store, sys.stdout)
            return
        console = _console()
        if follow:
            last: tuple[float, int] | None = None
            while True:
                store.reap()
                counts = store.counts()
                now = time.monotonic()
                rate = ""
                if last is not None and now > last[0]:
                    rate = f", {(counts.total - counts.pending - counts.inflight - last[1]) / (now - last[0]):.0f}/s"
                last = (now, counts.total - counts.pending - counts.inflight)
                console.print(_line(counts, store.live_workers()) + rate)
                if counts.pending == 0 and counts.inflight == 0:
                    break
                time.sleep(interval)
        from ._cli_bulk import summary_table

        meta = store.meta()
        summary = CampaignSummary(str(meta.get("status", "new")), store.counts(), meta.get("provider"))
        console.print(summary_table(summary))
        console.print(f"journal {store.location}; workers running: {store.live_workers()}")
        if csv_out is not None:
            with csv_out.open("w", encoding="utf-8", newline="") as fh:
                rows = _export(store, fh)
            console.print(f"{rows} rows written to {csv_out}")
    except SmsGateError as exc:
        _fail(str(exc))
    finally:
        store.close()


def _export(store: PgJournal, out: IO[str]) -> int:
    from ._campaign import export_csv

    return export_csv(store, out)  # type: ignore[arg-type]  # the journal interface: rows()


if __name__ == "__main__":  # python -m smsgate._cli_worker …: the worker without the rest of the CLI
    typer.run(bulk_worker)
