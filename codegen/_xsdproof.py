"""What the XSD says that the xsdata models do not, for the compiled XML encoders (issue 14).

xsdata flattens a schema into dataclass fields: an ``xs:choice`` becomes optional fields, the bounds of the
built-in types (``xs:int``, ``xs:long``) are dropped, and a pattern of a base type may be lost. An encoder
compiled from the models alone can therefore write a document the XSD refuses, and the XSD had to validate
every request at run time. Here the XSD itself is read, per generated class:

* the content model of its complex type, as a regular expression over the tags of its child elements
  (``"auth,message,"``), checked by the encoder where the fields' own checks do not already imply it;
* every facet of every leaf's simple type, down its chain of restrictions to the built-in type (patterns,
  lengths, ranges with the built-in's own bounds, enumerations), as plain checks added to the field's.

A class is *proven* when all of that was understood: then the bytes its encoder returns are exactly what the
XSD accepts, and the codec sends them without validating again. Anything not understood (whitespace facets,
``xs:all``, wildcards, fixed values, inline types, lists, unions…) leaves the class unproven, and the XSD keeps
validating its documents at run time. ``tests/sdk/test_fastpath_xml.py`` checks the claim against the XSD for
the samples and for hypothesis-generated models, valid and invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._fastpath import XmlClass, XmlField

__all__ = ["prove"]

XS = "{http://www.w3.org/2001/XMLSchema}"
_XS_NS = XS[1:-1]

#: The integer built-ins and their bounds (inclusive; None: unbounded).
_INTS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}
_FACETS = frozenset(
    {
        "pattern",
        "enumeration",
        "length",
        "minLength",
        "maxLength",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
    }
)


class _Unproven(Exception):
    pass


@dataclass
class _Simple:
    """A simple type's facts: its built-in base and the facets of every restriction step on the way."""

    builtin: str
    #: one list per restriction step (patterns of one step are alternatives, steps all apply)
    patterns: list[list[str]] = field(default_factory=list)
    enumerations: list[list[str]] = field(default_factory=list)
    lengths: list[tuple[str, int]] = field(default_factory=list)
    lo: int | None = None
    hi: int | None = None


def _local(node: Any) -> str:
    tag = node.tag
    return tag[len(XS) :] if isinstance(tag, str) and tag.startswith(XS) else f"?{tag}"


def _children(node: Any) -> list[Any]:
    """The schema children of `node`, annotations (and comments) left out."""
    return [c for c in node if isinstance(c.tag, str) and _local(c) != "annotation"]


def _occurs(node: Any) -> tuple[int, int | None]:
    lo = int(node.get("minOccurs", "1"))
    hi_text = node.get("maxOccurs", "1")
    return lo, None if hi_text == "unbounded" else int(hi_text)


def _quantifier(lo: int, hi: int | None) -> str:
    if (lo, hi) == (1, 1):
        return ""
    if (lo, hi) == (0, 1):
        return "?"
    return f"{{{lo},{'' if hi is None else hi}}}"


