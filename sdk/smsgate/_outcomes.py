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
