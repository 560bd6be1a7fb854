"""``/sms/balance``: money with four decimals and the currency (or the page's broken shape, ``documented_replies``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate.emulator._server import Reply
from smsgate.emulator._smsclub._replies import balance_reply
from smsgate.emulator._smsclub._state import SmsClubAccount

if TYPE_CHECKING:
    from smsgate.emulator._smsclub._provider import SmsClub

__all__ = ["balance"]


def balance(smsclub: SmsClub, account: SmsClubAccount, body: bytes) -> Reply:
    """``/sms/balance`` (a body is ignored)."""
    return balance_reply(account.balance, account.currency, documented=smsclub.documented_replies)
