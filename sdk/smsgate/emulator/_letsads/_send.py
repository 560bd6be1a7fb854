"""``<message>``: one text from a sender to 1..50 recipients, each a message charged per part."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate._segments import Encoding, analyze
from smsgate.emulator._letsads._replies import send_reply
from smsgate.emulator._letsads._request import Parsed, Refused, recipient_is_valid, sender_is_well_formed
from smsgate.emulator._letsads._state import (
    MAX_GSM7_CHARACTERS,
    MAX_RECIPIENTS,
    MAX_UCS2_CHARACTERS,
    LetsAdsAccount,
    LetsAdsError,
    LetsAdsMessage,
)
from smsgate.emulator._server import Reply

if TYPE_CHECKING:
    from smsgate.emulator._letsads._provider import LetsAds

__all__ = ["send"]


def send(letsads: LetsAds, account: LetsAdsAccount, parsed: Parsed) -> Reply:
    """``<message>``: checks 5-11 of the package docstring, then one message per recipient, charged per part."""

    def refuse(code: str) -> Refused:
        return Refused(code, "send")

    if not account.moderated:
        raise refuse(LetsAdsError.USER_NOT_MODERATED)
    sender = parsed.sender.strip()
    if not sender_is_well_formed(sender):
        raise refuse(LetsAdsError.INCORRECT_FROM)
    if sender not in account.senders:
        raise refuse(LetsAdsError.INVALID_FROM)
    text = parsed.text
    if not text.strip():
        raise refuse(LetsAdsError.NO_MESSAGE)
    segments = analyze(text)
    limit = MAX_GSM7_CHARACTERS if segments.encoding is Encoding.GSM7 else MAX_UCS2_CHARACTERS
    if segments.characters > limit:
        raise refuse(LetsAdsError.MESSAGE_TOO_LONG)
    if len(parsed.recipients) > MAX_RECIPIENTS:
        raise refuse(LetsAdsError.MAX_MESSAGES_COUNT)
    for recipient in parsed.recipients:
        if not recipient_is_valid(recipient):
            raise refuse(LetsAdsError.INCORRECT_RECIPIENT + recipient)
    cost_each = account.price_per_part * segments.parts
    if account.balance < cost_each * len(parsed.recipients):
        raise refuse(LetsAdsError.NOT_ENOUGH_MONEY)
    now = letsads.now()
    ids: list[str] = []
    for raw in parsed.recipients:
        recipient = raw.strip()
        account.balance -= cost_each
        message = LetsAdsMessage(
            id=letsads.take_message_id(),
            login=account.login,
            sender=sender,
            recipient=recipient,
            text=text,
            encoding=segments.encoding,
            parts=segments.parts,
            cost=cost_each,
            created_at=now,
            delivered=recipient[-1] not in account.undelivered_last_digits,
            _clock=letsads.clock,
        )
        letsads.messages[message.id] = message
        ids.append(str(message.id))
    return send_reply(ids)
