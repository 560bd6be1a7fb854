"""The SMSC emulator over real HTTP on loopback, with plain httpx: every documented code and behaviour.

Every fmt=3 reply is validated against its ``$defs`` entry of ``schemas/smsc/smsc.schema.json``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from lxml import etree

from smsgate.emulator import DEFAULT_SEED, Emulator, SmscAccount, SmscStatus
from smsgate.emulator._smsc import MOSCOW, password_is_strong, transliterate

from .conftest import loopback_client, schema_check

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "smsc" / "smsc.schema.json").read_text(encoding="utf-8"))
ERRORS_TOML = ROOT / "schemas" / "smsc" / "errors.toml"
SAMPLES = ROOT / "schemas" / "smsc" / "samples"

LOGIN = "smsgate"
PASSWORD = "smsgate-password"
APIKEY = "smsgate-apikey"
AUTH = {"login": LOGIN, "psw": PASSWORD}
PHONE = "79991234567"
UNDELIVERED = "79991234569"


#: Validate an instance against ``#/$defs/<definition>`` of the SMSC schema.
check = schema_check(SCHEMA)


Call = Callable[..., httpx.Response]


@pytest.fixture
def call(emu: Emulator, client: httpx.Client) -> Call:
    """``call(script, **params)``: POST (or GET with ``method="GET"``) with the main account's credentials,
    ``fmt=3`` and ``charset=utf-8`` unless given; ``auth=None`` sends no credentials."""

    def do(
        script: str,
        *,
        method: str = "POST",
        auth: dict[str, str] | None = AUTH,
        headers: dict[str, str] | None = None,
        **params: object,
    ) -> httpx.Response:
        merged = {**(auth or {}), "fmt": 3, "charset": "utf-8", **params}
        data = {key: str(value) for key, value in merged.items() if value is not None}
        url = f"{emu.base_url('smsc')}/sys/{script}.php"
        if method == "GET":
            response = client.get(url, params=data, headers=headers)
        else:
            response = client.post(url, data=data, headers=headers)
        assert response.status_code == 200
        return response

    return do


def reply(response: httpx.Response) -> Any:
    """The fmt=3 body (decoded with the reply's own charset)."""
    assert response.headers["content-type"].startswith("application/json; charset=")
    return json.loads(response.text)


def balances(emu: Emulator) -> dict[str, Decimal]:
    return {login: account.balance for login, account in emu.smsc.accounts.items()}


# -- every error code, triggered by a matching request ----------------------------------------------------------

Trigger = Callable[[Emulator, Call], httpx.Response]


def _blocked(script: str, **params: object) -> Trigger:
    def trigger(emu: Emulator, call: Call) -> httpx.Response:
        for _ in range(5):
            assert reply(call("balance", auth={"login": LOGIN, "psw": "wrong"}))["error_code"] == 2
        return call(script, **params)  # the right credentials, from a blocked address

    return trigger


def _sent_then(script: str, repeat: int, **params: object) -> Trigger:
    def trigger(emu: Emulator, call: Call) -> httpx.Response:
        for _ in range(repeat):
            assert "error" not in reply(call(script, **params))
        return call(script, **params)

    return trigger


def _status_of_sent(**params: object) -> Trigger:
    def trigger(emu: Emulator, call: Call) -> httpx.Response:
        assert "error" not in reply(call("send", phones=PHONE, mes="hi", id="m1"))
        emu.clock.advance(5)  # handed on: cannot be deleted any more
        return call("status", phone=PHONE, id="m1", **params)

    return trigger


def _status_too_often(emu: Emulator, call: Call) -> httpx.Response:
    call("send", phones=PHONE, mes="hi", id="m1")
    for _ in range(5):
        assert reply(call("status", phone=PHONE, id="m1"))["status"] == -1
    return call("status", phone=PHONE, id="m1")


def _paid_too_often(emu: Emulator, call: Call) -> httpx.Response:
    for _ in range(3):
        assert reply(call("users", pay=1, user="smsgate-sub1", sum="1.00")) == {"result": "OK"}
    return call("users", pay=1, user="smsgate-sub1", sum="1.00")


def _plain(script: str, **params: object) -> Trigger:
    return lambda emu, call: call(script, **params)


SUB1 = {"login": "smsgate-sub1", "psw": "Sub1-Passw0rd"}
POOR = {"login": "smsgate-poor", "psw": PASSWORD}
BAD_AUTH = {"login": LOGIN, "psw": "wrong"}

TRIGGERS: dict[str, Trigger] = {
    "send.1": _plain("send", phones=PHONE),
    "send.2": lambda emu, call: call("send", auth=BAD_AUTH, phones=PHONE, mes="hi"),
    "send.3": lambda emu, call: call("send", auth=POOR, phones=PHONE, mes="hi"),
    "send.4": _blocked("send", phones=PHONE, mes="hi"),
    "send.5": _plain("send", phones=PHONE, mes="hi", time="yesterday"),
    "send.6": _plain("send", phones=PHONE, mes="hi", sender="Unregistered"),
    "send.7": _plain("send", phones=f"{PHONE},12", mes="hi"),
    "send.8": _plain("send", phones=f"{PHONE},882123456789", mes="hi"),
    "send.9": _sent_then("send", 1, phones=PHONE, mes="hi", id="order-1"),
    "status.1": _plain("status", phone=PHONE),
    "status.2": lambda emu, call: call("status", auth=BAD_AUTH, phone=PHONE, id="1"),
    "status.4": _blocked("status", phone=PHONE, id="1"),
    "status.5": _status_of_sent(**{"del": 1}),
    "status.9": _status_too_often,
    "balance.1": _plain("balance", cur=2),
    "balance.2": lambda emu, call: call("balance", auth={"apikey": "wrong"}),
    "balance.4": _blocked("balance"),
    "balance.9": _sent_then("balance", 10),
    "users.1": _plain("users", add=1, user="newsub", password="short"),
    "users.2": lambda emu, call: call("users", auth=BAD_AUTH, get_stat=1),
    "users.3": _plain("users", get_stat=1),
    "users.4": _blocked("users", get_stat=1),
    "users.5": lambda emu, call: call("users", auth=SUB1, get_stat=1),
    "users.6": _plain("users", pay=1, user="nobody", sum="10"),
    "users.7": _plain("users", pay=1, user="smsgate-sub2", sum="10"),
    "users.8": _plain("users", add=1, user="smsgate-poor", password="Str0ng-Password"),
    "users.9": _paid_too_often,
    "users.10": _plain("users", pay=1, user="smsgate-sub1", sum="1000.01"),
}


def test_trigger_table_covers_every_documented_code() -> None:
    with ERRORS_TOML.open("rb") as fh:
        assert set(TRIGGERS) == set(tomllib.load(fh)["codes"])


def _code_order(code: str) -> tuple[str, int]:
    area, number = code.split(".")
    return area, int(number)


CODES: list[str] = sorted(TRIGGERS, key=_code_order)


@pytest.mark.parametrize("code", CODES)
def test_error_code_is_reachable(emu: Emulator, call: Call, code: str) -> None:
    state: dict[str, object] = {}

    def spy(script: str, **params: object) -> httpx.Response:
        state["messages"], state["balances"] = list(emu.smsc.messages), balances(emu)
        state["accounts"] = set(emu.smsc.accounts)
        return call(script, **params)

    body = reply(TRIGGERS[code](emu, spy))
    check(body, "ErrorResponse")
    number = code.split(".")[1]
    assert body["error_code"] == int(number)
    assert emu.requests[-1].outcome == code
    # The last request did nothing.
    assert emu.smsc.messages == state["messages"]
    assert balances(emu) == state["balances"]
    assert set(emu.smsc.accounts) == state["accounts"]


# -- the four formats -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (0, "ERROR = 2 (authorise error)"),
        (1, "0,-2"),
        (2, "<result><error>authorise error</error><error_code>2</error_code></result>"),
        (3, '{"error": "authorise error", "error_code": 2}'),
    ],
)
def test_error_in_every_format(call: Call, fmt: int, expected: str) -> None:
    response = call("balance", auth=BAD_AUTH, fmt=fmt)
    assert response.text == expected
    kind = {0: "text/plain", 1: "text/plain", 2: "application/xml", 3: "application/json"}[fmt]
    assert response.headers["content-type"] == f"{kind}; charset=utf-8"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (0, "ERROR = 9 (duplicate request, wait a minute), ID - order-1"),
        (1, "order-1,-9"),
        (2, "<result><error>duplicate request, wait a minute</error><error_code>9</error_code><id>order-1</id>"),
        (3, '{"error": "duplicate request, wait a minute", "id": "order-1", "error_code": 9}'),
    ],
)
def test_send_error_carries_the_id(call: Call, fmt: int, expected: str) -> None:
    call("send", phones=PHONE, mes="hi", id="order-1")
    text = call("send", phones=PHONE, mes="hi", id="order-1", fmt=fmt).text
    assert text == expected + ("</result>" if fmt == 2 else "")


