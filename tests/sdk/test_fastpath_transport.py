"""The direct dispatch of an SDK-built httpx client (smsgate._base_client: requests handed to its transport,
not through ``Client.send``) changes nothing a user can see, over real loopback sockets:

* a caller's own ``http_client=`` still goes through its ``send``: its event hooks and its auth run (sync,
  asyncio, trio);
* environment proxies and credentials in the base URL, which ``send`` honours, are still honoured (the SDK then
  keeps going through ``send``);
* a closed client refuses to send as before; httpx's own request log line is still written.

The deadline, the size cap under a gzip bomb and trio are proven by tests/sdk/test_guarantees.py (dripping
headers and bodies, the bomb, sync and async), which run through the direct dispatch.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Generator
from typing import Any

import httpx
import pytest

import smsgate

from .conftest import LOGIN, PASSWORD, call
from .loopback import LoopbackServer, keep_answering


@pytest.fixture
def server() -> Generator[LoopbackServer, None, None]:
    """Answers a LetsAds balance to every request and keeps each one's head."""
    with LoopbackServer(keep_answering) as s:
        yield s


class ProbeAuth(httpx.Auth):
    """A caller's auth: adds a header to every request it signs."""

    def __init__(self) -> None:
        self.signed = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.signed += 1
        request.headers["X-Probe-Auth"] = "signed"
        yield request


def _caller_client(mode: str, events: list[str], auth: httpx.Auth) -> Any:
    if mode == "sync":

        def on_request(request: httpx.Request) -> None:
            events.append("request")

        def on_response(response: httpx.Response) -> None:
            events.append(f"response {response.request.headers.get('X-Probe-Auth')}")

        return httpx.Client(auth=auth, event_hooks={"request": [on_request], "response": [on_response]})

    async def a_request(request: httpx.Request) -> None:
        events.append("request")

    async def a_response(response: httpx.Response) -> None:
        events.append(f"response {response.request.headers.get('X-Probe-Auth')}")

    return httpx.AsyncClient(auth=auth, event_hooks={"request": [a_request], "response": [a_response]})


async def _send_with_caller_client(mode: str, base_url: str) -> tuple[Any, list[str], ProbeAuth]:
    events: list[str] = []
    auth = ProbeAuth()
    http_client = _caller_client(mode, events, auth)
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login=LOGIN, password=PASSWORD, base_url=base_url, http_client=http_client)
    try:
        sent = await call(client.send(["380501234567"], "Hello", sender="Sender"))
    finally:
        await call(client.aclose() if mode == "async" else client.close())
        await call(http_client.aclose() if mode == "async" else http_client.close())
    return sent, events, auth


async def test_a_callers_http_client_runs_its_hooks_and_its_auth(mode: str, smsgate_emulator: Any) -> None:
    sent, events, auth = await _send_with_caller_client(mode, smsgate_emulator.base_url("letsads"))
    assert len(sent.message_ids) == 1
    assert events == ["request", "response signed"]
    assert auth.signed == 1


def test_a_callers_async_http_client_runs_its_hooks_and_its_auth_under_trio(smsgate_emulator: Any) -> None:
    trio = pytest.importorskip("trio")
    sent, events, auth = trio.run(_send_with_caller_client, "async", smsgate_emulator.base_url("letsads"))
    assert len(sent.message_ids) == 1
    assert events == ["request", "response signed"]
    assert auth.signed == 1


async def test_an_sdk_built_client_goes_through_an_environment_proxy(
    mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY names the recording server; the provider's URL has nothing listening. The balance comes
    back only if the request went through the proxy, as httpx sends it."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login=LOGIN, password=PASSWORD, base_url="http://127.0.0.1:9/letsads", max_retries=0)
    try:
        balance = await call(client.balance())
    finally:
        await call(client.aclose() if mode == "async" else client.close())
    assert balance.amount == 5
    assert server.heads
    assert server.heads[0].startswith(b"POST http://127.0.0.1:9/letsads ")  # the absolute form of a proxy


async def test_credentials_in_the_base_url_still_become_basic_auth(mode: str, server: LoopbackServer) -> None:
    url = server.url.replace("http://", "http://user:secret@")
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login=LOGIN, password=PASSWORD, base_url=url, max_retries=0)
    try:
        await call(client.balance())
    finally:
        await call(client.aclose() if mode == "async" else client.close())
    expected = b"Authorization: Basic " + base64.b64encode(b"user:secret")
    assert any(expected.lower() in head.lower() for head in server.heads), server.heads


async def test_credentials_put_in_the_base_url_later_still_become_basic_auth(mode: str, server: LoopbackServer) -> None:
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login=LOGIN, password=PASSWORD, base_url=server.url, max_retries=0)
    client.base_url = server.url.replace("http://", "http://user:secret@")
    try:
        await call(client.balance())
    finally:
        await call(client.aclose() if mode == "async" else client.close())
    expected = b"Authorization: Basic " + base64.b64encode(b"user:secret")
    assert any(expected.lower() in head.lower() for head in server.heads), server.heads


async def test_the_sdk_built_client_sends_what_httpx_would(mode: str, server: LoopbackServer) -> None:
    """The request head on the wire: httpx's default headers under ours, as ``build_request`` merges them."""
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login=LOGIN, password=PASSWORD, base_url=server.url, max_retries=0)
    try:
        await call(client.balance())
        await call(client.balance())  # the kept-alive connection
    finally:
        await call(client.aclose() if mode == "async" else client.close())
    assert len(server.heads) == 2
    lines = server.heads[0].split(b"\r\n")
    assert lines[0] == b"POST / HTTP/1.1"
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
    assert headers[b"host"] == server.url.removeprefix("http://").encode()
    assert headers[b"accept"] == b"*/*"
    assert headers[b"connection"] == b"keep-alive"
    assert headers[b"user-agent"].startswith(b"smsgate")
    assert headers[b"accept-encoding"] == b"gzip, deflate"
    assert headers[b"content-type"] == b"application/xml; charset=utf-8"
    assert int(headers[b"content-length"]) > 0


async def test_a_closed_client_refuses_to_send_as_before(mode: str, server: LoopbackServer) -> None:
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login=LOGIN, password=PASSWORD, base_url=server.url, max_retries=0)
    await call(client.aclose() if mode == "async" else client.close())
    with pytest.raises(RuntimeError, match="closed"):
        await call(client.balance())
    assert server.heads == []


async def test_httpx_still_logs_the_request(
    mode: str, server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    client = cls(login=LOGIN, password=PASSWORD, base_url=server.url, max_retries=0)
    try:
        await call(client.balance())
    finally:
        await call(client.aclose() if mode == "async" else client.close())
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines == [f'HTTP Request: POST {server.url} "HTTP/1.1 200 OK"'], lines  # as Client.send logs it
