"""EMF output: namespace and the single Environment dimension the alarms are built on."""

from __future__ import annotations

import json

import pytest
from streamflix_worker import telemetry
from streamflix_worker.contract import Metric
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
    assert units == {
        "JobsProcessed": "Count",
        "JobsFailed": "Count",
        "JobsRetried": "Count",
        "JobsDeadLettered": "Count",
        "JobsDuplicate": "Count",
        "JobsDuplicateChanged": "Count",
        "ShardConsumerCrashed": "Count",
        "ProcessingLatency": "Milliseconds",
        "MillisBehindLatest": "Milliseconds",
    }


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
