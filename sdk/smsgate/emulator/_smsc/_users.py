"""users.php: sub-clients (add, change, top up, statistics), after the checks every script shares.

Exactly one of ``add``, ``chg``, ``pay``, ``get_stat``, ``get_stat_all`` is set to 1. Error precedence:

5. **users.5** — the caller is itself a sub-client (sub-clients cannot manage sub-clients).
6. **users.1** — no or several operations; add without ``user`` (``[A-Za-z0-9._@-]{1,40}``) or ``password``;
   a password under 8 characters or without three of: letters, digits, both cases, symbols; ``type`` not
   0..4; malformed ``email``, ``phone``, ``fmts``, ``new_login``, ``fl[N]`` (0/1); pay without ``user`` or
   a positive ``sum``; stats with ``start``/``end`` not ``dd.mm.yyyy`` or start after end.
7. **users.6** — chg/pay/stats name a ``user`` (or ``user_id``) that is not a sub-client of the caller.
8. **users.7** — pay to a sub-client of type 2, 3 or 4 (it shares the parent's balance).
9. **users.9** (rate limits on) — a fourth add/chg/pay for the same sub-client login within a minute.
10. **users.8** — add, or chg with ``new_login``, with a login already taken (the record cannot be saved).
11. **users.10** — pay with ``sum`` above the caller's balance.
12. **users.3** — stats find no sub-client with activity (messages sent, top-ups) in the period
    (default: the first day of the current month to today, Moscow time).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from smsgate.emulator._server import Reply
from smsgate.emulator._smsc._replies import ok, stat_reply, user_added_reply
from smsgate.emulator._smsc._request import PHONE, Context, Params, Refused, parse_day
from smsgate.emulator._smsc._state import MOSCOW, SmscAccount, SmscPayment, StatRow, directory

if TYPE_CHECKING:
    from smsgate.emulator._smsc._provider import Smsc

__all__ = ["password_is_strong", "users"]

_LOGIN: Final = re.compile(r"[A-Za-z0-9._@-]{1,40}")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")
_FMTS: Final = re.compile(r"-?[0-9]+(,-?[0-9]+)*")
_SUM: Final = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
_FLAG: Final = re.compile(r"fl\[([0-9]{1,3})\]")


def password_is_strong(password: str) -> bool:
    """users.php's rule: at least 8 characters and three of: letters, digits, both cases, symbols."""
    has_letter = any(c.isascii() and c.isalpha() for c in password)
    has_digit = any(c.isascii() and c.isdigit() for c in password)
    has_cases = any(c.isascii() and c.islower() for c in password) and any(
        c.isascii() and c.isupper() for c in password
    )
    has_symbol = any(not (c.isascii() and c.isalnum()) for c in password)
    return len(password) >= 8 and has_letter + has_digit + has_cases + has_symbol >= 3


def users(smsc: Smsc, ctx: Context, account: SmscAccount, params: Params) -> Reply:
    """The one users.php operation the request sets."""
    if account.parent is not None:
        raise Refused(5)
    if ctx.operation is None:
        raise Refused(1)
    if ctx.operation == "users_add":
        return _users_add(smsc, ctx, account, params)
    if ctx.operation == "users_change":
        return _users_change(smsc, ctx, account, params)
    if ctx.operation == "users_pay":
        return _users_pay(smsc, ctx, account, params)
    return _users_stat(smsc, ctx, account, params, detailed=ctx.operation == "users_stat_all")


def _subclient(smsc: Smsc, parent: SmscAccount, login: str) -> SmscAccount:
    sub = smsc.accounts.get(login)
    if sub is None or sub.parent != parent.login:
        raise Refused(6)
    return sub


def _profile(params: Params) -> dict[str, object]:
    """The optional profile fields of add/chg, checked (error 1)."""
    changes: dict[str, object] = {}
    if params.text("type"):
        changes["type"] = params.choice("type", 0, 4)
    for key, pattern in (("email", _EMAIL), ("phone", PHONE), ("fmts", _FMTS)):
        if params.has(key):
            value = params.text(key)
            if value and not pattern.fullmatch(value):
                raise Refused(1)
            changes[key] = value
    if params.has("fio"):
        changes["fio"] = params.text("fio")
    flags: dict[str, int] = {}
    for key in params.raw:
        m = _FLAG.fullmatch(key)
        if m is not None:
            flags[str(int(m.group(1)))] = params.choice(key, 0, 1)
    if flags:
        changes["flags"] = flags
    return changes


