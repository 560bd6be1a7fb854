"""``<balance/>``: the account's balance and currency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate.emulator._letsads._replies import balance_reply
from smsgate.emulator._letsads._request import Parsed
from smsgate.emulator._letsads._state import LetsAdsAccount
from smsgate.emulator._server import Reply

if TYPE_CHECKING:
    from smsgate.emulator._letsads._provider import LetsAds

__all__ = ["balance"]


def balance(letsads: LetsAds, account: LetsAdsAccount, parsed: Parsed) -> Reply:
    """Two decimals, as the page shows."""
    return balance_reply(account.balance, account.currency)
