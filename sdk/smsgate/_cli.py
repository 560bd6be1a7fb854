"""The ``smsgate`` command line (the ``cli`` extra: typer and rich).

::

    smsgate demo                        the SDK end to end against the embedded emulator (no network)
    smsgate send / status / balance     one call to a provider (or to the emulator with --base-url)
    smsgate validate FILE               check an XML request or reply against the provider's schema
    smsgate emulator                    run the emulator in the foreground on a loopback port

Everything provider-specific lives in `PROVIDERS` (one `ProviderEntry` each) and in one small demo
function per provider: adding a provider to the command line is adding an entry and a demo function.

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
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol, cast

from ._exceptions import (
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

__all__ = ["PROVIDERS", "ProviderEntry", "build_app", "main"]

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


# ---------------------------------------------------------------------------------------------------
# What the command line needs of a client (every generated client has this shape).
# ---------------------------------------------------------------------------------------------------


class _SyncGateway(Protocol):
    def send(self, recipients: Sequence[str], text: str, *, sender: str) -> SendResult: ...
    def status(self, message_id: int | str) -> MessageStatus[Any]: ...
    def balance(self) -> Balance: ...
    def close(self) -> None: ...


class _Validating(Protocol):
    def validate(self, data: bytes) -> None: ...


# ---------------------------------------------------------------------------------------------------
# The provider table.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credential:
    """A constructor keyword of the provider's client; ``secret`` ones are never echoed."""

    name: str
    secret: bool


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """Everything the command line knows about one provider."""

    id: str
    display_name: str
    #: The sync client's name in the `smsgate` namespace; its keyword arguments are the credentials.
    client_class: str
    #: The generated module holding ``SPEC`` (its codec validates documents).
    spec_module: str
    #: "xml" documents are checked for DOCTYPE/entities before validation.
    wire_format: str
    credentials: tuple[Credential, ...]
    #: The `smsgate demo` steps of this provider.
    demo: Callable[[DemoRun], None]

    def env_var(self, credential: Credential) -> str:
        return f"SMSGATE_{self.id.upper()}_{credential.name.upper()}"

    def spec(self) -> ProviderSpec:
        spec: ProviderSpec = importlib.import_module(self.spec_module).SPEC
        return spec

    def sync_client(self, credentials: Mapping[str, str], **options: Any) -> _SyncGateway:
        import smsgate

        cls = getattr(smsgate, self.client_class)
        return cast(_SyncGateway, cls(**credentials, **options))


