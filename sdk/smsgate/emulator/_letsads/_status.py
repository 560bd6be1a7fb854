"""``<sms_id>``: the status of one of the account's messages, on the emulated clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate.emulator._letsads._replies import status_reply
from smsgate.emulator._letsads._request import Parsed, Refused
from smsgate.emulator._letsads._state import LetsAdsAccount, LetsAdsError
from smsgate.emulator._server import Reply

if TYPE_CHECKING:
    from smsgate.emulator._letsads._provider import LetsAds

__all__ = ["status"]


def status(letsads: LetsAds, account: LetsAdsAccount, parsed: Parsed) -> Reply:
    """MESSAGE_NOT_EXIST for an unknown id or another account's message."""
    message = letsads.messages.get(parsed.sms_id)
    if message is None or message.login != account.login:
        raise Refused(LetsAdsError.MESSAGE_NOT_EXIST, "status")
    return status_reply(message.status_at(letsads.now()), leading_space=letsads.status_leading_space)
