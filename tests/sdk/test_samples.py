"""Every sample of schemas/letsads/samples (each example of both LetsAds pages, plus ours) validates against
the XSD, round-trips through the generated dataclasses, and reads as the client says it should."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from lxml import etree

import smsgate
from smsgate import _xml
from smsgate_generated.letsads.models import Request, Response

from .conftest import SCHEMAS

SAMPLES = sorted((SCHEMAS / "letsads" / "samples").glob("*.xml"))
SCHEMA = etree.XMLSchema(etree.parse(str(SCHEMAS / "letsads" / "letsads.xsd")))


def model_of(path: Path) -> type[Request] | type[Response]:
    return Request if path.name.endswith("request.xml") else Response


def test_every_seed_example_has_a_sample() -> None:
    names = {p.name for p in SAMPLES}
    for seed in ("seed000", "seed001"):
        for op in ("send", "status", "balance"):
            assert f"{seed}-{op}-request.xml" in names
        for reply in ("send", "status", "balance", "error"):
            assert f"{seed}-{reply}-response.xml" in names
        assert f"{seed}-php-balance-request.xml" in names
    codes = set(__import__("tomllib").loads((SCHEMAS / "letsads" / "errors.toml").read_text())["codes"])
    assert {f"error-{c}.xml" for c in codes} <= names
    assert "status-leading-space.xml" in names


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_validates_and_round_trips(path: Path) -> None:
    data = path.read_bytes()
    root = _xml.parse_untrusted(data)
    assert SCHEMA.validate(root), SCHEMA.error_log
    obj = _xml.bind(root, model_of(path))
    rendered = _xml.render(obj)
    assert SCHEMA.validate(etree.fromstring(rendered)), SCHEMA.error_log
    assert _xml.bind(_xml.parse_untrusted(rendered), model_of(path)) == obj


def client_replying(path: Path) -> smsgate.LetsAds:
    body = path.read_bytes()
    return smsgate.LetsAds(
        login="380501234567",
        password="p1a2s3s4",
        base_url="http://127.0.0.1:9",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))),
    )


SAMPLE_DIR = SCHEMAS / "letsads" / "samples"


@pytest.mark.parametrize("path", sorted(SAMPLE_DIR.glob("error-*.xml")), ids=lambda p: p.name)
def test_error_samples_raise_their_code(path: Path) -> None:
    code = path.stem.removeprefix("error-")
    with client_replying(path) as client, pytest.raises(smsgate.ProviderError) as info:
        client.balance()
    assert info.value.code == code
    assert type(info.value) is not smsgate.ProviderError


@pytest.mark.parametrize("seed", ["seed000", "seed001"])
def test_seed_replies_read_as_documented(seed: str) -> None:
    recipients = ["380501234567", "380501234569", "380677654323", "380677654324"]
    with client_replying(SAMPLE_DIR / f"{seed}-send-response.xml") as client:
        result = client.send(recipients, "Test message.", sender="Sender")
    assert result.message_ids == ("633217", "633218", "633219", "633220")
    # The pages put placeholders where the status, the amount and the code go.
    with client_replying(SAMPLE_DIR / f"{seed}-status-response.xml") as client:
        status = client.status(632647)
    assert status.status is None and status.state is smsgate.DeliveryState.UNKNOWN
    with (
        client_replying(SAMPLE_DIR / f"{seed}-balance-response.xml") as client,
        pytest.raises(smsgate.ResponseFormatError),
    ):
        client.balance()
    with (
        client_replying(SAMPLE_DIR / f"{seed}-error-response.xml") as client,
        pytest.raises(smsgate.ProviderError) as info,
    ):
        client.balance()
    assert info.value.category is smsgate.ErrorCategory.UNKNOWN


@pytest.mark.parametrize("path", sorted(SAMPLE_DIR.glob("status-*.xml")), ids=lambda p: p.name)
def test_status_samples(path: Path) -> None:
    with client_replying(path) as client:
        status = client.status(1)
    assert status.status is not None
    assert status.state is not smsgate.DeliveryState.UNKNOWN


def test_real_balance_sample() -> None:
    with client_replying(SAMPLE_DIR / "balance-real.xml") as client:
        assert str(client.balance().amount) == "8111.17"


def test_sdk_requests_equal_the_seed_examples() -> None:
    """What the SDK sends for the RU send example binds to the same model as the page's own XML."""
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, content=(SAMPLE_DIR / "seed001-send-response.xml").read_bytes())

    with smsgate.LetsAds(
        login="380501234567",
        password="p1a2s3s4",
        base_url="http://127.0.0.1:9",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    ) as client:
        client.send(
            ["380501234567", "380501234569", "380677654323", "380677654324"],
            "Тестовое сообщение.",
            sender="Sender",
        )
    ours = _xml.bind(_xml.parse_untrusted(seen[0]), Request)
    theirs = _xml.bind(_xml.parse_untrusted((SAMPLE_DIR / "seed001-send-request.xml").read_bytes()), Request)
    assert ours == theirs
