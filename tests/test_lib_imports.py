"""lib/ imports flow one way (config -> constructs -> stack -> aspects -> app): no module of lib/
imports, even only for type checking, a module that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT_ROOT


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.Module, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Known modules named by any import statement (TYPE_CHECKING blocks and functions too)."""
    return {name for name in imported_names(tree, module, is_package) if name in known} - {module}


def imported_names(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Every absolute name any import statement of ``module`` names (modules and, for
    ``from m import x``, also ``m.x``); relative imports resolved."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(*folders: str) -> dict[str, set[str]]:
    """Module -> the modules of ``folders`` it imports (edges between the folders included)."""
    files = sorted(f for folder in folders for f in (PROJECT_ROOT / folder).rglob("*.py"))
    known = {_module_name(f) for f in files}
    return {
        _module_name(f): _imported(
            ast.parse(f.read_text()), _module_name(f), f.name == "__init__.py", known
        )
        for f in files
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_sees_a_type_checking_only_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lib.x import X\n"
    assert _imported(ast.parse(source), "lib.y", False, {"lib.x", "lib.y"}) == {"lib.x"}


def test_lib_has_no_import_cycles() -> None:
    graph = import_graph("lib")
    assert "lib.constructs.outputs" in graph and graph["lib.stack"], "graph not built"
    assert cycles(graph) == []
