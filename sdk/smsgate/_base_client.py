"""The request loop, written once: building, interpreting and retry decisions are I/O-free and shared;
`SyncClient` and `AsyncClient` only differ in how they wait and how they send."""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar, cast

import httpx

from ._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, USER_AGENT
from ._deadline import attempt_deadline, bounded_client
from ._env import BASE_URL, env_value
from ._exceptions import (
    ConnectFailedError,
    DuplicateError,
    OutcomeUnknownError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    ReplyLostError,
    ResponseFormatError,
    SmsGateError,
    TransportError,
    ValidationError,
)
from ._fast import shared_ssl_context
from ._inflate import ACCEPT_ENCODING, BoundedBody, ReplyTooLargeError, UnreadableEncodingError
from ._ratelimit import RateLimiter
from ._redact import Redactor
from ._retry import retry_after_of, retry_delay
from ._spec import CodecError, Prepared, ProviderSpec
from ._types import NOT_GIVEN, NotGiven

__all__ = ["AsyncClient", "BaseClient", "SyncClient"]

R = TypeVar("R")
log = logging.getLogger("smsgate.http")
#: httpx's own logger: a request dispatched to the transport directly is logged there as ``Client.send`` logs it.
_httpx_log = logging.getLogger("httpx")

#: Replies larger than this are not read to the end.
MAX_REPLY_BYTES = 1 << 20
#: A provider's own error text is kept up to this many characters.
MAX_PROVIDER_TEXT = 1024
#: The rate slot of a client without a rate limit: nothing to wait for (sync and async).
_NO_SLOT: contextlib.nullcontext[None] = contextlib.nullcontext()
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


async def _sleep(seconds: float) -> None:
    """Sleep under whichever async runtime runs the call: asyncio's own sleep under asyncio, anyio's under any
    other (trio). Imported on first await, so a sync client never imports an event loop."""
    if _under_asyncio():
        import asyncio

        await asyncio.sleep(seconds)
    else:
        import anyio

        await anyio.sleep(seconds)


def _under_asyncio() -> bool:
    from ._aionet import under_asyncio

    return under_asyncio()


def _attempt_deadline(request: httpx.Request) -> float | None:
    """Seconds one attempt may take in all: its connect timeout plus its read timeout (None: no limit).

    httpx's timeouts bound each network operation, so a server that drips a byte now and then could hold a
    call for ever; this bounds the whole exchange, reply read to its end.
    """
    timeouts = request.extensions.get("timeout") or {}
    read = timeouts.get("read")
    if read is None:
        return None
    return float(read) + float(timeouts.get("connect") or 0.0)


class _Reply(bytes):
    """A reply body whose repr shows its size only: a provider may echo a credential, and a traceback that
    captures locals (Sentry, ``pytest -l``) prints every frame's ``body``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<reply: {len(self)} bytes>"


def _reader_for(response: httpx.Response) -> tuple[BoundedBody, bool]:
    """The bounded reader of a reply, and whether it already holds the whole body: a transport may hand
    over a response that is already read (``httpx.MockTransport``), decoded by httpx."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return BoundedBody(response.headers.get("Content-Encoding"), MAX_REPLY_BYTES), False
    reader = BoundedBody(None, MAX_REPLY_BYTES)
    reader.feed(content)
    return reader, True


