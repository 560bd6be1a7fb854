"""Output shared by every command: consoles that behave without a terminal, titled tables, JSON,
and SDK errors turned into one redacted line and an exit code.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Table

from .._exceptions import (
    ProviderError,
    ResponseFormatError,
    SmsGateError,
    TransportError,
    ValidationError,
)
from .._redact import Redactor

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderResult


__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "TitledTable",
    "error_line",
    "make_console",
    "print_json",
    "reporting",
    "usage_error",
]

#: Exit codes.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def make_console(*, stderr: bool = False) -> Console:
    """A rich console that never crashes without a terminal: no markup (data may hold brackets), and a
    fixed width when the output is not a terminal (pipes, CI) so tables do not wrap at 80 columns."""
    stream = sys.stderr if stderr else sys.stdout
    isatty = getattr(stream, "isatty", None)
    width = None if (callable(isatty) and isatty()) or os.environ.get("COLUMNS") else 110
    return Console(file=stream, highlight=False, markup=False, emoji=False, width=width, soft_wrap=False)


class TitledTable:
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
        # One line whatever its length (a long file path must not break it): never wrapped, never cropped.
        yield Segment(" " * self.indent + self.title, Style(bold=True))
        yield Segment.line()
        yield Padding(self.table, (0, 0, 0, self.indent), expand=False)


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def usage_error(message: str) -> NoReturn:
    make_console(stderr=True).print(f"error: {message}", soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def error_line(exc: SmsGateError) -> str:
    """One line that says what failed, with the provider's code."""
    name = type(exc).__name__
    if isinstance(exc, ProviderError):
        where = f"{exc.provider} {exc.operation}".strip()
        detail = f" ({exc.detail})" if exc.detail else ""
        line = f"{where} failed: {exc.code}{detail} [{name}]: {exc.description}"
        if exc.provider_message and exc.provider_message != exc.description:
            line += f" {exc.provider} said: {exc.provider_message}"  # its own words: often the limit broken
        return line
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
            provider_message=None if exc.provider_message is None else redact(exc.provider_message),
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
def reporting(*, as_json: bool, secrets: Sequence[str]) -> Iterator[None]:
    """SDK errors become one redacted line on stderr (and a JSON object with --json) and an exit code."""
    try:
        yield
    except SmsGateError as exc:
        redact = Redactor(secrets)
        if as_json:
            print_json(_error_json(exc, redact))
        make_console(stderr=True).print("error: " + redact(error_line(exc)), soft_wrap=True)
        raise typer.Exit(EXIT_USAGE if isinstance(exc, ValidationError) else EXIT_FAILED) from None


# ---------------------------------------------------------------------------------------------------
# `smsgate demo`: a runner shared by every provider, and one small function of steps per provider.
# ---------------------------------------------------------------------------------------------------
