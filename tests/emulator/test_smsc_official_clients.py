"""The SMSC emulator against the byte shapes SMSC's own libraries send, and their replies read their way.

What smsc_api.py (v1.9 / v2.0), smsc_api.php (v3.5) and smsc_api.js (v1.2) put on the wire, measured by
running them (PROVIDERS.md §4.4): the Python and PHP libraries GET ``login, psw, fmt=1, charset, <args>``
with every send carrying ``translit=0&id=0``, the PHP one in windows-1251 by default; the JavaScript one
POSTs ``multipart/form-data`` (npm form-data) with ``fmt=3``. Their fmt=1 replies are split on ``,``
(``id,cnt,cost,balance``; ``status,time,err,…``; ``<id>,-N`` on error), which the helpers below do the
same way. None of their code is here: only the requests they make and the way they read the answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from smsgate.emulator import Emulator

from .conftest import loopback_client

LOGIN = "smsgate"
PASSWORD = "smsgate-password"
PHONE = "79991234567"
TEXT = "Привет"  # 6 Cyrillic characters: one part


@pytest.fixture
def emu(smsgate_emulator: Emulator) -> Emulator:
    return smsgate_emulator


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with loopback_client() as c:
        yield c


def _library_get(emu: Emulator, client: httpx.Client, script: str, arg: str, *, charset: str) -> str:
    """``_smsc_send_cmd``: GET ``login=…&psw=…&fmt=1&charset=…&<arg>``; the reply read in that charset."""
    query = f"login={quote(LOGIN)}&psw={quote(PASSWORD)}&fmt=1&charset={charset}&{arg}"
    response = client.get(f"{emu.base_url('smsc')}/sys/{script}.php?{query}")
    assert response.status_code == 200
    return response.content.decode(charset)


def _quote(text: str, codec: str) -> str:
    """How the PHP library's ``urlencode`` writes a text held in its charset."""
    return quote(text.encode(codec), safe="")


# -- send.php over GET, as smsc_api.php / smsc_api.py send it -------------------------------------------------


@pytest.mark.parametrize(("charset", "codec"), [("windows-1251", "cp1251"), ("koi8-r", "koi8_r"), ("utf-8", "utf-8")])
def test_send_over_get_in_the_request_charset(emu: Emulator, client: httpx.Client, charset: str, codec: str) -> None:
    arg = f"cost=3&phones={PHONE}&mes={_quote(TEXT, codec)}&translit=0&id=0"
    m = _library_get(emu, client, "send", arg, charset=charset).split(",")  # (id, cnt, cost, balance)
    assert len(m) == 4 and int(m[1]) > 0, m  # the library's success test: m[1] > 0
    assert (m[1], m[2], m[3]) == ("1", "1.68", "998.32")  # one part, charged once
    assert int(m[0]) >= 1  # a message id of the emulator's, not the "0" the library sent
    assert emu.smsc.messages[-1].text == TEXT


@pytest.mark.parametrize("no_id", ["id=0", "id="])
def test_id_zero_or_empty_is_no_client_id(emu: Emulator, client: httpx.Client, no_id: str) -> None:
    """Two sends to one phone within a minute, each with ``id=0``: two messages, two ids, no duplicate error."""
    arg = f"cost=3&phones={PHONE}&mes=hello&translit=0&{no_id}"
    first = _library_get(emu, client, "send", arg, charset="utf-8").split(",")
    second = _library_get(emu, client, "send", arg, charset="utf-8").split(",")
    assert int(first[1]) > 0 and int(second[1]) > 0, (first, second)
    assert first[0] != second[0] and "0" not in (first[0], second[0])
    assert [m.id for m in emu.smsc.messages] == [first[0], second[0]]


@pytest.mark.parametrize("service", ["hlr=1", "ping=1"])
def test_hlr_and_ping_with_an_empty_message(emu: Emulator, client: httpx.Client, service: str) -> None:
    """The libraries' own examples: ``send_sms("79999999999", "", format=3)`` (hlr=1), and a ping (format=6)."""
    arg = f"cost=3&phones={PHONE}&mes=&translit=0&id=0&{service}"
    m = _library_get(emu, client, "send", arg, charset="utf-8").split(",")
    assert int(m[1]) > 0, m
    assert m[1] == "1"


def test_cost_and_balance_over_get(emu: Emulator, client: httpx.Client) -> None:
    arg = f"cost=1&phones={PHONE}&mes={_quote(TEXT, 'cp1251')}&translit=0"
    m = _library_get(emu, client, "send", arg, charset="windows-1251").split(",")  # (cost, cnt)
    assert m == ["1.68", "1"]
    m = _library_get(emu, client, "balance", "", charset="windows-1251").split(",")  # (balance) or (0, -error)
    assert m == ["1000.00"]


def test_errors_split_as_the_libraries_do(emu: Emulator, client: httpx.Client) -> None:
    response = client.get(f"{emu.base_url('smsc')}/sys/balance.php?login={LOGIN}&psw=wrong&fmt=1&charset=utf-8")
    m = response.text.split(",")
    assert len(m) > 1 and m[1][1:] == "2"  # the library: "Ошибка №" + m[1][1:]
    m = _library_get(emu, client, "send", "cost=3&phones=12&mes=hi&translit=0&id=0", charset="utf-8").split(",")
    assert m == ["0", "-7"]


# -- status.php: fmt=1 split on commas, fmt=0 read as "name = value" pairs --------------------------------------