def test_error_shapes_match_the_seed(call: Call) -> None:
    """The seed's placeholders N and description, filled in, give exactly our replies."""
    text = (SAMPLES / "seed004-error-fmt0.txt").read_text().strip()
    assert call("users", fmt=0, auth=BAD_AUTH, get_stat=1).text == text.replace("N", "2").replace(
        "description", "authorise error"
    )
    assert call("users", fmt=1, auth=BAD_AUTH, get_stat=1).text == "0,-2"
    xml = etree.fromstring(call("users", fmt=2, auth=BAD_AUTH, get_stat=1).content)
    seed = etree.fromstring((SAMPLES / "seed004-error-fmt2.xml").read_bytes())
    assert [child.tag for child in xml] == [child.tag for child in seed]
    assert xml.tag == seed.tag == "result"
    assert xml.findtext("error_code") == "2"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (0, "OK - 2 SMS, ID - 1"),
        (1, "1,2"),
        (2, "<result><id>1</id><cnt>2</cnt></result>"),
        (3, '{"id": 1, "cnt": 2}'),
    ],
)
def test_send_in_every_format(emu: Emulator, call: Call, fmt: int, expected: str) -> None:
    response = call("send", phones=f"{PHONE};+79991234568", mes="Привет", fmt=fmt)
    assert response.text == expected
    assert [m.phone for m in emu.smsc.messages] == [PHONE, "79991234568"]
    assert emu.smsc.accounts[LOGIN].balance == Decimal("1000.00") - 2 * Decimal("1.68")


@pytest.mark.parametrize(
    ("fmt", "cost", "expected"),
    [
        (0, 2, "OK - 1 SMS, ID - 42, COST - 1.68"),
        (0, 3, "OK - 1 SMS, ID - 42, COST - 1.68, BALANCE - 998.32"),
        (1, 2, "42,1,1.68"),
        (1, 3, "42,1,1.68,998.32"),
        (2, 3, "<result><id>42</id><cnt>1</cnt><cost>1.68</cost><balance>998.32</balance></result>"),
        (3, 2, '{"id": 42, "cnt": 1, "cost": "1.68"}'),
        (3, 3, '{"id": 42, "cnt": 1, "cost": "1.68", "balance": "998.32"}'),
        (0, 1, "OK - 1 SMS, COST - 1.68"),
        (1, 1, "1.68,1"),
        (2, 1, "<result><cost>1.68</cost><cnt>1</cnt></result>"),
        (3, 1, '{"cost": "1.68", "cnt": 1}'),
    ],
)
def test_cost_modes_in_every_format(emu: Emulator, call: Call, fmt: int, cost: int, expected: str) -> None:
    assert call("send", phones=PHONE, mes="hi", id="42", cost=cost, fmt=fmt).text == expected
    assert len(emu.smsc.messages) == (0 if cost == 1 else 1)


def test_send_replies_validate(call: Call) -> None:
    for cost, definition in ((0, "SendResponse"), (1, "CostResponse"), (2, "SendResponse"), (3, "SendResponse")):
        body = reply(call("send", phones=PHONE, mes=f"text {cost}", cost=cost))
        check(body, definition)
    body = reply(call("send", phones=PHONE, mes="x", cost=3, id="order-42.a_1"))
    check(body, "SendResponse")
    assert body == {"id": "order-42.a_1", "cnt": 1, "cost": "1.68", "balance": "993.28"}


@pytest.mark.parametrize(
    ("fmt", "cur", "expected"),
    [
        (0, 0, "1000.00"),
        (0, 1, "1000.00,RUR"),
        (1, 1, "1000.00,RUR"),
        (2, 0, "<result><balance>1000.00</balance></result>"),
        (2, 1, "<result><balance>1000.00</balance><currency>RUR</currency></result>"),
        (3, 0, '{"balance": "1000.00"}'),
        (3, 1, '{"balance": "1000.00", "currency": "RUR"}'),
    ],
)
def test_balance_in_every_format(call: Call, fmt: int, cur: int, expected: str) -> None:
    assert call("balance", fmt=fmt, cur=cur).text == expected


def test_balance_replies_validate(emu: Emulator, call: Call) -> None:
    check(reply(call("balance", cur=1)), "BalanceResponse")
    emu.smsc.accounts[LOGIN].balance = Decimal("-12.4")
    emu.smsc.accounts[LOGIN].credit = Decimal("500")
    body = reply(call("balance", cur=1))
    check(body, "BalanceResponse")
    assert body == {"balance": "-12.40", "currency": "RUR", "credit": "500.00"}
    assert body == json.loads((SAMPLES / "balance-response-credit.json").read_text())


def test_get_and_post_and_query_plus_body(emu: Emulator, call: Call, client: httpx.Client) -> None:
    assert reply(call("balance", method="GET")) == {"balance": "1000.00"}
    # POST body values override the query string's, as PHP's $_REQUEST does.
    url = f"{emu.base_url('smsc')}/sys/balance.php?" + urlencode({**AUTH, "fmt": 1})
    assert client.post(url, data={"fmt": 3, "charset": "utf-8"}).text == '{"balance": "1000.00"}'


def test_unknown_script(emu: Emulator, client: httpx.Client) -> None:
    assert client.get(f"{emu.base_url('smsc')}/sys/phones.php").status_code == 404
    assert client.get(f"{emu.base_url('smsc')}/send.php").status_code == 404