class Schema:
    """One XSD without a target namespace (ours): its global elements, types and groups by name."""

    def __init__(self, path: Path) -> None:
        from lxml import etree

        self.root = etree.parse(str(path)).getroot()
        self.usable = self.root.get("targetNamespace") is None and not self.root.findall(XS + "include")
        self.elements = {e.get("name"): e for e in self.root.findall(XS + "element")}
        self.complex = {e.get("name"): e for e in self.root.findall(XS + "complexType")}
        self.simple = {e.get("name"): e for e in self.root.findall(XS + "simpleType")}
        self.groups = {e.get("name"): e for e in self.root.findall(XS + "group")}

    def _name(self, ref: str, node: Any) -> tuple[bool, str]:
        """(whether it is an XSD built-in, its local name) of a QName in an attribute of `node`."""
        prefix, colon, local = ref.rpartition(":")
        namespace = node.nsmap.get(prefix if colon else None)
        if namespace == _XS_NS:
            return True, local
        if namespace is not None:
            raise _Unproven(f"{ref}: a name in another namespace")
        return False, local

    def definition(self, qname: str) -> tuple[Any, bool]:
        """The complex type of a class's qname, and whether a global element of that name has it (then the
        class's documents can stand alone)."""
        element = self.elements.get(qname)
        of_element = None
        if element is not None:
            extra = [_local(c) for c in _children(element) if _local(c) != "complexType"]
            if extra or any(element.get(a) is not None for a in ("fixed", "substitutionGroup", "nillable")):
                raise _Unproven(f"{qname}: a global element with {extra or 'fixed, nillable or a group'}")
            of_element = element.find(XS + "complexType")
            ref = element.get("type")
            if of_element is None and ref:
                builtin, name = self._name(ref, element)
                of_element = None if builtin else self.complex.get(name)
        found = [d for d in (of_element, self.complex.get(qname)) if d is not None]
        if len(found) != 1:
            raise _Unproven(f"{qname}: {'no' if not found else 'more than one'} complex type of that name")
        return found[0], found[0] is of_element

    def simple_type(self, ref: str, node: Any) -> _Simple:
        """The facts of a named simple type (or built-in), down its chain of restrictions."""
        steps: list[Any] = []
        builtin, name = self._name(ref, node)
        while not builtin:
            definition = self.simple.get(name)
            if definition is None:
                raise _Unproven(f"{name}: not a simple type of this schema")
            kids = _children(definition)
            if len(kids) != 1 or _local(kids[0]) != "restriction" or not kids[0].get("base"):
                raise _Unproven(f"{name}: a list, union or restriction of an inline type")
            steps.append(kids[0])
            if len(steps) > 20:
                raise _Unproven(f"{name}: a restriction chain too long")
            builtin, name = self._name(kids[0].get("base"), kids[0])
        facts = _Simple(builtin=name)
        for step in steps:
            patterns: list[str] = []
            enumerations: list[str] = []
            for facet in _children(step):
                kind, value = _local(facet), facet.get("value")
                if kind not in _FACETS or value is None or facet.get("fixed") not in (None, "false"):
                    raise _Unproven(f"a {kind} facet")
                if kind == "pattern":
                    patterns.append(value)
                elif kind == "enumeration":
                    enumerations.append(value)
                elif kind in ("length", "minLength", "maxLength"):
                    facts.lengths.append((kind, int(value)))
                else:
                    bound = int(value)  # a non-integer bound on an integer type is not ours to read
                    if kind == "minInclusive" or kind == "minExclusive":
                        bound += kind == "minExclusive"
                        facts.lo = bound if facts.lo is None else max(facts.lo, bound)
                    else:
                        bound -= kind == "maxExclusive"
                        facts.hi = bound if facts.hi is None else min(facts.hi, bound)
            if patterns:
                facts.patterns.append(patterns)
            if enumerations:
                facts.enumerations.append(enumerations)
        return facts

    def content(self, complex_type: Any) -> tuple[str, list[tuple[str, int, int | None]] | None, dict[str, Any]]:
        """A complex type's element content as a regular expression over ``tag,`` tokens; its elements as
        (tag, min, max) when the content is one plain sequence of elements (else None); and every element
        declaration by tag (the same tag declared twice must have the same type)."""
        if complex_type.get("mixed") in ("true", "1") or complex_type.get("abstract") in ("true", "1"):
            raise _Unproven("mixed or abstract content")
        declarations: dict[str, Any] = {}
        particles = [c for c in _children(complex_type) if _local(c) in ("sequence", "choice", "group", "all")]
        others = [c for c in _children(complex_type) if _local(c) not in ("sequence", "choice", "group", "attribute")]
        if others and [_local(c) for c in others] != ["simpleContent"]:
            raise _Unproven(f"{[_local(c) for c in others]} in a complex type")
        if len(particles) > 1:
            raise _Unproven("more than one content particle")
        if not particles:
            return "", [], declarations
        regex = self._particle(particles[0], declarations, 0)
        flat: list[tuple[str, int, int | None]] | None = None
        top = particles[0]
        if _local(top) == "sequence" and _occurs(top) == (1, 1):
            kids = _children(top)
            if all(_local(k) == "element" for k in kids):
                flat = [(self._element_name(k), *_occurs(k)) for k in kids]
        return regex, flat, declarations

    def _element_name(self, element: Any) -> str:
        if element.get("ref"):
            builtin, name = self._name(element.get("ref"), element)
            if builtin or name not in self.elements:
                raise _Unproven(f"ref {element.get('ref')}")
            return name
        return str(element.get("name"))

    def _particle(self, node: Any, declarations: dict[str, Any], depth: int) -> str:
        if depth > 20:
            raise _Unproven("content nested too deep")
        kind = _local(node)
        lo, hi = _occurs(node)
        if kind == "element":
            target = node
            if node.get("ref"):
                target = self.elements[self._element_name(node)]
            name = self._element_name(node)
            for attr in ("fixed", "substitutionGroup"):
                if target.get(attr) is not None:
                    raise _Unproven(f"element {name}: {attr}")
            if target.get("nillable") in ("true", "1") or target.get("abstract") in ("true", "1"):
                raise _Unproven(f"element {name}: nillable or abstract")
            previous = declarations.setdefault(name, target)
            if previous is not target and (
                previous.get("type") is None
                or previous.get("type") != target.get("type")
                or _children(previous)
                or _children(target)
            ):
                raise _Unproven(f"element {name}: declared twice, not with the same named type")
            inner = re.escape(name) + ","
        elif kind in ("sequence", "choice"):
            parts = [self._particle(c, declarations, depth + 1) for c in _children(node)]
            if kind == "choice" and not parts:  # satisfied by nothing, not by emptiness
                raise _Unproven("an empty choice")
            inner = "".join(parts) if kind == "sequence" else "|".join(parts)
        elif kind == "group":
            builtin, name = self._name(node.get("ref") or "", node)
            group = self.groups.get(name)
            if builtin or group is None or len(_children(group)) != 1:
                raise _Unproven(f"group {node.get('ref')}")
            inner = self._particle(_children(group)[0], declarations, depth + 1)
        else:
            raise _Unproven(f"an {kind} particle")
        return f"(?:{inner}){_quantifier(lo, hi)}"


