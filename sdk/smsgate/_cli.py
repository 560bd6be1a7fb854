"""The ``smsgate`` command line (the ``cli`` extra: typer and rich).

::

    smsgate demo                        the SDK end to end against the embedded emulator (no network)
    smsgate send / status / balance     one call to a provider (or to the emulator with --base-url)
    smsgate validate FILE               check a request or reply (XML or JSON) against the provider's schema
    smsgate emulator                    run the emulator in the foreground on a loopback port

Everything provider-specific lives in `PROVIDERS` (one `ProviderEntry` each: the client class, its
credentials, how `send`, `status` and `balance` call it, and one small demo function): adding a provider to
the command line is adding an entry and its functions.

Exit codes: 0 success; 1 the provider, the transport or a document said no; 2 a usage or validation
error (nothing was sent). Credentials come from options or ``SMSGATE_<PROVIDER>_<NAME>`` environment
variables; secret ones are never printed, not even in errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import ipaddress
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol, cast

from ._exceptions import (
    DuplicateError,
    InvalidRecipientError,
    InvalidRequestError,
    InvalidSenderError,
    ProviderError,
    ResponseFormatError,
    SmsGateError,
    TransportError,
    ValidationError,
)
from ._redact import Redactor
from ._results import Balance, MessageStatus, SendResult

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderResult

    from ._spec import ProviderSpec
    from .emulator import Emulator

__all__ = ["DEFAULT_PROVIDER", "PROVIDERS", "Credential", "DemoRun", "ProviderEntry", "build_app", "main"]

_CLI_MISSING: str | None
try:
    import typer
    from rich import box
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text
except ModuleNotFoundError as _exc:  # pragma: no cover - exercised only without the extra
    _CLI_MISSING = _exc.name or "typer"
else:
    _CLI_MISSING = None

INSTALL_HINT = "smsgate: the command line needs the 'cli' extra: pip install 'smsgate[cli]'"

#: Exit codes.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Validating(Protocol):
    def validate(self, data: bytes) -> None: ...


class _Checking(Protocol):
    def check(self, data: Any, name: str) -> None: ...


# ---------------------------------------------------------------------------------------------------
# What `send`, `status` and `balance` hand a provider's functions, and what they get back.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendArgs:
    recipients: list[str]
    text: str
    sender: str | None
    #: SMSC: the client message id (``id``), which makes a repeat safe.
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class SendOutput:
    """One row per accepted recipient, the refused ones (partial success), and provider extras."""

    #: {"recipient", "message_id"} and, per provider, more keys (SMSLeads: "external_id").
    messages: list[dict[str, str]]
    rejected: list[tuple[str, str]] = field(default_factory=list)
    description: str | None = None
    #: Printed as "name: value" lines and merged into the JSON object (SMSC: cost, parts, balance).
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusArgs:
    ids: list[str]
    #: SMSC: the phone of every id given without one.
    phone: str | None = None
    #: SMSLeads: how many days back to look for delivery reports.
    days: float = 7.0


@dataclass(frozen=True, slots=True)
class StatusRow:
    message_id: str
    #: The provider's status name (enum member), None for a value its documents do not list.
    status: str | None
    raw_status: str
    state: str
    final: bool
    #: Provider columns, shown between the id and the status (SMSC: phone; SMSLeads: shipment id).
    extra: dict[str, str | None] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "message_id": self.message_id,
            "status": self.status,
            "raw_status": self.raw_status,
            "state": self.state,
            "final": self.final,
            **self.extra,
        }


@dataclass(frozen=True, slots=True)
class BalanceOutput:
    text: str
    data: dict[str, object]


def _status_row(status: MessageStatus[Any], **extra: str | None) -> StatusRow:
    return StatusRow(
        message_id=status.message_id,
        status=None if status.status is None else status.status.name,
        raw_status=status.raw_status,
        state=str(status.state),
        final=status.is_final,
        extra=dict(extra),
    )


def _money(amount: Decimal, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else str(amount)


def _money_balance(display_name: str, balance: Balance) -> BalanceOutput:
    # The amount stays a decimal string in JSON: a float would lose cents.
    return BalanceOutput(
        f"{display_name} balance: {_money(balance.amount, balance.currency)}",
        {"amount": str(balance.amount), "currency": balance.currency},
    )


def _plain_send(result: SendResult) -> SendOutput:
    return SendOutput(
        messages=[{"recipient": m.recipient, "message_id": m.message_id} for m in result.messages],
        rejected=[(r.recipient, r.reason) for r in result.rejected],
        description=result.description,
    )


def _need_sender(args: SendArgs, provider: str) -> str:
    if not args.sender:
        _usage_error(f"{provider} needs --sender (a sender name registered for the account)")
    return args.sender


# LetsAds ----------------------------------------------------------------------------------------------


def _send_letsads(client: Any, args: SendArgs) -> SendOutput:
    return _plain_send(client.send(args.recipients, args.text, sender=_need_sender(args, "LetsAds")))


def _status_letsads(client: Any, args: StatusArgs) -> list[StatusRow]:
    return [_status_row(client.status(message_id)) for message_id in args.ids]


def _balance_letsads(client: Any) -> BalanceOutput:
    return _money_balance("LetsAds", client.balance())


# SMSLeads ---------------------------------------------------------------------------------------------


def _smsleads_recipient(value: str) -> Any:
    """``PHONE`` or ``PHONE=EXTERNAL_ID`` (the id that `status` asks delivery reports by)."""
    from ._providers.smsleads import Recipient

    phone, sep, external_id = value.partition("=")
    return Recipient(phone, external_id) if sep else phone


def _send_smsleads(client: Any, args: SendArgs) -> SendOutput:
    recipients = [_smsleads_recipient(r) for r in args.recipients]
    shipment = client.send(recipients, args.text, sender=_need_sender(args, "SMSLeads"))
    messages = []
    for value in args.recipients:
        phone, sep, external_id = value.partition("=")
        row = {"recipient": phone, "message_id": shipment.shipment_id}
        if sep:
            row["external_id"] = external_id
        messages.append(row)
    return SendOutput(messages, description=shipment.description, extra={"shipment_id": shipment.shipment_id})


def _status_smsleads(client: Any, args: StatusArgs) -> list[StatusRow]:
    end = datetime.now(UTC)
    start = end - timedelta(days=args.days)
    reports = client.delivery_reports(args.ids, start=start, end=end)
    by_id = {report.external_id: report for report in reports}
    rows = []
    for external_id in args.ids:
        report = by_id.get(external_id)
        if report is None:
            rows.append(
                StatusRow(
                    external_id,
                    None,
                    "",
                    "unknown",
                    False,
                    {"shipment_id": None, "reported_at": None, "text": f"no delivery report in {args.days:g} days"},
                )
            )
            continue
        rows.append(
            StatusRow(
                external_id,
                None if report.status is None else report.status.name,
                report.raw_status,
                str(report.state),
                report.is_final,
                {
                    "shipment_id": report.shipment_id,
                    "reported_at": report.reported_at.isoformat(sep=" "),
                    "text": report.text_en,
                },
            )
        )
    return rows


def _balance_smsleads(client: Any) -> BalanceOutput:
    balance = client.balance()
    return BalanceOutput(f"SMSLeads balance: {balance.credits} credits", {"credits": balance.credits})


# SMSClub ----------------------------------------------------------------------------------------------

_SMSCLUB_MAX_IDS = 100


def _send_smsclub(client: Any, args: SendArgs) -> SendOutput:
    return _plain_send(client.send(args.recipients, args.text, sender=_need_sender(args, "SMSClub")))


def _status_smsclub(client: Any, args: StatusArgs) -> list[StatusRow]:
    rows: list[StatusRow] = []
    for i in range(0, len(args.ids), _SMSCLUB_MAX_IDS):  # one request for up to 100 ids
        rows.extend(_status_row(s) for s in client.status(args.ids[i : i + _SMSCLUB_MAX_IDS]))
    return rows


def _balance_smsclub(client: Any) -> BalanceOutput:
    return _money_balance("SMSClub", client.balance())


# SMSC -------------------------------------------------------------------------------------------------


def _send_smsc(client: Any, args: SendArgs) -> SendOutput:
    result = client.send(args.recipients, args.text, sender=args.sender or None, client_id=args.client_id)
    extra: dict[str, object] = {"message_id": result.message_id, "parts": result.parts}
    if result.cost is not None:
        extra["cost"] = str(result.cost)
    if result.balance is not None:
        extra["balance"] = str(result.balance)
    if result.duplicate:
        extra["duplicate"] = True
    return SendOutput(
        messages=[{"recipient": m.recipient, "message_id": m.message_id} for m in result.messages],
        description=result.description,
        extra=extra,
    )


def _smsc_pairs(args: StatusArgs) -> list[tuple[str, str]]:
    pairs = []
    for value in args.ids:
        message_id, sep, phone = value.partition(":")
        if not sep:
            if not args.phone:
                _usage_error(f"SMSC needs a phone for message {value!r}: give ID:PHONE, or --phone PHONE")
            phone = args.phone
        if not message_id or not phone:
            _usage_error(f"SMSC: {value!r} is not ID:PHONE")
        pairs.append((message_id, phone))
    return pairs


def _status_smsc(client: Any, args: StatusArgs) -> list[StatusRow]:
    rows = []
    for message_id, phone in _smsc_pairs(args):
        status = client.status(message_id, phone)
        error = None
        if status.error_code is not None:
            error = f"{status.error_code} {status.error_description or ''}".strip()
        rows.append(_status_row(status, phone=status.phone, error=error))
    return rows


def _balance_smsc(client: Any) -> BalanceOutput:
    balance = client.balance()
    out = _money_balance("SMSC", balance)
    if balance.credit is not None and balance.credit:
        out.data["credit"] = str(balance.credit)
        return BalanceOutput(out.text + f" (credit limit {balance.credit})", out.data)
    return out


# ---------------------------------------------------------------------------------------------------
# The provider table.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credential:
    """A constructor keyword of the provider's client; ``secret`` ones are never echoed."""

    name: str
    secret: bool

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """Everything the command line knows about one provider."""

    id: str
    display_name: str
    #: The sync client's name in the `smsgate` namespace; its keyword arguments are the credentials.
    client_class: str
    #: The generated module holding ``SPEC`` (its codec validates documents).
    spec_module: str
    #: "xml" (XSD: the codec's ``validate``) or "json" (JSON Schema: the codec's ``check``).
    wire_format: str
    credentials: tuple[Credential, ...]
    #: The `smsgate demo` steps of this provider.
    demo: Callable[[DemoRun], None]
    send: Callable[[Any, SendArgs], SendOutput]
    status: Callable[[Any, StatusArgs], list[StatusRow]]
    balance: Callable[[Any], BalanceOutput]
    #: The alternative sets of credentials the client takes (SMSC: login + password, or an API key);
    #: empty: all of `credentials`.
    credential_sets: tuple[tuple[str, ...], ...] = ()

    def env_var(self, credential: Credential) -> str:
        return f"SMSGATE_{self.id.upper()}_{credential.name.upper()}"

    def spec(self) -> ProviderSpec:
        spec: ProviderSpec = importlib.import_module(self.spec_module).SPEC
        return spec

    def sets(self) -> tuple[tuple[str, ...], ...]:
        return self.credential_sets or (tuple(c.name for c in self.credentials),)

    def credential(self, name: str) -> Credential:
        return next(c for c in self.credentials if c.name == name)

    def json_schema(self) -> dict[str, Any]:
        """The provider's JSON Schema document (JSON providers only)."""
        from importlib.resources import files

        package = self.spec_module.rpartition(".")[0]
        document: dict[str, Any] = json.loads((files(package) / f"{self.id}.schema.json").read_text("utf-8"))
        return document

    def sync_client(self, credentials: Mapping[str, str], **options: Any) -> Any:
        import smsgate

        cls = getattr(smsgate, self.client_class)
        return cls(**credentials, **options)


