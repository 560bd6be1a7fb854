"""Wire codecs over the generated models. I/O-free and shared by sync and async clients."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import _fast, _xml
from ._spec import CodecError

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["FormCodec", "JsonCodec", "XmlCodec"]

T = TypeVar("T")


class XmlCodec:
    """XML through xsdata, with the provider's XSD checked before anything is sent: by the compiled checks of
    the fast encoder where they are all of the schema's rules (the generated ``PROVEN``), else by lxml.

    Replies are parsed by the hardened parser of `smsgate._xml` (no recovery, no DTD, no entities),
    then bound by xsdata with converter warnings as errors.
    """

    content_type = "application/xml; charset=utf-8"

    def __init__(self, schema: Traversable, *, content_type: str | None = None) -> None:
        self._schema_file = schema
        self._schema: etree.XMLSchema | None = None
        #: Element name -> its maxOccurs, for messages that name the limit.
        self._limits: dict[str, int] = {}
        self._lock = threading.Lock()
        if content_type:
            self.content_type = content_type

    def _xsd(self) -> etree.XMLSchema:
        if self._schema is None:
            from lxml import etree

            with self._schema_file.open("rb") as fh:
                doc = etree.parse(fh, _XSD_PARSER())
            self._schema = etree.XMLSchema(doc)
            self._limits = _occurrence_limits(doc)
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
            errors = list(cast("Iterable[Any]", schema.error_log))
            limits = self._limits
        field = None
        problems = []
        for e in errors:
            explained = _too_many(e.message, root, limits)
            if explained is None:
                problems.append(f"line {e.line}: {e.message}")
            elif explained not in problems:
                field = field or explained.partition(":")[0]
                problems.append(explained)
        raise CodecError("; ".join(problems), field=field)

    def encode(self, model: object, extra: Mapping[str, str] | None = None) -> bytes:
        if extra:
            raise CodecError("XML requests carry their credentials in the model")
        # The compiled encoder (smsgate._fast) when it vouches for the model, else xsdata. The XSD checks what
        # the compiled checks do not prove it accepts (tests/sdk/test_fastpath_xml.py holds them to the XSD).
        fast = _fast.encode_xml(model)
        if fast is not None and fast[1]:
            return fast[0]
        data = _xml.render(model) if fast is None else fast[0]
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
        fast = _fast.decode_xml(root, model, body)
        if fast is not _fast.MISS:
            return cast("T", fast)
        try:
            return _xml.bind(root, model)
        except _xml.BindError as exc:
            raise CodecError(f"reply does not match the schema: {exc}") from None


_NOT_EXPECTED = re.compile(r"Element '(?:\{[^}]*\})?([^']+)': This element is not expected")


def _occurrence_limits(xsd: etree._ElementTree) -> dict[str, int]:
    """maxOccurs of every named element declared with a finite one above 1 (the smallest, if declared twice)."""
    limits: dict[str, int] = {}
    for el in xsd.iter("{http://www.w3.org/2001/XMLSchema}element"):
        name, most = el.get("name"), el.get("maxOccurs", "1")
        if name and most.isdigit() and int(most) > 1:
            limits[name] = min(int(most), limits.get(name, int(most)))
    return limits


def _too_many(message: str, root: etree._Element, limits: dict[str, int]) -> str | None:
    """libxml2 says "Element 'recipient': This element is not expected" for the 51st recipient: say what
    the limit is instead, when that is the reason (more of the element under one parent than maxOccurs)."""
    found = _NOT_EXPECTED.search(message)
    if found is None or found.group(1) not in limits:
        return None
    name, limit = found.group(1), limits[found.group(1)]
    most = max(
        sum(1 for child in parent if isinstance(child.tag, str) and child.tag.rpartition("}")[2] == name)
        for parent in root.iter()
    )
    if most <= limit:
        return None
    return f"{name}: at most {limit} {name}s per request, got {most}"


def _XSD_PARSER() -> etree.XMLParser:
    from lxml import etree

    # Our own schema files, still read without network or entity expansion.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _strip_none(value: Any) -> Any:
    """Builtins without the None of unset optional fields (JSON Schema says "absent", not null)."""
    # Only containers are walked into: a list of 100 phones costs no call per phone.
    if isinstance(value, dict):
        return {k: _strip_none(v) if isinstance(v, dict | list) else v for k, v in value.items() if v is not None}
    if isinstance(value, list):
        if set(map(type, value)) <= _SCALARS:
            return value
        return [_strip_none(v) if isinstance(v, dict | list) else v for v in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


class _JsonSchemaMixin:
    """Validation of request builtins against one ``$defs`` entry of the provider's JSON Schema."""

    def __init__(self, schema: Traversable) -> None:
        self._schema_file = schema
        self._document: dict[str, Any] | None = None
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _validator(self, name: str) -> Any:
        with self._lock:
            validator = self._validators.get(name)
            if validator is None:
                import json

                from jsonschema import Draft202012Validator, FormatChecker

                if self._document is None:
                    self._document = json.loads(self._schema_file.read_text(encoding="utf-8"))
                if name not in self._document.get("$defs", {}):
                    raise CodecError(f"the schema has no definition {name!r}")
                schema = {**self._document, "$ref": f"#/$defs/{name}"}
                validator = Draft202012Validator(schema, format_checker=FormatChecker())
                self._validators[name] = validator
            return validator

    def check(self, data: Any, name: str) -> None:
        """Raise `CodecError` naming every violation of `data` against ``$defs/<name>``."""
        errors = sorted(self._validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            raise CodecError(
                "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(request)'}: {e.message}" for e in errors)
            )

    def decode(self, body: bytes, model: type[T]) -> T:
        """Strict JSON into the generated dataclass (numbers given as strings are converted where typed)."""
        import msgspec

        if not body.strip():
            raise CodecError("empty reply")
        if len(body) > _xml.MAX_XML_BYTES:
            raise CodecError(f"reply of {len(body)} bytes exceeds the {_xml.MAX_XML_BYTES}-byte limit")
        try:
            return msgspec.json.decode(body, type=model, strict=False)
        except msgspec.ValidationError as exc:
            raise CodecError(f"reply does not match the schema: {exc}") from None
        except msgspec.DecodeError as exc:
            raise CodecError(f"reply is not valid JSON: {exc}") from None


