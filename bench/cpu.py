"""CPU-only cases (no I/O): request building and reply decoding against the raw libraries.

* LetsAds 50-recipient request: `LetsAds._prepare_send` (text check, compiled encoder, XSD validation)
  beside an lxml builder writing the same document (no validation);
* LetsAds 50-id reply: `XmlCodec.decode` (hardened parse, compiled decoder into the dataclasses) beside
  `lxml.etree.fromstring` of the same bytes;
* SMSClub 100-phone request: `SmsClub._prepare_send` (compiled JSON Schema check, msgspec) beside
  `orjson.dumps` of the same document (msgspec's encoder when orjson is not installed).

Recipients are given as the Gateway hands them to the client: already normalised. Each case reports the
fastest of its rounds (the one least disturbed by other processes), as `timeit` advises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

import smsgate
from smsgate import _convert

from ._common import Ratio, wall_per_op

__all__ = ["run"]

TEXT = "smsgate benchmark: fifty recipients, one part."


def _dumps() -> tuple[Callable[[Any], bytes], str]:
    try:
        import orjson
    except ImportError:
        import msgspec

        return msgspec.json.encode, "msgspec.json.encode"
    return orjson.dumps, "orjson.dumps"


def _pair(sdk: Callable[[], object], raw: Callable[[], object], rounds: int, n: int) -> tuple[list[float], list[float]]:
    wall_per_op(sdk, max(10, n // 10))
    wall_per_op(raw, max(10, n // 10))
    sdk_s: list[float] = []
    raw_s: list[float] = []
    for round_no in range(rounds):
        pair = ((sdk_s, sdk), (raw_s, raw))
        for out, fn in pair if round_no % 2 == 0 else pair[::-1]:
            out.append(wall_per_op(fn, n))
    return sdk_s, raw_s


def run(*, rounds: int, ops: int) -> list[Ratio]:
    from smsgate_generated.letsads.client import SPEC
    from smsgate_generated.letsads.models import Response

    rows = []
    client = smsgate.LetsAds(login="380509999999", password="bench-pw", base_url="http://127.0.0.1:9")  # noqa: S106
    phones = [f"38050{1000000 + i}" for i in range(50)]
    phones = _convert.phones_international(phones)

    def sdk_build() -> bytes:
        return client._prepare_send(recipients=phones, text=TEXT, sender="Sender").content

    def lxml_build() -> bytes:
        root = etree.Element("request")
        auth = etree.SubElement(root, "auth")
        etree.SubElement(auth, "login").text = "380509999999"
        etree.SubElement(auth, "password").text = "bench-pw"
        message = etree.SubElement(root, "message")
        etree.SubElement(message, "from").text = "Sender"
        etree.SubElement(message, "text").text = TEXT
        for phone in phones:
            etree.SubElement(message, "recipient").text = phone
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    built = client._prepare_send(recipients=phones, text=TEXT, sender="Sender").content
    a = etree.tostring(etree.fromstring(built), method="c14n")
    assert a == etree.tostring(etree.fromstring(lxml_build()), method="c14n"), "bench: not the same document"
    sdk_s, raw_s = _pair(sdk_build, lxml_build, rounds, ops)
    rows.append(Ratio("LetsAds 50-recipient request build / lxml builder", "s/op", min(sdk_s), min(raw_s), 3.0))
    client.close()

    reply = (
        "<?xml version='1.0' encoding='UTF-8'?>\n<response><name>Complete</name>"
        "<description>50 messages put into queue</description>"
        + "".join(f"<sms_id>{633217 + i}</sms_id>" for i in range(50))
        + "</response>"
    ).encode()
    codec = SPEC.codec
    assert len(codec.decode(reply, Response).sms_id) == 50

    def sdk_decode() -> object:
        return codec.decode(reply, Response)

    def lxml_parse() -> object:
        return etree.fromstring(reply)

    sdk_s, raw_s = _pair(sdk_decode, lxml_parse, rounds, ops)
    rows.append(Ratio("LetsAds 50-id reply decode / lxml.etree.fromstring", "s/op", min(sdk_s), min(raw_s), 3.0))

    dumps, dumps_name = _dumps()
    club = smsgate.SmsClub(token="bench-token", base_url="http://127.0.0.1:9", rate_limit=None)  # noqa: S106
    phones100 = _convert.phones_international([f"38050{1000000 + i}" for i in range(100)])
    document = {"phone": phones100, "message": TEXT, "src_addr": "Bench"}

    def sdk_json() -> object:
        return club._prepare_send(recipients=phones100, text=TEXT, sender="Bench").content

    def raw_json() -> object:
        return dumps(document)

    sdk_s, raw_s = _pair(sdk_json, raw_json, rounds, ops)
    rows.append(Ratio(f"SMSClub 100-phone request build / {dumps_name}", "s/op", min(sdk_s), min(raw_s), 50.0))
    club.close()
    return rows