def _describe_set(entry: ProviderEntry, names: Sequence[str]) -> str:
    return " and ".join(entry.credential(n).option for n in names)


def _resolve_credentials(entry: ProviderEntry, given: Mapping[str, str | None]) -> dict[str, str]:
    """Options first, then ``SMSGATE_<PROVIDER>_<NAME>``; a missing one is a usage error.

    With alternative sets (SMSC), the options given pick the set; without options, the first complete
    set wins. Values are never part of a message, only option and variable names.
    """
    known = {c.name for c in entry.credentials}
    foreign = [name for name, value in given.items() if value and name not in known]
    if foreign:
        takes = ", ".join(c.option for c in entry.credentials)
        _usage_error(
            f"{entry.display_name} takes {takes}; not " + ", ".join("--" + n.replace("_", "-") for n in foreign)
        )
    values: dict[str, str] = {}
    for credential in entry.credentials:
        value = given.get(credential.name) or os.environ.get(entry.env_var(credential), "")
        if value:
            values[credential.name] = value
    from_options = {name for name, value in given.items() if value}
    sets = entry.sets()
    candidates = [s for s in sets if from_options <= set(s)]
    if not candidates:
        _usage_error(
            f"{entry.display_name}: give either " + ", or ".join(_describe_set(entry, s) for s in sets) + ", not both"
        )
    for names in candidates:
        if all(n in values for n in names):
            return {n: values[n] for n in names}

    def missing(names: Sequence[str]) -> str:
        return "; ".join(
            f"{entry.credential(n).option} or {entry.env_var(entry.credential(n))}" for n in names if n not in values
        )

    if len(candidates) == 1:
        _usage_error(f"{entry.display_name} needs credentials: give {missing(candidates[0])}")
    _usage_error(f"{entry.display_name} needs credentials: give " + ", or ".join(f"({missing(s)})" for s in candidates))


def _secret_values(entry: ProviderEntry, given: Mapping[str, str | None]) -> list[str]:
    """Every secret the command could see (options and variables, used or not): redacted from all output."""
    found = []
    for credential in entry.credentials:
        if credential.secret:
            found += [v for v in (given.get(credential.name), os.environ.get(entry.env_var(credential))) if v]
    return found


def _entry(provider: str) -> ProviderEntry:
    try:
        return PROVIDERS[provider.lower()]
    except KeyError:
        _usage_error(f"unknown provider {provider!r}; choose one of: {', '.join(PROVIDERS)}")


# ---------------------------------------------------------------------------------------------------
# Output.
# ---------------------------------------------------------------------------------------------------


def _console(*, stderr: bool = False) -> Console:
    """A rich console that never crashes without a terminal: no markup (data may hold brackets), and a
    fixed width when the output is not a terminal (pipes, CI) so tables do not wrap at 80 columns."""
    stream = sys.stderr if stderr else sys.stdout
    isatty = getattr(stream, "isatty", None)
    width = None if (callable(isatty) and isatty()) or os.environ.get("COLUMNS") else 110
    return Console(file=stream, highlight=False, markup=False, emoji=False, width=width, soft_wrap=False)


