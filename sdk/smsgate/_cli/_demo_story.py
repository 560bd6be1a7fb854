"""The chapters of `smsgate demo`, each a short function over the running emulator.

1. One code path, four providers: the same application function sends through a `Gateway` per provider.
2. A campaign killed mid-run (``kill -9`` of a real ``smsgate bulk send``) and resumed: nobody twice.
3. A lost reply: the send is ``unknown`` (never resent), then reconciled with the provider.
4. A validation error: refused before a request, nothing sent, nothing charged.

What differs between providers is data (`ACCOUNTS`), never code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._demo_run import Story
from ._output import TitledTable, error_line

if TYPE_CHECKING:
    from .._gateway import DeliveryStatus, Gateway, SendReport
    from .._results import Balance

__all__ = ["ACCOUNTS", "CHAPTERS", "Account"]

TEXT = "Your order has shipped"


@dataclass(frozen=True, slots=True)
class Account:
    """A provider's seed account in the emulator (public test values), as a Gateway URL takes it."""

    provider: str
    display_name: str
    #: The credentials part of the Gateway URL (``LOGIN:PASSWORD``, ``TOKEN``...).
    credentials: str
    sender: str
    #: E.164 numbers the provider serves; the emulator never delivers a number ending in 9.
    numbers: tuple[str, str]

    def url(self, base_url: str) -> str:
        """The Gateway URL of this account at the emulator."""
        return base_url.replace("http://", f"{self.provider}+http://{self.credentials}@") + f"?sender={self.sender}"


ACCOUNTS: tuple[Account, ...] = (
    Account("letsads", "LetsAds", "380501234567:p1a2s3s4", "Sender", ("+380671234560", "+380931234569")),
    Account("smsleads", "SMSLeads", "JohnDoe:sl-johndoe-token", "DemoAPI", ("+972502345678", "+972545555559")),
    Account("smsclub", "SMSClub", "smsclub-test-token", "smsgate", ("+380501234567", "+380931234569")),
    Account("smsc", "SMSC", "smsgate:smsgate-password", "smsgate", ("+79991234567", "+79991234569")),
)


def _account(provider: str) -> Account:
    return next(a for a in ACCOUNTS if a.provider == provider)


def _money(balance: Balance) -> str:
    return f"{balance.amount} {balance.currency}" if balance.currency else str(balance.amount)


# 1 ---------------------------------------------------------------------------------------------------


def notify(
    gateway: Gateway, numbers: Sequence[str], wait: Callable[[], object]
) -> tuple[SendReport, list[DeliveryStatus]]:
    """Application code: it knows nothing of the provider behind `gateway`."""
    report = gateway.send(numbers, TEXT)
    wait()
    return report, gateway.status([o.message_id for o in report.accepted if o.message_id])


def one_code_path(story: Story) -> None:
    import smsgate

    emulator = story.emulator
    story.say("notify(gateway, numbers) sends, then asks the delivery states; it never names a provider:")
    story.say("each Gateway comes from its URL, <provider>+http://CREDENTIALS@127.0.0.1:PORT/<provider>?sender=…")
    table = TitledTable("", "provider", "accepted", "2 minutes later", "balance", indent=3)
    results: list[tuple[Account, SendReport, list[DeliveryStatus], Balance, Balance]] = []
    errors: list[tuple[Account, str]] = []
    for account in ACCOUNTS:
        try:
            with smsgate.Gateway.from_url(account.url(emulator.base_url(account.provider))) as gateway:
                before = gateway.balance()
                report, statuses = notify(gateway, account.numbers, lambda: emulator.clock.advance(120))
                after = gateway.balance()
        except smsgate.SmsGateError as exc:  # one provider's failure never hides the others
            table.add_row(account.display_name, "error", type(exc).__name__, "")
            errors.append((account, error_line(exc)))
            continue
        table.add_row(
            account.display_name,
            f"{len(report.accepted)} of {len(report.outcomes)}",
            ", ".join(str(s.state) for s in statuses),
            f"{_money(before)} → {after.amount}",
        )
        results.append((account, report, statuses, before, after))
    story.console.print(table, crop=False)
    for account, detail in errors:
        story.check(f"{account.display_name}: sent and asked without an error", False, detail)
    for account, report, statuses, before, after in results:
        name = account.display_name
        story.check(f"{name}: every recipient accepted", len(report.accepted) == len(account.numbers))
        story.check(
            f"{name}: delivered, and the number ending in 9 undelivered",
            [str(s.state) for s in statuses] == ["delivered", "undelivered"],
            ", ".join(f"{s.state} ({s.raw_status})" for s in statuses),
        )
        story.check(f"{name}: the send was charged", after.amount < before.amount, f"{before.amount} → {after.amount}")


# 2 ---------------------------------------------------------------------------------------------------

_CAMPAIGN_SIZE = 500  # five requests of 100
_HOLD = 0.15  # seconds each request of the first run is held at the emulator: it is killed with one in flight


