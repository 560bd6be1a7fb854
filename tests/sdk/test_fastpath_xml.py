"""The compiled XML fast paths (generated/<provider>/fastpath.py) against the reference, xsdata and the XSD.

For every sample of LetsAds and SMSLeads and for hypothesis-generated models and documents:
* the fast encoder's bytes equal xsdata's after c14n, and the XSD gives them the same verdict;
* the fast decoder's objects equal xsdata's, and it never returns an object where xsdata refuses the document;
* through the codec (what a client runs), accepted and refused requests and replies are exactly the reference's.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from smsgate import _fast, _xml
from smsgate._spec import CodecError

from .conftest import SCHEMAS

PROVIDERS = ("letsads", "smsleads")


def models(provider: str) -> Any:
    return importlib.import_module(f"smsgate_generated.{provider}.models")


def fastpath(provider: str) -> Any:
    return importlib.import_module(f"smsgate_generated.{provider}.fastpath")


def xsd(provider: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / provider / f"{provider}.xsd")))


SCHEMA = {p: xsd(p) for p in PROVIDERS}


def classes(provider: str) -> list[type]:
    module = models(provider)
    return sorted(
        (v for v in vars(module).values() if isinstance(v, type) and dataclasses.is_dataclass(v)),
        key=lambda c: c.__name__,
    )


def qname(cls: type) -> str:
    return str(_xml._context().build(cls).qname)


def c14n(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


def reference_render(obj: object) -> bytes | None:
    """xsdata's rendering, or None when xsdata cannot render the object at all."""
    try:
        return _xml.render(obj)
    except Exception:
        return None


def xsd_valid(provider: str, data: bytes) -> bool:
    try:
        return bool(SCHEMA[provider].validate(_xml.parse_untrusted(data)))
    except (etree.XMLSyntaxError, _xml.UnsafeXMLError):
        return False


def reference_bind(root: etree._Element, model: type) -> tuple[bool, Any]:
    try:
        return True, _xml.bind(root, model)
    except _xml.BindError:
        return False, None


def check_encode(provider: str, obj: object, *, expect_fast: bool = False) -> None:
    """The fast encoder agrees with xsdata + XSD on `obj`."""
    fast = fastpath(provider).encode(obj)
    ref = reference_render(obj)
    if fast is not None:
        assert ref is not None, "the fast encoder wrote a document xsdata cannot render"
        assert c14n(fast) == c14n(ref)
        assert xsd_valid(provider, fast) == xsd_valid(provider, ref)
        if type(obj) in fastpath(provider).PROVEN:  # sent without the XSD: its checks must be the XSD's
            assert xsd_valid(provider, fast), f"a proven encoder wrote a document the XSD refuses: {fast!r}"
    elif expect_fast:
        raise AssertionError(f"the fast encoder left a renderable model to the reference: {obj!r}")
    # What a client runs: the codec refuses exactly what the reference (render + XSD) refuses.
    codec = importlib.import_module(f"smsgate_generated.{provider}.client").SPEC.codec
    ref_ok = ref is not None and xsd_valid(provider, ref)
    try:
        sent = codec.encode(obj)
    except CodecError:
        assert not ref_ok
    except ValueError:  # xsdata/lxml refusing a character, as before the fast path
        assert ref is None
    else:
        assert ref_ok
        assert c14n(sent) == c14n(ref)  # type: ignore[arg-type]


def check_decode(provider: str, data: bytes, model: type) -> Any:
    """The fast decoder agrees with xsdata on `data` bound to `model`; returns what the fast decoder gave."""
    try:
        root = _xml.parse_untrusted(data)
    except (etree.XMLSyntaxError, _xml.UnsafeXMLError):
        return _fast.MISS
    ok, ref = reference_bind(root, model)
    # From the tree alone, and as the codec runs it: with the bytes too (a plain document is read from them).
    tree = _fast.decode_xml(_xml.parse_untrusted(data), model)
    fast = _fast.decode_xml(_xml.parse_untrusted(data), model, data)
    for got in (tree, fast):
        if got is not _fast.MISS:
            assert ok, f"the fast decoder read a document xsdata refuses: {data!r}"
            assert got == ref
            assert type(got) is type(ref)
    return fast


# -- the samples ----------------------------------------------------------------------------------------------