# -- per class ------------------------------------------------------------------------------------------------


def prove(schema_path: Path, classes: list[XmlClass], patterns: dict[str, str]) -> None:
    """Set `proven`, `root` and `content` of every class, adding the XSD's facets to its fields' checks."""
    schema = Schema(schema_path)
    by_name = {c.name: c for c in classes}
    definitions: dict[str, Any] = {}
    #: (class, element tag) -> the complex type the element's declaration names (for fields holding a class)
    element_types: dict[tuple[str, str], Any] = {}
    for desc in classes:
        if not desc.supported:
            desc.why_unproven = "not compiled"
            continue
        if not schema.usable:
            desc.why_unproven = "a schema with a target namespace or includes"
            continue
        try:
            definition, desc.root = schema.definition(desc.qname)
            definitions[desc.name] = definition
            _prove_class(schema, desc, definition, patterns, element_types)
        except (_Unproven, ValueError) as exc:
            desc.why_unproven = str(exc) or type(exc).__name__
            desc.content = None
        else:
            desc.proven = True
    # A class is proven only with every class it holds, which must be the type its element declares.
    changed = True
    while changed:
        changed = False
        for desc in classes:
            if not desc.proven:
                continue
            for f in desc.fields:
                if f.kind != "class":
                    continue
                held = by_name.get(f.type_name)
                declared = element_types.get((desc.name, f.tag))
                if held is None or not held.proven or definitions.get(held.name) is not declared:
                    desc.proven, desc.why_unproven = False, f"holds {f.type_name} (unproven or another type)"
                    changed = True
                    break


def _prove_class(
    schema: Schema,
    desc: XmlClass,
    definition: Any,
    patterns: dict[str, str],
    element_types: dict[tuple[str, str], Any],
) -> None:
    regex, flat, declarations = schema.content(definition)
    elements = [f for f in desc.fields if f.role == "element"]
    if {f.tag for f in elements} != set(declarations) or len(elements) != len(declarations):
        raise _Unproven(f"fields {sorted(f.tag for f in elements)} vs elements {sorted(declarations)}")
    model = [(f.tag, *_field_occurs(f)) for f in elements]
    desc.content = None if flat == model else regex
    for f in elements:
        declaration = declarations[f.tag]
        if _children(declaration):
            raise _Unproven(f"element {f.tag}: an inline type")
        ref = declaration.get("type")
        if ref is None:
            raise _Unproven(f"element {f.tag}: no type")
        if f.kind == "class":
            builtin, name = schema._name(ref, declaration)
            if builtin or name not in schema.complex:
                raise _Unproven(f"element {f.tag}: not a named complex type")
            element_types[(desc.name, f.tag)] = schema.complex[name]
        else:
            _prove_leaf(f, schema.simple_type(ref, declaration), patterns)
    _prove_attributes_and_text(schema, desc, definition, patterns)


def _field_occurs(f: XmlField) -> tuple[int, int | None]:
    if f.is_list:
        return f.min_occurs, f.max_occurs
    return (1, 1) if f.required else (0, 1)


