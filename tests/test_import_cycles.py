"""Issue 15 item 3: no import cycles among policies/ and compliance/ (the gate -> report side).

Uses the AST import graph of tests/test_lib_imports.py (TYPE_CHECKING imports count: a cycle
hidden from the interpreter is still two modules that each need the other); lib/ has its own
test there.
"""

from __future__ import annotations

from tests.test_lib_imports import cycles, import_graph

PACKAGES = ("policies", "compliance")


def test_no_import_cycle_in_policies_and_compliance() -> None:
    graph = import_graph(*PACKAGES)
    assert "policies.gate" in graph and "compliance.report" in graph, "graph not built"
    assert "policies.gate" in graph["compliance.report"], "edges between the packages count"
    assert cycles(graph) == []


def test_gate_flows_to_reporting_not_back() -> None:
    graph = import_graph(*PACKAGES)
    assert "policies.result" in graph["policies.reporting"]
    assert "policies.reporting" in graph["policies.gate"]
    assert "policies.gate" not in graph["policies.reporting"]