def _resolve_credentials(entry: ProviderEntry, given: Mapping[str, str | None]) -> dict[str, str]:
    """Options first, then ``SMSGATE_<PROVIDER>_<NAME>``; a missing one is a usage error."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for credential in entry.credentials:
        value = given.get(credential.name) or os.environ.get(entry.env_var(credential), "")
        if value:
            found[credential.name] = value
        else:
            missing.append(f"--{credential.name.replace('_', '-')} or {entry.env_var(credential)}")
    if missing:
        _usage_error(f"{entry.display_name} needs credentials: give " + "; ".join(missing))
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


def _status_row(status: MessageStatus[Any]) -> dict[str, object]:
    return {
        "message_id": status.message_id,
        "status": None if status.status is None else str(status.status.value),
        "raw_status": status.raw_status,
        "state": str(status.state),
        "final": status.is_final,
    }


def _money(amount: Decimal, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else str(amount)


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


def _poll_until_final(
    run: DemoRun, poll: Callable[[], list[MessageStatus[Any]]], *, interval: float = 0.15
) -> tuple[list[MessageStatus[Any]], dict[str, list[str]], int]:
    """Poll until every message is final or `run.poll_timeout` real seconds pass.

    Returns the last statuses, each message's distinct states in order, and the number of polls.
    """
    history: dict[str, list[str]] = {}
    deadline = time.monotonic() + run.poll_timeout
    polls = 0
    while True:
        statuses = poll()
        polls += 1
        for status in statuses:
            seen = history.setdefault(status.message_id, [])
            if not seen or seen[-1] != status.raw_status:
                seen.append(status.raw_status)
        if all(s.is_final for s in statuses) or time.monotonic() >= deadline:
            return statuses, history, polls
        time.sleep(interval)


# The seed account every emulator starts with (public test values, not a real account).
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
        statuses, history, polls = _poll_until_final(run, lambda: [client.status(m) for m in result.message_ids])
        table = _TitledTable(
            f"after {polls} polls", "recipient", "message id", "statuses seen", "final state", indent=3
        )
        for message, status in zip(result.messages, statuses, strict=True):
            table.add_row(
                message.recipient,
                status.message_id,
                " -> ".join(history[status.message_id]),
                str(status.state),
            )
        console.print(table)
        run.check("every message reached a final state", all(s.is_final for s in statuses))
        expected = [
            smsgate.DeliveryState.UNDELIVERED if r.endswith("9") else smsgate.DeliveryState.DELIVERED
            for r in recipients
        ]
        run.check(
            "numbers ending in 9 are not delivered, the others are",
            [s.state for s in statuses] == expected,
            ", ".join(str(s.state) for s in statuses),
        )

        run.step("a typed provider error: an unregistered sender")
        try:
            client.send(recipients[:1], "Hi", sender="NoSuchName")
        except smsgate.ProviderError as exc:
            table = _TitledTable(
                "LetsAds.send(..., sender='NoSuchName') raised", "exception", "code", "description", indent=3
            )
            table.add_row(f"smsgate.{type(exc).__name__}", exc.code, exc.description)
            console.print(table)
            console.print(f"   category={exc.category} retryable={exc.retryable} not_sent={exc.not_sent}")
            run.check(
                "InvalidSenderError with code INVALID_FROM",
                isinstance(exc, InvalidSenderError) and exc.code == "INVALID_FROM",
                f"{type(exc).__name__} {exc.code}",
            )
        else:
            run.check("an unregistered sender is refused", False, "no error raised")
        unchanged = client.balance()
        run.check("the refused send cost nothing", unchanged.amount == after.amount, str(unchanged.amount))

        run.step("a validation error, raised before anything is sent")
        received_before = len(run.emulator.requests.filter(run.entry.id))
        too_long = "x" * 500
        try:
            client.send(recipients[:1], too_long, sender=sender)
        except smsgate.ValidationError as exc:
            console.print(f"   smsgate.{type(exc).__name__}: {exc}")
            received = len(run.emulator.requests.filter(run.entry.id)) - received_before
            run.check("ValidationError, and the emulator received nothing", received == 0, f"{received} requests")
        else:
            run.check("a 500-character text is refused before sending", False, "no error raised")


PROVIDERS: dict[str, ProviderEntry] = {
    entry.id: entry
    for entry in (
        ProviderEntry(
            id="letsads",
            display_name="LetsAds",
            client_class="LetsAds",
            spec_module="smsgate_generated.letsads.client",
            wire_format="xml",
            credentials=(
                Credential("login", secret=False),
                Credential("password", secret=True),
            ),
            demo=_demo_letsads,
        ),
    )
}
DEFAULT_PROVIDER = "letsads"


# ---------------------------------------------------------------------------------------------------
# `smsgate validate`: structured problems out of the codec's message.
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
    """(verdict, root element, problems); verdict is "valid", "invalid", "malformed" or "refused"."""
    from ._spec import CodecError

    root_name: str | None = None
    if entry.wire_format == "xml":
        from . import _xml

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


# ---------------------------------------------------------------------------------------------------
# The commands.
# ---------------------------------------------------------------------------------------------------

if _CLI_MISSING is None:
    _PROVIDER_HELP = f"Provider: {', '.join(PROVIDERS)}."
    ProviderOpt = Annotated[str, typer.Option("--provider", "-p", help=_PROVIDER_HELP, show_default=True)]
    LoginOpt = Annotated[
        str | None,
        typer.Option("--login", help="Account login (default: $SMSGATE_<PROVIDER>_LOGIN).", show_default=False),
    ]
    PasswordOpt = Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Account password. Prefer $SMSGATE_<PROVIDER>_PASSWORD: options show in process lists.",
            show_default=False,
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
    base_url: str | None
    timeout: float | None
    as_json: bool

    @property
    def secrets(self) -> list[str]:
        return [self.credentials[c.name] for c in self.entry.credentials if c.secret and c.name in self.credentials]

    def client(self) -> _SyncGateway:
        options: dict[str, Any] = {}
        if self.base_url:
            options["base_url"] = self.base_url
        if self.timeout is not None:
            options["timeout"] = self.timeout
        return self.entry.sync_client(self.credentials, **options)


def _call(
    provider: str, login: str | None, password: str | None, base_url: str | None, timeout: float | None, as_json: bool
) -> _Call:
    entry = _entry(provider)
    credentials = _resolve_credentials(entry, {"login": login, "password": password})
    return _Call(entry, credentials, base_url, timeout, as_json)


def send_command(
    recipients: Annotated[list[str], typer.Argument(help="Phone numbers, as +380501234567 or 380501234567.")],
    text: Annotated[str, typer.Option("--text", "-t", help="The message text.")],
    sender: Annotated[str, typer.Option("--sender", "-s", help="A sender name registered for the account.")],
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send one text to one or more recipients; prints one message id per recipient."""
    call = _call(provider, login, password, base_url, timeout, as_json)
    with _reporting(as_json=as_json, secrets=call.secrets):
        client = call.client()
        try:
            result = client.send(recipients, text, sender=sender)
        finally:
            client.close()
    if as_json:
        _print_json(
            {
                "provider": call.entry.id,
                "description": result.description,
                "messages": [{"recipient": m.recipient, "message_id": m.message_id} for m in result.messages],
            }
        )
        return
    table = _TitledTable(f"{call.entry.display_name}: {len(result)} messages accepted", "recipient", "message id")
    for message in result.messages:
        table.add_row(message.recipient, message.message_id)
    _console().print(table)


