"""SMSC's reply formats: every reply body of every script, in each ``fmt`` (0 text, 1 numbers, 2 XML,
3 JSON), and the error replies. A fix to a reply's shape is made here and nowhere else.

The JSON replies are exactly the ``$defs`` of ``smsc.schema.json``; amounts (``cost``, ``balance``, stats
values) are strings with two decimals, like the real service.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from smsgate.emulator._seedutil import format_money
from smsgate.emulator._server import Reply
from smsgate.emulator._smsc._request import Context
from smsgate.emulator._smsc._state import MOSCOW, STATUS_NAMES, SmscMessage, SmscStatus, StatRow, directory

__all__ = [
    "ERRORS",
    "Fields",
    "balance_reply",
    "error",
    "json_text",
    "ok",
    "reply",
    "send_reply",
    "stat_reply",
    "status_fields",
    "status_reply",
    "user_added_reply",
]

_COMMON_ERRORS: Final = {1: "parameters error", 2: "authorise error", 4: "IP address is temporarily blocked"}
ERRORS: Final[dict[str, dict[int, str]]] = {
    "send": {
        **_COMMON_ERRORS,
        3: "no money",
        5: "wrong date format",
        6: "message is denied",
        7: "invalid number",
        8: "can't to deliver",
        9: "duplicate request, wait a minute",
    },
    "status": {**_COMMON_ERRORS, 5: "delete error", 9: "too many requests, wait a minute"},
    "balance": {**_COMMON_ERRORS, 9: "too many requests, wait a minute"},
    "users": {
        **_COMMON_ERRORS,
        3: "records not found",
        5: "operation error",
        6: "subclient not found",
        7: "subclient shares the balance of the main account",
        8: "save error",
        9: "too many requests, wait a minute",
        10: "insufficient funds",
    },
}
_INT_ID: Final = re.compile(r"[1-9][0-9]{0,9}")

Fields = Sequence[tuple[str, object]]


def _scalar(value: object) -> str:
    return str(value)


def reply(ctx: Context, text: str, outcome: str = "OK") -> Reply:
    kind = {0: "text/plain", 1: "text/plain", 2: "application/xml", 3: "application/json"}[ctx.fmt]
    errors = "xmlcharrefreplace" if ctx.fmt == 2 else "replace"
    body = text.encode(ctx.codec, errors=errors)
    return Reply(200, (("Content-Type", f"{kind}; charset={ctx.charset}"),), body, ctx.operation, outcome)


def json_text(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _xml(tag: str, fields: Fields, attributes: str = "") -> str:
    inner = "".join(f"<{name}>{escape(_scalar(value))}</{name}>" for name, value in fields)
    return f"<{tag}{attributes}>{inner}</{tag}>"


def _id_value(client_id: str) -> int | str:
    """An id as SMSC echoes it: a number when it is one (1..2147483647), else the string."""
    if _INT_ID.fullmatch(client_id) and int(client_id) <= 2147483647:
        return int(client_id)
    return client_id


def error(ctx: Context, code: int) -> Reply:
    description = ERRORS[ctx.area].get(code, "error")
    client_id = ctx.client_id if ctx.area == "send" else None
    if ctx.fmt == 0:
        text = f"ERROR = {code} ({description})" + ("" if client_id is None else f", ID - {client_id}")
    elif ctx.fmt == 1:
        text = f"{client_id or 0},-{code}"
    elif ctx.fmt == 2:
        fields: list[tuple[str, object]] = [("error", description), ("error_code", code)]
        if client_id is not None:
            fields.append(("id", client_id))
        text = _xml("result", fields)
    else:
        payload: dict[str, object] = {"error": description}
        if client_id is not None:
            payload["id"] = _id_value(client_id)
        payload["error_code"] = code
        text = json_text(payload)
    return reply(ctx, text, f"{ctx.area}.{code}")


def ok(ctx: Context) -> Reply:
    """The "OK" reply of users.php chg/pay and status.php del."""
    text = {0: "OK", 1: "OK", 2: "<result>OK</result>", 3: json_text({"result": "OK"})}[ctx.fmt]
    return reply(ctx, text)


def _date(value: datetime) -> str:
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")


# -- send.php ------------------------------------------------------------------------------------------


def send_reply(
    ctx: Context, cost_mode: int, message_id: str | None, cnt: int, cost: Decimal, balance: Decimal | None
) -> Reply:
    """A send (``id``, ``cnt``, with ``cost`` for cost≥2 and ``balance`` for cost=3) or a cost=1 estimate."""
    if message_id is None:  # cost=1: the price only
        fields: list[tuple[str, object]] = [("cost", format_money(cost)), ("cnt", cnt)]
        text0 = f"OK - {cnt} SMS, COST - {format_money(cost)}"
    else:
        fields = [("id", _id_value(message_id)), ("cnt", cnt)]
        text0 = f"OK - {cnt} SMS, ID - {message_id}"
        if cost_mode >= 2:
            fields.append(("cost", format_money(cost)))
            text0 += f", COST - {format_money(cost)}"
        if cost_mode == 3 and balance is not None:
            fields.append(("balance", format_money(balance)))
            text0 += f", BALANCE - {format_money(balance)}"
    if ctx.fmt == 0:
        return reply(ctx, text0)
    if ctx.fmt == 1:
        return reply(ctx, ",".join(_scalar(value) for _, value in fields))
    if ctx.fmt == 2:
        return reply(ctx, _xml("result", fields))
    return reply(ctx, json_text(dict(fields)))


# -- status.php ----------------------------------------------------------------------------------------


#: Fields of the text (fmt=0) and numbers (fmt=1) shapes: the dates of fmt=0, the timestamps of fmt=1, and
#: ``flag`` in neither (the reply page shows it in XML and JSON only).
_TEXT_SKIPS: Final = frozenset({"last_timestamp", "send_timestamp", "flag"})
_NUMBER_SKIPS: Final = frozenset({"last_date", "send_date", "flag"})
_TEXT_NAMES: Final = {"status": "Status", "last_date": "check_time"}


def status_fields(
    message: SmscMessage | None, phone: str, message_id: str, detail: int, many: bool, now: datetime
) -> list[tuple[str, object]]:
    """One status row in the order of SMSC's reply page (status_answer), every field present.

    all=0: ``status, last_date, last_timestamp, flag, err``; all=1 adds ``send_date, send_timestamp, phone,
    cost, sender_id, status_name, message, comment, type``; all=2 then ``country, operator, region``. A row of
    a list is led by ``id`` (and ``phone`` when all=0), the emulator's choice where no source shows one. A
    message not found (-3) keeps every field: its dates are the time of the check, its cost 0.
    """
    fields: list[tuple[str, object]] = []
    if many:
        fields.append(("id", _id_value(message_id)))
        if not detail:
            fields.append(("phone", phone))
    status = SmscStatus.NOT_FOUND if message is None else message.status_at(now)
    changed = now if message is None else message.changed_at(now)
    sent = now if message is None else message.send_at
    err = 1 if status is SmscStatus.UNDELIVERABLE else 0
    fields += [
        ("status", int(status)),
        ("last_date", _date(changed)),
        ("last_timestamp", int(changed.timestamp())),
        ("flag", 0),
        ("err", err),
    ]
    if detail:
        fields += [
            ("send_date", _date(sent)),
            ("send_timestamp", int(sent.timestamp())),
            ("phone", phone if message is None else message.phone),
            ("cost", format_money(Decimal(0) if message is None else message.cost)),
            ("sender_id", "" if message is None else message.sender),
            ("status_name", STATUS_NAMES[status]),
            ("message", "" if message is None else message.text),
            ("comment", ""),
            ("type", 0),
        ]
    if detail == 2:
        country, operator, _, region = directory(phone if message is None else message.phone)
        fields += [("country", country), ("operator", operator), ("region", region)]
    return fields


def _status_numbers(row: Fields) -> str:
    """fmt=1: ``<status>,<last_timestamp>,<err>[,<send_timestamp>,<phone>,<cost>,<sender>,<status_name>,…]``."""
    return ",".join(_scalar(value) for key, value in row if key not in _NUMBER_SKIPS)


def _status_text(row: Fields) -> str:
    """fmt=0: ``Status = <status>, check_time = <last_date>, err = <err>[, send_date = …]``."""
    return ", ".join(f"{_TEXT_NAMES.get(key, key)} = {value}" for key, value in row if key not in _TEXT_SKIPS)


def status_reply(ctx: Context, rows: Sequence[Fields], many: bool, outcome: str) -> Reply:
    """One status row (``many`` false) or a list of them, in the request's format."""
    if ctx.fmt == 3:
        dicts = [dict(row) for row in rows]
        return reply(ctx, json_text(dicts if many else dicts[0]), outcome)
    if ctx.fmt == 2:
        results = "".join(_xml("sms", row) for row in rows)
        return reply(ctx, f"<list>{results}</list>" if many else results, outcome)
    if ctx.fmt == 1:
        return reply(ctx, "\n".join(_status_numbers(row) for row in rows), outcome)
    return reply(ctx, "\n".join(_status_text(row) for row in rows), outcome)


