"""SMSC hooks (named in ``schemas/smsc/provider.toml``): how a reply says "error" in each of SMSC's four
response formats, the argument conversions a schema cannot say, and how replies become typed results.
I/O-free.

SMSC answers every error with HTTP 200, in the format the request asked for (``fmt``):

====  ===========================================  ==========================================
fmt   error reply                                  example
====  ===========================================  ==========================================
0     ``ERROR = N (description)``                  ``ERROR = 2 (authorise error)``
1     ``0,-N`` (send.php: ``<id>,-N``)             ``0,-2``
2     ``<result><error/><error_code/></result>``   ``<result><error>…</error><error_code>2…``
3     ``{"error": "…", "error_code": N}``          ``{"error": "authorise error", "error_code": 2}``
====  ===========================================  ==========================================

`parse_error` reads all four (the SDK always asks for fmt=3, but a proxy, an old account setting or a
hand-made request may bring another), and `reply_error` keys the code by the script that answered:
``"<area>.<N>"`` (``send.9``, ``users.6``), because SMSC numbers its errors per script.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from typing import NamedTuple

import msgspec

from smsgate_generated.smsc.errors import CODE_TABLES, STATUS_STATES, SmscStatus
from smsgate_generated.smsc.models import (
    BalanceResponse,
    CostResponse,
    SendResponse,
    StatusDetail,
    StatusResponse,
    SubclientType,
    UsersAddResponse,
    UsersChangeResponse,
    UsersStatAllRow,
    UsersStatRow,
)

from .. import _convert, _xml
from .._exceptions import ProviderError, ValidationError
from .._results import (
    SmscBalance,
    SmscEstimate,
    SmscMessageStatus,
    SmscSendResult,
    SmscSubclient,
    SmscSubclientDetailedStats,
    SmscSubclientStats,
    SmscSubclientStatsLine,
    sent_message,
)
from .._spec import CodecError, Operation
from .._types import DeliveryState

__all__ = [
    "MAX_TEXT",
    "MOSCOW",
    "ErrorReply",
    "StatusQuery",
    "amount",
    "area",
    "check_subclient_password",
    "check_text",
    "day",
    "decode_balance",
    "decode_duplicate_send",
    "decode_estimate",
    "decode_ok",
    "decode_send",
    "decode_status",
    "decode_statuses",
    "decode_subclient",
    "decode_subclient_stats",
    "decode_subclient_stats_detailed",
    "destinations",
    "error_code",
    "flag",
    "lifetime",
    "optional_phone",
    "parse_error",
    "phones",
    "reply_error",
    "schedule",
    "status_detail",
    "status_query",
    "subclient_flags",
    "subclient_type",
]

PROVIDER = "smsc"
#: The longest text send.php takes, in characters.
MAX_TEXT = 1000
#: SMSC states and reads times in Moscow time (UTC+3 all year since 2014).
MOSCOW = timezone(timedelta(hours=3), "MSK")
#: A caller-chosen message id: an integer 1..2147483647, or up to 40 of these characters.
_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
_MAX_INT_ID = 2147483647


# -- errors: one reader for the four formats ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An SMSC error reply, whatever its format."""

    #: The error number N as received (digits, unless the provider sent something odd).
    code: str
    #: The provider's text (in the account's language); fmt=1 carries none.
    description: str | None
    #: send.php: the message id beside the code, when there is one.
    message_id: str | None
    #: The format it came in: 0 text, 1 comma-separated, 2 XML, 3 JSON.
    fmt: int


# fmt=0: "ERROR = N (description)"; send.php may add the message id, ", ID - <id>" (or "ID = <id>").
_TEXT_ERROR = re.compile(r"ERROR\s*=\s*(-?\w+)\s*(?:\((.*)\))?\s*(?:,\s*ID\s*[-=]\s*([^\s,]+))?", re.DOTALL)
# fmt=1: "0,-N" or, from send.php, "<id>,-N": exactly two fields, the second negative.
_CSV_ERROR = re.compile(r"([^,\s]*)\s*,\s*-(\d+)")


