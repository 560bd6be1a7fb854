"""``/sms/status``: the status of the caller's messages on the emulated clock; other ids are not reported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate.emulator._server import Reply
from smsgate.emulator._smsclub._replies import success, validation_reply
from smsgate.emulator._smsclub._request import ID_SMS, INVALID_ID_SMS, Refused, json_object
from smsgate.emulator._smsclub._state import MAX_IDS, SmsClubAccount

if TYPE_CHECKING:
    from smsgate.emulator._smsclub._provider import SmsClub

__all__ = ["status"]


def status(smsclub: SmsClub, account: SmsClubAccount, body: bytes) -> Reply:
    data = json_object(body)
    raw_ids = data.get("id_sms")
    if not isinstance(raw_ids, list) or not raw_ids:
        raise Refused(validation_reply({"id_sms": "id_sms is required"}, "status"))
    if len(raw_ids) > MAX_IDS:
        raise Refused(validation_reply({"id_sms": f"At most {MAX_IDS} ids per request"}, "status"))
    ids: list[int] = []
    for raw in raw_ids:
        text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
        if not isinstance(text, str) or not ID_SMS.fullmatch(text):
            raise Refused(validation_reply({"id_sms": "Each id must be a string of digits"}, "status"))
        if int(text) not in ids:
            ids.append(int(text))
    now = smsclub.now()
    info: dict[str, str] = {}
    for sms_id in ids:
        message = smsclub.messages.get(sms_id)
        if message is not None and message.account == account.name:
            info[str(sms_id)] = message.status_at(now).value
    if not info:
        raise Refused(validation_reply(INVALID_ID_SMS, "status"))
    return success("status", info, INVALID_ID_SMS if len(info) < len(ids) else None)