def _prove_attributes_and_text(schema: Schema, desc: XmlClass, definition: Any, patterns: dict[str, str]) -> None:
    holder = definition
    texts = [f for f in desc.fields if f.role == "text"]
    simple_content = definition.find(XS + "simpleContent")
    if simple_content is not None:
        kids = _children(simple_content)
        if len(kids) != 1 or _local(kids[0]) != "extension" or not kids[0].get("base"):
            raise _Unproven("simple content that is not an extension of a named type")
        holder = kids[0]
        if len(texts) != 1:
            raise _Unproven("simple content without one text field")
        _prove_leaf(texts[0], schema.simple_type(holder.get("base"), holder), patterns)
        if any(_local(c) != "attribute" for c in _children(holder)):
            raise _Unproven("an extension holding more than attributes")
    elif texts:
        raise _Unproven("a text field without simple content")
    attributes = {a.get("name"): a for a in holder.findall(XS + "attribute")}
    fields = {f.tag: f for f in desc.fields if f.role == "attribute"}
    if set(attributes) != set(fields) or None in attributes:
        raise _Unproven(f"attributes {sorted(fields)} vs {sorted(map(str, attributes))}")
    for name, attribute in attributes.items():
        f = fields[name]
        if attribute.get("fixed") is not None or attribute.get("use") == "prohibited" or _children(attribute):
            raise _Unproven(f"attribute {name}: fixed, prohibited or an inline type")
        if (attribute.get("use") == "required") != f.required:
            raise _Unproven(f"attribute {name}: required in one and not the other")
        _prove_leaf(f, schema.simple_type(attribute.get("type") or "xs:anySimpleType", attribute), patterns)


def _prove_leaf(f: XmlField, facts: _Simple, patterns: dict[str, str]) -> None:
    """Add the simple type's facets to the field's checks; refuse what a check cannot say exactly."""
    from ._fastpath import xsd_pattern

    def pattern_check(step: list[str], subject: str) -> str:
        translated = [xsd_pattern(p) for p in step]
        if any(t is None for t in translated):
            raise _Unproven(f"{f.tag}: a pattern not translated ({step})")
        joined = "|".join(f"(?:{t})" for t in translated) if len(translated) > 1 else str(translated[0])
        name = patterns.setdefault(joined, f"_P{len(patterns)}")
        return f"{name}.fullmatch({subject}) is not None"

    checks: list[str] = []
    if f.kind == "str":
        if facts.builtin != "string" or facts.enumerations or facts.lo is not None or facts.hi is not None:
            raise _Unproven(f"{f.tag}: a string field of type xs:{facts.builtin} or with a range")
        ops = {"length": "==", "minLength": ">=", "maxLength": "<="}
        checks += [f"len(x) {ops[kind]} {value}" for kind, value in facts.lengths]
        checks += [pattern_check(step, "x") for step in facts.patterns]
    elif f.kind == "int":
        if facts.builtin not in _INTS or facts.lengths or facts.enumerations:
            raise _Unproven(f"{f.tag}: an integer field of type xs:{facts.builtin} or with lengths or values")
        lo, hi = _INTS[facts.builtin]
        lo = facts.lo if lo is None else (lo if facts.lo is None else max(lo, facts.lo))
        hi = facts.hi if hi is None else (hi if facts.hi is None else min(hi, facts.hi))
        checks += [] if lo is None else [f"x >= {lo}"]
        checks += [] if hi is None else [f"x <= {hi}"]
        checks += [pattern_check(step, "str(x)") for step in facts.patterns]
    elif f.kind == "enum":
        if facts.patterns or facts.lengths or not facts.enumerations:
            raise _Unproven(f"{f.tag}: an enumeration with other facets")
        for value in f.enum_values:
            if f.enum_str:
                if facts.builtin not in ("string", "token") or (
                    facts.builtin == "token" and value != " ".join(value.split())
                ):
                    raise _Unproven(f"{f.tag}: a string enumeration of xs:{facts.builtin}")
                if any(value not in step for step in facts.enumerations):
                    raise _Unproven(f"{f.tag}: {value!r} is not one of the schema's values")
            else:
                lo, hi = _INTS.get(facts.builtin, (0, -1))
                number = int(value)
                if (lo is not None and number < lo) or (hi is not None and number > hi):
                    raise _Unproven(f"{f.tag}: {value} out of xs:{facts.builtin}")
                if any(number not in {int(v) for v in step} for step in facts.enumerations):
                    raise _Unproven(f"{f.tag}: {value} is not one of the schema's values")
    else:
        raise _Unproven(f"{f.tag}: a {f.kind} leaf")
    f.checks += [c for c in checks if c not in f.checks]
