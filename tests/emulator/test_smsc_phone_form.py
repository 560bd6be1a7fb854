"""The phone form smsgate's SMSC client sends: each number with its ``+``.

SMSC "auto-corrects" a number sent without ``+`` (an 11-digit number starting with 8 becomes the Russian
7… number, PROVIDERS.md §4.3); a ``+`` turns that off. So ``Smsc.send`` writes every recipient as ``+<digits>``:
a valid foreign number starting with 8 reaches that number, and is charged as such, instead of a stranger in
Russia. The emulator corrects as SMSC does, so the number a message was stored under shows the form sent.
"""

from __future__ import annotations

import smsgate
from smsgate.emulator import Emulator

from .conftest import loopback_client

JAPAN = "81312345678"  # 11 digits starting with 8: without "+", SMSC would send it to +7 131 234-56-78


def test_sdk_sends_numbers_with_plus_so_smsc_does_not_correct_them(smsgate_emulator: Emulator) -> None:
    emu = smsgate_emulator
    with smsgate.Smsc(login="smsgate", password="smsgate-password", base_url=emu.base_url("smsc")) as client:
        client.send([JAPAN, "+79991234567"], "hi", sender="SMSC.RU")
        estimate = client.estimate([JAPAN], "hi")
    assert [m.phone for m in emu.smsc.messages] == [JAPAN, "79991234567"]
    assert estimate.parts == 1


def test_the_same_number_without_plus_is_corrected_by_smsc(smsgate_emulator: Emulator) -> None:
    """What the ``+`` prevents, shown on the wire form a digits-only client sends."""
    emu = smsgate_emulator
    form = {"login": "smsgate", "psw": "smsgate-password", "fmt": "3", "charset": "utf-8"}
    with loopback_client() as http:
        http.post(f"{emu.base_url('smsc')}/sys/send.php", data={**form, "phones": JAPAN, "mes": "hi"})
    assert [m.phone for m in emu.smsc.messages] == ["71312345678"]
