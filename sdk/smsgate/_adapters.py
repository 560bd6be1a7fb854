"""How the provider-neutral `Gateway` speaks to each provider's client. I/O-free: an adapter only builds the
call (the Gateway runs or awaits it) and maps results; one adapter serves both the sync and async client."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from ._convert import phone_international, phone_israel_local
from ._exceptions import InvalidRecipientError, ValidationError
from ._outcomes import DeliveryStatus, Outcome, RecipientOutcome, accepted_outcome
from ._results import Balance, MessageStatus, SendResult
from ._types import DeliveryState, ErrorCategory

__all__ = ["Adapter", "adapter_by_name", "adapter_for", "chunks"]


T = TypeVar("T")


def chunks(items: list[T], size: int) -> list[list[T]]:
    """`items` in consecutive lists of at most `size` (the provider's per-request limit)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class Adapter:
    """The provider-specific half of the Gateway. Subclasses set the class attributes and override what differs."""

    provider: ClassVar[str]
    #: Module and class names of the sync client; the async one is ``Async`` + the name.
    client_module: ClassVar[str]
    client_name: ClassVar[str]
    max_recipients: ClassVar[int]

    def client_class(self, asynchronous: bool) -> type[Any]:
        module = importlib.import_module(self.client_module)
        return getattr(module, ("Async" if asynchronous else "") + self.client_name)  # type: ignore[no-any-return]

    def is_async(self, client: Any) -> bool:
        return isinstance(client, self.client_class(True))

    def owns(self, client: Any) -> bool:
        return getattr(client, "provider", None) == self.provider

    def credentials_from_url(self, user: str | None, password: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def normalize(self, phone: str) -> str:
        return phone_international(phone, field="recipient")

    # -- send ---------------------------------------------------------------------------------

    def send(self, client: Any, phones: list[str], text: str, sender: str | None, key: str) -> Any:
        """The client call sending one request. `key` is unique to this request (the Gateway makes one,
        or the caller gives it, e.g. a campaign): providers that accept a client-side id use it, which is
        what makes a lost reply reconcilable."""
        raise NotImplementedError

    def outcomes(
        self, recipients: Sequence[str], phones: Sequence[str], result: Any, key: str
    ) -> list[RecipientOutcome]:
        """One outcome per recipient of an accepted request (as given, and its `phones`: as sent), from the
        client's `SendResult`, each with the request's `key` and its external id; the recipients a provider
        refused inside an accepted request (`SendResult.rejected`) are rejected."""
        assert isinstance(result, SendResult)
        by_phone = {m.recipient: m.message_id for m in result.messages}
        refused = {r.recipient: r.reason for r in result.rejected}
        outcomes = []
        for i, (recipient, p) in enumerate(zip(recipients, phones, strict=True)):
            ext = self.external_id(key, i)
            if p in by_phone:
                outcome = accepted_outcome(recipient, p, by_phone[p], key, ext)
            elif p in refused:
                outcome = RecipientOutcome(
                    recipient,
                    p,
                    Outcome.REJECTED,
                    reason=ErrorCategory.INVALID_RECIPIENT,
                    code="rejected",
                    detail=refused[p],
                    request_key=key,
                    external_id=ext,
                )
            else:
                outcome = RecipientOutcome(
                    recipient,
                    p,
                    Outcome.UNKNOWN,
                    code="missing",
                    detail="no message id in the reply",
                    request_key=key,
                    external_id=ext,
                )
            outcomes.append(outcome)
        return outcomes

    def external_id(self, request_key: str, index: int) -> str | None:
        """The id the provider knows the `index`-th recipient of a request by, as the client chose it (a
        client id, an external id), or None when the provider takes none."""
        return None

    def bad_recipient(self, error: InvalidRecipientError, phones: Sequence[str]) -> int | None:
        """The index of the number a provider's error names, when it names exactly one of the request."""
        if error.detail and error.detail in phones:
            return phones.index(error.detail)
        return None

    # -- status and balance ---------------------------------------------------------------------

    def status_groups(self, ids: list[str]) -> list[list[str]]:
        return [[i] for i in ids]

    def status(self, client: Any, ids: list[str]) -> Any:
        raise NotImplementedError

    def statuses(self, ids: list[str], result: Any) -> list[DeliveryStatus]:
        assert isinstance(result, MessageStatus)
        return [DeliveryStatus(result.message_id, result.state, result.raw_status, self.provider)]

    def balance(self, client: Any) -> Any:
        return client.balance()

    # -- reconciliation of sends whose reply was lost ------------------------------------------------

    #: Whether the provider can say, after the fact, what became of a request by its client-side key.
    can_reconcile: ClassVar[bool] = False

    def reconcile_groups(self, key: str, phones: list[str]) -> list[list[int]]:
        """The lookups to make, as groups of indexes into `phones` (one provider call each)."""
        return []

    def reconcile(self, client: Any, key: str, phones: list[str], group: list[int]) -> Any:
        raise NotImplementedError

    def reconciled(self, key: str, phones: list[str], group: list[int], result: Any) -> list[RecipientOutcome]:
        """ACCEPTED (the provider has it), FAILED (the provider says it never got it: safe to resend) or
        UNKNOWN (the provider cannot tell), one per index of `group`."""
        raise NotImplementedError

    def to_balance(self, result: Any) -> Balance:
        assert isinstance(result, Balance)
        return result


class LetsAdsAdapter(Adapter):
    """LetsAds: 50 recipients a request, one status id a request, a sender is required.

    URL: ``letsads://LOGIN:PASSWORD@`` (login = the account phone number).
    """

    provider = "letsads"
    client_module = "smsgate_generated.letsads.client"
    client_name = "LetsAds"
    max_recipients = 50

    def credentials_from_url(self, user: str | None, password: str | None) -> dict[str, Any]:
        if not user or not password:
            raise ValueError("letsads:// URL needs LOGIN:PASSWORD@")
        return {"login": user, "password": password}

    def send(self, client: Any, phones: list[str], text: str, sender: str | None, key: str) -> Any:
        return client.send(phones, text, sender=_required_sender(self.provider, sender))

    def status(self, client: Any, ids: list[str]) -> Any:
        (message_id,) = ids
        return client.status(message_id)


def _required_sender(provider: str, sender: str | None) -> str:
    if not sender:
        raise ValidationError(f"{provider} needs a sender name: Gateway(..., sender=...) or send(..., sender=...)")
    return sender


class SmsLeadsAdapter(Adapter):
    """SMSLeads: Israeli numbers in the local form; one shipment id per request, so every recipient is sent
    with an external id (``<key>.<n>``) and that external id is the gateway's message id: statuses come
    from the delivery reports by external id.

    URL: ``smsleads://USERNAME:TOKEN@``.
    """

    provider = "smsleads"
    client_module = "smsgate_generated.smsleads.client"
    client_name = "SmsLeads"
    #: Not stated by the provider; a conservative request size.
    max_recipients = 100
    max_reports = 1000

    def credentials_from_url(self, user: str | None, password: str | None) -> dict[str, Any]:
        if not user or not password:
            raise ValueError("smsleads:// URL needs USERNAME:TOKEN@")
        return {"username": user, "token": password}

    def normalize(self, phone: str) -> str:
        return phone_israel_local(phone, field="recipient")

    def send(self, client: Any, phones: list[str], text: str, sender: str | None, key: str) -> Any:
        from ._providers.smsleads import Recipient

        recipients = [Recipient(p, f"{key}.{i}") for i, p in enumerate(phones)]
        return client.send(recipients, text, sender=_required_sender(self.provider, sender))

    def outcomes(
        self, recipients: Sequence[str], phones: Sequence[str], result: Any, key: str
    ) -> list[RecipientOutcome]:
        outcomes = []
        for i, (recipient, p) in enumerate(zip(recipients, phones, strict=True)):
            mid = self.external_id(key, i)  # the external id is the message id
            outcomes.append(accepted_outcome(recipient, p, mid, key, mid))
        return outcomes

    def external_id(self, request_key: str, index: int) -> str | None:
        return f"{request_key}.{index}"

    def status_groups(self, ids: list[str]) -> list[list[str]]:
        return chunks(ids, self.max_reports)

    def status(self, client: Any, ids: list[str]) -> Any:
        now = datetime.now(UTC)
        # The provider answers ranges of at most a week, up to a year back: the last six days and a half
        # (the end a little ahead, for the provider's clock; under a week even across a daylight-saving change).
        return client.delivery_reports(ids, start=now - timedelta(days=6), end=now + timedelta(hours=12))

    def statuses(self, ids: list[str], result: Any) -> list[DeliveryStatus]:
        by_id = {r.external_id: r for r in result}
        out = []
        for i in ids:
            report = by_id.get(i)
            if report is None:
                out.append(DeliveryStatus(i, DeliveryState.UNKNOWN, "", self.provider))
            else:
                out.append(DeliveryStatus(i, report.state, report.raw_status, self.provider))
        return out

    def to_balance(self, result: Any) -> Balance:
        return Balance(amount=Decimal(result.credits), currency="credits")

    # A lost send is found again by its recipients' external ids; a missing report proves nothing (it may
    # not exist yet), so only acceptances are reconciled.
    can_reconcile = True

    def reconcile_groups(self, key: str, phones: list[str]) -> list[list[int]]:
        return [list(range(len(phones)))]

    def reconcile(self, client: Any, key: str, phones: list[str], group: list[int]) -> Any:
        return self.status(client, [f"{key}.{i}" for i in group])

    def reconciled(self, key: str, phones: list[str], group: list[int], result: Any) -> list[RecipientOutcome]:
        found = {r.external_id for r in result}
        out = []
        for i in group:
            mid = f"{key}.{i}"
            kind = Outcome.ACCEPTED if mid in found else Outcome.UNKNOWN
            out.append(RecipientOutcome(phones[i], phones[i], kind, message_id=mid if mid in found else None))
        return out


class SmsClubAdapter(Adapter):
    """SMSClub: 100 recipients and 100 status ids a request; partial success is normal (the refused
    recipients of an accepted request are rejected, the others accepted).

    URL: ``smsclub://TOKEN@`` (or ``smsclub://:TOKEN@``).
    """

    provider = "smsclub"
    client_module = "smsgate_generated.smsclub.client"
    client_name = "SmsClub"
    max_recipients = 100

    def credentials_from_url(self, user: str | None, password: str | None) -> dict[str, Any]:
        token = password or user
        if not token:
            raise ValueError("smsclub:// URL needs TOKEN@")
        return {"token": token}

    def normalize(self, phone: str) -> str:
        digits = phone_international(phone, field="recipient")
        if not 10 <= len(digits) <= 15:  # the schema's rule: one bad number must not sink its whole request
            raise ValidationError(f"recipient: {phone!r} has {len(digits)} digits; SMSClub takes 10..15")
        return digits

    def send(self, client: Any, phones: list[str], text: str, sender: str | None, key: str) -> Any:
        return client.send(phones, text, sender=_required_sender(self.provider, sender))

    def status_groups(self, ids: list[str]) -> list[list[str]]:
        return chunks(ids, 100)

    def status(self, client: Any, ids: list[str]) -> Any:
        return client.status(ids)

    def statuses(self, ids: list[str], result: Any) -> list[DeliveryStatus]:
        return [DeliveryStatus(i, s.state, s.raw_status, self.provider) for i, s in zip(ids, result, strict=True)]


class SmscAdapter(Adapter):
    """SMSC: one id per send, so a message is the id plus its phone: the gateway's message id is
    ``"<id>:<phone>"``. Every request carries the request key as SMSC's client id (``id``), so a send whose
    reply was lost is repeated safely (SMSC refuses the duplicate) and can be reconciled by status.

    URL: ``smsc://LOGIN:PASSWORD@`` or ``smsc://:API_KEY@``.
    """

    provider = "smsc"
    client_module = "smsgate_generated.smsc.client"
    client_name = "Smsc"
    #: Not stated by the provider for send; a conservative request size.
    max_recipients = 100

    def credentials_from_url(self, user: str | None, password: str | None) -> dict[str, Any]:
        if user and password:
            return {"login": user, "password": password}
        if password:
            return {"api_key": password}
        raise ValueError("smsc:// URL needs LOGIN:PASSWORD@ or :API_KEY@")

    def send(self, client: Any, phones: list[str], text: str, sender: str | None, key: str) -> Any:
        return client.send(phones, text, sender=sender, client_id=key)

    def outcomes(
        self, recipients: Sequence[str], phones: Sequence[str], result: Any, key: str
    ) -> list[RecipientOutcome]:
        sent_id = result.message_id
        ext = self.external_id(key, 0)  # the same for every recipient: the request's client id
        return [
            accepted_outcome(recipient, p, f"{sent_id}:{p}", key, ext)
            for recipient, p in zip(recipients, phones, strict=True)
        ]

    def external_id(self, request_key: str, index: int) -> str | None:
        return request_key  # the client id (``id``) of the whole request

    def status_groups(self, ids: list[str]) -> list[list[str]]:
        return [[i] for i in ids]

    def status(self, client: Any, ids: list[str]) -> Any:
        (composite,) = ids
        message_id, _, phone = composite.rpartition(":")
        if not message_id or not phone:
            raise ValidationError(f"SMSC message ids given to a Gateway are '<id>:<phone>', not {composite!r}")
        return client.status(message_id, phone)

    def statuses(self, ids: list[str], result: Any) -> list[DeliveryStatus]:
        (composite,) = ids
        return [DeliveryStatus(composite, result.state, result.raw_status, self.provider)]

    # A lost send is looked up by its client id and each phone: status -3 means SMSC has no such message,
    # i.e. the request never arrived, so the recipient may be sent again.
    can_reconcile = True

    def reconcile_groups(self, key: str, phones: list[str]) -> list[list[int]]:
        return [[i] for i in range(len(phones))]

    def reconcile(self, client: Any, key: str, phones: list[str], group: list[int]) -> Any:
        (i,) = group
        return client.status(key, phones[i])

    def reconciled(self, key: str, phones: list[str], group: list[int], result: Any) -> list[RecipientOutcome]:
        (i,) = group
        phone = phones[i]
        if result.raw_status.strip() == "-3":
            return [RecipientOutcome(phone, phone, Outcome.FAILED, code="-3", detail="SMSC has no such message")]
        return [RecipientOutcome(phone, phone, Outcome.ACCEPTED, message_id=f"{key}:{phone}")]


_ADAPTERS: dict[str, Adapter] = {
    a.provider: a for a in (LetsAdsAdapter(), SmsLeadsAdapter(), SmsClubAdapter(), SmscAdapter())
}


def new_key() -> str:
    """A request key: unique, short, and within every provider's client-id alphabet (SMSC: 40 of A-Za-z0-9._-)."""
    return uuid.uuid4().hex[:24]


def adapter_by_name(name: str) -> Adapter:
    try:
        return _ADAPTERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; known: {', '.join(sorted(_ADAPTERS))}") from None


def adapter_for(client: Any) -> Adapter:
    for adapter in _ADAPTERS.values():
        if adapter.owns(client):
            return adapter
    raise TypeError(f"Gateway does not know the client {type(client).__name__}")
