"""Provider error tables (generated from ``schemas/<id>/errors.toml``) and turning their rows into exceptions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ._exceptions import ProviderError, error_class_for
from ._types import ErrorCategory

__all__ = ["ErrorRow", "ErrorTable"]


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """One row of a provider's error table."""

    code: str
    category: ErrorCategory
    description: str
    retryable: bool
    not_sent: bool
    operations: tuple[str, ...] = ()
    prefix: bool = False
    detail: str | None = None


class ErrorTable:
    """A provider's error codes: exact codes by lookup, prefix codes (a code plus a detail) by prefix."""

    def __init__(self, provider: str, rows: Iterable[ErrorRow]) -> None:
        self.provider = provider
        self.rows: tuple[ErrorRow, ...] = tuple(rows)
        self._exact: Mapping[str, ErrorRow] = {r.code: r for r in self.rows if not r.prefix}
        # Longest prefix first, so a more specific prefix wins.
        self._prefixes = sorted((r for r in self.rows if r.prefix), key=lambda r: -len(r.code))

    def __iter__(self) -> Iterator[ErrorRow]:
        return iter(self.rows)

    def lookup(self, raw_code: str) -> tuple[ErrorRow | None, str | None]:
        """The row of a code as received (surrounding whitespace ignored) and the prefix detail, if any."""
        code = raw_code.strip()
        row = self._exact.get(code)
        if row is not None:
            return row, None
        for row in self._prefixes:
            if code.startswith(row.code):
                return row, code[len(row.code) :] or None
        return None, None

    def error(
        self,
        raw_code: str,
        *,
        operation: str,
        description: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        provider_message: str | None = None,
    ) -> ProviderError:
        """The typed exception for a code; unknown codes give a plain `ProviderError` keeping the raw code.

        ``description`` is the row's description unless `description` overrides it; for a code without a
        row, `description`, else the provider's text, else "unknown error code". `provider_message` (the
        provider's own text, already redacted) is kept as given.
        """
        row, detail = self.lookup(raw_code)
        if row is None:
            return ProviderError(
                description or provider_message or "unknown error code",
                provider=self.provider,
                code=raw_code.strip(),
                raw_code=raw_code,
                operation=operation,
                http_status=http_status,
                retry_after=retry_after,
                provider_message=provider_message,
            )
        cls = error_class_for(row.category)
        return cls(
            description or row.description,
            provider=self.provider,
            code=row.code,
            raw_code=raw_code.strip(),
            operation=operation,
            retryable=row.retryable,
            not_sent=row.not_sent,
            detail=detail,
            http_status=http_status,
            retry_after=retry_after,
            provider_message=provider_message,
        )
