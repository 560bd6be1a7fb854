"""The compiled JSON Schema checks (generated/<provider>/fastpath.py) refuse exactly what jsonschema refuses.

Every ``$defs`` entry of SMSClub's and SMSC's schemas is checked against jsonschema's Draft 2020-12 validator
(the reference, with its format checker, as the codecs use it) over every JSON sample and over
hypothesis-generated instances: mutated samples (values replaced, keys dropped or added, lists stretched,
numbers given as strings) and arbitrary JSON values.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

import smsgate
from smsgate import _fast

from .conftest import SCHEMAS

PROVIDERS = ("smsclub", "smsc")


def document(provider: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMAS / provider / f"{provider}.schema.json").read_text(encoding="utf-8")))


DOCS = {p: document(p) for p in PROVIDERS}
VALIDATORS = {
    (p, name): Draft202012Validator({**DOCS[p], "$ref": f"#/$defs/{name}"}, format_checker=FormatChecker())
    for p in PROVIDERS
    for name in DOCS[p]["$defs"]
}
CHECKS = {p: importlib.import_module(f"smsgate_generated.{p}.fastpath").CHECKS for p in PROVIDERS}


def agree(provider: str, name: str, instance: Any) -> bool:
    reference = VALIDATORS[(provider, name)].is_valid(instance)
    fast = CHECKS[provider][name](instance)
    assert fast == reference, f"{provider} $defs/{name}: compiled {fast}, jsonschema {reference}: {instance!r}"
    return reference


def test_every_definition_is_compiled() -> None:
    for provider in PROVIDERS:
        assert set(CHECKS[provider]) == set(DOCS[provider]["$defs"])


def json_samples() -> list[tuple[str, Path]]:
    return [(p, path) for p in PROVIDERS for path in sorted((SCHEMAS / p / "samples").glob("*.json"))]


@pytest.mark.parametrize(("provider", "path"), json_samples(), ids=lambda v: getattr(v, "name", v))
def test_sample_gets_the_reference_verdict_from_every_definition(provider: str, path: Path) -> None:
    try:
        instance = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        pytest.skip("not JSON")
    verdicts = [agree(provider, name, instance) for name in DOCS[provider]["$defs"]]
    if path.name.endswith("request.json") and "malformed" not in path.name:
        assert any(verdicts), "a request sample valid against no definition"


def _loadable(path: Path) -> list[Any]:
    try:
        return [json.loads(path.read_text(encoding="utf-8"))]
    except ValueError:
        return []


SAMPLES = {p: [v for in_p, path in json_samples() if in_p == p for v in _loadable(path)] for p in PROVIDERS}

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, -1, 1.0, 0.5, "", "0", "1", "380501234567", "+380501234567", "abc", "A" * 12]),
    st.text(max_size=15),
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn, provider: str) -> Any:
    """A sample with one to three edits at random places."""
    instance = copy.deepcopy(draw(st.sampled_from(SAMPLES[provider])))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(instance)))
        if not path:
            continue
        parent = instance
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        edit = draw(st.integers(0, 6))
        if edit == 0:
            parent[key] = draw(JSON_VALUE)
        elif edit == 1 and isinstance(parent, dict):
            del parent[key]
        elif edit == 2 and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "phone", "message", "src_addr", "id_sms", "fmt", key]))] = draw(
                JSON_VALUE
            )
        elif edit == 3 and isinstance(parent[key], list):
            parent[key] = parent[key] * draw(st.integers(0, 120))
        elif edit == 4 and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            parent[key] = str(parent[key])
        elif edit == 5 and isinstance(parent[key], str):
            parent[key] = parent[key] + draw(st.text(max_size=5))
        elif edit == 6 and isinstance(parent[key], str):
            parent[key] = parent[key][: draw(st.integers(0, max(0, len(parent[key]) - 1)))]
    return instance


@pytest.mark.parametrize("provider", PROVIDERS)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_samples_get_the_reference_verdict(provider: str, data: st.DataObject) -> None:
    instance = data.draw(mutated(provider))
    for name in DOCS[provider]["$defs"]:
        agree(provider, name, instance)


@pytest.mark.parametrize("provider", PROVIDERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=JSON_VALUE)
def test_arbitrary_json_gets_the_reference_verdict(provider: str, instance: Any) -> None:
    for name in DOCS[provider]["$defs"]:
        agree(provider, name, instance)


def test_the_client_still_refuses_with_the_reference_message() -> None:
    """Through a client: a request the schema refuses raises ValidationError naming the violation (the
    message comes from jsonschema, as before), and nothing is sent."""
    sent: list[object] = []
    import httpx

    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500))  # type: ignore[func-returns-value]
    client = smsgate.SmsClub(token="t0ken-value", http_client=httpx.Client(transport=transport), max_retries=0)
    with client, pytest.raises(smsgate.ValidationError) as info:
        client.with_options(max_retries=0)._encode(  # the codec path every send takes
            importlib.import_module("smsgate_generated.smsclub.models").SendRequest(
                phone=["380501234567"], message="", src_addr="Shop"
            ),
            "send",
        )
    assert "message" in str(info.value)
    assert sent == []


def test_compiled_check_accepts_what_a_client_sends() -> None:
    """The requests a client builds for the hot operations pass the compiled check (jsonschema not run)."""
    models = importlib.import_module("smsgate_generated.smsclub.models")
    request = models.SendRequest(phone=[f"38050{1000000 + i}" for i in range(100)], message="hi", src_addr="Shop")
    import msgspec

    from smsgate._codecs import _strip_none

    assert _fast.json_accepts(request, _strip_none(msgspec.to_builtins(request)))


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["phones", "mes", "fl[1]", "login", "psw"]), st.text(max_size=8)),
            st.one_of(st.text(max_size=20), st.sampled_from(["79991234567,79991234568", "a b+c&d=e", "Привет"])),
        ),
        max_size=8,
    )
)
def test_form_bodies_are_urlencode_bytes(pairs: list[tuple[str, str]]) -> None:
    """SMSC's form body, written by the fast path, is byte for byte what `urllib.parse.urlencode` writes."""
    from urllib.parse import urlencode

    assert _fast.form_urlencode(pairs) == urlencode(pairs)
