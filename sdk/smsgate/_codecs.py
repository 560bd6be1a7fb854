"""Wire codecs over the generated models. I/O-free and shared by sync and async clients."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import _xml
from ._spec import CodecError

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["XmlCodec"]

T = TypeVar("T")


class XmlCodec:
    """XML through xsdata, with the provider's XSD checked before anything is sent.

    Replies are parsed by the hardened parser of `smsgate._xml` (no recovery, no DTD, no entities),
    then bound by xsdata with converter warnings as errors.
    """

    content_type = "application/xml; charset=utf-8"

    def __init__(self, schema: Traversable, *, content_type: str | None = None) -> None:
        self._schema_file = schema
        self._schema: etree.XMLSchema | None = None
        self._lock = threading.Lock()
        if content_type:
            self.content_type = content_type

    def _xsd(self) -> etree.XMLSchema:
        if self._schema is None:
            from lxml import etree

            with self._schema_file.open("rb") as fh:
                doc = etree.parse(fh, _XSD_PARSER())
            self._schema = etree.XMLSchema(doc)
        return self._schema

    def validate(self, data: bytes) -> None:
        """Check a document against the provider's XSD; `CodecError` names every violation."""
        try:
            root = _xml.parse_untrusted(data)
        except (_xml.XMLSyntaxError, _xml.UnsafeXMLError) as exc:
            raise CodecError(f"not well-formed XML: {exc}") from None
        with self._lock:
            schema = self._xsd()
            if schema.validate(root):
                return
            problems = [f"line {e.line}: {e.message}" for e in cast("Iterable[Any]", schema.error_log)]
        raise CodecError("; ".join(problems))

    def encode(self, model: object) -> bytes:
        data = _xml.render(model)
        self.validate(data)
        return data

    def decode(self, body: bytes, model: type[T]) -> T:
        if not body.strip():
            raise CodecError("empty reply")
        try:
            root = _xml.parse_untrusted(body)
        except _xml.XMLSyntaxError as exc:
            raise CodecError(f"reply is not well-formed XML: {exc}") from None
        except _xml.UnsafeXMLError as exc:
            raise CodecError(f"reply refused: {exc}") from None
        try:
            return _xml.bind(root, model)
        except _xml.BindError as exc:
            raise CodecError(f"reply does not match the schema: {exc}") from None


def _XSD_PARSER() -> etree.XMLParser:
    from lxml import etree

    # Our own schema files, still read without network or entity expansion.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
