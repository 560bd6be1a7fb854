"""LetsAds: what the SDK costs over the raw libraries it is built on, measured in one run.

HTTP cases send one-recipient messages to the emulator (in this process, frozen clock, an account with a
balance no run can exhaust):

* sync: `smsgate.LetsAds.send` vs `httpx.Client.post` of the same request bytes, pre-built once;
* async, one at a time: `smsgate.AsyncLetsAds.send` vs `httpx.AsyncClient.post`;
* async, 10 at a time: the same under `asyncio.gather` of 10 workers.

CPU-only cases (no I/O):

* build + validate a send request: `client._prepare_send(...)` (phone check, text check, xsdata render, XSD
  validation) vs building the same document with lxml, validating it with the same XSD and serializing it;
* parse a send reply: `XmlCodec.decode` (hardened parse + xsdata binding) vs `lxml.etree.fromstring` of the
  same bytes.

Each case is warmed up, then timed for `rounds` rounds (SDK and raw alternating which goes first); the
table shows the median per-operation time, the throughput, and SDK/raw. The emulator shares this process
(and the GIL) with the clients, so absolute figures are pessimistic; compare ratios.
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from importlib.resources import files

import httpx
from lxml import etree

import smsgate
from smsgate.emulator import Emulator
from smsgate_generated.letsads.client import SPEC
from smsgate_generated.letsads.models import Response

__all__ = ["run"]

LOGIN = "380931234567"
PASSWORD = "bench-pw-1"  # noqa: S105 - an emulator account made up for the benchmark
SENDER = "Bench"
RECIPIENT = "380501234567"
TEXT = "smsgate benchmark: one recipient, one part."
CONCURRENCY = 10
SEED = {
    "letsads": {
        "accounts": [
            {"login": LOGIN, "password": PASSWORD, "balance": "1000000000000.00", "senders": [SENDER]},
        ]
    }
}
HEADERS = {"Content-Type": "application/xml; charset=utf-8"}
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass
class Case:
    """One comparison: seconds per operation of each timed round, SDK and raw."""

    name: str
    unit: str
    sdk: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)


def _timed(fn: Callable[[], object], n: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


async def _timed_async(fn: Callable[[], Awaitable[object]], n: int, concurrency: int) -> float:
    """Seconds per operation of `n` calls made by `concurrency` workers (1 = one at a time)."""

    async def worker(count: int) -> None:
        for _ in range(count):
            await fn()

    gc.collect()
    start = time.perf_counter()
    if concurrency == 1:
        await worker(n)
    else:
        share, extra = divmod(n, concurrency)
        await asyncio.gather(*(worker(share + (i < extra)) for i in range(concurrency)))
    return (time.perf_counter() - start) / n


def _raw_build(schema: etree.XMLSchema) -> bytes:
    """The same send request with plain lxml: build, validate against the same XSD, serialize."""
    root = etree.Element("request")
    auth = etree.SubElement(root, "auth")
    etree.SubElement(auth, "login").text = LOGIN
    etree.SubElement(auth, "password").text = PASSWORD
    message = etree.SubElement(root, "message")
    etree.SubElement(message, "from").text = SENDER
    etree.SubElement(message, "text").text = TEXT
    etree.SubElement(message, "recipient").text = RECIPIENT
    if not schema.validate(root):
        raise RuntimeError(f"bench setup: the raw request is not valid: {schema.error_log}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def run(*, rounds: int = 5, requests: int = 200, cpu_ops: int = 1000) -> list[Case]:
    """Run every case and print the table; returns the measurements."""
    started = time.perf_counter()
    warm_http = max(10, requests // 5)
    warm_cpu = max(10, cpu_ops // 5)
    schema = etree.XMLSchema(etree.parse(str(files("smsgate_generated.letsads") / "letsads.xsd")))

    with Emulator(seed=SEED, clock_speed=0) as emulator:
        url = emulator.base_url("letsads")
        client = smsgate.LetsAds(login=LOGIN, password=PASSWORD, base_url=url)
        raw = httpx.Client(timeout=TIMEOUT)
        body = client._prepare_send([RECIPIENT], TEXT, sender=SENDER).content
        reply = raw.post(url, content=body, headers=HEADERS).content
        if b"Complete" not in reply:
            raise RuntimeError(f"bench setup: the emulator refused the request: {reply!r}")
        codec = SPEC.codec

        def sdk_send() -> object:
            return client.send([RECIPIENT], TEXT, sender=SENDER)

        def raw_send() -> object:
            return raw.post(url, content=body, headers=HEADERS).content

        def sdk_build() -> object:
            return client._prepare_send([RECIPIENT], TEXT, sender=SENDER)

        def raw_build() -> object:
            return _raw_build(schema)

        def sdk_parse() -> object:
            return codec.decode(reply, Response)

        def raw_parse() -> object:
            return etree.fromstring(reply)

        sync_cases: list[tuple[Case, Callable[[], object], Callable[[], object], int, int]] = [
            (Case("sync send: LetsAds vs httpx.Client", "req"), sdk_send, raw_send, requests, warm_http),
            (Case("build+validate request (CPU)", "op"), sdk_build, raw_build, cpu_ops, warm_cpu),
            (Case("parse reply (CPU)", "op"), sdk_parse, raw_parse, cpu_ops, warm_cpu),
        ]
        seq = Case("async send, sequential: AsyncLetsAds vs AsyncClient", "req")
        par = Case(f"async send, gather x{CONCURRENCY}: AsyncLetsAds vs AsyncClient", "req")

        with asyncio.Runner() as runner:
            aclient, araw = runner.run(_async_clients(url))

            def sdk_asend() -> Awaitable[object]:
                return aclient.send([RECIPIENT], TEXT, sender=SENDER)

            async def raw_asend() -> object:
                return (await araw.post(url, content=body, headers=HEADERS)).content

            for _case, sdk, base, _n, warm in sync_cases:
                _timed(sdk, warm)
                _timed(base, warm)
            for concurrency in (1, CONCURRENCY):
                runner.run(_timed_async(sdk_asend, warm_http, concurrency))
                runner.run(_timed_async(raw_asend, warm_http, concurrency))

            for round_no in range(rounds):
                emulator.reset()  # keeps the emulator's message store and request log small
                sdk_first = round_no % 2 == 0
                for case, sdk, base, n, _warm in sync_cases:
                    for which in ("sdk", "raw") if sdk_first else ("raw", "sdk"):
                        fn = sdk if which == "sdk" else base
                        getattr(case, which).append(_timed(fn, n))
                for case, concurrency in ((seq, 1), (par, CONCURRENCY)):
                    for which in ("sdk", "raw") if sdk_first else ("raw", "sdk"):
                        afn = sdk_asend if which == "sdk" else raw_asend
                        getattr(case, which).append(runner.run(_timed_async(afn, requests, concurrency)))

            runner.run(_close_async(aclient, araw))
        client.close()
        raw.close()

    cases = [sync_cases[0][0], seq, par, sync_cases[1][0], sync_cases[2][0]]
    _print(cases, rounds=rounds, requests=requests, cpu_ops=cpu_ops, elapsed=time.perf_counter() - started)
    return cases


async def _async_clients(url: str) -> tuple[smsgate.AsyncLetsAds, httpx.AsyncClient]:
    return smsgate.AsyncLetsAds(login=LOGIN, password=PASSWORD, base_url=url), httpx.AsyncClient(timeout=TIMEOUT)


async def _close_async(aclient: smsgate.AsyncLetsAds, araw: httpx.AsyncClient) -> None:
    await aclient.aclose()
    await araw.aclose()


def _print(cases: list[Case], *, rounds: int, requests: int, cpu_ops: int, elapsed: float) -> None:
    versions = ", ".join(f"{name} {version(name)}" for name in ("httpx", "lxml", "xsdata"))
    print(
        f"smsgate bench: LetsAds, one recipient; Python {platform.python_version()} on {os.cpu_count()} CPUs; "
        f"{versions}"
    )
    print(
        f"median of {rounds} rounds x {requests} requests (CPU cases: x {cpu_ops} ops); emulator in-process "
        "(shares the GIL), frozen clock"
    )
    print()
    header = f"{'case':<55} {'SDK us/op':>10} {'raw us/op':>10} {'SDK/raw':>8} {'SDK op/s':>9} {'raw op/s':>9}"
    print(header)
    print("-" * len(header))
    for case in cases:
        sdk = statistics.median(case.sdk)
        raw = statistics.median(case.raw)
        print(
            f"{case.name:<55} {sdk * 1e6:>10.1f} {raw * 1e6:>10.1f} {sdk / raw:>7.2f}x {1 / sdk:>9.0f} {1 / raw:>9.0f}"
        )
    print()
    print(
        "SDK/raw > 1 is the SDK's overhead over raw httpx/lxml doing the same exchange; the raw baselines skip "
        "phone and text checks,\nschema validation of replies, error mapping and typed results. "
        f"Whole run: {elapsed:.1f} s."
    )
    sys.stdout.flush()
