"""Small shared types: secrets, the not-given sentinel, provider-neutral enums."""

from __future__ import annotations

import enum
from typing import Final, Literal

__all__ = ["NOT_GIVEN", "DeliveryState", "ErrorCategory", "NotGiven", "Secret"]


class NotGiven(enum.Enum):
    """Typed "argument not given" sentinel (distinct from ``None``, which may be a real value)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN


class Secret:
    """A credential. Its value leaves only through `get_secret_value()`; repr and str are masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a secret must be a str")
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> str:  # never pickle a credential by accident
        raise TypeError("Secret values cannot be pickled")


class DeliveryState(enum.StrEnum):
    """Provider-neutral state of one message."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    EXPIRED = "expired"
    REJECTED = "rejected"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """True when the state will not change any more."""
        return self in _FINAL


_FINAL = frozenset({DeliveryState.DELIVERED, DeliveryState.UNDELIVERED, DeliveryState.EXPIRED, DeliveryState.REJECTED})


class ErrorCategory(enum.StrEnum):
    """What kind of failure a provider error code means; each category has its exception class."""

    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    INVALID_REQUEST = "invalid_request"
    INVALID_RECIPIENT = "invalid_recipient"
    INVALID_SENDER = "invalid_sender"
    MESSAGE_TOO_LONG = "message_too_long"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    RATE_LIMIT = "rate_limit"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"
    UNKNOWN = "unknown"