def samples() -> list[tuple[str, Path]]:
    return [(p, path) for p in PROVIDERS for path in sorted((SCHEMAS / p / "samples").glob("*.xml"))]


@pytest.mark.parametrize(("provider", "path"), samples(), ids=lambda v: getattr(v, "name", v))
def test_sample_decodes_and_encodes_like_xsdata(provider: str, path: Path) -> None:
    data = path.read_bytes()
    try:
        root = _xml.parse_untrusted(data)
    except (etree.XMLSyntaxError, _xml.UnsafeXMLError):
        pytest.skip("not well-formed: neither path reads it")
    candidates = [c for c in classes(provider) if qname(c) == root.tag]
    assert candidates, f"no model has the root element <{root.tag}>"
    bound = 0
    for model in candidates:
        ok, obj = reference_bind(root, model)
        fast = check_decode(provider, data, model)
        if not ok:
            continue
        bound += 1
        check_encode(provider, obj, expect_fast=xsd_valid(provider, data))
        # A valid sample is read by the fast path itself, not handed back to the reference.
        if xsd_valid(provider, data) and b"leading-space" not in path.name.encode():
            assert fast is not _fast.MISS, f"{model.__name__}: the fast decoder handed a valid sample back"
    if "malformed" not in path.name:
        assert bound, "the sample binds to none of its models"


def _donors(provider: str) -> dict[tuple[str, str], Any]:
    """(class, field) -> a value that field holds in a valid sample, nested objects included."""
    found: dict[tuple[str, str], Any] = {}

    def walk(obj: Any) -> None:
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value is None or value == []:
                continue
            found.setdefault((type(obj).__name__, f.name), value)
            for item in value if isinstance(value, list) else [value]:
                if dataclasses.is_dataclass(item):
                    walk(item)

    for prov, path in samples():
        data = path.read_bytes()
        if prov != provider or not xsd_valid(provider, data):
            continue
        root = _xml.parse_untrusted(data)
        for model in classes(provider):
            if qname(model) == root.tag:
                ok, obj = reference_bind(root, model)
                if ok:
                    walk(obj)
    return found


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_shape_of_a_proven_model_gets_the_xsds_verdict(provider: str) -> None:
    """Every combination of present and absent fields of every proven model (each present field holding a
    value a valid sample holds): the compiled encoder writes exactly the documents the XSD accepts — its
    content checks are the schema's choices, groups and occurrences, neither looser nor stricter."""
    import itertools

    donors = _donors(provider)
    module = fastpath(provider)
    checked = 0
    for cls in sorted(module.PROVEN, key=lambda c: c.__name__):
        fields = dataclasses.fields(cls)
        absent: dict[str, Any] = {f.name: [] if _var(cls, f).list_element else None for f in fields}
        names = [f.name for f in fields if (cls.__name__, f.name) in donors]
        assert len(names) <= 12, cls  # 2**12 shapes at most
        assert names, f"no valid sample gives {cls.__name__} a single field"
        for present in itertools.product((False, True), repeat=len(names)):
            values = dict(absent)
            values.update({n: donors[(cls.__name__, n)] for n, p in zip(names, present, strict=True) if p})
            obj = cls(**values)
            fast = module.encode(obj)
            ref = reference_render(obj)
            valid = ref is not None and xsd_valid(provider, ref)
            assert (fast is not None) == valid, (cls.__name__, present, ref)
            if fast is not None:
                assert xsd_valid(provider, fast) and c14n(fast) == c14n(ref)  # type: ignore[arg-type]
            checked += 1
    assert checked >= (32 if provider == "letsads" else 2000)


def _var(cls: type, f: dataclasses.Field[Any]) -> Any:
    """xsdata's description of a model's field (its types, whether it is a list…)."""
    return next(v for v in _xml._context().build(cls).get_all_vars() if v.name == f.name)


