"""The manifest reader: real manifests load; mistakes are reported with their file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen._generate import render_expr
from codegen._manifest import ManifestError, load_provider

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_letsads_manifest_loads() -> None:
    p = load_provider(SCHEMAS / "letsads")
    assert p.class_name == "LetsAds"
    assert {op.name for op in p.operations} == {"send", "status", "balance"}
    assert len(p.errors) == 15
    assert [c.name for c in p.credentials if c.secret] == ["password"]


def test_request_tree_renders_as_constructor_calls() -> None:
    tree = {
        "model": "Request",
        "fields": {"auth": "$auth", "message": {"model": "Message", "fields": {"text": "$text"}}},
    }
    assert (
        render_expr(tree, {"auth": "self._auth()", "text": "text"})
        == "Request(auth=self._auth(), message=Message(text=text))"
    )
    with pytest.raises(ManifestError, match=r"\$nope"):
        render_expr("$nope", {})


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("errors.toml", 'category = "authentication"', 'category = "auth"', "unknown category"),
        ("errors.toml", 'state = "queued"', 'state = "waiting"', "unknown state"),
        ("errors.toml", 'provider = "letsads"', 'provider = "other"', "`provider` must be"),
        ("provider.toml", 'format = "xml"', 'format = "yaml"', "unknown format"),
        ("provider.toml", 'decode_args = ["recipients"]', 'decode_args = ["nobody"]', "not a parameter"),
        ("provider.toml", 'schema = "letsads.xsd"', 'schema = "missing.xsd"', "not found"),
    ],
)
def test_mistakes_are_reported(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    target = tmp_path / "letsads"
    shutil.copytree(SCHEMAS / "letsads", target)
    path = target / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ManifestError, match=message):
        load_provider(target)