class JsonCodec(_JsonSchemaMixin):
    """JSON request bodies checked against the provider's JSON Schema; JSON replies bound with msgspec."""

    content_type = "application/json"

    def __init__(self, schema: Traversable, *, content_type: str | None = None) -> None:
        super().__init__(schema)
        if content_type:
            self.content_type = content_type

    def encode(self, model: object, extra: Mapping[str, str] | None = None) -> bytes:
        import msgspec

        data = _strip_none(msgspec.to_builtins(model))
        if extra:
            data.update(extra)
        if not _fast.json_accepts(model, data):  # the compiled check; jsonschema when it says no
            self.check(data, type(model).__name__)
        return msgspec.json.encode(data)


class FormCodec(_JsonSchemaMixin):
    """HTML-form request parameters (checked against the JSON Schema of the request), JSON replies.

    Lists become comma-separated values; mappings become ``name[key]=value`` pairs (SMSC's ``fl[N]``);
    `extra` (credentials) is added after the check, so the schema of a request never sees a secret.
    """

    content_type = "application/x-www-form-urlencoded"

    def __init__(self, schema: Traversable, *, content_type: str | None = None) -> None:
        super().__init__(schema)
        if content_type:
            self.content_type = content_type

    def encode(self, model: object, extra: Mapping[str, str] | None = None) -> bytes:
        import msgspec

        data = _strip_none(msgspec.to_builtins(model))
        if not _fast.json_accepts(model, data):  # the compiled check; jsonschema when it says no
            self.check(data, type(model).__name__)
        pairs: list[tuple[str, str]] = []
        for key, value in data.items():
            if isinstance(value, dict):
                pairs.extend((f"{key}[{k}]", _form_value(v)) for k, v in value.items())
            else:
                pairs.append((key, _form_value(value)))
        pairs.extend((extra or {}).items())
        return _fast.form_urlencode(pairs).encode("ascii")


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(_form_value(v) for v in value)
    return str(value)
