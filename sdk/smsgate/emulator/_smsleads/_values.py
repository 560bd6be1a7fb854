"""Values as SMSLeads writes them: Israeli phone numbers, ``dd/mm/yy hh:mm`` dates, sources, ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = [
    "DIGITS",
    "DYNAMIC",
    "SOURCE",
    "format_time",
    "is_israeli_landline",
    "normalize_mobile",
    "parse_time",
]

_MOBILE = re.compile(r"0?(5[0-9]{8})")
_LANDLINE = re.compile(r"0?([2-489][0-9]{7}|7[2-9][0-9]{7})")
SOURCE = re.compile(r"[0-9A-Za-z]{1,11}")
DIGITS = re.compile(r"[0-9]+")
_TIME = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{2}) ([0-9]{2}):([0-9]{2})")
DYNAMIC = re.compile(r"\[DYNAMIC_FIELD([1-6])\]")


def normalize_mobile(phone: str) -> str | None:
    """``05XXXXXXXX`` for an Israeli mobile given as ``05XXXXXXXX`` or ``5XXXXXXXX`` (spaces around are ignored)."""
    match = _MOBILE.fullmatch(phone.strip())
    return "0" + match.group(1) if match else None


def is_israeli_landline(phone: str) -> bool:
    """An Israeli landline (or 07x) number, with or without its leading 0: ``3xxxxxxx``, ``04xxxxxxx``…"""
    return bool(_LANDLINE.fullmatch(phone.strip()))


def parse_time(text: str) -> datetime | None:
    """A ``dd/mm/yy hh:mm`` date (UTC, years 2000-2099), or None when it is not one."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    day, month, year, hour, minute = (int(part) for part in match.groups())
    try:
        return datetime(2000 + year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def format_time(moment: datetime) -> str:
    """``dd/mm/yy hh:mm`` in UTC."""
    return moment.astimezone(UTC).strftime("%d/%m/%y %H:%M")
