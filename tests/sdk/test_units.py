"""I/O-free pieces: retry decisions, Retry-After, redaction, error table lookup, cheap import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import smsgate
from smsgate import _retry
from smsgate._errors import ErrorRow, ErrorTable
from smsgate._redact import MASK, Redactor
from smsgate._retry import backoff_delay as real_backoff_delay
from smsgate._types import ErrorCategory


def test_backoff_grows_and_is_capped() -> None:
    # `real_backoff_delay` was imported before the fast-backoff fixture patched the module attribute.
    delays = [real_backoff_delay(n) for n in range(8)]
    assert 0.375 <= delays[0] <= 0.5
    assert 0.75 <= delays[1] <= 1.0
    assert all(6.0 <= d <= 8.0 for d in delays[5:])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0", 0.0), ("1.5", 1.5), ("-4", 0.0), ("", None), (None, None), ("soon", None)],
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
