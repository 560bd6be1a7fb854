"""SMSClub's state: accounts (balance, sender names and their registrations), messages whose status follows the
emulated clock, and the limits the handlers check.

Nothing here reads a request or writes a reply: the handlers (``_send``, ``_status``, ``_senders``,
``_balance``) change this state and ``_replies`` renders it.
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
    "APPROVED",
    "DEFAULT_ORIGINATORS",
    "DUPLICATE_WINDOW",
    "FINAL_AFTER",
    "MAX_GSM7_CHARACTERS",
    "MAX_IDS",
    "MAX_RECIPIENTS",
    "MAX_UCS2_CHARACTERS",
    "MODERATED",
    "MODERATION_AFTER",
    "MONEY",
    "RATE_LIMIT",
    "RATE_WINDOW",
    "SmsClubAccount",
    "SmsClubMessage",
    "SmsClubRegistration",
    "SmsClubStatus",
]

#: Four decimals: how SMSClub shows money (``"8111.1700"``).
MONEY: Final = Decimal("0.0001")
#: Emulated seconds from creation to the final status.
FINAL_AFTER: Final = 30.0
#: Emulated seconds during which the same text to the same phone is a duplicate (453).
DUPLICATE_WINDOW: Final = 120.0
#: Emulated seconds a sender-name registration stays "Being moderated" before it is "Approved".
MODERATION_AFTER: Final = 3600.0
#: Requests per second per token.
RATE_LIMIT: Final = 9
#: Real seconds of the rate-limit window.
RATE_WINDOW: Final = 1.0
MAX_RECIPIENTS: Final = 100
MAX_IDS: Final = 100
MAX_GSM7_CHARACTERS: Final = 1521
MAX_UCS2_CHARACTERS: Final = 661
#: The sender names of the seeded accounts.
DEFAULT_ORIGINATORS: Final = ("VashZakaz", "test1", "test2", "smsgate")
#: The states ``stat-originators`` answers (presumed texts: SMSClub shows none).
APPROVED: Final = "Approved"
MODERATED: Final = "Being moderated"


class SmsClubStatus(StrEnum):
    """Message statuses the emulator answers (the page's five SMPP-style codes)."""

    ENROUTE = "ENROUTE"
    DELIVRD = "DELIVRD"
    EXPIRED = "EXPIRED"
    UNDELIV = "UNDELIV"
    REJECTD = "REJECTD"


@dataclass
class SmsClubAccount:
    """An SMSClub account. The token is never shown in ``repr()`` nor in the state output."""

    name: str
    token: str = field(repr=False)
    balance: Decimal = Decimal("100.00")
    currency: str = "UAH"
    originators: list[str] = field(default_factory=lambda: list(DEFAULT_ORIGINATORS))
    price_per_part: Decimal = Decimal("0.85")
    #: Recipients whose last digit is one of these end UNDELIV; the others DELIVRD.
    undelivered_last_digits: str = "9"
    #: Sender names requested through ``/originators/registration-originators``, by name.
    registrations: dict[str, SmsClubRegistration] = field(default_factory=dict)

    def senders_at(self, now: datetime) -> list[str]:
        """The names the account may send from at `now`: the seeded ones, then the approved registrations."""
        approved = [
            name for name, r in self.registrations.items() if r.approved_at(now) and name not in self.originators
        ]
        return [*self.originators, *approved]

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state, without the token."""
        return {
            "name": self.name,
            "balance": format_money(self.balance, MONEY),
            "currency": self.currency,
            "originators": list(self.originators),
            "registrations": sorted(self.registrations),
            "price_per_part": str(self.price_per_part),
            "undelivered_last_digits": self.undelivered_last_digits,
        }


@dataclass
class SmsClubRegistration:
    """A sender-name registration request (``/originators/registration-originators``)."""

    sender_id: str
    company_type: str
    company: str
    inn: str
    okpo: str
    subject: str
    description: str
    site: str
    requested_at: datetime

    def approved_at(self, now: datetime) -> bool:
        """Whether moderation is over at emulated time `now`."""
        return now - self.requested_at >= timedelta(seconds=MODERATION_AFTER)

    def to_json(self, now: datetime) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "sender_id": self.sender_id,
            "company_type": self.company_type,
            "company": self.company,
            "requested_at": self.requested_at.isoformat(),
            "state": APPROVED if self.approved_at(now) else MODERATED,
        }


@dataclass
class SmsClubMessage:
    """One message to one recipient. `status` follows the emulated clock."""

    id: int
    account: str
    sender: str
    phone: str
    text: str
    encoding: Encoding
    parts: int
    cost: Decimal
    created_at: datetime
    delivered: bool
    _clock: Clock = field(repr=False, compare=False)

    @property
    def status(self) -> SmsClubStatus:
        """The status now, on the emulated clock."""
        return self.status_at(self._clock.now())

    def status_at(self, now: datetime) -> SmsClubStatus:
        """The status at emulated time `now`."""
        if now - self.created_at < timedelta(seconds=FINAL_AFTER):
            return SmsClubStatus.ENROUTE
        return SmsClubStatus.DELIVRD if self.delivered else SmsClubStatus.UNDELIV

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "id": self.id,
            "account": self.account,
            "sender": self.sender,
            "phone": self.phone,
            "text": self.text,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "cost": str(self.cost),
            "created_at": self.created_at.isoformat(),
            "status": str(self.status),
        }
