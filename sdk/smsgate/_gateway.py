"""`Gateway` / `AsyncGateway`: one provider-neutral way to send, ask statuses and read the balance.

The logic is written once, as generators that *yield* the provider calls they need and receive each call's
result (or exception) back — the way httpx drives `Auth.auth_flow`. `Gateway` runs the calls directly,
`AsyncGateway` awaits them; nothing else differs.

Per recipient, before anything is sent: the number is normalised to the provider's form (with
`phonenumbers`), and a number that cannot be is *rejected* without costing a request. Lists longer than
the provider takes per request are split; outcomes come back in input order, one per recipient:

* ``accepted`` — the provider took it and gave a message id;
* ``rejected`` — the provider (or validation) refused it; nothing was sent to that recipient;
* ``failed``   — not sent (the provider could not be reached, or refused the whole request for a reason
  that is not the recipient's, e.g. no money); safe to try again;
* ``unknown``  — the request may have reached the provider but no usable reply came back: the message may
  have been sent. Never resent automatically.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from ._adapters import Adapter, adapter_by_name, adapter_for, chunks, new_key
from ._convert import check_region, default_region
from ._exceptions import (
    InvalidRecipientError,
    ProviderError,
    SmsGateError,
    TransportError,
    ValidationError,
)
from ._outcomes import DeliveryStatus, Outcome, RecipientOutcome, SendReport
from ._results import Balance
from ._segments import Segments, analyze
from ._types import ErrorCategory

if TYPE_CHECKING:
    from typing import TypeAlias

    from smsgate_generated.letsads.client import AsyncLetsAds, LetsAds
    from smsgate_generated.smsc.client import AsyncSmsc, Smsc
    from smsgate_generated.smsclub.client import AsyncSmsClub, SmsClub
    from smsgate_generated.smsleads.client import AsyncSmsLeads, SmsLeads

    #: The clients a `Gateway` / an `AsyncGateway` can drive.
    SyncProviderClient: TypeAlias = LetsAds | SmsLeads | SmsClub | Smsc
    AsyncProviderClient: TypeAlias = AsyncLetsAds | AsyncSmsLeads | AsyncSmsClub | AsyncSmsc

__all__ = [
    "AsyncGateway",
    "DeliveryStatus",
    "Gateway",
    "Outcome",
    "RecipientOutcome",
    "SendReport",
]

R = TypeVar("R")
Call = Callable[[], Any]
Flow = Generator[Call, Any, R]


class _Planned(NamedTuple):
    position: int  # in the input list
    recipient: str
    phone: str


@dataclass(slots=True)
class _Plan:
    outcomes: list[RecipientOutcome | None]
    batches: list[list[_Planned]] = field(default_factory=list)


class _GatewayBase:
    """The provider-neutral logic, I/O-free: plans, flows of provider calls, outcome mapping."""

    client: Any

    def __init__(self, client: object, *, sender: str | None = None, default_region: str | None = None) -> None:
        self._adapter: Adapter = adapter_for(client)
        self._check_client(client)
        self.client = client
        self.sender = sender
        #: The country national numbers are read in (ISO 3166, e.g. "UA"); not given: the client's.
        self.default_region: str | None = (
            check_region(default_region) if default_region is not None else getattr(client, "default_region", None)
        )

    def _check_client(self, client: object) -> None:
        raise NotImplementedError

    @property
    def provider(self) -> str:
        return self._adapter.provider

    @property
    def max_recipients(self) -> int:
        """Recipients the provider takes in one request; longer lists are split."""
        return self._adapter.max_recipients

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.client!r}, sender={self.sender!r})"

    # -- planning (no I/O) ---------------------------------------------------------------------

    def normalize(self, phone: str) -> str:
        """A phone number in the provider's form; `ValidationError` when it is not a valid number."""
        with default_region(self.default_region):
            return self._adapter.normalize(phone)

    def plan(self, text: str) -> Segments:
        """Encoding (GSM-7 or UCS-2) and parts of a text, to show or estimate cost before sending."""
        return analyze(text)

    def _plan(self, to: Sequence[str]) -> _Plan:
        outcomes: list[RecipientOutcome | None] = [None] * len(to)
        valid: list[_Planned] = []
        normalize = self._adapter.normalize
        new = tuple.__new__  # a `_Planned` from its fields' tuple, without the named tuple's Python `__new__`
        with default_region(self.default_region):  # as `normalize`, entered once for the whole list
            for i, recipient in enumerate(to):
                try:
                    valid.append(new(_Planned, (i, recipient, normalize(recipient))))
                except ValidationError as exc:
                    outcomes[i] = RecipientOutcome(
                        recipient,
                        None,
                        Outcome.REJECTED,
                        reason=ErrorCategory.INVALID_RECIPIENT,
                        code="validation",
                        detail=str(exc),
                    )
        size = self._adapter.max_recipients
        return _Plan(outcomes, chunks(valid, size))

    # -- flows (yield provider calls, receive results) -----------------------------------------

    def _send_flow(
        self, to: str | Sequence[str], text: str, sender: str | None, key: str | None = None
    ) -> Flow[SendReport]:
        recipients = [to] if isinstance(to, str) else list(to)
        sender = sender if sender is not None else self.sender
        segments = analyze(text)
        plan = self._plan(recipients)
        adapter = self._adapter
        # The send's key: the caller's (a campaign's) or a fresh one, kept in the report so that a caller can
        # reconcile an `unknown` outcome later.
        key = key or new_key()
        for number, batch in enumerate(plan.batches):
            attempt = 0
            while batch:
                phones = [p.phone for p in batch]
                # One key per request: the send's key suffixed per batch and attempt.
                request_key = f"{key}.{number}" + (f".{attempt}" if attempt else "")
                attempt += 1
                try:
                    result = yield lambda phones=phones, k=request_key: adapter.send(  # type: ignore[misc]
                        self.client, phones, text, sender, k
                    )
                except InvalidRecipientError as exc:
                    bad = adapter.bad_recipient(exc, phones)
                    if bad is not None and exc.not_sent:
                        # The provider names one bad number and sent nothing: drop it, send the rest.
                        planned = batch.pop(bad)
                        plan.outcomes[planned.position] = self._keyed(
                            _refused(planned, exc, Outcome.REJECTED), request_key, bad
                        )
                        continue
                    self._settle(plan, batch, exc, request_key)
                    break
                except SmsGateError as exc:
                    self._settle(plan, batch, exc, request_key)
                    break
                else:
                    outcomes = adapter.outcomes([p.recipient for p in batch], phones, result, request_key)
                    for planned, outcome in zip(batch, outcomes, strict=True):
                        plan.outcomes[planned.position] = outcome
                    break
        done = tuple(o for o in plan.outcomes if o is not None)
        assert len(done) == len(recipients)
        return SendReport(done, segments, adapter.provider, key=key)

    def _keyed(self, outcome: RecipientOutcome, request_key: str, index: int) -> RecipientOutcome:
        """The outcome with the keys its request carried: the request key, and the id the provider knows the
        recipient's message by (the `index`-th recipient of the request)."""
        return dataclasses.replace(
            outcome, request_key=request_key, external_id=self._adapter.external_id(request_key, index)
        )

    def _settle(self, plan: _Plan, batch: Iterable[_Planned], exc: SmsGateError, request_key: str) -> None:
        kind = _outcome_of(exc)
        for i, planned in enumerate(batch):
            plan.outcomes[planned.position] = self._keyed(_refused(planned, exc, kind), request_key, i)

    def _status_flow(self, message_ids: str | Sequence[str]) -> Flow[list[DeliveryStatus]]:
        ids = [message_ids] if isinstance(message_ids, str) else list(message_ids)
        statuses: list[DeliveryStatus] = []
        for group in self._adapter.status_groups(ids):
            result = yield lambda group=group: self._adapter.status(self.client, group)  # type: ignore[misc]
            statuses.extend(self._adapter.statuses(group, result))
        return statuses

    @property
    def can_reconcile(self) -> bool:
        """Whether `reconcile` can learn anything from this provider (SMSC and SMSLeads can)."""
        return self._adapter.can_reconcile

    def _reconcile_flow(self, key: str, phones: Sequence[str]) -> Flow[list[RecipientOutcome]]:
        phones = list(phones)
        outcomes = [RecipientOutcome(p, p, Outcome.UNKNOWN) for p in phones]
        for group in self._adapter.reconcile_groups(key, phones):
            try:
                result = yield lambda group=group: self._adapter.reconcile(self.client, key, phones, group)  # type: ignore[misc]
            except SmsGateError:
                continue  # the lookup failed: those recipients stay unknown
            for i, outcome in zip(group, self._adapter.reconciled(key, phones, group, result), strict=True):
                outcomes[i] = outcome
        return outcomes

    def _balance_flow(self) -> Flow[Balance]:
        result = yield lambda: self._adapter.balance(self.client)
        return self._adapter.to_balance(result)