class _TitledTable:
    """A plain table under a title line (a rich table title would wrap at the table's width)."""

    def __init__(self, title: str, *columns: str, indent: int = 0) -> None:
        self.title = title
        self.indent = indent
        self.table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in columns:
            self.table.add_column(column)

    def add_row(self, *cells: str) -> None:
        self.table.add_row(*cells)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Padding(Text(self.title, style="bold"), (0, 0, 0, self.indent), expand=False)
        yield Padding(self.table, (0, 0, 0, self.indent), expand=False)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _usage_error(message: str) -> NoReturn:
    _console(stderr=True).print(f"error: {message}", soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def _error_line(exc: SmsGateError) -> str:
    """One line that says what failed, with the provider's code."""
    name = type(exc).__name__
    if isinstance(exc, ProviderError):
        where = f"{exc.provider} {exc.operation}".strip()
        detail = f" ({exc.detail})" if exc.detail else ""
        return f"{where} failed: {exc.code}{detail} [{name}]: {exc.description}"
    if isinstance(exc, ValidationError):
        return f"invalid request, nothing was sent [{name}]: {exc}"
    return f"{exc} [{name}]"


def _error_json(exc: SmsGateError, redact: Redactor) -> dict[str, object]:
    data: dict[str, object] = {"type": type(exc).__name__, "message": redact(str(exc))}
    if isinstance(exc, ProviderError):
        data.update(
            provider=exc.provider,
            operation=exc.operation,
            code=exc.code,
            raw_code=redact(exc.raw_code),
            description=redact(exc.description),
            category=str(exc.category),
            retryable=exc.retryable,
            not_sent=exc.not_sent,
            detail=exc.detail,
        )
    elif isinstance(exc, TransportError | ResponseFormatError):
        data.update(provider=exc.provider, operation=exc.operation, may_have_reached=exc.may_have_reached)
    elif isinstance(exc, ValidationError):
        data.update(field=exc.field, not_sent=True)
    return {"error": data}


@contextlib.contextmanager
def _reporting(*, as_json: bool, secrets: Sequence[str]) -> Iterator[None]:
    """SDK errors become one redacted line on stderr (and a JSON object with --json) and an exit code."""
    try:
        yield
    except SmsGateError as exc:
        redact = Redactor(secrets)
        if as_json:
            _print_json(_error_json(exc, redact))
        _console(stderr=True).print("error: " + redact(_error_line(exc)), soft_wrap=True)
        raise typer.Exit(EXIT_USAGE if isinstance(exc, ValidationError) else EXIT_FAILED) from None


# ---------------------------------------------------------------------------------------------------
# `smsgate demo`: a runner shared by every provider, and one small function of steps per provider.
# ---------------------------------------------------------------------------------------------------


@dataclass
class DemoRun:
    """What a provider's demo function gets: the running emulator, a console, and `check`."""

    console: Console
    emulator: Emulator
    entry: ProviderEntry
    poll_timeout: float = 20.0
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def base_url(self) -> str:
        return self.emulator.base_url(self.entry.id)

    def step(self, title: str) -> None:
        self.console.print()
        self.console.print(f"== {self.entry.display_name}: {title}", style="bold")

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        """Record one expectation of the demo; a failed one makes `smsgate demo` exit non-zero."""
        self.checks.append((f"{self.entry.display_name}: {name}", ok, detail))
        mark = "ok" if ok else "FAILED"
        self.console.print(f"   [{mark}] {name}" + (f" ({detail})" if detail else ""), markup=False)
        return ok

    def received(self) -> int:
        """How many requests the emulator has received for this provider so far."""
        return len(self.emulator.requests.filter(self.entry.id))

    def emulated_seconds(self, seconds: float) -> float:
        """Real seconds that `seconds` of emulated time take (the demo's clock is accelerated)."""
        speed = self.emulator.clock.speed
        return seconds / speed if speed > 0 else 0.0

    def expect_provider_error(
        self, call: Callable[[], object], expected: type[ProviderError], code: str, what: str
    ) -> None:
        """Run `call`, show the typed error it raises and check its class and code."""
        try:
            call()
        except ProviderError as exc:
            table = _TitledTable(f"{what} raised", "exception", "code", "description", indent=3)
            table.add_row(f"smsgate.{type(exc).__name__}", exc.code, exc.description)
            self.console.print(table)
            self.console.print(f"   category={exc.category} retryable={exc.retryable} not_sent={exc.not_sent}")
            self.check(
                f"{expected.__name__} with code {code}",
                isinstance(exc, expected) and exc.code == code,
                f"{type(exc).__name__} {exc.code}",
            )
        else:
            self.check(f"{expected.__name__} with code {code}", False, "no error raised")

    def expect_validation_error(self, call: Callable[[], object], what: str) -> None:
        """Run `call`, which must raise `ValidationError` before anything reaches the emulator."""
        before = self.received()
        try:
            call()
        except ValidationError as exc:
            self.console.print(f"   {what}")
            self.console.print(f"   smsgate.{type(exc).__name__}: {exc}")
            received = self.received() - before
            self.check("ValidationError, and the emulator received nothing", received == 0, f"{received} requests")
        else:
            self.check(f"{what}: refused before sending", False, "no error raised")


_Polled = Any  # a MessageStatus or a DeliveryReport: .raw_status, .is_final


def _poll_until_final(
    run: DemoRun,
    poll: Callable[[], Sequence[_Polled]],
    *,
    key: Callable[[_Polled], str] = lambda s: str(s.message_id),
    expected: int = 0,
    interval: float = 0.15,
    history: dict[str, list[str]] | None = None,
) -> tuple[list[_Polled], dict[str, list[str]], int]:
    """Poll until every message (at least `expected` of them) is final or `run.poll_timeout` real seconds
    pass. Returns the last statuses, each message's distinct raw statuses in order (after those already in
    `history`), and the number of polls."""
    history = {k: list(v) for k, v in (history or {}).items()}
    deadline = time.monotonic() + run.poll_timeout
    polls = 0
    while True:
        statuses = list(poll())
        polls += 1
        _remember(history, statuses, key)
        done = len(statuses) >= expected and all(s.is_final for s in statuses)
        if done or time.monotonic() >= deadline:
            return statuses, history, polls
        time.sleep(interval)


def _remember(history: dict[str, list[str]], statuses: Sequence[_Polled], key: Callable[[_Polled], str]) -> None:
    for status in statuses:
        seen = history.setdefault(key(status), [])
        if not seen or seen[-1] != status.raw_status:
            seen.append(status.raw_status)


def _check_final_states(run: DemoRun, recipients: Sequence[str], states: Sequence[object]) -> None:
    """Every message final; recipients whose number ends in 9 undelivered (the emulator's rule)."""
    from ._types import DeliveryState

    run.check("every message reached a final state", all(getattr(s, "is_final", False) for s in states))
    expected = [DeliveryState.UNDELIVERED if r.endswith("9") else DeliveryState.DELIVERED for r in recipients]
    run.check(
        "numbers ending in 9 are not delivered, the others are",
        list(states) == expected,
        ", ".join(str(s) for s in states),
    )


# LetsAds: the seed account every emulator starts with (public test values, not a real account).
_LETSADS_DEMO_LOGIN = "380501234567"
_LETSADS_DEMO_PASSWORD = "p1a2s3s4"  # noqa: S105 - the emulator's documented demo account
_LETSADS_DEMO_TEXT = (
    "Hello from smsgate! This text is longer than one SMS part (160 GSM-7 characters), so it travels as "
    "a concatenated message of two parts, and LetsAds charges every part for every recipient."
)


def _demo_letsads(run: DemoRun) -> None:
    import smsgate
    from smsgate._segments import analyze

    console = run.console
    recipients = ["380501234567", "380677654323", "380501234569"]  # ...9 is never delivered
    sender = "smsgate"
    price = run.emulator.letsads.accounts[_LETSADS_DEMO_LOGIN].price_per_part
    with smsgate.LetsAds(
        login=_LETSADS_DEMO_LOGIN, password=_LETSADS_DEMO_PASSWORD, base_url=run.base_url(), timeout=10.0
    ) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before")
        before = client.balance()
        console.print(f"   LetsAds.balance() -> {_money(before.amount, before.currency)}")
        run.check("balance is a Decimal", isinstance(before.amount, Decimal), repr(before.amount))

        run.step(f"send one text to {len(recipients)} recipients")
        segments = analyze(_LETSADS_DEMO_TEXT)
        console.print(
            f"   text: {segments.characters} characters, {segments.encoding}, {segments.parts} parts; sender {sender!r}"
        )
        result = client.send(recipients, _LETSADS_DEMO_TEXT, sender=sender)
        table = _TitledTable("LetsAds.send(...) -> SendResult", "recipient", "message id", indent=3)
        for message in result.messages:
            table.add_row(message.recipient, message.message_id)
        console.print(table)
        run.check("one message id per recipient", len(result) == len(recipients), f"{len(result)} ids")

        run.step("balance after (charged per part)")
        after = client.balance()
        charged = before.amount - after.amount
        expected_charge = price * segments.parts * len(recipients)
        console.print(
            f"   {_money(before.amount, before.currency)} -> {_money(after.amount, after.currency)}: "
            f"charged {charged} = {len(recipients)} recipients x {segments.parts} parts x {price} per part"
        )
        run.check("charged per part", charged == expected_charge, f"charged {charged}, expected {expected_charge}")

        run.step("first status check, async: AsyncLetsAds.status() x3 under asyncio.gather")

        async def first_poll() -> list[MessageStatus[Any]]:
            async with smsgate.AsyncLetsAds(
                login=_LETSADS_DEMO_LOGIN, password=_LETSADS_DEMO_PASSWORD, base_url=run.base_url()
            ) as aclient:
                return list(await asyncio.gather(*(aclient.status(m) for m in result.message_ids)))

        first = asyncio.run(first_poll())
        table = _TitledTable("await AsyncLetsAds.status(...)", "message id", "LetsAds status", "state", indent=3)
        for status in first:
            table.add_row(status.message_id, status.raw_status, str(status.state))
        console.print(table)
        run.check("async statuses read", len(first) == len(recipients))

        run.step("poll LetsAds.status() until every message is final")
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda s: str(s.message_id))
        statuses, history, polls = _poll_until_final(
            run, lambda: [client.status(m) for m in result.message_ids], expected=len(recipients), history=seen
        )
        table = _TitledTable(
            f"after {polls} polls", "recipient", "message id", "statuses seen", "final state", indent=3
        )
        for message, status in zip(result.messages, statuses, strict=True):
            table.add_row(
                message.recipient, status.message_id, " -> ".join(history[status.message_id]), str(status.state)
            )
        console.print(table)
        _check_final_states(run, recipients, [s.state for s in statuses])

        run.step("a typed provider error: an unregistered sender")
        run.expect_provider_error(
            lambda: client.send(recipients[:1], "Hi", sender="NoSuchName"),
            InvalidSenderError,
            "INVALID_FROM",
            "LetsAds.send(..., sender='NoSuchName')",
        )
        unchanged = client.balance()
        run.check("the refused send cost nothing", unchanged.amount == after.amount, str(unchanged.amount))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(recipients[:1], "x" * 500, sender=sender), "LetsAds.send(...) of 500 characters"
        )


# SMSLeads: the page's example account of the emulator's seed (fake, readable token).
_SMSLEADS_DEMO_USERNAME = "JohnDoe"
_SMSLEADS_DEMO_TOKEN = "sl-johndoe-token"  # noqa: S105 - the emulator's documented demo account
_SMSLEADS_DEMO_TEXT = "Hello from smsgate: your order has shipped. Reply is not needed."


