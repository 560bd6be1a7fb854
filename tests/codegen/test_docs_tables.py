"""The documentation's error tables (generated/docs/) name the exception each provider code really raises."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from codegen._generate import exception_of
from smsgate._exceptions import error_class_for
from smsgate._types import ErrorCategory

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = sorted(p.parent.name for p in (ROOT / "schemas").glob("*/errors.toml"))


@pytest.mark.parametrize("category", list(ErrorCategory))
def test_documented_exception_is_the_raised_one(category: ErrorCategory) -> None:
    assert exception_of(category.value) == error_class_for(category).__name__


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_code_of_the_table_is_documented(provider: str) -> None:
    table = tomllib.loads((ROOT / "schemas" / provider / "errors.toml").read_text(encoding="utf-8"))
    page = (ROOT / "generated" / "docs" / f"{provider}-errors.md").read_text(encoding="utf-8")
    for code, row in table["codes"].items():
        line = next((ln for ln in page.splitlines() if ln.startswith(f"| `{code}")), None)
        assert line is not None, f"{provider}: code {code} missing from the documentation"
        assert f"`{exception_of(row['category'])}`" in line
