"""``python -m smsgate.emulator``: serve the emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from smsgate.emulator._emulator import Emulator


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, start the emulator, print its URLs and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m smsgate.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port, 0 = any free one (default 8765)")
    parser.add_argument("--seed", default=None, help="a .json or .toml seed file (default: the built-in seed)")
    parser.add_argument(
        "--clock-speed",
        type=float,
        default=60.0,
        help="emulated seconds per real second; 0 = frozen (default 60)",
    )
    args = parser.parse_args(argv)
    try:
        emulator = Emulator(seed=args.seed, clock_speed=args.clock_speed, host=args.host, port=args.port)
        emulator.start()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"smsgate emulator on {emulator.url} (Ctrl-C to stop)")
    for name in emulator.providers:
        print(f"  {name}: {emulator.base_url(name)}")
    print(f"  control: {emulator.url}/_emulator/state")
    sys.stdout.flush()
    emulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
