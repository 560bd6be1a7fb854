"""First use: what the first client of a fresh process costs beyond the HTTP client it wraps.

Each sample is a fresh interpreter (`python -c`) that imports httpx first (both sides need it), then times
either `httpx.Client()` or `import smsgate` + `smsgate.LetsAds(...)`; CPU time (user + system) of that
step is reported, the minimum over the runs (the least disturbed by the other processes of a busy machine).
"""

from __future__ import annotations

import json
import subprocess
import sys

from ._common import Ratio

__all__ = ["run"]

_CHILD = """
import json, sys, time
import httpx
wall, cpu = time.perf_counter(), time.process_time()
{step}
print(json.dumps({{"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                   "asyncio": "asyncio" in sys.modules, "phonenumbers": "phonenumbers" in sys.modules}}))
"""
RAW = "httpx.Client()"
SDK = "import smsgate\nsmsgate.LetsAds(login='380509999999', password='bench-pw')"


def _sample(step: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(step=step)], capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(out))


def run(*, runs: int) -> list[Ratio]:
    raw: list[dict[str, float]] = []
    sdk: list[dict[str, float]] = []
    for i in range(runs):
        for which in ("raw", "sdk") if i % 2 == 0 else ("sdk", "raw"):
            (raw if which == "raw" else sdk).append(_sample(RAW if which == "raw" else SDK))
    last = sdk[-1]
    note = f"asyncio imported: {last['asyncio']}, phonenumbers imported: {last['phonenumbers']}"
    return [
        Ratio(
            "first client construction (import smsgate + LetsAds()) / httpx.Client(), CPU",
            "s",
            min(s["cpu"] for s in sdk),
            min(s["cpu"] for s in raw),
            2.0,
            note=note,
            samples={"sdk": [s["cpu"] for s in sdk], "raw": [s["cpu"] for s in raw]},
        )
    ]
