"""schemas/smsleads: the hand-written XSD, its samples, errors.toml, and the dataclasses xsdata makes of it.

Every example of seed 002 (the SMSLeads API page) is kept as published; the broken ones are named
`-malformed` and must really fail (strict parsing or the XSD), and their `fixed-` twin must validate. The
sets below (commands, result codes) are written out by hand from seed 002, so that the schema, the table and
the page cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import keyword
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lxml import etree

from codegen._manifest import CATEGORIES, STATES

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "schemas" / "smsleads"
XSD_PATH = PROVIDER / "smsleads.xsd"
SAMPLES_DIR = PROVIDER / "samples"
README = SAMPLES_DIR / "README.md"
XS = "{http://www.w3.org/2001/XMLSchema}"

# The 19 commands of seed 002, by root element name (getBlanceSubs is misspelt on purpose: it is the real name).
COMMANDS = frozenset(
    {
        "sms",
        "bulk",
        "balance",
        "dlr",
        "dlrByDate",
        "incoming",
        "blacklist",
        "rmNumBL",
        "addSub",
        "updateAmountSub",
        "getBlanceSubs",
        "newCL",
        "removeCL",
        "addNumCL",
        "rmNumCL",
        "getCL",
        "getCLbyID",
        "cancel",
        "verify_phone",
    }
)
# The page shows a reply for every command but these two.
COMMANDS_WITHOUT_DOCUMENTED_REPLY = frozenset({"dlrByDate", "addNumCL"})

# Seed 002, "3. Error codes": every status of the table, copied by hand.
SEED_RESULT_CODES = frozenset(
    {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}
    | {"502", "503", "504", "510", "511"}
    | {"933", "944", "955", "966", "977", "986"}
    | {"988", "989", "990", "991", "992", "993", "994", "995", "996", "997", "998", "999"}
)


# The defect names of samples/README.md: each names a repair rule.
DEFECTS = frozenset(
    {
        "unclosed-shipment-id",
        "rootless-reply",
        "bulk-reply-root-sms",
        "verify-message-field",
        "whitespace-in-values",
        "missing-phone-open-tag",
        "leading-whitespace",
        "placeholder-id",
    }
)

SAMPLES = sorted(SAMPLES_DIR.glob("*.xml"))
MALFORMED = [p for p in SAMPLES if p.stem.endswith("-malformed")]
VALID = [p for p in SAMPLES if not p.stem.endswith("-malformed")]
NAME = re.compile(r"(?:seed002|fixed|ours)-(?:(?:php1|php2|csharp)-)?(?P<command>[A-Za-z_]+)-(?P<rest>.+)")

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=False)
SCHEMA = etree.XMLSchema(etree.parse(str(XSD_PATH), PARSER))


def parse(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes(), PARSER)


def twin_of(path: Path) -> Path:
    """seed002-<rest>-malformed.xml -> fixed-<rest>.xml"""
    rest = path.name.removeprefix("seed002-").removesuffix("-malformed.xml")
    return path.with_name(f"fixed-{rest}.xml")


def ids(path: Path) -> str:
    return path.name


# ----------------------------------------------------------------------------------------------- the XSD


def test_xsd_compiles_and_declares_one_global_root_per_command() -> None:
    tree = etree.parse(str(XSD_PATH), PARSER)
    etree.XMLSchema(tree)
    roots = [str(el.get("name")) for el in tree.getroot().iterchildren(f"{XS}element")]
    assert sorted(roots) == sorted(COMMANDS)
    for el in tree.getroot().iterchildren(f"{XS}element"):
        # an anonymous complexType, so that xsdata names the class after the command
        assert el.get("type") is None and el.find(f"{XS}complexType") is not None, el.get("name")
        assert el.find(f"{XS}annotation/{XS}documentation") is not None, el.get("name")


def test_every_element_of_the_xsd_is_documented() -> None:
    tree = etree.parse(str(XSD_PATH), PARSER)
    missing = [
        el.get("name")
        for el in tree.getroot().iter(f"{XS}element")
        if el.find(f"{XS}annotation/{XS}documentation") is None
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("xml", "valid"),
    [
        (
            "<sms><user><username>u</username></user><source>ABCDEFGHIJK</source><destinations/>"
            "<message>hi</message></sms>",
            True,
        ),
        (
            "<sms><user><username>u</username></user><source>ABCDEFGHIJKL</source><destinations/>"
            "<message>hi</message></sms>",
            False,
        ),  # source > 11 characters
        (
            "<sms><user><username>u</username></user><source>Demo+API</source><destinations/>"
            "<message>hi</message></sms>",
            False,
        ),  # source: digits and English letters only
        (
            "<sms><user><username>u</username></user><source>Demo</source><destinations/>"
            "<message>hi</message><add_unsubscribe>1</add_unsubscribe></sms>",
            False,
        ),  # not 0, 2 or 3
        (
            "<sms><user><username>u</username></user><source>Demo</source><destinations/>"
            "<message>hi</message><timing>2021-03-30 10:10</timing></sms>",
            False,
        ),  # not dd/mm/yy hh:mm
        (
            "<sms><user><username>u</username></user><source>Demo</source><destinations/>"
            "<message>hi</message><timing>31/12/21 23:59</timing></sms>",
            True,
        ),
        ("<sms><status>OK</status><message/></sms>", False),  # status codes are integers
        ("<sms><message>hi</message></sms>", False),  # neither a request head nor a reply head
        (
            "<updateAmountSub><user><username>u</username></user><userDetails><username>s</username>"
            "<password>p</password><amount>7e4</amount></userDetails></updateAmountSub>",
            False,
        ),  # digits only
        (
            "<updateAmountSub><user><username>u</username></user><userDetails><username>s</username>"
            "<password>p</password><amount>70000</amount></userDetails></updateAmountSub>",
            True,
        ),
        (
            "<newCL><user><username>u</username></user><cl><name>n</name><destinations><destination>"
            "<phone>0501234567</phone><df6>x</df6></destination></destinations></cl></newCL>",
            True,
        ),
        (
            "<newCL><user><username>u</username></user><cl><name>n</name><destinations><destination>"
            "<phone>0501234567</phone><df7>x</df7></destination></destinations></cl></newCL>",
            False,
        ),  # df1..df6
        (
            "<dlr><user><username>u</username></user><transactions>"
            + "<external_id>x</external_id>" * 1000
            + "</transactions><from>01/01/21 00:00</from><to>01/01/21 23:59</to></dlr>",
            True,
        ),
        (
            "<dlr><user><username>u</username></user><transactions>"
            + "<external_id>x</external_id>" * 1001
            + "</transactions><from>01/01/21 00:00</from><to>01/01/21 23:59</to></dlr>",
            False,
        ),  # max 1000
        ("<rmNumBL><status>944</status><message>1 deleted</message></rmNumBL>", True),
        (
            "<dlrByDate><user><username>u</username></user><transactions><external_id>x</external_id>"
            "</transactions><from>01/01/21 00:00</from><to>01/01/21 23:59</to></dlrByDate>",
            False,
        ),  # "null"
    ],
)
def test_documented_limits_are_facets(xml: str, valid: bool) -> None:
    assert SCHEMA.validate(etree.fromstring(xml.encode(), PARSER)) is valid, SCHEMA.error_log


# ------------------------------------------------------------------------------------------- the samples


def test_sample_names_and_coverage() -> None:
    names = {p.name for p in SAMPLES}
    for path in SAMPLES:
        match = NAME.fullmatch(path.stem)
        assert match, f"{path.name}: not seed002-/fixed-/ours-<command>-…"
        assert (
            match["command"].split("-")[0] in COMMANDS
            or path.name.startswith("seed002-envelope-")
            or (path.name.startswith("fixed-envelope-"))
        ), path.name
    # every documented request, and every documented reply, has its sample
    for command in COMMANDS:
        assert any(n.startswith(f"seed002-{command}-request") for n in names), command
        if command not in COMMANDS_WITHOUT_DOCUMENTED_REPLY:
            assert any(n.startswith(f"seed002-{command}-") and "-response" in n for n in names), command
    for extra in (
        "php1-sms-request-malformed",
        "php2-sms-request",
        "csharp-sms-request",
        "envelope-response-malformed",
    ):
        assert f"seed002-{extra}.xml" in names
    for ours in ("ours-newCL-partial-response.xml", "ours-dlr-response.xml", "ours-getCL-response.xml"):
        assert ours in names


def test_every_fixed_sample_has_a_malformed_original() -> None:
    originals = {twin_of(p).name for p in MALFORMED}
    assert {p.name for p in SAMPLES if p.name.startswith("fixed-")} == originals


def test_readme_lists_every_sample_and_names_the_defects() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    for path in SAMPLES:
        rows = [line for line in lines if line.startswith(f"| `{path.name}` |")]
        assert len(rows) == 1, f"README.md: one row for {path.name}"
        named = {d for d in DEFECTS if f"`{d}`" in rows[0]}
        if path in MALFORMED:
            assert named, f"README.md: {path.name} names no defect"
        else:
            assert not named, f"README.md: {path.name} is not malformed but names a defect"


@pytest.mark.parametrize("path", VALID, ids=ids)
def test_valid_sample_validates(path: Path) -> None:
    root = parse(path)
    assert SCHEMA.validate(root), SCHEMA.error_log
    assert root.tag in COMMANDS


@pytest.mark.parametrize("path", MALFORMED, ids=ids)
def test_malformed_sample_is_really_malformed_and_its_twin_validates(path: Path) -> None:
    try:
        root = parse(path)
    except etree.XMLSyntaxError:
        pass
    else:
        assert not SCHEMA.validate(root), f"{path.name} is well-formed and valid: not malformed"
    twin = twin_of(path)
    assert twin.is_file(), twin.name
    assert SCHEMA.validate(parse(twin)), SCHEMA.error_log


def test_each_named_defect_alone_breaks_the_sample() -> None:
    # bulk-reply-root-sms: with only the shipment_id closed, the <sms> root still does not fit
    bulk = (SAMPLES_DIR / "seed002-bulk-response-malformed.xml").read_bytes()
    closed = re.sub(rb"<shipment_id>([^<]*)<shipment_id>", rb"<shipment_id>\1</shipment_id>", bulk)
    assert not SCHEMA.validate(etree.fromstring(closed, PARSER))
    # placeholder-id: with only the whitespace trimmed, <id>xxxxx</id> is still not a contact-list id
    by_id = (SAMPLES_DIR / "seed002-getCLbyID-request-malformed.xml").read_bytes()
    assert not SCHEMA.validate(etree.fromstring(by_id.replace(b" xxxxxx ", b"xxxxxx"), PARSER))
    # the fixed twins differ from the page only where a defect was
    dlr = (SAMPLES_DIR / "seed002-dlr-response-malformed.xml").read_text(encoding="utf-8")
    repaired = re.sub(r"<shipment_id>([^<]*)<shipment_id>", r"<shipment_id>\1</shipment_id>", dlr)
    repaired = re.sub(r"<he_message>\s*(.*?)\s*</he_message>", r"<he_message>\1</he_message>", repaired)
    assert repaired == (SAMPLES_DIR / "fixed-dlr-response.xml").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------- errors.toml


@pytest.fixture(scope="module")
def errors() -> dict[str, Any]:
    with (PROVIDER / "errors.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_errors_rows_are_complete(errors: dict[str, Any]) -> None:
    assert errors["provider"] == "smsleads"
    assert errors["codes"]
    for code, row in errors["codes"].items():
        assert code.isdigit(), code
        assert row["category"] in CATEGORIES, code
        assert isinstance(row["description"], str) and row["description"].strip(), code
        assert isinstance(row["retryable"], bool), code
        assert isinstance(row["not_sent"], bool), code
        ops = row["operations"]
        assert isinstance(ops, list) and ops and set(ops) <= COMMANDS, code
        assert not set(row) - {"category", "description", "retryable", "not_sent", "operations"}, code


def _success_codes(errors: dict[str, Any]) -> dict[str, set[str]]:
    """Command -> the codes that mean success for it ("*" = the default for every command)."""
    success = errors["success"]
    out = {"*": set(success["codes"])}
    for command, table in success.items():
        if isinstance(table, dict) and command != "descriptions":
            assert command in COMMANDS, command
            out[command] = out["*"] | set(table["codes"])
            assert set(table["descriptions"]) == set(table["codes"]), command
    assert set(success["descriptions"]) == set(success["codes"])
    return out


def test_errors_and_success_cover_exactly_the_seed_table(errors: dict[str, Any]) -> None:
    success = _success_codes(errors)
    assert success["*"] == {"0"}
    assert success["rmNumBL"] == {"0", "944"}
    every_success = set().union(*success.values())
    assert not every_success & set(errors["codes"]), "a success code is also an error row"
    assert set(errors["codes"]) | every_success == SEED_RESULT_CODES
    assert "933" in errors["codes"] and errors["codes"]["933"]["operations"] == ["rmNumBL"]


def test_statuses(errors: dict[str, Any]) -> None:
    statuses = errors["statuses"]
    assert statuses["102"]["state"] == "delivered"  # the only DLR code seed 002 shows
    names = []
    for code, row in statuses.items():
        assert re.fullmatch(r"-?[0-9]+", code), code
        assert row["state"] in STATES, code
        assert isinstance(row["description"], str) and row["description"].strip(), code
        name = row.get("name", code)
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name) and not keyword.iskeyword(name), code
        names.append(name)
    assert len(names) == len(set(names)), "status names must be unique"


# ------------------------------------------------------------------------------- binding with xsdata


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The dataclasses `xsdata generate` makes of the XSD, as `python -m codegen` runs it."""
    xsdata = Path(sys.executable).parent / "xsdata"
    if not xsdata.exists():
        pytest.skip("the xsdata CLI is not installed next to this interpreter")
    out = tmp_path_factory.mktemp("smsleads_xsdata")
    package = "smsleads_schema_models"
    proc = subprocess.run(
        [str(xsdata), "generate", str(XSD_PATH), "--package", package, "--structure-style", "single-package"],
        cwd=out,
        env={**os.environ, "PATH": f"{xsdata.parent}{os.pathsep}{os.environ.get('PATH', '')}"},  # it runs ruff
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    spec = importlib.util.spec_from_file_location(package, out / f"{package}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    spec.loader.exec_module(module)
    return module


def _roots(models: ModuleType) -> dict[str, type]:
    out: dict[str, type] = {}
    for value in vars(models).values():
        meta = getattr(value, "Meta", None)
        if (
            isinstance(value, type)
            and dataclasses.is_dataclass(value)
            and meta is not None
            and getattr(meta, "name", None)
        ):
            out[meta.name] = value
    return out


def test_generated_class_names(models: ModuleType) -> None:
    assert {tag: cls.__name__ for tag, cls in _roots(models).items()} == {
        "sms": "Sms",
        "bulk": "Bulk",
        "balance": "Balance",
        "dlr": "Dlr",
        "dlrByDate": "DlrByDate",
        "incoming": "Incoming",
        "blacklist": "Blacklist",
        "rmNumBL": "RmNumBl",
        "addSub": "AddSub",
        "updateAmountSub": "UpdateAmountSub",
        "getBlanceSubs": "GetBlanceSubs",
        "newCL": "NewCl",
        "removeCL": "RemoveCl",
        "addNumCL": "AddNumCl",
        "rmNumCL": "RmNumCl",
        "getCL": "GetCl",
        "getCLbyID": "GetClbyId",
        "cancel": "Cancel",
        "verify_phone": "VerifyPhone",
    }
    names = [n for n, v in vars(models).items() if isinstance(v, type) and v.__module__ == models.__name__]
    assert not [n for n in names if re.search(r"(Type|\d)$", n)], "no Type1-style duplicates"
    # one field per child name: no list[...] merged from a request and a reply particle of the same name
    for cls in _roots(models).values():
        for f in dataclasses.fields(cls):
            if f.name in {"message", "status", "transactions", "add_unsubscribe"}:
                assert "max_occurs" not in f.metadata, (cls.__name__, f.name)


@pytest.fixture(scope="session")
def bind(models: ModuleType) -> Any:
    from xsdata.formats.dataclass.context import XmlContext
    from xsdata.formats.dataclass.parsers import XmlParser
    from xsdata.formats.dataclass.parsers.config import ParserConfig
    from xsdata.formats.dataclass.serializers import XmlSerializer
    from xsdata.formats.dataclass.serializers.config import SerializerConfig

    context = XmlContext()
    parser = XmlParser(
        context=context, config=ParserConfig(fail_on_converter_warnings=True, fail_on_unknown_properties=True)
    )
    serializer = XmlSerializer(context=context, config=SerializerConfig(xml_declaration=True, encoding="UTF-8"))
    roots = _roots(models)

    def bind(root: etree._Element) -> tuple[Any, bytes]:
        obj: Any = parser.parse(root, roots[root.tag])
        return obj, serializer.render(obj).encode("utf-8")

    return bind


@pytest.mark.parametrize("path", VALID, ids=ids)
def test_valid_sample_binds_and_round_trips(path: Path, bind: Any) -> None:
    obj, rendered = bind(parse(path))
    again = etree.fromstring(rendered, PARSER)
    assert SCHEMA.validate(again), SCHEMA.error_log
    assert bind(again)[0] == obj


def test_bound_values_are_typed(bind: Any, models: ModuleType) -> None:
    def load(name: str) -> Any:
        return bind(parse(SAMPLES_DIR / name))[0]

    send = load("seed002-sms-request.xml")
    assert send.user.username == "JohnDoe" and send.source == "DemoAPI"
    assert send.destinations.cl_id == [21518, 21500]
    phones = [(p.id, p.value) for p in send.destinations.phone]
    assert [i for i, _ in phones] == ["external id1", "external id2", None, ""]  # "" / None: no DLR tracking
    assert {v for _, v in phones} == {"5xxxxxxxx"}
    assert isinstance(send.add_unsubscribe, enum.Enum) and send.add_unsubscribe.value == 0
    assert send.add_dynamic == 0 and send.timing == "30/03/21 10:10" and send.status is None

    reply = load("fixed-sms-response.xml")
    assert (reply.status, reply.message, reply.shipment_id, reply.user) == (0, "SMS will be sent", "xxxxxxx", None)

    balance = load("seed002-balance-response.xml")
    assert (balance.status, balance.balance) == (0, 42)

    dlr = load("ours-dlr-response.xml")
    codes = [(t.status, t.he_message, t.en_message) for t in dlr.transactions.transaction]
    assert codes[0] == (102, "הגיע ליעד", "Delivered") and codes[-1][0] == -1
    assert load("seed002-dlr-request.xml").transactions.external_id == ["some id 1", "some id 2"]

    rm = load("fixed-rmNumBL-success-response.xml")
    assert rm.status == 944

    partial = load("ours-newCL-partial-response.xml")
    assert partial.status == 0 and len(partial.errors.error) == 2 and partial.identifiers.identifier == [17419, 17420]

    lists = load("ours-getCL-response.xml")
    assert sorted({row.cl_id for row in lists.contact_lists.contact_list}) == [21500, 21518]

    subs = load("fixed-getBlanceSubs-response.xml")
    assert [(b.amount, b.name) for b in subs.balances.balance] == [(80, "name1"), (50, "name2")]

    verify = load("fixed-verify_phone-response.xml")
    assert "verification link" in verify.message


def test_a_string_status_does_not_bind(bind: Any) -> None:
    from xsdata.exceptions import ConverterWarning, ParserError

    with pytest.raises((ParserError, ConverterWarning)):
        bind(etree.fromstring(b"<balance><status>OK</status><message/></balance>", PARSER))
