"""What the generated code hands the runtime: a provider's spec, its operations, and prepared calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from ._errors import ErrorTable
from ._exceptions import ProviderError

__all__ = ["Codec", "CodecError", "ErrorFound", "ErrorReport", "Operation", "Prepared", "ProviderSpec", "Repair"]

R = TypeVar("R")
T = TypeVar("T")


class ErrorReport(NamedTuple):
    """What an error hook found: the provider's error code and, when the reply carries one, the provider's
    own text about it (in the provider's words and language; redacted by the runtime before it is kept).

    The runtime builds the error from the code's row of the error table: the row's description stays in
    `ProviderError.description`, the provider's text goes to `ProviderError.provider_message`.
    """

    code: str
    provider_message: str | None = None


#: What ``error_code`` returns: None (not an error), a bare code, or a code with the provider's own text
#: (an `ErrorReport`, or any ``(code, text)`` pair).
ErrorFound = str | tuple[str, str | None] | None


class CodecError(ValueError):
    """A codec could not encode a request (schema violation) or decode a reply (malformed). ``field`` names
    the request field a violation is about, when the codec can tell."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Codec(Protocol):
    """Turns generated models into request bodies and reply bodies into generated models."""

    content_type: str

    def encode(self, model: object, extra: Mapping[str, str] | None = None) -> bytes:
        """Serialize and validate a request model (plus `extra` parameters, e.g. form credentials);
        raise `CodecError` when it violates the schema."""
        ...

    def decode(self, body: bytes, model: type[T]) -> T:
        """Parse a reply strictly and bind it to `model`; raise `CodecError` on anything unreadable."""
        ...


#: A named repair rule for one documented defect of a provider's replies: the repaired bytes, or None when
#: the defect is not there. A rule must match the defect exactly, so a truncated reply is never "repaired".
Repair = Callable[[bytes], bytes | None]


@dataclass(frozen=True, slots=True)
class Operation:
    """One provider operation as the manifest describes it."""

    name: str
    method: str
    path: str
    idempotent: bool
    #: The reply model: a generated class, a list alias, or a union of them (``A | list[A]``) for a reply
    #: whose shape varies; handed to the codec's ``decode``.
    response: Any
    #: The provider's own name of the operation (a root element, a script flag), when it differs.
    command: str = ""
    #: Repair rules tried, in order, only when the reply does not parse or bind strictly.
    repairs: tuple[Repair, ...] = ()


@dataclass(frozen=True, slots=True, repr=False)
class Prepared(Generic[R]):
    """A validated request, ready to send, and how to turn the bound reply into the typed result.

    Its repr names the operation and the body's size only: the body may hold credentials (form and XML
    codecs carry them), and a traceback that captures locals (Sentry, ``pytest -l``) prints reprs.
    """

    operation: Operation
    content: bytes
    decode: Callable[[Any], R]
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Seconds during which the provider de-duplicates this call by an idempotency key it carries (e.g. a
    #: client message id), or None. Inside that window, counted from the first attempt, the call may be
    #: repeated after a lost reply even when the operation is not idempotent.
    dedupe_window: float | None = None
    #: Called when such a repeat is answered with a `DuplicateError`: the earlier attempt was accepted, and
    #: this builds the result from the error (without it the error is raised).
    on_duplicate: Callable[[ProviderError], R] | None = None
    #: The client-side id the call carries (SMSC's client id), or None: kept in the errors it raises
    #: (`SmsGateError.request_key`), so a "may have been sent" error can be reconciled.
    key: str | None = None

    def __repr__(self) -> str:
        return f"Prepared({self.operation.name!r}, content=<{len(self.content)} bytes>, key={self.key!r})"


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """A provider, generated from ``schemas/<id>/provider.toml`` and ``errors.toml``."""

    id: str
    display_name: str
    base_url: str
    alternate_base_urls: tuple[str, ...]
    codec: Codec
    errors: ErrorTable
    #: Looks at a bound reply: None when it is not an error reply for the operation, else the provider's
    #: error code, either alone (a str) or with the provider's own text about it (an `ErrorReport` or a
    #: ``(code, text)`` pair; text None when the reply carries none).
    error_code: Callable[[Any, Operation], ErrorFound]
    #: For providers whose error replies have their own shape (or live in the HTTP status): looks at the
    #: raw reply before it is bound and returns (code, the provider's own text or None) when it is an
    #: error, else None. The text is handled as `error_code`'s: it becomes ``provider_message``.
    reply_error: Callable[[int, bytes, Operation], tuple[str, str | None] | None] | None = None
    #: The provider's documented request rate (requests per second): the clients' default `rate_limit`.
    rate_limit: float | None = None
