"""A message status no document lists never makes a reply unreadable (PROVIDERS.md section 5): the reply
binds, the documented statuses read as usual, and the undocumented one comes back as ``status=None``,
``state=DeliveryState.UNKNOWN``, its value kept in ``raw_status``. SMSClub and SMSC here (their reply
schemas take any status text / code); LetsAds and SMSLeads have their own tests. Through the clients,
sync and async, with `httpx.MockTransport` replaying the replies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

import smsgate
from smsgate import DeliveryState, SmsClubStatus, SmscStatus

from .conftest import call


@pytest.fixture
async def replying(mode: str) -> AsyncIterator[Callable[..., Any]]:
    """A factory of clients (sync or async, by `mode`) of a provider class answering every request with
    one reply body (HTTP 200); all closed after."""
    made: list[Any] = []

    def make(provider: str, body: bytes, **kwargs: Any) -> Any:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
        http: httpx.Client | httpx.AsyncClient = (
            httpx.Client(transport=transport) if mode == "sync" else httpx.AsyncClient(transport=transport)
        )
        name = provider if mode == "sync" else f"Async{provider}"
        client = getattr(smsgate, name)(base_url="http://127.0.0.1:9", max_retries=0, http_client=http, **kwargs)
        made.append((client, http))
        return client

    yield make
    for _client, http in made:
        await call(http.aclose() if isinstance(http, httpx.AsyncClient) else http.close())


def smsclub_status(info: dict[str, Any]) -> bytes:
    return json.dumps({"success_request": {"info": info}}, ensure_ascii=False).encode()


# -- SMSClub: the status is any text ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["PENDING", "В обработке", "delivrd", "ACCEPTD"])
async def test_smsclub_unknown_status_is_unknown_with_its_raw_value(replying: Callable[..., Any], raw: str) -> None:
    client = replying("SmsClub", smsclub_status({"101": "DELIVRD", "102": raw}), token="t")
    known, unknown = await call(client.status(["101", "102"]))
    assert (known.message_id, known.status, known.raw_status) == ("101", SmsClubStatus.DELIVRD, "DELIVRD")
    assert known.state is DeliveryState.DELIVERED
    assert (unknown.message_id, unknown.status, unknown.raw_status) == ("102", None, raw)
    assert unknown.state is DeliveryState.UNKNOWN
    assert not unknown.is_final
    assert unknown.checked_at is not None


async def test_smsclub_every_documented_status_still_maps(replying: Callable[..., Any]) -> None:
    """Russian texts included; surrounding whitespace does not make a documented status unknown."""
    info = {str(100 + i): s.value for i, s in enumerate(SmsClubStatus)}
    info["200"] = " Доставлено "
    client = replying("SmsClub", smsclub_status(info), token="t")
    statuses = await call(client.status(list(info)))
    assert [s.status for s in statuses] == [*SmsClubStatus, SmsClubStatus.RU_DELIVERED]
    assert statuses[-1].raw_status == " Доставлено "  # kept as received
    assert statuses[-1].state is DeliveryState.DELIVERED
    assert all(s.state is not DeliveryState.UNKNOWN for s in statuses)


@pytest.mark.parametrize("info", [{"101": 1}, {"101": None}, {"101": ["DELIVRD"]}], ids=["number", "null", "array"])
async def test_smsclub_a_status_that_is_not_text_is_still_unreadable(
    replying: Callable[..., Any], info: dict[str, Any]
) -> None:
    client = replying("SmsClub", json.dumps({"success_request": {"info": info}}).encode(), token="t")
    with pytest.raises(smsgate.ResponseFormatError):
        await call(client.status(["101"]))


# -- SMSC: the status is any integer (and so is err) ------------------------------------------------------


@pytest.mark.parametrize("code", [5, 21, 99, -4])
async def test_smsc_unknown_status_is_unknown_with_its_raw_code(replying: Callable[..., Any], code: int) -> None:
    body = json.dumps({"id": 7, "status": code, "status_name": "Новый статус", "err": 0}).encode()
    client = replying("Smsc", body, login="demo", password="secret")
    status = await call(client.status(7, "79991234567"))
    assert isinstance(status, smsgate.SmscMessageStatus)
    assert (status.message_id, status.status, status.raw_status) == ("7", None, str(code))
    assert status.state is DeliveryState.UNKNOWN
    assert not status.is_final
    assert status.status_name == "Новый статус"  # the rest of the reply is read as usual
    assert (status.error_code, status.error_description) == (None, None)  # err 0, sent on every row: no error


async def test_smsc_unknown_status_beside_known_ones_in_a_list_reply(replying: Callable[..., Any]) -> None:
    body = json.dumps(
        [
            {"id": 1, "status": 1},
            {"id": 2, "status": 42, "err": 777},
            {"id": 3, "status": "20", "err": 1},  # numbers may arrive as strings
        ]
    ).encode()
    client = replying("Smsc", body, api_key="key")
    delivered, unknown, undelivered = await call(
        client.statuses([(1, "79991234567"), (2, "79991234568"), (3, "79991234569")])
    )
    assert (delivered.status, delivered.state) == (SmscStatus.DELIVERED, DeliveryState.DELIVERED)
    assert (unknown.status, unknown.raw_status, unknown.state) == (None, "42", DeliveryState.UNKNOWN)
    # An err sub-code errors.toml does not list is kept, without a description.
    assert (unknown.error_code, unknown.error_description) == (777, None)
    assert (undelivered.status, undelivered.raw_status) == (SmscStatus.UNDELIVERABLE, "20")
    assert undelivered.state is DeliveryState.UNDELIVERED
    assert undelivered.error_description == "Subscriber absent."


@pytest.mark.parametrize("status", ['"delivered"', "1.5", "null", "true"])
async def test_smsc_a_status_that_is_not_an_integer_is_still_unreadable(
    replying: Callable[..., Any], status: str
) -> None:
    client = replying("Smsc", f'{{"id": 7, "status": {status}}}'.encode(), login="demo", password="secret")
    with pytest.raises(smsgate.ResponseFormatError):
        await call(client.status(7, "79991234567"))
