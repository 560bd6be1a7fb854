"""``python -m bench [--rounds N] [--requests N] [--quick]``: run every benchmark and print the table."""

from __future__ import annotations

import argparse
import sys

from bench import bulk, letsads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per case; the median is reported")
    parser.add_argument("--requests", type=int, default=200, help="HTTP requests per case and round")
    parser.add_argument("--cpu-ops", type=int, default=1000, help="operations per CPU-only case and round")
    parser.add_argument("--bulk-recipients", type=int, default=20_000, help="recipients of the bulk rate case")
    parser.add_argument("--memory-recipients", type=int, default=100_000, help="recipients of the bulk memory case")
    parser.add_argument("--only", choices=["letsads", "bulk"], help="run one benchmark only")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 rounds of a few operations")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.requests, args.cpu_ops = 2, 20, 50
        args.bulk_recipients, args.memory_recipients = 1000, 2000
    if args.rounds < 1 or args.requests < 10 or args.cpu_ops < 1:
        parser.error("--rounds must be >= 1, --requests >= 10, --cpu-ops >= 1")
    if args.only in (None, "letsads"):
        letsads.run(rounds=args.rounds, requests=args.requests, cpu_ops=args.cpu_ops)
    if args.only in (None, "bulk"):
        bulk.run(recipients=args.bulk_recipients, memory_recipients=args.memory_recipients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
