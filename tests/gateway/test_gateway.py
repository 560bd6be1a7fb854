"""The provider-neutral Gateway against the emulator: splitting, order, outcomes, statuses, balance, URLs."""

from __future__ import annotations

from typing import Any

import pytest

import smsgate
from smsgate import DeliveryState, ErrorCategory, Outcome

LOGIN, PASSWORD = "380501234567", "p1a2s3s4"


def letsads_url(emu: Any, *, sender: str = "Sender") -> str:
    return str(emu.base_url("letsads")).replace("http://", f"letsads+http://{LOGIN}:{PASSWORD}@") + f"?sender={sender}"


@pytest.fixture
def gateway(smsgate_emulator: Any) -> Any:
    with smsgate.Gateway.from_url(letsads_url(smsgate_emulator), max_retries=0) as gw:
        yield gw


def numbers(n: int, start: int = 0) -> list[str]:
    return [f"+38050{i:07d}" for i in range(start, start + n)]


def test_long_lists_are_split_and_reassembled_in_order(gateway: Any, smsgate_emulator: Any) -> None:
    to = numbers(120)
    to.insert(7, "not a number")
    to.insert(60, "+380")
    report = gateway.send(to, "Hello")
    assert [o.recipient for o in report.outcomes] == to
    assert len(smsgate_emulator.requests.filter("letsads", operation="send")) == 3  # 50 + 50 + 20
    assert len(report.accepted) == 120
    assert [o.recipient for o in report.rejected] == ["not a number", "+380"]
    assert all(o.reason is ErrorCategory.INVALID_RECIPIENT for o in report.rejected)
    sent = {str(mid): m.recipient for mid, m in smsgate_emulator.letsads.messages.items()}
    for outcome in report.accepted:
        assert sent[outcome.message_id] == outcome.phone == outcome.recipient.removeprefix("+")


def test_a_recipient_named_by_the_provider_is_dropped_and_the_rest_resent(gateway: Any, smsgate_emulator: Any) -> None:
    to = numbers(5)
    bad = to[2].removeprefix("+")
    smsgate_emulator.faults.inject("letsads", "error_code", code=f"INCORRECT_RECIPIENT_{bad}")
    report = gateway.send(to, "Hello")
    assert [o.outcome for o in report.outcomes] == [Outcome.ACCEPTED] * 2 + [Outcome.REJECTED] + [Outcome.ACCEPTED] * 2
    assert report.outcomes[2].code == f"INCORRECT_RECIPIENT_{bad}"
    assert sorted(m.recipient for m in smsgate_emulator.letsads.messages.values()) == sorted(
        p.removeprefix("+") for p in to if p.removeprefix("+") != bad
    )


def test_a_lost_reply_makes_its_batch_unknown_and_is_not_resent(gateway: Any, smsgate_emulator: Any) -> None:
    gateway.client.timeout = __import__("httpx").Timeout(0.3, connect=2.0)
    smsgate_emulator.faults.inject("letsads", "timeout", delay=2.0)
    report = gateway.send(numbers(70), "Hello")
    assert {o.outcome for o in report.outcomes[:50]} == {Outcome.UNKNOWN}
    assert {o.outcome for o in report.outcomes[50:]} == {Outcome.ACCEPTED}
    # The provider did take the first batch: exactly once, never twice.
    assert len(smsgate_emulator.letsads.messages) == 70


def test_a_refusal_that_sent_nothing_is_failed_not_rejected(smsgate_emulator: Any) -> None:
    url = letsads_url(smsgate_emulator).replace(LOGIN, "380500000003")  # balance 0.00
    with smsgate.Gateway.from_url(url) as gw:
        report = gw.send(numbers(3), "Hello")
    assert {o.outcome for o in report.outcomes} == {Outcome.FAILED}
    assert report.outcomes[0].reason is ErrorCategory.INSUFFICIENT_FUNDS
    assert report.outcomes[0].code == "NOT_ENOUGH_MONEY"


def test_status_and_balance_are_neutral(gateway: Any, smsgate_emulator: Any) -> None:
    before = gateway.balance()
    report = gateway.send(["+380501234567", "+380501234569"], "Hello")
    ids = [o.message_id for o in report.accepted]
    assert [s.state for s in gateway.status(ids)] == [DeliveryState.QUEUED] * 2
    smsgate_emulator.clock.advance(60)
    statuses = gateway.status(ids)
    assert [s.state for s in statuses] == [DeliveryState.DELIVERED, DeliveryState.UNDELIVERED]
    assert statuses[1].raw_status == "MESSAGE_NOT_DELIVERED"
    assert before.amount - gateway.balance().amount == report.parts * __import__("decimal").Decimal("0.50")


async def test_async_gateway_twin(smsgate_emulator: Any) -> None:
    async with smsgate.AsyncGateway.from_url(letsads_url(smsgate_emulator)) as gw:
        report = await gw.send(numbers(60), "Hello")
        assert len(report.accepted) == 60
        message_id = report.accepted[0].message_id
        assert message_id is not None
        (status,) = await gw.status(message_id)
        assert status.state is DeliveryState.QUEUED
        assert (await gw.balance()).currency == "UAH"


