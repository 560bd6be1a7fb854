"""Fixtures of the command-line tests: the emulator with a canary account per provider."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli._support import CANARY, CANARY_LOGIN, KEY_CANARY, TOKEN_CANARY


@pytest.fixture
def emu(smsgate_emulator: Any) -> Any:
    smsgate_emulator.letsads.add_account(login=CANARY_LOGIN, password=CANARY, senders=["Sender"])
    smsgate_emulator.smsleads.add_account("CanaryUser", TOKEN_CANARY)
    smsgate_emulator.smsclub.add_account(name="canary", token=TOKEN_CANARY)
    smsgate_emulator.smsc.add_account(login="canary", password=CANARY, apikey=KEY_CANARY, balance="42.00")
    return smsgate_emulator


@pytest.fixture
def url(emu: Any) -> str:
    return str(emu.base_url("letsads"))