# -- authentication, the IP block, charsets --------------------------------------------------------------------


def test_password_md5_and_apikey(emu: Emulator, call: Call) -> None:
    digest = hashlib.md5(PASSWORD.encode(), usedforsecurity=False).hexdigest()
    assert reply(call("balance", auth={"login": LOGIN, "psw": digest})) == {"balance": "1000.00"}
    assert reply(call("balance", auth={"login": LOGIN, "psw": digest.upper()})) == {"balance": "1000.00"}
    assert reply(call("balance", auth={"apikey": APIKEY})) == {"balance": "1000.00"}
    for auth in ({}, {"login": LOGIN}, {"psw": PASSWORD}, {"login": LOGIN, "psw": ""}, {"apikey": PASSWORD}):
        assert reply(call("balance", auth=auth))["error_code"] == 2
    emu.smsc.unblock()  # five failures in a row blocked the address
    assert reply(call("balance", auth={"login": LOGIN.upper(), "psw": PASSWORD}))["error_code"] == 2


def test_allow_list(call: Call) -> None:
    auth = {"login": "smsgate-allowlist", "psw": PASSWORD}
    assert reply(call("balance", auth=auth))["error_code"] == 2
    assert "error" not in reply(call("balance", auth=auth, headers={"X-Forwarded-For": "192.0.2.10"}))


def test_ip_block_after_repeated_bad_logins(emu: Emulator, call: Call) -> None:
    for _ in range(4):
        assert reply(call("balance", auth=BAD_AUTH))["error_code"] == 2
    assert "error" not in reply(call("balance"))  # four failures do not block
    assert reply(call("balance", auth=BAD_AUTH))["error_code"] == 2  # the fifth does
    assert reply(call("balance"))["error_code"] == 4
    assert call("balance", fmt="9").text == "ERROR = 4 (IP address is temporarily blocked)"  # before fmt checks
    other = {"X-Forwarded-For": "198.51.100.7"}
    assert "error" not in reply(call("balance", headers=other))  # per address
    assert list(emu.smsc.blocked) == ["127.0.0.1"]
    emu.clock.advance(599)
    assert reply(call("balance"))["error_code"] == 4  # and that request restarted the block
    emu.clock.advance(599)
    assert reply(call("balance"))["error_code"] == 4
    emu.clock.advance(600)
    assert "error" not in reply(call("balance"))


def test_failures_spread_over_more_than_a_minute_do_not_block(emu: Emulator, call: Call) -> None:
    for _ in range(8):
        assert reply(call("balance", auth=BAD_AUTH))["error_code"] == 2
        emu.clock.advance(15)
    assert "error" not in reply(call("balance"))


def test_unblock(emu: Emulator, call: Call) -> None:
    for _ in range(5):
        call("balance", auth=BAD_AUTH)
    assert reply(call("balance"))["error_code"] == 4
    emu.smsc.unblock("127.0.0.1")
    assert "error" not in reply(call("balance"))
    for _ in range(5):
        call("balance", auth=BAD_AUTH)
    emu.smsc.unblock()
    assert "error" not in reply(call("balance"))
    for _ in range(5):
        call("balance", auth=BAD_AUTH)
    emu.reset()
    assert not emu.smsc.blocked
    assert "error" not in reply(call("balance"))


def test_default_charset_is_windows_1251(emu: Emulator, client: httpx.Client) -> None:
    url = f"{emu.base_url('smsc')}/sys/send.php"
    # UTF-8 bytes without charset=utf-8: the server reads windows-1251, the text is mojibake.
    client.post(url, data={**AUTH, "phones": PHONE, "mes": "Привет"})
    assert emu.smsc.messages[-1].text == "Привет".encode().decode("cp1251")
    # windows-1251 bytes, declared: read right.
    body = urlencode({**AUTH, "phones": PHONE, "mes": "Привет", "charset": "windows-1251"}, encoding="cp1251")
    response = client.post(url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.headers["content-type"] == "text/plain; charset=windows-1251"
    assert emu.smsc.messages[-1].text == "Привет"
    body = urlencode({**AUTH, "phones": UNDELIVERED, "mes": "Привет", "charset": "koi8-r", "fmt": 3}, encoding="koi8_r")
    client.post(url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert emu.smsc.messages[-1].text == "Привет"


def test_reply_is_encoded_in_the_charset(emu: Emulator, call: Call) -> None:
    call("send", phones=PHONE, mes="hi", id="7")
    emu.smsc.rate_limits = False
    for charset, codec in (("koi8-r", "koi8_r"), ("windows-1251", "cp1251"), ("utf-8", "utf-8"), ("UTF-8", "utf-8")):
        response = call("status", phone=PHONE, id="7", all=1, charset=charset)
        assert response.headers["content-type"] == f"application/json; charset={charset.lower()}"
        assert json.loads(response.content.decode(codec))["status_name"] == "Ожидает отправки"
    assert call("balance", charset="latin-1", fmt=0).text == "ERROR = 1 (parameters error)"


# -- send.php ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"mes": "hi"}, 1),
        ({"phones": PHONE}, 1),
        ({"phones": PHONE, "mes": "   "}, 1),
        ({"phones": " , ;", "mes": "hi"}, 1),
        ({"phones": PHONE, "mes": "a" * 1001}, 1),
        ({"phones": PHONE, "mes": "hi", "id": "bad id"}, 1),
        ({"phones": PHONE, "mes": "hi", "id": "x" * 41}, 1),
        ({"phones": PHONE, "mes": "hi", "cost": 4}, 1),
        ({"phones": PHONE, "mes": "hi", "translit": 3}, 1),
        ({"phones": PHONE, "mes": "hi", "tz": 13}, 1),
        ({"phones": PHONE, "mes": "hi", "valid": "1h"}, 1),
        ({"phones": PHONE, "mes": "hi", "maxsms": 0}, 1),
        ({"phones": PHONE, "mes": "hi", "flash": 2}, 1),
        ({"phones": PHONE, "mes": "hi", "bin": 3}, 1),
        # 5 before 6 before 7 before 8
        ({"phones": "12", "mes": "hi", "sender": "Nope", "time": "31129912"}, 5),
        ({"phones": PHONE, "mes": "hi", "time": "3113241200"}, 5),
        ({"phones": PHONE, "mes": "hi", "time": "25-26"}, 5),
        ({"phones": PHONE, "mes": "hi", "time": "+abc"}, 5),
        ({"phones": "12", "mes": "hi", "sender": "Nope"}, 6),
        ({"phones": "12", "mes": "hi", "sender": "smsc.ru"}, 6),
        ({"phones": "882123456789,12", "mes": "hi"}, 7),
        ({"phones": "G12", "mes": "hi"}, 7),
        ({"phones": "7999123456x", "mes": "hi"}, 7),
        ({"phones": "1234567", "mes": "hi"}, 7),
        ({"phones": "883123456789", "mes": "hi"}, 8),
        ({"phones": "+88212345678", "mes": "hi"}, 8),
    ],
)
def test_send_errors_and_precedence(emu: Emulator, call: Call, params: dict[str, object], code: int) -> None:
    body = reply(call("send", **params))
    check(body, "ErrorResponse")
    assert body["error_code"] == code
    assert not emu.smsc.messages


