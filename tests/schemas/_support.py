"""What the JSON Schema tests (SMSClub, SMSC) share: validating against one ``$defs`` entry, the name of a
malformed sample's twin, and running datamodel-codegen on a schema and importing what it makes."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

jsonschema = pytest.importorskip("jsonschema")

CODEGEN_OPTIONS = [
    "--input-file-type",
    "jsonschema",
    "--output-model-type",
    "dataclasses.dataclass",
    "--target-python-version",
    "3.11",
    "--use-specialized-enum",
    "--use-schema-description",
    "--use-field-description",
    "--skip-root-model",
    "--collapse-root-models",
    "--use-default",
    "--disable-timestamp",
    "--formatters",
    "builtin",
]


def schema_errors(schema: dict[str, Any]) -> Callable[[Any, str], list[str]]:
    """``errors_of(instance, definition)``: the messages of validating `instance` against
    ``#/$defs/<definition>`` of `schema` (none when it is valid)."""

    def errors_of(instance: Any, definition: str) -> list[str]:
        validator = jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{definition}"})
        return [e.message for e in validator.iter_errors(instance)]

    return errors_of


def twin_of(name: str) -> str:
    """The fixed twin of a ``-malformed`` sample."""
    return "fixed-" + name.replace("-malformed", "")


def codegen_executable() -> str:
    found = Path(sys.executable).with_name("datamodel-codegen")
    if found.is_file():
        return str(found)
    which = shutil.which("datamodel-codegen")
    if which is None:
        pytest.skip("datamodel-codegen is not installed (pip install '.[codegen]')")
    return which


def generate_dataclasses(schema_path: Path, out: Path) -> tuple[str, ModuleType]:
    """Run datamodel-codegen with `CODEGEN_OPTIONS` on `schema_path` into `out` (a ``.py`` file); return the
    source and the module imported from it (named after the file)."""
    subprocess.run(
        [codegen_executable(), "--input", str(schema_path), "--output", str(out), *CODEGEN_OPTIONS],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    source = out.read_text(encoding="utf-8")
    spec = importlib.util.spec_from_file_location(out.stem, out)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return source, module


def classes_and_aliases(source: str) -> tuple[set[str], set[str]]:
    """The names of the top-level classes and of the annotated top-level names (type aliases) of `source`."""
    tree = ast.parse(source)
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    aliases = {
        node.target.id for node in tree.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    return classes, aliases
