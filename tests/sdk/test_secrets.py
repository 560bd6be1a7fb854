"""A canary password must never appear in logs (ours and httpx's), exception text or reprs, in any encoding."""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import httpx
import pytest

import smsgate

from .conftest import call

CANARY = "Cn&ry<7>\"q'+/% pw"
FORMS = {
    "raw": CANARY,
    "url": quote(CANARY, safe=""),
    "url-plus": quote_plus(CANARY),
    "xml": escape(CANARY),
    "xml-quotes": escape(CANARY, {'"': "&quot;", "'": "&apos;"}),
    "json": json.dumps(CANARY)[1:-1],
    "distinctive part": "Cn&ry",
    "distinctive part escaped": "Cn&amp;ry",
}


def assert_clean(text: str, where: str) -> None:
    for name, form in FORMS.items():
        assert form not in text, f"{name} form of the password found in {where}"


@pytest.fixture
def canary_account(smsgate_emulator: Any) -> None:
    smsgate_emulator.letsads.add_account(login="380509990000", password=CANARY, senders=["Sender"])


async def test_password_never_leaks(
    mode: str, smsgate_emulator: Any, canary_account: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cls: Any = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
    base = smsgate_emulator.base_url("letsads")
    texts: list[str] = []
    good = cls(login="380509990000", password=CANARY, base_url=base, max_retries=1)
    wrong = cls(login="380501234567", password=CANARY, base_url=base, max_retries=0)
    texts += [repr(good), str(good), repr(vars(good))]

    def record(exc: BaseException) -> None:
        texts.extend([str(exc), repr(exc), "".join(traceback.format_exception(exc)), repr(vars(exc))])

    sent = await call(good.send(["380501234567"], "hi", sender="Sender"))
    texts.append(repr(sent))
    await call(good.balance())

    def inject(kind: str, **params: Any) -> Any:
        return lambda: smsgate_emulator.faults.inject("letsads", kind, **params)

    failures = [
        (None, lambda: wrong.balance()),  # AUTH_DATA
        (None, lambda: good.send(["380501234567"], "", sender="Sender")),  # ValidationError
        (None, lambda: good.send(["380501234567"], "x", sender="S" * 12)),  # schema ValidationError
        (None, lambda: good.status(999_999)),  # MESSAGE_NOT_EXIST
        # A reply echoing the password: ResponseFormatError keeps the body, redacted.
        (inject("malformed", body=f"<html>{CANARY} {escape(CANARY)}</html>"), lambda: good.balance()),
        (inject("status", status=500, count=5), lambda: good.balance()),  # retried 5xx
    ]
    for setup, failure in failures:
        if setup is not None:
            setup()
        with pytest.raises(smsgate.SmsGateError) as info:
            await call(failure())  # type: ignore[no-untyped-call]
        record(info.value)
    await call(good.aclose() if mode == "async" else good.close())
    await call(wrong.aclose() if mode == "async" else wrong.close())
    texts.extend(r.getMessage() for r in caplog.records)
    texts.extend(str(r.args) for r in caplog.records)
    assert any(r.name == "httpx" for r in caplog.records), "httpx's own request log must be covered"
    assert any(r.name.startswith("smsgate") for r in caplog.records)
    for i, text in enumerate(texts):
        assert_clean(text, f"text #{i}: {text[:80]!r}")


def test_request_repr_and_url_hold_no_secret(smsgate_emulator: Any, canary_account: None) -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as http:
        client = smsgate.LetsAds(
            login="380509990000",
            password=CANARY,
            base_url=smsgate_emulator.base_url("letsads"),
            http_client=http,
        )
        client.balance()
    (request,) = seen
    assert_clean(repr(request), "repr(request)")
    assert_clean(str(request.url), "the URL")
    assert_clean(repr(dict(request.headers)), "the headers")
    # It does travel, XML-escaped, in the body: that is the documented transport.
    assert escape(CANARY).encode() in request.content


def test_secret_type_masks_itself() -> None:
    from smsgate._types import Secret

    s = Secret(CANARY)
    assert_clean(repr(s) + str(s) + f"{s}" + repr([s]), "Secret")
    assert s.get_secret_value() == CANARY
    with pytest.raises(TypeError):
        __import__("pickle").dumps(s)
