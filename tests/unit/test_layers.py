"""Dependencies flow one way: schemas <- runtime <- agents <- app (the README's layout).

Walks every module's imports with `ast` (module level, functions and TYPE_CHECKING blocks
alike: a type hint is a dependency too) and fails on any import of a layer above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["schemas", "runtime", "agents", "app"]


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every import in a module."""
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def upward_imports(layer: str) -> list[str]:
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    problems = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for package, line in sorted(imported_packages(path)):
            if package in above:
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    return problems


@pytest.mark.parametrize("layer", LAYERS[:-1])
def test_no_layer_imports_a_layer_above_it(layer: str) -> None:
    assert upward_imports(layer) == []


def test_the_walk_finds_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.settings import Settings\n"
    )
    assert ("app", 3) in imported_packages(module)
