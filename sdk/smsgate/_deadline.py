"""The attempt deadline inside the sync HTTP stack: every socket read and write is bounded by what is left.

httpx's timeouts bound each network operation, so a server that drips a byte now and then (status line and
headers included) holds a sync call for ever: httpx's sync API has no way to interrupt a request that is
waiting for its headers. The async clients cancel the whole exchange (anyio); the sync clients that smsgate
builds get this network backend instead, which gives each read and write of the current attempt the
smaller of its own timeout and the time left before the attempt's deadline, and refuses to start one past
it. The deadline is a context variable set around one attempt (`attempt_deadline`), so a client shared by
threads bounds each thread's attempt separately. A caller's own ``http_client=`` is used as given: its
body is still read against the deadline piece by piece, but its header reads are its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import ssl
import time
import typing
from collections.abc import Iterator

import httpcore
import httpx

__all__ = ["attempt_deadline", "bounded_client"]

#: `time.monotonic()` by which the current attempt must be over, or None.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("smsgate_attempt_deadline", default=None)


@contextlib.contextmanager
def attempt_deadline(seconds: float | None) -> Iterator[None]:
    """Bound the socket operations of the attempt made inside to `seconds` in all (None: no bound)."""
    token = _DEADLINE.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the attempt's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    __slots__ = ("_backend",)

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bounded_client(
    timeout: httpx.Timeout, verify: ssl.SSLContext, *, own_transport: bool
) -> tuple[httpx.Client, httpx.HTTPTransport | None]:
    """An `httpx.Client` as httpx builds it whose connection pools read and write through the deadline
    backend; with `own_transport`, also the transport built here and handed to it (public API:
    ``httpx.Client(transport=...)``), for the SDK to dispatch its own requests to directly. httpx then reads no
    environment proxies, so the caller passes `own_transport` only when there are none (`_base_client`).

    httpx takes no network backend as an argument; each pool keeps one as ``_network_backend`` (httpx
    0.2x, httpcore 1.x). A test proves the deadline holds (tests/sdk/test_guarantees.py), so a change of
    those internals fails loudly instead of silently dropping the bound.
    """
    transport = httpx.HTTPTransport(verify=verify) if own_transport else None
    client = httpx.Client(timeout=timeout, verify=verify, transport=transport)
    for each in [client._transport, *client._mounts.values()]:
        pool = getattr(each, "_pool", None)
        if pool is not None and isinstance(pool._network_backend, httpcore.NetworkBackend):
            pool._network_backend = _Backend(pool._network_backend)
    return client, transport
