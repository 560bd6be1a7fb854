"""The sub-account commands: ``addSub``, ``updateAmountSub`` and ``getBlanceSubs`` (misspelt as on the page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from smsgate.emulator._smsleads._codes import Refused, SmsLeadsCode
from smsgate.emulator._smsleads._replies import Answer, balance_rows, node
from smsgate.emulator._smsleads._request import check_source, required_child, text_of
from smsgate.emulator._smsleads._state import (
    NAME_LENGTH,
    PASSWORD_LENGTH,
    SUB_ACCOUNT_DENIED,
    USERNAME_LENGTH,
    SmsLeadsAccount,
)
from smsgate.emulator._smsleads._values import DIGITS

if TYPE_CHECKING:
    from smsgate.emulator._smsleads._provider import SmsLeads

__all__ = ["add_sub", "get_balance_subs", "update_amount_sub"]


def _check_amount(account: SmsLeadsAccount, amount: str) -> int:
    if not DIGITS.fullmatch(amount):
        raise Refused(SmsLeadsCode.AMOUNT_NOT_DIGITS)
    return int(amount) if len(amount) <= 18 else account.credits + 1


def add_sub(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    details = required_child(root, "userDetails")
    name, username, password, source, amount = (
        text_of(required_child(details, tag)) for tag in ("name", "username", "password", "source", "amount")
    )
    if len(name) not in NAME_LENGTH:
        raise Refused(SmsLeadsCode.BAD_NAME)
    if len(username) not in USERNAME_LENGTH:
        raise Refused(SmsLeadsCode.BAD_USERNAME)
    if len(password) not in PASSWORD_LENGTH:
        raise Refused(SmsLeadsCode.BAD_PASSWORD)
    check_source(source)
    credits = _check_amount(account, amount)
    if username in smsleads.accounts:
        raise Refused(SmsLeadsCode.USERNAME_EXISTS)
    if credits > account.credits:
        raise Refused(SmsLeadsCode.AMOUNT_TOO_LARGE)
    account.credits -= credits
    smsleads.accounts[username] = SmsLeadsAccount(
        username=username,
        credits=credits,
        name=name,
        password=password,
        parent=account.username,
        sms_user_id=smsleads.new_user_id(),
        sources=[source],
        denied_commands=set(SUB_ACCOUNT_DENIED),
        undelivered_last_digits=account.undelivered_last_digits,
    )
    return Answer(message="The user was created successfully")


def update_amount_sub(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    details = required_child(root, "userDetails")
    username, password, amount = (text_of(required_child(details, tag)) for tag in ("username", "password", "amount"))
    if len(username) not in USERNAME_LENGTH:
        raise Refused(SmsLeadsCode.BAD_USERNAME)
    if len(password) not in PASSWORD_LENGTH:
        raise Refused(SmsLeadsCode.BAD_PASSWORD)
    credits = _check_amount(account, amount)
    sub = smsleads.accounts.get(username)
    if sub is None or sub.parent != account.username:
        raise Refused(SmsLeadsCode.NOT_YOUR_SUB_ACCOUNT)
    if credits > account.credits:
        raise Refused(SmsLeadsCode.AMOUNT_TOO_LARGE)
    account.credits -= credits
    sub.credits += credits
    sub.password = password
    return Answer(message="Wallet successfully updated")


def get_balance_subs(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    subs = [
        (sub.credits, sub.sms_user_id, sub.name) for sub in smsleads.accounts.values() if sub.parent == account.username
    ]
    rows = balance_rows(subs)
    return Answer(body=[node("balances", children=rows)])
