"""pytest plugin: the smsgate emulator as fixtures, for testing applications that send SMS through smsgate.

Installed with smsgate and loaded automatically (entry point ``pytest11: smsgate``). Fixtures:

``smsgate_emulator``
    A running `smsgate.emulator.Emulator`, reset to its seed before each test, with a **frozen clock**
    (message statuses move only when the test calls ``smsgate_emulator.clock.advance(seconds)``)::

        def test_sends_welcome_sms(smsgate_emulator):
            client = smsgate.LetsAds(login="380501234567", password="p1a2s3s4",
                                     base_url=smsgate_emulator.base_url("letsads"))
            my_app.sign_up(phone="380501234568", sms_client=client)
            (message,) = smsgate_emulator.letsads.messages.values()
            assert message.recipient == "380501234568"

``smsgate_emulator_server``
    The session-wide server behind it (started once per test session, stopped at the end). Use it directly
    only when a test must keep state across tests.

``--smsgate-inbox``
    A pytest option: print the session emulator's inbox page (``http://127.0.0.1:PORT/``) when it starts,
    so you can watch in a browser every message your tests send, live; with ``--smsgate-inbox-port=N``
    the emulator listens on that port, so the page's address stays the same from run to run.

``smsgate_emulator_seed``
    The seed the server starts from: None (the built-in `smsgate.emulator.DEFAULT_SEED`). Override it in your
    ``conftest.py`` to use your own accounts, e.g. return a path to a ``.toml``/``.json`` seed file or a dict
    in the same shape. It is session-scoped, so an override must be too.

The plugin imports nothing from the emulator until a fixture is used, so it costs nothing in test runs
that do not use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from smsgate.emulator import Emulator

__all__ = ["pytest_addoption", "smsgate_emulator", "smsgate_emulator_seed", "smsgate_emulator_server"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smsgate", "smsgate emulator")
    group.addoption(
        "--smsgate-inbox",
        action="store_true",
        help="print the emulator's inbox page URL (every message the tests send, live in a browser)",
    )
    group.addoption(
        "--smsgate-inbox-port",
        type=int,
        default=0,
        help="listen on this loopback port (default: a free one), so the inbox page keeps its address",
    )


@pytest.fixture(scope="session")
def smsgate_emulator_seed() -> object:
    """The seed of the session emulator: None for the built-in seed; override to return a dict or a path."""
    return None


@pytest.fixture(scope="session")
def smsgate_emulator_server(smsgate_emulator_seed: object, request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """One emulator for the whole session, on a free loopback port, with a frozen clock."""
    import os
    from collections.abc import Mapping

    from smsgate.emulator import Emulator

    seed = smsgate_emulator_seed
    if seed is not None and not isinstance(seed, Mapping | str | os.PathLike):
        raise TypeError("smsgate_emulator_seed must return None, a mapping or a path to a seed file")
    port = int(request.config.getoption("smsgate_inbox_port") or 0)
    with Emulator(seed=seed, clock_speed=0, port=port) as emulator:
        if request.config.getoption("smsgate_inbox") or port:
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            capture = request.config.pluginmanager.get_plugin("capturemanager")
            if reporter is not None:
                with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
                    reporter.write_line(f"\nsmsgate emulator inbox: {emulator.inbox_url}")
        yield emulator


@pytest.fixture
def smsgate_emulator(smsgate_emulator_server: Emulator) -> Emulator:
    """The session emulator, reset to its seed (state, faults, request log, clock) for this test."""
    smsgate_emulator_server.reset()
    return smsgate_emulator_server
