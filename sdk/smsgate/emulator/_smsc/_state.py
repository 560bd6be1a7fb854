"""SMSC's state: accounts and sub-clients, messages with their clock-driven statuses, top-ups.

Nothing here reads a request or writes a reply: the handlers (``_send``, ``_status``, ``_balance``,
``_users``) change this state and the reply formats (``_replies``) render it.

A message is -1 (waiting) until `TRANSMITTED_AFTER` (5) emulated seconds after its send time (``time`` or
creation), 0 (handed to the operator) until `FINAL_AFTER` (30), then 1 (delivered), or 20 with ``err`` 1
when the recipient's last digit is one of the account's ``undelivered_last_digits`` (``"9"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from typing import Final

from smsgate._segments import Encoding
from smsgate.emulator._clock import Clock
from smsgate.emulator._seedutil import format_money

__all__ = [
    "DEFAULT_SENDERS",
    "FINAL_AFTER",
    "MOSCOW",
    "STATUS_NAMES",
    "TRANSMITTED_AFTER",
    "SmscAccount",
    "SmscMessage",
    "SmscPayment",
    "SmscStatus",
    "StatRow",
    "directory",
]

#: Moscow time, in which SMSC writes and reads dates (UTC+3, no daylight saving since 2014).
MOSCOW: Final = timezone(timedelta(hours=3), "MSK")
#: Emulated seconds from the send time to status 0 (handed to the operator).
TRANSMITTED_AFTER: Final = 5.0
#: Emulated seconds from the send time to the final status.
FINAL_AFTER: Final = 30.0
DEFAULT_SENDERS: Final = ("SMSC.RU", "smsgate")


class SmscStatus(IntEnum):
    """Message status codes of status.php."""

    NOT_FOUND = -3
    STOPPED = -2
    WAITING = -1
    TRANSMITTED = 0
    DELIVERED = 1
    READ = 2
    EXPIRED = 3
    CLICKED = 4
    UNDELIVERABLE = 20
    INVALID_NUMBER = 22
    FORBIDDEN = 23
    INSUFFICIENT_FUNDS = 24
    UNAVAILABLE_NUMBER = 25


STATUS_NAMES: Final = {
    -3: "Не найдено",
    -2: "Остановлено",
    -1: "Ожидает отправки",
    0: "Передано оператору",
    1: "Доставлено",
    2: "Прочитано",
    3: "Просрочено",
    4: "Нажата ссылка",
    20: "Невозможно доставить",
    22: "Неверный номер",
    23: "Запрещено",
    24: "Недостаточно средств",
    25: "Недоступный номер",
}


#: (prefix, country, operator, MCC+MNC, region) for ``all=2`` and get_stat_all; the first matching prefix wins.
_DIRECTORY: Final = (
    ("79", "Россия", "МТС", "25001", "г.Москва и Московская область"),
    ("7", "Казахстан", "Beeline", "40101", ""),
    ("380", "Украина", "Киевстар", "25503", ""),
    ("375", "Беларусь", "A1", "25701", ""),
    ("", "Неизвестно", "Неизвестно", "", ""),
)


def directory(phone: str) -> tuple[str, str, str, str]:
    """(country, operator, mccmnc, region) of a phone."""
    for prefix, country, operator, mccmnc, region in _DIRECTORY:
        if phone.startswith(prefix):
            return country, operator, mccmnc, region
    raise AssertionError("unreachable: the last prefix is empty")  # pragma: no cover


@dataclass
class SmscAccount:
    """An SMSC account or sub-client. The password and API key never show in ``repr()`` nor in the state."""

    login: str
    password: str = field(repr=False)
    apikey: str | None = field(default=None, repr=False)
    balance: Decimal = Decimal("1000.00")
    credit: Decimal = Decimal("0.00")
    currency: str = "RUR"
    senders: list[str] = field(default_factory=lambda: list(DEFAULT_SENDERS))
    price_per_part: Decimal = Decimal("1.68")
    undelivered_last_digits: str = "9"
    allowed_ips: list[str] = field(default_factory=list)
    #: The parent's login for a sub-client, else None.
    parent: str | None = None
    #: Sub-client type: 0 own tariff and balance; 1 parent's tariff; 2 parent's tariff and balance;
    #: 3 parent's balance; 4 an extra login of the parent.
    type: int = 0
    #: Sub-client id (users.php), None for a main account.
    user_id: int | None = None
    email: str = ""
    phone: str = ""
    fio: str = ""
    fmts: str = ""
    flags: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state, without the password and API key."""
        return {
            "login": self.login,
            "balance": format_money(self.balance),
            "credit": format_money(self.credit),
            "currency": self.currency,
            "senders": list(self.senders),
            "price_per_part": str(self.price_per_part),
            "undelivered_last_digits": self.undelivered_last_digits,
            "allowed_ips": list(self.allowed_ips),
            "has_apikey": self.apikey is not None,
            "parent": self.parent,
            "type": self.type,
            "user_id": self.user_id,
            "email": self.email,
            "phone": self.phone,
            "fio": self.fio,
            "fmts": self.fmts,
            "flags": dict(self.flags),
        }


