"""Fast paths compiled from the schemas (issue 14): per generated model, an XML encoder that writes the
document directly and a decoder that reads the hardened parser's tree straight into the dataclass (XSD
providers); per ``$defs`` entry, a plain-Python check (JSON Schema providers).

The compiled code is an accelerator, never a second authority: whatever it does not fully understand it hands
back to the reference path (xsdata + the XSD, jsonschema), which then accepts or refuses exactly as before.
The XML encoders also carry the XSD's own rules where `codegen._xsdproof` reads them all (``PROVEN``: sent
without the XSD). `generated/<provider>/fastpath.py` is rendered by ``templates/fastpath_xml.py.jinja`` or
``templates/fastpath_json.py.jinja`` from the descriptions built here.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ._xsdproof import prove

__all__ = ["emit_fastpath"]

# -- XML ------------------------------------------------------------------------------------------------------

#: Field metadata keys the compiler understands; any other key leaves its class to the reference path.
_KNOWN_META = frozenset(
    {
        "name",
        "type",
        "required",
        "min_length",
        "max_length",
        "length",
        "pattern",
        "min_inclusive",
        "max_inclusive",
        "min_exclusive",
        "max_exclusive",
        "min_occurs",
        "max_occurs",
    }
)


@dataclass
class XmlField:
    attr: str
    tag: str
    #: "element", "attribute" or "text"
    role: str
    #: "str", "int", "enum" or "class"
    kind: str
    type_name: str
    is_list: bool
    required: bool
    checks: list[str] = field(default_factory=list)
    min_occurs: int = 0
    max_occurs: int | None = None
    #: enum wire value -> member name (decoder), and whether the values are str (else int)
    enum_values: dict[str, str] = field(default_factory=dict)
    enum_str: bool = True


@dataclass
class XmlLane:
    """The byte-level lane of a decoder: one regular expression over the whole reply for the plain shape of a
    model whose children are all leaves (no attributes, no entity or character references, no CDATA, no
    comments, no carriage returns, UTF-8), and an expression per field reading its group of that match.

    Only tried after the hardened parser accepted the same bytes: the parse proves the document safe and
    well-formed, the match proves it has exactly this shape, in which every text is its bytes, decoded as
    UTF-8. Anything else does not match and is read from the element tree as before."""

    pattern: bytes
    #: field attribute -> the expression building its value from ``g`` (the match's groups)
    values: dict[str, str]
    #: name -> pattern of one list item (findall over a list's group)
    items: dict[str, bytes] = field(default_factory=dict)
    #: name -> (enum type name, {wire value as bytes: member name}) of an enum field
    enums: dict[str, tuple[str, dict[bytes, str]]] = field(default_factory=dict)


@dataclass
class XmlClass:
    name: str
    qname: str
    supported: bool
    why: str = ""
    fields: list[XmlField] = field(default_factory=list)
    lane: XmlLane | None = None
    #: The encoder's bytes are exactly what the XSD accepts (`codegen._xsdproof`), else why not.
    proven: bool = False
    why_unproven: str = ""
    #: A global element of the class's qname has its type: a document of the class alone is valid.
    root: bool = False
    #: The content model as a regex over "tag," tokens, where the fields' own checks do not imply it.
    content: str | None = None


def xsd_pattern(pattern: str) -> str | None:
    """An XSD regular expression as a Python one for `re.fullmatch`, or None when it uses XSD syntax we do not
    translate (the field's check is then skipped, its class is not proven and the XSD validates its requests)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 >= len(pattern):
                return None
            nxt = pattern[i + 1]
            if nxt == "S":
                if in_class:
                    return None
                out.append("[^ \\t\\n\\r]")
            elif nxt == "s":
                if in_class:
                    out.append(" \\t\\n\\r")
                else:
                    out.append("[ \\t\\n\\r]")
            elif nxt == "d":
                out.append("\\d")
            elif nxt in ".-^$\\[](){}|?*+nrt":
                out.append("\\" + nxt)
            else:
                return None  # \i \c \p{..} \w ... : XSD meanings differ from Python's
            i += 2
            continue
        if in_class:
            if c == "-" and pattern[i + 1 : i + 2] == "[":
                return None  # character class subtraction
            if c == "]":
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
        elif c == ".":
            out.append("[^\\n\\r]")
        elif c in "^$":
            out.append("\\" + c)  # literal in XSD
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _load_models(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # xsdata looks the class's module up while building its metadata
    spec.loader.exec_module(module)
    return module


def xml_classes(models_path: Path, provider_id: str, patterns: dict[str, str]) -> list[XmlClass]:
    """Describe every generated dataclass of an XSD provider for the XML template."""
    from xsdata.formats.dataclass.context import XmlContext

    module = _load_models(models_path, f"_smsgate_codegen_models_{provider_id}")
    context = XmlContext()
    out: list[XmlClass] = []
    classes = sorted(
        (v for v in vars(module).values() if isinstance(v, type) and dataclasses.is_dataclass(v)),
        key=lambda c: c.__name__,
    )
    names = {c.__name__ for c in classes}
    for cls in classes:
        meta = context.build(cls)
        desc = XmlClass(name=cls.__name__, qname=meta.qname, supported=True)
        metadata = {f.name: dict(f.metadata) for f in dataclasses.fields(cls)}
        try:
            for var in meta.get_all_vars():
                desc.fields.append(_xml_field(var, metadata[var.name], names, patterns))
        except _Unsupported as exc:
            desc.supported, desc.why, desc.fields = False, str(exc), []
        out.append(desc)
    sys.modules.pop(module.__name__, None)
    # A class holding an unsupported class is left to the reference as well (to a fixed point).
    changed = True
    while changed:
        unsupported = {c.name for c in out if not c.supported}
        changed = False
        for desc in out:
            needs = {f.type_name for f in desc.fields if f.kind == "class"} & unsupported
            if desc.supported and needs:
                desc.supported, desc.why, desc.fields = False, f"holds {sorted(needs)}", []
                changed = True
    for desc in out:
        desc.lane = _lane(desc)
    return out


# Every repetition is possessive (never given back: what follows it cannot start inside it), which spares the
# regex engine its backtracking bookkeeping.
#: XML white space, as between elements.
_WS = rb"[ \t\r\n]*+"
#: An optional XML declaration saying version 1.0 and, if anything, UTF-8 (no standalone, no other encoding).
_DECL = rb"""(?:<\?xml version=(?:"1\.0"|'1\.0')(?: encoding=(?:"(?:UTF|utf)-8"|'(?:UTF|utf)-8'))?[ \t\r\n]*\?>)?"""
#: Text that is its own bytes: no markup, no references, no CR (the parser turns CR LF into LF).
_PLAIN = rb"[^<&\r]*+"
#: A decimal integer as read_int reads it, without leading zeros (then JSON reads it the same way).
_INT = rb"-?(?:0|[1-9][0-9]{0,17})"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: Tag names an integer list may have: `lane_ints` deletes every byte but digits, signs and white space.
_INT_LIST_NAME = re.compile(r"[A-Za-z_.]+")


def _tag(name: str, slash: str = "") -> bytes:
    return f"<{slash}{re.escape(name)}>".encode()


def _lane(desc: XmlClass) -> XmlLane | None:
    """The byte-level lane of a model whose fields are all leaf elements (str, int, str enum), else None."""
    if not desc.supported or not desc.fields or _NAME.fullmatch(desc.qname) is None:
        return None
    parts = [_DECL, _WS, _tag(desc.qname), _WS]
    values: dict[str, str] = {}
    lane = XmlLane(pattern=b"", values=values)
    for group, f in enumerate(desc.fields):
        if f.role != "element" or f.kind not in ("str", "int", "enum") or _NAME.fullmatch(f.tag) is None:
            return None
        if f.kind == "enum":
            if not f.enum_str or f.is_list or not f.enum_values:
                return None
            wire = {v.encode(): m for v, m in f.enum_values.items()}
            if any(re.search(rb"[<&\r]", v) or not v for v in wire):
                return None
            lane.enums[f"_B_{desc.name}_{f.attr}"] = (f.type_name, wire)
            value = b"(?:" + b"|".join(re.escape(v) for v in sorted(wire, key=len, reverse=True)) + b")"
        else:
            value = _PLAIN if f.kind == "str" else _INT
        open_, close = _tag(f.tag), _tag(f.tag, "/") + _WS
        g = f"g[{group}]"
        if f.is_list:
            parts.append(b"((?:" + open_ + value + close + b")*+)")
            if f.kind == "int":
                if _INT_LIST_NAME.fullmatch(f.tag) is None:
                    return None
                values[f.attr] = f"lane_ints({g}) if {g} else []"
            else:
                items = f"_I_{desc.name}_{f.attr}"
                lane.items[items] = open_ + b"(" + _PLAIN + b")" + _tag(f.tag, "/")
                values[f.attr] = f"[x.decode() for x in {items}.findall({g})]"
        else:
            element = open_ + b"(" + value + b")" + close
            parts.append(element if f.required else b"(?:" + element + b")?")
            if f.kind == "str":
                read = f"{g}.decode()"
            elif f.kind == "int":
                read = f"int({g})"
            else:
                read = f"_B_{desc.name}_{f.attr}[{g}]"
            values[f.attr] = read if f.required else f"None if {g} is None else {read}"
    parts += [_tag(desc.qname, "/"), _WS]
    lane.pattern = b"".join(parts)
    re.compile(lane.pattern)
    return lane


class _Unsupported(Exception):
    pass


def _xml_field(var: Any, meta: dict[str, Any], class_names: set[str], patterns: dict[str, str]) -> XmlField:
    unknown = set(meta) - _KNOWN_META
    if unknown:
        raise _Unsupported(f"{var.name}: metadata {sorted(unknown)}")
    if var.is_elements or var.is_wildcard or var.is_attributes or var.tokens or var.nillable or var.namespaces:
        raise _Unsupported(f"{var.name}: compound, wildcard, token or namespaced field")
    if var.is_element:
        role = "element"
    elif var.is_attribute:
        role = "attribute"
    elif var.is_text:
        role = "text"
    else:
        raise _Unsupported(f"{var.name}: neither element, attribute nor text")
    if len(var.types) != 1:
        raise _Unsupported(f"{var.name}: a union of types")
    tp = var.types[0]
    checks: list[str] = []
    enum_values: dict[str, str] = {}
    enum_str = True
    if tp is str:
        kind = "str"
        if "length" in meta:
            checks.append(f"len(x) == {int(meta['length'])}")
        if "min_length" in meta:
            checks.append(f"len(x) >= {int(meta['min_length'])}")
        if "max_length" in meta:
            checks.append(f"len(x) <= {int(meta['max_length'])}")
        if "pattern" in meta:
            translated = xsd_pattern(meta["pattern"])
            if translated is not None:
                name = patterns.setdefault(translated, f"_P{len(patterns)}")
                checks.append(f"{name}.fullmatch(x) is not None")
    elif tp is int:
        kind = "int"
        for key, op in (
            ("min_inclusive", ">="),
            ("max_inclusive", "<="),
            ("min_exclusive", ">"),
            ("max_exclusive", "<"),
        ):
            if key in meta:
                checks.append(f"x {op} {int(meta[key])}")
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        kind = "enum"
        if not all(isinstance(m.value, str) for m in tp):
            if not all(type(m.value) is int for m in tp):
                raise _Unsupported(f"{var.name}: enum with values neither all str nor all int")
            enum_str = False
        if any(k in meta for k in ("pattern", "min_length", "max_length", "length")):
            raise _Unsupported(f"{var.name}: facets on an enumeration")
        enum_values = {str(m.value): m.name for m in tp}
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp.__name__ in class_names:
        kind = "class"
    else:
        raise _Unsupported(f"{var.name}: type {tp!r}")
    if kind in ("class", "enum") and role != "element":
        raise _Unsupported(f"{var.name}: {kind} as {role}")
    is_list = var.list_element
    min_occurs = int(meta.get("min_occurs", 1 if var.required else 0))
    max_occurs = meta.get("max_occurs")
    return XmlField(
        attr=var.name,
        tag=var.local_name,
        role=role,
        kind=kind,
        type_name=tp.__name__,
        is_list=is_list,
        required=bool(var.required),
        checks=checks,
        min_occurs=min_occurs,
        max_occurs=int(max_occurs) if max_occurs is not None else None,
        enum_values=enum_values,
        enum_str=enum_str,
    )


# -- JSON Schema ----------------------------------------------------------------------------------------------

_TABLE = "dict[str, Callable[[Any], bool]]"
_TYPE_TESTS = {
    "string": "isinstance({x}, str)",
    "array": "isinstance({x}, list)",
    "object": "isinstance({x}, dict)",
    "boolean": "isinstance({x}, bool)",
    "null": "{x} is None",
}
#: How deep `$ref`s are inlined before the compiled code calls the definition's function instead.
_MAX_INLINE = 6
_IGNORED = frozenset({"$schema", "$id", "title", "description", "default", "examples", "$comment", "$defs"})
#: Formats jsonschema's FormatChecker has no checker for (so the reference never checks them).
_UNCHECKED_FORMATS = frozenset({"decimal"})


#: An anchored pattern of plain character classes and literals, none of which can match a newline.
_JOINABLE = re.compile(r"\^((?:\[(?:[A-Za-z0-9](?:-[A-Za-z0-9])?)+\]|[A-Za-z0-9])(?:\{\d+(?:,\d*)?\}|[+*?])?)+\$")


def _joinable(pattern: str) -> str | None:
    """For ``^BODY$`` whose BODY cannot match a newline: a pattern matching newline-joined items that all match
    BODY in full (then each item's `re.search` of the schema's pattern succeeds); None otherwise."""
    if _JOINABLE.fullmatch(pattern) is None:
        return None
    body = pattern[1:-1]
    return f"(?:{body})(?:\n(?:{body}))*"


class JsonCompiler:
    """JSON Schema (the subset our schemas use) to Python functions returning whether an instance is valid.

    Same semantics as jsonschema's Draft 2020-12 validator: integers exclude booleans and include integral
    floats, `enum`/`const` compare booleans apart from numbers, `pattern` is `re.search`. Any keyword outside
    the subset stops code generation (a schema change must not silently weaken the check)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.functions: dict[str, list[str]] = {}
        self.patterns: dict[str, str] = {}
        self.constants: list[str] = []
        self._counter = 0
        self._inlining: list[str] = []

    def defs(self) -> list[str]:
        return sorted(self.document.get("$defs", {}))

    def compile_def(self, name: str) -> str:
        fn = "_def_" + re.sub(r"\W", "_", name)
        if fn not in self.functions:
            self.functions[fn] = []  # placeholder against recursion
            saved, self._inlining = self._inlining, [name]
            try:
                lines = self._schema(self.document["$defs"][name], "x", 1)
            finally:
                self._inlining = saved
            self.functions[fn] = [f"def {fn}(x: Any) -> bool:", *lines, "    return True"]
        return fn

    def _fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def _sub(self, schema: Any) -> str:
        """A schema as a function name (inline schemas get their own function)."""
        if isinstance(schema, dict) and set(schema) == {"$ref"}:
            return self._ref(schema["$ref"])
        fn = self._fresh("_s")
        self.functions[fn] = []
        self.functions[fn] = [f"def {fn}(x: Any) -> bool:", *self._schema(schema, "x", 1), "    return True"]
        return fn

    def _ref_name(self, ref: str) -> str:
        prefix = "#/$defs/"
        if not ref.startswith(prefix) or "/" in ref[len(prefix) :] or ref[len(prefix) :] not in self.document["$defs"]:
            raise ValueError(f"unsupported $ref {ref!r}")
        return ref[len(prefix) :]

    def _ref(self, ref: str) -> str:
        return self.compile_def(self._ref_name(ref))

    def _schema(self, schema: Any, x: str, depth: int, known: str | None = None) -> list[str]:
        """Lines returning False when `x` breaks `schema`; `known`: the JSON type `x` is already known to have
        (its checks then go unguarded, and the checks of other types are left out as unreachable)."""
        ind = "    " * depth
        if schema is True:
            return []
        if schema is False:
            return [f"{ind}return False"]
        if not isinstance(schema, dict):
            raise ValueError(f"unsupported schema {schema!r}")
        lines: list[str] = []
        unknown = (
            set(schema)
            - _IGNORED
            - {
                "$ref",
                "type",
                "enum",
                "const",
                "minLength",
                "maxLength",
                "pattern",
                "format",
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "items",
                "minItems",
                "maxItems",
                "properties",
                "required",
                "additionalProperties",
                "minProperties",
                "maxProperties",
                "propertyNames",
                "oneOf",
                "anyOf",
                "allOf",
            }
        )
        unknown = {k for k in unknown if not k.startswith("x-")}
        if unknown:
            raise ValueError(f"JSON Schema keywords the fast-path compiler does not support: {sorted(unknown)}")
        if "format" in schema and schema["format"] not in _UNCHECKED_FORMATS:
            raise ValueError(f"format {schema['format']!r}: add it to the compiler first")
        if "$ref" in schema:
            lines.extend(self._ref_lines(schema["$ref"], x, depth))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if types != [known]:
                test = " or ".join(_TYPE_TESTS.get(t, "_is_{t}({x})").format(t=t, x=x) for t in types)
                lines.append(f"{ind}if not ({test}):\n{ind}    return False")
            if len(types) == 1:
                known = types[0]
        if "enum" in schema:
            values = schema["enum"]
            if all(isinstance(v, str) for v in values):
                const = self._const(f"frozenset({sorted(values)!r})", "frozenset[str]")
                lines.append(f"{ind}if not (isinstance({x}, str) and {x} in {const}):\n{ind}    return False")
            else:
                const = self._const(repr(values))
                test = f"any(_equal({x}, v) for v in {const})"
                ints = [v for v in values if type(v) is int]
                if ints:  # an exact int is found by hashing; anything else goes through jsonschema's equality
                    exact = self._const(f"frozenset({sorted(ints)!r})", "frozenset[int]")
                    test = f"(type({x}) is int and {x} in {exact}) or {test}"
                lines.append(f"{ind}if not ({test}):\n{ind}    return False")
        if "const" in schema:
            lines.append(f"{ind}if not _equal({x}, {schema['const']!r}):\n{ind}    return False")
        string = []
        if "minLength" in schema:
            string.append(f"len({x}) < {int(schema['minLength'])}")
        if "maxLength" in schema:
            string.append(f"len({x}) > {int(schema['maxLength'])}")
        if "pattern" in schema:
            pat = self._pattern(schema["pattern"])
            string.append(f"{pat}.search({x}) is None")
        if string and known == "string":
            lines.append(f"{ind}if {' or '.join(string)}:\n{ind}    return False")
        elif string and known is None:
            lines.append(f"{ind}if isinstance({x}, str) and ({' or '.join(string)}):\n{ind}    return False")
        number = []
        for key, op in (("minimum", "<"), ("maximum", ">"), ("exclusiveMinimum", "<="), ("exclusiveMaximum", ">=")):
            if key in schema:
                number.append(f"{x} {op} {schema[key]!r}")
        if number and known in ("integer", "number"):
            lines.append(f"{ind}if {' or '.join(number)}:\n{ind}    return False")
        elif number and known is None:
            lines.append(f"{ind}if _is_number({x}) and ({' or '.join(number)}):\n{ind}    return False")
        if known == "array":
            lines.extend(self._array(schema, x, depth))
        elif known is None and (array := self._array(schema, x, depth + 1)):
            lines.append(f"{ind}if isinstance({x}, list):")
            lines.extend(array)
        if known == "object":
            lines.extend(self._object(schema, x, depth))
        elif known is None and (obj := self._object(schema, x, depth + 1)):
            lines.append(f"{ind}if isinstance({x}, dict):")
            lines.extend(obj)
        for sub in schema.get("allOf", []):
            lines.extend(self._schema(sub, x, depth))
        for key, test in (("anyOf", "{n} == 0"), ("oneOf", "{n} != 1")):
            if key in schema:
                subs = [self._sub(s) for s in schema[key]]
                calls = " + ".join(f"{s}({x})" for s in subs)
                lines.append(f"{ind}if {test.format(n=f'({calls})')}:\n{ind}    return False")
        return lines

    def _ref_lines(self, ref: str, x: str, depth: int) -> list[str]:
        """A `$ref` inlined (no call, no lookup per item) unless it recurses; then a call of its function."""
        name = self._ref_name(ref)
        ind = "    " * depth
        if name in self._inlining or len(self._inlining) >= _MAX_INLINE:
            return [f"{ind}if not {self.compile_def(name)}({x}):\n{ind}    return False"]
        self._inlining.append(name)
        try:
            return self._schema(self.document["$defs"][name], x, depth)
        finally:
            self._inlining.pop()

    def _array(self, schema: dict[str, Any], x: str, depth: int) -> list[str]:
        ind = "    " * depth
        lines = []
        if "minItems" in schema:
            lines.append(f"{ind}if len({x}) < {int(schema['minItems'])}:\n{ind}    return False")
        if "maxItems" in schema:
            lines.append(f"{ind}if len({x}) > {int(schema['maxItems'])}:\n{ind}    return False")
        if "items" in schema:
            item = self._fresh("i")
            body = self._schema(schema["items"], item, depth + 1)
            simple = self._simple_string(schema["items"])
            if body and simple is not None and not {"pattern", "minLength", "maxLength"} & set(simple):
                lines.append(f"{ind}if not set(map(type, {x})) <= _STR_ONLY:")
                lines.append(f"{ind}    for {item} in {x}:")
                lines.extend("    " + line.replace("\n", "\n    ") for line in body)
            elif body and simple is not None:
                # Items that are exact strs are checked by C loops (map, or one match over the joined items), no
                # bytecode per item. When that cannot vouch for every item (other types, str subclasses, a
                # failing item), the exact loop below decides.
                checks = [f"set(map(type, {x})) <= _STR_ONLY"]
                if "minLength" in simple:
                    low = int(simple["minLength"])
                    checks.append(f"min(map(len, {x}), default={low}) >= {low}")
                if "maxLength" in simple:
                    checks.append(f"max(map(len, {x}), default=0) <= {int(simple['maxLength'])}")
                if "pattern" in simple:
                    joined = _joinable(simple["pattern"])
                    if joined is not None:
                        name = self._pattern(joined)
                        checks.append(f'{name}.fullmatch("\\n".join({x})) is not None')
                    else:
                        checks.append(f"all(map({self._pattern(simple['pattern'])}.search, {x}))")
                lines.append(f"{ind}if not ({' and '.join(checks)}):")
                lines.append(f"{ind}    for {item} in {x}:")
                lines.extend("    " + line.replace("\n", "\n    ") for line in body)
            elif body:
                lines.append(f"{ind}for {item} in {x}:")
                lines.extend(body)
        return lines

    def _simple_string(self, schema: Any) -> dict[str, Any] | None:
        """The keywords of a string schema checkable item by item in C (type, pattern, lengths), following
        plain `$ref`s; None for anything else."""
        seen = 0
        while isinstance(schema, dict) and set(schema) - _IGNORED == {"$ref"} and seen < _MAX_INLINE:
            schema = self.document["$defs"][self._ref_name(schema["$ref"])]
            seen += 1
        if not isinstance(schema, dict) or schema.get("type") != "string":
            return None
        rest = set(schema) - _IGNORED - {"type", "pattern", "minLength", "maxLength"}
        if rest - ({"format"} if schema.get("format") in _UNCHECKED_FORMATS else set()):
            return None
        return schema

    def _object(self, schema: dict[str, Any], x: str, depth: int) -> list[str]:
        ind = "    " * depth
        lines: list[str] = []
        props: dict[str, Any] = schema.get("properties", {})
        for key in schema.get("required", []):
            lines.append(f"{ind}if {key!r} not in {x}:\n{ind}    return False")
        if "minProperties" in schema:
            lines.append(f"{ind}if len({x}) < {int(schema['minProperties'])}:\n{ind}    return False")
        if "maxProperties" in schema:
            lines.append(f"{ind}if len({x}) > {int(schema['maxProperties'])}:\n{ind}    return False")
        if "propertyNames" in schema:
            key_var = self._fresh("k")
            body = self._schema(schema["propertyNames"], key_var, depth + 1)
            if body:
                lines.append(f"{ind}for {key_var} in {x}:")
                lines.extend(body)
        extra = schema.get("additionalProperties", True)
        if extra is not True:
            names = self._const(f"frozenset({sorted(props)!r})", "frozenset[str]")
            if extra is False:
                lines.append(f"{ind}if not {x}.keys() <= {names}:\n{ind}    return False")
            else:
                key_var, value_var = self._fresh("k"), self._fresh("v")
                body = self._schema(extra, value_var, depth + 2)
                if body:
                    lines.append(f"{ind}for {key_var}, {value_var} in {x}.items():")
                    lines.append(f"{ind}    if {key_var} not in {names}:")
                    lines.extend(body)
        for key, sub in props.items():
            value_var = self._fresh("v")
            body = self._schema(sub, value_var, depth + 1)
            if body:
                lines.append(f"{ind}if {key!r} in {x}:")
                lines.append(f"{ind}    {value_var} = {x}[{key!r}]")
                lines.extend(body)
        return lines

    def _pattern(self, pattern: str) -> str:
        if pattern not in self.patterns:
            self.patterns[pattern] = f"_P{len(self.patterns)}"
        return self.patterns[pattern]

    def _const(self, expr: str, annotation: str = "") -> str:
        # Tables referring to functions are built after every function exists (module end).
        name = f"_C{len(self.constants)}"
        self.constants.append(f"{name}{': ' + annotation if annotation else ''} = {expr}")
        return name


# -- emitting -------------------------------------------------------------------------------------------------


def emit_fastpath(provider: Any, pkg: Path, env: jinja2.Environment, rel: str) -> None:
    """Write ``<pkg>/fastpath.py`` for one provider (XSD: encoders and decoders; JSON Schema: checks)."""
    if provider.format == "xml":
        patterns: dict[str, str] = {}
        classes = xml_classes(pkg / "models.py", provider.id, patterns)
        prove(pkg / provider.schema, classes, patterns)
        # Without a single attribute in the schema, decoders check for attributes once per document.
        attr_free = all(c.supported for c in classes) and not any(
            f.role == "attribute" for c in classes for f in c.fields
        )
        text = env.get_template("fastpath_xml.py.jinja").render(
            p=provider, rel=rel, classes=classes, patterns=patterns, attr_free=attr_free
        )
    else:
        document = json.loads((pkg / provider.schema).read_text(encoding="utf-8"))
        compiler = JsonCompiler(document)
        entries = {name: compiler.compile_def(name) for name in compiler.defs()}
        functions = ["\n".join(lines) for _, lines in sorted(compiler.functions.items(), key=_fn_order)]
        text = env.get_template("fastpath_json.py.jinja").render(
            p=provider,
            rel=rel,
            functions=functions,
            patterns=compiler.patterns,
            constants=compiler.constants,
            entries=entries,
        )
    (pkg / "fastpath.py").write_text(text, encoding="utf-8")


def _fn_order(item: tuple[str, list[str]]) -> tuple[int, str]:
    name = item[0]
    number = re.fullmatch(r"_s(\d+)", name)
    return (1, f"{int(number.group(1)):08d}") if number else (0, name)
