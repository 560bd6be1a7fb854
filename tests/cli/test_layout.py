"""The command line's package stays navigable (issue 12): small modules, imports in one direction only."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sdk" / "smsgate" / "_cli"
MAX_LINES = 900


def _imports(module: Path) -> set[str]:
    """The sibling modules `module` imports (type-checking-only imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_every_module_is_small() -> None:
    sizes = {p.name: len(p.read_text("utf-8").splitlines()) for p in PACKAGE.glob("*.py")}
    assert sizes and max(sizes.values()) <= MAX_LINES, sizes


def test_no_two_modules_import_each_other() -> None:
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    assert graph["_app"] >= {"_send", "_validate", "_demo", "_emulator"}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for name in graph.get(start, set()):
            if name == target or (name not in seen and reaches(name, target, seen | {name})):
                return True
        return False

    cycles = sorted(name for name in graph if reaches(name, name, {name}))
    assert not cycles, {name: sorted(graph[name]) for name in cycles}
