"""Reading a LetsAds request: the XML body (``<request><auth>…</auth><message>|<sms_id>|<balance>``), checks 1-3
of the package docstring, and the sender and recipient rules. A refusal is `Refused` with LetsAds' error code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from lxml import etree

from smsgate._xml import UnsafeXMLError, XMLSyntaxError, parse_untrusted
from smsgate.emulator._letsads._state import LetsAdsError

__all__ = ["OPERATIONS", "Parsed", "Refused", "parse", "recipient_is_valid", "sender_is_well_formed"]


class Refused(Exception):
    def __init__(self, code: str, operation: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.operation = operation


OPERATIONS: Final = {"message": "send", "sms_id": "status", "balance": "balance"}
_ALPHA_SENDER = re.compile(r"[A-Za-z0-9._-](?:[A-Za-z0-9 ._-]{0,9}[A-Za-z0-9._-])?")
_NUMERIC_SENDER = re.compile(r"[0-9]{1,15}")
_RECIPIENT = re.compile(r"[0-9]{7,15}")
_SMS_ID = re.compile(r"[0-9]+")
_LETTER = re.compile(r"[A-Za-z]")


def sender_is_well_formed(sender: str) -> bool:
    """The emulator's INCORRECT_FROM rule (see the module docstring)."""
    if _NUMERIC_SENDER.fullmatch(sender):
        return True
    return bool(_ALPHA_SENDER.fullmatch(sender)) and bool(_LETTER.search(sender))


@functools.cache
def _phonenumbers() -> Callable[[str], bool]:
    import phonenumbers

    def possible(digits: str) -> bool:
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return False
        return bool(phonenumbers.is_possible_number(number))

    return possible


def recipient_is_valid(recipient: str) -> bool:
    """The emulator's INCORRECT_RECIPIENT_ rule: 7..15 digits and a possible number with a leading '+'."""
    value = recipient.strip()
    return bool(_RECIPIENT.fullmatch(value)) and _phonenumbers()(value)


def _leaf(element: etree._Element, operation: str | None) -> str:
    """The text of a value element; child elements make the request malformed."""
    if len(element):
        raise Refused(LetsAdsError.REQUEST_FORMAT, operation)
    return element.text or ""


def _at_most_one(parent: etree._Element, tag: str, operation: str | None) -> etree._Element | None:
    found = parent.findall(tag)
    if len(found) > 1:
        raise Refused(LetsAdsError.REQUEST_FORMAT, operation)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Parsed:
    operation: str
    login: str
    password: str
    sender: str = ""
    text: str = ""
    recipients: tuple[str, ...] = ()
    sms_id: int = 0


def parse(body: bytes) -> Parsed:
    """Checks 1-3 of the module docstring; raises `Refused`."""
    if not body.strip():
        raise Refused(LetsAdsError.NO_DATA)
    try:
        root = parse_untrusted(body)
    except (XMLSyntaxError, UnsafeXMLError, ValueError):
        raise Refused(LetsAdsError.WRONG_DATA_FORMAT) from None
    if root.tag != "request":
        raise Refused(LetsAdsError.REQUEST_FORMAT)
    children = [child for child in root if isinstance(child.tag, str)]
    ops = [child for child in children if child.tag in OPERATIONS]
    operation = OPERATIONS[str(ops[0].tag)] if len(ops) == 1 else None
    auths = [child for child in children if child.tag == "auth"]
    if len(auths) != 1 or operation is None:
        raise Refused(LetsAdsError.REQUEST_FORMAT, operation)
    login_el = _at_most_one(auths[0], "login", operation)
    password_el = _at_most_one(auths[0], "password", operation)
    login = "" if login_el is None else _leaf(login_el, operation)
    password = "" if password_el is None else _leaf(password_el, operation)
    element = ops[0]
    if operation == "send":
        from_el = _at_most_one(element, "from", operation)
        text_el = _at_most_one(element, "text", operation)
        recipients = tuple(_leaf(r, operation) for r in element.findall("recipient"))
        if not recipients:
            raise Refused(LetsAdsError.REQUEST_FORMAT, operation)
        return Parsed(
            operation,
            login,
            password,
            sender="" if from_el is None else _leaf(from_el, operation),
            text="" if text_el is None else _leaf(text_el, operation),
            recipients=recipients,
        )
    if operation == "status":
        raw_id = _leaf(element, operation).strip()
        if not _SMS_ID.fullmatch(raw_id):
            raise Refused(LetsAdsError.REQUEST_FORMAT, operation)
        # Ids longer than any real one cannot exist (and int() refuses over 4300 digits).
        sms_id = int(raw_id) if len(raw_id) <= 18 else -1
        return Parsed(operation, login, password, sms_id=sms_id)
    return Parsed(operation, login, password)
