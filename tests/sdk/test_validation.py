"""Invalid requests raise ValidationError before a single byte is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import smsgate

from .conftest import ClientFactory, call

OK = ["380501234567"]

CASES: dict[str, Callable[[Any], Any]] = {
    "no recipients": lambda c: c.send([], "hi", sender="Sender"),
    "51 recipients": lambda c: c.send([f"3805012{i:05d}" for i in range(51)], "hi", sender="Sender"),
    "a single string as recipients": lambda c: c.send("380501234567", "hi", sender="Sender"),
    "empty text": lambda c: c.send(OK, "", sender="Sender"),
    "blank text": lambda c: c.send(OK, "  \n", sender="Sender"),
    "403 Cyrillic characters": lambda c: c.send(OK, "ж" * 403, sender="Sender"),
    "402 GSM-7 plus one Cyrillic": lambda c: c.send(OK, "a" * 402 + "ж", sender="Sender"),
    "460 Latin characters": lambda c: c.send(OK, "a" * 460, sender="Sender"),
    "letters in a phone": lambda c: c.send(["38050abc4567"], "hi", sender="Sender"),
    "too short a phone": lambda c: c.send(["+380"], "hi", sender="Sender"),
    "national phone without country": lambda c: c.send(["0501234567"], "hi", sender="Sender"),
    "impossible length": lambda c: c.send(["+3805012345678901"], "hi", sender="Sender"),
    "empty sender": lambda c: c.send(OK, "hi", sender=""),
    "sender over 11 characters": lambda c: c.send(OK, "hi", sender="S" * 12),
    "zero message id": lambda c: c.status(0),
    "non-numeric message id": lambda c: c.status("abc"),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_invalid_request_is_refused_before_sending(
    letsads: ClientFactory, smsgate_emulator: Any, case: str
) -> None:
    client = letsads()
    with pytest.raises(smsgate.ValidationError) as info:
        await call(CASES[case](client))
    assert isinstance(info.value, ValueError)
    assert "p1a2s3s4" not in str(info.value)
    assert len(smsgate_emulator.requests) == 0, "nothing may reach the provider"


async def test_limits_are_inclusive(letsads: ClientFactory) -> None:
    client = letsads()
    await call(client.send(OK, "ж" * 402, sender="Sender"))
    await call(client.send(OK, "a" * 459, sender="Sender"))
    await call(client.send([f"3805012{i:05d}" for i in range(50)], "hi", sender="Sender"))


def test_credentials_must_be_strings() -> None:
    with pytest.raises(TypeError):
        smsgate.LetsAds(login="380501234567", password="")
    with pytest.raises(TypeError):
        smsgate.LetsAds(login="", password="x")
