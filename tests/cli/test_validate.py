"""`smsgate validate`: XML against the XSD, JSON against the JSON Schema, hostile documents refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("typer")

from tests.cli._support import (
    CANARY,
    KEY_CANARY,
    assert_no_secret,
    run,
)
from tests.schemas.test_smsc_schema import DEFINITION_OF as SMSC_DEFINITION_OF
from tests.schemas.test_smsclub_schema import DEFINITION_OF as SMSCLUB_DEFINITION_OF

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "schemas" / "letsads" / "samples").glob("*.xml"))
SMSLEADS_SAMPLES = sorted((ROOT / "schemas" / "smsleads" / "samples").glob("*.xml"))
JSON_SAMPLES = [("smsclub", name, d) for name, d in sorted(SMSCLUB_DEFINITION_OF.items())] + [
    ("smsc", name, d) for name, d in sorted(SMSC_DEFINITION_OF.items())
]


# --- validate -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_validate_accepts_every_sample(sample: Path) -> None:
    result = run(["validate", str(sample)])
    assert result.exit_code == 0, result.output
    assert "valid LetsAds" in result.stdout


def test_validate_reads_stdin() -> None:
    data = (ROOT / "schemas/letsads/samples/seed001-status-response.xml").read_text("utf-8")
    result = run(["validate", "-", "--provider", "letsads"], stdin=data)
    assert result.exit_code == 0, result.output
    assert "<stdin>: valid" in result.stdout


BAD_REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<request>
<auth>
<login>+380501234567</login>
<password>p1a2s3s4</password>
</auth>
<message>
<from>ThisSenderIsTooLong</from>
<text></text>
<recipient>380501234567</recipient>
<recipient>12</recipient>
<extra/>
</message>
</request>
"""


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad-send.xml"
    path.write_text(BAD_REQUEST, "utf-8")
    return path


def test_validate_names_line_element_and_facet(bad_file: Path) -> None:
    result = run(["validate", str(bad_file)])
    assert result.exit_code == 1
    out = result.stdout
    assert "5 problem(s)" in out
    assert "<request>" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0].isdigit()}
    assert set(rows) == {"4", "8", "9", "11", "12"}
    assert "login" in rows["4"] and "pattern" in rows["4"]
    assert "from" in rows["8"] and "maxLength" in rows["8"]
    assert "text" in rows["9"] and "minLength" in rows["9"]
    assert "recipient" in rows["11"] and "'12'" in rows["11"]
    assert "extra" in rows["12"] and "not expected" in rows["12"]


