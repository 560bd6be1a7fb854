"""Phones are normalised once per recipient on the way to the provider (issue 14, item 3), and `phonenumbers`
is imported on first use only (item 5): checked through real Gateway sends to the emulator and in fresh
interpreters."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smsgate
from smsgate import _convert

from ..gateway.test_providers import PROVIDERS, gateway_url


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every `phonenumbers.parse` call of the test, with the caches of earlier tests emptied."""
    calls: list[str] = []
    real = phonenumbers.parse

    def spy(number: str, region: str | None = None, *args: Any, **kwargs: Any) -> Any:
        if sys._getframe(1).f_globals["__name__"].startswith("smsgate._"):  # not the emulator's own checks
            calls.append(number)
        return real(number, region, *args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", spy)
    _convert._international_digits.cache_clear()
    _convert._israel_local.cache_clear()
    _convert._INTERNATIONAL.clear()
    _convert._ISRAEL_LOCAL.clear()
    _convert._UNCHANGED.clear()
    return calls


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_gateway_send_parses_each_number_once(provider: str, smsgate_emulator: Any, parses: list[str]) -> None:
    _, _, numbers, _ = PROVIDERS[provider]
    with smsgate.Gateway.from_url(gateway_url(smsgate_emulator, provider)) as gw:
        report = gw.send(numbers, "Your order has shipped")
    assert [o.outcome for o in report.outcomes] == [smsgate.Outcome.ACCEPTED] * len(numbers)
    # Never a second parse in the client; numbers of a shape already accepted are not parsed at all.
    assert len(set(parses)) == len(parses) <= len(numbers), parses
    assert parses[0] == numbers[0]


def test_a_converter_gives_its_own_output_back_unparsed(parses: list[str]) -> None:
    digits = _convert.phone_international("+380 50 123 45 67")
    local = _convert.phone_israel_local("+972-50-234-5678")
    assert len(parses) == 2
    assert _convert.phones_international([digits]) == [digits]
    assert _convert.phones_israel_local([local]) == [local]
    assert len(parses) == 2
    assert (digits, local) == ("380501234567", "0502345678")
    # An equal number given in another form is still checked (and a bad one still refused).
    assert _convert.phone_israel_local("972502345678") == local
    with pytest.raises(smsgate.ValidationError):
        _convert.phone_international("+380")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return set(out)


def test_building_a_sync_client_imports_neither_asyncio_nor_phonenumbers() -> None:
    modules = _modules_after("import smsgate\nsmsgate.LetsAds(login='380501234567', password='pw')")
    assert "phonenumbers" not in modules
    assert "asyncio" not in modules
    assert "xsdata" not in modules
    assert "jsonschema" not in modules


def test_a_json_provider_send_does_not_load_jsonschema(smsgate_emulator: Any) -> None:
    """SMSClub's request check is the compiled one: jsonschema is only loaded to explain a refusal."""
    url = smsgate_emulator.base_url("smsclub")
    code = (
        "import smsgate\n"
        f"c = smsgate.SmsClub(token='smsclub-test-token', base_url={url!r})\n"
        "c.send(['+380501234567'], 'hi', sender='smsgate')\n"
    )
    modules = _modules_after(code)
    assert "jsonschema" not in modules


def _reference(digits: str) -> str | None:
    """What `phonenumbers` itself says of ``+<digits>`` (parse, is_possible_number, E.164), uncached."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")


def _ours(digits: str) -> str | None:
    try:
        return _convert.phone_international("+" + digits)
    except smsgate.ValidationError:
        return None


def test_the_shape_shortcut_agrees_with_phonenumbers_for_every_country_code_and_length() -> None:
    """Every country code, every national length 1-17, national numbers starting with each digit: once a shape
    has been learnt, the shortcut (no parse) answers, and it answers what phonenumbers answers."""
    _convert._UNCHANGED.clear()
    _convert._INTERNATIONAL.clear()
    _convert._international_digits.cache_clear()
    fast = 0
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for length in range(1, 18):
            for lead in "0123456789":
                for tail in ("1" * length, "9" * length, "5" * length, "".join(str(i % 10) for i in range(length))):
                    digits = f"{code}{(lead + tail)[:length]}"
                    fast += _convert._unchanged_international(digits)
                    assert _ours(digits) == _reference(digits), digits
    assert fast > 10_000  # the shortcut was taken (else this test proves nothing of it)


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.from_regex(r"[1-9][0-9]{1,16}", fullmatch=True))
def test_the_shape_shortcut_agrees_with_phonenumbers_on_generated_numbers(digits: str) -> None:
    assert _ours(digits) == _reference(digits), digits


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.text(alphabet="+0123456789 -().\u00a0\u0663\uff11x", max_size=20))
def test_a_plain_e164_number_is_read_as_the_general_path_reads_it(value: str) -> None:
    """`_compact` takes "+<ASCII digits>" as it is; the general path (which strips white space and separators,
    taken here for the same number with a leading space) reads it, and refuses what it refuses, the same way."""
    general: tuple[str, str] | str
    fast: tuple[str, str] | str
    try:
        general = _convert._compact(" " + value, "f")
    except smsgate.ValidationError as exc:
        general = str(exc).replace(repr(" " + value), repr(value))
    try:
        fast = _convert._compact(value, "f")
    except smsgate.ValidationError as exc:
        fast = str(exc)
    assert fast == general


def test_a_ukrainian_mobile_is_parsed_once_per_shape(parses: list[str]) -> None:
    numbers = [f"+38050{i:07d}" for i in range(100)]
    assert _convert.phones_international(numbers) == [n[1:] for n in numbers]
    assert len(parses) == 1
    # A number the shortcut does not cover (the national prefix after the country code) is parsed, and
    # phonenumbers drops the prefix.
    assert _convert.phone_international("+380 050 123 45 67") == "380501234567"
    assert len(parses) == 2