def _demo_smsleads(run: DemoRun) -> None:
    import smsgate
    from smsgate._providers.smsleads import Recipient
    from smsgate._segments import analyze

    console = run.console
    # Israeli mobiles, each with an external id to ask its delivery report by; ...9 is never delivered.
    recipients = [
        Recipient("0502345678", "demo-order-1"),
        Recipient("+972545555555", "demo-order-2"),
        Recipient("0587654329", "demo-order-3"),
    ]
    external_ids = [r.external_id or "" for r in recipients]
    sender = "DemoAPI"

    def window() -> dict[str, datetime]:
        # The emulator dates everything in UTC on its own (accelerated) clock: ask it in naive UTC.
        now = run.emulator.clock.now().astimezone(UTC).replace(tzinfo=None)
        return {"start": now - timedelta(minutes=10), "end": now + timedelta(minutes=10)}

    with smsgate.SmsLeads(
        username=_SMSLEADS_DEMO_USERNAME, token=_SMSLEADS_DEMO_TOKEN, base_url=run.base_url(), timeout=10.0
    ) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before (SMSLeads counts credits, not money)")
        before = client.balance()
        console.print(f"   SmsLeads.balance() -> {before.credits} credits")
        run.check("balance is an int of credits", isinstance(before.credits, int), repr(before.credits))

        run.step(f"send one text to {len(recipients)} recipients, each with an external id")
        segments = analyze(_SMSLEADS_DEMO_TEXT)
        console.print(
            f"   text: {segments.characters} characters, {segments.encoding}, {segments.parts} part(s); "
            f"sender {sender!r}"
        )
        shipment = client.send(recipients, _SMSLEADS_DEMO_TEXT, sender=sender)
        table = _TitledTable("SmsLeads.send(...) -> Shipment", "recipient", "external id", "shipment id", indent=3)
        for recipient in recipients:
            table.add_row(recipient.phone, recipient.external_id or "", shipment.shipment_id)
        console.print(table)
        console.print(f"   {shipment.description}")
        run.check("one shipment id for the whole send", shipment.shipment_id.isdigit(), shipment.shipment_id)

        run.step("balance after (charged per part per recipient)")
        after = client.balance()
        charged = before.credits - after.credits
        expected_charge = segments.parts * len(recipients)
        console.print(
            f"   {before.credits} -> {after.credits} credits: charged {charged} = "
            f"{len(recipients)} recipients x {segments.parts} part(s)"
        )
        run.check("charged per part", charged == expected_charge, f"charged {charged}, expected {expected_charge}")

        run.step("delivery reports right after sending, async: await AsyncSmsLeads.delivery_reports()")

        async def first_reports() -> list[Any]:
            async with smsgate.AsyncSmsLeads(
                username=_SMSLEADS_DEMO_USERNAME, token=_SMSLEADS_DEMO_TOKEN, base_url=run.base_url()
            ) as aclient:
                return list(await aclient.delivery_reports(external_ids, **window()))

        first = asyncio.run(first_reports())
        table = _TitledTable("await AsyncSmsLeads.delivery_reports(...)", "external id", "status", "state", indent=3)
        for report in first:
            table.add_row(report.external_id, f"{report.raw_status} {report.text_en}", str(report.state))
        console.print(table)
        run.check("one async report per external id", len(first) == len(recipients), f"{len(first)} reports")

        run.step("advance the emulator clock by 31 s, then read the delivery reports again")
        run.emulator.clock.advance(31)
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda r: str(r.external_id))
        reports, history, polls = _poll_until_final(
            run,
            lambda: client.delivery_reports(external_ids, **window()),
            key=lambda r: str(r.external_id),
            expected=len(recipients),
            history=seen,
        )
        by_id = {r.external_id: r for r in reports}
        table = _TitledTable(
            f"SmsLeads.delivery_reports(...) after {polls} read(s)",
            "recipient",
            "external id",
            "statuses seen",
            "final state",
            "reported at",
            indent=3,
        )
        states = []
        for recipient in recipients:
            report = by_id.get(recipient.external_id or "")
            states.append(report.state if report else None)
            table.add_row(
                recipient.phone,
                recipient.external_id or "",
                " -> ".join(history.get(recipient.external_id or "", [])),
                f"{report.state} ({report.text_en})" if report else "no report",
                report.reported_at.isoformat(sep=" ") if report else "",
            )
        console.print(table)
        _check_final_states(run, [r.phone for r in recipients], states)

        run.step("a typed provider error: cancel the shipment, which was sent already")
        run.expect_provider_error(
            lambda: client.cancel(shipment.shipment_id),
            InvalidRequestError,
            "966",
            f"SmsLeads.cancel({shipment.shipment_id!r})",
        )
        unchanged = client.balance()
        run.check("the refused cancel changed nothing", unchanged.credits == after.credits, str(unchanged.credits))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(["+380501234567"], "Hi", sender=sender),
            "SmsLeads.send(['+380501234567'], ...): not an Israeli mobile",
        )


# SMSClub: the page's example account of the emulator's seed (sender VashZakaz, 8111.17 UAH).
_SMSCLUB_DEMO_TOKEN = "smsclub-test-token"  # noqa: S105 - the emulator's documented demo account
_SMSCLUB_DEMO_TEXT = "Hello from smsgate! Your parcel is waiting at the pick-up point."


def _demo_smsclub(run: DemoRun) -> None:
    import smsgate
    from smsgate._segments import analyze

    console = run.console
    # One text per recipient (/v2/sms/send). SMSClub checks every recipient on its own and sends to the
    # ones it accepts: the third text is over its 661-character limit for Cyrillic, so it refuses that
    # number and sends the others (partial success). ...9 is never delivered.
    refused = "380931234567"
    messages = [
        ("380501234567", _SMSCLUB_DEMO_TEXT),
        ("380671234569", "Hello from smsgate! Your order 4821 has shipped."),
        (refused, "Ваше замовлення готове. " * 30),
    ]
    texts = dict(messages)
    sender = "VashZakaz"
    price = run.emulator.smsclub.accounts["main"].price_per_part
    with smsgate.SmsClub(token=_SMSCLUB_DEMO_TOKEN, base_url=run.base_url(), timeout=10.0) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before, and the account's sender names")
        before = client.balance()
        senders = client.senders()
        console.print(f"   SmsClub.balance() -> {_money(before.amount, before.currency)}")
        console.print(f"   SmsClub.senders() -> {', '.join(senders)}")
        run.check("balance is a Decimal", isinstance(before.amount, Decimal), repr(before.amount))
        run.check(f"sender {sender!r} is registered", sender in senders)

        run.step(f"send {len(messages)} personal texts: SMSClub accepts some recipients and refuses others")
        for phone, text in messages:
            segments = analyze(text)
            console.print(
                f"   {phone}: {segments.characters} characters, {segments.encoding}, {segments.parts} part(s)"
            )
        result = client.send_personal(messages, sender=sender)
        table = _TitledTable("SmsClub.send_personal(...) -> SendResult", "recipient", "message id", "outcome", indent=3)
        for message in result.messages:
            table.add_row(message.recipient, message.message_id, "accepted")
        for rejected in result.rejected:
            table.add_row(rejected.recipient, "", f"rejected: {rejected.reason}")
        console.print(table)
        accepted = [m.recipient for m in result.messages]
        run.check("a message id per accepted recipient", len(result) == len(messages) - 1, f"{len(result)} ids")
        run.check(
            "the refused number is in SendResult.rejected, with its reason",
            [r.recipient for r in result.rejected] == [refused],
            "; ".join(f"{r.recipient}: {r.reason}" for r in result.rejected),
        )

        run.step("balance after (only the accepted messages are charged)")
        after = client.balance()
        charged = before.amount - after.amount
        parts = sum(analyze(texts[phone]).parts for phone in accepted)
        expected_charge = price * parts
        console.print(
            f"   {_money(before.amount, before.currency)} -> {_money(after.amount, after.currency)}: "
            f"charged {charged} = {parts} part(s) of the accepted texts x {price}"
        )
        run.check("charged per accepted message", charged == expected_charge, f"charged {charged}")

        run.step("first status check, async: await AsyncSmsClub.status(ids), one request for every id")

        async def first_poll() -> list[MessageStatus[Any]]:
            async with smsgate.AsyncSmsClub(token=_SMSCLUB_DEMO_TOKEN, base_url=run.base_url()) as aclient:
                return list(await aclient.status(result.message_ids))

        first = asyncio.run(first_poll())
        table = _TitledTable("await AsyncSmsClub.status(...)", "message id", "SMSClub status", "state", indent=3)
        for status in first:
            table.add_row(status.message_id, status.raw_status, str(status.state))
        console.print(table)
        run.check("async statuses read", len(first) == len(accepted))

        run.step("poll SmsClub.status(ids) until every message is final")
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda s: str(s.message_id))
        statuses, history, polls = _poll_until_final(
            run, lambda: client.status(result.message_ids), expected=len(accepted), history=seen
        )
        table = _TitledTable(
            f"after {polls} polls", "recipient", "message id", "statuses seen", "final state", indent=3
        )
        for message, status in zip(result.messages, statuses, strict=True):
            table.add_row(
                message.recipient, status.message_id, " -> ".join(history[status.message_id]), str(status.state)
            )
        console.print(table)
        _check_final_states(run, accepted, [s.state for s in statuses])

        run.step("a typed provider error: the same text to the same number again within 2 minutes")
        run.expect_provider_error(
            lambda: client.send(accepted[:1], texts[accepted[0]], sender=sender),
            DuplicateError,
            "453",
            f"SmsClub.send([{accepted[0]!r}], <the same text>)",
        )
        unchanged = client.balance()
        run.check("the refused send cost nothing", unchanged.amount == after.amount, str(unchanged.amount))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(["0501234567"], "Hi", sender=sender),
            "SmsClub.send(['0501234567'], ...): a national number without its country code",
        )