def test_fast_paths_cover_the_hot_operations() -> None:
    """The send/status/balance models of both XML providers are compiled (not left to the reference)."""
    from smsgate_generated.letsads import fastpath as letsads
    from smsgate_generated.smsleads import fastpath as smsleads

    assert {"Request", "Response"} <= {c.__name__ for c in letsads._ENCODERS}
    assert {"Request", "Response"} <= {c.__name__ for c in letsads._DECODERS}
    assert {"Sms", "Balance", "Dlr"} <= {c.__name__ for c in smsleads._ENCODERS}
    # ...and proven: every rule of the XSD for them compiled, so their requests need no XSD at run time.
    assert {"Request"} <= {c.__name__ for c in letsads.PROVEN}
    assert {"Sms", "Bulk", "Balance", "Dlr", "DlrByDate"} <= {c.__name__ for c in smsleads.PROVEN}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_only_global_elements_are_proven(provider: str) -> None:
    """A document stands alone only as a global element of the XSD: a proven model's bare element validates,
    the same content under another name does not (so PROVEN cannot hold a type that is not a root)."""
    module = fastpath(provider)
    globals_ = {e.get("name") for e in etree.parse(str(SCHEMAS / provider / f"{provider}.xsd")).getroot()}
    for cls in module.PROVEN:
        assert qname(cls) in globals_, cls


def test_a_choice_broken_is_left_to_the_xsd() -> None:
    """LetsAds `<request>`: auth, then exactly one of message, sms_id, balance (an xs:choice that the models
    flatten into optional fields). None or two of them: the fast encoder refuses, and the codec then refuses
    with the XSD's own message; an sms_id past xs:long likewise (the models drop the built-ins' bounds)."""
    from smsgate_generated.letsads.client import SPEC
    from smsgate_generated.letsads.models import Auth, Empty, Request

    auth = Auth(login="380501234567", password="pw")
    for bad in (
        Request(auth=auth),
        Request(auth=auth, sms_id=1, balance=Empty()),
        Request(auth=auth, sms_id=2**63),
    ):
        assert fastpath("letsads").encode(bad) is None
        assert not xsd_valid("letsads", _xml.render(bad))
        with pytest.raises(CodecError):
            SPEC.codec.encode(bad)
    good = Request(auth=auth, sms_id=2**63 - 1)
    assert SPEC.codec.encode(good) == fastpath("letsads").encode(good)
    # SMSLeads: a result code is an xs:int, which the model's plain int does not bound.
    from smsgate_generated.smsleads.models import Balance

    assert fastpath("smsleads").encode(Balance(status=2**31, message="x")) is None
    assert fastpath("smsleads").encode(Balance(status=2**31 - 1, message="x")) is not None


# -- generated inputs -----------------------------------------------------------------------------------------

_ODD_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("aZ09 <>&\"'\r\n\t\x00\x0b\ufffe\u00a0\u2003/:-")),
        st.characters(codec="utf-8"),
    ),
    max_size=20,
)


def _str_strategy(meta: dict[str, Any]) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [_ODD_TEXT]
    if "pattern" in meta:
        options.append(st.from_regex(re.compile(meta["pattern"], re.ASCII), fullmatch=True))
    lo, hi = meta.get("min_length", 0), meta.get("max_length")
    options.append(st.text(alphabet="abcXYZ 123", min_size=max(0, lo - 1), max_size=(hi + 1) if hi else 30))
    return st.one_of(*options)


