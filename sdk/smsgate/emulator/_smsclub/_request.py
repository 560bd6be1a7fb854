"""Reading an SMSClub request: the operation of its path, the Bearer token, the JSON body, and the values
several operations check (recipients, texts).

A handler refuses a request by raising `Refused` with the reply to give (built by ``_replies``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from smsgate._segments import Encoding, analyze
from smsgate.emulator._letsads import recipient_is_valid
from smsgate.emulator._server import Reply
from smsgate.emulator._smsclub._state import MAX_GSM7_CHARACTERS, MAX_UCS2_CHARACTERS

__all__ = [
    "BAD_PHONE",
    "BAD_SENDER",
    "BEARER",
    "DIGITS",
    "ID_SMS",
    "INVALID_ID_SMS",
    "OPERATIONS",
    "SENDER_ID",
    "Item",
    "Refused",
    "json_object",
    "normalize_phone",
    "phone_key",
    "route",
    "text_problem",
]

OPERATIONS: Final = {
    "/sms/send": "send",
    "/v2/sms/send": "personal",
    "/sms/status": "status",
    "/sms/originator": "originator",
    "/sms/balance": "balance",
    "/originators/registration-originators": "originator_registration",
    "/originators/stat-originators": "originator_status",
}
BEARER = re.compile(r"Bearer[ \t]+(\S+)[ \t]*", re.IGNORECASE)
ID_SMS = re.compile(r"[0-9]{1,18}")
_INTERNATIONAL = re.compile(r"[1-9][0-9]{9,14}")
_UA_NATIONAL = re.compile(r"0[0-9]{9}")
BAD_SENDER = "Некоректне Альфа Ім'я"
BAD_PHONE = "Incorrect phone number"
INVALID_ID_SMS = "Invalid id_sms"
SENDER_ID = re.compile(r"[A-Za-z0-9 ._-]{1,11}")
DIGITS = re.compile(r"[0-9]{1,20}")


def normalize_phone(raw: object) -> str | None:
    """The international digits of a recipient, or None when SMSClub would reject it (module docstring)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    value = str(raw).strip().removeprefix("+")
    if _UA_NATIONAL.fullmatch(value):
        value = "38" + value
    if not _INTERNATIONAL.fullmatch(value) or not recipient_is_valid(value):
        return None
    return value


def text_problem(text: object) -> str | None:
    """Why a message text is refused, or None."""
    if not isinstance(text, str) or not text.strip():
        return "Message text is empty"
    segments = analyze(text)
    limit = MAX_GSM7_CHARACTERS if segments.encoding is Encoding.GSM7 else MAX_UCS2_CHARACTERS
    if segments.characters > limit:
        return f"Message text is too long (at most {limit} characters)"
    return None


class Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.outcome)
        self.reply = reply


@dataclass(frozen=True, slots=True)
class Item:
    """One accepted recipient of a send."""

    phone: str
    text: str


def route(path: str) -> str:
    return path.rstrip("/") if path not in ("", "/") else path


def json_object(body: bytes) -> dict[str, object]:
    """The request body as a JSON object; anything else (empty, not JSON, not an object) counts as ``{}``."""
    try:
        data = json.loads(body) if body.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def phone_key(raw: object) -> str:
    """A rejected phone as an ``add_info`` key: the value as sent."""
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
