"""Bulk sending through a journaled `Campaign` beside hand-written raw httpx senders, all against the same
emulator (its own process), each side in a fresh interpreter:

* recipients per second: the campaign (LetsAds, 50 recipients per request, concurrency 4) / the best raw
  sender (an `httpx.AsyncClient` with 4 workers, or an `httpx.Client` shared by 4 threads), whose request
  bodies are pre-built before its clock starts (the campaign's list of numbers likewise: loading it into the
  journal is timed, making it is neither side's work);
* client CPU per recipient: the campaign / the raw async sender (user + system time of the process, so the
  emulator's work is not counted);
* peak memory of a campaign process at N/10 and N recipients: the process's own high-water mark (VmHWM of
  /proc/self/status, reset by exec), read in the child itself at the end of the run — not `ru_maxrss` of a
  child, which on Linux keeps the parent's peak across exec.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from ._common import EmulatorProcess, Ratio, median

__all__ = ["run"]

LOGIN, PASSWORD, SENDER = "380509999999", "bench-pw", "Sender"
BATCH = 50

_PEAK = textwrap.dedent(
    """
    def peak_kib():
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    """
)

_RAW_CHILD = _PEAK + textwrap.dedent(
    """
    import asyncio, json, sys, threading, time
    from xml.sax.saxutils import escape
    import httpx

    url, n, concurrency, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    login, password, sender = sys.argv[5], sys.argv[6], sys.argv[7]
    bodies = []
    for start in range(0, n, 50):
        recipients = "".join(f"<recipient>38050{i:07d}</recipient>" for i in range(start, min(start + 50, n)))
        bodies.append(
            ('<?xml version="1.0" encoding="UTF-8"?><request><auth>'
             f"<login>{login}</login><password>{escape(password)}</password></auth>"
             f"<message><from>{sender}</from><text>Hello</text>{recipients}</message></request>").encode()
        )
    headers = {"Content-Type": "application/xml; charset=utf-8"}
    queue = list(reversed(bodies))

    # Clients are built before the clock starts (as the campaign's gateway is).
    async_client = httpx.AsyncClient(timeout=30) if mode == "async" else None
    sync_client = httpx.Client(timeout=30) if mode != "async" else None

    async def run_async():
        async with async_client as client:
            async def worker():
                while queue:
                    reply = await client.post(url, content=queue.pop(), headers=headers)
                    assert b"Complete" in reply.content, reply.content
            await asyncio.gather(*(worker() for _ in range(concurrency)))

    def run_threads():
        with sync_client as client:
            lock = threading.Lock()
            def worker():
                while True:
                    with lock:
                        if not queue:
                            return
                        body = queue.pop()
                    reply = client.post(url, content=body, headers=headers)
                    assert b"Complete" in reply.content, reply.content
            threads = [threading.Thread(target=worker) for _ in range(concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run_async()) if mode == "async" else run_threads()
    print(json.dumps({"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "peak_kib": peak_kib()}))
    """
)

_CAMPAIGN_CHILD = _PEAK + textwrap.dedent(
    """
    import asyncio, json, sys, time
    import smsgate
    from smsgate._campaign import Campaign

    url, journal, n, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    streamed = sys.argv[5] == "streamed"
    # The rate runs get their input list before the clock starts, as the raw senders get their bodies; the
    # memory runs stream it (a list of every number would be the input's memory, not the campaign's).
    numbers = (f"+38050{i:07d}" for i in range(n))
    if not streamed:
        numbers = list(numbers)

    async def main():
        async with smsgate.AsyncGateway.from_url(url) as gateway:
            with Campaign(gateway, journal, text="Hello", concurrency=concurrency) as campaign:
                wall, cpu = time.perf_counter(), time.process_time()
                campaign.load(numbers)
                summary = await campaign.arun()
                return summary, time.perf_counter() - wall, time.process_time() - cpu

    summary, seconds, cpu = asyncio.run(main())
    assert summary.status == "done" and summary.counts.accepted == n, summary
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kib": peak_kib()}))
    """
)


def _child(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench child failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(
    emulator: EmulatorProcess,
    workdir: Path,
    *,
    recipients: int,
    memory_recipients: int,
    rounds: int,
    concurrency: int = 4,
) -> tuple[list[Ratio], dict[str, object]]:
    letsads = emulator.base_url("letsads")
    gateway_url = letsads.replace("http://", f"letsads+http://{LOGIN}:{PASSWORD}@") + f"?sender={SENDER}"
    counter = iter(range(10**6))

    def raw(mode: str, n: int) -> dict[str, float]:
        emulator.reset()
        return _child(_RAW_CHILD, letsads, str(n), str(concurrency), mode, LOGIN, PASSWORD, SENDER)

    def campaign(n: int, input_: str = "listed") -> dict[str, float]:
        emulator.reset()
        journal = workdir / f"campaign-{next(counter)}.db"
        result = _child(_CAMPAIGN_CHILD, gateway_url, str(journal), str(n), str(concurrency), input_)
        journal.unlink(missing_ok=True)
        return result

    # Warm-up (the emulator's caches, the page cache of the interpreter's files).
    raw("async", 1000)
    campaign(1000)
    samples: dict[str, list[dict[str, float]]] = {"campaign": [], "async": [], "threads": []}
    for round_no in range(rounds):
        order = ["campaign", "async", "threads"]
        for which in order if round_no % 2 == 0 else order[::-1]:
            samples[which].append(campaign(recipients) if which == "campaign" else raw(which, recipients))

    def rate(which: str) -> float:
        return recipients / median([s["seconds"] for s in samples[which]])

    def cpu_per(which: str) -> float:
        return median([s["cpu"] for s in samples[which]]) / recipients

    best_raw = max(("async", "threads"), key=rate)
    rows = [
        Ratio(
            f"Campaign recipients/s / best raw httpx sender ({best_raw}; {recipients:,}, {BATCH}/request, "
            f"concurrency {concurrency})",
            "recipients/s",
            rate("campaign"),
            rate(best_raw),
            0.8,
            sense="min",
            note=f"raw async {rate('async'):,.0f}/s, raw threads {rate('threads'):,.0f}/s",
        ),
        Ratio(
            "Campaign client CPU per recipient / raw async sender",
            "s/recipient",
            cpu_per("campaign"),
            cpu_per("async"),
            1.5,
        ),
    ]
    small = campaign(memory_recipients // 10, "streamed")
    big = campaign(memory_recipients, "streamed")
    memory = {
        "method": "VmHWM of /proc/self/status read by the campaign process itself at the end of its run",
        f"campaign_{memory_recipients // 10}_peak_mib": round(small["peak_kib"] / 1024, 1),
        f"campaign_{memory_recipients}_peak_mib": round(big["peak_kib"] / 1024, 1),
        f"campaign_{memory_recipients // 10}_seconds": round(small["seconds"], 2),
        f"campaign_{memory_recipients}_seconds": round(big["seconds"], 2),
        "raw_async_peak_mib": round(median([s["peak_kib"] for s in samples["async"]]) / 1024, 1),
    }
    return rows, memory
