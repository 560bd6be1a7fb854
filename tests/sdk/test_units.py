"""I/O-free pieces: retry decisions, Retry-After, redaction, error table lookup, cheap import."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

import smsgate
from smsgate import _retry
from smsgate._base_client import SyncClient
from smsgate._errors import ErrorRow, ErrorTable
from smsgate._redact import MASK, Redactor
from smsgate._retry import backoff_delay as real_backoff_delay
from smsgate._spec import ErrorFound, ErrorReport, Operation, Prepared, ProviderSpec
from smsgate._types import ErrorCategory


def test_backoff_grows_and_is_capped() -> None:
    # `real_backoff_delay` was imported before the fast-backoff fixture patched the module attribute.
    delays = [real_backoff_delay(n) for n in range(8)]
    assert 0.375 <= delays[0] <= 0.5
    assert 0.75 <= delays[1] <= 1.0
    assert all(6.0 <= d <= 8.0 for d in delays[5:])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0", 0.0), ("1.5", 1.5), ("-4", None), ("nan", None), ("", None), (None, None), ("soon", None)],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert _retry.parse_retry_after(value) == expected


def test_retry_after_http_date() -> None:
    assert _retry.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def _err(**kw: object) -> smsgate.ProviderError:
    return smsgate.ProviderError("x", provider="p", code="C", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "idempotent", "retried"),
    [
        (smsgate.ConnectFailedError("x", provider="p", operation="send"), False, True),
        (smsgate.ReplyLostError("x", provider="p", operation="send"), False, False),
        (smsgate.ReplyLostError("x", provider="p", operation="status"), True, True),
        (_err(retryable=True, not_sent=True), False, True),
        (_err(retryable=True, not_sent=False), False, False),
        (_err(retryable=True, not_sent=False), True, True),
        (_err(retryable=False, not_sent=True), True, False),
        (smsgate.ResponseFormatError("x", provider="p", operation="balance"), True, False),
    ],
)
def test_retry_decisions(error: smsgate.SmsGateError, idempotent: bool, retried: bool) -> None:
    delay = _retry.retry_delay(error, attempt=0, max_retries=2, idempotent=idempotent)
    assert (delay is not None) is retried
    assert _retry.retry_delay(error, attempt=2, max_retries=2, idempotent=idempotent) is None


def test_redactor_covers_encodings() -> None:
    r = Redactor(["a&b c"])
    assert r("x a&b c y a%26b%20c a+b a%26b+c a&amp;b c") == f"x {MASK} y {MASK} a+b {MASK} {MASK}"
    assert Redactor([])("same") == "same"


def test_error_table_prefix_and_exact() -> None:
    table = ErrorTable(
        "p",
        [
            ErrorRow("BAD_", ErrorCategory.INVALID_RECIPIENT, "bad", False, True, prefix=True),
            ErrorRow("BAD_SENDER", ErrorCategory.INVALID_SENDER, "sender", False, True),
        ],
    )
    assert table.lookup("BAD_SENDER")[0].category is ErrorCategory.INVALID_SENDER  # type: ignore[union-attr]
    row, detail = table.lookup(" BAD_123 ")
    assert row is not None and detail == "123"
    assert table.lookup("OTHER") == (None, None)
    err = table.error("BAD_123", operation="send")
    assert isinstance(err, smsgate.InvalidRecipientError) and err.detail == "123"


def test_provider_error_keeps_the_providers_text_beside_the_description() -> None:
    table = ErrorTable("p", [ErrorRow("E1", ErrorCategory.INVALID_REQUEST, "what E1 means", False, True)])
    err = table.error("E1", operation="send", provider_message="field x is missing")
    assert isinstance(err, smsgate.InvalidRequestError)
    assert (err.description, err.provider_message) == ("what E1 means", "field x is missing")
    assert str(err) == "p send error E1: what E1 means (provider: field x is missing)"
    bare = table.error("E1", operation="send")
    assert bare.provider_message is None
    assert str(bare) == "p send error E1: what E1 means"
    # A code without a row: the provider's text is the best description there is.
    unknown = table.error("E9", operation="send", provider_message="quota exceeded")
    assert type(unknown) is smsgate.ProviderError
    assert unknown.description == unknown.provider_message == "quota exceeded"
    assert str(unknown) == "p send error E9: quota exceeded"
    assert table.error("E9", operation="send").description == "unknown error code"
    assert smsgate.ProviderError("d", provider="p", code="C").provider_message is None


class _TextCodec:
    content_type = "text/plain"

    def encode(self, model: object, extra: Mapping[str, str] | None = None) -> bytes:
        return b""

    def decode(self, body: bytes, model: Any) -> Any:
        return body.decode()


@pytest.mark.parametrize(
    ("found", "provider_message"),
    [
        ("E1", None),
        (("E1", None), None),
        (("E1", "  "), None),
        (("E1", " s3cret-value rejected "), f"{MASK} rejected"),
        (ErrorReport("E1"), None),
        (ErrorReport("E1", "x" * 5000), "x" * 1024 + "…[truncated]"),
    ],
)
def test_error_hook_returns_a_code_or_a_code_and_the_providers_text(
    found: ErrorFound, provider_message: str | None
) -> None:
    """The runtime takes a bare code or (code, text); the text is stripped, redacted and bounded."""
    spec = ProviderSpec(
        id="p",
        display_name="P",
        base_url="http://127.0.0.1:9",
        alternate_base_urls=(),
        codec=_TextCodec(),
        errors=ErrorTable("p", [ErrorRow("E1", ErrorCategory.INVALID_REQUEST, "what E1 means", False, True)]),
        error_code=lambda reply, operation: found,
    )

    class Client(SyncClient):
        _spec = spec

    op = Operation(name="send", method="POST", path="/send", idempotent=False, response=str)
    prepared: Prepared[str] = Prepared(operation=op, content=b"", decode=lambda reply: str(reply))
    with (
        httpx.Client() as http,
        Client(secrets=["s3cret-value"], http_client=http) as client,
        pytest.raises(smsgate.InvalidRequestError) as info,
    ):
        client._interpret(prepared, 200, httpx.Headers(), b"reply")
    assert (info.value.code, info.value.description) == ("E1", "what E1 means")
    assert info.value.provider_message == provider_message


def test_import_is_cheap_and_lazy() -> None:
    code = (
        "import sys, smsgate; heavy = [m for m in ('httpx', 'xsdata', 'lxml', 'smsgate_generated.letsads.client') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
    code = "import sys, smsgate; smsgate.LetsAds; print('xsdata.formats.dataclass.parsers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False", "xsdata's parser loads on first use, not on import"


def test_public_names() -> None:
    for name in smsgate.__all__:
        assert getattr(smsgate, name) is not None
    assert smsgate.ProviderError.__module__ == "smsgate"
    with pytest.raises(AttributeError):
        smsgate.DoesNotExist  # noqa: B018


def test_a_sent_message_built_through_its_slots_is_the_frozen_dataclass() -> None:
    """`sent_message` (one per recipient of an accepted send) makes in every way the `SentMessage` the public
    constructor makes: equal, same hash and repr, frozen, `dataclasses.replace` and `asdict` work."""
    import dataclasses

    from smsgate._results import sent_message

    fast, slow = sent_message("380501234567", "42"), smsgate.SentMessage("380501234567", "42")
    assert type(fast) is smsgate.SentMessage
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == {"recipient": "380501234567", "message_id": "42"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.message_id = "43"  # type: ignore[misc]
    assert dataclasses.replace(fast, message_id="43") == smsgate.SentMessage("380501234567", "43")
