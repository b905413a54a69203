"""EMF output: namespace and the single Environment dimension the alarms are built on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_lambda_powertools.metrics import MetricUnit
from streamflix_worker import telemetry
from streamflix_worker.contract import Metric, Unit
from streamflix_worker.telemetry import Telemetry


def _documents(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_metrics_have_only_the_environment_dimension(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "would-add-a-service-dimension")
    metrics = Telemetry("StreamFlix/Worker", "dev")
    for name in telemetry.COUNTS:
        metrics.count(name, 2)
    for name in telemetry.MILLIS:
        metrics.millis(name, 12.5)
    metrics.flush()
    (doc,) = _documents(capsys.readouterr().out)
    meta = doc["_aws"]["CloudWatchMetrics"][0]  # type: ignore[index]
    assert meta["Namespace"] == "StreamFlix/Worker"
    assert meta["Dimensions"] == [["Environment"]]
    assert doc["Environment"] == "dev"
    assert "service" not in doc
    units = {m["Name"]: m["Unit"] for m in meta["Metrics"]}
    # every contract metric, in its contract unit (a CloudWatch unit Powertools knows)
    assert units == {str(m): str(m.unit) for m in Metric}
    assert {str(u) for u in Unit} <= {u.value for u in MetricUnit}


def test_unknown_metric_names_are_rejected() -> None:
    metrics = Telemetry("StreamFlix/Worker", "dev")
    with pytest.raises(ValueError, match="unknown"):
        metrics.count("JobsDone")
    with pytest.raises(ValueError, match="unknown"):
        metrics.millis("JobsProcessed", 1)


def test_flush_without_metrics_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    Telemetry("StreamFlix/Worker", "dev").flush()
    assert _documents(capsys.readouterr().out) == []


def test_recording_prints_nothing_and_flush_keeps_every_value_in_100s(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Per-job recording is a cheap append (no Powertools validation, no I/O on the consumer
    thread); flush prints documents of at most 100 values per metric, none lost."""
    metrics = Telemetry("StreamFlix/Worker", "dev")
    for i in range(250):
        metrics.millis(Metric.PROCESSING_LATENCY, i)
    metrics.count(Metric.JOBS_PROCESSED, 250)
    assert _documents(capsys.readouterr().out) == []
    metrics.flush()
    docs = _documents(capsys.readouterr().out)
    latencies = [doc.get("ProcessingLatency", []) for doc in docs]
    assert [len(v) for v in latencies] == [100, 100, 50]  # type: ignore[arg-type]
    assert [x for v in latencies for x in v] == [float(i) for i in range(250)]  # type: ignore[attr-defined]
    assert [doc.get("JobsProcessed") for doc in docs] == [[250.0], None, None]
    for doc in docs:
        names = {m["Name"] for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]}  # type: ignore[index]
        assert names == {k for k in doc if k in telemetry.COUNTS + telemetry.MILLIS}
    metrics.flush()
    assert _documents(capsys.readouterr().out) == []


def test_the_readme_table_lists_every_contract_metric_with_its_unit() -> None:
    """worker/README.md's metric table is what operators read: it must name each metric the
    worker emits (a new outcome's metric included), in its unit."""
    readme = (Path(__file__).resolve().parents[2] / "worker" / "README.md").read_text()
    section = readme.split("## Logs and metrics", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \|", section, re.M)
    assert dict(rows) == {str(m): str(m.unit) for m in Metric}