def test_validate_json(bad_file: Path) -> None:
    result = run(["validate", str(bad_file), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["verdict"] == "invalid"
    assert data["root"] == "request"
    problems = data["problems"]
    assert [p["line"] for p in problems] == [4, 8, 9, 11, 12]
    assert problems[0] == {
        "line": 4,
        "element": "login",
        "facet": "pattern",
        "message": "The value '+380501234567' is not accepted by the pattern '[0-9]{7,15}'.",
    }
    assert problems[1]["facet"] == "maxLength"


def test_validate_response_with_an_unknown_name(tmp_path: Path) -> None:
    path = tmp_path / "reply.xml"
    path.write_text("<response>\n<name>Done</name>\n<sms_id>0</sms_id>\n</response>\n", "utf-8")
    result = run(["validate", str(path), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["line"], p["element"], p["facet"]) for p in problems] == [
        (2, "name", "enumeration"),
        (3, "sms_id", "minInclusive"),
    ]


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        "<response><name>&b;</name></response>\n",
        # external entity (XXE)
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<response><name>Error</name><description>&x;</description></response>\n",
        # a bare DOCTYPE
        '<!DOCTYPE response SYSTEM "http://example.com/evil.dtd">\n<response><name>Balance</name></response>\n',
    ],
    ids=["billion-laughs", "xxe", "external-dtd"],
)
def test_validate_refuses_hostile_xml(tmp_path: Path, document: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(document, "utf-8")
    result = run(["validate", str(path)])
    assert result.exit_code == 1
    assert "refused" in result.stdout
    assert "DOCTYPE" in result.stdout
    assert "passwd" not in result.stdout.replace(str(path), "")
    as_json = run(["validate", str(path), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["verdict"] == "refused"


def test_validate_malformed_xml_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "truncated.xml"
    path.write_text("<response>\n<name>Complete</name>\n<sms_id>63", "utf-8")
    result = run(["validate", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "malformed"
    assert data["problems"][0]["line"] == 3
    text = run(["validate", str(path)])
    assert "not well-formed XML: line 3" in text.stdout


def test_validate_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["validate", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


# --- validate: SMSLeads (XML) and the JSON providers ------------------------------------------------------


@pytest.mark.parametrize("sample", SMSLEADS_SAMPLES, ids=[p.name for p in SMSLEADS_SAMPLES])
def test_validate_every_smsleads_sample(sample: Path) -> None:
    result = run(["validate", "-p", "smsleads", str(sample), "--json"])
    data = json.loads(result.stdout)
    if "-malformed" in sample.name:
        assert result.exit_code == 1
        assert data["verdict"] in ("invalid", "malformed")
        assert data["problems"] and all(p["message"] for p in data["problems"])
    else:
        assert result.exit_code == 0, result.output
        assert data["valid"] is True
        assert data["format"] == "xml"
        assert run(["validate", "-p", "smsleads", str(sample)]).stdout.startswith(f"{sample}: valid SMSLeads <")


def test_validate_smsleads_names_line_element_and_facet(tmp_path: Path) -> None:
    path = tmp_path / "sms.xml"
    path.write_text(
        "<sms>\n<user><username>JohnDoe</username></user>\n<source>Too-Long-Sender-Name</source>\n"
        "<destinations><phone>0502345678</phone></destinations>\n<message>Hi</message>\n<bogus/>\n</sms>\n",
        "utf-8",
    )
    result = run(["validate", "-p", "smsleads", str(path), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert problems, result.stdout
    assert all(isinstance(p["line"], int) for p in problems)
    assert any(p["element"] == "source" for p in problems) or any(p["element"] == "bogus" for p in problems)


def test_validate_refuses_hostile_smsleads_xml(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<balance>&x;</balance>\n',
        "utf-8",
    )
    result = run(["validate", "-p", "smsleads", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verdict"] == "refused"
    assert "root:" not in result.stdout


@pytest.mark.parametrize(("provider", "name", "definition"), JSON_SAMPLES, ids=[f"{p}-{n}" for p, n, _ in JSON_SAMPLES])
def test_validate_every_json_sample(provider: str, name: str, definition: str) -> None:
    path = ROOT / "schemas" / provider / "samples" / name
    auto = run(["validate", "-p", provider, str(path), "--json"])
    data = json.loads(auto.stdout)
    assert data["format"] == "json"
    if "-malformed" in name:
        assert auto.exit_code == 1
        assert data["verdict"] == "malformed"
        (problem,) = data["problems"]
        assert isinstance(problem["line"], int) and isinstance(problem["column"], int)
        return
    assert auto.exit_code == 0, auto.output
    assert data["valid"] is True
    assert definition in data["matches"]  # some replies are valid as several definitions: all are listed
    assert data["definition"] == data["matches"][0]
    asked = run(["validate", "-p", provider, str(path), "--definition", definition, "--json"])
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout)["definition"] == definition


SMSCLUB_BAD_SEND = '{"src_addr": "VashZakaz", "phone": ["380501234567", "12"], "extra": 1}'


def test_validate_json_finds_the_closest_definition_and_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "send.json"
    path.write_text(SMSCLUB_BAD_SEND, "utf-8")
    result = run(["validate", "-p", "smsclub", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["valid"], data["verdict"], data["definition"], data["matches"]) == (
        False,
        "invalid",
        "SendRequest",
        [],
    )
    assert data["candidates"][0] == {"definition": "SendRequest", "problems": 3}
    assert {c["definition"] for c in data["candidates"]} >= {"SendRequest", "StatusRequest", "BalanceResponse"}
    assert [(p["path"], p["keyword"]) for p in data["problems"]] == [
        ("$", "required"),
        ("$", "additionalProperties"),
        ("$.phone[1]", "pattern"),
    ]
    assert "'message' is a required property" in data["problems"][0]["message"]
    assert "'extra'" in data["problems"][1]["message"]
    assert "'12'" in data["problems"][2]["message"]

    text = run(["validate", "-p", "smsclub", str(path)])
    assert text.exit_code == 1
    assert "3 problem(s) against the SMSClub schema's SendRequest (the closest of" in " ".join(text.stdout.split())
    assert "$.phone[1]" in text.stdout
    assert "next closest" in text.stdout


def test_validate_json_against_a_named_definition(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text('{"phone": "79991234567", "id": "7", "all": 5}', "utf-8")
    result = run(["validate", "-p", "smsc", str(path), "-d", "StatusRequest", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["definition"] == "StatusRequest"
    assert data["candidates"] == []
    assert [(p["path"], p["keyword"]) for p in data["problems"]] == [("$.all", "enum")]
    text = run(["validate", "-p", "smsc", str(path), "-d", "StatusRequest"])
    assert "(as asked)" in text.stdout
    assert "$.all" in text.stdout


def test_validate_json_paths_of_nested_items(tmp_path: Path) -> None:
    path = tmp_path / "personal.json"
    path.write_text(
        json.dumps(
            {"src_addr": "VashZakaz", "data_message": [{"phone": "380501234567", "message": "a"}, {"phone": 5}]}
        ),
        "utf-8",
    )
    result = run(["validate", "-p", "smsclub", str(path), "--json"])
    data = json.loads(result.stdout)
    assert data["definition"] == "PersonalSendRequest"
    paths = {(p["path"], p["keyword"]) for p in data["problems"]}
    assert ("$.data_message[1].phone", "type") in paths
    assert ("$.data_message[1]", "required") in paths


def test_validate_json_reads_stdin() -> None:
    result = run(["validate", "-", "-p", "smsc"], stdin='{"balance": "12.50", "currency": "RUR"}')
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "<stdin>: valid SMSC BalanceResponse document"


def test_validate_unknown_definition_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}", "utf-8")
    result = run(["validate", "-p", "smsclub", str(path), "--definition", "Nope"])
    assert result.exit_code == 2
    assert "no definition 'Nope'" in result.stderr
    assert "SendRequest" in result.stderr


def test_validate_definition_is_for_json_providers_only(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text("<balance/>", "utf-8")
    result = run(["validate", "-p", "smsleads", str(path), "--definition", "SendRequest"])
    assert result.exit_code == 2
    assert "JSON providers" in result.stderr


@pytest.mark.parametrize(
    ("document", "verdict", "says"),
    [
        ("[" * 5000 + "]" * 5000, "refused", "nested deeper than 64 levels"),
        ('{"a":' * 70 + "1" + "}" * 70, "refused", "nested deeper than 64 levels"),
        ('{"phones": "79991234567", "mes": "a", "mes": "b"}', "refused", "appears twice"),
        ("[" + ",".join(["1"] * 600_000) + "]", "refused", "byte limit"),
        ('{"balance": NaN}', "malformed", "NaN is not JSON"),
        ('{"balance": Infinity}', "malformed", "Infinity is not JSON"),
        ('{"id": ' + "9" * 5000 + "}", "malformed", "digits"),
        ("<result><error>x</error></result>", "malformed", "SMSC documents are JSON"),
        (b"\xff\xfe{}", "malformed", "not UTF-8"),
        ('{"balance": "1"', "malformed", "delimiter"),
        ("", "malformed", "Expecting value"),
    ],
    ids=[
        "deep-array",
        "deep-object",
        "duplicate-key",
        "oversized",
        "nan",
        "infinity",
        "huge-int",
        "xml",
        "utf16",
        "truncated",
        "empty",
    ],
)
def test_validate_refuses_hostile_json(tmp_path: Path, document: str | bytes, verdict: str, says: str) -> None:
    path = tmp_path / "hostile.json"
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document, "utf-8")
    started = time.monotonic()
    result = run(["validate", "-p", "smsc", str(path), "--json"])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == verdict
    assert says in data["problems"][0]["message"]
    text = run(["validate", "-p", "smsc", str(path)])
    assert text.exit_code == 1
    assert f"{path}: {'refused' if verdict == 'refused' else 'not JSON'}" in text.stdout


@pytest.mark.parametrize("definition", [None, "SendRequest", "PasswordAuth", "ApiKeyAuth", "Credentials"])
def test_validate_never_shows_a_credential_of_the_document(tmp_path: Path, definition: str | None) -> None:
    path = tmp_path / "with-secrets.json"
    path.write_text(json.dumps({"login": 5, "psw": CANARY, "apikey": KEY_CANARY, "phones": 1}), "utf-8")
    args = ["validate", "-p", "smsc", str(path)] + (["--definition", definition] if definition else [])
    for extra in ([], ["--json"]):
        result = run([*args, *extra])
        assert result.exit_code == 1
        assert_no_secret(result.output)
        assert_no_secret(result.output, secret=KEY_CANARY)


def test_the_verdict_line_never_wraps_whatever_the_path(tmp_path: Path) -> None:
    """The title of the problem table is one line even for a long path (a CI clone in a deep folder)."""
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    deep.mkdir(parents=True)
    path = deep / "bad-send.xml"
    path.write_text(BAD_REQUEST, "utf-8")
    out = run(["validate", str(path)]).stdout
    assert f"{path}: 5 problem(s) against the LetsAds schema" in out.splitlines()[0]