def test_duplicate_id_within_a_minute(emu: Emulator, call: Call) -> None:
    assert reply(call("send", phones=PHONE, mes="hi", id="order-1")) == {"id": "order-1", "cnt": 1}
    assert reply(call("send", phones=f"79991234568,{PHONE}", mes="other text", id="order-1"))["error_code"] == 9
    assert reply(call("send", phones="79991234568", mes="hi", id="order-1")) == {"id": "order-1", "cnt": 1}
    assert reply(call("send", phones=PHONE, mes="hi", id="order-2")) == {"id": "order-2", "cnt": 1}
    assert reply(call("send", auth=SUB1, phones=PHONE, mes="hi", id="order-1"))["cnt"] == 1  # another account
    # Without an id, every send is new (the server numbers them).
    assert reply(call("send", phones=PHONE, mes="hi")) == {"id": 1, "cnt": 1}
    assert reply(call("send", phones=PHONE, mes="hi")) == {"id": 2, "cnt": 1}
    emu.clock.advance(59.999)
    assert reply(call("send", phones=PHONE, mes="hi", id="order-1"))["error_code"] == 9
    emu.clock.advance(0.001)
    assert reply(call("send", phones=PHONE, mes="hi", id="order-1")) == {"id": "order-1", "cnt": 1}
    assert len(emu.smsc.messages) == 7


def test_numeric_ids_are_numbers(call: Call) -> None:
    assert reply(call("send", phones=PHONE, mes="hi", id="2147483647")) == {"id": 2147483647, "cnt": 1}
    assert reply(call("send", phones=PHONE, mes="hi", id="2147483648")) == {"id": "2147483648", "cnt": 1}
    assert reply(call("send", phones=PHONE, mes="hi", id="007")) == {"id": "007", "cnt": 1}


def test_phones_lists(emu: Emulator, call: Call) -> None:
    body = reply(call("send", phones=f" {PHONE} ;+79991234568, 89991234560,{PHONE},", mes="hi"))
    assert body == {"id": 1, "cnt": 3}
    assert [m.phone for m in emu.smsc.messages] == [PHONE, "79991234568", "79991234560"]  # 8… corrected to 7…
    assert len({m.id for m in emu.smsc.messages}) == 1


def test_sender_rules(emu: Emulator, call: Call) -> None:
    call("send", phones=PHONE, mes="a")
    call("send", phones=PHONE, mes="b", sender="smsgate")
    call("send", phones=PHONE, mes="c", sender="")
    call("send", phones=PHONE, mes="d", sender=".")
    assert [m.sender for m in emu.smsc.messages] == ["SMSC.RU", "smsgate", "", ""]


@pytest.mark.parametrize(
    ("text", "parts"),
    [("a" * 160, 1), ("a" * 161, 2), ("Привет", 1), ("ж" * 70, 1), ("ж" * 71, 2), ("ж" * 1000, 15)],
)
def test_charged_per_part_per_recipient(emu: Emulator, call: Call, text: str, parts: int) -> None:
    body = reply(call("send", phones=f"{PHONE},{UNDELIVERED}", mes=text, cost=3))
    check(body, "SendResponse")
    total = Decimal("1.68") * parts * 2
    assert body == {"id": 1, "cnt": parts * 2, "cost": str(total), "balance": str(Decimal("1000.00") - total)}
    assert {m.parts for m in emu.smsc.messages} == {parts}


def test_insufficient_funds_and_credit(emu: Emulator, call: Call) -> None:
    emu.smsc.accounts[LOGIN].balance = Decimal("3.35")
    assert reply(call("send", phones=f"{PHONE},{UNDELIVERED}", mes="hi"))["error_code"] == 3
    assert reply(call("send", phones=PHONE, mes="hi", cost=1)) == {"cost": "1.68", "cnt": 1}  # estimates need none
    emu.smsc.accounts[LOGIN].credit = Decimal("10")
    assert reply(call("send", phones=f"{PHONE},{UNDELIVERED}", mes="hi", cost=3))["balance"] == "-0.01"


def test_translit_and_maxsms(emu: Emulator, call: Call) -> None:
    call("send", phones=PHONE, mes="Щука и Ёж", translit=1)
    call("send", phones=PHONE, mes="Ж", translit=2)
    assert [m.text for m in emu.smsc.messages] == ["Shhuka i Yozh", "Zh"]
    assert emu.smsc.messages[0].encoding == "GSM-7"
    body = reply(call("send", phones=PHONE, mes="ж" * 200, maxsms=2))
    assert body["cnt"] == 2
    assert emu.smsc.messages[-1].text == "ж" * 134
    assert transliterate("Съешь") == "S\"esh'"


def test_cost_requests_are_limited_to_five_a_minute(emu: Emulator, call: Call) -> None:
    for _ in range(5):
        assert reply(call("send", phones=PHONE, mes="hi", cost=1))["cnt"] == 1
    assert reply(call("send", phones=PHONE, mes="hi", cost=1))["error_code"] == 9
    assert reply(call("send", phones=PHONE, mes="other", cost=1))["cnt"] == 1  # another request
    emu.clock.advance(60)
    assert reply(call("send", phones=PHONE, mes="hi", cost=1))["cnt"] == 1


# -- status.php and the clock -----------------------------------------------------------------------------------


def test_status_timeline(emu: Emulator, call: Call) -> None:
    call("send", phones=f"{PHONE},{UNDELIVERED}", mes="hi", id="m1")
    created = emu.clock.now()

    def status(phone: str = PHONE) -> dict[str, Any]:
        body = reply(call("status", phone=phone, id="m1"))
        check(body, "StatusResponse")
        return dict(body)

    ts = int(created.timestamp())
    assert status() == {
        "status": -1,
        "last_date": created.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S"),
        "last_timestamp": ts,
        "flag": 0,
        "err": 0,
    }
    emu.clock.advance(4.999)
    assert status()["status"] == -1
    emu.clock.advance(0.001)
    assert status() == {**status(UNDELIVERED), "status": 0}
    assert status()["last_timestamp"] == ts + 5
    emu.clock.advance(25)
    assert status()["status"] == 1
    final = status(UNDELIVERED)
    assert (final["status"], final["err"], final["last_timestamp"]) == (20, 1, ts + 30)
    assert emu.smsc.messages[1].status is SmscStatus.UNDELIVERABLE


def test_status_not_found(emu: Emulator, call: Call) -> None:
    call("send", phones=PHONE, mes="hi", id="m1")
    now = emu.clock.now()
    # A row not found keeps every field of its shape, its dates the time of the check (PyPI smsc reads them).
    not_found = {
        "status": -3,
        "last_date": now.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S"),
        "last_timestamp": int(now.timestamp()),
        "flag": 0,
        "err": 0,
    }
    assert reply(call("status", phone=UNDELIVERED, id="m1")) == not_found
    assert reply(call("status", phone=PHONE, id="m2")) == not_found
    assert reply(call("status", auth=SUB1, phone=PHONE, id="m1")) == not_found  # another account's
    detailed = reply(call("status", phone=PHONE, id="m3", all=2))
    check(detailed, "StatusResponse")
    assert (detailed["send_date"], detailed["phone"], detailed["cost"]) == (not_found["last_date"], PHONE, "0.00")
    assert reply(call("status", phone=f"+{PHONE}", id="m1"))["status"] == -1