def parse_error(body: bytes) -> ErrorReply | None:
    """The error an SMSC reply carries, in any of the four formats, or None when it is not an error.

    XML is parsed only by `smsgate._xml.parse_untrusted` (no DTD, no entities, bounded size); a body that
    is not well-formed in its apparent format is "not an error" here and is left to the codec to refuse.
    """
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not text:
        return None
    if text[0] == "{":
        return _json_error(text.encode("utf-8"))
    if text[0] == "<":
        return _xml_error(body)
    if match := _TEXT_ERROR.fullmatch(text):
        code, description, message_id = match.groups()
        return ErrorReply(code, _clean(description), _clean(message_id), fmt=0)
    if match := _CSV_ERROR.fullmatch(text):
        message_id, code = match.groups()
        return ErrorReply(code, None, message_id if message_id not in ("", "0") else None, fmt=1)
    return None


def _json_error(body: bytes) -> ErrorReply | None:
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    if not isinstance(data, dict) or "error_code" not in data:
        return None
    raw = data["error_code"]
    code = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else json.dumps(raw)
    description = data.get("error")
    message_id = data.get("id")
    return ErrorReply(
        code,
        _clean(description) if isinstance(description, str) else None,
        str(message_id) if isinstance(message_id, int | str) and not isinstance(message_id, bool) else None,
        fmt=3,
    )


def _xml_error(body: bytes) -> ErrorReply | None:
    try:
        root = _xml.parse_untrusted(body)
    except (_xml.XMLSyntaxError, _xml.UnsafeXMLError):
        return None
    if root.tag != "result":
        return None
    code = root.findtext("error_code")
    if code is None:
        return None
    return ErrorReply(code.strip(), _clean(root.findtext("error")), _clean(root.findtext("id")), fmt=2)