def status_command(
    message_ids: Annotated[list[str], typer.Argument(help="Message ids returned by `smsgate send`.")],
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The delivery status of one or more messages."""
    call = _call(provider, login, password, base_url, timeout, as_json)
    with _reporting(as_json=as_json, secrets=call.secrets):
        client = call.client()
        try:
            statuses = [client.status(message_id) for message_id in message_ids]
        finally:
            client.close()
    if as_json:
        _print_json({"provider": call.entry.id, "statuses": [_status_row(s) for s in statuses]})
        return
    table = _TitledTable(f"{call.entry.display_name}: message status", "message id", "status", "state", "final")
    for status in statuses:
        table.add_row(status.message_id, status.raw_status, str(status.state), "yes" if status.is_final else "no")
    _console().print(table)


def balance_command(
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The account balance."""
    call = _call(provider, login, password, base_url, timeout, as_json)
    with _reporting(as_json=as_json, secrets=call.secrets):
        client = call.client()
        try:
            balance = client.balance()
        finally:
            client.close()
    if as_json:
        # The amount stays a decimal string: a float would lose cents.
        _print_json({"provider": call.entry.id, "amount": str(balance.amount), "currency": balance.currency})
        return
    _console().print(f"{call.entry.display_name} balance: {_money(balance.amount, balance.currency)}")


def validate_command(
    file: Annotated[Path, typer.Argument(help="An XML request or reply; '-' reads standard input.", allow_dash=True)],
    provider: ProviderOpt = DEFAULT_PROVIDER,
    as_json: JsonOpt = False,
) -> None:
    """Check a request or reply document against the provider's schema and say exactly what is wrong."""
    entry = _entry(provider)
    name = "<stdin>" if str(file) == "-" else str(file)
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        _usage_error(f"cannot read {name}: {exc.strerror or exc}")
    verdict, root, problems = _validate_document(entry, data)
    if as_json:
        _print_json(
            {
                "file": name,
                "provider": entry.id,
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
            out.print(f"{name}: valid {entry.display_name} <{root}> document")
        elif verdict == "refused":
            out.print(
                f"{name}: refused: {problems[0].message.removesuffix('; refused')}. "
                "Provider documents never declare a DOCTYPE; entities are how XML bombs and "
                "external-entity attacks work, so smsgate does not parse them."
            )
        elif verdict == "malformed":
            where = f"line {problems[0].line}: " if problems[0].line else ""
            out.print(f"{name}: not well-formed XML: {where}{problems[0].message}")
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
    """Run the SDK end to end against the embedded emulator: no network, no account needed."""
    from .emulator import Emulator

    entries = [_entry(provider)] if provider else list(PROVIDERS.values())
    console = _console()
    console.print("smsgate demo: the SDK against the embedded emulator on loopback (no network, no account).")
    checks: list[tuple[str, bool, str]] = []
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
    if failed or not checks:
        console.print(f"demo FAILED: {len(failed)} of {len(checks)} checks failed")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"demo passed: {len(checks)} checks")


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
