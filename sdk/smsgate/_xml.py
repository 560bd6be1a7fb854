"""Hardened XML parsing and the one shared xsdata context of the process.

xsdata's own lxml handler always parses in recover mode (a truncated ``<sms_id>63`` reads as id 63), so
documents are parsed here, strictly, by a parser that never expands entities, never loads a DTD, never
touches the network and refuses any DOCTYPE; only the resulting element tree is handed to xsdata to bind.
xsdata is imported lazily: ``import smsgate`` must stay cheap.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from lxml import etree

if TYPE_CHECKING:
    from xsdata.formats.dataclass.context import XmlContext
    from xsdata.formats.dataclass.parsers import XmlParser
    from xsdata.formats.dataclass.serializers import XmlSerializer

__all__ = ["MAX_XML_BYTES", "UnsafeXMLError", "XMLSyntaxError", "bind", "parse_untrusted", "render"]

T = TypeVar("T")

#: Replies larger than this are refused before parsing (LetsAds' largest documented reply is ~2 KiB).
MAX_XML_BYTES = 1 << 20

XMLSyntaxError = etree.XMLSyntaxError
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeXMLError(ValueError):
    """The document is too large or declares a DOCTYPE (entity expansion, external entities)."""


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    recover=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse one XML document strictly; raise `XMLSyntaxError` or `UnsafeXMLError`, never recover."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXMLError(f"document of {len(data)} bytes exceeds the {MAX_XML_BYTES}-byte limit")
    # A DOCTYPE is the door to entity expansion and external entities; no provider sends one.
    # libxml2 parses the internal subset before we could look at the tree, so refuse it up front.
    if b"<!" in data and _DECLARATION.search(data):  # (the substring test first: most replies have no "<!")
        raise UnsafeXMLError("document declares a DOCTYPE or an entity; refused")
    root = etree.fromstring(data, _PARSER)
    # Other encodings (UTF-16) escape the byte search above; the parser expanded nothing, check again.
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXMLError("document declares a DOCTYPE; refused")
    return root


@functools.cache
def _context() -> XmlContext:
    from xsdata.formats.dataclass.context import XmlContext

    return XmlContext()


@functools.cache
def _parser() -> XmlParser:
    from xsdata.formats.dataclass.parsers import XmlParser
    from xsdata.formats.dataclass.parsers.config import ParserConfig

    config = ParserConfig(fail_on_converter_warnings=True, fail_on_unknown_properties=True)
    return XmlParser(context=_context(), config=config)


@functools.cache
def _serializer() -> XmlSerializer:
    from xsdata.formats.dataclass.serializers import XmlSerializer
    from xsdata.formats.dataclass.serializers.config import SerializerConfig

    config = SerializerConfig(xml_declaration=True, encoding="UTF-8", indent=None)
    return XmlSerializer(context=_context(), config=config)


class BindError(ValueError):
    """The document is well-formed but does not bind to the expected model."""


def bind(root: etree._Element, model: type[T]) -> T:
    """Bind a parsed element tree to a generated dataclass; any xsdata failure becomes `BindError`."""
    from xsdata.exceptions import ConverterWarning, ParserError, XmlContextError

    try:
        expected = _context().build(model).qname
        if root.tag != expected:
            raise BindError(f"root element <{root.tag}> where <{expected}> was expected")
        bound = _parser().parse(root, model)
    except (ParserError, XmlContextError, ConverterWarning, ValueError, TypeError) as exc:
        raise BindError(str(exc)) from exc
    _check_typed(bound)
    return bound


def _check_typed(obj: Any) -> None:
    """xsdata binds an empty element (``<amount/>``) as ``""`` whatever the field's type: refuse that, so a
    field typed int, Decimal, an enum or a date holds its type or the reply is unreadable."""
    meta = _context().build(type(obj))
    for var in meta.get_all_vars():
        value = getattr(obj, var.name)
        for item in value if isinstance(value, list) else (value,):
            if item is None:
                continue
            if isinstance(item, str):
                if str not in var.types and not any(_accepts_str(t) for t in var.types):
                    raise BindError(f"<{var.local_name}> holds {item[:40]!r} where {_names(var.types)} is expected")
            elif var.clazz is not None and hasattr(type(item), "__dataclass_fields__"):
                _check_typed(item)


def _accepts_str(kind: type) -> bool:
    """Whether a string value is of this type (str subclasses, e.g. a StrEnum member is checked by xsdata)."""
    return issubclass(kind, str) and not issubclass(kind, enum.Enum)


def _names(kinds: Sequence[type]) -> str:
    return " or ".join(k.__name__ for k in kinds)


def render(obj: Any) -> bytes:
    """Serialize a generated dataclass to UTF-8 XML bytes with an XML declaration."""
    return _serializer().render(obj).encode("utf-8")