# -- balance.php ---------------------------------------------------------------------------------------


def balance_reply(ctx: Context, balance: Decimal, currency: str | None, credit: Decimal) -> Reply:
    """``balance``, with ``currency`` when asked (cur=1) and ``credit`` when the account has one."""
    fields: list[tuple[str, object]] = [("balance", format_money(balance))]
    if currency is not None:
        fields.append(("currency", currency))
    if credit > 0:
        fields.append(("credit", format_money(credit)))
    if ctx.fmt == 3:
        return reply(ctx, json_text(dict(fields)))
    if ctx.fmt == 2:
        return reply(ctx, _xml("result", fields))
    return reply(ctx, ",".join(_scalar(value) for _, value in fields))


# -- users.php -----------------------------------------------------------------------------------------


def user_added_reply(ctx: Context, user_id: int) -> Reply:
    """users.php add=1: the new sub-client's id, in the seed's shapes."""
    text = {
        0: f"ID = {user_id}",
        1: str(user_id),
        2: f"<user><id>{user_id}</id></user>",
        3: json_text({"id": user_id}),
    }[ctx.fmt]
    return reply(ctx, text)


def stat_reply(ctx: Context, rows: list[StatRow], *, detailed: bool) -> Reply:
    """users.php get_stat / get_stat_all."""
    return reply(ctx, _stat_text(ctx.fmt, rows, detailed=detailed))