def test_sync_and_async_gateways_are_twins() -> None:
    import inspect

    for name in ("send", "status", "balance", "from_url", "from_env"):
        assert list(inspect.signature(getattr(smsgate.Gateway, name)).parameters) == list(
            inspect.signature(getattr(smsgate.AsyncGateway, name)).parameters
        )


def test_wrong_client_kind_is_refused(smsgate_emulator: Any) -> None:
    client = smsgate.AsyncLetsAds(login=LOGIN, password=PASSWORD)
    with pytest.raises(TypeError, match="AsyncGateway"):
        smsgate.Gateway(client)  # type: ignore[arg-type]  # the wrong kind, on purpose
    with pytest.raises(TypeError, match="does not know"):
        smsgate.Gateway(object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("€" * 80, "GSM-7", 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 2),
        ("ж" * 70, "UCS-2", 1),  # Cyrillic
        ("ж" * 71, "UCS-2", 2),
        ("ש" * 134, "UCS-2", 2),  # Hebrew
        ("ש" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("😀" * 36, "UCS-2", 2),
    ],
)
def test_parts_are_known_before_sending(gateway: Any, text: str, encoding: str, parts: int) -> None:
    plan = gateway.plan(text)
    assert (plan.encoding.value, plan.parts) == (encoding, parts)


def test_url_secrets_never_show(smsgate_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "S3cr%40t pw"  # URL-encoded in the URL: 'S3cr@t pw'
    url = letsads_url(smsgate_emulator).replace(PASSWORD, secret)
    with smsgate.Gateway.from_url(url) as gw:
        assert "S3cr" not in repr(gw)
        assert isinstance(gw.client, smsgate.LetsAds)
        assert gw.client._password.get_secret_value() == "S3cr@t pw"
    monkeypatch.setenv("SMSGATE_URL", url)
    with smsgate.Gateway.from_env() as gw:
        assert gw.provider == "letsads"
        assert gw.sender == "Sender"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuch://a:b@", "unknown provider"),
        ("letsads://only-login@", "LOGIN:PASSWORD"),
        ("letsads+ftp://a:b@", "unknown transport"),
        ("letsads://a:b@?colour=red", "unknown options"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        smsgate.Gateway.from_url(url)


def test_default_base_url_without_host() -> None:
    with smsgate.Gateway.from_url("letsads://380501234567:pw@?timeout=3&max_retries=1") as gw:
        assert gw.client.base_url == "https://api.letsads.com"
        assert gw.client.max_retries == 1
        assert gw.client.timeout.read == 3.0


def test_an_unknown_outcome_carries_the_request_key_and_the_report_its_key(gateway: Any, smsgate_emulator: Any) -> None:
    gateway.client.timeout = __import__("httpx").Timeout(0.3, connect=2.0)
    smsgate_emulator.faults.inject("letsads", "timeout", delay=2.0)
    report = gateway.send(numbers(60), "Hello")
    assert report.key  # generated by send, readable by the caller
    assert {o.request_key for o in report.outcomes[:50]} == {f"{report.key}.0"}
    assert {o.request_key for o in report.outcomes[50:]} == {f"{report.key}.1"}
    assert {o.outcome for o in report.outcomes[:50]} == {Outcome.UNKNOWN}
    assert {o.external_id for o in report.outcomes} == {None}  # LetsAds takes no client-side id
    keyed = gateway.send(numbers(1), "Hello", key="order-7")
    assert (keyed.key, keyed.outcomes[0].request_key) == ("order-7", "order-7.0")
    rejected = gateway.send(["not a number"], "Hello")
    assert rejected.outcomes[0].request_key is None  # no request was made for it


def test_accepted_outcomes_are_the_frozen_dataclass_a_user_knows(gateway: Any) -> None:
    """An accepted recipient's outcome (built without the dataclass's __init__, one per recipient of a bulk
    send) is in every way the `RecipientOutcome` the public constructor makes: equal, same hash and repr,
    frozen, `dataclasses.replace` works, every field set."""
    import dataclasses

    from smsgate import RecipientOutcome
    from smsgate._outcomes import accepted_outcome

    ext = "key.0.3"
    fast = accepted_outcome("+380501234567", "380501234567", "42", "key.0", ext)
    slow = RecipientOutcome(
        "+380501234567", "380501234567", Outcome.ACCEPTED, "42", request_key="key.0", external_id=ext
    )
    assert type(fast) is RecipientOutcome
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.message_id = "43"  # type: ignore[misc]
    assert dataclasses.replace(fast, message_id="43").message_id == "43"
    # And what a Gateway send hands back is that, too.
    report = gateway.send(numbers(3), "Hello")
    for o in report.accepted:
        assert o == RecipientOutcome(*(getattr(o, f.name) for f in dataclasses.fields(o)))
