"""Typed results shared by the provider clients."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

from ._types import DeliveryState

__all__ = ["Balance", "MessageStatus", "SendResult", "SentMessage"]

S = TypeVar("S", bound=enum.Enum)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One recipient of an accepted send and the id the provider gave its message."""

    recipient: str
    message_id: str


@dataclass(frozen=True, slots=True)
class SendResult:
    """The messages a send created, in the order of the recipients given."""

    messages: tuple[SentMessage, ...]
    description: str | None = None

    @property
    def message_ids(self) -> tuple[str, ...]:
        return tuple(m.message_id for m in self.messages)

    def __len__(self) -> int:
        return len(self.messages)


@dataclass(frozen=True, slots=True)
class MessageStatus(Generic[S]):
    """The status of one message: the provider's own value and the provider-neutral state."""

    message_id: str
    #: The provider's status; None when the provider sent a value its documents do not list.
    status: S | None
    #: The status exactly as the provider sent it.
    raw_status: str
    state: DeliveryState
    checked_at: datetime | None = field(default=None, compare=False)

    @property
    def is_final(self) -> bool:
        return self.state.is_final


@dataclass(frozen=True, slots=True)
class Balance:
    """Money on the account. ``currency`` is the account currency as the provider names it."""

    amount: Decimal
    currency: str | None