def _stat_text(fmt: int, rows: list[StatRow], *, detailed: bool) -> str:
    """users.php get_stat / get_stat_all rows in the seed's shapes."""

    def amounts(totals: Sequence[Decimal], currency: str) -> list[tuple[str, str]]:
        return [
            ("sms", str(int(totals[0]))),
            ("credit", format_money(totals[1])),
            ("debit", format_money(totals[2])),
            ("currency", currency),
        ]

    if not detailed:
        table = [[("login", row.login), *amounts(row.totals(), row.currency)] for row in rows]
        if fmt == 3:
            return json_text([dict(line) for line in table])
        if fmt == 2:
            return "<list>" + "".join(_xml("stat", line) for line in table) + "</list>"
        if fmt == 1:
            return "\n".join(",".join(value for _, value in line) for line in table)
        return "\n".join(", ".join(f"{key} = {value}" for key, value in line) for line in table)
    nested = [
        (
            row.login,
            [
                [("description", d), ("operator", o), ("mccmnc", m), *amounts(totals, row.currency)]
                for (d, o, m), totals in row.items.items()
            ],
        )
        for row in rows
    ]
    if fmt == 3:
        return json_text([{"login": login, "items": [dict(item) for item in items]} for login, items in nested])
    if fmt == 2:
        users = "".join(
            f"<user login={quoteattr(login)}>" + "".join(_xml("item", item) for item in items) + "</user>"
            for login, items in nested
        )
        return f"<list>{users}</list>"
    lines = [[("login", login), *item] for login, items in nested for item in items]
    if fmt == 1:
        return "\n".join(",".join(value for _, value in line) for line in lines)
    return "\n".join(", ".join(f"{key} = {value}" for key, value in line) for line in lines)
