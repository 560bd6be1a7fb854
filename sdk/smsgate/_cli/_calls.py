"""What `send`, `status` and `balance` do per provider: small functions that take a client and the
command's arguments and return rows to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from .._results import Balance, MessageStatus, SendResult
from ._output import usage_error

__all__ = [
    "BalanceOutput",
    "SendArgs",
    "SendOutput",
    "StatusArgs",
    "StatusRow",
    "balance_letsads",
    "balance_smsc",
    "balance_smsclub",
    "balance_smsleads",
    "send_letsads",
    "send_smsc",
    "send_smsclub",
    "send_smsleads",
    "smsc_pairs",
    "status_letsads",
    "status_smsc",
    "status_smsclub",
    "status_smsleads",
]


# ---------------------------------------------------------------------------------------------------
# What `send`, `status` and `balance` hand a provider's functions, and what they get back.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendArgs:
    recipients: list[str]
    text: str
    sender: str | None
    #: SMSC: the client message id (``id``), which makes a repeat safe.
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class SendOutput:
    """One row per accepted recipient, the refused ones (partial success), and provider extras."""

    #: {"recipient", "message_id"} and, per provider, more keys (SMSLeads: "external_id").
    messages: list[dict[str, str]]
    rejected: list[tuple[str, str]] = field(default_factory=list)
    description: str | None = None
    #: Printed as "name: value" lines and merged into the JSON object (SMSC: cost, parts, balance).
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusArgs:
    ids: list[str]
    #: SMSC: the phone of every id given without one.
    phone: str | None = None
    #: SMSLeads: how many days back to look for delivery reports.
    days: float = 7.0


@dataclass(frozen=True, slots=True)
class StatusRow:
    message_id: str
    #: The provider's status name (enum member), None for a value its documents do not list.
    status: str | None
    raw_status: str
    state: str
    final: bool
    #: Provider columns, shown between the id and the status (SMSC: phone; SMSLeads: shipment id).
    extra: dict[str, str | None] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "message_id": self.message_id,
            "status": self.status,
            "raw_status": self.raw_status,
            "state": self.state,
            "final": self.final,
            **self.extra,
        }


@dataclass(frozen=True, slots=True)
class BalanceOutput:
    text: str
    data: dict[str, object]


def _status_row(status: MessageStatus[Any], **extra: str | None) -> StatusRow:
    return StatusRow(
        message_id=status.message_id,
        status=None if status.status is None else status.status.name,
        raw_status=status.raw_status,
        state=str(status.state),
        final=status.is_final,
        extra=dict(extra),
    )


def _money(amount: Decimal, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else str(amount)


def _money_balance(display_name: str, balance: Balance) -> BalanceOutput:
    # The amount stays a decimal string in JSON: a float would lose cents.
    return BalanceOutput(
        f"{display_name} balance: {_money(balance.amount, balance.currency)}",
        {"amount": str(balance.amount), "currency": balance.currency},
    )


def _plain_send(result: SendResult) -> SendOutput:
    return SendOutput(
        messages=[{"recipient": m.recipient, "message_id": m.message_id} for m in result.messages],
        rejected=[(r.recipient, r.reason) for r in result.rejected],
        description=result.description,
    )


def _need_sender(args: SendArgs, provider: str) -> str:
    if not args.sender:
        usage_error(f"{provider} needs --sender (a sender name registered for the account)")
    return args.sender


# LetsAds ----------------------------------------------------------------------------------------------


def send_letsads(client: Any, args: SendArgs) -> SendOutput:
    return _plain_send(client.send(args.recipients, args.text, sender=_need_sender(args, "LetsAds")))


def status_letsads(client: Any, args: StatusArgs) -> list[StatusRow]:
    return [_status_row(client.status(message_id)) for message_id in args.ids]


def balance_letsads(client: Any) -> BalanceOutput:
    return _money_balance("LetsAds", client.balance())


# SMSLeads ---------------------------------------------------------------------------------------------


def _smsleads_recipient(value: str) -> Any:
    """``PHONE`` or ``PHONE=EXTERNAL_ID`` (the id that `status` asks delivery reports by)."""
    from .._providers.smsleads import Recipient

    phone, sep, external_id = value.partition("=")
    return Recipient(phone, external_id) if sep else phone


def send_smsleads(client: Any, args: SendArgs) -> SendOutput:
    recipients = [_smsleads_recipient(r) for r in args.recipients]
    shipment = client.send(recipients, args.text, sender=_need_sender(args, "SMSLeads"))
    messages = []
    for value in args.recipients:
        phone, sep, external_id = value.partition("=")
        row = {"recipient": phone, "message_id": shipment.shipment_id}
        if sep:
            row["external_id"] = external_id
        messages.append(row)
    return SendOutput(messages, description=shipment.description, extra={"shipment_id": shipment.shipment_id})


def status_smsleads(client: Any, args: StatusArgs) -> list[StatusRow]:
    end = datetime.now(UTC)
    start = end - timedelta(days=args.days)
    reports = client.delivery_reports(args.ids, start=start, end=end)
    by_id = {report.external_id: report for report in reports}
    rows = []
    for external_id in args.ids:
        report = by_id.get(external_id)
        if report is None:
            rows.append(
                StatusRow(
                    external_id,
                    None,
                    "",
                    "unknown",
                    False,
                    {"shipment_id": None, "reported_at": None, "text": f"no delivery report in {args.days:g} days"},
                )
            )
            continue
        rows.append(
            StatusRow(
                external_id,
                None if report.status is None else report.status.name,
                report.raw_status,
                str(report.state),
                report.is_final,
                {
                    "shipment_id": report.shipment_id,
                    "reported_at": report.reported_at.isoformat(sep=" "),
                    "text": report.text_en,
                },
            )
        )
    return rows


def balance_smsleads(client: Any) -> BalanceOutput:
    balance = client.balance()
    return BalanceOutput(f"SMSLeads balance: {balance.credits} credits", {"credits": balance.credits})


# SMSClub ----------------------------------------------------------------------------------------------

_SMSCLUB_MAX_IDS = 100


def send_smsclub(client: Any, args: SendArgs) -> SendOutput:
    return _plain_send(client.send(args.recipients, args.text, sender=_need_sender(args, "SMSClub")))


def status_smsclub(client: Any, args: StatusArgs) -> list[StatusRow]:
    rows: list[StatusRow] = []
    for i in range(0, len(args.ids), _SMSCLUB_MAX_IDS):  # one request for up to 100 ids
        rows.extend(_status_row(s) for s in client.status(args.ids[i : i + _SMSCLUB_MAX_IDS]))
    return rows


def balance_smsclub(client: Any) -> BalanceOutput:
    return _money_balance("SMSClub", client.balance())


# SMSC -------------------------------------------------------------------------------------------------


def send_smsc(client: Any, args: SendArgs) -> SendOutput:
    result = client.send(args.recipients, args.text, sender=args.sender or None, client_id=args.client_id)
    extra: dict[str, object] = {"message_id": result.message_id, "parts": result.parts}
    if result.cost is not None:
        extra["cost"] = str(result.cost)
    if result.balance is not None:
        extra["balance"] = str(result.balance)
    if result.duplicate:
        extra["duplicate"] = True
    return SendOutput(
        messages=[{"recipient": m.recipient, "message_id": m.message_id} for m in result.messages],
        description=result.description,
        extra=extra,
    )


def smsc_pairs(args: StatusArgs) -> list[tuple[str, str]]:
    pairs = []
    for value in args.ids:
        message_id, sep, phone = value.partition(":")
        if not sep:
            if not args.phone:
                usage_error(f"SMSC needs a phone for message {value!r}: give ID:PHONE, or --phone PHONE")
            phone = args.phone
        if not message_id or not phone:
            usage_error(f"SMSC: {value!r} is not ID:PHONE")
        pairs.append((message_id, phone))
    return pairs


def status_smsc(client: Any, args: StatusArgs) -> list[StatusRow]:
    rows = []
    for message_id, phone in smsc_pairs(args):
        status = client.status(message_id, phone)
        error = None
        if status.error_code is not None:
            error = f"{status.error_code} {status.error_description or ''}".strip()
        rows.append(_status_row(status, phone=status.phone, error=error))
    return rows


def balance_smsc(client: Any) -> BalanceOutput:
    balance = client.balance()
    out = _money_balance("SMSC", balance)
    if balance.credit is not None and balance.credit:
        out.data["credit"] = str(balance.credit)
        return BalanceOutput(out.text + f" (credit limit {balance.credit})", out.data)
    return out