def test_status_lists(emu: Emulator, call: Call) -> None:
    call("send", phones=f"{PHONE},{UNDELIVERED}", mes="Ваш код: 4821", id="1234", sender="SMSC.RU")
    emu.clock.advance(30)
    body = reply(call("status", phone=f"{PHONE},{UNDELIVERED},79990000000", id="1234,1234,1234", all=2))
    check(body, "StatusListResponse")
    assert [(item["id"], item["phone"], item["status"]) for item in body] == [
        (1234, PHONE, 1),
        (1234, UNDELIVERED, 20),
        (1234, "79990000000", -3),
    ]
    sample = json.loads((SAMPLES / "status-response-many.json").read_text(encoding="utf-8"))
    assert set(body[0]) == set(sample[0])
    assert set(body[1]) == set(sample[1])
    assert (body[0]["status_name"], body[1]["status_name"], body[0]["cost"]) == (
        "Доставлено",
        "Невозможно доставить",
        "1.68",
    )
    # A trailing comma asks for a list of one; a second list within a minute is refused.
    assert reply(call("status", phone=f"{PHONE},", id="1234,"))["error_code"] == 9
    emu.clock.advance(60)
    single_list = reply(call("status", phone=f"{PHONE},", id="1234,"))
    check(single_list, "StatusListResponse")
    assert [item["status"] for item in single_list] == [1]


@pytest.mark.parametrize("detail", [0, 1, 2])
def test_status_detail_levels(emu: Emulator, call: Call, detail: int) -> None:
    call("send", phones=PHONE, mes="hi", id="5")
    body = reply(call("status", phone=PHONE, id="5", all=detail))
    check(body, "StatusResponse")
    expected = ["status", "last_date", "last_timestamp", "flag", "err"]
    if detail:
        expected += ["send_date", "send_timestamp", "phone", "cost", "sender_id", "status_name", "message"]
        expected += ["comment", "type"]
    if detail == 2:
        expected += ["country", "operator", "region"]
    assert list(body) == expected  # the order of SMSC's reply page


def test_status_in_every_format(emu: Emulator, call: Call) -> None:
    call("send", phones=f"{PHONE},{UNDELIVERED}", mes="hi", id="5")
    emu.clock.advance(30)
    when = (emu.clock.now() - timedelta(seconds=0)).astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")
    ts = int(emu.clock.now().timestamp())
    assert call("status", phone=PHONE, id="5", fmt=0).text == f"Status = 1, check_time = {when}, err = 0"
    assert call("status", phone=UNDELIVERED, id="5", fmt=0).text == f"Status = 20, check_time = {when}, err = 1"
    assert call("status", phone=PHONE, id="5", fmt=1).text == f"1,{ts},0"
    assert call("status", phone=UNDELIVERED, id="5", fmt=1).text == f"20,{ts},1"
    xml = etree.fromstring(call("status", phone=PHONE, id="5", fmt=2).content)
    assert xml.tag == "sms"
    assert [(child.tag, child.text) for child in xml] == [
        ("status", "1"),
        ("last_date", when),
        ("last_timestamp", str(ts)),
        ("flag", "0"),
        ("err", "0"),
    ]
    many = call("status", phone=f"{PHONE},{UNDELIVERED}", id="5,5", fmt=1).text
    assert many.splitlines() == [f"5,{PHONE},1,{ts},0", f"5,{UNDELIVERED},20,{ts},1"]
    emu.clock.advance(60)
    xml = etree.fromstring(call("status", phone=f"{PHONE},{UNDELIVERED}", id="5,5", fmt=2).content)
    assert [(r.findtext("phone"), r.findtext("status")) for r in xml] == [(PHONE, "1"), (UNDELIVERED, "20")]
    emu.clock.advance(60)
    lines = call("status", phone=f"{PHONE},{UNDELIVERED}", id="5,5", fmt=0).text.splitlines()
    assert lines[0] == f"id = 5, phone = {PHONE}, Status = 1, check_time = {when}, err = 0"


@pytest.mark.parametrize(
    "params",
    [
        {"phone": PHONE},
        {"id": "1"},
        {"phone": f"{PHONE},{UNDELIVERED}", "id": "1"},
        {"phone": "abc", "id": "1"},
        {"phone": PHONE, "id": "bad id"},
        {"phone": PHONE, "id": "1", "all": 3},
        {"phone": PHONE, "id": "1", "del": 2},
    ],
)
def test_status_parameter_errors(call: Call, params: dict[str, object]) -> None:
    body = reply(call("status", **params))
    check(body, "ErrorResponse")
    assert body["error_code"] == 1


def test_status_requests_per_message_are_limited(emu: Emulator, call: Call) -> None:
    call("send", phones=PHONE, mes="hi", id="m1")
    for _ in range(5):
        assert reply(call("status", phone=PHONE, id="m1"))["status"] == -1
    assert reply(call("status", phone=PHONE, id="m1"))["error_code"] == 9
    assert reply(call("status", phone=PHONE, id="m2"))["status"] == -3  # another message
    emu.clock.advance(60)
    assert reply(call("status", phone=PHONE, id="m1"))["status"] == 1
    emu.smsc.rate_limits = False
    for _ in range(10):
        assert reply(call("status", phone=PHONE, id="m1"))["status"] == 1
        assert isinstance(reply(call("status", phone=f"{PHONE},", id="m1,")), list)


def test_delete_a_waiting_message(emu: Emulator, call: Call) -> None:
    call("send", phones=PHONE, mes="later", id="s1", time="+60")
    assert reply(call("status", phone=PHONE, id="s1", **{"del": 1})) == {"result": "OK"}
    assert not emu.smsc.messages
    assert reply(call("status", phone=PHONE, id="s1", **{"del": 1}))["error_code"] == 5


def test_scheduled_send(emu: Emulator, call: Call) -> None:
    start = emu.clock.now()
    call("send", phones=PHONE, mes="later", id="s1", time="+10")
    local = (start + timedelta(hours=1)).astimezone(MOSCOW)
    call("send", phones=PHONE, mes="at", id="s2", time=local.strftime("%d%m%y%H%M"))
    call("send", phones=PHONE, mes="ts", id="s3", time="0" + str(int(start.timestamp()) + 120))
    call("send", phones=PHONE, mes="past", id="s4", time="00100000000")  # 1973: sends now
    call("send", phones=PHONE, mes="dotted", id="s5", time=local.strftime("%d.%m.%y %H:%M"))
    call("send", phones=PHONE, mes="tz", id="s6", time=(local - timedelta(hours=2)).strftime("%d%m%y%H%M"), tz=-2)
    send_at = {m.id: m.send_at for m in emu.smsc.messages}
    assert send_at["s1"] == start + timedelta(minutes=10)
    assert send_at["s2"] == send_at["s5"] == send_at["s6"] == local.replace(second=0, microsecond=0)
    assert send_at["s3"] == datetime.fromtimestamp(int(start.timestamp()) + 120, MOSCOW)
    assert send_at["s4"] == start
    emu.clock.advance(599)
    assert emu.smsc.messages[0].status_at(emu.clock.now()) is SmscStatus.WAITING
    emu.clock.advance(1 + 30)
    assert emu.smsc.messages[0].status_at(emu.clock.now()) is SmscStatus.DELIVERED
    hours = reply(call("send", phones=PHONE, mes="window", id="s7", time="0-24"))
    assert hours == {"id": "s7", "cnt": 1}
    assert emu.smsc.messages[-1].send_at == emu.clock.now()