def test_status_fmt1_read_as_the_python_library_does(emu: Emulator, client: httpx.Client) -> None:
    sent = _library_get(
        emu, client, "send", f"cost=3&phones={PHONE}&mes=Hi%2C%20there&translit=0&id=0", charset="utf-8"
    )
    message_id = sent.split(",")[0]
    emu.clock.advance(30)
    m = _library_get(emu, client, "status", f"phone={PHONE}&id={message_id}&all=0", charset="utf-8").split(",")
    assert m == ["1", str(int(emu.clock.now().timestamp())), "0"]  # (status, time, err)
    emu.clock.advance(60)
    m = _library_get(emu, client, "status", f"phone={PHONE}&id={message_id}&all=1", charset="utf-8").split(",")
    if len(m) > 9 and (len(m) < 14 or m[14] != "HLR"):  # get_status(all=1): a comma in the text
        m = ",".join(m).split(",", 8)
    assert m[0] == "1" and m[2] == "0"
    assert (m[4], m[5], m[6], m[7]) == (PHONE, "1.68", "SMSC.RU", "Доставлено")
    assert m[8].startswith("Hi, there")  # the text, then the fields the current page appends


def test_status_fmt0_carries_err(emu: Emulator, client: httpx.Client) -> None:
    sent = _library_get(emu, client, "send", "cost=3&phones=79991234569&mes=hi&translit=0&id=0", charset="utf-8")
    emu.clock.advance(30)
    query = f"login={LOGIN}&psw={PASSWORD}&charset=utf-8&phone=79991234569&id={sent.split(',')[0]}"
    text = client.get(f"{emu.base_url('smsc')}/sys/status.php?{query}").text
    fields = dict(part.split(" = ", 1) for part in text.split(", "))
    assert list(fields) == ["Status", "check_time", "err"]
    assert (fields["Status"], fields["err"]) == ("20", "1")
    emu.clock.advance(60)
    text = client.get(f"{emu.base_url('smsc')}/sys/status.php?{query}&all=1").text
    fields = dict(part.split(" = ", 1) for part in text.split(", "))
    assert list(fields) == [
        "Status",
        "check_time",
        "err",
        "send_date",
        "phone",
        "cost",
        "sender_id",
        "status_name",
        "message",
        "comment",
        "type",
    ]
    assert (fields["phone"], fields["message"], fields["status_name"]) == ("79991234569", "hi", "Невозможно доставить")


# -- multipart/form-data, as smsc_api.js posts every call -----------------------------------------------------

BOUNDARY = "--------------------------515890814546601021194782"  # npm form-data's shape: 26 dashes + 24 digits


def _form_data(fields: dict[str, str]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _js_call(emu: Emulator, client: httpx.Client, script: str, **fields: str) -> object:
    body = _form_data({"login": LOGIN, "psw": PASSWORD, "fmt": "3", "charset": "utf-8", **fields})
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    response = client.post(f"{emu.base_url('smsc')}/sys/{script}.php", content=body, headers=headers)
    assert response.status_code == 200
    return json.loads(response.text)


def test_multipart_posts_are_read_like_any_other(emu: Emulator, client: httpx.Client) -> None:
    sent = _js_call(emu, client, "send", phones=PHONE, mes=TEXT, cost="3")
    assert isinstance(sent, dict) and sent.get("cnt") == 1, sent
    assert emu.smsc.messages[-1].text == TEXT
    assert _js_call(emu, client, "send", phones=PHONE, mes=TEXT, cost="1") == {"cost": "1.68", "cnt": 1}
    status = _js_call(emu, client, "status", phone=PHONE, id=str(sent["id"]), all="1")
    assert isinstance(status, dict) and status["status"] == -1 and status["message"] == TEXT
    assert _js_call(emu, client, "balance", cur="1") == {"balance": "998.32", "currency": "RUR"}
    # Five multipart requests were no authentication failures: the address is not blocked.
    assert not emu.smsc.blocked


def _form_data_bytes(fields: dict[str, bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_php_library_post_in_windows_1251(emu: Emulator, client: httpx.Client) -> None:
    """smsc_api.php with SMSC_POST: curl posts its parameter array as multipart, the text in windows-1251."""
    fields = {"login": LOGIN, "psw": PASSWORD, "fmt": "1", "charset": "windows-1251", "cost": "3"}
    fields |= {"phones": PHONE, "translit": "0", "id": "0"}
    body = _form_data_bytes({**{k: v.encode() for k, v in fields.items()}, "mes": TEXT.encode("cp1251")})
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    response = client.post(f"{emu.base_url('smsc')}/sys/send.php", content=body, headers=headers)
    m = response.content.decode("cp1251").split(",")
    assert int(m[1]) > 0 and m[1:3] == ["1", "1.68"], m
    assert emu.smsc.messages[-1].text == TEXT


def test_python_library_post_form(emu: Emulator, client: httpx.Client) -> None:
    """smsc_api.py with SMSC_POST (or a query over 2000 characters): the same query string, as a form body."""
    arg = f"login={LOGIN}&psw={PASSWORD}&fmt=1&charset=windows-1251&cost=3&phones={PHONE}"
    arg += f"&mes={_quote(TEXT, 'cp1251')}&translit=0&id=0"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}  # what urllib's urlopen(url, data) sends
    response = client.post(f"{emu.base_url('smsc')}/sys/send.php", content=arg.encode(), headers=headers)
    m = response.content.decode("cp1251").split(",")
    assert int(m[1]) > 0 and m[1:3] == ["1", "1.68"], m
    assert emu.smsc.messages[-1].text == TEXT
