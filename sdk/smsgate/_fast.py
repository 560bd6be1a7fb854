"""The fast paths compiled from the schemas (``generated/<provider>/fastpath.py``), and the helpers they use.

They accelerate the reference codecs without replacing them: an XML encoder returns None, a decoder raises
`Miss` and a JSON check answers False whenever the compiled code cannot vouch for the result, and the codec
then runs the reference (xsdata and the XSD, jsonschema), which accepts or refuses exactly as before. The
equivalence tests (tests/sdk/test_fastpath_*.py) prove the fast answers equal the reference's. I/O-free.
"""

from __future__ import annotations

import functools
import importlib
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

    from lxml import etree

__all__ = [
    "MISS",
    "Miss",
    "async_sleep",
    "decode_xml",
    "encode_xml",
    "esc_attr",
    "esc_text",
    "form_urlencode",
    "json_accepts",
    "json_equal",
    "lane_ints",
    "read_int",
    "read_ints",
    "shared_ssl_context",
    "xml_attr",
    "xml_text",
    "xml_unsafe",
]


class Miss(Exception):
    """The compiled decoder does not vouch for this document: bind it with the reference instead."""


#: Returned by `decode_xml` when the reference path must bind the document.
MISS: Any = Miss

# Characters XML 1.0 cannot carry (lxml refuses them, so xsdata cannot render them either).
# (Written as the excluded set: the negated class of the allowed ranges costs ~7 ms to compile at import.)
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\r\n\t]')


def xml_unsafe(value: str) -> bool:
    """Whether `value` holds a character XML 1.0 cannot carry."""
    return _UNSAFE.search(value) is not None


_TEXT_SCAN = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_SCAN = re.compile('[&<>"\r\n\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def xml_text(value: str) -> str | None:
    """`value` as element text (escaped as lxml escapes it), or None when XML cannot carry it; one regex scan
    for the common case of nothing to escape."""
    if _TEXT_SCAN.search(value) is None:
        return value
    return None if _UNSAFE.search(value) else esc_text(value)


def xml_attr(value: str) -> str | None:
    """`value` as a double-quoted attribute value, or None when XML cannot carry it."""
    if _ATTR_SCAN.search(value) is None:
        return value
    return None if _UNSAFE.search(value) else esc_attr(value)


def esc_text(value: str) -> str:
    """Element text escaped as lxml escapes it (``\\r`` as a character reference, so it survives parsing)."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def esc_attr(value: str) -> str:
    """An attribute value escaped for double quotes (whitespace kept as character references)."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def read_int(text: str) -> int:
    """ASCII digits, optionally after a minus, as an int; anything else (plus signs, spaces, underscores,
    non-ASCII digits) is a `Miss`, left to the reference's own reading."""
    digits = text[1:] if text[:1] == "-" else text
    if len(digits) > 18 or not digits.isascii() or not digits.isdigit():
        raise Miss
    return int(text)


_INTS = re.compile("-?[0-9]{1,18}(?:\n-?[0-9]{1,18})*")


def read_ints(texts: list[str]) -> list[int]:
    """`read_int` of every text, with one match over the joined texts when none holds a newline."""
    joined = "\n".join(texts)
    if joined.count("\n") == len(texts) - 1 and _INTS.fullmatch(joined) is not None:
        return list(map(int, texts))
    return [read_int(text) for text in texts]


# Every byte but digits, minus signs, XML white space and "/" is deleted; "/" becomes ",".
_LANE_DELETE = bytes(b for b in range(256) if b not in b"0123456789- \t\r\n/")
_LANE_COMMAS = bytes.maketrans(b"/", b",")


@functools.cache
def _ints_decoder() -> Any:
    import msgspec

    return msgspec.json.Decoder(list[int])


def lane_ints(group: bytes) -> list[int]:
    """The integers of a generated lane's list group: items ``<t>INT</t>`` with XML white space between them,
    as the lane's match proved (INT an optional minus and 1 to 18 digits without a leading zero, ``t`` made of
    letters, "_" and "." only). Deleting the tags' bytes and turning each closing tag's "/" into a comma leaves
    a JSON array of those integers (XML and JSON white space are the same four bytes), read in C."""
    body = group.translate(_LANE_COMMAS, _LANE_DELETE).rstrip(b" \t\r\n")
    if body[-1:] != b",":
        raise Miss
    try:
        ints: list[int] = _ints_decoder().decode(b"[" + body[:-1] + b"]")
    except ValueError:  # msgspec.DecodeError: not the shape the lane vouched for
        raise Miss from None
    return ints


def json_equal(a: Any, b: Any) -> bool:
    """jsonschema's equality for `enum`/`const`: booleans never equal numbers; containers compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        return False
    return bool(a == b)


_MODULES: dict[str, ModuleType | None] = {}


def _fastpath(model: type) -> ModuleType | None:
    """The generated ``fastpath`` module beside the module that defines `model` (imported once)."""
    home = model.__module__
    try:
        return _MODULES[home]
    except KeyError:
        pass
    package = home.rpartition(".")[0]
    module: ModuleType | None
    try:
        module = importlib.import_module(f"{package}.fastpath") if package else None
    except ImportError:
        module = None
    _MODULES[home] = module
    return module


def encode_xml(model: object) -> tuple[bytes, bool] | None:
    """The request document of `model`, equal after c14n to xsdata's rendering, and whether the compiled checks
    prove the XSD accepts it (its model is in the generated ``PROVEN``); None: render the reference."""
    module = _fastpath(type(model))
    if module is None:
        return None
    data: bytes | None = module.encode(model)
    return None if data is None else (data, type(model) in module.PROVEN)


def decode_xml(root: etree._Element, model: type[Any], data: bytes | None = None) -> Any:
    """`model` bound from `root` exactly as xsdata binds it, or `MISS`: bind with the reference. `data`: the
    bytes the hardened parser turned into `root` (a plain document is then read from them in one match)."""
    module = _fastpath(model)
    if module is None:
        return MISS
    try:
        return module.decode(root, model, data)
    except Miss:
        return MISS


def json_accepts(model: object, data: Any) -> bool:
    """True only when the compiled check of ``$defs/<model's name>`` accepts `data` (the reference validator
    would too); False means "run the reference validator" — for its message, and its verdict."""
    module = _fastpath(type(model))
    if module is None:
        return False
    check = module.CHECKS.get(type(model).__name__)
    return bool(check is not None and check(data))


# -- first use: nothing per client that can be built once per process ---------------------------------------


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """The one SSL context of the process for the clients that build their own httpx client (building one
    loads the certificate bundle: ~17 ms each time). Honours SSL_CERT_FILE / SSL_CERT_DIR as httpx does."""
    import httpx

    return httpx.create_ssl_context()


async def async_sleep(seconds: float) -> None:
    """`asyncio.sleep`, imported on first await: a sync client never imports asyncio."""
    import asyncio

    await asyncio.sleep(seconds)


# -- form bodies ----------------------------------------------------------------------------------------------

# What `urllib.parse.quote_plus` leaves as it is (its always-safe characters).
_FORM_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")


def form_urlencode(pairs: list[tuple[str, str]]) -> str:
    """`urllib.parse.urlencode(pairs)` for str pairs, quoting only the parts that need it (most are plain)."""
    from urllib.parse import quote_plus, urlencode

    if not all(type(k) is str and type(v) is str for k, v in pairs):
        return urlencode(pairs)
    safe = _FORM_SAFE.fullmatch
    return "&".join(f"{k if safe(k) else quote_plus(k)}={v if safe(v) else quote_plus(v)}" for k, v in pairs)
