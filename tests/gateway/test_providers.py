"""The same application code sends through each of the four providers; only the Gateway URL changes."""

from __future__ import annotations

from typing import Any

import pytest

import smsgate
from smsgate import DeliveryState, Outcome

# provider -> (credentials in the URL, sender, E.164 numbers the provider serves, currency)
PROVIDERS = {
    "letsads": ("380501234567:p1a2s3s4", "Sender", ["+380501234567", "+380671234560", "+380931234569"], "UAH"),
    "smsleads": ("JohnDoe:sl-johndoe-token", "DemoAPI", ["+972502345678", "+972545555555", "+972587654321"], "credits"),
    "smsclub": ("smsclub-test-token", "smsgate", ["+380501234567", "+380671234560", "+380931234569"], "UAH"),
    "smsc": ("smsgate:smsgate-password", "smsgate", ["+79991234567", "+79991234568", "+79991234569"], "RUR"),
}


def gateway_url(emu: Any, provider: str) -> str:
    credentials, sender, _, _ = PROVIDERS[provider]
    return str(emu.base_url(provider)).replace("http://", f"{provider}+http://{credentials}@") + f"?sender={sender}"


def notify_customers(gw: smsgate.Gateway, numbers: list[str]) -> dict[str, Any]:
    """Application code: knows nothing of the provider."""
    before = gw.balance()
    report = gw.send([*numbers, "not-a-number"], "Your order has shipped")
    ids = [o.message_id for o in report.accepted if o.message_id]
    return {"report": report, "ids": ids, "before": before, "after": gw.balance(), "statuses": gw.status(ids)}


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_one_application_four_providers(provider: str, smsgate_emulator: Any) -> None:
    _, _, numbers, currency = PROVIDERS[provider]
    with smsgate.Gateway.from_url(gateway_url(smsgate_emulator, provider)) as gw:
        result = notify_customers(gw, numbers)
        report = result["report"]
        assert gw.provider == provider
        assert [o.recipient for o in report.outcomes] == [*numbers, "not-a-number"]
        assert [o.outcome for o in report.outcomes] == [Outcome.ACCEPTED] * 3 + [Outcome.REJECTED]
        assert len(set(result["ids"])) == 3
        assert result["before"].currency == currency
        assert result["after"].amount < result["before"].amount
        assert [s.message_id for s in result["statuses"]] == result["ids"]
        assert all(s.state in (DeliveryState.QUEUED, DeliveryState.SENT) for s in result["statuses"])
        smsgate_emulator.clock.advance(120)
        final = gw.status(result["ids"])
        assert all(s.state.is_final for s in final), final
        assert all(s.raw_status for s in final)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
async def test_one_application_four_providers_async(provider: str, smsgate_emulator: Any) -> None:
    _, _, numbers, _ = PROVIDERS[provider]
    async with smsgate.AsyncGateway.from_url(gateway_url(smsgate_emulator, provider)) as gw:
        report = await gw.send(numbers, "Your order has shipped")
        assert [o.outcome for o in report.outcomes] == [Outcome.ACCEPTED] * 3
        statuses = await gw.status([o.message_id for o in report.accepted if o.message_id])
        assert len(statuses) == 3


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_long_lists_split_per_provider(provider: str, smsgate_emulator: Any) -> None:
    _, _, numbers, _ = PROVIDERS[provider]
    with smsgate.Gateway.from_url(gateway_url(smsgate_emulator, provider)) as gw:
        size = gw.max_recipients
        many = [numbers[0]] * (size + 1)  # the same number twice is two messages
        if provider == "smsclub":
            many = [f"+38050{i:07d}" for i in range(size + 1)]  # SMSClub refuses a duplicate text to one number
        report = gw.send(many, "Hello")
        assert len(report.accepted) == size + 1
        assert len(smsgate_emulator.requests.filter(provider)) == 2  # two sends, nothing else


def test_smsclub_partial_send_keeps_both_halves() -> None:
    """A request SMSClub accepts with one recipient refused in add_info: both halves reach the report."""
    import httpx

    body = (
        b'{"success_request": {"info": {"1001": "380501234567", "1002": "380671234560"},'
        b' "add_info": {"380931234567": "Incorrect phone number"}}}'
    )
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    client = smsgate.SmsClub(token="t", base_url="http://127.0.0.1:9", http_client=httpx.Client(transport=transport))
    with smsgate.Gateway(client, sender="smsgate") as gw:
        report = gw.send(["+380501234567", "+380931234567", "+380671234560", "+6834002"], "Hello")
    assert [o.outcome for o in report.outcomes] == [
        Outcome.ACCEPTED,
        Outcome.REJECTED,
        Outcome.ACCEPTED,
        Outcome.REJECTED,
    ]
    assert [o.message_id for o in report.accepted] == ["1001", "1002"]
    refused = report.outcomes[1]
    assert refused.reason is smsgate.ErrorCategory.INVALID_RECIPIENT
    assert refused.detail == "Incorrect phone number"
    assert report.outcomes[3].code == "validation"  # 7 digits: refused before sending, the rest went out
    # The three that went out, refused one included, carry their request's key; the fourth was never sent.
    assert [o.request_key for o in report.outcomes] == [f"{report.key}.0"] * 3 + [None]
    assert [o.phone for o in report.outcomes[:3]] == ["380501234567", "380931234567", "380671234560"]


def test_smsc_send_with_lost_reply_is_repeated_safely(smsgate_emulator: Any) -> None:
    """Every SMSC request carries a client id, so a lost reply is repeated and de-duplicated by SMSC."""
    smsgate_emulator.faults.inject("smsc", "timeout", delay=2.0)
    url = gateway_url(smsgate_emulator, "smsc") + "&timeout=0.5"
    with smsgate.Gateway.from_url(url) as gw:
        report = gw.send(["+79991234567"], "Hello")
    assert [o.outcome for o in report.outcomes] == [Outcome.ACCEPTED]
    assert len(smsgate_emulator.smsc.messages) == 1


def _external_id(provider: str, key: str, i: int) -> str | None:
    return {"letsads": None, "smsleads": f"{key}.{i}", "smsclub": None, "smsc": key}[provider]


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_outcome_names_the_recipient_as_given_and_as_sent_with_its_keys(
    provider: str, smsgate_emulator: Any
) -> None:
    """Each recipient's outcome (built once, by the provider's adapter): the number as the caller wrote it, the
    number as sent, the message id, the request's key and the id the provider knows the message by."""
    _, _, numbers, _ = PROVIDERS[provider]
    given = [f"{n[:4]} {n[4:7]}-{n[7:]}" for n in numbers]  # written with separators
    with smsgate.Gateway.from_url(gateway_url(smsgate_emulator, provider)) as gw:
        report = gw.send(given, "Your order has shipped", key="order-9")
        sent = [gw.normalize(n) for n in numbers]
    assert [o.recipient for o in report.outcomes] == given
    assert [o.phone for o in report.outcomes] == sent
    assert [o.outcome for o in report.outcomes] == [Outcome.ACCEPTED] * len(numbers)
    assert all(o.message_id for o in report.outcomes)
    assert [(o.reason, o.code, o.detail) for o in report.outcomes] == [(None, None, None)] * len(numbers)
    assert [o.request_key for o in report.outcomes] == ["order-9.0"] * len(numbers)
    assert [o.external_id for o in report.outcomes] == [
        _external_id(provider, "order-9.0", i) for i in range(len(numbers))
    ]
