"""Reading an SMSC request: its parameters (query string and body, as PHP's ``$_REQUEST``), the reply context
(script, ``fmt``, ``charset``) and the values every script shares (phones, dates, the caller's address).

A handler refuses a request by raising `Refused` with the SMSC error code; the provider writes it in the
request's format (`smsgate.emulator._smsc._replies.error`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP
from typing import Final
from urllib.parse import parse_qsl

from smsgate.emulator._server import Request

__all__ = [
    "CODECS",
    "DEFAULT_CHARSET",
    "ID",
    "NO_CLIENT_ID",
    "PHONE",
    "SCRIPTS",
    "Context",
    "Params",
    "Refused",
    "caller_address",
    "normalize_phone",
    "operation",
    "parse_day",
    "password_matches",
    "read_params",
    "schedule",
]

CODECS: Final = {"utf-8": "utf-8", "koi8-r": "koi8_r", "windows-1251": "cp1251"}
DEFAULT_CHARSET: Final = "windows-1251"
SCRIPTS: Final = {
    "/sys/send.php": "send",
    "/sys/status.php": "status",
    "/sys/balance.php": "balance",
    "/sys/users.php": "users",
}
_USERS_OPERATIONS: Final = {
    "add": "users_add",
    "chg": "users_change",
    "pay": "users_pay",
    "get_stat": "users_stat",
    "get_stat_all": "users_stat_all",
}

#: ``id`` values that mean "no client id": the official Python and PHP libraries send ``id=0`` on every send.
NO_CLIENT_ID: Final = ("", "0")
ID: Final = re.compile(r"[A-Za-z0-9._-]{1,40}")
PHONE: Final = re.compile(r"(\+?)([0-9]{7,15})")
_DATE: Final = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")
_DDMMYYHHMM: Final = re.compile(r"([0-9]{2})\.?([0-9]{2})\.?([0-9]{2}) ?([0-9]{2}):?([0-9]{2})")


class Refused(Exception):
    """The request is refused with SMSC error `code` (written in the request's format)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Params:
    """The request's parameters as latin-1 "byte strings", decoded with the request's charset on access."""

    raw: dict[str, str]
    codec: str = "cp1251"

    def has(self, key: str) -> bool:
        return key in self.raw

    def get(self, key: str) -> str | None:
        value = self.raw.get(key)
        return None if value is None else value.encode("latin-1").decode(self.codec, errors="replace")

    def text(self, key: str) -> str:
        return (self.get(key) or "").strip()

    def choice(self, key: str, low: int, high: int, default: int = 0) -> int:
        """An integer parameter in low..high; blank → default; anything else → error 1."""
        value = self.text(key)
        if not value:
            return default
        if not re.fullmatch(r"-?[0-9]{1,3}", value) or not low <= int(value) <= high:
            raise Refused(1)
        return int(value)


def read_params(request: Request) -> Params:
    """The query string and the body's parameters (body values win), as PHP's ``$_REQUEST``.

    Values are kept as bytes (latin-1 strings) and decoded with the request's ``charset`` on access, so
    that a windows-1251 or koi8-r query string or body reads as the client wrote it. A body is a form
    (``application/x-www-form-urlencoded``, also when no type is given) or ``multipart/form-data`` (files,
    which PHP keeps apart in ``$_FILES``, are skipped); a JSON body is not read.
    """
    raw: dict[str, str] = {}
    if request.raw_query:
        raw.update(_form_pairs(request.raw_query))
    else:
        for key, values in request.query.items():
            if values:
                raw[_bytes_string(key)] = _bytes_string(values[-1])
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    if request.body and kind == "multipart/form-data":
        raw.update(_multipart_pairs(content_type, request.body))
    elif request.body and not kind.startswith(("multipart/", "application/json")):
        raw.update(_form_pairs(request.body.decode("latin-1")))
    if len(raw) > 1000:
        raise Refused(1)
    return Params(raw)


def _form_pairs(text: str) -> list[tuple[str, str]]:
    """``a=1&b=%C0`` → [("a", "1"), ("b", "\xc0")]: percent-decoded to bytes, held as latin-1 strings."""
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="latin-1", max_num_fields=1000)
    except ValueError:
        raise Refused(1) from None


def _multipart_pairs(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The fields of a ``multipart/form-data`` body (files skipped), values as latin-1 strings of their bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", errors="replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise Refused(1)
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_param("filename", header="content-disposition") is not None:
            continue
        payload = part.get_payload(decode=True)
        value = payload if isinstance(payload, bytes) else b""
        pairs.append((_bytes_string(name), value.decode("latin-1")))
        if len(pairs) > 1000:
            raise Refused(1)
    return pairs


def _bytes_string(value: str) -> str:
    """A str decoded as UTF-8 back to its bytes, held as a latin-1 str (one char per byte)."""
    return value.encode("utf-8", errors="replace").decode("latin-1")


@dataclass
class Context:
    """How to write the reply of one request."""

    area: str
    fmt: int = 0
    charset: str = DEFAULT_CHARSET
    operation: str | None = None
    #: send.php: the caller's id, echoed in error replies.
    client_id: str | None = None

    @property
    def codec(self) -> str:
        return CODECS[self.charset]


def operation(area: str, params: Params) -> str | None:
    """``send``/``cost``, ``status``, ``balance`` or ``users_…`` (None when no single users.php operation is set)."""
    if area == "send":
        return "cost" if params.text("cost") == "1" else "send"
    if area == "users":
        chosen = [op for flag, op in _USERS_OPERATIONS.items() if params.text(flag) == "1"]
        return chosen[0] if len(chosen) == 1 else None
    return area


def normalize_phone(value: str) -> str | None:
    """The digits of a phone (``+`` optional; without it, 11 digits from 8 become 7…), or None if malformed."""
    m = PHONE.fullmatch(value.strip())
    if m is None:
        return None
    plus, digits = m.groups()
    if not plus and len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


def caller_address(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for", "")
    first = forwarded.split(",", 1)[0].strip()
    return first or "127.0.0.1"


def password_matches(password: str, psw: str) -> bool:
    digest = hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest()
    return hmac.compare_digest(psw.encode("utf-8"), password.encode("utf-8")) or hmac.compare_digest(
        psw.lower().encode("utf-8"), digest.encode("ascii")
    )


def _zone(tz: int) -> timezone:
    return timezone(timedelta(hours=3 + tz))


def schedule(value: str, tz: int, now: datetime) -> datetime | None:
    """The send time a ``time`` parameter asks for (never before `now`), or None when it is malformed."""
    zone = _zone(tz)
    local = now.astimezone(zone)
    try:
        if not value:
            when = now
        elif m := _DDMMYYHHMM.fullmatch(value):
            day, month, year, hour, minute = map(int, m.groups())
            when = datetime(2000 + year, month, day, hour, minute, tzinfo=zone)
        elif re.fullmatch(r"0[0-9]{1,11}", value):
            when = datetime.fromtimestamp(int(value), UTC)
        elif m := re.fullmatch(r"([0-9]{1,2})-([0-9]{1,2})", value):
            first, last = int(m.group(1)), int(m.group(2))
            if not 0 <= first < last <= 24:
                return None
            if first <= local.hour < last:
                when = now
            else:
                start = local.replace(hour=first, minute=0, second=0, microsecond=0)
                when = start if local.hour < first else start + timedelta(days=1)
        elif m := re.fullmatch(r"\+([0-9]{1,6})", value):
            when = now + timedelta(minutes=int(m.group(1)))
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    return max(when, now)


def parse_day(value: str) -> date | None:
    m = _DATE.fullmatch(value)
    if m is None:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