def _users_add(smsc: Smsc, ctx: Context, parent: SmscAccount, params: Params) -> Reply:
    login, password = params.text("user"), params.get("password") or ""
    if not _LOGIN.fullmatch(login) or not password_is_strong(password):
        raise Refused(1)
    profile = _profile(params)
    smsc._limited(("users", parent.login, login), smsc.MAX_USER_CHANGES)
    if login in smsc.accounts:
        raise Refused(8)
    flags = profile.get("flags", {})
    assert isinstance(flags, dict)
    sub = SmscAccount(
        login=login,
        password=password,
        balance=Decimal("0.00"),
        currency=parent.currency,
        senders=["SMSC.RU"],
        price_per_part=parent.price_per_part,
        undelivered_last_digits=parent.undelivered_last_digits,
        parent=parent.login,
        user_id=smsc._next_user_id,
    )
    _apply_profile(sub, profile)
    smsc._next_user_id += 1
    smsc.accounts[login] = sub
    assert sub.user_id is not None
    return user_added_reply(ctx, sub.user_id)


def _apply_profile(sub: SmscAccount, profile: Mapping[str, object]) -> None:
    for key, value in profile.items():
        if key == "flags":
            assert isinstance(value, dict)
            sub.flags.update(value)
        else:
            setattr(sub, key, value)


def _users_change(smsc: Smsc, ctx: Context, parent: SmscAccount, params: Params) -> Reply:
    login = params.text("user")
    new_login = params.text("new_login")
    password = params.get("password")
    if not login or (params.has("new_login") and not _LOGIN.fullmatch(new_login)):
        raise Refused(1)
    if password is not None and not password_is_strong(password):
        raise Refused(1)
    profile = _profile(params)
    sub = _subclient(smsc, parent, login)
    smsc._limited(("users", parent.login, sub.login), smsc.MAX_USER_CHANGES)
    if new_login and new_login != sub.login and new_login in smsc.accounts:
        raise Refused(8)
    _apply_profile(sub, profile)
    if password is not None:
        sub.password = password
    if new_login and new_login != sub.login:
        del smsc.accounts[sub.login]
        for message in smsc.messages:
            if message.login == sub.login:
                message.login = new_login
        smsc.payments = [
            SmscPayment(p.parent, new_login, p.amount, p.time) if p.user == sub.login else p for p in smsc.payments
        ]
        sub.login = new_login
        smsc.accounts[new_login] = sub
    return ok(ctx)


def _users_pay(smsc: Smsc, ctx: Context, parent: SmscAccount, params: Params) -> Reply:
    login, raw_sum = params.text("user"), params.text("sum")
    if not login or not _SUM.fullmatch(raw_sum) or Decimal(raw_sum) <= 0:
        raise Refused(1)
    params.choice("balance2", 0, 1)
    amount = Decimal(raw_sum)
    sub = _subclient(smsc, parent, login)
    if sub.type in (2, 3, 4):
        raise Refused(7)
    smsc._limited(("users", parent.login, sub.login), smsc.MAX_USER_CHANGES)
    if parent.balance < amount:
        raise Refused(10)
    parent.balance -= amount
    sub.balance += amount
    smsc.payments.append(SmscPayment(parent.login, sub.login, amount, smsc._clock.now()))
    return ok(ctx)


def _users_stat(smsc: Smsc, ctx: Context, parent: SmscAccount, params: Params, *, detailed: bool) -> Reply:
    today = smsc._clock.now().astimezone(MOSCOW).date()
    start = parse_day(params.text("start")) if params.text("start") else today.replace(day=1)
    end = parse_day(params.text("end")) if params.text("end") else today
    reseller = params.choice("reseller", 0, 1)
    for flag in ("mycur", "balance2", "hide_deleted"):
        params.choice(flag, 0, 1)
    user_id = params.text("user_id")
    if start is None or end is None or start > end or (user_id and not user_id.isdigit()):
        raise Refused(1)
    subs = [a for a in smsc.accounts.values() if a.parent == parent.login]
    if params.text("user"):
        subs = [_subclient(smsc, parent, params.text("user"))]
    elif user_id:
        subs = [a for a in subs if a.user_id == int(user_id)]
        if not subs:
            raise Refused(6)
    if reseller:
        subs = [a for a in subs if a.type in (0, 1)]
    rows: dict[str, StatRow] = {}

    def in_period(moment: datetime) -> bool:
        return start <= moment.astimezone(MOSCOW).date() <= end

    logins = {a.login: a for a in subs}
    for message in smsc.messages:
        sub = logins.get(message.login)
        if sub is not None and in_period(message.created_at):
            _, operator, mccmnc, _ = directory(message.phone)
            row = rows.setdefault(sub.login, StatRow(sub.login, sub.currency))
            row.add(("SMS", operator, mccmnc), message.parts, Decimal(0), message.cost)
    for payment in smsc.payments:
        sub = logins.get(payment.user)
        if sub is not None and in_period(payment.time):
            row = rows.setdefault(sub.login, StatRow(sub.login, sub.currency))
            row.add(("Top-up", "", ""), 0, payment.amount, Decimal(0))
    if not rows:
        raise Refused(3)
    ordered = [rows[login] for login in logins if login in rows]
    return stat_reply(ctx, ordered, detailed=detailed)