def _dispatched(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """What ``Client.send`` does to a transport's response that we rely on: its request, httpx's log line."""
    response.request = request
    if _httpx_log.isEnabledFor(logging.INFO):
        _httpx_log.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
    return response


def _dispatchable(base_url: str) -> bool:
    """Whether the requests of an httpx client the SDK builds itself may go straight to a transport built for
    it instead of through ``Client.send``: true unless httpx would do something there for them. ``send`` adds
    basic auth for credentials in the URL and routes through the proxy mounts of environment proxies (a client
    given a transport reads none: it is then built without one); it keeps cookies, which no provider API
    uses; it follows no redirects and runs no hooks on a client built without them."""
    from urllib.request import getproxies  # (what httpx reads the proxies with; imported by httpx already)

    if any(scheme != "no" for scheme in getproxies()):
        return False
    return not httpx.URL(base_url).userinfo


class _CallState:
    """What the retry loop remembers across the attempts of one call."""

    __slots__ = ("earlier", "may_have_reached", "started")

    def __init__(self, started: float) -> None:
        #: `time.monotonic()` when the first attempt was made.
        self.started = started
        #: Whether an earlier attempt may have reached the provider (a lost reply, a 5xx).
        self.may_have_reached = False
        #: The first error after which the request may have reached the provider.
        self.earlier: SmsGateError | None = None


class BaseClient:
    """State and I/O-free logic shared by every provider client, sync and async."""

    _spec: ClassVar[ProviderSpec]
    #: Whether `close()` closes the HTTP client (False for the caller's own and for `with_options` copies).
    _owns_client: bool
    #: Where requests go (no trailing slash).
    base_url: str
    #: The timeout of every request (a call's own `timeout=` wins).
    timeout: httpx.Timeout
    #: Retries of a failed request where a retry is safe.
    max_retries: int
    _client: httpx.Client | httpx.AsyncClient
    #: The transport of an httpx client the SDK built itself, when its requests go straight to it (None: through
    #: the client's ``send``, as every request of a caller's own ``http_client=`` does).
    _transport: Any = None
    #: The headers that client puts on every request, ours merged over its defaults (with `_transport`).
    _direct_headers: httpx.Headers | None = None
    #: Request URLs parsed once (with `_transport`; keyed by the text, so a changed `base_url` parses anew).
    _urls: dict[str, httpx.URL]

    def __init__(
        self,
        *,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        secrets: Sequence[str],
        headers: Mapping[str, str] | None = None,
        rate_limit: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        # Not given: the provider's documented rate (its manifest's `rate_limit`); None: no client-side limit.
        rate = self._spec.rate_limit if isinstance(rate_limit, NotGiven) else rate_limit
        self._limiter = RateLimiter(rate) if rate is not None else None
        # Not given: SMSGATE_<PROVIDER>_BASE_URL (smsgate._env), then the provider's documented URL.
        self.base_url = (base_url or env_value(self._spec.id, BASE_URL) or self._spec.base_url).rstrip("/")
        self.timeout = DEFAULT_TIMEOUT if timeout is None else httpx.Timeout(timeout)
        self.max_retries = max_retries
        self._redact = Redactor(secrets)
        # Only what `smsgate._inflate` decodes within the size cap (httpx would also offer br and zstd).
        self._headers = {
            "User-Agent": USER_AGENT,
            "Content-Type": self._spec.codec.content_type,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if headers:
            self._headers.update(headers)

    @property
    def provider(self) -> str:
        return self._spec.id

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A copy of this client with another timeout and/or retry budget, sharing its connection pool, its
        credentials and its rate limit (``client.with_options(timeout=5).send(...)``). Closing the copy
        leaves the pool open: the original owns it."""
        if not isinstance(max_retries, NotGiven) and max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        clone = copy.copy(self)
        clone._owns_client = False
        if not isinstance(timeout, NotGiven):
            clone.timeout = httpx.Timeout(timeout)
        if not isinstance(max_retries, NotGiven):
            clone.max_retries = max_retries
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._redact(self.base_url)!r})"

    # -- building -------------------------------------------------------------------------------

    def _auth_fields(self) -> Mapping[str, str] | None:
        """Credentials that travel as request parameters (form codecs), built per request."""
        return None

    def _encode(self, model: object, operation: str) -> bytes:
        """Render and schema-validate a request model; violations become `ValidationError`."""
        try:
            return self._spec.codec.encode(model, self._auth_fields())
        except CodecError as exc:
            error = ValidationError(
                f"{self._spec.display_name} {operation}: request violates the schema: {self._redact(str(exc))}",
                field=exc.field,
                provider=self._spec.id,
            )
        raise error  # outside the handler: the codec's unredacted message is not chained

    def _build_request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        prepared: Prepared[Any],
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
    ) -> httpx.Request:
        op = prepared.operation
        url = self.base_url + op.path if op.path else self.base_url
        # A per-call timeout wins over the client's (which is the http_client's own when one was given).
        timeout = self.timeout if isinstance(timeout, NotGiven) else httpx.Timeout(timeout)
        base = self._direct_headers
        if base is not None and client is self._client:
            # Our own client: the request `build_request` would make (its headers with ours over them; no
            # cookies, no params, no base URL), without merging its settings again for every request.
            extra = {**self._auth_headers(), **prepared.headers}
            if extra:
                base = base.copy()
                base.update(extra)
            parsed = self._urls.get(url)
            if parsed is None:
                if len(self._urls) >= 64:
                    self._urls.clear()
                parsed = self._urls[url] = httpx.URL(url)
            return httpx.Request(
                op.method, parsed, content=prepared.content, headers=base, extensions={"timeout": timeout.as_dict()}
            )
        headers = {**self._headers, **self._auth_headers(), **prepared.headers}
        return client.build_request(op.method, url, content=prepared.content, headers=headers, timeout=timeout)

    def _own_client_built(self, client: httpx.Client | httpx.AsyncClient, transport: Any) -> None:
        """Remember the transport built for our own httpx client (None: its requests go through ``send``)."""
        if transport is not None:
            self._transport = transport
            headers = httpx.Headers(client.headers)
            headers.update(self._headers)
            self._direct_headers = headers
            self._urls = {}

    # -- interpreting ---------------------------------------------------------------------------

    def _transport_error(self, exc: httpx.TransportError, prepared: Prepared[Any]) -> TransportError:
        op = prepared.operation.name
        name = type(exc).__name__
        detail = self._redact(str(exc)) or name
        if isinstance(exc, _NOT_SENT):
            return ConnectFailedError(
                f"{self._spec.display_name} {op}: could not connect ({name}: {detail}); nothing was sent",
                provider=self._spec.id,
                operation=op,
            )
        return ReplyLostError(
            f"{self._spec.display_name} {op}: the request was sent but no complete reply came back "
            f"({name}: {detail}); the provider may have acted on it",
            provider=self._spec.id,
            operation=op,
        )

    def _interpret(self, prepared: Prepared[R], status: int, headers: httpx.Headers, body: bytes) -> R:
        """Turn a reply into the typed result or the typed error. Success comes from the body only.

        Whatever the reply holds, only `SmsGateError`s come out: a hook that trips over bytes nobody
        foresaw makes the reply unreadable (`ResponseFormatError`), never a raw exception.
        """
        try:
            return self._interpret_reply(prepared, status, headers, body)
        except SmsGateError as exc:
            if exc.__suppress_context__:  # raised "from None": nothing of the codec's (unredacted) error is kept
                exc.__context__ = None
            exc.request_key = prepared.key
            raise
        except Exception as exc:  # the contract: only SDK errors escape, for any reply
            log.debug("%s %s: reply not readable", self._spec.id, prepared.operation.name, exc_info=True)
            error = ResponseFormatError(
                f"{self._spec.display_name} {prepared.operation.name}: unreadable reply (HTTP {status}): "
                f"{type(exc).__name__}",
                provider=self._spec.id,
                operation=prepared.operation.name,
                raw_body=self._redact.body(body),
                http_status=status,
            )
        error.request_key = prepared.key
        raise error  # outside the handler: the raw exception (and the reply text in it) is not chained

    def _interpret_reply(self, prepared: Prepared[R], status: int, headers: httpx.Headers, body: bytes) -> R:
        spec = self._spec
        op = prepared.operation
        if spec.reply_error is not None:
            found = spec.reply_error(status, body, op)
            if found is not None:
                raw_code, text = found
                raise spec.errors.error(
                    self._redact(raw_code),  # a provider may echo a credential in its code
                    operation=op.name,
                    provider_message=self._provider_text(text),
                    http_status=status,
                    retry_after=retry_after_of(headers),
                )
        if status == 429 or status >= 500:
            retry_after = retry_after_of(headers)
            cls = RateLimitError if status == 429 else ProviderUnavailableError
            raise cls(
                f"HTTP {status} {httpx.codes.get_reason_phrase(status)}",
                provider=spec.id,
                code=f"HTTP_{status}",
                operation=op.name,
                retryable=True,
                # A rate limiter answers before the request is processed; a 5xx may come after.
                not_sent=status == 429,
                http_status=status,
                retry_after=retry_after,
            )
        try:
            reply = spec.codec.decode(body, op.response)
        except CodecError as exc:
            reply = self._repaired(prepared, body, status, exc)
        found_code = spec.error_code(reply, op)
        if found_code is not None:
            code, text = (found_code, None) if isinstance(found_code, str) else found_code
            raise spec.errors.error(
                self._redact(code), operation=op.name, provider_message=self._provider_text(text), http_status=status
            )
        if not 200 <= status < 300:
            raise ResponseFormatError(
                f"{spec.display_name} {op.name}: unexpected HTTP {status} with a non-error body",
                provider=spec.id,
                operation=op.name,
                raw_body=self._redact.body(body),
                http_status=status,
            )
        try:
            return prepared.decode(reply)
        except CodecError as exc:
            raise ResponseFormatError(
                f"{spec.display_name} {op.name}: {self._redact(str(exc))}",
                provider=spec.id,
                operation=op.name,
                raw_body=self._redact.body(body),
                http_status=status,
            ) from None

    def _provider_text(self, text: str | None) -> str | None:
        """A provider's own error text as an exception keeps it (``provider_message``): stripped, redacted,
        cut to `MAX_PROVIDER_TEXT` characters; None when there is no text."""
        kept = self._redact(text.strip()) if text else ""
        if not kept:
            return None
        return kept if len(kept) <= MAX_PROVIDER_TEXT else kept[:MAX_PROVIDER_TEXT] + "…[truncated]"

    def _repaired(self, prepared: Prepared[Any], body: bytes, status: int, error: CodecError) -> Any:
        """Apply the operation's named repair rules for documented defects, then parse strictly again.

        Only rules whose defect is present change the body; if none applies, or the repaired body still
        does not parse and bind strictly, the original error is raised as `ResponseFormatError`.
        """
        op = prepared.operation
        repaired, applied = body, []
        for rule in op.repairs:
            fixed = rule(repaired)
            if fixed is not None and fixed != repaired:
                repaired = fixed
                applied.append(rule.__name__)
        if applied:
            try:
                reply = self._spec.codec.decode(repaired, op.response)
            except CodecError:
                pass
            else:
                log.debug("%s %s: reply repaired by %s", self._spec.id, op.name, ", ".join(applied))
                return reply
        raise ResponseFormatError(
            f"{self._spec.display_name} {op.name}: unreadable reply (HTTP {status}): {self._redact(str(error))}",
            provider=self._spec.id,
            operation=op.name,
            raw_body=self._redact.body(body),
            http_status=status,
        ) from None

    def _auth_headers(self) -> Mapping[str, str]:
        """Headers carrying credentials, built per request so no attribute ever holds a raw secret."""
        return {}

    def _too_large(self, prepared: Prepared[Any], status: int) -> ResponseFormatError:
        return ResponseFormatError(
            f"{self._spec.display_name} {prepared.operation.name}: reply exceeds {MAX_REPLY_BYTES} bytes",
            provider=self._spec.id,
            operation=prepared.operation.name,
            http_status=status,
        )

    def _unreadable_encoding(self, prepared: Prepared[Any], status: int, exc: Exception) -> ResponseFormatError:
        return ResponseFormatError(
            f"{self._spec.display_name} {prepared.operation.name}: {exc}",
            provider=self._spec.id,
            operation=prepared.operation.name,
            http_status=status,
        )

    def _past_deadline(self, prepared: Prepared[Any], deadline: float) -> ReplyLostError:
        op = prepared.operation.name
        return ReplyLostError(
            f"{self._spec.display_name} {op}: no complete reply within the attempt's deadline of {deadline:g} s "
            "(connect + read timeout); the provider may have acted on it",
            provider=self._spec.id,
            operation=op,
        )

    def _read_failure(self, exc: Exception, prepared: Prepared[Any], status: int) -> SmsGateError:
        """The SDK error for a failure while a reply's body is read."""
        if isinstance(exc, httpx.TransportError):
            return self._transport_error(exc, prepared)
        if isinstance(exc, ReplyTooLargeError):
            return self._too_large(prepared, status)
        assert isinstance(exc, UnreadableEncodingError)
        return self._unreadable_encoding(prepared, status, exc)

    def _give_up(self, error: SmsGateError, prepared: Prepared[Any], call: _CallState) -> SmsGateError:
        """The error a call ends with: tagged with its request key; and when an earlier attempt of a send
        may have reached the provider while the last one provably did not, "outcome unknown" instead —
        the message may have gone out, so the caller must not take the last refusal for "nothing sent"."""
        error.request_key = prepared.key
        earlier = call.earlier
        provably_not_sent = isinstance(error, ConnectFailedError) or (
            isinstance(error, ProviderError) and error.not_sent
        )
        if earlier is None or prepared.operation.idempotent or not provably_not_sent:
            return error
        op = prepared.operation.name
        unknown = OutcomeUnknownError(
            f"{self._spec.display_name} {op}: outcome unknown: an earlier attempt may have reached the provider "
            f"({type(earlier).__name__}: {earlier}) and the repeat failed ({type(error).__name__}: {error})",
            provider=self._spec.id,
            operation=op,
            earlier=earlier,
            last_error=error,
        )
        unknown.request_key = prepared.key
        unknown.__cause__ = earlier
        return unknown

    def _next_delay(
        self, error: SmsGateError, prepared: Prepared[Any], attempt: int, call: _CallState | None = None
    ) -> float | None:
        delay = retry_delay(
            error, attempt=attempt, max_retries=self.max_retries, idempotent=prepared.operation.idempotent
        )
        if delay is None and call is not None and prepared.dedupe_window is not None:
            # The call carries an idempotency key the provider de-duplicates on: a repeat is safe while the
            # provider still remembers the first attempt (the wait before the repeat included).
            keyed = retry_delay(error, attempt=attempt, max_retries=self.max_retries, idempotent=True)
            if keyed is not None and time.monotonic() - call.started + keyed < prepared.dedupe_window:
                delay = keyed
        if call is not None and (
            isinstance(error, ReplyLostError) or (isinstance(error, ProviderError) and not error.not_sent)
        ):
            call.may_have_reached = True
            if call.earlier is None:
                call.earlier = error
        if delay is not None:
            log.info(
                "%s %s: retrying in %.2fs after %s (retry %d of %d)",
                self._spec.id,
                prepared.operation.name,
                delay,
                type(error).__name__,
                attempt + 1,
                self.max_retries,
            )
        return delay

    def _duplicate_of_earlier(self, error: SmsGateError, prepared: Prepared[R], call: _CallState) -> tuple[R] | None:
        """A repeat of a de-duplicated call answered "duplicate": an earlier attempt that may have reached
        the provider was accepted, so the call succeeded; `on_duplicate` builds its result."""
        if prepared.on_duplicate is None or not call.may_have_reached or not isinstance(error, DuplicateError):
            return None
        log.info(
            "%s %s: the repeat was refused as a duplicate: the earlier attempt was accepted",
            self._spec.id,
            prepared.operation.name,
        )
        return (prepared.on_duplicate(error),)

    def _log_reply(self, prepared: Prepared[Any], request: httpx.Request, status: int, started: float) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s %s %s -> HTTP %d in %.1f ms",
                self._spec.id,
                prepared.operation.name,
                request.method,
                self._redact(str(request.url)),
                status,
                (time.perf_counter() - started) * 1000,
            )


class SyncClient(BaseClient):
    """Blocking transport over one `httpx.Client`, built once per client (or the caller's)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        secrets: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        rate_limit: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        if http_client is not None and timeout is None:
            timeout = http_client.timeout  # the caller's client is used as given, its timeout included
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            secrets=secrets,
            headers=headers,
            rate_limit=rate_limit,
        )
        self._owns_client = http_client is None
        self._client: httpx.Client
        if http_client is None:  # one SSL context per process, not one per client (smsgate._fast)
            # Its sockets are bounded by each attempt's deadline, headers included (smsgate._deadline).
            own_transport = _dispatchable(self.base_url)
            self._client, transport = bounded_client(self.timeout, shared_ssl_context(), own_transport=own_transport)
            self._own_client_built(self._client, transport)
        else:
            self._client = http_client

    @contextlib.contextmanager
    def _rate_slot(self) -> Iterator[None]:
        """Wait (sleeping) until the client's rate limit lets one more request through; hold it while inside."""
        limiter = self._limiter
        if limiter is None:
            yield
            return
        while (wait := limiter.acquire(time.monotonic())) > 0:
            time.sleep(wait)
        try:
            yield
        finally:
            limiter.release(time.monotonic())

    def _execute(self, prepared: Prepared[R], *, timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN) -> R:
        request = self._build_request(self._client, prepared, timeout)
        attempt = 0
        call = _CallState(time.monotonic())
        while True:
            try:
                with self._rate_slot() if self._limiter is not None else _NO_SLOT:
                    started = time.perf_counter()
                    response, body = self._exchange(request, prepared)
                self._log_reply(prepared, request, response.status_code, started)
                return self._interpret(prepared, response.status_code, response.headers, body)
            except (TransportError, ProviderError) as error:
                recovered = self._duplicate_of_earlier(error, prepared, call)
                if recovered is not None:
                    return recovered[0]
                delay = self._next_delay(error, prepared, attempt, call)
                if delay is None:
                    failure = self._give_up(error, prepared, call)
                    if failure is error:
                        raise
                    raise failure from call.earlier
                time.sleep(delay)
                attempt += 1

    def _exchange(self, request: httpx.Request, prepared: Prepared[Any]) -> tuple[httpx.Response, bytes]:
        """One attempt: send, and read the reply within the size cap and the attempt's deadline (checked as
        each piece arrives). Errors are raised outside httpx's handlers: httpx's exception (its request,
        with the body and the auth headers) is never chained to ours."""
        deadline = _attempt_deadline(request)
        started = time.monotonic()

        def late() -> ReplyLostError | None:
            """The deadline error once the attempt's time is up, else None."""
            if deadline is None or time.monotonic() - started < deadline:
                return None
            return self._past_deadline(prepared, deadline)

        failure: SmsGateError | None = None
        with attempt_deadline(deadline):
            try:
                response = self._send(request)
            except httpx.TransportError as exc:
                failure = late() or self._transport_error(exc, prepared)
            if failure is not None:
                raise failure
            try:
                reader, read = _reader_for(response)
                failure = late()
                if failure is None and not read:
                    for raw in self._raw_chunks(response):
                        reader.feed(raw)
                        if failure := late():
                            break
            except (httpx.TransportError, ReplyTooLargeError, UnreadableEncodingError) as exc:
                timed_out = late() if isinstance(exc, httpx.TransportError) else None
                failure = timed_out or self._read_failure(exc, prepared, response.status_code)
            finally:
                response.close()
        if failure is not None:
            raise failure
        try:
            return response, _Reply(reader.finish())
        except (ReplyTooLargeError, UnreadableEncodingError) as exc:
            failure = self._read_failure(exc, prepared, response.status_code)
        raise failure

    def _send(self, request: httpx.Request) -> httpx.Response:
        """The response to `request`, its body not read yet: from our own client's transport directly (see
        `_dispatchable`), else through the client's ``send`` (a caller's client: its hooks, auth, mounts)."""
        transport = self._transport
        # A closed client raises as it always has; credentials put in `base_url` later get send's basic auth.
        if transport is None or self._client.is_closed or request.url.userinfo:
            return self._client.send(request, stream=True)
        try:
            response = transport.handle_request(request)
        except httpx.RequestError as exc:
            exc.request = request  # as ``Client.send`` leaves it
            raise
        return _dispatched(request, response)

    def _raw_chunks(self, response: httpx.Response) -> Iterator[bytes]:
        """The reply's raw bytes as they arrive: the transport's own stream when we dispatched to it (what
        ``iter_raw`` reads, without its re-chunking and byte count), else ``iter_raw``."""
        stream = response.stream
        if self._transport is not None and isinstance(stream, httpx.SyncByteStream):
            return iter(stream)
        return response.iter_raw()

    def close(self) -> None:
        """Close the HTTP client, unless the caller passed their own."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(BaseClient):
    """Awaitable twin of `SyncClient` over one `httpx.AsyncClient`."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        secrets: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        rate_limit: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        if http_client is not None and timeout is None:
            timeout = http_client.timeout  # the caller's client is used as given, its timeout included
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            secrets=secrets,
            headers=headers,
            rate_limit=rate_limit,
        )
        self._owns_client = http_client is None
        self._client: httpx.AsyncClient
        if http_client is None:  # one SSL context per process, not one per client (smsgate._fast)
            # A transport of our own (requests dispatched to it directly) unless environment proxies apply.
            from ._aionet import AsyncTransport  # (asyncio: imported by async clients only)

            transport = AsyncTransport(verify=shared_ssl_context()) if _dispatchable(self.base_url) else None
            self._client = httpx.AsyncClient(timeout=self.timeout, verify=shared_ssl_context(), transport=transport)
            self._own_client_built(self._client, transport)
        else:
            self._client = http_client

    @contextlib.asynccontextmanager
    async def _rate_slot(self) -> AsyncIterator[None]:
        """Wait (awaiting) until the client's rate limit lets one more request through; hold it while inside."""
        limiter = self._limiter
        if limiter is None:
            yield
            return
        # Polling is the point: the limiter is I/O-free and only says how long until a slot may be free.
        while (wait := limiter.acquire(time.monotonic())) > 0:
            await _sleep(wait)
        try:
            yield
        finally:
            limiter.release(time.monotonic())

    async def _execute(self, prepared: Prepared[R], *, timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN) -> R:
        request = self._build_request(self._client, prepared, timeout)
        attempt = 0
        call = _CallState(time.monotonic())
        while True:
            try:
                async with self._rate_slot() if self._limiter is not None else _NO_SLOT:
                    started = time.perf_counter()
                    response, body = await self._exchange(request, prepared)
                self._log_reply(prepared, request, response.status_code, started)
                return self._interpret(prepared, response.status_code, response.headers, body)
            except (TransportError, ProviderError) as error:
                recovered = self._duplicate_of_earlier(error, prepared, call)
                if recovered is not None:
                    return recovered[0]
                delay = self._next_delay(error, prepared, attempt, call)
                if delay is None:
                    failure = self._give_up(error, prepared, call)
                    if failure is error:
                        raise
                    raise failure from call.earlier
                await _sleep(delay)
                attempt += 1

    async def _exchange(self, request: httpx.Request, prepared: Prepared[Any]) -> tuple[httpx.Response, bytes]:
        """As `SyncClient._exchange`; the deadline cancels the exchange wherever it is: asyncio's own timeout
        under asyncio, anyio's cancel scope under any other runtime (trio)."""
        deadline = _attempt_deadline(request)
        if _under_asyncio():
            import asyncio

            try:
                async with asyncio.timeout(deadline):
                    return await self._attempt(request, prepared)
            except TimeoutError:
                assert deadline is not None  # (no other TimeoutError leaves `_attempt`: its errors are ours)
                raise self._past_deadline(prepared, deadline) from None
        import anyio

        with anyio.move_on_after(deadline) as scope:
            return await self._attempt(request, prepared)
        assert deadline is not None  # only the deadline's cancellation leaves the scope without a result
        assert scope.cancelled_caught
        raise self._past_deadline(prepared, deadline)

    async def _attempt(self, request: httpx.Request, prepared: Prepared[Any]) -> tuple[httpx.Response, bytes]:
        """One attempt without its deadline (`_exchange` bounds it). Errors are raised outside httpx's
        handlers: httpx's exception (its request, with the body and the auth headers) is never chained."""
        failure: SmsGateError | None = None
        result: tuple[httpx.Response, bytes] | None = None
        try:
            response = await self._send(request)
        except httpx.TransportError as exc:
            failure = self._transport_error(exc, prepared)
        if failure is None:
            try:
                reader, read = _reader_for(response)
                if not read:
                    # Closed when left early (size cap, cancelled): trio finalises no half-read generator.
                    raw_chunks = cast("AsyncGenerator[bytes, None]", self._raw_chunks(response))
                    async with contextlib.aclosing(raw_chunks) as chunks:
                        async for raw in chunks:
                            reader.feed(raw)
                result = response, _Reply(reader.finish())
            except (httpx.TransportError, ReplyTooLargeError, UnreadableEncodingError) as exc:
                failure = self._read_failure(exc, prepared, response.status_code)
            finally:
                await response.aclose()
        if failure is not None:
            raise failure
        assert result is not None
        return result

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """As `SyncClient._send`."""
        transport = self._transport
        if transport is None or self._client.is_closed or request.url.userinfo:
            return await self._client.send(request, stream=True)
        try:
            response = await transport.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise
        return _dispatched(request, response)

    def _raw_chunks(self, response: httpx.Response) -> AsyncIterator[bytes]:
        """The reply's raw bytes as they arrive: the transport's own stream when we dispatched to it (what
        ``aiter_raw`` reads, without its re-chunking and byte count), else ``aiter_raw``."""
        stream = response.stream
        if self._transport is not None and isinstance(stream, httpx.AsyncByteStream):
            return stream.__aiter__()
        return response.aiter_raw()

    async def aclose(self) -> None:
        """Close the HTTP client, unless the caller passed their own."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
