"""`smsgate send`, `status` and `balance`: one call to a provider."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from ._calls import BalanceOutput, SendArgs, SendOutput, StatusArgs, StatusRow, smsc_pairs
from ._options import (
    ApiKeyOpt,
    BaseUrlOpt,
    JsonOpt,
    LoginOpt,
    PasswordOpt,
    ProviderOpt,
    TimeoutOpt,
    TokenOpt,
    UsernameOpt,
)
from ._output import TitledTable, make_console, print_json, reporting, usage_error
from ._providers import (
    DEFAULT_PROVIDER,
    PROVIDERS,
    ProviderEntry,
    provider_entry,
    resolve_base_url,
    resolve_credentials,
    secret_values,
)

__all__ = ["balance_command", "send_command", "status_command"]


@dataclass(frozen=True, slots=True)
class _Call:
    entry: ProviderEntry
    credentials: dict[str, str]
    secrets: list[str]
    base_url: str | None
    timeout: float | None
    as_json: bool

    def client(self) -> Any:
        options: dict[str, Any] = {}
        if self.base_url:
            options["base_url"] = self.base_url
        if self.timeout is not None:
            options["timeout"] = self.timeout
        return self.entry.sync_client(self.credentials, **options)

    def run(self, action: Callable[[Any], Any]) -> Any:
        """Build the client, call `action` with it, close it; SDK errors become an exit code."""
        with reporting(as_json=self.as_json, secrets=self.secrets):
            client = self.client()
            try:
                return action(client)
            finally:
                client.close()


def _call(
    provider: str,
    given: Mapping[str, str | None],
    base_url: str | None,
    timeout: float | None,
    as_json: bool,
) -> _Call:
    entry = provider_entry(provider)
    credentials = resolve_credentials(entry, given)
    url = resolve_base_url(entry, base_url)
    return _Call(entry, credentials, secret_values(entry, given), url, timeout, as_json)


def _only_for(provider: ProviderEntry, option: str, value: object, *owners: str) -> None:
    if value is not None and provider.id not in owners:
        names = ", ".join(PROVIDERS[o].display_name for o in owners)
        usage_error(f"{option} is for {names} only, not {provider.display_name}")


def send_command(
    recipients: Annotated[
        list[str],
        typer.Argument(
            help="Phone numbers, as +380501234567 or 380501234567 (SMSLeads: Israeli mobiles, e.g. 0502345678; "
            "PHONE=EXTERNAL_ID gives the recipient an id to ask its delivery report by with `smsgate status`).",
            metavar="PHONE",
            show_default=False,
        ),
    ],
    text: Annotated[str, typer.Option("--text", "-t", help="The message text.")],
    sender: Annotated[
        str | None,
        typer.Option(
            "--sender",
            "-s",
            help="A sender name registered for the account (needed by LetsAds, SMSLeads, SMSClub; SMSC: default "
            "the account's first).",
            show_default=False,
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            help="SMSC: your id for the message (1..2147483647, or up to 40 of A-Za-z0-9._-): the message id, "
            "and a repeat after a lost reply is safe.",
            show_default=False,
        ),
    ] = None,
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    username: UsernameOpt = None,
    token: TokenOpt = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send one text to one or more recipients; prints the message id of every recipient.

    SMSLeads gives one shipment id to the whole send, SMSC one message id (a message is the id and its
    phone). SMSClub may accept some recipients and refuse others: the refused ones are listed (and
    warned about on stderr), the exit code stays 0 because the others were sent.
    """
    given = {"login": login, "password": password, "username": username, "token": token, "api_key": api_key}
    call = _call(provider, given, base_url, timeout, as_json)
    _only_for(call.entry, "--client-id", client_id, "smsc")
    args = SendArgs(recipients, text, sender, client_id)
    out: SendOutput = call.run(lambda client: call.entry.send(client, args))
    if as_json:
        print_json(
            {
                "provider": call.entry.id,
                "description": out.description,
                **out.extra,
                "messages": out.messages,
                "rejected": [{"recipient": r, "reason": reason} for r, reason in out.rejected],
            }
        )
    else:
        console = make_console()
        columns = ["recipient", "message id"] + (
            ["external id"] if any("external_id" in m for m in out.messages) else []
        )
        table = TitledTable(f"{call.entry.display_name}: {len(out.messages)} messages accepted", *columns)
        for message in out.messages:
            table.add_row(
                message["recipient"],
                message["message_id"],
                *([message.get("external_id", "")] if len(columns) > 2 else []),
            )
        console.print(table, crop=False)
        for name, value in out.extra.items():
            console.print(f"{name.replace('_', ' ')}: {value}")
        if out.rejected:
            rejected = TitledTable(
                f"{len(out.rejected)} recipient(s) rejected, nothing sent to them", "recipient", "reason"
            )
            for recipient, reason in out.rejected:
                rejected.add_row(recipient, reason)
            console.print(rejected, crop=False)
    if out.rejected:
        make_console(stderr=True).print(
            f"warning: {call.entry.display_name} rejected {len(out.rejected)} of "
            f"{len(out.rejected) + len(out.messages)} recipients",
            soft_wrap=True,
        )


