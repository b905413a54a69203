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


# The facts table and the policy numbers (core/) are read by checkov's process through the gate's
# checks: importing them must stay cheap (no cdktf, no constructs, no jsii, no pydantic).
HEAVY = ("cdktf", "constructs", "jsii", "cdktf_cdktf_provider_aws", "pydantic", "checkov")
LIGHT_MODULES = ("core.resource_facts", "core.policy_numbers")


def test_the_facts_table_and_policy_numbers_import_without_cdktf() -> None:
    import subprocess
    import sys

    probe = (
        "import importlib, json, sys\n"
        f"for m in {LIGHT_MODULES!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(__import__("json").loads(done.stdout))
    assert "core" in loaded, "probe did not import the table"
    assert not loaded & set(HEAVY), f"core pulls in {sorted(loaded & set(HEAVY))}"


# core's third-party imports: the libraries made for its jobs (exceptions on pydantic, YAML, the
# in-toto/DSSE attestation stack, boto3 for the KMS signer), all pinned in requirements.txt.
# Nothing else may come in.
CORE_THIRD_PARTY = frozenset(
    {
        "yaml",
        "boto3",
        "pydantic",
        "pydantic_core",
        "cryptography",
        "securesystemslib",
        "in_toto_attestation",
        "google",
    }
)
# The fact tables every layer reads (the worker image's build, the aspects, the checks): the
# standard library only, so that reading a number never pulls in a framework.
CORE_STDLIB_ONLY = ("resource_facts.py", "policy_numbers.py")


def _top_level_imports(path: Path) -> set[str]:
    """The top-level packages ``path``'s import statements name (through ``imported_names``)."""
    tree = ast.parse(path.read_text())
    names = imported_names(tree, _module_name(path), path.name == "__init__.py")
    return {name.split(".")[0] for name in names}


def test_core_imports_only_the_standard_library_and_itself() -> None:
    """core/ is the neutral layer: nothing in lib/, policies/ or compliance/ may leak into it, and
    its third-party imports are the declared few (the fact tables: the standard library only)."""
    graph = import_graph("core", "lib", "policies", "compliance")
    outward = {m: sorted(d for d in deps if not d.startswith("core")) for m, deps in graph.items()}
    assert "core.resource_facts" in graph and "core.policy_numbers" in graph["core.resource_facts"]
    assert {m: d for m, d in outward.items() if m.startswith("core") and d} == {}
    stdlib = sys_stdlib()
    for path in (PROJECT_ROOT / "core").rglob("*.py"):
        foreign = _top_level_imports(path) - stdlib - {"core"}
        allowed = frozenset() if path.name in CORE_STDLIB_ONLY else CORE_THIRD_PARTY
        assert foreign <= allowed, (
            f"{path.relative_to(PROJECT_ROOT)} imports {sorted(foreign - allowed)}"
        )


def sys_stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names) | {"__future__"}