def _clean(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    return value or None


def area(operation: Operation) -> str:
    """The script an operation calls, which scopes its error numbers: ``/sys/users.php`` -> ``users``."""
    script = operation.path.rsplit("/", 1)[-1]
    return script.split(".", 1)[0] or operation.name


def reply_error(status: int, body: bytes, operation: Operation) -> tuple[str, str | None] | None:
    """The ``reply_error`` hook: (``"<area>.<N>"``, the provider's text) for an error reply, else None.

    The text (``error`` of fmt=3, the parenthesis of fmt=0, ``<error>`` of fmt=2; fmt=1 has none) becomes
    the error's ``provider_message``; its ``description`` is the errors.toml row's."""
    found = parse_error(body)
    if found is None:
        return None
    return f"{area(operation)}.{found.code}", found.description


def error_code(reply: object, operation: Operation) -> str | None:
    """Bound replies are never errors: `reply_error` recognised them before binding."""
    return None


# -- arguments ------------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", field=field, provider=PROVIDER)


def check_text(text: str, *, field: str = "text") -> None:
    """Non-empty and at most 1000 characters (send.php's limit; SMSC splits and bills the parts)."""
    if not isinstance(text, str):
        raise _invalid(field, f"expected str, got {type(text).__name__}")
    if not text.strip():
        raise _invalid(field, "the message text is empty")
    if len(text) > MAX_TEXT:
        raise _invalid(field, f"{len(text)} characters exceeds SMSC's limit of {MAX_TEXT}")


def phones(values: Sequence[str], *, field: str = "recipients") -> str:
    """One or more numbers, each a possible international number, as SMSC's comma-separated ``phones``.

    Each is sent with its ``+``: without it SMSC "auto-corrects" numbers (an 11-digit number starting with
    8 becomes a Russian 7… number), so a valid foreign number could be sent, and charged, to someone else.
    """
    numbers = _convert.phones_international(values, field=field)
    if not numbers:
        raise _invalid(field, "give at least one phone number")
    return ",".join("+" + n for n in numbers)


def optional_phone(value: str | None, *, field: str = "phone") -> str | None:
    return None if value is None else _convert.phone_international(value, field=field)


def _message_id(value: int | str, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _invalid(field, f"expected an int or str message id, got {type(value).__name__}")
    if isinstance(value, int):
        if not 1 <= value <= _MAX_INT_ID:
            raise _invalid(field, f"an integer message id must be 1..{_MAX_INT_ID}")
        return str(value)
    if not _ID.fullmatch(value):
        raise _invalid(field, "a message id is up to 40 characters of A-Z a-z 0-9 . _ -")
    return value


class StatusQuery(NamedTuple):
    """The (id, phone) pairs of a status request, and the comma lists status.php takes."""

    pairs: tuple[tuple[str, str], ...]
    ids: str
    phones: str


def status_query(messages: Sequence[tuple[int | str, str]], *, field: str = "messages") -> StatusQuery:
    """(message id, phone) pairs as status.php's comma lists of ids and phones in the same order.

    A single pair gets a trailing comma, SMSC's documented way to ask for the list reply shape.
    """
    given: object = messages  # checked as given: callers may pass anything
    if isinstance(given, str | bytes) or not isinstance(given, Sequence):
        raise _invalid(field, "expected a sequence of (message id, phone) pairs")
    pairs: list[tuple[str, str]] = []
    for i, item in enumerate(given):
        pair: object = item
        where = f"{field}[{i}]"
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise _invalid(where, "expected a (message id, phone) pair")
        pairs.append((_message_id(pair[0], where), _convert.phone_international(pair[1], field=where)))
    if not pairs:
        raise _invalid(field, "give at least one (message id, phone) pair")
    tail = "," if len(pairs) == 1 else ""
    return StatusQuery(tuple(pairs), ",".join(i for i, _ in pairs) + tail, ",".join(p for _, p in pairs) + tail)


def status_detail(value: int, *, field: str = "detail") -> StatusDetail:
    """``all``: 0, 1 or 2."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, f"expected 0, 1 or 2, got {value!r}")
    try:
        return StatusDetail(value)
    except ValueError:
        raise _invalid(field, f"expected 0, 1 or 2, got {value!r}") from None


def subclient_type(value: int | None, *, field: str = "account_type") -> SubclientType | None:
    """``type`` of a sub-client: 0..4."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, f"expected 0..4, got {value!r}")
    try:
        return SubclientType(value)
    except ValueError:
        raise _invalid(field, f"expected 0..4, got {value!r}") from None


def flag(value: bool, *, field: str = "flag") -> int | None:
    """True as SMSC's ``=1``; False leaves the parameter out (SMSC's default is off)."""
    if not isinstance(value, bool):
        raise _invalid(field, f"expected True or False, got {value!r}")
    return 1 if value else None


def schedule(at: datetime | None, *, field: str = "at") -> str | None:
    """A timezone-aware moment as send.php's ``time`` in its ``DDMMYYhhmm`` form, in Moscow time.

    A naive datetime is refused: SMSC would read it in Moscow time, which is rarely what was meant.
    Seconds are dropped (SMSC schedules to the minute).
    """
    if at is None:
        return None
    if not isinstance(at, datetime):
        raise _invalid(field, f"expected a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise _invalid(field, "give a timezone-aware datetime (e.g. datetime.now(UTC) + timedelta(hours=1))")
    return at.astimezone(MOSCOW).strftime("%d%m%y%H%M")


def lifetime(value: timedelta | None, *, field: str = "valid_for") -> str | None:
    """A timedelta of whole minutes, 1 min .. 99 h 59 min, as ``valid``'s ``hh:mm``."""
    if value is None:
        return None
    if not isinstance(value, timedelta):
        raise _invalid(field, f"expected a timedelta, got {type(value).__name__}")
    seconds = value.total_seconds()
    if seconds % 60 or not 60 <= seconds < 100 * 3600:
        raise _invalid(field, "expected whole minutes from 1 minute to 99 hours 59 minutes")
    hours, minutes = divmod(int(seconds) // 60, 60)
    return f"{hours:02d}:{minutes:02d}"


def subclient_flags(value: Mapping[int, bool] | None, *, field: str = "flags") -> dict[str, int] | None:
    """``{29: True}`` as ``fl[29]=1`` (the form codec spells a mapping ``name[key]=value``)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _invalid(field, "expected a mapping of flag numbers to True/False")
    flags: dict[str, int] = {}
    for key, on in value.items():
        if isinstance(key, bool) or not isinstance(key, int) or key < 0:
            raise _invalid(field, f"flag numbers are non-negative ints, got {key!r}")
        if not isinstance(on, bool):
            raise _invalid(field, f"flag {key}: expected True or False, got {on!r}")
        flags[str(key)] = int(on)
    return flags or None


def destinations(value: Sequence[int] | None, *, field: str = "destinations") -> str | None:
    """Destination (country/operator) codes as ``fmts``: ``[7, -77]`` -> ``7,-77``."""
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
        raise _invalid(field, "expected a non-empty sequence of integer codes")
    for code in value:
        if isinstance(code, bool) or not isinstance(code, int) or code == 0:
            raise _invalid(field, f"expected non-zero integer codes, got {code!r}")
    return ",".join(str(code) for code in value)


def amount(value: Decimal | int | str, *, field: str = "amount") -> Decimal:
    """Money as a positive finite Decimal in plain notation; floats are refused (binary fractions)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise _invalid(field, f"expected a Decimal, an int or a decimal string, got {type(value).__name__}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise _invalid(field, f"{value!r} is not a decimal number") from None
    if not number.is_finite() or number <= 0:
        raise _invalid(field, f"expected an amount above 0, got {value!r}")
    return Decimal(format(number, "f"))


def day(value: date, *, field: str = "date") -> str:
    """A date (or the date of a datetime) as ``dd.mm.yyyy``."""
    if not isinstance(value, date):
        raise _invalid(field, f"expected a date, got {type(value).__name__}")
    return value.strftime("%d.%m.%Y")


@functools.cache
def _password_rule() -> tuple[int, re.Pattern[str]]:
    """The sub-client password rule, read from the schema itself (minLength and pattern)."""
    schema = json.loads((files("smsgate_generated.smsc") / "smsc.schema.json").read_text(encoding="utf-8"))
    prop = schema["$defs"]["UsersAddRequest"]["properties"]["password"]
    return int(prop["minLength"]), re.compile(prop["pattern"])


def check_subclient_password(password: str | None, *, field: str = "password") -> None:
    """The schema's password rule, checked here so that no message ever quotes the password."""
    if password is None:
        return
    if not isinstance(password, str):
        raise _invalid(field, f"expected str, got {type(password).__name__}")
    min_length, pattern = _password_rule()
    if len(password) < min_length or not pattern.search(password):
        raise _invalid(
            field,
            f"a sub-client password has at least {min_length} characters and combines three of: "
            "lower case, upper case, digits, symbols",
        )


# -- replies --------------------------------------------------------------------------------------------


def _count(value: int | str, name: str) -> int:
    """A count SMSC may send as a JSON number or a string of digits."""
    if isinstance(value, int):
        count = value
    elif value.strip().isdigit():
        count = int(value.strip())
    else:
        raise CodecError(f"{name} {value[:20]!r} is not a count")
    if count < 0:
        raise CodecError(f"{name} {count} is negative")
    return count


def _money(value: Decimal | None, name: str) -> Decimal | None:
    return None if value is None else _amount(value, name)


def _amount(value: Decimal, name: str) -> Decimal:
    if not value.is_finite():
        raise CodecError(f"{name} {value} is not a finite amount")
    return value


def decode_send(reply: SendResponse, *, recipients: str) -> SmscSendResult:
    """One message id for the whole send; each recipient's message is that id plus its phone."""
    message_id = str(reply.id).strip()
    if not message_id:
        raise CodecError("the reply holds an empty message id")
    return SmscSendResult(
        messages=tuple(sent_message(phone.removeprefix("+"), message_id) for phone in recipients.split(",")),
        message_id=message_id,
        parts=_count(reply.cnt, "cnt"),
        cost=_money(reply.cost, "cost"),
        balance=_money(reply.balance, "balance"),
    )


def decode_duplicate_send(error: ProviderError, *, recipients: str, client_id: int | str | None) -> SmscSendResult:
    """A repeat after a lost reply was refused as a duplicate (send.9): the first attempt was accepted
    under the caller's `client_id`; what it cost is not known."""
    message_id = str(client_id)
    return SmscSendResult(
        messages=tuple(sent_message(phone.removeprefix("+"), message_id) for phone in recipients.split(",")),
        description=error.provider_message or error.description,
        message_id=message_id,
        parts=None,
        duplicate=True,
    )


def decode_estimate(reply: CostResponse) -> SmscEstimate:
    return SmscEstimate(cost=_amount(reply.cost, "cost"), parts=_count(reply.cnt, "cnt"))


def _moment(timestamp: int | None, text: str | None, name: str) -> datetime | None:
    """A Unix timestamp when there is one, else SMSC's ``DD.MM.YYYY hh:mm:ss`` in Moscow time."""
    if timestamp is not None and timestamp > 0:
        return datetime.fromtimestamp(timestamp, UTC)
    if text:
        try:
            return datetime.strptime(text.strip(), "%d.%m.%Y %H:%M:%S").replace(tzinfo=MOSCOW)
        except ValueError:
            raise CodecError(f"{name} {text[:30]!r} is not DD.MM.YYYY hh:mm:ss") from None
    return None


def _status(item: StatusResponse, message_id: str, phone: str) -> SmscMessageStatus[SmscStatus]:
    """A documented status code as `SmscStatus` and its state; any other code (the schema takes any
    integer) as status None, state UNKNOWN, the code kept in ``raw_status``. The same for ``err``: a
    sub-code errors.toml does not list is kept in ``error_code``, without a description."""
    raw = str(item.status)
    try:
        status: SmscStatus | None = SmscStatus(raw)
    except ValueError:
        status = None
    state = STATUS_STATES[status] if status is not None else DeliveryState.UNKNOWN
    err = item.err or None  # SMSC always sends ``err``; 0 means no error
    return SmscMessageStatus(
        message_id=str(item.id) if item.id is not None else message_id,
        status=status,
        raw_status=raw,
        state=state,
        checked_at=datetime.now(UTC),
        phone=item.phone or phone,
        error_code=err,
        error_description=CODE_TABLES["err"].get(str(err)) if err is not None else None,
        status_name=item.status_name,
        changed_at=_moment(item.last_timestamp, item.last_date, "last_date"),
        sent_at=_moment(item.send_timestamp, item.send_date, "send_date"),
        cost=_money(item.cost, "cost"),
        sender=item.sender_id,
        text=item.message,
        country=item.country,
        operator=item.operator,
        region=item.region,
    )


def _items(reply: StatusResponse | list[StatusResponse]) -> list[StatusResponse]:
    """status.php answers one id with an object and a list with an array: both become a list."""
    return reply if isinstance(reply, list) else [reply]


def decode_status(
    reply: StatusResponse | list[StatusResponse], *, message_id: int | str, phone: str
) -> SmscMessageStatus[SmscStatus]:
    items = _items(reply)
    if len(items) != 1:
        raise CodecError(f"the reply holds {len(items)} statuses for one message")
    return _status(items[0], str(message_id), phone)


def decode_statuses(
    reply: StatusResponse | list[StatusResponse], *, messages: StatusQuery
) -> tuple[SmscMessageStatus[SmscStatus], ...]:
    """One status per (id, phone) asked for, in that order."""
    items = _items(reply)
    if len(items) != len(messages.pairs):
        raise CodecError(f"the reply holds {len(items)} statuses for {len(messages.pairs)} messages")
    return tuple(_status(item, i, p) for item, (i, p) in zip(items, messages.pairs, strict=True))


def decode_balance(reply: BalanceResponse) -> SmscBalance:
    currency = (reply.currency or "").strip() or None
    return SmscBalance(
        amount=_amount(reply.balance, "balance"), currency=currency, credit=_money(reply.credit, "credit")
    )


def decode_subclient(reply: UsersAddResponse, *, login: str) -> SmscSubclient:
    subclient_id = str(reply.id).strip()
    if not subclient_id:
        raise CodecError("the reply holds an empty sub-client id")
    return SmscSubclient(subclient_id=subclient_id, login=login)


def decode_ok(reply: UsersChangeResponse) -> None:
    """``{"result": "OK"}``: the binding already refused anything else."""
    return None


def decode_subclient_stats(reply: list[UsersStatRow]) -> tuple[SmscSubclientStats, ...]:
    return tuple(
        SmscSubclientStats(
            login=row.login,
            messages=_count(row.sms, "sms"),
            credit=row.credit,
            debit=row.debit,
            currency=row.currency,
        )
        for row in reply
    )


def decode_subclient_stats_detailed(reply: list[UsersStatAllRow]) -> tuple[SmscSubclientDetailedStats, ...]:
    return tuple(
        SmscSubclientDetailedStats(
            login=row.login,
            lines=tuple(
                SmscSubclientStatsLine(
                    description=item.description,
                    operator=item.operator,
                    mccmnc=item.mccmnc,
                    messages=_count(item.sms, "sms"),
                    credit=item.credit,
                    debit=item.debit,
                    currency=item.currency,
                )
                for item in row.items
            ),
        )
        for row in reply
    )
