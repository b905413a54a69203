"""The worker <-> infrastructure contract holds on both sides (issue 24 item 4).

The names live once, in ``streamflix_worker.contract``; these tests check that each side uses
them and nothing else: every worker metric an alarm, a dashboard widget or a scaling policy of
the synthesized stack names is one the worker emits (read from the worker's emit calls, not
from a list kept here), every contract metric has an alarm decision, and the environment the
task definitions set is exactly what the worker's configuration reads.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamflix_worker import contract
from streamflix_worker.config import DbEnvironment, WorkerEnvironment
from streamflix_worker.contract import (
    METRIC_DIMENSION,
    METRICS_NAMESPACE,
    Env,
    JobOutcome,
    Metric,
    set_by_migrate_task,
    set_by_run_task,
)

from lib.constructs.monitoring import NO_ALARM, WORKER_METRIC_ALARMS
from tests.conftest import PROJECT_ROOT, StackView

PACKAGE = PROJECT_ROOT / "worker" / "src" / "streamflix_worker"
EMIT_METHODS = frozenset({"count", "millis"})


# --- what the worker emits, read from its code -------------------------------------------------


def _emit_calls(tree: ast.AST) -> Iterator[ast.Call]:
    """``<...telemetry>.count(...)`` / ``.millis(...)`` calls."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in EMIT_METHODS
            and "telemetry" in ast.unparse(node.func.value)
        ):
            yield node


def emitted_metrics(package: Path = PACKAGE) -> tuple[set[Metric], list[str]]:
    """The metrics the worker's emit calls name, and every call that names none from the
    contract (``path:line: source``). ``Metric.X`` names X; ``<outcome>.metric`` inside a loop
    over ``JobOutcome`` names every outcome's metric."""
    emitted: set[Metric] = set()
    strays: list[str] = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for call in _emit_calls(tree):
            arg = call.args[0] if call.args else None
            where = f"{path.relative_to(package.parent)}:{call.lineno}: {ast.unparse(call)}"
            if (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id == "Metric"
                and arg.attr in Metric.__members__
            ):
                emitted.add(Metric[arg.attr])
            elif (
                isinstance(arg, ast.Attribute)
                and arg.attr == "metric"
                and _loops_over_outcomes(tree, call)
            ):
                emitted.update(o.metric for o in JobOutcome)
            else:
                strays.append(where)
    return emitted, strays


def _loops_over_outcomes(tree: ast.AST, call: ast.Call) -> bool:
    return any(
        isinstance(node, ast.For)
        and ast.unparse(node.iter) == "JobOutcome"
        and any(inner is call for inner in ast.walk(node))
        for node in ast.walk(tree)
    )


def test_every_emit_call_names_a_contract_metric() -> None:
    emitted, strays = emitted_metrics()
    assert not strays, "metrics emitted by a name outside the contract:\n" + "\n".join(strays)
    assert emitted, "no emit call found: the scan no longer sees the worker's telemetry"


def test_every_contract_metric_is_emitted_by_the_worker() -> None:
    emitted, _ = emitted_metrics()
    assert set(Metric) - emitted == set(), "contract metrics the worker never emits"


def test_the_scan_catches_a_literal_metric_name(tmp_path: Path) -> None:
    (tmp_path / "rogue.py").write_text(
        "def f(self):\n    self.ctx.telemetry.count('JobsProcesed')\n"
        "    self.ctx.telemetry.count(Metric.JOBS_FAILED)\n"
    )
    emitted, strays = emitted_metrics(tmp_path)
    assert emitted == {Metric.JOBS_FAILED}
    assert len(strays) == 1 and "JobsProcesed" in strays[0]


# --- what the stack names --------------------------------------------------------------------


def _metric_refs(node: Any) -> Iterator[tuple[str, str, Any]]:
    """(namespace, metric name, dimensions) of every metric a resource names: alarms (single
    metric or metric math), scaling policies, dashboard rows (in its JSON body)."""
    if isinstance(node, dict):
        if "namespace" in node and "metric_name" in node:
            yield node["namespace"], node["metric_name"], node.get("dimensions")
        for key, value in node.items():
            if key == "dashboard_body":
                for widget in json.loads(value)["widgets"]:
                    for row in widget["properties"].get("metrics", []):
                        yield row[0], row[1], dict(zip(row[2::2], row[3::2], strict=False))
            else:
                yield from _metric_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _metric_refs(item)


def worker_metric_refs(stack: StackView) -> dict[str, set[str]]:
    """Worker-namespace metric names the stack names, with the resources naming each."""
    named: dict[str, set[str]] = {}
    for rtype, name, body in stack.all_resources():
        for namespace, metric, _ in _metric_refs(body):
            if namespace == METRICS_NAMESPACE:
                named.setdefault(metric, set()).add(f"{rtype}.{name}")
    return named


@pytest.mark.synth
def test_every_worker_metric_the_stack_names_is_one_the_worker_emits(stack: StackView) -> None:
    named = worker_metric_refs(stack)
    emitted = {str(m) for m in emitted_metrics()[0]}
    unknown = {m: sorted(where) for m, where in named.items() if m not in emitted}
    assert not unknown, f"alarms/dashboard/scaling name metrics the worker never emits: {unknown}"
    # the alarms and the dashboard do read the worker's metrics (the walk sees them)
    readers = {r.split(".")[0] for where in named.values() for r in where}
    assert {"aws_cloudwatch_metric_alarm", "aws_cloudwatch_dashboard"} <= readers


@pytest.mark.synth
def test_worker_metrics_are_read_with_the_one_dimension_the_worker_writes(
    stack: StackView,
) -> None:
    for _rtype, _name, body in stack.all_resources():
        for namespace, metric, dimensions in _metric_refs(body):
            if namespace == METRICS_NAMESPACE:
                assert set(dimensions or {}) == {METRIC_DIMENSION}, (metric, dimensions)