#: Status columns that identify a message (shown right after its id); the others follow the status.
_KEY_COLUMNS = frozenset({"phone", "shipment_id"})


def status_command(
    message_ids: Annotated[
        list[str],
        typer.Argument(
            help="What identifies a message depends on the provider: see above.",
            metavar="MESSAGE",
            show_default=False,
        ),
    ],
    phone: Annotated[
        str | None,
        typer.Option("--phone", help="SMSC: the phone of every MESSAGE given as a bare ID.", show_default=False),
    ] = None,
    days: Annotated[
        float | None,
        typer.Option("--days", min=0.01, help="SMSLeads: look this many days back (default 7).", show_default=False),
    ] = None,
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    username: UsernameOpt = None,
    token: TokenOpt = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The delivery status of one or more messages.

    LetsAds: MESSAGE is a message id from `smsgate send` (one request each).

    SMSLeads: MESSAGE is an external id given at send (PHONE=EXTERNAL_ID): its delivery report of the last
    --days days (one request for all).

    SMSClub: MESSAGE is a message id (one request for up to 100).

    SMSC: MESSAGE is ID:PHONE (SMSC knows a message by its id and phone), or an ID with --phone PHONE.
    """
    given = {"login": login, "password": password, "username": username, "token": token, "api_key": api_key}
    call = _call(provider, given, base_url, timeout, as_json)
    _only_for(call.entry, "--phone", phone, "smsc")
    _only_for(call.entry, "--days", days, "smsleads")
    args = StatusArgs(message_ids, phone, 7.0 if days is None else days)
    if call.entry.id == "smsc":
        smsc_pairs(args)  # a usage error before any request
    rows: list[StatusRow] = call.run(lambda client: call.entry.status(client, args))
    if as_json:
        print_json({"provider": call.entry.id, "statuses": [row.as_json() for row in rows]})
        return
    extra = list(rows[0].extra) if rows else []
    leading = [name for name in extra if name in _KEY_COLUMNS]  # what identifies the message, beside its id
    trailing = [name for name in extra if name not in _KEY_COLUMNS]
    table = TitledTable(
        f"{call.entry.display_name}: message status",
        "message id",
        *(name.replace("_", " ") for name in leading),
        "status",
        "state",
        "final",
        *(name.replace("_", " ") for name in trailing),
    )
    for row in rows:
        shown = row.raw_status if row.status in (None, row.raw_status) else f"{row.raw_status} {row.status}"
        table.add_row(
            row.message_id,
            *(row.extra.get(name) or "" for name in leading),
            shown,
            row.state,
            "yes" if row.final else "no",
            *(row.extra.get(name) or "" for name in trailing),
        )
    make_console().print(table, crop=False)


def balance_command(
    provider: ProviderOpt = DEFAULT_PROVIDER,
    login: LoginOpt = None,
    password: PasswordOpt = None,
    username: UsernameOpt = None,
    token: TokenOpt = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The account balance (SMSLeads: credits)."""
    given = {"login": login, "password": password, "username": username, "token": token, "api_key": api_key}
    call = _call(provider, given, base_url, timeout, as_json)
    out: BalanceOutput = call.run(call.entry.balance)
    if as_json:
        print_json({"provider": call.entry.id, **out.data})
        return
    make_console().print(out.text)
