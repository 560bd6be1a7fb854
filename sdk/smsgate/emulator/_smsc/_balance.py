"""balance.php, after the checks every script shares (see the package).

**balance.1** — ``cur`` not 0/1; **balance.9** (rate limits on) — an eleventh request within a minute.
The balance is that of the account paying (a sub-client of type 2, 3 or 4 spends its parent's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate.emulator._server import Reply
from smsgate.emulator._smsc._replies import balance_reply
from smsgate.emulator._smsc._request import Context, Params
from smsgate.emulator._smsc._state import SmscAccount

if TYPE_CHECKING:
    from smsgate.emulator._smsc._provider import Smsc

__all__ = ["balance"]


def balance(smsc: Smsc, ctx: Context, account: SmscAccount, params: Params) -> Reply:
    """The balance (with its currency when cur=1)."""
    currency = params.choice("cur", 0, 1)
    smsc._limited(("balance", account.login), smsc.MAX_BALANCE_REQUESTS)
    payer = smsc._payer(account)
    return balance_reply(ctx, payer.balance, payer.currency if currency else None, payer.credit)
