"""Typed results shared by the provider clients."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, NamedTuple, TypeVar

from ._types import DeliveryState

__all__ = [
    "Balance",
    "BlacklistEntry",
    "BlacklistRemoval",
    "CommandResult",
    "ContactListEntry",
    "ContactListResult",
    "CreditBalance",
    "DeliveryReport",
    "IncomingMessage",
    "MessageStatus",
    "RejectedRecipient",
    "SendResult",
    "SentMessage",
    "Shipment",
    "SmscBalance",
    "SmscEstimate",
    "SmscMessageStatus",
    "SmscSendResult",
    "SmscSubclient",
    "SmscSubclientDetailedStats",
    "SmscSubclientStats",
    "SmscSubclientStatsLine",
    "SubAccountBalance",
]

S = TypeVar("S", bound=enum.Enum)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One recipient of an accepted send and the id the provider gave its message."""

    recipient: str
    message_id: str


# The slots' own setters (as `smsgate._outcomes.accepted_outcome` uses them): what the frozen dataclass's
# __init__ reaches through `object.__setattr__` by name, once per field; called directly, 0.39 µs instead of
# 0.58 µs. One per recipient of an accepted send.
_set_sent_recipient, _set_sent_message_id = (getattr(SentMessage, name).__set__ for name in SentMessage.__slots__)


def sent_message(recipient: str, message_id: str) -> SentMessage:
    """``SentMessage(recipient, message_id)``, built without the per-field `object.__setattr__` of a frozen
    dataclass's __init__."""
    new = object.__new__(SentMessage)
    _set_sent_recipient(new, recipient)
    _set_sent_message_id(new, message_id)
    return new


class RejectedRecipient(NamedTuple):
    """A recipient the provider refused while it accepted others (partial success), and its reason."""

    recipient: str
    #: The provider's text, e.g. "Incorrect phone number".
    reason: str


@dataclass(frozen=True, slots=True)
class SendResult:
    """The messages a send created, in the order of the recipients given.

    ``rejected`` lists the recipients the provider refused in a request it otherwise accepted (SMSClub:
    partial success is normal); nothing was sent to them. Empty for providers that accept all or nothing.
    """

    messages: tuple[SentMessage, ...]
    description: str | None = None
    rejected: tuple[RejectedRecipient, ...] = ()

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


# -- SMSLeads (credits, shipments, delivery reports, contact lists) ---------------------------------------


@dataclass(frozen=True, slots=True)
class Shipment:
    """An accepted send: the provider's id of the whole shipment (every recipient of the request)."""

    shipment_id: str
    #: The provider's text, e.g. "SMS will be sent".
    description: str | None = None


@dataclass(frozen=True, slots=True)
class CreditBalance:
    """An account balance counted in credits (whole units), not money."""

    credits: int
    description: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport(Generic[S]):
    """The delivery report of one recipient that was given an external id when it was sent."""

    external_id: str
    shipment_id: str
    #: The provider's status; None when the provider sent a code its documents do not list.
    status: S | None
    #: The status code exactly as the provider sent it.
    raw_status: str
    state: DeliveryState
    #: The provider's text of the status, in Hebrew and in English.
    text_he: str
    text_en: str
    #: When the status was reached, as the provider states it (naive: the provider's local time).
    reported_at: datetime

    @property
    def is_final(self) -> bool:
        return self.state.is_final


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A message someone sent to one of the account's numbers."""

    sender: str
    recipient: str
    text: str
    #: Naive: the provider's local time.
    received_at: datetime


@dataclass(frozen=True, slots=True)
class BlacklistEntry:
    """A phone on the account's blocked list and when it was blocked (naive: the provider's local time)."""

    phone: str
    blocked_at: datetime