# -- users.php --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Sub1-Passw0rd", True),
        ("abcdefG1", True),
        ("abcdef1!", True),
        ("abcdeF!x", True),
        ("ABCDEF1!", True),
        ("abcdefg1", False),
        ("abcdefgh", False),
        ("12345678", False),
        ("Abc1!", False),
        ("ABCDEFGH1", False),
    ],
)
def test_password_rule(password: str, ok: bool) -> None:
    assert password_is_strong(password) is ok


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (0, "ID = 100003"),
        (1, "100003"),
        (2, "<user><id>100003</id></user>"),
        (3, '{"id": 100003}'),
    ],
)
def test_users_add_in_every_format(emu: Emulator, call: Call, fmt: int, expected: str) -> None:
    response = call("users", add=1, user="sub3", password="Str0ng-Password", fmt=fmt, **{"fl[29]": 1, "type": 1})
    assert response.text == expected
    sub = emu.smsc.accounts["sub3"]
    assert (sub.parent, sub.type, sub.user_id, sub.flags, sub.balance) == (LOGIN, 1, 100003, {"29": 1}, Decimal(0))
    if fmt == 2:
        fixed = etree.fromstring((SAMPLES / "fixed-seed004-users-add-fmt2.xml").read_bytes())
        assert [c.tag for c in etree.fromstring(response.content)] == [c.tag for c in fixed]
    if fmt == 3:
        check(reply(response), "UsersAddResponse")


def test_users_add_request_sample_and_the_new_login(emu: Emulator, call: Call) -> None:
    sample = json.loads((SAMPLES / "users-add-request.json").read_text())
    flags = {f"fl[{key}]": value for key, value in sample.pop("fl").items()}
    body = reply(call("users", **sample, **flags))
    check(body, "UsersAddResponse")
    sub = emu.smsc.accounts["sub1"]
    assert (sub.email, sub.phone, sub.flags) == ("sub1@example.com", "79991234567", {"29": 1, "9": 1})
    # The new sub-client logs in, sends with its parent's sender (fl[29]=1) and has no money yet.
    new = {"login": "sub1", "psw": "Sub1-Passw0rd"}
    assert reply(call("send", auth=new, phones=PHONE, mes="hi", sender="smsgate"))["error_code"] == 3
    assert reply(call("users", pay=1, user="sub1", sum="5")) == {"result": "OK"}
    assert reply(call("send", auth=new, phones=PHONE, mes="hi", sender="smsgate"))["cnt"] == 1
    assert reply(call("balance", auth=new)) == {"balance": "3.32"}


@pytest.mark.parametrize(
    "params",
    [
        {"add": 1, "password": "Str0ng-Password"},
        {"add": 1, "user": "bad login!", "password": "Str0ng-Password"},
        {"add": 1, "user": "sub9"},
        {"add": 1, "user": "sub9", "password": "weakpassword"},
        {"add": 1, "user": "sub9", "password": "Str0ng-Password", "type": 5},
        {"add": 1, "user": "sub9", "password": "Str0ng-Password", "email": "nope"},
        {"add": 1, "user": "sub9", "password": "Str0ng-Password", "phone": "12"},
        {"add": 1, "user": "sub9", "password": "Str0ng-Password", "fl[29]": 2},
        {"chg": 1},
        {"chg": 1, "user": "smsgate-sub1", "new_login": "bad login!"},
        {"chg": 1, "user": "smsgate-sub1", "password": "weak"},
        {"chg": 1, "user": "smsgate-sub1", "fmts": "7;-77"},
        {"pay": 1, "user": "smsgate-sub1"},
        {"pay": 1, "user": "smsgate-sub1", "sum": "0"},
        {"pay": 1, "user": "smsgate-sub1", "sum": "-5"},
        {"pay": 1, "user": "smsgate-sub1", "sum": "1.234"},
        {"pay": 1, "sum": "1"},
        {"get_stat": 1, "start": "2024-05-01"},
        {"get_stat": 1, "start": "31.05.2024", "end": "01.05.2024"},
        {"get_stat": 1, "start": "32.05.2024"},
        {"get_stat_all": 1, "user_id": "x"},
        {},
        {"add": 1, "chg": 1, "user": "sub9", "password": "Str0ng-Password"},
        {"del": 1, "user": "smsgate-sub1"},
    ],
)
def test_users_parameter_errors(emu: Emulator, call: Call, params: dict[str, object]) -> None:
    before = {login: account.to_json() for login, account in emu.smsc.accounts.items()}
    body = reply(call("users", **params))
    check(body, "ErrorResponse")
    assert body["error_code"] == 1
    assert {login: account.to_json() for login, account in emu.smsc.accounts.items()} == before


@pytest.mark.parametrize(
    ("fmt", "expected"), [(0, "OK"), (1, "OK"), (2, "<result>OK</result>"), (3, '{"result": "OK"}')]
)
def test_users_change_in_every_format(emu: Emulator, call: Call, fmt: int, expected: str) -> None:
    sample = json.loads((SAMPLES / "users-change-request.json").read_text(encoding="utf-8"))
    sample["user"] = "smsgate-sub1"
    assert call("users", **{**sample, "fmt": fmt}).text == expected
    sub = emu.smsc.accounts["smsgate-sub1"]
    assert (sub.fio, sub.type, sub.fmts) == ("Иван Петров", 2, "7,-77")
    if fmt == 3:
        check(json.loads(expected), "UsersChangeResponse")


def test_users_change_login_and_password(emu: Emulator, call: Call) -> None:
    call("send", auth=SUB1, phones=PHONE, mes="hi", id="x")
    assert reply(call("users", chg=1, user="smsgate-sub1", new_login="renamed", password="N3w-Password")) == {
        "result": "OK"
    }
    assert "smsgate-sub1" not in emu.smsc.accounts
    assert reply(call("balance", auth=SUB1))["error_code"] == 2
    assert "error" not in reply(call("balance", auth={"login": "renamed", "psw": "N3w-Password"}))
    assert emu.smsc.messages[0].login == "renamed"
    assert reply(call("users", chg=1, user="renamed", new_login="smsgate-sub2"))["error_code"] == 8
    assert reply(call("users", chg=1, user="smsgate-poor", fio="x"))["error_code"] == 6  # not a sub-client