@pytest.mark.synth
def test_every_contract_metric_is_on_the_dashboard(stack: StackView) -> None:
    dashboard = {"aws_cloudwatch_dashboard"}
    shown = {m for m, where in worker_metric_refs(stack).items() if dashboard & _types(where)}
    assert {str(m) for m in Metric} - shown == set()


def _types(where: set[str]) -> set[str]:
    return {w.split(".")[0] for w in where}


def test_the_stack_walk_sees_a_renamed_metric() -> None:
    """The check above cannot pass vacuously: a misspelt alarm metric is found."""
    alarm = {"metric_query": [{"metric": {"namespace": METRICS_NAMESPACE, "metric_name": "X"}}]}
    assert [(n, m) for n, m, _ in _metric_refs(alarm)] == [(METRICS_NAMESPACE, "X")]


# --- every outcome and metric has its alarm decision -----------------------------------------


def test_every_worker_metric_has_an_alarm_decision() -> None:
    assert set(WORKER_METRIC_ALARMS) == set(Metric), "a contract metric without alarm decision"
    for metric, decision in WORKER_METRIC_ALARMS.items():
        if decision.startswith(NO_ALARM):
            assert len(decision) > len(NO_ALARM) + 20, f"{metric}: say why no alarm watches it"


@pytest.mark.synth
def test_each_alarm_decision_names_an_alarm_that_reads_the_metric(stack: StackView) -> None:
    for metric, decision in WORKER_METRIC_ALARMS.items():
        if decision.startswith(NO_ALARM):
            continue
        alarm = stack.by_path("aws_cloudwatch_metric_alarm", f"/{decision}_alarm")
        names = {m for ns, m, _ in _metric_refs(alarm) if ns == METRICS_NAMESPACE}
        assert str(metric) in names, f"alarm {decision} does not read {metric}"


def outcomes_decided(package: Path = PACKAGE) -> set[JobOutcome]:
    """The ``JobOutcome.X`` members the worker's stages name (outside the contract itself)."""
    return {
        JobOutcome[node.attr]
        for path in sorted(package.rglob("*.py"))
        if path.name != "contract.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "JobOutcome"
        and node.attr in JobOutcome.__members__
    }


def test_every_outcome_is_decided_by_a_worker_stage() -> None:
    """An outcome no stage ever produces would pass the emit scan (the batch emits every
    outcome's metric) and count nothing."""
    assert set(JobOutcome) - outcomes_decided() == set()


def test_every_outcome_has_its_own_metric_and_a_meaning() -> None:
    metrics = [o.metric for o in JobOutcome]
    assert len(set(metrics)) == len(metrics)
    assert all(o.value.meaning for o in JobOutcome)
    assert set(contract.terminal_statuses()) <= set(contract.Status)


# --- environment -------------------------------------------------------------------------------


def _task_env(stack: StackView, path: str) -> set[str]:
    task = stack.by_path("aws_ecs_task_definition", path)
    (container,) = json.loads(task["container_definitions"])
    return {e["name"] for e in container["environment"]}


@pytest.mark.synth
def test_the_task_definitions_set_exactly_the_contract_variables(stack: StackView) -> None:
    assert _task_env(stack, "/compute/worker_task") == {str(e) for e in set_by_run_task()}
    assert _task_env(stack, "/compute/migrate_task") == {str(e) for e in set_by_migrate_task()}


def test_the_worker_config_reads_exactly_the_contract_variables() -> None:
    read = {f.alias for f in WorkerEnvironment.model_fields.values()}
    assert read == {str(e) for e in Env} - {str(e) for e in contract.READ_BY_RUNTIME}
    db = {f.alias for f in DbEnvironment.model_fields.values()}
    assert db == {str(e) for e in Env if e.name.startswith("DB_")}


def test_the_worker_names_no_contract_value_outside_the_contract() -> None:
    """An environment variable, status, namespace or login written as a literal would be a
    second copy of the fact (``Metric`` names are checked by the emit scan above)."""
    facts = {str(e) for e in Env} | {str(s) for s in contract.Status}
    facts |= {METRICS_NAMESPACE, contract.WORKER_DB_USER}
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {node.value!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "contract.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in facts
    ]
    assert not found, "\n".join(found)


def test_the_contract_imports_the_standard_library_only() -> None:
    import sys

    tree = ast.parse((PACKAGE / "contract.py").read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_the_stack_names_no_contract_value_outside_the_contract() -> None:
    """lib/ reads the contract through ``lib.worker_contract``; a literal copy of a variable,
    metric, namespace or login name would drift from the worker's. AWS_REGION and TMPDIR are
    also what any container's program reads (the evidence collector's task sets them too)."""
    facts = {str(e) for e in set(Env) - {Env.AWS_REGION, Env.TMPDIR}} | {str(m) for m in Metric}
    facts |= {METRICS_NAMESPACE, contract.WORKER_DB_USER}
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {node.value!r}"
        for path in sorted((PROJECT_ROOT / "lib").rglob("*.py"))
        if path.name != "worker_contract.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in facts
    ]
    assert not found, "\n".join(found)


def test_every_status_the_worker_sql_names_is_a_contract_status() -> None:
    """The SQL keeps statuses as literals (``status = 'PROCESSING'``); each must be one the
    contract, and so the migrations' CHECK constraints, know."""
    named = {
        (path.name, node.lineno, literal)
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for literal in re.findall(r"'([A-Z][A-Z_]{2,})'", node.value)
    }
    assert named, "no status literal found: the scan no longer sees the worker's SQL"
    unknown = sorted(n for n in named if n[2] not in set(contract.Status))
    assert not unknown, unknown