def _outcome_of(exc: SmsGateError) -> Outcome:
    if isinstance(exc, ValidationError):
        return Outcome.REJECTED
    if isinstance(exc, ProviderError):
        if not exc.not_sent:
            return Outcome.UNKNOWN
        if exc.category in (ErrorCategory.INVALID_RECIPIENT, ErrorCategory.MESSAGE_TOO_LONG):
            return Outcome.REJECTED
        return Outcome.FAILED
    if isinstance(exc, TransportError) and not exc.may_have_reached:
        return Outcome.FAILED
    return Outcome.UNKNOWN  # reply lost or unreadable: it may have been sent


def _refused(planned: _Planned, exc: SmsGateError, kind: Outcome) -> RecipientOutcome:
    if isinstance(exc, ProviderError):
        return RecipientOutcome(
            planned.recipient,
            planned.phone,
            kind,
            reason=exc.category,
            code=exc.raw_code,
            # The provider's own words when it gave any (e.g. which field), else the error table's.
            detail=exc.provider_message or exc.description,
        )
    code = "validation" if isinstance(exc, ValidationError) else type(exc).__name__
    reason = ErrorCategory.INVALID_REQUEST if isinstance(exc, ValidationError) else None
    return RecipientOutcome(planned.recipient, planned.phone, kind, reason=reason, code=code, detail=str(exc))


