"""status.php (``phone`` + ``id``, comma lists in the same order; a trailing comma asks for the list shape).

Error precedence, after the checks every script shares (see the package):

5. **status.1** — ``phone`` or ``id`` missing, a malformed entry, the two lists of different lengths,
   ``all`` not 0..2, ``del`` not 0/1.
6. **status.5** — ``del=1`` and one of the messages is not found or already handed on (status ≠ -1).
   Otherwise the messages are deleted and the reply is ``OK`` (``{"result": "OK"}``; undocumented shape).
7. **status.9** (rate limits on) — a sixth request for one message, or a second list request, within a minute.

A message is -1 (waiting) until 5 emulated seconds after its send time (``time`` or creation), 0 (handed to
the operator) until 30, then 1 (delivered), or 20 with ``err`` 1 when the recipient's last digit is one of the
account's ``undelivered_last_digits`` (``"9"``). Not found (unknown, or another account's): -3.
The fields of each detail level (``all`` 0, 1, 2) and their order: `_replies.status_fields`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsgate.emulator._server import Reply
from smsgate.emulator._smsc._replies import ok, status_fields, status_reply
from smsgate.emulator._smsc._request import ID, Context, Params, Refused, normalize_phone
from smsgate.emulator._smsc._state import SmscAccount, SmscStatus

if TYPE_CHECKING:
    from smsgate.emulator._smsc._provider import Smsc

__all__ = ["status"]


def status(smsc: Smsc, ctx: Context, account: SmscAccount, params: Params) -> Reply:
    """The status of one message or of a list; or, with del=1, delete waiting messages."""
    raw_phones, raw_ids = params.text("phone"), params.text("id")
    if not raw_phones or not raw_ids:
        raise Refused(1)
    many = "," in raw_phones or "," in raw_ids
    phones = raw_phones.removesuffix(",").split(",")
    ids = raw_ids.removesuffix(",").split(",")
    detail = params.choice("all", 0, 2)
    delete = params.choice("del", 0, 1)
    if len(phones) != len(ids) or not all(ID.fullmatch(i.strip()) for i in ids):
        raise Refused(1)
    pairs: list[tuple[str, str]] = []
    for raw_phone, raw_id in zip(phones, ids, strict=True):
        phone = normalize_phone(raw_phone)
        if phone is None:
            raise Refused(1)
        pairs.append((phone, raw_id.strip()))
    found = [smsc.message(account.login, message_id, phone) for phone, message_id in pairs]
    now = smsc._clock.now()
    if delete:
        if any(m is None or m.status_at(now) is not SmscStatus.WAITING for m in found):
            raise Refused(5)
        doomed = {id(m) for m in found}
        smsc.messages = [m for m in smsc.messages if id(m) not in doomed]
        return ok(ctx)
    if many:
        smsc._limited(("status-list", account.login), smsc.MAX_LIST_STATUS_REQUESTS)
    else:
        phone, message_id = pairs[0]
        smsc._limited(("status", account.login, phone, message_id), smsc.MAX_STATUS_REQUESTS)
    rows = [
        status_fields(message, phone, message_id, detail, many, now)
        for (phone, message_id), message in zip(pairs, found, strict=True)
    ]
    outcome = "OK" if many else f"status {dict(rows[0])['status']}"
    return status_reply(ctx, rows, many, outcome)
