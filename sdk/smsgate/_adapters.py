"""How the provider-neutral `Gateway` speaks to each provider's client. I/O-free: an adapter only builds the
call (the Gateway runs or awaits it) and maps results; one adapter serves both the sync and async client."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, ClassVar

from ._convert import phone_international
from ._exceptions import InvalidRecipientError, ValidationError
from ._gateway import DeliveryStatus, Outcome, RecipientOutcome
from ._results import Balance, MessageStatus, SendResult

__all__ = ["Adapter", "adapter_by_name", "adapter_for"]


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

    def send(self, client: Any, phones: list[str], text: str, sender: str | None) -> Any:
        raise NotImplementedError

    def outcomes(self, phones: Sequence[str], result: Any) -> list[RecipientOutcome]:
        """One outcome per phone of an accepted request, from the client's `SendResult` by position."""
        assert isinstance(result, SendResult)
        by_phone = {m.recipient: m.message_id for m in result.messages}
        return [
            RecipientOutcome(p, p, Outcome.ACCEPTED, message_id=by_phone[p])
            if p in by_phone
            else RecipientOutcome(p, p, Outcome.UNKNOWN, code="missing", detail="no message id in the reply")
            for p in phones
        ]

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

    def send(self, client: Any, phones: list[str], text: str, sender: str | None) -> Any:
        if not sender:
            raise ValidationError("LetsAds needs a sender name: Gateway(..., sender=...) or send(..., sender=...)")
        return client.send(phones, text, sender=sender)

    def status(self, client: Any, ids: list[str]) -> Any:
        (message_id,) = ids
        return client.status(message_id)


_ADAPTERS: dict[str, Adapter] = {a.provider: a for a in (LetsAdsAdapter(),)}


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
