"""The provider-neutral result types of the Gateway: what became of each recipient of a send, a send's report,
and a message's delivery status. Shared by `smsgate._gateway` and `smsgate._adapters`, below both. I/O-free."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ._segments import Segments
from ._types import DeliveryState, ErrorCategory

__all__ = ["DeliveryStatus", "Outcome", "RecipientOutcome", "SendReport"]


class Outcome(enum.StrEnum):
    """What became of one recipient of a send."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RecipientOutcome:
    """One recipient of a send: as given, as sent, and what happened."""

    recipient: str
    phone: str | None
    outcome: Outcome
    message_id: str | None = None
    #: Why it was not accepted: the error category (`invalid_recipient`, `insufficient_funds`, …).
    reason: ErrorCategory | None = None
    #: The provider's code (or "validation" / the transport error's name) and its description.
    code: str | None = None
    detail: str | None = None
    #: The key of the request this recipient went out in (``<key>.<batch>``, what `Gateway.reconcile`
    #: takes); None when no request was made for it (rejected by validation).
    request_key: str | None = None
    #: The id the provider knows this recipient's message by, as the client chose it: SMSC's client id
    #: (``id``, the request key), SMSLeads' external id (``<request key>.<n>``); None for providers that
    #: take no client-side id (LetsAds, SMSClub). With it an `unknown` outcome can be looked up later.
    external_id: str | None = None


# The slots' own setters: what the frozen dataclass's __init__ reaches through `object.__setattr__` by name, once
# per field (1.3 µs for the nine); called directly, 0.8 µs. One outcome per recipient of a bulk send.
(
    _set_recipient,
    _set_phone,
    _set_outcome,
    _set_message_id,
    _set_reason,
    _set_code,
    _set_detail,
    _set_request_key,
    _set_external_id,
) = (getattr(RecipientOutcome, name).__set__ for name in RecipientOutcome.__slots__)


def accepted_outcome(
    recipient: str, phone: str, message_id: str | None, request_key: str | None, external_id: str | None
) -> RecipientOutcome:
    """``RecipientOutcome(recipient, phone, Outcome.ACCEPTED, message_id, request_key=…, external_id=…)``,
    built without the per-field `object.__setattr__` of a frozen dataclass's __init__."""
    new = object.__new__(RecipientOutcome)
    _set_recipient(new, recipient)
    _set_phone(new, phone)
    _set_outcome(new, Outcome.ACCEPTED)
    _set_message_id(new, message_id)
    _set_reason(new, None)
    _set_code(new, None)
    _set_detail(new, None)
    _set_request_key(new, request_key)
    _set_external_id(new, external_id)
    return new


@dataclass(frozen=True, slots=True)
class SendReport:
    """The outcome of every recipient, in input order, and the parts each message takes."""

    outcomes: tuple[RecipientOutcome, ...]
    segments: Segments
    provider: str
    #: The send's key: the caller's, or the one `Gateway.send` generated. Each request's key is
    #: ``<key>.<batch>`` (see `RecipientOutcome.request_key`).
    key: str = ""

    def _of(self, kind: Outcome) -> tuple[RecipientOutcome, ...]:
        return tuple(o for o in self.outcomes if o.outcome is kind)

    @property
    def accepted(self) -> tuple[RecipientOutcome, ...]:
        return self._of(Outcome.ACCEPTED)

    @property
    def rejected(self) -> tuple[RecipientOutcome, ...]:
        return self._of(Outcome.REJECTED)

    @property
    def failed(self) -> tuple[RecipientOutcome, ...]:
        return self._of(Outcome.FAILED)

    @property
    def unknown(self) -> tuple[RecipientOutcome, ...]:
        return self._of(Outcome.UNKNOWN)

    @property
    def parts(self) -> int:
        """Message parts the accepted recipients are billed for (parts per message × accepted)."""
        return self.segments.parts * len(self.accepted)


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """A message's provider-neutral state, with the provider's own status kept."""

    message_id: str
    state: DeliveryState
    raw_status: str
    provider: str
