"""The emulator's layout (issue 12): one package per provider, split the moto way, so that a fix to a reply shape
or to one command lands in one small file.

- No module of a provider package is over 900 lines (they are far below: the largest is about 420).
- Each provider is a package ``emulator/_<provider>/`` with ``_state`` (the data), ``_seed``, ``_request``,
  ``_replies`` (every reply shape) and ``_provider`` (the class the server calls), plus one module per command
  or command group.
- Inside a package the imports run one way: ``_state`` imports no sibling; ``_replies`` imports no handler; a
  handler imports no other handler; only ``_provider`` (and the package's ``__init__``) import the handlers; and
  the runtime imports between siblings have no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

EMULATOR = Path(__file__).resolve().parents[2] / "sdk" / "smsgate" / "emulator"
PROVIDERS = ("letsads", "smsleads", "smsclub", "smsc")
#: The modules every provider package has.
FRAME = {"__init__", "_state", "_seed", "_request", "_replies", "_provider"}
#: Vocabulary a package may add below its request reading (codes and texts, value formats); the rest are handlers.
HELPERS = {"_codes", "_values"}


def sibling_imports(package: Path, module: Path) -> set[str]:
    """The sibling modules `module` imports at run time (imports under ``if TYPE_CHECKING:`` do not count)."""
    prefix = f"smsgate.emulator.{package.name}"
    tree = ast.parse(module.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.module == prefix:  # from smsgate.emulator._smsleads import _send, _reports
            found.update(alias.name for alias in node.names)
        elif node.module.startswith(prefix + "."):
            found.add(node.module.removeprefix(prefix + "."))
    return found - {module.stem}


def graph(package: Path) -> dict[str, set[str]]:
    return {module.stem: sibling_imports(package, module) for module in sorted(package.glob("*.py"))}


def test_no_provider_module_is_over_900_lines() -> None:
    sizes = {
        str(path.relative_to(EMULATOR)): len(path.read_text(encoding="utf-8").splitlines())
        for provider in PROVIDERS
        for path in [*EMULATOR.glob(f"_{provider}.py"), *(EMULATOR / f"_{provider}").glob("*.py")]
    }
    assert sizes
    assert {name: size for name, size in sizes.items() if size > 900} == {}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_is_a_package_with_state_seed_request_replies_and_provider(provider: str) -> None:
    package = EMULATOR / f"_{provider}"
    assert package.is_dir(), f"emulator/_{provider}/ is not a package"
    assert not (EMULATOR / f"_{provider}.py").exists()
    modules = {path.stem for path in package.glob("*.py")}
    assert modules >= FRAME, FRAME - modules
    assert modules - FRAME - HELPERS, "no handler module"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_imports_run_one_way_inside_each_package(provider: str) -> None:
    imports = graph(EMULATOR / f"_{provider}")
    handlers = set(imports) - FRAME - HELPERS
    assert imports["_state"] == set(), "the state imports no sibling"
    assert imports["_replies"] & handlers == set(), "the reply formats import no handler"
    for handler in handlers:
        assert imports[handler] & handlers == set(), f"{handler} imports another handler"
    importers = {name for name, names in imports.items() if names & handlers}
    assert importers <= {"_provider", "__init__"}, importers
    # No cycle among the runtime imports.
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        if name in done:
            return
        for other in imports.get(name, set()):
            visit(other, (*path, name))
        done.add(name)

    for name in imports:
        visit(name, ())
