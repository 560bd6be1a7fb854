"""LetsAds hooks (named in ``schemas/letsads/provider.toml``): how a reply says "error", the text-length
rule the XSD cannot express, and how replies become typed results. I/O-free."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from smsgate_generated.letsads.errors import STATUS_STATES, LetsAdsStatus
from smsgate_generated.letsads.models import ReplyName, Response

from .._exceptions import ValidationError
from .._results import Balance, MessageStatus, SendResult, sent_message
from .._segments import Encoding, analyze
from .._spec import CodecError, Operation
from .._types import DeliveryState

__all__ = [
    "MAX_TEXT_GSM7",
    "MAX_TEXT_OTHER",
    "check_text",
    "decode_balance",
    "decode_send",
    "decode_status",
    "error_code",
]

#: Maximum text length in characters (RU page, current): 459 when every character is GSM-7 ("Latin"),
#: 402 when any is not ("Cyrillic"). The stale EN page says 201 for Cyrillic.
MAX_TEXT_GSM7 = 459
MAX_TEXT_OTHER = 402


def error_code(reply: Response, operation: Operation) -> str | None:
    """The error code of an ``<name>Error</name>`` reply, else None."""
    if reply.name is ReplyName.ERROR:
        return (reply.description or "UNKNOWN_ERROR").strip()
    return None


def check_text(text: str, *, field: str = "text") -> None:
    """Non-empty, and within 459 characters (GSM-7) or 402 (anything else, e.g. Cyrillic)."""
    if not isinstance(text, str):
        raise ValidationError(f"{field}: expected str, got {type(text).__name__}", field=field, provider="letsads")
    if not text.strip():
        raise ValidationError(f"{field}: the message text is empty", field=field, provider="letsads")
    segments = analyze(text)
    limit = MAX_TEXT_GSM7 if segments.encoding is Encoding.GSM7 else MAX_TEXT_OTHER
    if len(text) > limit:
        raise ValidationError(
            f"{field}: {len(text)} characters exceeds LetsAds' limit of {limit} for {segments.encoding} text",
            field=field,
            provider="letsads",
        )


def _expect(reply: Response, name: ReplyName) -> None:
    if reply.name is not name:
        got = getattr(reply.name, "value", reply.name)  # a member, or whatever a lenient binder left there
        raise CodecError(f"expected a <name>{name.value}</name> reply, got <name>{got!s:.40}</name>")


def decode_send(reply: Response, *, recipients: Sequence[str]) -> SendResult:
    """One id per recipient, by position: only trusted when the counts match."""
    _expect(reply, ReplyName.COMPLETE)
    if len(reply.sms_id) != len(recipients):
        raise CodecError(
            f"the reply holds {len(reply.sms_id)} message ids for {len(recipients)} recipients; "
            "the messages may have been sent but cannot be matched to recipients"
        )
    messages = tuple(sent_message(r, str(i)) for r, i in zip(recipients, reply.sms_id, strict=True))
    return SendResult(messages=messages, description=reply.description)


def decode_status(reply: Response, *, message_id: int | str) -> MessageStatus[LetsAdsStatus]:
    """A documented status, or state UNKNOWN with the raw value kept when LetsAds sends a new one."""
    _expect(reply, ReplyName.STATUS)
    raw = (reply.description or "").strip()
    try:
        status: LetsAdsStatus | None = LetsAdsStatus(raw)
    except ValueError:
        status = None
    state = STATUS_STATES[status] if status is not None else DeliveryState.UNKNOWN
    return MessageStatus(
        message_id=str(message_id), status=status, raw_status=raw, state=state, checked_at=datetime.now(UTC)
    )


def decode_balance(reply: Response) -> Balance:
    """The amount is in <description> (documented) or a <balance> element (seen in one client)."""
    _expect(reply, ReplyName.BALANCE)
    raw = (reply.description or reply.balance or "").strip()
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise CodecError(f"balance amount {raw[:40]!r} is not a number") from None
    if not amount.is_finite():
        raise CodecError(f"balance amount {raw[:40]!r} is not a finite number")
    currency = (reply.currency or "").strip() or None
    return Balance(amount=amount, currency=currency)
