"""``smsgate bulk``: campaigns from the command line (part of the ``cli`` extra).

::

    smsgate bulk send --journal campaign.db --csv people.csv [--text "…"]   # resumable: run it again
    smsgate bulk report campaign.db [--csv outcomes.csv]

The account is named as for ``smsgate send``: ``-p PROVIDER`` (or ``SMSGATE_PROVIDER``) with the
``SMSGATE_<PROVIDER>_<ARGUMENT>`` variables of `smsgate._env` (credentials, ``_BASE_URL``); or a gateway URL in
``--url`` or ``SMSGATE_URL`` (``letsads://LOGIN:PASSWORD@?sender=Shop``), which wins when given. Credentials
are never printed.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ._campaign import Campaign, CampaignSummary, export_csv, open_summary
from ._cli._options import ProviderOpt
from ._cli._providers import DEFAULT_PROVIDER, provider_entry, resolve_base_url
from ._cli_worker import bulk_worker, follow_progress
from ._env import env_value, env_var
from ._exceptions import SmsGateError
from ._gateway import AsyncGateway
from ._journal import JournalBusyError, JournalCounts
from ._journal_pg import is_pg_location, redact_dsn

__all__ = ["bulk_app"]

bulk_app = typer.Typer(help="Bulk campaigns with a durable, resumable journal.", no_args_is_help=True)


def _console() -> Console:
    return Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 110, soft_wrap=True)


def _numbers(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if number := line.strip():
                yield number


def summary_table(summary: CampaignSummary) -> Table:
    counts = summary.counts
    table = Table(title=f"campaign: {summary.status} ({summary.provider})", box=box.SIMPLE_HEAD)
    table.add_column("state")
    table.add_column("recipients", justify="right")
    for state in ("accepted", "rejected", "unknown", "pending", "inflight"):
        table.add_row(state, str(getattr(counts, state)))
    table.add_row("total", str(counts.total))
    return table


def _print_summary(console: Console, summary: CampaignSummary) -> None:
    console.print(summary_table(summary))
    if summary.requests:
        console.print(
            f"{summary.requests} requests in {summary.elapsed:.1f} s: {summary.settled_now} recipients settled, "
            f"{summary.rate:.0f} recipients/s"
        )
    if summary.status == "halted" and summary.halt is not None:
        console.print(f"halted: {summary.halt}")
    if summary.counts.unknown:
        console.print(
            f"{summary.counts.unknown} recipients may or may not have received the message (unknown): "
            "they are not resent unless you pass --at-least-once."
        )


@bulk_app.command("send")
def bulk_send(
    journal: Annotated[
        str,
        typer.Option(
            "--journal", "-j", help="The campaign's journal (SQLite path or postgresql://…#name); reuse it to resume."
        ),
    ],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="CSV with a 'phone' column and optional 'text'.")
    ] = None,
    to_file: Annotated[Path | None, typer.Option("--to-file", help="A file of phone numbers, one per line.")] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="The text for every recipient without one.")] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Gateway URL (default: $SMSGATE_URL); else -p and its variables.", show_default=False
        ),
    ] = None,
    provider: ProviderOpt = DEFAULT_PROVIDER,
    sender: Annotated[str | None, typer.Option("--sender", "-s", help="Sender name (overrides the URL's).")] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once.")] = 4,
    max_failures: Annotated[int, typer.Option(help="Stop after this many failed requests in a row.")] = 5,
    at_least_once: Annotated[
        bool, typer.Option("--at-least-once", help="Resend recipients whose outcome is unknown (may duplicate).")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    reconcile_grace: Annotated[
        float | None,
        typer.Option(help="Seconds after a request left before the provider's 'no such message' is trusted."),
    ] = None,
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only load the recipients: `smsgate bulk worker` processes send them.")
    ] = False,
) -> None:
    """Send to every recipient of the input; killed or halted, run the same command again to resume."""
    gateway_url = url or os.environ.get("SMSGATE_URL")
    if (csv_file is None) == (to_file is None) and not (is_pg_location(journal) or Path(journal).exists()):
        _fail("give exactly one of --csv or --to-file")
    if gateway_url:
        try:
            gateway = AsyncGateway.from_url(gateway_url)
        except (ValueError, TypeError) as exc:
            _fail(f"bad gateway URL: {exc}")  # the message never repeats the URL
    else:
        gateway = _gateway_of(provider)
    try:
        campaign = Campaign(
            gateway,
            journal,
            text=text,
            sender=sender if sender is not None else gateway.sender,
            concurrency=concurrency,
            max_consecutive_failures=max_failures,
            at_least_once=at_least_once,
            reconcile_grace=reconcile_grace,
        )
    except (ValueError, JournalBusyError, SmsGateError) as exc:
        _fail(str(exc))
    console = _console()
    resume = _resume_command(journal, from_option=url is not None, provider=None if gateway_url else provider)
    with campaign:
        try:
            if csv_file is not None:
                with csv_file.open(encoding="utf-8", newline="") as fh:
                    campaign.load_csv(fh)
            elif to_file is not None:
                campaign.load(_numbers(to_file))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read the recipients: {exc}")
        if not campaign.fully_loaded:
            _fail(
                "the recipients are not all in the journal yet (their loading stopped midway): run the same "
                "command with the same --csv or --to-file; the rows already loaded are skipped"
            )
        total = campaign.journal.counts().total
        if no_run:
            where = shlex.quote(redact_dsn(journal))
            console.print(f"{total} recipients in the journal, left to: smsgate bulk worker --journal {where}")
            raise typer.Exit(0)
        try:
            summary = asyncio.run(_run(campaign, gateway, total, console, progress and sys.stdout.isatty()))
        except SmsGateError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            console.print("interrupted: the requests in flight are recorded as unknown; the summary so far:")
            _print_summary(console, campaign.summary())
            console.print(f"to resume: {resume}")
            raise typer.Exit(130) from None
        if summary.status == "done" and not summary.requests:
            console.print("nothing left to send: every recipient is settled")
        _print_summary(console, summary)
        if summary.status == "halted":
            console.print(f"fix the cause, then resume with: {resume}")
        elif summary.status != "done":
            console.print(f"to resume: {resume}")
    raise typer.Exit(0 if summary.status == "done" else 1)


def _resume_command(journal: str | Path, *, from_option: bool, provider: str | None = None) -> str:
    """The command that resumes this campaign (the gateway URL holds credentials: never printed, nor is a
    PostgreSQL journal's password)."""
    command = f"smsgate bulk send --journal {shlex.quote(redact_dsn(str(journal)))}"
    if provider is not None:
        return command + f" -p {provider}"
    return command + (" --url <the same gateway URL>" if from_option else "")


def _gateway_of(provider: str) -> AsyncGateway:
    """The provider's async client from its SMSGATE_<PROVIDER>_<ARGUMENT> variables, as `smsgate send` reads
    them (credentials and base URL), in an `AsyncGateway`."""
    import smsgate

    entry = provider_entry(provider)
    found = {c.name: env_value(entry.id, c.name) for c in entry.credentials}
    chosen = next((names for names in entry.sets() if all(found[n] for n in names)), None)
    if chosen is None:
        wanted = ", or ".join(" and ".join(env_var(entry.id, n) for n in names) for names in entry.sets())
        _fail(f"{entry.display_name} needs its account: set {wanted} (or give a gateway URL in --url / SMSGATE_URL)")
    base_url = resolve_base_url(entry, None)
    client = getattr(smsgate, f"Async{entry.client_class}")(**{n: found[n] for n in chosen}, base_url=base_url)
    return AsyncGateway(client)


async def _run(
    campaign: Campaign, gateway: AsyncGateway, total: int, console: Console, progress: bool
) -> CampaignSummary:
    async with gateway:  # one event loop for the whole run; the HTTP client closes with it
        if not progress:
            return await campaign.arun()
        return await _run_with_progress(campaign, total, console)


async def _run_with_progress(campaign: Campaign, total: int, console: Console) -> CampaignSummary:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("sent {task.fields[accepted]}  rejected {task.fields[rejected]}  unknown {task.fields[unknown]}"),
        TextColumn("{task.fields[rate]:.0f}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    started = time.perf_counter()
    with Progress(*columns, console=console) as bar:
        first = campaign.journal.counts()
        task = bar.add_task(
            "sending", total=total, completed=first.settled, accepted=0, rejected=0, unknown=0, rate=0.0
        )

        def update(counts: JournalCounts) -> None:
            elapsed = time.perf_counter() - started
            bar.update(
                task,
                completed=counts.settled,
                accepted=counts.accepted,
                rejected=counts.rejected,
                unknown=counts.unknown,
                rate=(counts.settled - first.settled) / elapsed if elapsed else 0.0,
            )

        return await campaign.arun(update)


@bulk_app.command("report")
def bulk_report(
    journal: Annotated[str, typer.Argument(help="A campaign journal (SQLite path or postgresql://…#name).")],
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write every recipient's outcome here ('-': stdout).")
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Live progress until the campaign's workers are done.")
    ] = False,
) -> None:
    """Reprint a campaign's summary; export the per-recipient outcomes as CSV."""
    if follow and is_pg_location(journal):
        try:
            follow_progress(journal, _console())
        except SmsGateError as exc:
            _fail(str(exc))
    try:
        summary, store = open_summary(journal)
    except FileNotFoundError:
        _fail(f"no journal at {journal}")
    except SmsGateError as exc:  # a PostgreSQL journal: unreachable, no such campaign (password redacted)
        _fail(str(exc))
    try:
        if csv_out is not None and str(csv_out) == "-":
            export_csv(store, sys.stdout)
            return
        _print_summary(_console(), summary)
        holder = store.holder()
        if holder is not None:
            _console().print(f"being run now by {holder}")
        elif summary.status in ("running", "interrupted", "halted", "unfinished"):
            _console().print(f"to resume: {_resume_command(journal, from_option=False)}")
        if csv_out is not None:
            with csv_out.open("w", encoding="utf-8", newline="") as fh:
                rows = export_csv(store, fh)
            _console().print(f"{rows} rows written to {csv_out}")
    finally:
        store.close()


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


bulk_app.command("worker")(bulk_worker)  # a PostgreSQL campaign's worker: smsgate._cli_worker