# SMSC: the main account of the emulator's seed (password or API key; senders SMSC.RU and smsgate).
_SMSC_DEMO_LOGIN = "smsgate"
_SMSC_DEMO_PASSWORD = "smsgate-password"  # noqa: S105 - the emulator's documented demo account
_SMSC_DEMO_API_KEY = "smsgate-apikey"
_SMSC_DEMO_TEXT = "Your smsgate code is 4821. It expires in 10 minutes."


def _demo_smsc(run: DemoRun) -> None:
    import smsgate

    console = run.console
    recipients = ["+79991234567", "79161234568", "79031234569"]  # ...9 is never delivered
    sender = "smsgate"
    client_id = "smsgate-demo-1"
    price = run.emulator.smsc.accounts[_SMSC_DEMO_LOGIN].price_per_part
    with smsgate.Smsc(
        login=_SMSC_DEMO_LOGIN, password=_SMSC_DEMO_PASSWORD, base_url=run.base_url(), timeout=10.0
    ) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before")
        before = client.balance()
        console.print(f"   Smsc.balance() -> {_money(before.amount, before.currency)}")
        run.check("balance is a Decimal", isinstance(before.amount, Decimal), repr(before.amount))

        run.step("estimate first: what the send would cost (nothing is sent)")
        sent_before = run.received()
        estimate = client.estimate(recipients, _SMSC_DEMO_TEXT, sender=sender)
        console.print(f"   Smsc.estimate(...) -> {estimate.cost} {before.currency} for {estimate.parts} part(s)")
        run.check(
            "the estimate is price x parts",
            estimate.cost == price * estimate.parts,
            f"{estimate.parts} x {price} = {estimate.cost}",
        )
        run.check(
            "one request, and no message created", run.received() - sent_before == 1 and not run.emulator.smsc.messages
        )

        run.step(f"send with a client id to {len(recipients)} recipients (one message id for the whole send)")
        sent = client.send(recipients, _SMSC_DEMO_TEXT, sender=sender, client_id=client_id)
        table = _TitledTable("Smsc.send(..., client_id=...) -> SmscSendResult", "recipient", "message id", indent=3)
        for message in sent.messages:
            table.add_row(message.recipient, message.message_id)
        console.print(table)
        console.print(f"   parts={sent.parts} cost={sent.cost} balance={sent.balance} duplicate={sent.duplicate}")
        run.check(
            "the message id is the client id, for every recipient",
            sent.message_id == client_id and [m.message_id for m in sent.messages] == [client_id] * len(recipients),
            sent.message_id,
        )
        run.check(
            "cost and parts as estimated",
            sent.cost == estimate.cost and sent.parts == estimate.parts,
            f"{sent.cost} for {sent.parts} part(s)",
        )

        run.step("balance after")
        after = client.balance()
        charged = before.amount - after.amount
        console.print(
            f"   {_money(before.amount, before.currency)} -> {_money(after.amount, after.currency)}: charged {charged}"
        )
        run.check(
            "charged the cost SMSC reported, and the balance it reported",
            charged == sent.cost and after.amount == sent.balance,
            f"charged {charged}",
        )

        phones = [m.recipient for m in sent.messages]
        run.step("first status check, async: AsyncSmsc.status(id, phone) per phone under asyncio.gather")

        async def first_poll() -> list[Any]:
            async with smsgate.AsyncSmsc(api_key=_SMSC_DEMO_API_KEY, base_url=run.base_url()) as aclient:
                return list(await asyncio.gather(*(aclient.status(client_id, phone) for phone in phones)))

        first = asyncio.run(first_poll())
        table = _TitledTable("await AsyncSmsc.status(...) (API key)", "phone", "SMSC status", "state", indent=3)
        for status in first:
            table.add_row(
                status.phone, f"{status.raw_status} {status.status.name if status.status else ''}", str(status.state)
            )
        console.print(table)
        run.check("async statuses read", len(first) == len(recipients))

        run.step("poll Smsc.status(id, phone) for each phone until final")
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda s: str(s.phone))
        # SMSC answers at most five status requests per message a minute: poll every 20 emulated seconds.
        statuses, history, polls = _poll_until_final(
            run,
            lambda: [client.status(client_id, phone) for phone in phones],
            key=lambda s: str(s.phone),
            expected=len(recipients),
            interval=max(0.15, run.emulated_seconds(20)),
            history=seen,
        )
        table = _TitledTable(f"after {polls} polls", "phone", "statuses seen", "final state", "error", indent=3)
        for status in statuses:
            error = f"{status.error_code} {status.error_description}" if status.error_code is not None else ""
            table.add_row(status.phone, " -> ".join(history[status.phone]), str(status.state), error)
        console.print(table)
        _check_final_states(run, phones, [s.state for s in statuses])
        run.check(
            "the undelivered message carries its error code",
            all((s.error_code is not None) == s.phone.endswith("9") for s in statuses),
        )

        run.step("a typed provider error: a number SMSC cannot deliver to")
        run.expect_provider_error(
            lambda: client.send(["+883123456789"], "Hi", sender=sender),
            InvalidRecipientError,
            "send.8",
            "Smsc.send(['+883123456789'], ...)",
        )
        unchanged = client.balance()
        run.check("the refused send cost nothing", unchanged.amount == after.amount, str(unchanged.amount))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(recipients[:1], "Hi", sender=sender, client_id="not a valid id!"),
            "Smsc.send(..., client_id='not a valid id!')",
        )


PROVIDERS: dict[str, ProviderEntry] = {
    entry.id: entry
    for entry in (
        ProviderEntry(
            id="letsads",
            display_name="LetsAds",
            client_class="LetsAds",
            spec_module="smsgate_generated.letsads.client",
            wire_format="xml",
            credentials=(Credential("login", secret=False), Credential("password", secret=True)),
            demo=_demo_letsads,
            send=_send_letsads,
            status=_status_letsads,
            balance=_balance_letsads,
        ),
        ProviderEntry(
            id="smsleads",
            display_name="SMSLeads",
            client_class="SmsLeads",
            spec_module="smsgate_generated.smsleads.client",
            wire_format="xml",
            credentials=(Credential("username", secret=False), Credential("token", secret=True)),
            demo=_demo_smsleads,
            send=_send_smsleads,
            status=_status_smsleads,
            balance=_balance_smsleads,
        ),
        ProviderEntry(
            id="smsclub",
            display_name="SMSClub",
            client_class="SmsClub",
            spec_module="smsgate_generated.smsclub.client",
            wire_format="json",
            credentials=(Credential("token", secret=True),),
            demo=_demo_smsclub,
            send=_send_smsclub,
            status=_status_smsclub,
            balance=_balance_smsclub,
        ),
        ProviderEntry(
            id="smsc",
            display_name="SMSC",
            client_class="Smsc",
            spec_module="smsgate_generated.smsc.client",
            wire_format="json",
            credentials=(
                Credential("login", secret=False),
                Credential("password", secret=True),
                Credential("api_key", secret=True),
            ),
            credential_sets=(("login", "password"), ("api_key",)),
            demo=_demo_smsc,
            send=_send_smsc,
            status=_status_smsc,
            balance=_balance_smsc,
        ),
    )
}
DEFAULT_PROVIDER = "letsads"


# ---------------------------------------------------------------------------------------------------
# `smsgate validate`: structured problems out of the codec's verdict.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None
    element: str | None
    facet: str | None
    message: str


_LINE = re.compile(r"^line (\d+): ")
_ELEMENT = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: ")
_FACET = re.compile(r"^\[facet '([^']+)'\] ")


def _problems(codec_message: str) -> list[Problem]:
    """Split "line N: Element 'x': [facet 'f'] text; line M: ..." into rows."""
    problems = []
    for part in re.split(r"; (?=line \d+: )", codec_message):
        line = element = facet = None
        text = part
        if m := _LINE.match(text):
            line, text = int(m.group(1)), text[m.end() :]
        if m := _ELEMENT.match(text):
            element = m.group(1) + (f"/@{m.group(2)}" if m.group(2) else "")
            text = text[m.end() :]
        if m := _FACET.match(text):
            facet, text = m.group(1), text[m.end() :]
        problems.append(Problem(line, element, facet, text.strip()))
    return problems