@dataclass(frozen=True, slots=True)
class BlacklistRemoval:
    """The outcome of removing phones from the blocked list.

    ``removed`` and ``not_listed`` are read from the provider's text ("X phone numbers successfully deleted,
    Y phone numbers not exist in blacklist"); None when the text does not say.
    """

    description: str
    removed: int | None = None
    not_listed: int | None = None


@dataclass(frozen=True, slots=True)
class SubAccountBalance:
    """The credits of one sub-account."""

    sub_account_id: str
    name: str
    credits: int


@dataclass(frozen=True, slots=True)
class ContactListEntry:
    """One row of a stored contact list: the list and one of its phones (None for an empty list)."""

    list_id: int
    name: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class ContactListResult:
    """A contact-list change the provider accepted, possibly only in part.

    ``errors`` holds what it did not do (the provider still answers success then): check `complete`.
    ``list_ids`` are the ids of the lists created (create only).
    """

    description: str
    errors: tuple[str, ...] = ()
    list_ids: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        """True when nothing of the request was refused."""
        return not self.errors


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A command the provider accepted, with its text (e.g. "Campaign successfully cancelled")."""

    description: str


# -- SMSC (one id per send with cost and balance, detailed statuses, sub-clients) ---------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SmscSendResult(SendResult):
    """An accepted SMSC send. SMSC gives ONE message id to the whole send: every recipient's message has
    it, and a message is identified by the id and its phone (``status(message_id, phone)``).

    ``duplicate`` is True when the SDK repeated the send after a lost reply and SMSC refused the repeat as
    a duplicate (error 9) of the first attempt: that attempt was accepted, under ``message_id`` (the
    ``client_id`` given), but its ``parts``, ``cost`` and ``balance`` are unknown (None).
    """

    message_id: str
    #: The SMS parts billed, over all recipients.
    parts: int | None
    #: What the send cost, in the account currency.
    cost: Decimal | None = None
    #: The account balance after the send.
    balance: Decimal | None = None
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class SmscEstimate:
    """What a send would cost (SMSC ``cost=1``): nothing was sent."""

    cost: Decimal
    parts: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SmscMessageStatus(MessageStatus[S]):
    """The status of one SMSC message (id + phone), with what SMSC adds at ``detail`` 1 and 2.

    Times are timezone-aware (SMSC states them in Moscow time, UTC+3, or as Unix timestamps).
    """

    phone: str
    #: The operator's error sub-code (``err``) of an undelivered message, e.g. 1 "Subscriber absent".
    error_code: int | None = None
    #: Its description from the error table, when the code is documented.
    error_description: str | None = None
    #: The status as SMSC words it, in the account's language.
    status_name: str | None = None
    #: When the status last changed.
    changed_at: datetime | None = None
    #: When the message was sent (detail >= 1).
    sent_at: datetime | None = None
    cost: Decimal | None = None
    sender: str | None = None
    text: str | None = None
    #: detail = 2: where the recipient is.
    country: str | None = None
    operator: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SmscBalance(Balance):
    """The SMSC account balance (may be negative on an account with credit) and its credit limit."""

    credit: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SmscSubclient:
    """A sub-client SMSC created: the id it assigned and the login given."""

    subclient_id: str
    login: str


@dataclass(frozen=True, slots=True)
class SmscSubclientStats:
    """One sub-client's totals for a period (users.php ``get_stat``).

    ``credit`` and ``debit`` are SMSC's own field names (its page's legend swaps their meanings).
    """

    login: str
    messages: int
    credit: Decimal
    debit: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class SmscSubclientStatsLine:
    """One operation and operator line of a sub-client's detailed statistics (``get_stat_all``)."""

    description: str
    operator: str
    #: The country code (MCC) followed by the operator code (MNC); may be empty.
    mccmnc: str
    messages: int
    credit: Decimal
    debit: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class SmscSubclientDetailedStats:
    """A sub-client and its lines for a period (users.php ``get_stat_all``)."""

    login: str
    lines: tuple[SmscSubclientStatsLine, ...]
