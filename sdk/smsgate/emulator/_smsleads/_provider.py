"""`SmsLeads`: the provider as the server sees it — its state (accounts, contact lists, shipments, ids), the
authentication every command passes first, and the dispatch of each command to its handler.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Final

from lxml import etree

from smsgate.emulator._clock import Clock
from smsgate.emulator._seedutil import fresh_copy
from smsgate.emulator._server import Reply, Request
from smsgate.emulator._smsleads import _contact_lists, _reports, _send, _sub_accounts, _verify
from smsgate.emulator._smsleads._codes import MESSAGES, Refused, SmsLeadsCode, missing_field
from smsgate.emulator._smsleads._replies import DOCUMENTED_DEFECTS, Answer, SmsLeadsDefect, not_found, reply
from smsgate.emulator._smsleads._request import child_of, command_of, parse_body, required_child, text_of
from smsgate.emulator._smsleads._seed import account_spec, tokens_from, validate_seed
from smsgate.emulator._smsleads._state import (
    DELIVERED_STATUS,
    FINAL_AFTER,
    MAX_DLR_RECORDS,
    MAX_MESSAGE_CHARACTERS,
    NAME_LENGTH,
    PASSWORD_LENGTH,
    SENT_STATUS,
    SUB_ACCOUNT_DENIED,
    TOKEN_GRACE,
    TOKEN_VALID_DAYS,
    UNDELIVERED_STATUS,
    USERNAME_LENGTH,
    VERIFICATION_NUMBER,
    SmsLeadsAccount,
    SmsLeadsContact,
    SmsLeadsContactList,
    SmsLeadsIncoming,
    SmsLeadsShipment,
    SmsLeadsToken,
)
from smsgate.emulator._smsleads._values import DIGITS

__all__ = ["HANDLERS", "SmsLeads"]

_Handler = Callable[["SmsLeads", SmsLeadsAccount, etree._Element], Answer]

#: The handler of each command (root element name).
HANDLERS: Final[Mapping[str, _Handler]] = {
    "sms": _send.sms,
    "bulk": _send.bulk,
    "balance": _reports.balance,
    "dlr": _reports.dlr,
    "dlrByDate": _reports.dlr_by_date,
    "incoming": _reports.incoming,
    "blacklist": _reports.blacklist,
    "rmNumBL": _reports.rm_num_bl,
    "addSub": _sub_accounts.add_sub,
    "updateAmountSub": _sub_accounts.update_amount_sub,
    "getBlanceSubs": _sub_accounts.get_balance_subs,
    "newCL": _contact_lists.new_cl,
    "removeCL": _contact_lists.remove_cl,
    "addNumCL": _contact_lists.add_num_cl,
    "rmNumCL": _contact_lists.rm_num_cl,
    "getCL": _contact_lists.get_cl,
    "getCLbyID": _contact_lists.get_cl_by_id,
    "cancel": _send.cancel,
    "verify_phone": _verify.verify_phone,
}


class SmsLeads:
    """The SMSLeads emulator: its state and its request handler (rules in the package docstring).

    Reach it as ``Emulator.smsleads``. Mutating the state directly (``accounts[name].credits = …``) or with
    `add_account`, `generate_token`, `add_incoming` is fine between requests; `Emulator.reset` returns to
    the seed.

    Attributes:
        accounts: username → account (sub-accounts included).
        contact_lists: id → contact list (of every account).
        shipments: shipment id → shipment.
        documented_replies: answer exactly as the page shows, malformed replies included.
        reply_numbers: the reply-capable numbers ``response=1`` picks from.
    """

    name: Final = "smsleads"
    #: Emulated seconds from sending to the final delivery status.
    FINAL_AFTER: Final = FINAL_AFTER
    TOKEN_VALID_DAYS: Final = TOKEN_VALID_DAYS
    #: How long a superseded token keeps working.
    TOKEN_GRACE: Final = TOKEN_GRACE
    MAX_DLR_RECORDS: Final = MAX_DLR_RECORDS
    MAX_MESSAGE_CHARACTERS: Final = MAX_MESSAGE_CHARACTERS
    SENT_STATUS: Final = SENT_STATUS
    DELIVERED_STATUS: Final = DELIVERED_STATUS
    UNDELIVERED_STATUS: Final = UNDELIVERED_STATUS
    NAME_LENGTH: Final = NAME_LENGTH
    USERNAME_LENGTH: Final = USERNAME_LENGTH
    PASSWORD_LENGTH: Final = PASSWORD_LENGTH
    #: The number a landline calls to complete its verification.
    VERIFICATION_NUMBER: Final = VERIFICATION_NUMBER
    #: Commands a sub-account may never use.
    SUB_ACCOUNT_DENIED: Final = SUB_ACCOUNT_DENIED
    #: The defects of the page's reply of each command, applied in order when `documented_replies` is on.
    DOCUMENTED_DEFECTS: Final[Mapping[str, tuple[SmsLeadsDefect, ...]]] = DOCUMENTED_DEFECTS

    def __init__(self, seed: object, clock: Clock, lock: threading.RLock | None = None) -> None:
        self._seed = validate_seed(seed)
        self._clock = clock
        self._lock = lock if lock is not None else threading.RLock()
        self.accounts: dict[str, SmsLeadsAccount] = {}
        self.contact_lists: dict[int, SmsLeadsContactList] = {}
        self.shipments: dict[int, SmsLeadsShipment] = {}
        self.documented_replies: bool = False
        self.reply_numbers: list[str] = []
        self._next_shipment_id = 1
        self._next_list_id = 1
        self._last_command: str | None = None
        self.reset()

    # -- state ------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed: accounts, tokens, lists, entries; no shipments; ids from the first ones again."""
        with self._lock:
            now = self._clock.now()
            self.accounts = {}
            self.contact_lists = {}
            next_user_id = max([5001] + [spec.account.sms_user_id + 1 for spec in self._seed.accounts])
            for spec in self._seed.accounts:
                account = fresh_copy(spec.account)
                if not account.sms_user_id:
                    account.sms_user_id, next_user_id = next_user_id, next_user_id + 1
                if account.parent is not None:
                    account.denied_commands |= SUB_ACCOUNT_DENIED
                account.tokens = tokens_from(spec.tokens, now)
                account.blacklist = {phone: dated.at(now) for phone, dated in spec.blacklist}
                account.incoming = [
                    SmsLeadsIncoming(source, destination, message, dated.at(now))
                    for source, destination, message, dated in spec.incoming
                ]
                self.accounts[account.username] = account
                for cl in spec.lists:
                    self.contact_lists[cl.id] = SmsLeadsContactList(
                        cl.id, cl.username, cl.name, [SmsLeadsContact(c.phone, c.fields) for c in cl.contacts]
                    )
            self.shipments = {}
            self.documented_replies = self._seed.documented_replies
            self.reply_numbers = list(self._seed.reply_numbers)
            self._next_shipment_id = self._seed.first_shipment_id
            self._next_list_id = self._seed.first_contact_list_id
            self._last_command = None

    def add_account(
        self,
        username: str,
        token: str | None = None,
        *,
        credits: int = 1000,
        name: str | None = None,
        sources: Iterable[str] = ("DemoAPI",),
        parent: str | None = None,
        send_allowed: bool = True,
        blocked: bool = False,
        undelivered_last_digits: str = "9",
    ) -> SmsLeadsAccount:
        """Create (or replace) an account until the next reset; with `token`, give it that current token."""
        raw: dict[str, object] = {
            "username": username,
            "credits": credits,
            "name": name if name is not None else username,
            "sources": list(sources),
            "send_allowed": send_allowed,
            "blocked": blocked,
            "undelivered_last_digits": undelivered_last_digits,
        }
        if parent is not None:
            raw["parent"] = parent
        account = account_spec("account", raw).account
        with self._lock:
            if parent is not None:
                if parent not in self.accounts:
                    raise ValueError(f"unknown parent account {parent!r}")
                account.denied_commands |= SUB_ACCOUNT_DENIED
            account.sms_user_id = self.new_user_id()
            self.accounts[account.username] = account
            if token is not None:
                self.generate_token(account.username, token)
        return account

    def generate_token(
        self, username: str, value: str | None = None, *, valid_days: float = TOKEN_VALID_DAYS
    ) -> SmsLeadsToken:
        """Generate a new API token for `username` (as the getApiToken form does) and return it.

        The account's older tokens keep working for `TOKEN_GRACE` (7 days). Without `value`, a random one.
        """
        with self._lock:
            account = self.accounts.get(username)
            if account is None:
                raise ValueError(f"unknown SMSLeads account {username!r}")
            token_value = value if value is not None else secrets.token_urlsafe(24)
            if not token_value.strip() or self._find_token(token_value.strip()) is not None:
                raise ValueError("the token must be non-empty and unique")
            now = self.now()
            for older in account.tokens:
                if older.superseded_at is None:
                    older.superseded_at = now
            token = SmsLeadsToken(token_value.strip(), now, now + timedelta(days=valid_days))
            account.tokens.append(token)
            return token

    def add_incoming(
        self, username: str, source: str, message: str, *, destination: str = "0535500100", date: datetime | None = None
    ) -> SmsLeadsIncoming:
        """Record an SMS received by `username` (dated now on the emulated clock unless `date` is given)."""
        with self._lock:
            account = self.accounts.get(username)
            if account is None:
                raise ValueError(f"unknown SMSLeads account {username!r}")
            entry = SmsLeadsIncoming(source, destination, message, date or self.now())
            account.incoming.append(entry)
            return entry

    def now(self) -> datetime:
        """The emulated time."""
        return self._clock.now()

    def new_user_id(self) -> int:
        """The ``sms_user_id`` of a new (sub-)account."""
        return max([5000, *(account.sms_user_id for account in self.accounts.values())]) + 1

    def new_list_id(self) -> int:
        """The id of a new contact list (seeded lists keep theirs: their ids are skipped)."""
        while self._next_list_id in self.contact_lists:
            self._next_list_id += 1
        list_id = self._next_list_id
        self._next_list_id += 1
        return list_id

    def next_shipment_id(self) -> int:
        """The id the next shipment gets (taken by `add_shipment`)."""
        return self._next_shipment_id

    def add_shipment(self, shipment: SmsLeadsShipment) -> None:
        """Record an accepted shipment; the next one gets the next id."""
        self.shipments[shipment.id] = shipment
        self._next_shipment_id = shipment.id + 1

    def own_list(self, account: SmsLeadsAccount, raw_id: str) -> SmsLeadsContactList | None:
        """The contact list `raw_id` if it is one of `account`'s."""
        if not DIGITS.fullmatch(raw_id) or len(raw_id) > 18:
            return None
        cl = self.contact_lists.get(int(raw_id))
        return cl if cl is not None and cl.username == account.username else None

    def _find_token(self, value: str) -> tuple[SmsLeadsAccount, SmsLeadsToken] | None:
        wanted = value.encode("utf-8")
        found: tuple[SmsLeadsAccount, SmsLeadsToken] | None = None
        for account in self.accounts.values():
            for token in account.tokens:
                if hmac.compare_digest(wanted, token.value.encode("utf-8")):
                    found = (account, token)
        return found

    def snapshot(self) -> dict[str, object]:
        """Accounts (no tokens, no passwords), contact lists, shipments with current statuses, counts."""
        with self._lock:
            now = self._clock.now()
            return {
                "accounts": [account.to_json() for account in self.accounts.values()],
                "contact_lists": [cl.to_json() for cl in self.contact_lists.values()],
                "shipments": [shipment.to_json(now) for shipment in self.shipments.values()],
                "documented_replies": self.documented_replies,
                "counts": {
                    "accounts": len(self.accounts),
                    "contact_lists": len(self.contact_lists),
                    "shipments": len(self.shipments),
                    "messages": sum(len(shipment.messages) for shipment in self.shipments.values()),
                },
            }

    # -- HTTP ---------------------------------------------------------------------------------------------------

    def peek_operation(self, request: Request) -> str | None:
        """The command (root element name) of `request`, without processing it; None when unclear."""
        command = command_of(parse_body(request.body))
        self._last_command = command
        return command

    def error_reply(self, code: str) -> Reply:
        """``<ROOT><status>code</status><message>…</message></ROOT>`` with the last request's command as root.

        A non-numeric code (such as the fault's default ``UNKNOWN_ERROR``) answers 6, process failure.
        """
        status = code.strip()
        if not re.fullmatch(r"-?[0-9]{1,9}", status):
            status = SmsLeadsCode.PROCESS_FAILURE.value
        status = str(int(status))
        message = MESSAGES.get(status, "Unknown error")
        return reply(self._last_command, Answer(status, message), documented=self.documented_replies)

    def handle(self, request: Request) -> Reply:
        """Process one API request (see the package docstring)."""
        if request.path not in ("", "/"):
            return not_found()
        root = parse_body(request.body)
        command = command_of(root)
        self._last_command = command
        try:
            if request.method != "POST":
                raise Refused(SmsLeadsCode.INVALID_ACTION)
            if root is None:
                raise Refused(SmsLeadsCode.XML_PARSE_ERROR)
            if command is None:
                raise Refused(SmsLeadsCode.UNKNOWN_COMMAND)
            with self._lock:
                account = self._authenticate(request, root, command)
                answer = HANDLERS[command](self, account, root)
        except Refused as refused:
            answer = Answer(refused.code.value, refused.message)
        return reply(command, answer, documented=self.documented_replies)

    def _authenticate(self, request: Request, root: etree._Element, command: str) -> SmsLeadsAccount:
        username = text_of(child_of(required_child(root, "user"), "username"))
        if not username:
            raise missing_field("username")
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(SmsLeadsCode.TOKEN_NOT_FOUND)
        found = self._find_token(token.strip())
        if found is None:
            raise Refused(SmsLeadsCode.TOKEN_INVALID)
        account, owned = found
        now = self.now()
        if now >= owned.expires_at:
            raise Refused(SmsLeadsCode.TOKEN_EXPIRED)
        if owned.superseded_at is not None and now >= owned.superseded_at + TOKEN_GRACE:
            raise Refused(SmsLeadsCode.TOKEN_MISMATCH)
        if account.username != username:
            raise Refused(SmsLeadsCode.TOKEN_MISMATCH)
        if account.blocked:
            raise Refused(SmsLeadsCode.CONTACT_SUPPORT)
        if command in account.denied_commands:
            raise Refused(SmsLeadsCode.NO_PERMISSION)
        return account
