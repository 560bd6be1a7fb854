"""SMSClub hooks (named in ``schemas/smsclub/provider.toml``): how a reply says "error" (the HTTP status, the
flat ``{status, message}`` body, ``success_request.add_info`` without ``info``), the argument rules the
JSON Schema cannot say well, the repair of the page's broken balance example, and how replies become typed
results. I/O-free."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from smsgate_generated.smsclub.errors import ERRORS, STATUS_STATES, SmsClubStatus
from smsgate_generated.smsclub.models import (
    BalanceResponse,
    OriginatorResponse,
    PersonalMessage,
    SendResponse,
    StatusResponse,
)

from .. import _convert
from .._exceptions import ValidationError
from .._results import Balance, MessageStatus, RejectedRecipient, SendResult, sent_message
from .._spec import CodecError, Operation
from .._types import DeliveryState

__all__ = [
    "MAX_IDS",
    "MAX_RECIPIENTS",
    "balance_info_pairs_in_array",
    "check_recipients",
    "check_text",
    "decode_balance",
    "decode_send",
    "decode_send_personal",
    "decode_senders",
    "decode_status",
    "error_code",
    "message_ids",
    "personal_messages",
    "reply_error",
]

PROVIDER = "smsclub"
#: Recipients per send and ids per status request (seed 003).
MAX_RECIPIENTS = 100
MAX_IDS = 100
#: The errors.toml section whose rows name the keys of ``success_request.add_info``.
ADD_INFO = "add_info"


# -- errors ------------------------------------------------------------------------------------------


def _status_code(status: int) -> str:
    """The errors.toml [codes] key of an HTTP status: itself when listed, "5xx" for any other 5xx."""
    code = str(status)
    if ERRORS.lookup(code)[0] is None and 500 <= status <= 599:
        return "5xx"
    return code


def _add_info_error(add_info: object, status: int) -> tuple[str, str]:
    """The code and SMSClub's own text of a reply whose ``add_info`` stands alone (nothing was done).

    A plain string is an invalid ``id_sms``; otherwise the first key with a row of its own
    (``phone``, ``message``, ``src_addr``, ``id_sms``, …), else a key of digits (a rejected number), else the
    HTTP status (400: validation). The text lists every key and reason SMSClub gave.
    """
    if isinstance(add_info, str):
        return f"{ADD_INFO}.invalid_id_sms", add_info
    if not isinstance(add_info, Mapping):  # not a shape SMSClub documents: keep what it said
        return (_status_code(status) if status >= 400 else ADD_INFO), str(add_info)[:200]
    text = "; ".join(f"{key}: {reason}" for key, reason in add_info.items())
    for key in add_info:
        code = f"{ADD_INFO}.{key}"
        if ERRORS.lookup(code)[0] is not None:
            return code, text
    if any(str(key).isdigit() for key in add_info):
        return f"{ADD_INFO}.recipient", text
    return (_status_code(status) if status >= 400 else f"{ADD_INFO}.{next(iter(add_info), '')}"), text


def reply_error(status: int, body: bytes, operation: Operation) -> tuple[str, str | None] | None:
    """(code, SMSClub's own text or None) when the raw reply is an error, else None. Runs before the reply
    is bound. The text becomes the error's ``provider_message``; its ``description`` is the errors.toml row's.

    - ``{"success_request": {"add_info": …}}`` without ``info`` (HTTP 400 validation, or HTTP 200 when every
      recipient was refused or no id is known): the ``add_info.<key>`` row; the text lists every key and
      reason (``"src_addr: …; 380…: Incorrect phone number"``).
    - the flat ``{"status": N, "message": …}`` body (401, 429, 453, 5xx; HTTP 200 too): the row of N, the
      ``message`` as the text.
    - any other HTTP 4xx/5xx, whatever the body: the row of the status ("5xx" for an unlisted 5xx).
    A 200 with ``info`` (and possibly ``add_info``: partial success) is not an error.
    """
    try:
        data: Any = msgspec.json.decode(body) if body.strip() else None
    except msgspec.DecodeError:
        data = None
    if isinstance(data, dict):
        wrapper = data.get("success_request")
        if isinstance(wrapper, dict):
            add_info, info = wrapper.get(ADD_INFO), wrapper.get("info")
            if add_info and not info:
                return _add_info_error(add_info, status)
        elif isinstance(data.get("status"), int) and "message" in data:
            said = data["status"]
            message = data["message"]
            code = status if status >= 400 else said
            if isinstance(code, int) and 400 <= code <= 599:
                return _status_code(code), str(message) if message else None
    if status >= 400:
        message = data.get("message") if isinstance(data, dict) else None
        return _status_code(status), message if isinstance(message, str) and message else None
    return None


def error_code(reply: object, operation: Operation) -> str | None:
    """Bound replies carry no error code: `reply_error` has seen every error shape before binding."""
    return None


# -- arguments ---------------------------------------------------------------------------------------


def check_recipients(recipients: Sequence[str], *, field: str = "recipients") -> None:
    """1..100 numbers (after conversion)."""
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ValidationError(
            f"{field}: {len(recipients)} numbers; SMSClub takes 1..{MAX_RECIPIENTS} per request",
            field=field,
            provider=PROVIDER,
        )


def check_text(text: str, *, field: str = "text") -> None:
    """A non-blank str (the JSON page states no length limit: long texts are split and billed per part)."""
    if not isinstance(text, str):
        raise ValidationError(f"{field}: expected str, got {type(text).__name__}", field=field, provider=PROVIDER)
    if not text.strip():
        raise ValidationError(f"{field}: the message text is empty", field=field, provider=PROVIDER)


def personal_messages(
    messages: Mapping[str, str] | Sequence[tuple[str, str]], *, field: str = "messages"
) -> list[PersonalMessage]:
    """(phone, text) pairs or a phone -> text mapping as ``data_message`` items: 1..100, phones in
    international digits, texts not blank."""
    given: object = messages
    if isinstance(given, str | bytes):
        raise ValidationError(
            f"{field}: expected (phone, text) pairs or a mapping, not a single string", field=field, provider=PROVIDER
        )
    pairs = list(messages.items()) if isinstance(messages, Mapping) else list(messages)
    if not 1 <= len(pairs) <= MAX_RECIPIENTS:
        raise ValidationError(
            f"{field}: {len(pairs)} messages; SMSClub takes 1..{MAX_RECIPIENTS} per request",
            field=field,
            provider=PROVIDER,
        )
    items = []
    for i, pair in enumerate(pairs):
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValidationError(f"{field}[{i}]: expected a (phone, text) pair", field=field, provider=PROVIDER)
        phone, text = pair
        check_text(text, field=f"{field}[{i}].text")
        phone = _convert.phone_international(phone, field=f"{field}[{i}].phone")
        items.append(PersonalMessage(phone=phone, message=text))
    return items


def message_ids(ids: Sequence[int | str], *, field: str = "message_ids") -> list[str]:
    """1..100 ids as the decimal strings SMSClub uses for object keys (integers and digit strings accepted)."""
    if isinstance(ids, str | bytes | int):
        raise ValidationError(
            f"{field}: expected a sequence of message ids, e.g. [{ids!r}]", field=field, provider=PROVIDER
        )
    values = list(ids)
    if not 1 <= len(values) <= MAX_IDS:
        raise ValidationError(
            f"{field}: {len(values)} ids; SMSClub takes 1..{MAX_IDS} per request", field=field, provider=PROVIDER
        )
    out = []
    for i, value in enumerate(values):
        text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not text.isascii() or not text.isdigit() or int(text) < 1:
            raise ValidationError(
                f"{field}[{i}]: {value!r} is not a message id (a positive integer)", field=field, provider=PROVIDER
            )
        out.append(str(int(text)))
    return out


# -- replies -----------------------------------------------------------------------------------------

# The page's balance example: `"info": [ "money": "8111.1700", "currency": "UAH" ]`, string key/value pairs
# inside an array. That is never JSON, so reading the brackets as braces is unambiguous; nothing else is
# touched (a truncated or otherwise broken reply does not match and stays unreadable).
_STRING = rb'"(?:[^"\\\x00-\x1f]|\\.)*"'
_PAIR = rb"\s*" + _STRING + rb"\s*:\s*" + _STRING + rb"\s*"
_PAIRS_IN_ARRAY = re.compile(rb'("info"\s*:\s*)\[(' + _PAIR + rb"(?:," + _PAIR + rb")*)\]")


def balance_info_pairs_in_array(body: bytes) -> bytes | None:
    """Repair rule (balance): the page's ``"info": [ "k": "v", … ]`` read as ``"info": { "k": "v", … }``."""
    found = _PAIRS_IN_ARRAY.findall(body)
    if len(found) != 1:
        return None
    return _PAIRS_IN_ARRAY.sub(rb"\1{\2}", body, count=1)


def _sent(info: Mapping[str, str] | None, add_info: Mapping[str, str] | None, order: Sequence[str]) -> SendResult:
    """Accepted recipients (in the order given) and rejected ones: neither half of a partial success is lost."""
    if not info and not add_info:
        raise CodecError("the send reply lists neither accepted nor rejected recipients")
    position = {phone: i for i, phone in reversed(list(enumerate(order)))}
    accepted = []
    for message_id, phone in (info or {}).items():
        if not message_id.isascii() or not message_id.isdigit():
            raise CodecError(f"message id {message_id[:40]!r} is not a number")
        accepted.append(sent_message(phone, message_id))
    accepted.sort(key=lambda m: position.get(m.recipient, len(order)))
    rejected = tuple(RejectedRecipient(str(key), str(reason)) for key, reason in (add_info or {}).items())
    return SendResult(messages=tuple(accepted), rejected=rejected)


def decode_send(reply: SendResponse, *, recipients: Sequence[str]) -> SendResult:
    """``info`` (message id -> phone) as `SendResult.messages`, ``add_info`` (phone -> reason) as ``rejected``."""
    result = reply.success_request
    return _sent(result.info, result.add_info, recipients)


def decode_send_personal(reply: SendResponse, *, messages: Sequence[PersonalMessage]) -> SendResult:
    """As `decode_send`, in the order of the messages given."""
    result = reply.success_request
    return _sent(result.info, result.add_info, [m.phone for m in messages])


def _known_status(raw: str) -> SmsClubStatus | None:
    """A documented status (surrounding whitespace ignored), or None for a text the documents do not list."""
    try:
        return SmsClubStatus(raw.strip())
    except ValueError:
        return None


def decode_status(reply: StatusResponse, *, message_ids: Sequence[str]) -> tuple[MessageStatus[SmsClubStatus], ...]:
    """One `MessageStatus` per id asked, in order. A documented status maps to `SmsClubStatus` and its state;
    an undocumented one (the schema takes any text) to status None, state UNKNOWN, the text kept as received
    in ``raw_status``; an id the reply does not list gets state UNKNOWN, no status and an empty raw status."""
    info = reply.success_request.info
    if not info:
        raise CodecError("the status reply lists no message")
    checked_at = datetime.now(UTC)
    out = []
    for message_id in message_ids:
        raw = info.get(message_id)
        status = _known_status(raw) if raw is not None else None
        out.append(
            MessageStatus(
                message_id=message_id,
                status=status,
                raw_status=raw if raw is not None else "",
                state=STATUS_STATES[status] if status is not None else DeliveryState.UNKNOWN,
                checked_at=checked_at,
            )
        )
    return tuple(out)


def decode_senders(reply: OriginatorResponse) -> tuple[str, ...]:
    """The account's active alpha names."""
    return tuple(reply.success_request.info)


def decode_balance(reply: BalanceResponse) -> Balance:
    """``money`` (a decimal string, bound as Decimal) and ``currency``."""
    info = reply.success_request.info
    if not info.money.is_finite():
        raise CodecError(f"balance amount {str(info.money)[:40]!r} is not a finite number")
    return Balance(amount=info.money, currency=info.currency.strip() or None)