@dataclass
class SmscMessage:
    """One message to one recipient. `status` follows the emulated clock."""

    id: str
    login: str
    phone: str
    text: str
    sender: str
    encoding: Encoding
    parts: int
    cost: Decimal
    created_at: datetime
    send_at: datetime
    delivered: bool
    _clock: Clock = field(repr=False, compare=False)

    @property
    def status(self) -> SmscStatus:
        """The status now, on the emulated clock."""
        return self.status_at(self._clock.now())

    def status_at(self, now: datetime) -> SmscStatus:
        """The status at emulated time `now`."""
        if now < self.send_at + timedelta(seconds=TRANSMITTED_AFTER):
            return SmscStatus.WAITING
        if now < self.send_at + timedelta(seconds=FINAL_AFTER):
            return SmscStatus.TRANSMITTED
        return SmscStatus.DELIVERED if self.delivered else SmscStatus.UNDELIVERABLE

    def changed_at(self, now: datetime) -> datetime:
        """When the status at `now` began."""
        status = self.status_at(now)
        if status is SmscStatus.WAITING:
            return self.created_at
        if status is SmscStatus.TRANSMITTED:
            return self.send_at + timedelta(seconds=TRANSMITTED_AFTER)
        return self.send_at + timedelta(seconds=FINAL_AFTER)

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        return {
            "id": self.id,
            "login": self.login,
            "phone": self.phone,
            "text": self.text,
            "sender": self.sender,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "cost": str(self.cost),
            "created_at": self.created_at.isoformat(),
            "send_at": self.send_at.isoformat(),
            "status": int(self.status),
        }


@dataclass(frozen=True)
class SmscPayment:
    """A top-up of a sub-client by its parent (users.php pay=1)."""

    parent: str
    user: str
    amount: Decimal
    time: datetime

    def to_json(self) -> dict[str, object]:
        """JSON-serialisable state."""
        amount = format_money(self.amount)
        return {"parent": self.parent, "user": self.user, "amount": amount, "time": self.time.isoformat()}


@dataclass
class StatRow:
    """Stats of one sub-client, per item (description, operator, mccmnc) → [sms, credit, debit]."""

    login: str
    currency: str
    items: dict[tuple[str, str, str], list[Decimal]] = field(default_factory=dict)

    def add(self, key: tuple[str, str, str], sms: int, credit: Decimal, debit: Decimal) -> None:
        totals = self.items.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        totals[0] += sms
        totals[1] += credit
        totals[2] += debit

    def totals(self) -> list[Decimal]:
        return [sum((item[i] for item in self.items.values()), Decimal(0)) for i in range(3)]
