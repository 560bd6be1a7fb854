"""codegen._xsdproof: what it reads from an XSD, and what it refuses to vouch for (left to the XSD at run time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen._fastpath import XmlClass, XmlField
from codegen._xsdproof import Schema, _Unproven, prove

HEAD = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">'


def schema(tmp_path: Path, body: str, head: str = HEAD) -> Path:
    path = tmp_path / "s.xsd"
    path.write_text(f"{head}{body}</xs:schema>", encoding="utf-8")
    return path


def leaf(tag: str, kind: str = "str", *, required: bool = True, type_name: str = "str") -> XmlField:
    return XmlField(tag, tag, "element", kind, type_name, is_list=False, required=required)


def test_a_choice_becomes_a_content_check_and_a_plain_sequence_does_not(tmp_path: Path) -> None:
    path = schema(
        tmp_path,
        """<xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="a" type="xs:string"/>
             <xs:choice><xs:element name="b" type="xs:int"/><xs:element name="c" type="xs:string"/></xs:choice>
           </xs:sequence></xs:complexType></xs:element>
           <xs:complexType name="P"><xs:sequence>
             <xs:element name="a" type="xs:string"/><xs:element name="d" type="xs:string" minOccurs="0" maxOccurs="3"/>
           </xs:sequence></xs:complexType>""",
    )
    r = XmlClass("R", "r", True, fields=[leaf("a"), leaf("b", "int", required=False), leaf("c", required=False)])
    listed = XmlField("d", "d", "element", "str", "str", is_list=True, required=False, min_occurs=0, max_occurs=3)
    p = XmlClass("P", "P", True, fields=[leaf("a"), listed])
    prove(path, [r, p], {})
    assert r.proven and r.root
    assert r.content == "(?:(?:a,)(?:(?:b,)|(?:c,)))"
    assert "x >= -2147483648" in r.fields[1].checks and "x <= 2147483647" in r.fields[1].checks
    assert p.proven and not p.root and p.content is None  # a plain sequence: the fields' checks say it all


def test_facets_down_a_chain_of_restrictions(tmp_path: Path) -> None:
    path = schema(
        tmp_path,
        """<xs:simpleType name="T"><xs:restriction base="xs:string"><xs:pattern value="\\S+"/></xs:restriction>
           </xs:simpleType>
           <xs:simpleType name="U"><xs:restriction base="T"><xs:maxLength value="5"/>
             <xs:pattern value="a.*"/><xs:pattern value="b.*"/></xs:restriction></xs:simpleType>
           <xs:simpleType name="N"><xs:restriction base="xs:nonNegativeInteger"><xs:maxExclusive value="10"/>
           </xs:restriction></xs:simpleType>""",
    )
    s = Schema(path)
    u = s.simple_type("U", s.root)
    assert (u.builtin, u.patterns, u.lengths) == ("string", [["a.*", "b.*"], ["\\S+"]], [("maxLength", 5)])
    n = s.simple_type("N", s.root)
    assert (n.builtin, n.lo, n.hi) == ("nonNegativeInteger", None, 9)
    f = leaf("u")
    patterns: dict[str, str] = {}
    from codegen._xsdproof import _prove_leaf

    _prove_leaf(f, u, patterns)
    assert f.checks == ["len(x) <= 5", "_P0.fullmatch(x) is not None", "_P1.fullmatch(x) is not None"]
    assert list(patterns) == ["(?:a[^\\n\\r]*)|(?:b[^\\n\\r]*)", "[^ \\t\\n\\r]+"]
    g = leaf("n", "int")
    _prove_leaf(g, n, {})
    assert g.checks == ["x >= 0", "x <= 9"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (  # whitespace collapsed before the facets: not what a plain check of the value says
            '<xs:simpleType name="W"><xs:restriction base="xs:string"><xs:whiteSpace value="collapse"/>'
            '<xs:maxLength value="3"/></xs:restriction></xs:simpleType>'
            '<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="W"/></xs:sequence>'
            "</xs:complexType></xs:element>",
            "whiteSpace",
        ),
        (  # a token: collapsed as well
            '<xs:simpleType name="W"><xs:restriction base="xs:token"><xs:maxLength value="3"/></xs:restriction>'
            '</xs:simpleType><xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="W"/>'
            "</xs:sequence></xs:complexType></xs:element>",
            "xs:token",
        ),
        (
            '<xs:element name="r"><xs:complexType><xs:all><xs:element name="a" type="xs:string"/></xs:all>'
            "</xs:complexType></xs:element>",
            "all",
        ),
        (
            '<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="xs:string"/><xs:any/>'
            "</xs:sequence></xs:complexType></xs:element>",
            "any",
        ),
        (
            '<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="xs:string" fixed="x"/>'
            "</xs:sequence></xs:complexType></xs:element>",
            "fixed",
        ),
        (
            '<xs:simpleType name="L"><xs:list itemType="xs:string"/></xs:simpleType><xs:element name="r">'
            '<xs:complexType><xs:sequence><xs:element name="a" type="L"/></xs:sequence></xs:complexType></xs:element>',
            "list",
        ),
        (  # XSD's \\i (an XML name's first character) has no Python equivalent here
            '<xs:simpleType name="I"><xs:restriction base="xs:string"><xs:pattern value="\\i+"/></xs:restriction>'
            '</xs:simpleType><xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="I"/>'
            "</xs:sequence></xs:complexType></xs:element>",
            "pattern not translated",
        ),
        (
            '<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a"><xs:simpleType>'
            '<xs:restriction base="xs:string"/></xs:simpleType></xs:element></xs:sequence></xs:complexType>'
            "</xs:element>",
            "inline type",
        ),
        (  # an identity constraint on the document: not a check of one value
            '<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="xs:string"/>'
            '</xs:sequence></xs:complexType><xs:unique name="u"><xs:selector xpath="a"/><xs:field xpath="."/>'
            "</xs:unique></xs:element>",
            "unique",
        ),
        (  # a choice of nothing: no content satisfies it (a regex of nothing would accept the empty one)
            '<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="xs:string"/>'
            "<xs:choice/></xs:sequence></xs:complexType></xs:element>",
            "empty choice",
        ),
    ],
    ids=[
        "whiteSpace",
        "token",
        "all",
        "any",
        "fixed",
        "list",
        "untranslated pattern",
        "inline type",
        "unique",
        "empty choice",
    ],
)
def test_what_is_not_understood_is_left_to_the_xsd(tmp_path: Path, body: str, why: str) -> None:
    r = XmlClass("R", "r", True, fields=[leaf("a")])
    prove(schema(tmp_path, body), [r], {})
    assert not r.proven
    assert why in r.why_unproven


def test_a_class_holding_an_unproven_one_is_unproven(tmp_path: Path) -> None:
    path = schema(
        tmp_path,
        """<xs:complexType name="In"><xs:sequence><xs:element name="t" type="xs:token"/></xs:sequence>
           </xs:complexType>
           <xs:element name="r"><xs:complexType><xs:sequence><xs:element name="in" type="In"/></xs:sequence>
           </xs:complexType></xs:element>""",
    )
    inner = XmlClass("In", "In", True, fields=[leaf("t")])
    outer = XmlClass("R", "r", True, fields=[leaf("in", "class", type_name="In")])
    prove(path, [inner, outer], {})
    assert not inner.proven and not outer.proven
    assert "holds In" in outer.why_unproven


def test_a_schema_with_a_target_namespace_is_not_read(tmp_path: Path) -> None:
    head = HEAD.replace("<xs:schema ", '<xs:schema targetNamespace="urn:x" ')
    body = '<xs:element name="r"><xs:complexType><xs:sequence/></xs:complexType></xs:element>'
    r = XmlClass("R", "r", True)
    prove(schema(tmp_path, body, head), [r], {})
    assert not r.proven


def test_a_name_from_another_namespace_is_refused(tmp_path: Path) -> None:
    s = Schema(schema(tmp_path, ""))
    with pytest.raises(_Unproven):
        s.simple_type("q:x", s.root)
