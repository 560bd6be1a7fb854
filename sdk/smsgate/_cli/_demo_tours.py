"""The `smsgate demo` tour of each provider."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from .._exceptions import (
    DuplicateError,
    InvalidRecipientError,
    InvalidRequestError,
    InvalidSenderError,
)
from .._results import MessageStatus
from ._calls import _money
from ._demo_run import DemoRun, _check_final_states, _poll_until_final, _remember
from ._output import _TitledTable

# LetsAds: the seed account every emulator starts with (public test values, not a real account).
_LETSADS_DEMO_LOGIN = "380501234567"
_LETSADS_DEMO_PASSWORD = "p1a2s3s4"  # noqa: S105 - the emulator's documented demo account
_LETSADS_DEMO_TEXT = (
    "Hello from smsgate! This text is longer than one SMS part (160 GSM-7 characters), so it travels as "
    "a concatenated message of two parts, and LetsAds charges every part for every recipient."
)


def _demo_letsads(run: DemoRun) -> None:
    import smsgate
    from smsgate._segments import analyze

    console = run.console
    recipients = ["380501234567", "380677654323", "380501234569"]  # ...9 is never delivered
    sender = "smsgate"
    price = run.emulator.letsads.accounts[_LETSADS_DEMO_LOGIN].price_per_part
    with smsgate.LetsAds(
        login=_LETSADS_DEMO_LOGIN, password=_LETSADS_DEMO_PASSWORD, base_url=run.base_url(), timeout=10.0
    ) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before")
        before = client.balance()
        console.print(f"   LetsAds.balance() -> {_money(before.amount, before.currency)}")
        run.check("balance is a Decimal", isinstance(before.amount, Decimal), repr(before.amount))

        run.step(f"send one text to {len(recipients)} recipients")
        segments = analyze(_LETSADS_DEMO_TEXT)
        console.print(
            f"   text: {segments.characters} characters, {segments.encoding}, {segments.parts} parts; sender {sender!r}"
        )
        result = client.send(recipients, _LETSADS_DEMO_TEXT, sender=sender)
        table = _TitledTable("LetsAds.send(...) -> SendResult", "recipient", "message id", indent=3)
        for message in result.messages:
            table.add_row(message.recipient, message.message_id)
        console.print(table)
        run.check("one message id per recipient", len(result) == len(recipients), f"{len(result)} ids")

        run.step("balance after (charged per part)")
        after = client.balance()
        charged = before.amount - after.amount
        expected_charge = price * segments.parts * len(recipients)
        console.print(
            f"   {_money(before.amount, before.currency)} -> {_money(after.amount, after.currency)}: "
            f"charged {charged} = {len(recipients)} recipients x {segments.parts} parts x {price} per part"
        )
        run.check("charged per part", charged == expected_charge, f"charged {charged}, expected {expected_charge}")

        run.step("first status check, async: AsyncLetsAds.status() x3 under asyncio.gather")

        async def first_poll() -> list[MessageStatus[Any]]:
            async with smsgate.AsyncLetsAds(
                login=_LETSADS_DEMO_LOGIN, password=_LETSADS_DEMO_PASSWORD, base_url=run.base_url()
            ) as aclient:
                return list(await asyncio.gather(*(aclient.status(m) for m in result.message_ids)))

        first = asyncio.run(first_poll())
        table = _TitledTable("await AsyncLetsAds.status(...)", "message id", "LetsAds status", "state", indent=3)
        for status in first:
            table.add_row(status.message_id, status.raw_status, str(status.state))
        console.print(table)
        run.check("async statuses read", len(first) == len(recipients))

        run.step("poll LetsAds.status() until every message is final")
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda s: str(s.message_id))
        statuses, history, polls = _poll_until_final(
            run, lambda: [client.status(m) for m in result.message_ids], expected=len(recipients), history=seen
        )
        table = _TitledTable(
            f"after {polls} polls", "recipient", "message id", "statuses seen", "final state", indent=3
        )
        for message, status in zip(result.messages, statuses, strict=True):
            table.add_row(
                message.recipient, status.message_id, " -> ".join(history[status.message_id]), str(status.state)
            )
        console.print(table)
        _check_final_states(run, recipients, [s.state for s in statuses])

        run.step("a typed provider error: an unregistered sender")
        run.expect_provider_error(
            lambda: client.send(recipients[:1], "Hi", sender="NoSuchName"),
            InvalidSenderError,
            "INVALID_FROM",
            "LetsAds.send(..., sender='NoSuchName')",
        )
        unchanged = client.balance()
        run.check("the refused send cost nothing", unchanged.amount == after.amount, str(unchanged.amount))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(recipients[:1], "x" * 500, sender=sender), "LetsAds.send(...) of 500 characters"
        )


# SMSLeads: the page's example account of the emulator's seed (fake, readable token).
_SMSLEADS_DEMO_USERNAME = "JohnDoe"
_SMSLEADS_DEMO_TOKEN = "sl-johndoe-token"  # noqa: S105 - the emulator's documented demo account
_SMSLEADS_DEMO_TEXT = "Hello from smsgate: your order has shipped. Reply is not needed."


def _demo_smsleads(run: DemoRun) -> None:
    import smsgate
    from smsgate._providers.smsleads import Recipient
    from smsgate._segments import analyze

    console = run.console
    # Israeli mobiles, each with an external id to ask its delivery report by; ...9 is never delivered.
    recipients = [
        Recipient("0502345678", "demo-order-1"),
        Recipient("+972545555555", "demo-order-2"),
        Recipient("0587654329", "demo-order-3"),
    ]
    external_ids = [r.external_id or "" for r in recipients]
    sender = "DemoAPI"

    def window() -> dict[str, Any]:
        # The emulator dates everything in UTC on its own (accelerated) clock: ask it in naive UTC.
        now = run.emulator.clock.now().astimezone(UTC).replace(tzinfo=None)
        return {"start": now - timedelta(minutes=10), "end": now + timedelta(minutes=10)}

    with smsgate.SmsLeads(
        username=_SMSLEADS_DEMO_USERNAME, token=_SMSLEADS_DEMO_TOKEN, base_url=run.base_url(), timeout=10.0
    ) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before (SMSLeads counts credits, not money)")
        before = client.balance()
        console.print(f"   SmsLeads.balance() -> {before.credits} credits")
        run.check("balance is an int of credits", isinstance(before.credits, int), repr(before.credits))

        run.step(f"send one text to {len(recipients)} recipients, each with an external id")
        segments = analyze(_SMSLEADS_DEMO_TEXT)
        console.print(
            f"   text: {segments.characters} characters, {segments.encoding}, {segments.parts} part(s); "
            f"sender {sender!r}"
        )
        shipment = client.send(recipients, _SMSLEADS_DEMO_TEXT, sender=sender)
        table = _TitledTable("SmsLeads.send(...) -> Shipment", "recipient", "external id", "shipment id", indent=3)
        for recipient in recipients:
            table.add_row(recipient.phone, recipient.external_id or "", shipment.shipment_id)
        console.print(table)
        console.print(f"   {shipment.description}")
        run.check("one shipment id for the whole send", shipment.shipment_id.isdigit(), shipment.shipment_id)

        run.step("balance after (charged per part per recipient)")
        after = client.balance()
        charged = before.credits - after.credits
        expected_charge = segments.parts * len(recipients)
        console.print(
            f"   {before.credits} -> {after.credits} credits: charged {charged} = "
            f"{len(recipients)} recipients x {segments.parts} part(s)"
        )
        run.check("charged per part", charged == expected_charge, f"charged {charged}, expected {expected_charge}")

        run.step("delivery reports right after sending, async: await AsyncSmsLeads.delivery_reports()")

        async def first_reports() -> list[Any]:
            async with smsgate.AsyncSmsLeads(
                username=_SMSLEADS_DEMO_USERNAME, token=_SMSLEADS_DEMO_TOKEN, base_url=run.base_url()
            ) as aclient:
                return list(await aclient.delivery_reports(external_ids, **window()))

        first = asyncio.run(first_reports())
        table = _TitledTable("await AsyncSmsLeads.delivery_reports(...)", "external id", "status", "state", indent=3)
        for report in first:
            table.add_row(report.external_id, f"{report.raw_status} {report.text_en}", str(report.state))
        console.print(table)
        run.check("one async report per external id", len(first) == len(recipients), f"{len(first)} reports")

        run.step("advance the emulator clock by 31 s, then read the delivery reports again")
        run.emulator.clock.advance(31)
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda r: str(r.external_id))
        reports, history, polls = _poll_until_final(
            run,
            lambda: client.delivery_reports(external_ids, **window()),
            key=lambda r: str(r.external_id),
            expected=len(recipients),
            history=seen,
        )
        by_id = {r.external_id: r for r in reports}
        table = _TitledTable(
            f"SmsLeads.delivery_reports(...) after {polls} read(s)",
            "recipient",
            "external id",
            "statuses seen",
            "final state",
            "reported at",
            indent=3,
        )
        states = []
        for recipient in recipients:
            report = by_id.get(recipient.external_id or "")
            states.append(report.state if report else None)
            table.add_row(
                recipient.phone,
                recipient.external_id or "",
                " -> ".join(history.get(recipient.external_id or "", [])),
                f"{report.state} ({report.text_en})" if report else "no report",
                report.reported_at.isoformat(sep=" ") if report else "",
            )
        console.print(table)
        _check_final_states(run, [r.phone for r in recipients], states)

        run.step("a typed provider error: cancel the shipment, which was sent already")
        run.expect_provider_error(
            lambda: client.cancel(shipment.shipment_id),
            InvalidRequestError,
            "966",
            f"SmsLeads.cancel({shipment.shipment_id!r})",
        )
        unchanged = client.balance()
        run.check("the refused cancel changed nothing", unchanged.credits == after.credits, str(unchanged.credits))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(["+380501234567"], "Hi", sender=sender),
            "SmsLeads.send(['+380501234567'], ...): not an Israeli mobile",
        )


# SMSClub: the page's example account of the emulator's seed (sender VashZakaz, 8111.17 UAH).
_SMSCLUB_DEMO_TOKEN = "smsclub-test-token"  # noqa: S105 - the emulator's documented demo account
_SMSCLUB_DEMO_TEXT = "Hello from smsgate! Your parcel is waiting at the pick-up point."


def _demo_smsclub(run: DemoRun) -> None:
    import smsgate
    from smsgate._segments import analyze

    console = run.console
    # One text per recipient (/v2/sms/send). SMSClub checks every recipient on its own and sends to the
    # ones it accepts: the third text is over its 661-character limit for Cyrillic, so it refuses that
    # number and sends the others (partial success). ...9 is never delivered.
    refused = "380931234567"
    messages = [
        ("380501234567", _SMSCLUB_DEMO_TEXT),
        ("380671234569", "Hello from smsgate! Your order 4821 has shipped."),
        (refused, "Ваше замовлення готове. " * 30),
    ]
    texts = dict(messages)
    sender = "VashZakaz"
    price = run.emulator.smsclub.accounts["main"].price_per_part
    with smsgate.SmsClub(token=_SMSCLUB_DEMO_TOKEN, base_url=run.base_url(), timeout=10.0) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before, and the account's sender names")
        before = client.balance()
        senders = client.senders()
        console.print(f"   SmsClub.balance() -> {_money(before.amount, before.currency)}")
        console.print(f"   SmsClub.senders() -> {', '.join(senders)}")
        run.check("balance is a Decimal", isinstance(before.amount, Decimal), repr(before.amount))
        run.check(f"sender {sender!r} is registered", sender in senders)

        run.step(f"send {len(messages)} personal texts: SMSClub accepts some recipients and refuses others")
        for phone, text in messages:
            segments = analyze(text)
            console.print(
                f"   {phone}: {segments.characters} characters, {segments.encoding}, {segments.parts} part(s)"
            )
        result = client.send_personal(messages, sender=sender)
        table = _TitledTable("SmsClub.send_personal(...) -> SendResult", "recipient", "message id", "outcome", indent=3)
        for message in result.messages:
            table.add_row(message.recipient, message.message_id, "accepted")
        for rejected in result.rejected:
            table.add_row(rejected.recipient, "", f"rejected: {rejected.reason}")
        console.print(table)
        accepted = [m.recipient for m in result.messages]
        run.check("a message id per accepted recipient", len(result) == len(messages) - 1, f"{len(result)} ids")
        run.check(
            "the refused number is in SendResult.rejected, with its reason",
            [r.recipient for r in result.rejected] == [refused],
            "; ".join(f"{r.recipient}: {r.reason}" for r in result.rejected),
        )

        run.step("balance after (only the accepted messages are charged)")
        after = client.balance()
        charged = before.amount - after.amount
        parts = sum(analyze(texts[phone]).parts for phone in accepted)
        expected_charge = price * parts
        console.print(
            f"   {_money(before.amount, before.currency)} -> {_money(after.amount, after.currency)}: "
            f"charged {charged} = {parts} part(s) of the accepted texts x {price}"
        )
        run.check("charged per accepted message", charged == expected_charge, f"charged {charged}")

        run.step("first status check, async: await AsyncSmsClub.status(ids), one request for every id")

        async def first_poll() -> list[MessageStatus[Any]]:
            async with smsgate.AsyncSmsClub(token=_SMSCLUB_DEMO_TOKEN, base_url=run.base_url()) as aclient:
                return list(await aclient.status(result.message_ids))

        first = asyncio.run(first_poll())
        table = _TitledTable("await AsyncSmsClub.status(...)", "message id", "SMSClub status", "state", indent=3)
        for status in first:
            table.add_row(status.message_id, status.raw_status, str(status.state))
        console.print(table)
        run.check("async statuses read", len(first) == len(accepted))

        run.step("poll SmsClub.status(ids) until every message is final")
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda s: str(s.message_id))
        statuses, history, polls = _poll_until_final(
            run, lambda: client.status(result.message_ids), expected=len(accepted), history=seen
        )
        table = _TitledTable(
            f"after {polls} polls", "recipient", "message id", "statuses seen", "final state", indent=3
        )
        for message, status in zip(result.messages, statuses, strict=True):
            table.add_row(
                message.recipient, status.message_id, " -> ".join(history[status.message_id]), str(status.state)
            )
        console.print(table)
        _check_final_states(run, accepted, [s.state for s in statuses])

        run.step("a typed provider error: the same text to the same number again within 2 minutes")
        run.expect_provider_error(
            lambda: client.send(accepted[:1], texts[accepted[0]], sender=sender),
            DuplicateError,
            "453",
            f"SmsClub.send([{accepted[0]!r}], <the same text>)",
        )
        unchanged = client.balance()
        run.check("the refused send cost nothing", unchanged.amount == after.amount, str(unchanged.amount))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(["0501234567"], "Hi", sender=sender),
            "SmsClub.send(['0501234567'], ...): a national number without its country code",
        )


# SMSC: the main account of the emulator's seed (password or API key; senders SMSC.RU and smsgate).
_SMSC_DEMO_LOGIN = "smsgate"
_SMSC_DEMO_PASSWORD = "smsgate-password"  # noqa: S105 - the emulator's documented demo account
_SMSC_DEMO_API_KEY = "smsgate-apikey"
_SMSC_DEMO_TEXT = "Your smsgate code is 4821. It expires in 10 minutes."


def _demo_smsc(run: DemoRun) -> None:
    import smsgate

    console = run.console
    recipients = ["+79991234567", "79161234568", "79031234569"]  # ...9 is never delivered
    sender = "smsgate"
    client_id = "smsgate-demo-1"
    price = run.emulator.smsc.accounts[_SMSC_DEMO_LOGIN].price_per_part
    with smsgate.Smsc(
        login=_SMSC_DEMO_LOGIN, password=_SMSC_DEMO_PASSWORD, base_url=run.base_url(), timeout=10.0
    ) as client:
        console.print(f"   client: {client!r}")

        run.step("balance before")
        before = client.balance()
        console.print(f"   Smsc.balance() -> {_money(before.amount, before.currency)}")
        run.check("balance is a Decimal", isinstance(before.amount, Decimal), repr(before.amount))

        run.step("estimate first: what the send would cost (nothing is sent)")
        sent_before = run.received()
        estimate = client.estimate(recipients, _SMSC_DEMO_TEXT, sender=sender)
        console.print(f"   Smsc.estimate(...) -> {estimate.cost} {before.currency} for {estimate.parts} part(s)")
        run.check(
            "the estimate is price x parts",
            estimate.cost == price * estimate.parts,
            f"{estimate.parts} x {price} = {estimate.cost}",
        )
        run.check(
            "one request, and no message created", run.received() - sent_before == 1 and not run.emulator.smsc.messages
        )

        run.step(f"send with a client id to {len(recipients)} recipients (one message id for the whole send)")
        sent = client.send(recipients, _SMSC_DEMO_TEXT, sender=sender, client_id=client_id)
        table = _TitledTable("Smsc.send(..., client_id=...) -> SmscSendResult", "recipient", "message id", indent=3)
        for message in sent.messages:
            table.add_row(message.recipient, message.message_id)
        console.print(table)
        console.print(f"   parts={sent.parts} cost={sent.cost} balance={sent.balance} duplicate={sent.duplicate}")
        run.check(
            "the message id is the client id, for every recipient",
            sent.message_id == client_id and [m.message_id for m in sent.messages] == [client_id] * len(recipients),
            sent.message_id,
        )
        run.check(
            "cost and parts as estimated",
            sent.cost == estimate.cost and sent.parts == estimate.parts,
            f"{sent.cost} for {sent.parts} part(s)",
        )

        run.step("balance after")
        after = client.balance()
        charged = before.amount - after.amount
        console.print(
            f"   {_money(before.amount, before.currency)} -> {_money(after.amount, after.currency)}: charged {charged}"
        )
        run.check(
            "charged the cost SMSC reported, and the balance it reported",
            charged == sent.cost and after.amount == sent.balance,
            f"charged {charged}",
        )

        phones = [m.recipient for m in sent.messages]
        run.step("first status check, async: AsyncSmsc.status(id, phone) per phone under asyncio.gather")

        async def first_poll() -> list[Any]:
            async with smsgate.AsyncSmsc(api_key=_SMSC_DEMO_API_KEY, base_url=run.base_url()) as aclient:
                return list(await asyncio.gather(*(aclient.status(client_id, phone) for phone in phones)))

        first = asyncio.run(first_poll())
        table = _TitledTable("await AsyncSmsc.status(...) (API key)", "phone", "SMSC status", "state", indent=3)
        for status in first:
            table.add_row(
                status.phone, f"{status.raw_status} {status.status.name if status.status else ''}", str(status.state)
            )
        console.print(table)
        run.check("async statuses read", len(first) == len(recipients))

        run.step("poll Smsc.status(id, phone) for each phone until final")
        seen: dict[str, list[str]] = {}
        _remember(seen, first, lambda s: str(s.phone))
        # SMSC answers at most five status requests per message a minute: poll every 20 emulated seconds.
        statuses, history, polls = _poll_until_final(
            run,
            lambda: [client.status(client_id, phone) for phone in phones],
            key=lambda s: str(s.phone),
            expected=len(recipients),
            interval=max(0.15, run.emulated_seconds(20)),
            history=seen,
        )
        table = _TitledTable(f"after {polls} polls", "phone", "statuses seen", "final state", "error", indent=3)
        for status in statuses:
            error = f"{status.error_code} {status.error_description}" if status.error_code is not None else ""
            table.add_row(status.phone, " -> ".join(history[status.phone]), str(status.state), error)
        console.print(table)
        _check_final_states(run, phones, [s.state for s in statuses])
        run.check(
            "the undelivered message carries its error code",
            all((s.error_code is not None) == s.phone.endswith("9") for s in statuses),
        )

        run.step("a typed provider error: a number SMSC cannot deliver to")
        run.expect_provider_error(
            lambda: client.send(["+883123456789"], "Hi", sender=sender),
            InvalidRecipientError,
            "send.8",
            "Smsc.send(['+883123456789'], ...)",
        )
        unchanged = client.balance()
        run.check("the refused send cost nothing", unchanged.amount == after.amount, str(unchanged.amount))

        run.step("a validation error, raised before anything is sent")
        run.expect_validation_error(
            lambda: client.send(recipients[:1], "Hi", sender=sender, client_id="not a valid id!"),
            "Smsc.send(..., client_id='not a valid id!')",
        )
