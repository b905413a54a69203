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

# Layer -> the layers it may import. Written once: a new edge between packages is a design
# decision made here, not an accident of one import line.
#   core        shared, dependency-free pieces (stack reader, references, exceptions, binding,
#               results, attestation): imports no other package of the project
#   worker      the pipeline's worker image, built from worker/src alone: imports no other layer
#               (the stack imports its contract module, never the other way round)
#   lib         the CDKTF app and its Aspects; lib/worker_contract.py is its one door to worker
#   policies    the Checkov gate (reads lib's typed config and network table, never compliance)
#   compliance  the report and the collector: reads everything below
#   devtools    development only, in no image: the worker's local stand-ins and demo
#   simulation  development only, in no image: the moto account, the simulated period, the demo
#   rehearsal   the deploy rehearsal on top of all of them
LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "worker": frozenset(),
    "lib": frozenset({"core", "worker"}),
    "policies": frozenset({"core", "lib"}),
    "compliance": frozenset({"core", "lib", "policies"}),
    "devtools": frozenset({"worker"}),
    "simulation": frozenset({"core", "lib", "policies", "compliance", "devtools", "worker"}),
    "rehearsal": frozenset({"core", "lib", "policies", "compliance", "simulation"}),
}
# Layer -> (its source folder, the top-level import name it is imported by).
SOURCES: dict[str, tuple[str, str]] = {
    "core": ("core", "core"),
    "worker": ("worker/src/streamflix_worker", "streamflix_worker"),
    "lib": ("lib", "lib"),
    "policies": ("policies", "policies"),
    "compliance": ("compliance", "compliance"),
    "devtools": ("worker/devtools/streamflix_devtools", "streamflix_devtools"),
    "simulation": ("simulation", "simulation"),
    "rehearsal": ("rehearsal", "rehearsal"),
}
LAYER_OF_IMPORT = {name: layer for layer, (_, name) in SOURCES.items()}
# The only files allowed to cross the table, each with its reason.
CROSSINGS: dict[str, tuple[str, str]] = {
    "compliance/demo_runtime.py": (
        "simulation",
        "the documented command line `python -m compliance.demo_runtime` kept at its name; it is "
        "no collector image input (tests/compliance/collect/test_collector_image.py)",
    ),
}
PROJECT_PACKAGES = frozenset(LAYER_OF_IMPORT)


def imported_packages(path: Path) -> set[str]:
    """Layers named by any absolute import of one file (functions and TYPE_CHECKING blocks
    included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {LAYER_OF_IMPORT[name] for name in names & PROJECT_PACKAGES}


def layer_violations(layers: dict[str, frozenset[str]]) -> list[str]:
    """``file -> layer`` for every import that crosses into a layer not allowed below."""
    found = []
    for layer, allowed in sorted(layers.items()):
        for path in sorted((PROJECT_ROOT / SOURCES[layer][0]).rglob("*.py")):
            where = path.relative_to(PROJECT_ROOT).as_posix()
            crossing = CROSSINGS.get(where, ("", ""))[0]
            for imported in sorted(imported_packages(path) - allowed - {layer, crossing}):
                found.append(f"{where} -> {imported}")
    return found


def test_packages_import_only_the_layers_below_them() -> None:
    """core imports no project package; lib and policies never import compliance (so a synth
    and a gate run load neither the report nor the controls catalog); nothing imports the
    worker, and the worker only core."""
    assert (PROJECT_ROOT / "core" / "stackfile.py").is_file(), "core/ is the shared layer"
    assert layer_violations(LAYERS) == []


def test_every_source_folder_is_a_layer_of_the_table() -> None:
    """A new top-level package must take its place in the table (else nothing checks it)."""
    folders = {
        p.parent.name for p in PROJECT_ROOT.glob("*/__init__.py") if p.parent.name != "tests"
    }
    assert folders <= {folder for folder, _ in SOURCES.values()}, folders


def test_the_stack_reaches_the_worker_only_through_its_contract() -> None:
    """lib may import the worker package only in lib/worker_contract.py, and only its contract
    module: the worker image must not become a build input of the stack's logic."""
    found = []
    for path in sorted((PROJECT_ROOT / "lib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [
                f"{path.relative_to(PROJECT_ROOT)}: {m}"
                for m in modules
                if m.split(".")[0] == "streamflix_worker"
            ]
    assert found == ["lib/worker_contract.py: streamflix_worker.contract"]


def test_every_crossing_is_still_needed() -> None:
    for where, (layer, _) in CROSSINGS.items():
        assert layer in imported_packages(PROJECT_ROOT / where), f"{where} no longer needs it"


def test_the_layer_table_is_a_strict_order() -> None:
    """Allowed edges never point both ways (a cycle between packages), and the check sees an
    edge that breaks the table."""
    for layer, allowed in LAYERS.items():
        for other in allowed:
            assert layer not in LAYERS[other], f"{layer} <-> {other}"
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