def _validate_document(entry: ProviderEntry, data: bytes) -> tuple[str, str | None, list[Problem]]:
    """An XML document: (verdict, root element, problems); verdict is "valid", "invalid", "malformed" or
    "refused"."""
    from . import _xml
    from ._spec import CodecError

    try:
        root = _xml.parse_untrusted(data)
    except _xml.UnsafeXMLError as exc:
        return "refused", None, [Problem(None, None, None, str(exc))]
    except _xml.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        return "malformed", None, [Problem(line, None, None, str(exc.msg or exc))]
    root_name = str(root.tag)
    codec = cast(_Validating, entry.spec().codec)
    try:
        codec.validate(data)
    except CodecError as exc:
        return "invalid", root_name, _problems(str(exc))
    return "valid", root_name, []


# JSON ------------------------------------------------------------------------------------------------

#: Hostile-input bounds of `smsgate validate` for JSON (the SDK reads replies up to the same size).
MAX_JSON_BYTES = 1 << 20
MAX_JSON_DEPTH = 64
_MAX_MESSAGE = 300
#: Keys whose values are credentials: never shown in a problem.
_SECRET_KEYS = frozenset({"psw", "password", "apikey", "api_key", "token"})


@dataclass(frozen=True, slots=True)
class JsonProblem:
    #: A JSON path into the document ("$.phone[1]"); None for a document that does not parse.
    path: str | None
    #: The JSON Schema keyword that failed ("pattern", "required", "type", ...).
    keyword: str | None
    message: str
    line: int | None = None
    column: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "keyword": self.keyword,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


@dataclass(frozen=True, slots=True)
class JsonVerdict:
    #: "valid", "invalid", "malformed" (not JSON) or "refused" (hostile: too big, too deep, duplicate keys).
    verdict: str
    #: The definition checked: the one asked for, the (first) match, or the closest one.
    definition: str | None = None
    #: Every candidate definition the document is valid against.
    matches: tuple[str, ...] = ()
    #: (definition, problem count) of each candidate tried, closest first (auto-detection only).
    ranking: tuple[tuple[str, int], ...] = ()
    problems: tuple[JsonProblem, ...] = ()


class _Refused(ValueError):
    """A JSON document validate will not look into."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"the key {key!r} appears twice in one object (readers disagree which one counts)")
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _depth(document: Any) -> int:
    """Nesting depth, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _load_json(data: bytes, display_name: str) -> tuple[Any, JsonVerdict | None]:
    """The parsed document, or a malformed/refused verdict. Bounded: size, depth, no duplicate keys, no
    NaN/Infinity, no numbers of thousands of digits."""
    if len(data) > MAX_JSON_BYTES:
        return None, _verdict("refused", f"{len(data)} bytes: over the {MAX_JSON_BYTES}-byte limit")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return None, _verdict("malformed", f"not UTF-8: byte {exc.start} ({data[exc.start : exc.start + 1]!r})")
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        hint = f" ({display_name} documents are JSON)" if text.lstrip().startswith("<") else ""
        return None, JsonVerdict(
            "malformed", problems=(JsonProblem(None, None, exc.msg + hint, exc.lineno, exc.colno),)
        )
    except _Refused as exc:
        return None, _verdict("refused", str(exc))
    except RecursionError:
        return None, _verdict("refused", f"nested deeper than {MAX_JSON_DEPTH} levels")
    except ValueError as exc:  # NaN/Infinity, or an integer beyond Python's digit limit
        return None, _verdict("malformed", str(exc).split("; use")[0])
    if _depth(document) > MAX_JSON_DEPTH:
        return None, _verdict("refused", f"nested deeper than {MAX_JSON_DEPTH} levels")
    return document, None


def _verdict(verdict: str, message: str) -> JsonVerdict:
    return JsonVerdict(verdict, problems=(JsonProblem(None, None, message),))


def _json_path(parts: Sequence[object]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
    return path


def _secrets_in(document: Any) -> list[str]:
    found: list[str] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).lower() in _SECRET_KEYS and isinstance(value, str | int):
                    # As written, and as a schema message quotes it (Python's repr escapes quotes).
                    found += [str(value), repr(str(value))[1:-1]]
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _schema_errors(codec: _Checking, document: Any, name: str, redact: Redactor) -> list[JsonProblem]:
    """Check `document` against ``$defs/<name>`` with the codec's `check`; on failure, one row per violation,
    at its JSON path."""
    from ._spec import CodecError

    try:
        codec.check(document, name)
    except CodecError as exc:
        verdict = str(exc)
    else:
        return []
    # The codec's message joins every violation; the same validator gives them one by one, with their paths.
    validator = getattr(codec, "_validator", None)
    if validator is None:  # pragma: no cover - every JSON codec has it
        return [JsonProblem(None, None, _short(redact(verdict)))]
    from jsonschema.exceptions import best_match

    rows = []
    for error in sorted(validator(name).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        message = error.message
        if error.context:
            closest = best_match(error.context)
            message += f"; closest: {_json_path(list(closest.absolute_path))}: {closest.message}"
        path = list(error.absolute_path)
        if path and str(path[-1]).lower() in _SECRET_KEYS:
            message = f"the value breaks '{error.validator}' (a credential: not shown)"
        rows.append(JsonProblem(_json_path(path), str(error.validator), _short(redact(message))))
    return rows


def _fit(schema: Mapping[str, Any], node: Any, document: Any, hops: int = 0) -> int:
    """How much of the document's structure a definition names: its keys that the definition knows
    (recursively, following $ref, combinators and items) and its required keys that are present."""
    if not isinstance(node, dict) or hops > 12:
        return 0
    if isinstance(ref := node.get("$ref"), str) and ref.startswith("#/$defs/"):
        return _fit(schema, schema.get("$defs", {}).get(ref.removeprefix("#/$defs/")), document, hops + 1)
    score = 0
    for keyword in ("allOf", "anyOf", "oneOf"):
        subs = node.get(keyword)
        if isinstance(subs, list) and subs:
            score += max(_fit(schema, sub, document, hops + 1) for sub in subs)
    if isinstance(document, dict):
        properties = node.get("properties", {})
        for key, value in document.items():
            if key in properties:
                score += 1 + _fit(schema, properties[key], value, hops + 1)
        score += sum(1 for key in node.get("required", ()) if key in document)
    elif isinstance(document, list) and document and "items" in node:
        score += _fit(schema, node["items"], document[0], hops + 1)
    return score


def _candidates(schema: Mapping[str, Any]) -> list[str]:
    """The definitions a whole document can be: every request and reply."""
    return [name for name in schema.get("$defs", {}) if name.endswith(("Request", "Response"))]


def _validate_json(entry: ProviderEntry, data: bytes, definition: str | None) -> JsonVerdict:
    """Check a JSON document against one ``$defs`` entry, or find the request/reply definition it fits best."""
    schema = entry.json_schema()
    definitions = schema.get("$defs", {})
    if definition is not None and definition not in definitions:
        _usage_error(
            f"{entry.display_name}'s schema has no definition {definition!r}; it has: {', '.join(definitions)}"
        )
    document, failed = _load_json(data, entry.display_name)
    if failed is not None:
        return failed
    codec = cast(_Checking, entry.spec().codec)
    redact = Redactor(_secrets_in(document))
    if definition is not None:
        problems = _schema_errors(codec, document, definition, redact)
        if problems:
            return JsonVerdict("invalid", definition, problems=tuple(problems))
        return JsonVerdict("valid", definition, matches=(definition,))
    tried = []
    for index, name in enumerate(_candidates(schema)):
        problems = _schema_errors(codec, document, name, redact)
        wrong_type = any(p.path == "$" and p.keyword == "type" for p in problems)
        fit = _fit(schema, definitions[name], document)
        tried.append(((wrong_type, -fit, len(problems), index), name, problems))
    tried.sort(key=lambda t: t[0])
    ranking = tuple((name, len(problems)) for _, name, problems in tried)
    matches = tuple(name for _, name, problems in tried if not problems)
    if matches:
        return JsonVerdict("valid", matches[0], matches=matches, ranking=ranking)
    _, closest, problems = tried[0]
    return JsonVerdict("invalid", closest, ranking=ranking, problems=tuple(problems))


# ---------------------------------------------------------------------------------------------------
# The commands.
# ---------------------------------------------------------------------------------------------------

_CREDENTIALS_PANEL = "Credentials (options, or SMSGATE_<PROVIDER>_<NAME> variables)"

if _CLI_MISSING is None:
    _PROVIDER_HELP = f"Provider: {', '.join(PROVIDERS)} (default: $SMSGATE_PROVIDER, else {DEFAULT_PROVIDER})."
    ProviderOpt = Annotated[
        str, typer.Option("--provider", "-p", help=_PROVIDER_HELP, envvar="SMSGATE_PROVIDER", show_default=False)
    ]
    LoginOpt = Annotated[
        str | None,
        typer.Option(
            "--login",
            help="LetsAds, SMSC: the account login ($SMSGATE_LETSADS_LOGIN, $SMSGATE_SMSC_LOGIN).",
            show_default=False,
            rich_help_panel=_CREDENTIALS_PANEL,
        ),
    ]
    PasswordOpt = Annotated[
        str | None,
        typer.Option(
            "--password",
            help="LetsAds, SMSC: the account password. Prefer $SMSGATE_<PROVIDER>_PASSWORD: options show in "
            "process lists.",
            show_default=False,
            rich_help_panel=_CREDENTIALS_PANEL,
        ),
    ]
    UsernameOpt = Annotated[
        str | None,
        typer.Option(
            "--username",
            help="SMSLeads: the account username ($SMSGATE_SMSLEADS_USERNAME).",
            show_default=False,
            rich_help_panel=_CREDENTIALS_PANEL,
        ),
    ]
    TokenOpt = Annotated[
        str | None,
        typer.Option(
            "--token",
            help="SMSLeads, SMSClub: the API token. Prefer $SMSGATE_SMSLEADS_TOKEN / $SMSGATE_SMSCLUB_TOKEN.",
            show_default=False,
            rich_help_panel=_CREDENTIALS_PANEL,
        ),
    ]
    ApiKeyOpt = Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="SMSC: an API key instead of login and password. Prefer $SMSGATE_SMSC_API_KEY.",
            show_default=False,
            rich_help_panel=_CREDENTIALS_PANEL,
        ),
    ]
    BaseUrlOpt = Annotated[
        str | None,
        typer.Option(
            "--base-url", help="API base URL, e.g. the emulator's (default: the provider's).", show_default=False
        ),
    ]
    TimeoutOpt = Annotated[
        float | None,
        typer.Option(
            "--timeout", min=0.1, help="Request timeout in seconds (default 30, 5 to connect).", show_default=False
        ),
    ]
    JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