def _run_sync(flow: Flow[R]) -> R:
    try:
        call = next(flow)
        while True:
            try:
                result = call()
            except SmsGateError as exc:
                call = flow.throw(exc)
            else:
                call = flow.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _run_async(flow: Flow[R]) -> R:
    try:
        call = next(flow)
        while True:
            try:
                result = await call()
            except SmsGateError as exc:
                call = flow.throw(exc)
            else:
                call = flow.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


class Gateway(_GatewayBase):
    """Provider-neutral facade over a sync client (`LetsAds`, …).

    ``Gateway(smsgate.LetsAds(login=..., password=...), sender="Shop")`` or
    ``Gateway.from_url("letsads://LOGIN:PASSWORD@?sender=Shop")``.
    """

    client: SyncProviderClient

    def __init__(
        self, client: SyncProviderClient, *, sender: str | None = None, default_region: str | None = None
    ) -> None:
        super().__init__(client, sender=sender, default_region=default_region)

    def _check_client(self, client: object) -> None:
        if self._adapter.is_async(client):
            raise TypeError("Gateway needs a sync client; use AsyncGateway for an async one")

    @classmethod
    def from_url(cls, url: str, **client_options: object) -> Gateway:
        """Build the client from a URL: ``<provider>[+http]://<credentials>@[host[:port]/path][?sender=…]``.

        See the README for each provider's credentials. ``+http`` (for the emulator) means plain HTTP;
        without a host the provider's default base URL is used. Query options: ``sender``, ``timeout``,
        ``max_retries``, ``default_region`` (``?default_region=UA``: national numbers read as Ukrainian).
        """
        client, sender = _client_from_url(url, asynchronous=False, options=client_options)
        return cls(client, sender=sender)

    @classmethod
    def from_env(cls, variable: str = "SMSGATE_URL", **client_options: object) -> Gateway:
        """`from_url` with the URL of an environment variable (default ``SMSGATE_URL``)."""
        return cls.from_url(_url_from_env(variable), **client_options)

    def send(
        self, to: str | Sequence[str], text: str, *, sender: str | None = None, key: str | None = None
    ) -> SendReport:
        """Send one text to any number of recipients; one outcome per recipient, in input order.

        `key` (optional, up to 24 of A-Z a-z 0-9 . _ -) names this send: each request's client-side id is
        derived from it (``<key>.<batch>``) where the provider takes one (SMSC's ``id``, SMSLeads' external
        ids), so a send whose reply was lost can be looked up later. Without it a random key is used.
        """
        return _run_sync(self._send_flow(to, text, sender, key))

    def status(self, message_ids: str | Sequence[str]) -> list[DeliveryStatus]:
        """Provider-neutral statuses of messages by the ids `send` returned."""
        return _run_sync(self._status_flow(message_ids))

    def reconcile(self, key: str, phones: Sequence[str]) -> list[RecipientOutcome]:
        """What became of a request whose reply was lost, by its request key (``<key>.<batch>`` of a keyed
        `send`) and its phones as sent: ACCEPTED, FAILED (the provider never got it: safe to resend) or
        UNKNOWN (it cannot tell). Providers without lookups answer UNKNOWN for every phone."""
        return _run_sync(self._reconcile_flow(key, phones))

    def balance(self) -> Balance:
        """The account balance as `Decimal` with its currency."""
        return _run_sync(self._balance_flow())

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncGateway(_GatewayBase):
    """Awaitable twin of `Gateway` over an async client (`AsyncLetsAds`, …)."""

    client: AsyncProviderClient

    def __init__(
        self, client: AsyncProviderClient, *, sender: str | None = None, default_region: str | None = None
    ) -> None:
        super().__init__(client, sender=sender, default_region=default_region)

    def _check_client(self, client: object) -> None:
        if not self._adapter.is_async(client):
            raise TypeError("AsyncGateway needs an async client; use Gateway for a sync one")

    @classmethod
    def from_url(cls, url: str, **client_options: object) -> AsyncGateway:
        """As `Gateway.from_url`, building the async client."""
        client, sender = _client_from_url(url, asynchronous=True, options=client_options)
        return cls(client, sender=sender)

    @classmethod
    def from_env(cls, variable: str = "SMSGATE_URL", **client_options: object) -> AsyncGateway:
        return cls.from_url(_url_from_env(variable), **client_options)

    async def send(
        self, to: str | Sequence[str], text: str, *, sender: str | None = None, key: str | None = None
    ) -> SendReport:
        return await _run_async(self._send_flow(to, text, sender, key))

    async def status(self, message_ids: str | Sequence[str]) -> list[DeliveryStatus]:
        return await _run_async(self._status_flow(message_ids))

    async def reconcile(self, key: str, phones: Sequence[str]) -> list[RecipientOutcome]:
        return await _run_async(self._reconcile_flow(key, phones))

    async def balance(self) -> Balance:
        return await _run_async(self._balance_flow())

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> AsyncGateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _url_from_env(variable: str) -> str:
    url = os.environ.get(variable)
    if not url:
        raise ValueError(f"environment variable {variable} is not set")
    return url


_URL_OPTIONS: dict[str, Callable[[str], object]] = {"timeout": float, "max_retries": int, "default_region": str}


def _client_from_url(url: str, *, asynchronous: bool, options: dict[str, object]) -> tuple[Any, str | None]:
    """A client from a gateway URL. The URL (which holds secrets) is never kept or echoed."""
    parts = urlsplit(url)
    scheme, _, transport = parts.scheme.partition("+")
    if transport not in ("", "http", "https"):
        raise ValueError(f"gateway URL: unknown transport {transport!r} (use +http or +https)")
    adapter = adapter_by_name(scheme)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    kwargs: dict[str, Any] = adapter.credentials_from_url(user, password)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    sender = query.pop("sender", None)
    for key, convert in _URL_OPTIONS.items():
        if key in query:
            kwargs[key] = convert(query.pop(key))
    if query:
        raise ValueError(f"gateway URL: unknown options {sorted(query)}")
    if parts.hostname:
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        port = f":{parts.port}" if parts.port else ""
        kwargs["base_url"] = f"{transport or 'https'}://{host}{port}{parts.path}"
    kwargs.update(options)
    return adapter.client_class(asynchronous)(**kwargs), sender
