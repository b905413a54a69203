"""Issue 15 item 3: no import cycles among lib/, policies/ and compliance/ (subpackages such as
compliance/collect/ included), within a package or across them.

Uses the AST import graph of tests/test_lib_imports.py (TYPE_CHECKING imports count: a cycle
hidden from the interpreter is still two modules that each need the other); lib/ alone has its own
test there.
"""

from __future__ import annotations

from tests.test_lib_imports import cycles, import_graph

PACKAGES = ("lib", "policies", "compliance")


def test_no_import_cycle_in_lib_policies_and_compliance() -> None:
    graph = import_graph(*PACKAGES)
    assert "policies.gate" in graph and "compliance.report" in graph, "graph not built"
    assert "compliance.collect.run" in graph, "subpackages (compliance/collect/) are covered"
    assert "policies.gate" in graph["compliance.report"], "edges between the packages count"
    assert "compliance.exceptions" in graph["lib.app"], "lib -> compliance edges count"
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