@dataclass(frozen=True, slots=True)
class _Call:
    entry: ProviderEntry
    credentials: dict[str, str]
    secrets: list[str]
    base_url: str | None
    timeout: float | None
    as_json: bool

    def client(self) -> Any:
        options: dict[str, Any] = {}
        if self.base_url:
            options["base_url"] = self.base_url
        if self.timeout is not None:
            options["timeout"] = self.timeout
        return self.entry.sync_client(self.credentials, **options)

    def run(self, action: Callable[[Any], Any]) -> Any:
        """Build the client, call `action` with it, close it; SDK errors become an exit code."""
        with _reporting(as_json=self.as_json, secrets=self.secrets):
            client = self.client()
            try:
                return action(client)
            finally:
                client.close()


def _call(
    provider: str,
    given: Mapping[str, str | None],
    base_url: str | None,
    timeout: float | None,
    as_json: bool,
) -> _Call:
    entry = _entry(provider)
    credentials = _resolve_credentials(entry, given)
    return _Call(entry, credentials, _secret_values(entry, given), base_url, timeout, as_json)


def _only_for(provider: ProviderEntry, option: str, value: object, *owners: str) -> None:
    if value is not None and provider.id not in owners:
        names = ", ".join(PROVIDERS[o].display_name for o in owners)
        _usage_error(f"{option} is for {names} only, not {provider.display_name}")