def test_users_pay_moves_money(emu: Emulator, call: Call) -> None:
    sample = json.loads((SAMPLES / "users-pay-request.json").read_text(encoding="utf-8"))
    assert reply(call("users", **{**sample, "user": "smsgate-sub1"})) == {"result": "OK"}
    assert emu.smsc.accounts[LOGIN].balance == Decimal("500.00")
    assert emu.smsc.accounts["smsgate-sub1"].balance == Decimal("550.00")
    assert [(p.user, p.amount) for p in emu.smsc.payments] == [("smsgate-sub1", Decimal("500.00"))]
    assert reply(call("users", pay=1, user="smsgate-sub1", sum="500.01"))["error_code"] == 10
    assert reply(call("users", pay=1, user="smsgate-sub1", sum="500"))["result"] == "OK"
    assert emu.smsc.accounts[LOGIN].balance == Decimal("0.00")


def test_sub_client_sharing_the_parent_balance(emu: Emulator, call: Call) -> None:
    sub2 = {"login": "smsgate-sub2", "psw": "Sub2-Passw0rd"}
    assert reply(call("balance", auth=sub2)) == {"balance": "1000.00"}
    assert reply(call("send", auth=sub2, phones=PHONE, mes="hi", cost=3))["balance"] == "998.32"
    assert emu.smsc.accounts[LOGIN].balance == Decimal("998.32")
    assert emu.smsc.accounts["smsgate-sub2"].balance == Decimal("0.00")


def test_users_stat_rows_from_sub_client_messages(emu: Emulator, call: Call) -> None:
    call("users", pay=1, user="smsgate-sub1", sum="20")
    call("send", auth=SUB1, phones=f"{PHONE},380501234567", mes="hi")
    call("send", auth=SUB1, phones=PHONE, mes="a" * 200)
    call("send", auth={"login": "smsgate-sub2", "psw": "Sub2-Passw0rd"}, phones=PHONE, mes="hi")
    call("send", phones=PHONE, mes="the parent's own message is not a sub-client's")
    body = reply(call("users", get_stat=1))
    check(body, "UsersStatResponse")
    assert body == [
        {"login": "smsgate-sub1", "sms": "4", "credit": "20.00", "debit": "6.72", "currency": "RUR"},
        {"login": "smsgate-sub2", "sms": "1", "credit": "0.00", "debit": "1.68", "currency": "RUR"},
    ]
    detailed = reply(call("users", get_stat_all=1, user="smsgate-sub1"))
    check(detailed, "UsersStatAllResponse")
    assert detailed == [
        {
            "login": "smsgate-sub1",
            "items": [
                {
                    "description": "SMS",
                    "operator": "МТС",
                    "mccmnc": "25001",
                    "sms": "3",
                    "credit": "0.00",
                    "debit": "5.04",
                    "currency": "RUR",
                },
                {
                    "description": "SMS",
                    "operator": "Киевстар",
                    "mccmnc": "25503",
                    "sms": "1",
                    "credit": "0.00",
                    "debit": "1.68",
                    "currency": "RUR",
                },
                {
                    "description": "Top-up",
                    "operator": "",
                    "mccmnc": "",
                    "sms": "0",
                    "credit": "20.00",
                    "debit": "0.00",
                    "currency": "RUR",
                },
            ],
        }
    ]
    assert [row["login"] for row in reply(call("users", get_stat=1, reseller=1))] == ["smsgate-sub1"]
    assert [row["login"] for row in reply(call("users", get_stat=1, user_id=100002))] == ["smsgate-sub2"]
    assert reply(call("users", get_stat=1, user_id=999))["error_code"] == 6
    assert reply(call("users", get_stat=1, user="smsgate-poor"))["error_code"] == 6
    # Another period: nothing.
    assert reply(call("users", get_stat=1, start="01.01.2000", end="31.01.2000"))["error_code"] == 3
    today = emu.clock.now().astimezone(MOSCOW).strftime("%d.%m.%Y")
    assert len(reply(call("users", get_stat=1, start=today, end=today))) == 2


def test_users_stat_in_every_format(emu: Emulator, call: Call) -> None:
    call("users", pay=1, user="smsgate-sub1", sum="20")
    call("send", auth=SUB1, phones=PHONE, mes="hi")
    assert call("users", get_stat=1, fmt=0).text == (
        "login = smsgate-sub1, sms = 1, credit = 20.00, debit = 1.68, currency = RUR"
    )
    assert call("users", get_stat=1, fmt=1).text == "smsgate-sub1,1,20.00,1.68,RUR"
    assert call("users", get_stat_all=1, fmt=0).text.splitlines() == [
        "login = smsgate-sub1, description = SMS, operator = МТС, mccmnc = 25001, sms = 1, credit = 0.00, "
        "debit = 1.68, currency = RUR",
        "login = smsgate-sub1, description = Top-up, operator = , mccmnc = , sms = 0, credit = 20.00, debit = 0.00, "
        "currency = RUR",
    ]
    assert call("users", get_stat_all=1, fmt=1).text.splitlines() == [
        "smsgate-sub1,SMS,МТС,25001,1,0.00,1.68,RUR",
        "smsgate-sub1,Top-up,,,0,20.00,0.00,RUR",
    ]
    stat = etree.fromstring(call("users", get_stat=1, fmt=2).content)
    seed = etree.fromstring((SAMPLES / "seed004-users-stat-fmt2.xml").read_bytes())
    assert [c.tag for c in stat[0]] == [c.tag for c in seed[0]]
    assert stat[0].findtext("debit") == "1.68"
    stat_all = etree.fromstring(call("users", get_stat_all=1, fmt=2).content)
    seed_all = etree.fromstring((SAMPLES / "seed004-users-stat-all-fmt2.xml").read_bytes())
    assert (stat_all[0].tag, stat_all[0].get("login")) == ("user", "smsgate-sub1")
    assert [c.tag for c in stat_all[0][0]] == [c.tag for c in seed_all[0][0]]
    # The fixed samples of the seed have the same keys as our rows.
    fixed = json.loads((SAMPLES / "fixed-seed004-users-stat-all-fmt3.json").read_text(encoding="utf-8"))
    ours = reply(call("users", get_stat_all=1))
    assert set(ours[0]) == set(fixed[0])
    assert set(ours[0]["items"][0]) == set(fixed[0]["items"][0])


def test_users_changes_are_limited_per_sub_client(emu: Emulator, call: Call) -> None:
    for fio in ("a", "b", "c"):
        assert reply(call("users", chg=1, user="smsgate-sub1", fio=fio)) == {"result": "OK"}
    assert reply(call("users", chg=1, user="smsgate-sub1", fio="d"))["error_code"] == 9
    assert emu.smsc.accounts["smsgate-sub1"].fio == "c"
    assert reply(call("users", add=1, user="sub3", password="Str0ng-Password")) == {"id": 100003}
    emu.clock.advance(60)
    assert reply(call("users", chg=1, user="smsgate-sub1", fio="d")) == {"result": "OK"}


# -- faults, state, secrets, seeds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("users.6", {"error": "subclient not found", "error_code": 6}),
        ("send.8", {"error": "can't to deliver", "error_code": 8}),
        ("9", {"error": "duplicate request, wait a minute", "error_code": 9}),
        ("UNKNOWN_ERROR", {"error": "UNKNOWN_ERROR", "error_code": 1}),
    ],
)
def test_error_code_fault(emu: Emulator, call: Call, code: str, expected: dict[str, object]) -> None:
    emu.faults.inject("smsc", "error_code", code=code)
    body = reply(call("send", phones=PHONE, mes="hi"))
    check(body, "ErrorResponse")
    assert body == expected
    assert not emu.smsc.messages
    assert emu.requests[-1].operation == "send"


