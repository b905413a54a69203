"""Issue 15 item 3: no import cycles among core/, lib/, policies/ and compliance/ (subpackages
such as compliance/collect/ included), within a package or across them; issue 24 item 5: the
packages are layers, and each imports only the layers below it (``LAYERS``).

Uses the AST import graph of tests/test_lib_imports.py (TYPE_CHECKING imports and imports inside
functions count: a cycle hidden from the interpreter is still two modules that each need the
other); lib/ alone has its own test there.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT_ROOT
from tests.test_lib_imports import cycles, import_graph

PACKAGES = ("core", "lib", "policies", "compliance")

# Package -> the project packages it may import. Written once: a new edge between packages is a
# design decision made here, not an accident of one import line.
#   core        shared, dependency-free pieces (stack reader, references, exceptions, binding,
#               results, attestation): imports no other package of the project
#   lib         the CDKTF app and its Aspects
#   policies    the Checkov gate (reads lib's typed config and network table, never compliance)
#   compliance  the report and the collector: reads everything below
#   rehearsal   the deploy rehearsal on top of all of them
#   worker      the pipeline's worker image: shares only core with the infrastructure
LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "lib": frozenset({"core"}),
    "policies": frozenset({"core", "lib"}),
    "compliance": frozenset({"core", "lib", "policies"}),
    "rehearsal": frozenset({"core", "lib", "policies", "compliance"}),
    "worker": frozenset({"core"}),
}
PROJECT_PACKAGES = frozenset(LAYERS)


def imported_packages(path: Path) -> set[str]:
    """Project packages named by any absolute import of one file (functions and TYPE_CHECKING
    blocks included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & PROJECT_PACKAGES


def layer_violations(layers: dict[str, frozenset[str]]) -> list[str]:
    """``file -> package`` for every import that crosses into a package not allowed below."""
    found = []
    for package, allowed in sorted(layers.items()):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            for imported in sorted(imported_packages(path) - allowed - {package}):
                found.append(f"{path.relative_to(PROJECT_ROOT)} -> {imported}")
    return found


def test_packages_import_only_the_layers_below_them() -> None:
    """core imports no project package; lib and policies never import compliance (so a synth
    and a gate run load neither the report nor the controls catalog); nothing imports the
    worker, and the worker only core."""
    assert (PROJECT_ROOT / "core" / "stackfile.py").is_file(), "core/ is the shared layer"
    assert layer_violations(LAYERS) == []


def test_the_layer_table_is_a_strict_order() -> None:
    """Allowed edges never point both ways (a cycle between packages), and the check sees an
    edge that breaks the table."""
    for package, allowed in LAYERS.items():
        for other in allowed:
            assert package not in LAYERS[other], f"{package} <-> {other}"
    assert any(
        v.startswith("compliance/") and v.endswith("-> lib")
        for v in layer_violations({**LAYERS, "compliance": frozenset({"core", "policies"})})
    )


def test_no_import_cycle_in_lib_policies_and_compliance() -> None:
    graph = import_graph(*PACKAGES)
    assert "policies.gate" in graph and "compliance.report" in graph, "graph not built"
    assert "compliance.collect.run" in graph, "subpackages (compliance/collect/) are covered"
    assert "policies.gate" in graph["compliance.report"], "edges between the packages count"
    assert "core.exceptions" in graph["lib.app"], "lib -> core edges count"
    assert cycles(graph) == []


def test_report_data_holds_the_runtime_summary_without_a_cycle() -> None:
    """reportdata and runtime_evidence both use RuntimeSummary: it lives in its own module."""
    graph = import_graph(*PACKAGES)
    assert "compliance.runtime_summary" in graph["compliance.reportdata"]
    assert "compliance.runtime_evidence" not in graph["compliance.reportdata"]


def test_gate_flows_to_reporting_not_back() -> None:
    graph = import_graph(*PACKAGES)
    assert "policies.result" in graph["policies.reporting"]
    assert "policies.reporting" in graph["policies.gate"]
    assert "policies.gate" not in graph["policies.reporting"]
