"""Phone numbers as users type them: national numbers read in a client's ``default_region=``.

SMSClub's own documentation writes its example number nationally (``0980000001``); without a region such a
number stays refused, with a message saying how to fix it.
"""

from __future__ import annotations

import pytest

import smsgate
from smsgate.emulator import Emulator

from .conftest import LOGIN, PASSWORD

SMSCLUB_TOKEN = "smsclub-test-token"
SMSC_API_KEY = "smsgate-apikey"


def test_smsclub_documented_example_number(smsgate_emulator: Emulator) -> None:
    with smsgate.SmsClub(token=SMSCLUB_TOKEN, base_url=smsgate_emulator.base_url("smsclub"), default_region="UA") as c:
        result = c.send(["0980000001"], "Hello", sender="VashZakaz")
    assert [m.recipient for m in result.messages] == ["380980000001"]


async def test_letsads_national_numbers_async(smsgate_emulator: Emulator) -> None:
    async with smsgate.AsyncLetsAds(
        login=LOGIN, password=PASSWORD, base_url=smsgate_emulator.base_url("letsads"), default_region="ua"
    ) as client:
        assert client.default_region == "UA"
        result = await client.send(["050 123 4567", "+48 512 345 678", "380671234567"], "Hi", sender="Sender")
    assert [m.recipient for m in result.messages] == ["380501234567", "48512345678", "380671234567"]
    sent = sorted(m.recipient for m in smsgate_emulator.letsads.messages.values())
    assert sent == ["380501234567", "380671234567", "48512345678"]


def test_smsc_russian_trunk_prefix(smsgate_emulator: Emulator) -> None:
    with smsgate.Smsc(api_key=SMSC_API_KEY, base_url=smsgate_emulator.base_url("smsc"), default_region="RU") as c:
        c.send(["8 999 123-45-67"], "Hi")
    assert [m.phone for m in smsgate_emulator.smsc.messages] == ["79991234567"]


def test_without_a_region_national_numbers_are_refused_with_the_fix(smsgate_emulator: Emulator) -> None:
    with (
        smsgate.SmsClub(token=SMSCLUB_TOKEN, base_url=smsgate_emulator.base_url("smsclub")) as client,
        pytest.raises(smsgate.ValidationError, match=r"default_region=.*'UA'") as info,
    ):
        client.send(["0980000001"], "Hello", sender="VashZakaz")
    assert info.value.field == "recipients[0]"
    assert len(smsgate_emulator.requests) == 0  # nothing was sent


def test_an_invalid_national_number_names_the_region(smsgate_emulator: Emulator) -> None:
    with (
        smsgate.LetsAds(
            login=LOGIN, password=PASSWORD, base_url=smsgate_emulator.base_url("letsads"), default_region="UA"
        ) as client,
        pytest.raises(smsgate.ValidationError, match="not a valid number of UA"),
    ):
        client.send(["012"], "Hi", sender="Sender")


def test_the_region_must_be_a_country_code() -> None:
    with pytest.raises(ValueError, match="ISO 3166"):
        smsgate.LetsAds(login=LOGIN, password=PASSWORD, default_region="Ukraine")


def test_the_region_does_not_leak_to_other_clients(smsgate_emulator: Emulator) -> None:
    base = smsgate_emulator.base_url("letsads")
    with (
        smsgate.LetsAds(login=LOGIN, password=PASSWORD, base_url=base, default_region="UA") as ua,
        smsgate.LetsAds(login=LOGIN, password=PASSWORD, base_url=base) as plain,
    ):
        ua.send(["0501234567"], "Hi", sender="Sender")
        with pytest.raises(smsgate.ValidationError, match="national"):
            plain.send(["0501234567"], "Hi", sender="Sender")


def test_gateway_default_region(smsgate_emulator: Emulator) -> None:
    client = smsgate.LetsAds(login=LOGIN, password=PASSWORD, base_url=smsgate_emulator.base_url("letsads"))
    with smsgate.Gateway(client, sender="Sender", default_region="UA") as gateway:
        report = gateway.send(["050 123 4567", "0501234"], "Hi")
    assert [(o.phone, o.outcome) for o in report.outcomes] == [
        ("380501234567", smsgate.Outcome.ACCEPTED),
        (None, smsgate.Outcome.REJECTED),
    ]


async def test_gateway_url_default_region(smsgate_emulator: Emulator) -> None:
    url = smsgate_emulator.base_url("smsclub").replace("http://", f"smsclub+http://{SMSCLUB_TOKEN}@")
    async with smsgate.AsyncGateway.from_url(f"{url}?sender=VashZakaz&default_region=UA") as gateway:
        assert gateway.default_region == "UA"  # from its client
        report = await gateway.send(["0980000001"], "Hello")
    assert [o.phone for o in report.accepted] == ["380980000001"]


def test_gateway_without_region_rejects_national_numbers_saying_why(smsgate_emulator: Emulator) -> None:
    client = smsgate.LetsAds(login=LOGIN, password=PASSWORD, base_url=smsgate_emulator.base_url("letsads"))
    with smsgate.Gateway(client, sender="Sender") as gateway:
        (outcome,) = gateway.send(["0501234567"], "Hi").outcomes
    assert outcome.outcome is smsgate.Outcome.REJECTED
    assert "default_region=" in (outcome.detail or "")
    assert len(smsgate_emulator.requests) == 0