def killed_and_resumed(story: Story) -> None:
    emulator = story.emulator
    emulator.smsc.add_account("campaign", "campaign-password", balance="100000", senders=["smsgate"])
    url = emulator.base_url("smsc").replace("http://", "smsc+http://campaign:campaign-password@") + "?sender=smsgate"
    phones = [f"+7999{i:07d}" for i in range(_CAMPAIGN_SIZE)]

    def sent() -> Counter[str]:
        return Counter(m.phone for m in emulator.smsc.messages if m.login == "campaign")

    with tempfile.TemporaryDirectory(prefix="smsgate-demo-") as tmp:
        numbers = Path(tmp) / "numbers.txt"
        numbers.write_text("\n".join(phones) + "\n", "utf-8")
        journal = Path(tmp) / "campaign.db"
        command = [sys.executable, "-m", "smsgate._cli", "bulk", "send", "--journal", str(journal)]
        command += ["--to-file", str(numbers), "--text", TEXT, "--concurrency", "1", "--no-progress"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMSGATE_")} | {"SMSGATE_URL": url}
        story.say(f"smsgate bulk send --journal campaign.db --to-file numbers.txt  ({_CAMPAIGN_SIZE} recipients, SMSC)")

        held = 1000
        emulator.faults.inject("smsc", "hold", count=held, delay=_HOLD)  # slow enough to be caught mid-run
        first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while first.poll() is None and time.monotonic() < deadline:
                arrived = held - sum(n for _, n in emulator.faults.pending("smsc"))
                if sum(sent().values()) >= 200 and arrived >= 3:  # two requests answered, the third in flight
                    break
                time.sleep(0.005)
            if first.poll() is None:
                os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            killed = first.returncode == -signal.SIGKILL
            at_kill = sum(sent().values())
            landing = time.monotonic() + 5
            while sum(sent().values()) < 300 and time.monotonic() < landing:  # the held request lands, reply lost
                time.sleep(0.01)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
            emulator.faults.clear("smsc")
        story.say(f"kill -9 after {at_kill} accepted, one request of 100 in flight: its reply is lost with the process")
        story.check("the first run was killed mid-run", killed and 0 < at_kill < _CAMPAIGN_SIZE, f"{at_kill} sent")

        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
        story.check("the same command resumed to the end", second.returncode == 0, second.stderr.strip()[-300:])
        counts = _journal_counts(journal)
        copies = sent()
        twice = sum(1 for n in copies.values() if n > 1)
        missing = _CAMPAIGN_SIZE - len(copies)
        story.say(
            "the same command again: the lost request found by its client id, the rest sent; "
            f"SMSC holds {sum(copies.values())} messages for {len(copies)} recipients "
            f"({twice} sent twice, {missing} missing)"
        )
        story.check("every recipient accepted in the journal", counts.get("accepted") == _CAMPAIGN_SIZE, str(counts))
        story.check(
            "nobody sent twice, nobody missing", twice == 0 and missing == 0, f"{twice} twice, {missing} missing"
        )


def _journal_counts(journal: Path) -> dict[str, int]:
    from .._campaign import open_summary

    summary, store = open_summary(journal)
    try:
        c = summary.counts
        return {"accepted": c.accepted, "rejected": c.rejected, "unknown": c.unknown, "pending": c.pending}
    finally:
        store.close()


# 3 ---------------------------------------------------------------------------------------------------


def lost_reply(story: Story) -> None:
    import smsgate

    emulator = story.emulator
    smsc = _account("smsc")
    phones = ["+79990000001", "+79990000002", "+79990000003"]
    before = len(emulator.smsc.messages)
    # SMSC takes the request, then the connection drops before its reply: on the first try and both retries.
    emulator.faults.inject("smsc", "reset", before_handler=False, count=3)
    with smsgate.Gateway.from_url(smsc.url(emulator.base_url("smsc"))) as gateway:
        report = gateway.send(phones, "Your code is 4821", key="order-42")
        outcomes = [str(o.outcome) for o in report.outcomes]
        story.say(f'gateway.send(3 numbers, key="order-42"): the reply never came back -> {", ".join(outcomes)}')
        story.check("a lost reply is unknown, not failed (never resent blindly)", outcomes == ["unknown"] * 3)
        reconciled = gateway.reconcile("order-42.0", [o.phone for o in report.outcomes if o.phone])
    found = [str(o.outcome) for o in reconciled]
    copies = len(emulator.smsc.messages) - before
    story.say(f'gateway.reconcile("order-42.0", phones) asks SMSC by client id -> {", ".join(found)}')
    story.say(f"SMSC holds {copies} messages for the {len(phones)} recipients")
    story.check("reconciled: every recipient accepted", found == ["accepted"] * 3, ", ".join(found))
    story.check("each message exists once at SMSC", copies == 3, f"{copies} messages")


# 4 ---------------------------------------------------------------------------------------------------


def validation_error(story: Story) -> None:
    import smsgate

    emulator = story.emulator
    letsads = _account("letsads")
    login, password = letsads.credentials.split(":", 1)
    with smsgate.LetsAds(login=login, password=password, base_url=emulator.base_url("letsads")) as client:
        balance = client.balance().amount
        requests = len(emulator.requests.filter("letsads"))
        try:
            client.send([letsads.numbers[0].lstrip("+")], "x" * 500, sender=letsads.sender)
        except smsgate.ValidationError as exc:
            story.say(f"LetsAds.send(a 500-character text) -> smsgate.ValidationError: {exc}")
            story.check("ValidationError names the field", exc.field == "text", str(exc.field))
        else:
            story.check("a text over the limit is refused", False, "no error raised")
        received = len(emulator.requests.filter("letsads")) - requests
        unchanged = client.balance().amount == balance
    still = "still" if unchanged else "no longer"
    story.say(f"the emulator received {received} requests; the balance is {still} {balance}")
    story.check("nothing sent, nothing charged", received == 0 and unchanged, f"{received} requests")


#: The chapters in the order the demo tells them.
CHAPTERS: tuple[tuple[str, Callable[[Story], None]], ...] = (
    ("One code path, four providers", one_code_path),
    ("A campaign killed mid-run, then resumed", killed_and_resumed),
    ("A lost reply: unknown, then reconciled", lost_reply),
    ("A validation error sends nothing", validation_error),
)
