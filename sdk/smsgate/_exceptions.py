"""The exceptions smsgate raises. Every one derives from `SmsGateError`::

    SmsGateError
    ├── ValidationError                 rejected before sending: nothing left this process
    ├── TransportError                  the HTTP exchange failed; .may_have_reached says if the provider saw it
    │   ├── ConnectFailedError          never reached the provider (connect refused/timeout): nothing sent
    │   └── ReplyLostError              sent, reply lost (read timeout, reset, truncated): outcome unknown
    │       └── OutcomeUnknownError     an earlier attempt may have reached the provider, a repeat failed
    ├── ResponseFormatError             a reply we cannot read (not XML/JSON, wrong shape); .raw_body redacted
    └── ProviderError                   the provider answered with an error code (.provider .code .description)
        ├── AuthenticationError         ├── RateLimitError
        ├── PermissionDeniedError       ├── DuplicateError
        ├── InvalidRequestError         ├── NotFoundError
        ├── InvalidRecipientError       └── ProviderUnavailableError
        ├── InvalidSenderError
        ├── MessageTooLongError
        └── InsufficientFundsError

Codes of a provider's error table that are not known map to plain `ProviderError` with the raw code kept.
No exception text, attribute or repr ever holds a credential: bodies are redacted before they are stored.
``request_key`` is the client-side id the request carried (SMSC's ``id``), when it carried one: what to
reconcile a "may have been sent" error by.
"""

from __future__ import annotations

from ._types import ErrorCategory

__all__ = [
    "AuthenticationError",
    "ConnectFailedError",
    "DuplicateError",
    "InsufficientFundsError",
    "InvalidRecipientError",
    "InvalidRequestError",
    "InvalidSenderError",
    "MessageTooLongError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderUnavailableError",
    "RateLimitError",
    "ReplyLostError",
    "ResponseFormatError",
    "SmsGateError",
    "TransportError",
    "ValidationError",
    "error_class_for",
]


class SmsGateError(Exception):
    """Root of every exception the SDK raises."""

    #: The client-side id the failed request carried and the provider de-duplicates or looks up by (SMSC's
    #: client id ``id``), or None. With a "may have been sent" error, what to reconcile by.
    request_key: str | None = None


class ValidationError(SmsGateError, ValueError):
    """A request violates its schema or a documented limit; it was not sent."""

    def __init__(self, message: str, *, field: str | None = None, provider: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.provider = provider


class TransportError(SmsGateError):
    """The HTTP exchange failed.

    ``may_have_reached`` is False when the request provably never reached the provider (so a send can be
    repeated safely) and True when it may have been received and acted on.
    """

    may_have_reached: bool = True

    def __init__(self, message: str, *, provider: str, operation: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.operation = operation


class ConnectFailedError(TransportError):
    """No connection to the provider could be made: the request was not sent."""

    may_have_reached = False


class ReplyLostError(TransportError):
    """The request was sent but no complete reply came back: the provider may have acted on it."""

    may_have_reached = True


class OutcomeUnknownError(ReplyLostError):
    """An earlier attempt of the call may have reached the provider (its reply was lost, or a 5xx came back)
    and the repeat was then refused or could not connect: the message may have been sent, once.

    ``__cause__`` is the earlier attempt's error, ``last_error`` the final attempt's. Never resend blindly:
    reconcile by ``request_key``.
    """

    def __init__(
        self, message: str, *, provider: str, operation: str, earlier: SmsGateError, last_error: SmsGateError
    ) -> None:
        super().__init__(message, provider=provider, operation=operation)
        self.earlier = earlier
        self.last_error = last_error


class ResponseFormatError(SmsGateError):
    """The provider's reply could not be read (not the documented format, wrong root, truncated).

    ``raw_body`` holds the reply, redacted and cut to a few KiB. The provider did receive the request.
    """

    may_have_reached = True

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        operation: str,
        raw_body: str = "",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.operation = operation
        self.raw_body = raw_body
        self.http_status = http_status


class ProviderError(SmsGateError):
    """The provider answered with an error code.

    ``code`` is the provider's own code (for a prefix code such as LetsAds' ``INCORRECT_RECIPIENT_``,
    the prefix; the suffix is in ``detail``), ``raw_code`` the code exactly as received.
    ``retryable``: the same request may succeed later. ``not_sent``: the provider certainly sent nothing.
    ``description`` is what the code means, from the provider's error table (for a code the table does not
    list: the provider's own text, when there is one). ``provider_message`` is the provider's own text about
    this error, as its reply carried it (redacted; in the provider's language), or None when the reply holds
    no text beyond the code. Both appear in ``str(exc)``.
    """

    category: ErrorCategory = ErrorCategory.UNKNOWN

    def __init__(
        self,
        description: str,
        *,
        provider: str,
        code: str,
        raw_code: str | None = None,
        operation: str = "",
        retryable: bool = False,
        not_sent: bool = False,
        detail: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        provider_message: str | None = None,
    ) -> None:
        text = f"{provider} {operation + ' ' if operation else ''}error {raw_code or code}: {description}"
        if provider_message and provider_message != description:
            text += f" (provider: {provider_message})"
        super().__init__(text)
        self.provider = provider
        self.code = code
        self.raw_code: str = raw_code if raw_code is not None else code
        self.description = description
        self.operation = operation
        self.retryable = retryable
        self.not_sent = not_sent
        self.detail = detail
        self.http_status = http_status
        self.retry_after = retry_after
        self.provider_message = provider_message


class AuthenticationError(ProviderError):
    category = ErrorCategory.AUTHENTICATION


class PermissionDeniedError(ProviderError):
    category = ErrorCategory.PERMISSION


class InvalidRequestError(ProviderError):
    category = ErrorCategory.INVALID_REQUEST


class InvalidRecipientError(ProviderError):
    category = ErrorCategory.INVALID_RECIPIENT


class InvalidSenderError(ProviderError):
    category = ErrorCategory.INVALID_SENDER


class MessageTooLongError(ProviderError):
    category = ErrorCategory.MESSAGE_TOO_LONG


class InsufficientFundsError(ProviderError):
    category = ErrorCategory.INSUFFICIENT_FUNDS


class RateLimitError(ProviderError):
    category = ErrorCategory.RATE_LIMIT


class DuplicateError(ProviderError):
    category = ErrorCategory.DUPLICATE


class NotFoundError(ProviderError):
    category = ErrorCategory.NOT_FOUND


class ProviderUnavailableError(ProviderError):
    category = ErrorCategory.UNAVAILABLE


_BY_CATEGORY: dict[ErrorCategory, type[ProviderError]] = {
    cls.category: cls
    for cls in (
        AuthenticationError,
        PermissionDeniedError,
        InvalidRequestError,
        InvalidRecipientError,
        InvalidSenderError,
        MessageTooLongError,
        InsufficientFundsError,
        RateLimitError,
        DuplicateError,
        NotFoundError,
        ProviderUnavailableError,
    )
}


def error_class_for(category: ErrorCategory) -> type[ProviderError]:
    """The exception class of an error category (`ProviderError` for UNKNOWN)."""
    return _BY_CATEGORY.get(category, ProviderError)
