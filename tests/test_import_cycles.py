"""Issue 15 item 3: no import cycles among our modules (data flows one way).

Imports are read from the source (AST), including those under ``if TYPE_CHECKING:``: a cycle
hidden from the interpreter is still two modules that each need the other. Checked here:
``policies`` and ``compliance`` (gate -> report). ``lib``'s own cycle (``lib/stack.py`` <->
``lib/constructs/outputs.py``) is broken in a parallel change; add ``lib`` to PACKAGES then.
"""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("policies", "compliance")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, path: Path, known: set[str]) -> set[str]:
    """The modules in ``known`` that ``path`` imports (``from p import m`` -> ``p.m`` if a module)."""
    name = module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in known and m != name}


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    files = {module_name(root, p): p for pkg in packages for p in (root / pkg).rglob("*.py")}
    known = set(files)
    return {name: imports_of(root, path, known) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None (iterative DFS, deterministic order)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(graph):
        if state.get(start):
            continue
        path: list[str] = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_no_import_cycle_in_policies_and_compliance() -> None:
    graph = import_graph(PROJECT_ROOT, PACKAGES)
    assert "policies.gate" in graph and "compliance.report" in graph  # the walk found them
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_gate_flows_to_reporting_not_back() -> None:
    graph = import_graph(PROJECT_ROOT, PACKAGES)
    assert "policies.reporting" in graph["policies.gate"]
    assert "policies.gate" not in graph["policies.reporting"]


def test_detector_finds_a_type_checking_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import thing\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import c\n"
    )
    (pkg / "c.py").write_text("import pkg.a\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    (pkg / "c.py").write_text("import os\n")
    assert find_cycle(import_graph(tmp_path, ("pkg",))) is None
