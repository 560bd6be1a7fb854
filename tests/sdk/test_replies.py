"""Replies that are not what the document promises: a typed ResponseFormatError carrying the redacted body,
never a raw lxml/xsdata exception, never a success built from a truncated reply."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import smsgate

SEND_OK = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<response><name>Complete</name>'
    b"<description>1 messages put into queue</description><sms_id>633217</sms_id></response>"
)


def mock_client(body: bytes | Callable[[httpx.Request], httpx.Response], status: int = 200) -> smsgate.LetsAds:
    def handler(request: httpx.Request) -> httpx.Response:
        if callable(body):
            return body(request)
        return httpx.Response(status, content=body)

    return smsgate.LetsAds(
        login="380501234567",
        password="p1a2s3s4",
        base_url="http://127.0.0.1:9",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def send(client: smsgate.LetsAds) -> smsgate.SendResult:
    return client.send(["380501234567"], "hi", sender="Sender")


BAD_REPLIES = {
    "html error page": b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    "empty body": b"",
    "whitespace": b"  \n",
    "truncated inside an id": SEND_OK[: SEND_OK.index(b"633217") + 2],
    "truncated after an element": SEND_OK[: SEND_OK.index(b"</sms_id>") + 9],
    "wrong root": b"<reply><name>Complete</name></reply>",
    "two roots": SEND_OK + b"<response><name>Error</name></response>",
    "id not a number": SEND_OK.replace(b"633217", b"63x217"),
    "unknown element": SEND_OK.replace(b"<sms_id>", b"<smsid>").replace(b"</sms_id>", b"</smsid>"),
    "unknown name": SEND_OK.replace(b"Complete", b"Done"),
    "json": b'{"name": "Complete"}',
    "ampersand": SEND_OK.replace(b"1 messages", b"1 & 2 messages"),
    "status reply to a send": b"<response><name>Status</name><description>MESSAGE_IS_SENT</description></response>",
    "more ids than recipients": SEND_OK.replace(b"</response>", b"<sms_id>633218</sms_id></response>"),
    "no ids": b"<response><name>Complete</name><description>1 messages put into queue</description></response>",
    "not utf-8": b'<?xml version="1.0" encoding="UTF-8"?><response><name>\xff\xfe</name></response>',
}


@pytest.mark.parametrize("case", sorted(BAD_REPLIES))
def test_unreadable_reply_is_a_response_format_error(case: str) -> None:
    with mock_client(BAD_REPLIES[case]) as client, pytest.raises(smsgate.ResponseFormatError) as info:
        send(client)
    err = info.value
    assert err.provider == "letsads"
    assert err.operation == "send"
    assert err.http_status == 200
    assert err.may_have_reached
    assert err.raw_body == BAD_REPLIES[case].decode("utf-8", "replace")


def test_no_lxml_or_xsdata_exception_leaks() -> None:
    from lxml import etree
    from xsdata.exceptions import ParserError

    for body in BAD_REPLIES.values():
        with mock_client(body) as client:
            try:
                send(client)
            except smsgate.SmsGateError as exc:
                assert not isinstance(exc, etree.LxmlError | ParserError)
                assert exc.__suppress_context__ or exc.__context__ is None


def test_balance_placeholder_of_the_seed_is_refused() -> None:
    """Seed 000 shows 'amount of funds deposited in user account' where the amount goes."""
    body = (
        b"<response><name>Balance</name><description>amount of funds deposited in user account</description>"
        b"<currency>user account currency</currency></response>"
    )
    with mock_client(body) as client, pytest.raises(smsgate.ResponseFormatError, match="not a number"):
        client.balance()


def test_balance_element_variant_is_accepted() -> None:
    body = b"<response><name>Balance</name><balance>12.5</balance><currency>UAH</currency></response>"
    with mock_client(body) as client:
        assert client.balance() == smsgate.Balance(amount=__import__("decimal").Decimal("12.5"), currency="UAH")


def test_unknown_status_keeps_the_raw_value() -> None:
    body = b"<response><name> Status </name><description> MESSAGE_IS_LOST </description></response>"
    with mock_client(body) as client:
        status = client.status(633217)
    assert status.status is None
    assert status.raw_status == "MESSAGE_IS_LOST"
    assert status.state is smsgate.DeliveryState.UNKNOWN


def test_error_with_http_200_is_an_error() -> None:
    body = b"<response><name>Error</name><description>AUTH_DATA</description></response>"
    with mock_client(body) as client, pytest.raises(smsgate.AuthenticationError):
        client.balance()


def test_error_reply_with_other_http_status_is_still_the_provider_error() -> None:
    body = b"<response><name>Error</name><description>AUTH_DATA</description></response>"
    with mock_client(body, status=403) as client, pytest.raises(smsgate.AuthenticationError) as info:
        client.balance()
    assert info.value.http_status == 403


def test_success_body_with_http_404_is_not_trusted() -> None:
    with mock_client(SEND_OK, status=404) as client, pytest.raises(smsgate.ResponseFormatError):
        send(client)


HOSTILE = {
    "billion laughs": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<response><name>Balance</name><description>&lol9;</description></response>""",
    "external entity": b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<response><name>Balance</name><description>&xxe;</description></response>""",
    "external dtd": b"""<?xml version="1.0"?>
<!DOCTYPE response SYSTEM "http://127.0.0.1:9/evil.dtd">
<response><name>Balance</name><description>1</description></response>""",
    "doctype after blank lines": (
        b"<?xml version='1.0'?>\n\n  <!DOCTYPE response>\n"
        b"<response><name>Balance</name><description>1</description></response>"
    ),
    "undeclared entity": b"<response><name>Balance</name><description>&foo;</description></response>",
    "oversized": b"<response><name>Balance</name><description>" + b"1" * (2 << 20) + b"</description></response>",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_xml_is_refused_quickly(case: str) -> None:
    import tracemalloc

    tracemalloc.start()
    started = time.perf_counter()
    with mock_client(HOSTILE[case]) as client, pytest.raises(smsgate.ResponseFormatError) as info:
        client.balance()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "root:" not in info.value.raw_body  # /etc/passwd never read
    # Generous bounds: a parser that expanded entities would take GBs and minutes.
    assert peak < 64 << 20, peak
    assert elapsed < 10, elapsed


async def test_async_client_reads_replies_the_same_way() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=BAD_REPLIES["truncated inside an id"])

    async with smsgate.AsyncLetsAds(
        login="380501234567",
        password="p1a2s3s4",
        base_url="http://127.0.0.1:9",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    ) as client:
        with pytest.raises(smsgate.ResponseFormatError):
            await client.send(["380501234567"], "hi", sender="Sender")


def test_reply_over_size_limit_is_not_read_to_the_end() -> None:
    def stream(request: httpx.Request) -> httpx.Response:
        def chunks() -> Any:
            for _ in range(10_000):
                yield b"x" * 4096

        return httpx.Response(200, content=chunks())

    with mock_client(stream) as client, pytest.raises(smsgate.ResponseFormatError, match="exceeds"):
        client.balance()
