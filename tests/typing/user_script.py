"""A user's script, as someone who installed the smsgate wheel writes it.

CI type-checks it against the installed wheel (not the source tree) with ``mypy --strict
--disallow-any-expr`` (``nox -s wheel``): every client, sync and async, the Gateway and a Campaign must be
fully typed for users, with no `Any` leaking out. tests/test_artifact.py also runs it against the emulator
with the wheel's Python.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import httpx

import smsgate
from smsgate.emulator import Emulator

LETSADS_LOGIN = "380501234567"
LETSADS_PASSWORD = "p1a2s3s4"
SMSLEADS_USERNAME = "JohnDoe"
SMSLEADS_TOKEN = "sl-johndoe-token"
SMSCLUB_TOKEN = "smsclub-test-token"
SMSC_API_KEY = "smsgate-apikey"


def use_sync_clients(emulator: Emulator) -> list[str]:
    lines: list[str] = []
    with smsgate.LetsAds(
        login=LETSADS_LOGIN, password=LETSADS_PASSWORD, base_url=emulator.base_url("letsads")
    ) as letsads:
        sent: smsgate.SendResult = letsads.send(["380501234568"], "Hello", sender="Sender")
        message_id: str = sent.message_ids[0]
        status: smsgate.MessageStatus[smsgate.LetsAdsStatus] = letsads.status(message_id)
        state: smsgate.DeliveryState = status.state
        balance: smsgate.Balance = letsads.with_options(timeout=5.0).balance(timeout=httpx.Timeout(5.0))
        amount: Decimal = balance.amount
        lines.append(f"letsads {message_id} {state} {amount} {balance.currency}")
    with smsgate.SmsLeads(
        username=SMSLEADS_USERNAME, token=SMSLEADS_TOKEN, base_url=emulator.base_url("smsleads")
    ) as smsleads:
        shipment: smsgate.Shipment = smsleads.send(
            ["+972502345678", smsgate.Recipient("0545555555", external_id="order-1")], "Hello", sender="DemoAPI"
        )
        credits: int = smsleads.balance().credits
        lines.append(f"smsleads {shipment.shipment_id} {credits}")
    with smsgate.SmsClub(token=SMSCLUB_TOKEN, base_url=emulator.base_url("smsclub")) as smsclub:
        club_sent: smsgate.SendResult = smsclub.send(["380501234568"], "Hello", sender="VashZakaz")
        rejected: tuple[smsgate.RejectedRecipient, ...] = club_sent.rejected
        lines.append(f"smsclub {len(club_sent.messages)} sent, {len(rejected)} rejected")
    with smsgate.Smsc(api_key=SMSC_API_KEY, base_url=emulator.base_url("smsc")) as smsc:
        smsc_sent: smsgate.SmscSendResult = smsc.send(["79991234567"], "Hello")
        smsc_balance: smsgate.SmscBalance = smsc.balance()
        lines.append(f"smsc {smsc_sent.message_id} {smsc_balance.amount}")
    return lines


async def use_async_clients(emulator: Emulator) -> list[str]:
    lines: list[str] = []
    async with smsgate.AsyncLetsAds(
        login=LETSADS_LOGIN, password=LETSADS_PASSWORD, base_url=emulator.base_url("letsads")
    ) as letsads:
        sent: smsgate.SendResult = await letsads.send(["380501234568"], "Hello", sender="Sender", timeout=10.0)
        lines.append(f"async letsads {sent.message_ids}")
    async with smsgate.AsyncSmsLeads(
        username=SMSLEADS_USERNAME, token=SMSLEADS_TOKEN, base_url=emulator.base_url("smsleads")
    ) as smsleads:
        credits: smsgate.CreditBalance = await smsleads.balance()
        lines.append(f"async smsleads {credits.credits}")
    async with smsgate.AsyncSmsClub(token=SMSCLUB_TOKEN, base_url=emulator.base_url("smsclub")) as smsclub:
        balance: smsgate.Balance = await smsclub.balance()
        lines.append(f"async smsclub {balance.amount}")
    async with smsgate.AsyncSmsc(api_key=SMSC_API_KEY, base_url=emulator.base_url("smsc")) as smsc:
        smsc_balance: smsgate.SmscBalance = await smsc.balance()
        lines.append(f"async smsc {smsc_balance.amount}")
    return lines


def use_gateway_and_campaign(emulator: Emulator, journal: Path) -> list[str]:
    lines: list[str] = []
    client = smsgate.LetsAds(login=LETSADS_LOGIN, password=LETSADS_PASSWORD, base_url=emulator.base_url("letsads"))
    with smsgate.Gateway(client, sender="Sender") as gateway:
        plan: smsgate.Segments = gateway.plan("Привіт!")
        encoding: smsgate.Encoding = plan.encoding
        report: smsgate.SendReport = gateway.send(["+380501234568", "oops"], "Привіт!")
        for outcome in report.outcomes:
            kind: smsgate.Outcome = outcome.outcome
            lines.append(f"gateway {outcome.recipient} {kind} {outcome.message_id}")
        statuses: list[smsgate.DeliveryStatus] = gateway.status([o.message_id for o in report.accepted if o.message_id])
        lines.append(f"gateway {encoding} {plan.parts} parts, {len(statuses)} statuses")
        with smsgate.Campaign(gateway, journal, text="Spring sale") as campaign:
            loaded: int = campaign.load(["+380501234569", "+380501234570"])
            summary: smsgate.CampaignSummary = campaign.run()
            counts: smsgate.JournalCounts = summary.counts
            lines.append(f"campaign {loaded} loaded, {counts.accepted} accepted")
    return lines


async def use_async_gateway(emulator: Emulator) -> list[str]:
    url = f"smsclub+{emulator.base_url('smsclub')}?sender=VashZakaz".replace("://", f"://{SMSCLUB_TOKEN}@", 1)
    async with smsgate.AsyncGateway.from_url(url) as gateway:
        report = await gateway.send(["+380501234568"], "Hello")
        balance = await gateway.balance()
        return [f"async gateway {len(report.accepted)} accepted, balance {balance.amount}"]


def main() -> int:
    with Emulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        lines = use_sync_clients(emulator)
        lines += asyncio.run(use_async_clients(emulator))
        lines += use_gateway_and_campaign(emulator, Path(tmp) / "campaign.db")
        lines += asyncio.run(use_async_gateway(emulator))
    for line in lines:
        print(line)
    print(f"smsgate {smsgate.__version__}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
