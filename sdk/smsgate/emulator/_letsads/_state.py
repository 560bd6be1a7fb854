"""LetsAds' state: accounts and messages whose status follows the emulated clock; the status and error codes
as LetsAds spells them; the limits the handlers check.

Nothing here reads a request or writes a reply: the handlers (``_send``, ``_status``, ``_balance``) change this
state and ``_replies`` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from smsgate._segments import Encoding
from smsgate.emulator._clock import Clock
from smsgate.emulator._seedutil import format_money

__all__ = [
    "DEFAULT_SENDERS",
    "FINAL_AFTER",
    "MAX_GSM7_CHARACTERS",
    "MAX_RECIPIENTS",
    "MAX_UCS2_CHARACTERS",
    "SENT_AFTER",
    "LetsAdsAccount",
    "LetsAdsError",
    "LetsAdsMessage",
    "LetsAdsStatus",
]

#: Emulated seconds from creation to MESSAGE_IS_SENT.
SENT_AFTER: Final = 5.0
#: Emulated seconds from creation to the final status.
FINAL_AFTER: Final = 30.0
MAX_RECIPIENTS: Final = 50
MAX_GSM7_CHARACTERS: Final = 459
MAX_UCS2_CHARACTERS: Final = 402
#: The senders of the seeded accounts.
DEFAULT_SENDERS: Final = ("Sender", "smsgate")


class LetsAdsStatus(StrEnum):
    """Message statuses, as LetsAds spells them."""

    IN_QUEUE = "MESSAGE_IN_QUEUE"
    IS_SENT = "MESSAGE_IS_SENT"
    IS_DELIVERED = "MESSAGE_IS_DELIVERED"
    NOT_DELIVERED = "MESSAGE_NOT_DELIVERED"


class LetsAdsError(StrEnum):
    """Error codes, as LetsAds spells them. ``INCORRECT_RECIPIENT_`` is a prefix: the number follows it."""

    NO_DATA = "NO_DATA"
    WRONG_DATA_FORMAT = "WRONG_DATA_FORMAT"
    REQUEST_FORMAT = "REQUEST_FORMAT"
    AUTH_DATA = "AUTH_DATA"
    API_DISABLED = "API_DISABLED"
    USER_NOT_MODERATED = "USER_NOT_MODERATED"
    INCORRECT_FROM = "INCORRECT_FROM"
    INVALID_FROM = "INVALID_FROM"
    MESSAGE_TOO_LONG = "MESSAGE_TOO_LONG"
    NO_MESSAGE = "NO_MESSAGE"
    MAX_MESSAGES_COUNT = "MAX_MESSAGES_COUNT"
    NOT_ENOUGH_MONEY = "NOT_ENOUGH_MONEY"
    INCORRECT_RECIPIENT = "INCORRECT_RECIPIENT_"
    MESSAGE_NOT_EXIST = "MESSAGE_NOT_EXIST"
    UNKNOWN_ERROR = "UNKNOWN_ERROR"


@dataclass
class LetsAdsAccount:
    """A LetsAds account. The password is never shown in ``repr()`` nor in the state output."""

    login: str
    password: str = field(repr=False)
    balance: Decimal = Decimal("100.00")
    currency: str = "UAH"
    api_enabled: bool = True
    moderated: bool = True
    senders: list[str] = field(default_factory=lambda: list(DEFAULT_SENDERS))
    price_per_part: Decimal = Decimal("0.50")
    #: Recipients whose last digit is one of these end MESSAGE_NOT_DELIVERED; the others are delivered.
    undelivered_last_digits: str = "9"

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state, without the password."""
        return {
            "login": self.login,
            "balance": format_money(self.balance),
            "currency": self.currency,
            "api_enabled": self.api_enabled,
            "moderated": self.moderated,
            "senders": list(self.senders),
            "price_per_part": str(self.price_per_part),
            "undelivered_last_digits": self.undelivered_last_digits,
        }


@dataclass
class LetsAdsMessage:
    """One message to one recipient. `status` follows the emulated clock."""

    id: int
    login: str
    sender: str
    recipient: str
    text: str
    encoding: Encoding
    parts: int
    cost: Decimal
    created_at: datetime
    delivered: bool
    _clock: Clock = field(repr=False, compare=False)

    @property
    def status(self) -> LetsAdsStatus:
        """The status now, on the emulated clock."""
        return self.status_at(self._clock.now())

    def status_at(self, now: datetime) -> LetsAdsStatus:
        """The status at emulated time `now`."""
        elapsed = now - self.created_at
        if elapsed < timedelta(seconds=SENT_AFTER):
            return LetsAdsStatus.IN_QUEUE
        if elapsed < timedelta(seconds=FINAL_AFTER):
            return LetsAdsStatus.IS_SENT
        return LetsAdsStatus.IS_DELIVERED if self.delivered else LetsAdsStatus.NOT_DELIVERED

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "id": self.id,
            "login": self.login,
            "sender": self.sender,
            "recipient": self.recipient,
            "text": self.text,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "cost": str(self.cost),
            "created_at": self.created_at.isoformat(),
            "status": str(self.status),
        }
