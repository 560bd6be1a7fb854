"""Bulk sending: recipients per second through a journaled `Campaign`, beside a hand-written raw-httpx sender
with pre-built bodies, both against the same emulator (its own process, so the client side has the
interpreter to itself) in the same run; and the peak memory of a campaign process at 10,000 and 100,000
recipients (it must not grow with the count)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from xml.sax.saxutils import escape

import httpx

LOGIN, PASSWORD = "380509999999", "bench-pw"
SEED = {
    "letsads": {
        "accounts": [
            {"login": LOGIN, "password": PASSWORD, "balance": "100000000.00", "senders": ["Sender"], "currency": "UAH"}
        ]
    }
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmulatorProcess:
    """`python -m smsgate.emulator` on a free loopback port, seeded with a bottomless account."""

    def __init__(self, workdir: Path) -> None:
        seed = workdir / "seed.json"
        seed.write_text(json.dumps(SEED))
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smsgate.emulator",
                "--port",
                str(self.port),
                "--seed",
                str(seed),
                "--clock-speed",
                "0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_emulator/state", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the emulator did not start")

    def reset(self) -> None:
        httpx.post(f"{self.url}/_emulator/reset", timeout=10).raise_for_status()

    def sent(self) -> int:
        state = httpx.get(f"{self.url}/_emulator/state", timeout=30).json()
        return len(state["providers"]["letsads"]["messages"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _raw_bodies(n: int, batch: int) -> list[bytes]:
    """The same requests the campaign makes, pre-built once (escaped template, not timed)."""
    bodies = []
    for start in range(0, n, batch):
        recipients = "".join(f"<recipient>38050{i:07d}</recipient>" for i in range(start, min(start + batch, n)))
        bodies.append(
            (
                '<?xml version="1.0" encoding="UTF-8"?><request><auth>'
                f"<login>{LOGIN}</login><password>{escape(PASSWORD)}</password></auth>"
                f"<message><from>Sender</from><text>Hello</text>{recipients}</message></request>"
            ).encode()
        )
    return bodies


async def _raw_sender(url: str, bodies: list[bytes], concurrency: int) -> float:
    queue = list(reversed(bodies))
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                reply = await client.post(url, content=body, headers={"Content-Type": "application/xml"})
                assert b"Complete" in reply.content

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


_CAMPAIGN_CHILD = textwrap.dedent(
    """
    import asyncio, resource, sys, time
    import smsgate
    from smsgate._campaign import Campaign

    url, journal, n, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

    async def main():
        async with smsgate.AsyncGateway.from_url(url) as gateway:
            with Campaign(gateway, journal, text="Hello", concurrency=concurrency) as campaign:
                started = time.perf_counter()
                campaign.load(f"+38050{i:07d}" for i in range(n))
                summary = await campaign.arun()
                return summary, time.perf_counter() - started

    summary, elapsed = asyncio.run(main())
    assert summary.status == "done" and summary.counts.accepted == n, summary
    print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


def _campaign(url: str, workdir: Path, n: int, concurrency: int, tag: str) -> tuple[float, int]:
    """Run a campaign in a fresh process; returns (seconds, peak RSS in KiB)."""
    journal = workdir / f"{tag}.db"
    out = subprocess.run(
        [sys.executable, "-c", _CAMPAIGN_CHILD, url, str(journal), str(n), str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1])


def run(*, recipients: int = 20_000, concurrency: int = 4, memory_recipients: int = 100_000) -> None:
    with tempfile.TemporaryDirectory(prefix="smsgate-bench-") as tmp:
        workdir = Path(tmp)
        emulator = EmulatorProcess(workdir)
        try:
            letsads = f"{emulator.url}/letsads"
            gateway_url = letsads.replace("http://", f"letsads+http://{LOGIN}:{PASSWORD}@") + "?sender=Sender"
            # Warm-up of both paths (imports, connection pools, the emulator's caches).
            asyncio.run(_raw_sender(letsads, _raw_bodies(500, 50), concurrency))
            _campaign(gateway_url, workdir, 500, concurrency, "warmup")
            emulator.reset()

            bodies = _raw_bodies(recipients, 50)
            raw_s = asyncio.run(_raw_sender(letsads, bodies, concurrency))
            emulator.reset()
            campaign_s, _ = _campaign(gateway_url, workdir, recipients, concurrency, "rate")
            assert emulator.sent() == recipients
            emulator.reset()
            small_s, small_rss = _campaign(gateway_url, workdir, memory_recipients // 10, concurrency, "small")
            emulator.reset()
            big_s, big_rss = _campaign(gateway_url, workdir, memory_recipients, concurrency, "big")
        finally:
            emulator.stop()

    print()
    print(f"bulk: LetsAds, {recipients:,} recipients, 50 per request, concurrency {concurrency}")
    print("(the emulator runs in its own process)")
    print(f"{'case':<52}{'seconds':>10}{'recipients/s':>15}{'vs raw':>9}")
    rows = [
        ("raw httpx.AsyncClient, pre-built bodies, no journal", raw_s),
        ("smsgate Campaign (journal, validation, outcomes)", campaign_s),
    ]
    for name, seconds in rows:
        print(f"{name:<52}{seconds:>10.2f}{recipients / seconds:>15,.0f}{seconds / raw_s:>8.2f}x")
    print()
    print("campaign process peak memory (RSS, load + send, journal on disk):")
    print(f"  {memory_recipients // 10:>7,} recipients: {small_rss / 1024:6.1f} MiB in {small_s:5.1f} s")
    print(f"  {memory_recipients:>7,} recipients: {big_rss / 1024:6.1f} MiB in {big_s:5.1f} s")


if __name__ == "__main__":
    run(recipients=int(os.environ.get("BENCH_RECIPIENTS", "20000")))