def _value_strategy(tp: Any, meta: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if tp is str:
        return _str_strategy(meta)
    if tp is int:
        # Small values, large ones, and both sides of the built-in types' bounds (xs:int, xs:long).
        edges = [2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1]
        return st.one_of(st.integers(-3, 3), st.integers(0, 10**15), st.booleans(), st.sampled_from(edges))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if dataclasses.is_dataclass(tp):
        return model_strategy(tp, depth + 1)
    return st.none()


def model_strategy(cls: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Instances of a generated model: valid values, values off by one facet, wrong types, missing fields."""
    kwargs: dict[str, st.SearchStrategy[Any]] = {}
    for f in dataclasses.fields(cls):
        var = _var(cls, f)
        tp = var.types[0]
        meta = dict(f.metadata)
        if depth > 3 and dataclasses.is_dataclass(tp):
            kwargs[f.name] = st.just([]) if var.list_element else st.none()
            continue
        value = _value_strategy(tp, meta, depth)
        if var.list_element:
            hi = meta.get("max_occurs", 3)
            kwargs[f.name] = st.lists(value, max_size=min(hi + 1, 4) if hi > 4 else hi + 1)
        else:
            kwargs[f.name] = st.one_of(st.none(), value) if not var.required else st.one_of(value, value, st.none())
    return st.builds(cls, **kwargs)


def _all_models() -> list[tuple[str, type]]:
    return [(p, c) for p in PROVIDERS for c in classes(p)]


@pytest.mark.parametrize(("provider", "cls"), _all_models(), ids=lambda v: getattr(v, "__name__", v))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_models_encode_and_decode_like_xsdata(provider: str, cls: type, data: st.DataObject) -> None:
    obj = data.draw(model_strategy(cls))
    ref = reference_render(obj)
    check_encode(provider, obj, expect_fast=ref is not None and xsd_valid(provider, ref))
    if ref is not None:
        # The document xsdata writes, and a few ways a provider could bend it, read the same both ways.
        bent = data.draw(_bend(ref))
        check_decode(provider, bent, cls)
        fast = check_decode(provider, ref, cls)
        # (Integers of 19 digits and more are the reference's to read: the compiled decoders read up to 18.)
        if xsd_valid(provider, ref) and re.search(rb">-?[0-9]{19,}<", ref) is None:
            assert fast is not _fast.MISS, "a valid document was handed back to the reference"


def _bend(doc: bytes) -> st.SearchStrategy[bytes]:
    """Variations of a document: whitespace, signs and spaces in numbers, unknown elements and attributes,
    duplicated elements, a CDATA section, a namespace."""
    text = doc.decode("utf-8")

    def apply(choice: tuple[int, int]) -> bytes:
        kind, seed = choice
        tags = re.findall(r"<([A-Za-z_][\w.-]*)>", text)
        tag = tags[seed % len(tags)] if tags else "x"
        out = text
        if kind == 0:
            out = out.replace(f"<{tag}>", f"<{tag}> ", 1)
        elif kind == 1:
            out = out.replace(f"<{tag}>", f'<{tag} a="1">', 1)
        elif kind == 2:
            out = out.replace(f"</{tag}>", f"</{tag}><unknown/>", 1)
        elif kind == 3:
            m = re.search(rf"<{tag}>[^<]*</{tag}>", out)
            if m:
                out = out[: m.end()] + m.group(0) + out[m.end() :]
        elif kind == 4:
            out = re.sub(r">(\d+)<", r">+\1<", out, count=1)
        elif kind == 5:
            out = re.sub(r">([^<]+)<", r"><![CDATA[\1]]><", out, count=1)
        elif kind == 6:
            out = out.replace(f"<{tag}>", f'<{tag} xmlns="urn:x">', 1)
        elif kind == 7:
            out = out.replace(f"</{tag}>", f"</{tag}>tail", 1)
        elif kind == 8:
            out = re.sub(r"<(\w+)></\1>", r"<\1/>", out)
        elif kind == 9:
            out = re.sub(r">(\d+)<", r"> \1 <", out, count=1)
        elif kind == 10:  # other spellings of the declaration
            decl = [
                "<?xml version='1.0' encoding='utf-8'?>",
                '<?xml version="1.0"?>',
                "",
                '<?xml version="1.0" standalone="yes"?>',
            ][seed % 4]
            out = re.sub(r"^<\?xml[^>]*\?>", decl, out)
        elif kind == 11:  # white space between the elements: LF, CR LF, tabs
            out = out.replace("><", [">\n<", ">\r\n<", ">\t <"][seed % 3])
        elif kind == 12:  # a character reference, an entity reference, a CR in a text
            ref = ["&#49;", "&amp;", "&lt;", "\r\n", "&#13;"][seed % 5]
            out = re.sub(r">([^<]+)<", lambda m: ">" + m.group(1)[:1] + ref + m.group(1)[1:] + "<", out, count=1)
        elif kind == 13:  # leading zeros, minus zero
            out = re.sub(r">(\d+)<", [r">0\1<", r">-0<", r">-\1<"][seed % 3], out, count=1)
        elif kind == 14:  # a comment, a processing instruction
            out = out.replace(f"</{tag}>", [f"<!--c--></{tag}>", f"<?pi x?></{tag}>"][seed % 2], 1)
        elif kind == 15:  # another encoding, declared: the same text in other bytes
            out = re.sub(r"^<\?xml[^>]*\?>", '<?xml version="1.0" encoding="ISO-8859-1"?>', out)
            try:
                return out.encode("iso-8859-1")
            except UnicodeEncodeError:
                return out.encode("utf-8")
        elif kind == 16:  # a byte order mark
            return b"\xef\xbb\xbf" + out.encode("utf-8")
        return out.encode("utf-8")

    return st.tuples(st.integers(0, 16), st.integers(0, 50)).map(apply)


def test_reference_still_binds_what_the_fast_decoder_hands_back() -> None:
    """A document the compiled decoder does not vouch for (a signed number) is bound by xsdata, through the
    codec, with the same result as before the fast path existed."""
    from smsgate_generated.letsads.client import SPEC
    from smsgate_generated.letsads.models import Response

    doc = b"<response><name>Complete</name><sms_id>+7</sms_id></response>"
    assert _fast.decode_xml(_xml.parse_untrusted(doc), Response) is _fast.MISS
    assert SPEC.codec.decode(doc, Response) == _xml.bind(_xml.parse_untrusted(doc), Response)


def test_a_send_through_the_fast_paths_never_loads_xsdata(smsgate_emulator: Any) -> None:
    """What a user gets: LetsAds and SMSLeads sends (request written, checked against the XSD, reply read)
    in a fresh interpreter without importing xsdata at all; it stays the reference the tests compare with."""
    import subprocess
    import sys

    letsads, smsleads = smsgate_emulator.base_url("letsads"), smsgate_emulator.base_url("smsleads")
    code = (
        "import sys, smsgate\n"
        f"c = smsgate.LetsAds(login='380501234567', password='p1a2s3s4', base_url={letsads!r})\n"
        "r = c.send(['+380501234567', '+380671234560'], 'Hello', sender='Sender')\n"
        "assert len(r.message_ids) == 2, r\n"
        f"c = smsgate.SmsLeads(username='JohnDoe', token='sl-johndoe-token', base_url={smsleads!r})\n"
        "assert c.send(['+972502345678'], 'Hello', sender='DemoAPI').shipment_id\n"
        "print('xsdata' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]


async def test_proven_requests_are_sent_without_the_xsd(smsgate_emulator: Any) -> None:
    """LetsAds and SMSLeads sends and a status call, sync and async, over the emulator: every request that left
    is valid under the XSD and was answered, yet the codec never ran the XSD (the compiled checks are the XSD's
    rules for these models). A request the checks refuse still gets the XSD's verdict, before anything leaves."""
    import httpx

    import smsgate
    from smsgate._codecs import XmlCodec

    calls: list[bytes] = []
    original = XmlCodec.validate

    def spy(self: XmlCodec, data: bytes) -> None:
        calls.append(data)
        original(self, data)

    sent: list[tuple[str, bytes]] = []

    def hook(provider: str) -> Any:
        def record(request: httpx.Request) -> None:
            sent.append((provider, request.content))

        async def arecord(request: httpx.Request) -> None:
            record(request)

        return record, arecord

    letsads, smsleads = smsgate_emulator.base_url("letsads"), smsgate_emulator.base_url("smsleads")
    sync_hook, async_hook = hook("letsads")
    _, leads_hook = hook("smsleads")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(XmlCodec, "validate", spy)
        with (
            httpx.Client(event_hooks={"request": [sync_hook]}) as http,
            smsgate.LetsAds(login="380501234567", password="p1a2s3s4", base_url=letsads, http_client=http) as c,
        ):
            report = c.send(["+380501234567", "+380671234560"], "Hello", sender="Sender")
            c.status(report.message_ids[0])
            assert len(sent) == 2
            with pytest.raises(smsgate.ValidationError):
                c.status(2**63)  # past xs:long: the compiled check refuses, the XSD says why
            assert len(sent) == 2 and len(calls) == 1
        calls.clear()
        async with (
            httpx.AsyncClient(event_hooks={"request": [leads_hook]}) as ahttp,
            smsgate.AsyncSmsLeads(
                username="JohnDoe", token="sl-johndoe-token", base_url=smsleads, http_client=ahttp
            ) as a,
        ):
            assert (await a.send(["+972502345678"], "Hello", sender="DemoAPI")).shipment_id
        async with (
            httpx.AsyncClient(event_hooks={"request": [async_hook]}) as ahttp,
            smsgate.AsyncLetsAds(login="380501234567", password="p1a2s3s4", base_url=letsads, http_client=ahttp) as b,
        ):
            assert len((await b.send(["+380501234567"], "Hello", sender="Sender")).message_ids) == 1
    assert calls == []
    assert [p for p, _ in sent] == ["letsads", "letsads", "smsleads", "letsads"]
    for provider, body in sent:
        assert xsd_valid(provider, body), body


_REPLY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<response><name>Complete</name>'
    "<description>50 messages put into queue</description>"
    + "".join(f"<sms_id>{633217 + i}</sms_id>" for i in range(50))
    + "<currency>UAH</currency></response>"
)

#: The plain reply, and ways to bend it that the byte-level lane must not read differently from the tree.
_LANE_CASES = {
    "plain": _REPLY.encode(),
    "lines": _REPLY.replace("><", ">\n<").encode(),
    "crlf": _REPLY.replace("><", ">\r\n<").encode(),
    "single quotes": _REPLY.replace('"', "'").encode(),
    "no declaration": _REPLY.split("\n", 1)[1].encode(),
    "cr in text": _REPLY.replace("50 messages", "50\r\nmessages").encode(),
    "char reference": _REPLY.replace("<sms_id>633217<", "<sms_id>&#54;33217<").encode(),
    "entity in text": _REPLY.replace("put into", "put &amp; into").encode(),
    "cdata": _REPLY.replace("UAH", "<![CDATA[UAH]]>").encode(),
    "comment": _REPLY.replace("</currency>", "<!-- x --></currency>").encode(),
    "leading zero": _REPLY.replace(">633217<", ">0633217<").encode(),
    "minus": _REPLY.replace(">633217<", ">-633217<").encode(),
    "minus zero": _REPLY.replace(">633217<", ">-0<").encode(),
    "19 digits": _REPLY.replace(">633217<", ">1234567890123456789<").encode(),
    "spaces in a number": _REPLY.replace(">633217<", "> 633217 <").encode(),
    "non-ascii utf-8": _REPLY.replace("queue", "черга").encode(),
    "latin-1": _REPLY.replace("UTF-8", "ISO-8859-1").replace("queue", "file d'attente é").encode("iso-8859-1"),
    "utf-16": _REPLY.replace("UTF-8", "UTF-16").encode("utf-16"),
    "bom": b"\xef\xbb\xbf" + _REPLY.encode(),
    "attribute": _REPLY.replace("<currency>", '<currency a="1">').encode(),
    "namespace": _REPLY.replace("<response>", '<response xmlns="urn:x">').encode(),
    "order": _REPLY.replace("<currency>UAH</currency>", "")
    .replace("<name>", "<currency>UAH</currency><name>")
    .encode(),
    "duplicate": _REPLY.replace("</description>", "</description><description>x</description>").encode(),
    "empty element": _REPLY.replace("<currency>UAH</currency>", "<currency/>").encode(),
    "enum with space": _REPLY.replace("<name>Complete", "<name> Complete").encode(),
    "standalone": _REPLY.replace('encoding="UTF-8"', 'encoding="UTF-8" standalone="yes"').encode(),
    "trailing text": _REPLY.replace("</response>", "x</response>").encode(),
    "gt in text": _REPLY.replace("put into", "put > into").encode(),
}


@pytest.mark.parametrize("case", sorted(_LANE_CASES))
def test_the_byte_lane_reads_a_reply_as_the_tree_and_xsdata_do(case: str) -> None:
    """A LetsAds reply as the codec reads it (hardened parse, then the generated lane over the same bytes when
    they have the plain shape, else the tree) equals xsdata's binding, or is refused exactly when xsdata's is."""
    from smsgate_generated.letsads.client import SPEC
    from smsgate_generated.letsads.models import Response

    data = _LANE_CASES[case]
    check_decode("letsads", data, Response)
    try:
        ref: Any = _xml.bind(_xml.parse_untrusted(data), Response)
    except (_xml.BindError, etree.XMLSyntaxError, _xml.UnsafeXMLError):
        ref = None
    try:
        got: Any = SPEC.codec.decode(data, Response)
    except CodecError:
        got = None
    assert got == ref
    if case in ("plain", "lines", "crlf", "single quotes", "no declaration", "non-ascii utf-8", "gt in text"):
        # The plain shapes are read by the lane itself.
        lane = fastpath("letsads")._LANES[Response][0]
        assert lane.fullmatch(data) is not None
        assert got is not None
        assert len(got.sms_id) == 50