def test_request_log_operations(emu: Emulator, call: Call) -> None:
    call("send", phones=PHONE, mes="hi", cost=1)
    call("send", phones=PHONE, mes="hi")
    call("status", phone=PHONE, id="1")
    call("balance")
    call("users", get_stat_all=1)
    call("users", add=1, user="x", password="Str0ng-Password")
    assert [(e.operation, e.outcome) for e in emu.requests] == [
        ("cost", "OK"),
        ("send", "OK"),
        ("status", "status -1"),
        ("balance", "OK"),
        ("users_stat_all", "users.3"),
        ("users_add", "OK"),
    ]
    assert [e.path for e in emu.requests][:2] == ["/sys/send.php", "/sys/send.php"]


def test_default_seed_accounts(emu: Emulator) -> None:
    accounts = emu.smsc.accounts
    assert set(accounts) == {"smsgate", "smsgate-sub1", "smsgate-sub2", "smsgate-poor", "smsgate-allowlist"}
    assert (accounts["smsgate-sub1"].parent, accounts["smsgate-sub1"].user_id) == ("smsgate", 100001)
    assert (accounts["smsgate-sub2"].type, accounts["smsgate-sub2"].user_id) == (2, 100002)
    assert accounts[LOGIN].apikey == APIKEY
    assert DEFAULT_SEED["smsc"]["accounts"][0]["login"] == LOGIN


def test_secrets_never_leak(emu: Emulator, call: Call, client: httpx.Client) -> None:
    account = emu.smsc.add_account("canary", "canary-Pa55", apikey="canary-K3y")
    assert "canary-" not in repr(account)
    assert "canary-" not in repr(emu.smsc)
    call("send", auth={"login": "canary", "psw": "canary-Pa55"}, phones=PHONE, mes="hi", method="GET")
    call("balance", auth={"apikey": "canary-K3y"}, method="GET")
    call("users", add=1, user="sub9", password="Canary-Sub-Pa55")
    for text in (
        client.get(emu.url + "/_emulator/state").text,
        json.dumps(emu.state()),
        client.get(emu.url + "/_emulator/requests").text,
        repr(list(emu.requests)),
        repr(emu.smsc.accounts),
    ):
        for secret in ("canary-Pa55", "canary-K3y", "Canary-Sub-Pa55", PASSWORD, APIKEY):
            assert secret not in text


def test_state_and_reset(emu: Emulator, call: Call) -> None:
    call("send", phones=f"{PHONE},{UNDELIVERED}", mes="hi")
    call("users", add=1, user="sub3", password="Str0ng-Password")
    call("users", pay=1, user="smsgate-sub1", sum="1")
    emu.clock.advance(30)
    state = emu.smsc.snapshot()
    assert state["counts"] == {"accounts": 6, "messages": 2, "statuses": {"1": 1, "20": 1}}
    assert len(state["payments"]) == 1  # type: ignore[arg-type]
    emu.reset()
    assert not emu.smsc.messages and not emu.smsc.payments
    assert "sub3" not in emu.smsc.accounts
    assert emu.smsc.accounts[LOGIN].balance == Decimal("1000.00")
    assert reply(call("send", phones=PHONE, mes="hi")) == {"id": 1, "cnt": 1}
    assert reply(call("users", add=1, user="sub3", password="Str0ng-Password")) == {"id": 100003}


def test_account_objects() -> None:
    account = SmscAccount("x", "secret-pw", apikey="secret-key")
    assert "secret" not in repr(account)
    assert "secret" not in json.dumps(account.to_json())


def test_custom_seed() -> None:
    seed = {
        "smsc": {
            "accounts": [
                {
                    "login": "shop",
                    "password": "pw",
                    "balance": "5",
                    "senders": ["Shop"],
                    "price_per_part": "2",
                    "currency": "KZT",
                    "credit": "1",
                },
                {"login": "shop-kid", "password": "pw2", "parent": "shop", "type": 1},
            ],
            "first_message_id": 500,
            "first_user_id": 7,
            "undeliverable_prefixes": ["7999"],
            "rate_limits": False,
        }
    }
    with Emulator(seed=seed, clock_speed=0) as emu, loopback_client() as c:
        url = f"{emu.base_url('smsc')}/sys/"
        auth = {"login": "shop", "psw": "pw", "fmt": 3, "charset": "utf-8"}
        assert c.post(url + "send.php", data={**auth, "phones": PHONE, "mes": "x"}).json()["error_code"] == 8
        assert c.post(url + "send.php", data={**auth, "phones": "79161234567", "mes": "x"}).json() == {
            "id": 500,
            "cnt": 1,
        }
        assert c.post(url + "balance.php", data={**auth, "cur": 1}).json() == {
            "balance": "3.00",
            "currency": "KZT",
            "credit": "1.00",
        }
        assert emu.smsc.accounts["shop-kid"].user_id == 7
        for _ in range(12):
            assert "error" not in c.post(url + "balance.php", data=auth).json()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"accounts": [{"login": "a"}]}, "password"),
        ({"accounts": [{"password": "p"}]}, "login"),
        ({"accounts": [{"login": "a", "password": "p", "colour": "red"}]}, "unknown key"),
        ({"accounts": [{"login": "a", "password": "p", "balance": "lots"}]}, "balance"),
        ({"accounts": [{"login": "a", "password": "p", "credit": "-1"}]}, "credit"),
        ({"accounts": [{"login": "a", "password": "p", "currency": "rubles"}]}, "currency"),
        ({"accounts": [{"login": "a", "password": "p", "senders": "Shop"}]}, "senders"),
        ({"accounts": [{"login": "a", "password": "p", "apikey": ""}]}, "apikey"),
        ({"accounts": [{"login": "a", "password": "p", "type": 1}]}, "sub-clients"),
        ({"accounts": [{"login": "a", "password": "p", "parent": "zz"}]}, "parent"),
        ({"accounts": [{"login": "a", "password": "p", "parent": "a"}]}, "parent"),
        (
            {"accounts": [{"login": "a", "password": "p"}, {"login": "b", "password": "p", "parent": "a", "type": 9}]},
            "type",
        ),
        ({"accounts": [{"login": "a", "password": "p"}, {"login": "a", "password": "q"}]}, "duplicate login"),
        (
            {
                "accounts": [
                    {"login": "a", "password": "p", "apikey": "k"},
                    {"login": "b", "password": "p", "apikey": "k"},
                ]
            },
            "duplicate apikey",
        ),
        ({"undeliverable_prefixes": ["+7"]}, "undeliverable_prefixes"),
        ({"rate_limits": "no"}, "rate_limits"),
        ({"first_message_id": 0}, "first_message_id"),
        ({"first_user_id": True}, "first_user_id"),
        ({"nothing": 1}, "unknown key"),
    ],
)
def test_bad_seeds_are_refused(section: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Emulator(seed={"smsc": section})