def send_command(
    recipients: Annotated[
        list[str],
        typer.Argument(
            help="Phone numbers, as +380501234567 or 380501234567 (SMSLeads: Israeli mobiles, e.g. 0502345678; "
            "PHONE=EXTERNAL_ID gives the recipient an id to ask its delivery report by with `smsgate status`).",
            metavar="PHONE",
            show_default=False,
        ),
    ],
    text: Annotated[str, typer.Option("--text", "-t", help="The message text.")],
    sender: Annotated[
        str | None,
        typer.Option(
            "--sender",
            "-s",
            help="A sender name registered for the account (needed by LetsAds, SMSLeads, SMSClub; SMSC: default "
            "the account's first).",
            show_default=False,
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            help="SMSC: your id for the message (1..2147483647, or up to 40 of A-Za-z0-9._-): the message id, "
            "and a repeat after a lost reply is safe.",
            show_default=False,
        ),
    ] = None,
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    username: UsernameOpt = None,
    token: TokenOpt = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send one text to one or more recipients; prints the message id of every recipient.

    SMSLeads gives one shipment id to the whole send, SMSC one message id (a message is the id and its
    phone). SMSClub may accept some recipients and refuse others: the refused ones are listed (and
    warned about on stderr), the exit code stays 0 because the others were sent.
    """
    given = {"login": login, "password": password, "username": username, "token": token, "api_key": api_key}
    call = _call(provider, given, base_url, timeout, as_json)
    _only_for(call.entry, "--client-id", client_id, "smsc")
    args = SendArgs(recipients, text, sender, client_id)
    out: SendOutput = call.run(lambda client: call.entry.send(client, args))
    if as_json:
        _print_json(
            {
                "provider": call.entry.id,
                "description": out.description,
                **out.extra,
                "messages": out.messages,
                "rejected": [{"recipient": r, "reason": reason} for r, reason in out.rejected],
            }
        )
    else:
        console = _console()
        columns = ["recipient", "message id"] + (
            ["external id"] if any("external_id" in m for m in out.messages) else []
        )
        table = _TitledTable(f"{call.entry.display_name}: {len(out.messages)} messages accepted", *columns)
        for message in out.messages:
            table.add_row(
                message["recipient"],
                message["message_id"],
                *([message.get("external_id", "")] if len(columns) > 2 else []),
            )
        console.print(table)
        for name, value in out.extra.items():
            console.print(f"{name.replace('_', ' ')}: {value}")
        if out.rejected:
            rejected = _TitledTable(
                f"{len(out.rejected)} recipient(s) rejected, nothing sent to them", "recipient", "reason"
            )
            for recipient, reason in out.rejected:
                rejected.add_row(recipient, reason)
            console.print(rejected)
    if out.rejected:
        _console(stderr=True).print(
            f"warning: {call.entry.display_name} rejected {len(out.rejected)} of "
            f"{len(out.rejected) + len(out.messages)} recipients",
            soft_wrap=True,
        )


#: Status columns that identify a message (shown right after its id); the others follow the status.
_KEY_COLUMNS = frozenset({"phone", "shipment_id"})


def status_command(
    message_ids: Annotated[
        list[str],
        typer.Argument(
            help="What identifies a message depends on the provider: see above.",
            metavar="MESSAGE",
            show_default=False,
        ),
    ],
    phone: Annotated[
        str | None,
        typer.Option("--phone", help="SMSC: the phone of every MESSAGE given as a bare ID.", show_default=False),
    ] = None,
    days: Annotated[
        float | None,
        typer.Option("--days", min=0.01, help="SMSLeads: look this many days back (default 7).", show_default=False),
    ] = None,
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    username: UsernameOpt = None,
    token: TokenOpt = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The delivery status of one or more messages.

    LetsAds: MESSAGE is a message id from `smsgate send` (one request each).

    SMSLeads: MESSAGE is an external id given at send (PHONE=EXTERNAL_ID): its delivery report of the last
    --days days (one request for all).

    SMSClub: MESSAGE is a message id (one request for up to 100).

    SMSC: MESSAGE is ID:PHONE (SMSC knows a message by its id and phone), or an ID with --phone PHONE.
    """
    given = {"login": login, "password": password, "username": username, "token": token, "api_key": api_key}
    call = _call(provider, given, base_url, timeout, as_json)
    _only_for(call.entry, "--phone", phone, "smsc")
    _only_for(call.entry, "--days", days, "smsleads")
    args = StatusArgs(message_ids, phone, 7.0 if days is None else days)
    if call.entry.id == "smsc":
        _smsc_pairs(args)  # a usage error before any request
    rows: list[StatusRow] = call.run(lambda client: call.entry.status(client, args))
    if as_json:
        _print_json({"provider": call.entry.id, "statuses": [row.as_json() for row in rows]})
        return
    extra = list(rows[0].extra) if rows else []
    leading = [name for name in extra if name in _KEY_COLUMNS]  # what identifies the message, beside its id
    trailing = [name for name in extra if name not in _KEY_COLUMNS]
    table = _TitledTable(
        f"{call.entry.display_name}: message status",
        "message id",
        *(name.replace("_", " ") for name in leading),
        "status",
        "state",
        "final",
        *(name.replace("_", " ") for name in trailing),
    )
    for row in rows:
        shown = row.raw_status if row.status in (None, row.raw_status) else f"{row.raw_status} {row.status}"
        table.add_row(
            row.message_id,
            *(row.extra.get(name) or "" for name in leading),
            shown,
            row.state,
            "yes" if row.final else "no",
            *(row.extra.get(name) or "" for name in trailing),
        )
    _console().print(table)


def balance_command(
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    username: UsernameOpt = None,
    token: TokenOpt = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The account balance (SMSLeads: credits)."""
    given = {"login": login, "password": password, "username": username, "token": token, "api_key": api_key}
    call = _call(provider, given, base_url, timeout, as_json)
    out: BalanceOutput = call.run(call.entry.balance)
    if as_json:
        _print_json({"provider": call.entry.id, **out.data})
        return
    _console().print(out.text)


def validate_command(
    file: Annotated[
        Path,
        typer.Argument(help="A request or reply document; '-' reads standard input.", allow_dash=True),
    ],
    provider: ProviderOpt = DEFAULT_PROVIDER,
    definition: Annotated[
        str | None,
        typer.Option(
            "--definition",
            "-d",
            help="JSON providers: the $defs entry of the provider's JSON Schema to check against, e.g. "
            "SendRequest (default: try every request and reply definition and report the best match).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a request or reply document against the provider's schema and say exactly what is wrong.

    LetsAds, SMSLeads (XML): against the XSD, with line, element and facet of every problem. DOCTYPEs and
    entities are refused, not parsed.

    SMSClub, SMSC (JSON): against a definition of the JSON Schema, with the JSON path of every problem.
    Oversized, too deeply nested documents and duplicate keys are refused.
    """
    entry = _entry(provider)
    name = "<stdin>" if str(file) == "-" else str(file)
    if entry.wire_format != "json" and definition is not None:
        _usage_error(f"--definition is for the JSON providers; {entry.display_name} documents are XML")
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        _usage_error(f"cannot read {name}: {exc.strerror or exc}")
    if entry.wire_format == "json":
        _report_json(entry, name, _validate_json(entry, data, definition), as_json=as_json)
    else:
        _report_xml(entry, name, *_validate_document(entry, data), as_json=as_json)


def _report_xml(
    entry: ProviderEntry, name: str, verdict: str, root: str | None, problems: list[Problem], *, as_json: bool
) -> None:
    if as_json:
        _print_json(
            {
                "file": name,
                "provider": entry.id,
                "format": "xml",
                "valid": verdict == "valid",
                "verdict": verdict,
                "root": root,
                "problems": [
                    {"line": p.line, "element": p.element, "facet": p.facet, "message": p.message} for p in problems
                ],
            }
        )
    else:
        out = _console()
        if verdict == "valid":
            out.print(f"{name}: valid {entry.display_name} <{root}> document", soft_wrap=True)
        elif verdict == "refused":
            out.print(
                f"{name}: refused: {problems[0].message.removesuffix('; refused')}. "
                "Provider documents never declare a DOCTYPE; entities are how XML bombs and "
                "external-entity attacks work, so smsgate does not parse them.",
                soft_wrap=True,
            )
        elif verdict == "malformed":
            where = f"line {problems[0].line}: " if problems[0].line else ""
            out.print(f"{name}: not well-formed XML: {where}{problems[0].message}", soft_wrap=True)
        else:
            table = _TitledTable(
                f"{name}: {len(problems)} problem(s) against the {entry.display_name} schema"
                + (f" (<{root}> document)" if root else ""),
                "line",
                "element",
                "facet",
                "problem",
            )
            for p in problems:
                table.add_row(str(p.line or ""), p.element or "", p.facet or "", p.message)
            out.print(table)
    if verdict != "valid":
        raise typer.Exit(EXIT_FAILED)


def _report_json(entry: ProviderEntry, name: str, result: JsonVerdict, *, as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "file": name,
                "provider": entry.id,
                "format": "json",
                "valid": result.verdict == "valid",
                "verdict": result.verdict,
                "definition": result.definition,
                "matches": list(result.matches),
                "candidates": [{"definition": d, "problems": n} for d, n in result.ranking],
                "problems": [p.as_json() for p in result.problems],
            }
        )
    else:
        out = _console()
        if result.verdict == "valid":
            also = f" (also valid as: {', '.join(result.matches[1:])})" if len(result.matches) > 1 else ""
            out.print(f"{name}: valid {entry.display_name} {result.definition} document{also}", soft_wrap=True)
        elif result.verdict == "refused":
            out.print(f"{name}: refused: {result.problems[0].message}", soft_wrap=True)
        elif result.verdict == "malformed":
            p = result.problems[0]
            where = f"line {p.line} column {p.column}: " if p.line else ""
            out.print(f"{name}: not JSON: {where}{p.message}", soft_wrap=True)
        else:
            how = (
                f"the closest of {len(result.ranking)} request and reply definitions" if result.ranking else "as asked"
            )
            table = _TitledTable(
                f"{name}: {len(result.problems)} problem(s) against the {entry.display_name} schema's "
                f"{result.definition} ({how})",
                "path",
                "keyword",
                "problem",
            )
            for p in result.problems:
                table.add_row(p.path or "", p.keyword or "", p.message)
            out.print(table)
            if len(result.ranking) > 1:
                others = ", ".join(f"{d} ({n})" for d, n in result.ranking[1:4])
                out.print(f"next closest (problems): {others}; check one with --definition NAME", soft_wrap=True)
    if result.verdict != "valid":
        raise typer.Exit(EXIT_FAILED)


def demo_command(
    provider: Annotated[
        str | None,
        typer.Option("--provider", "-p", help=f"Only this provider (default: all of {', '.join(PROVIDERS)})."),
    ] = None,
    clock_speed: Annotated[
        float, typer.Option("--clock-speed", min=1.0, help="Emulated seconds per real second.")
    ] = 30.0,
    poll_timeout: Annotated[
        float, typer.Option("--poll-timeout", min=1.0, help="Real seconds to wait for final statuses.")
    ] = 20.0,
) -> None:
    """Run the SDK end to end against the embedded emulator: no network, no account needed.

    For each provider: balance before and after a send, the ids of every recipient, statuses until final,
    one async call, one typed provider error with its code and one validation error that sends nothing.
    """
    from .emulator import Emulator

    entries = [_entry(provider)] if provider else list(PROVIDERS.values())
    console = _console()
    console.print("smsgate demo: the SDK against the embedded emulator on loopback (no network, no account).")
    checks: list[tuple[str, bool, str]] = []
    started = time.monotonic()
    with Emulator(clock_speed=clock_speed) as emulator:
        console.print(f"emulator: {emulator.url} (clock x{clock_speed:g})")
        for entry in entries:
            run = DemoRun(console=console, emulator=emulator, entry=entry, poll_timeout=poll_timeout)
            console.print()
            console.print(f"=== {entry.display_name} at {run.base_url()}", style="bold")
            try:
                entry.demo(run)
            except SmsGateError as exc:
                run.check("the demo ran to the end", False, _error_line(exc))
            except Exception as exc:  # a demo that crashes must still report and exit non-zero
                run.check("the demo ran to the end", False, f"{type(exc).__name__}: {exc}")
            checks.extend(run.checks)
    failed = [c for c in checks if not c[1]]
    console.print()
    table = _TitledTable("summary", "check", "result")
    for name, ok, _detail in checks:
        table.add_row(name, "ok" if ok else "FAILED")
    console.print(table)
    elapsed = time.monotonic() - started
    if failed or not checks:
        console.print(f"demo FAILED: {len(failed)} of {len(checks)} checks failed ({elapsed:.1f} s)")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"demo passed: {len(checks)} checks, {len(entries)} provider(s), {elapsed:.1f} s")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def emulator_command(
    host: Annotated[str, typer.Option("--host", help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port; 0 picks a free one.")] = 8765,
    seed: Annotated[
        Path | None,
        typer.Option("--seed", exists=True, dir_okay=False, readable=True, help="Seed file of accounts and state."),
    ] = None,
    clock_speed: Annotated[
        float, typer.Option("--clock-speed", min=0.0, help="Emulated seconds per real second (0 freezes it).")
    ] = 60.0,
) -> None:
    """Run the provider emulator in the foreground (Ctrl-C stops it). Loopback only."""
    if not _is_loopback(host):
        _usage_error(
            f"refusing to listen on {host!r}: the emulator accepts test credentials and is for loopback only "
            "(use 127.0.0.1, ::1 or localhost)"
        )
    from .emulator import Emulator

    try:
        emulator = Emulator(seed=seed, clock_speed=clock_speed, host=host, port=port).start()
    except (OSError, ValueError, TypeError) as exc:
        _usage_error(f"cannot start the emulator: {exc}")
    console = _console()
    console.print(f"smsgate emulator on {emulator.url} (clock x{clock_speed:g}); Ctrl-C stops it")
    for name in emulator.providers:
        console.print(f"  {name:<10} {emulator.base_url(name)}")
    console.print(f"  {'control':<10} {emulator.url}/_emulator/state")
    sys.stdout.flush()
    emulator.serve_forever()  # returns on Ctrl-C, after stopping the server
    console.print("emulator stopped")


def build_app() -> typer.Typer:
    """The typer application (needs the ``cli`` extra)."""
    app = typer.Typer(
        name="smsgate",
        help="Typed SMS gateway SDK: demo, one-off calls, schema validation and the local emulator.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.command("demo")(demo_command)
    app.command("send")(send_command)
    app.command("status")(status_command)
    app.command("balance")(balance_command)
    app.command("validate")(validate_command)
    app.command("emulator")(emulator_command)
    from ._cli_bulk import bulk_app

    app.add_typer(bulk_app, name="bulk")
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    if _CLI_MISSING is not None:
        print(INSTALL_HINT, file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    build_app()(args=list(argv) if argv is not None else None, prog_name="smsgate")


if __name__ == "__main__":
    main()
