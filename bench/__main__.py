"""``python -m bench`` (``nox -s bench``): every ratio of issue 14's table in one run, as a table and as JSON,
and issue 15's PostgreSQL figures (which that issue asks for without a target) against marks of the bench's
own, reported apart: ``all_targets_met`` is issue 14's targets, ``all_marks_met`` the marks.

Every figure is a ratio to a baseline measured in the same run on the same machine (raw httpx, lxml,
orjson): absolute times move with the load of the machine, ratios much less. ``--json PATH`` writes the
JSON document to a file as well; ``--quick`` is a smoke run of a few operations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from bench import bulk, cpu, firstuse, single, workers
from bench._common import EmulatorProcess, Ratio


def _load() -> str:
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def _format(value: float, unit: str) -> str:
    if unit.startswith("s"):
        return f"{value * 1e6:,.1f} µs" if value < 0.01 else f"{value * 1e3:,.1f} ms"
    return f"{value:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per case; the median is reported")
    parser.add_argument("--requests", type=int, default=200, help="single sends per provider and round")
    parser.add_argument("--cpu-ops", type=int, default=2000, help="operations per CPU-only case and round")
    parser.add_argument("--first-use-runs", type=int, default=9, help="fresh interpreters per side")
    parser.add_argument("--bulk-recipients", type=int, default=20_000, help="recipients of the bulk rate case")
    parser.add_argument("--bulk-rounds", type=int, default=5, help="rounds of the bulk rate case (the median)")
    parser.add_argument("--memory-recipients", type=int, default=100_000, help="recipients of the memory case")
    parser.add_argument("--workers-recipients", type=int, default=20_000, help="recipients of the workers case")
    parser.add_argument("--claim-rows", type=int, default=1_000_000, help="campaign size of the claim-cost case")
    parser.add_argument(
        "--only", choices=["cpu", "single", "first-use", "bulk", "workers"], help="run one section only"
    )
    parser.add_argument("--json", type=Path, help="also write the JSON document to this file")
    parser.add_argument("--quick", action="store_true", help="a smoke run: a few operations of every case")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.requests, args.cpu_ops, args.first_use_runs = 2, 20, 50, 2
        args.bulk_recipients, args.bulk_rounds, args.memory_recipients = 1000, 1, 2000
        args.workers_recipients, args.claim_rows = 2000, 20_000
    if args.rounds < 1 or args.requests < 10 or args.cpu_ops < 1:
        parser.error("--rounds must be >= 1, --requests >= 10, --cpu-ops >= 1")

    started = time.perf_counter()
    load_before = _load()
    rows: list[Ratio] = []
    memory: dict[str, object] = {}
    wanted = {args.only} if args.only else {"cpu", "single", "first-use", "bulk", "workers"}
    if "cpu" in wanted:
        rows += cpu.run(rounds=args.rounds, ops=args.cpu_ops)
    if "first-use" in wanted:
        rows += firstuse.run(runs=args.first_use_runs)
    if wanted & {"single", "bulk", "workers"}:
        with tempfile.TemporaryDirectory(prefix="smsgate-bench-") as tmp:
            emulator = EmulatorProcess(Path(tmp))
            try:
                if "single" in wanted:
                    rows[:0] = single.run(emulator, rounds=args.rounds, requests=args.requests)
                if "bulk" in wanted:
                    bulk_rows, memory = bulk.run(
                        emulator,
                        Path(tmp),
                        recipients=args.bulk_recipients,
                        memory_recipients=args.memory_recipients,
                        rounds=args.bulk_rounds,
                    )
                    rows += bulk_rows
                if "workers" in wanted:  # PostgreSQL campaigns (bench/workers.py)
                    rows += workers.section(emulator, Path(tmp), args.workers_recipients, args.claim_rows, memory)
            finally:
                emulator.stop()

    document: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "versions": {name: version(name) for name in ("httpx", "lxml", "xsdata", "msgspec", "jsonschema")},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "seconds": round(time.perf_counter() - started, 1),
        "ratios": [row.to_json() for row in rows],
        "memory": memory,
        **verdict(rows),
    }
    _print_table(rows, memory, document)
    text = json.dumps(document, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print()
    print(text)
    sys.stdout.flush()
    return 0


def verdict(rows: list[Ratio]) -> dict[str, bool]:
    """Whether every target (issue 14's) is met, and apart from them, every mark of the bench's own."""
    return {
        "all_targets_met": all(row.met for row in rows if not row.mark),
        "all_marks_met": all(row.met for row in rows if row.mark),
    }


def _print_table(rows: list[Ratio], memory: dict[str, object], document: dict[str, object]) -> None:
    print(
        f"smsgate bench: Python {document['python']} on {document['cpus']} CPUs; load average "
        f"{document['load_average_before']} before, {document['load_average_after']} after; "
        f"{document['seconds']} s"
    )
    header = f"{'measure':<96} {'SDK':>12} {'baseline':>12} {'ratio':>7} {'target':>8}  met"
    print(header)
    print("-" * len(header))
    for row in rows:
        target = f"{'≤' if row.sense == 'max' else '≥'} {row.target:g}"
        met = ("yes" if row.met else "NO") + (" (a mark, not a target)" if row.mark else "")
        print(
            f"{row.name:<96} {_format(row.sdk, row.unit):>12} {_format(row.raw, row.unit):>12} "
            f"{row.ratio:>7.2f} {target:>8}  {met}"
        )
        if row.note:
            print(f"    {row.note}")
    if memory:
        print()
        for key, value in memory.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    sys.exit(main())
