"""A client nobody here wrote: PyPI ``smsc`` (Otetz/smsc 0.1.1) against the SMSC emulator.

It is pointed at the emulator through its class attribute ``SMSC._url`` and runs in a subprocess, because
importing it calls ``logging.basicConfig(level=DEBUG)``. It GETs with ``fmt=3``: send (``cost=2``), cost
(``cost=1``), status (always a list: a trailing comma, ``all=2``, ``charset=utf-8``) and balance (``cur=1``);
errors come back as ``.error == (code, text)``. It reads ``last_date``, ``send_date``, ``last_timestamp`` and
``send_timestamp`` on every status row, a row not found included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from smsgate.emulator import Emulator

pytest.importorskip("smsc", reason="PyPI smsc is in the test extra")

LOGIN = "smsgate"
PASSWORD = "smsgate-password"
PHONE = "79991234567"
UNDELIVERED = "79991234569"

_SCRIPT = r"""
import json
import sys

from smsc.api import SMSC
from smsc.messages import SMSMessage

base_url, login, password, action, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
SMSC._url = base_url + "/sys/"
client = SMSC(login=login, password=password, sender="SMSC.RU")
if action == "send":
    r = client.send(to=args["to"], message=SMSMessage(text=args["text"]))
    out = {"id": r.message_id, "count": r.count, "cost": r.cost, "error": r.error}
elif action == "cost":
    r = client.get_cost(to=args["to"], message=SMSMessage(text=args["text"]))
    out = {"count": r.count, "cost": r.cost, "error": r.error}
elif action == "status":
    rows = client.get_status(to=args["to"], msg_id=args["ids"])
    out = [
        {"status": r.status.status_id, "name": r.status.name, "data": r.data, "error": r.error, "text": str(r)}
        for r in rows
    ]
else:
    r = client.get_balance()
    out = {"balance": r.balance, "credit": r.credit, "currency": r.currency, "error": r.error}
print(json.dumps(out, ensure_ascii=False, default=str))
"""


def _run(emu: Emulator, action: str, password: str = PASSWORD, **args: object) -> Any:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost,::1", "no_proxy": "127.0.0.1,localhost,::1"}
    command = [sys.executable, "-c", _SCRIPT, emu.base_url("smsc"), LOGIN, password, action, json.dumps(args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture
def emu(smsgate_emulator: Emulator) -> Emulator:
    return smsgate_emulator


def test_send_cost_status_balance(emu: Emulator) -> None:
    assert _run(emu, "cost", to=PHONE, text="Ваш код: 4821") == {"count": 1, "cost": 1.68, "error": None}
    sent = _run(emu, "send", to=[PHONE, UNDELIVERED], text="Ваш код: 4821")
    assert (sent["count"], sent["cost"], sent["error"]) == (2, 3.36, None)
    assert emu.smsc.messages[-1].text == "Ваш код: 4821"
    message_id = str(sent["id"])

    rows = _run(emu, "status", to=PHONE, ids=message_id)  # one message, asked for as a list of one
    assert [(row["status"], row["name"]) for row in rows] == [(-1, "Ожидает отправки")]
    emu.clock.advance(60)
    rows = _run(emu, "status", to=[PHONE, UNDELIVERED, "79990000000"], ids=[message_id] * 3)
    assert [(row["status"], row["name"]) for row in rows] == [
        (1, "Доставлено"),
        (20, "Невозможно доставить"),
        (-3, "Не найдено"),  # a row not found still has the dates the client reads
    ]
    delivered = rows[0]["data"]
    assert (delivered["phone"], delivered["cost"], delivered["sender_id"]) == (PHONE, "1.68", "SMSC.RU")
    assert delivered["last_date"].endswith("+03:00") and delivered["send_date"].endswith("+03:00")
    assert rows[1]["data"]["err"] == 1
    assert rows[2]["data"]["last_date"]

    assert _run(emu, "balance") == {"balance": 996.64, "credit": 0.0, "currency": "RUR", "error": None}


def test_error_returns(emu: Emulator) -> None:
    assert _run(emu, "balance", password="wrong")["error"] == [2, "authorise error"]
    assert _run(emu, "send", password="wrong", to=PHONE, text="hi")["error"] == [2, "authorise error"]
    refused = _run(emu, "send", to="12", text="hi")
    assert (refused["error"], refused["count"]) == ([7, "invalid number"], 0)
    assert _run(emu, "cost", to=PHONE, text="")["error"] == [1, "parameters error"]
    assert not emu.smsc.messages
