"""The house (issue 12): no hand-written module over about 900 lines, and no two runtime modules that import
each other (lazily or not; imports only for type checkers do not count)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SDK = ROOT / "sdk"
HAND_WRITTEN = [SDK, ROOT / "codegen", ROOT / "bench", ROOT / "tools"]
MAX_LINES = 900


def _modules() -> dict[str, tuple[Path, list[str]]]:
    """Dotted name -> (file, the package its relative imports resolve against)."""
    found: dict[str, tuple[Path, list[str]]] = {}
    for path in SDK.rglob("*.py"):
        parts = list(path.relative_to(SDK).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
            package = parts
        else:
            package = parts[:-1]
        found[".".join(parts)] = (path, package)
    return found


def _imports(path: Path, package: list[str], modules: set[str]) -> set[str]:
    """The smsgate modules `path` imports anywhere (functions included), except under TYPE_CHECKING."""
    found: set[str] = set()

    def absolute(module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        base = package[: len(package) - level + 1]
        return ".".join([*base, *([module] if module else [])])

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node.module, node.level)
            # `from package import submodule` imports the submodule (the package only runs its __init__).
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules
            found.update(submodules or {base})
            if len(submodules) < len(node.names):
                found.add(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found & modules


def test_no_two_runtime_modules_import_each_other() -> None:
    modules = _modules()
    names = set(modules)
    graph = {name: _imports(path, package, names) - {name} for name, (path, package) in modules.items()}
    mutual = sorted(
        f"{a} <-> {b}"
        for a, targets in graph.items()
        for b in targets
        if a < b and a in graph[b] and not (b.startswith(a + ".") or a.startswith(b + "."))
    )
    assert not mutual, mutual


@pytest.mark.parametrize("folder", HAND_WRITTEN, ids=lambda p: p.name)
def test_no_hand_written_module_over_900_lines(folder: Path) -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in folder.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long
