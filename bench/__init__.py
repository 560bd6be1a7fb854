"""Benchmarks of smsgate against the embedded emulator: ``python -m bench`` (``nox -s bench``).

Every SDK figure is printed as a ratio to a raw baseline (plain httpx, plain lxml) measured in the same run,
on the same machine, against the same emulator: absolute numbers depend on the machine, ratios much less.
Nothing here asserts a timing, and nothing is written to disk.
"""
