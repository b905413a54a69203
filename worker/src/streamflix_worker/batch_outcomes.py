"""What a batch recorded, kept until its commit: the outcomes with their records, and the
counts emitted as metrics (and logged as one duplicates summary) once the commit succeeded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from aws_lambda_powertools import Logger

from streamflix_worker import store
from streamflix_worker.contract import JobOutcome, Metric
from streamflix_worker.telemetry import Telemetry

DUPLICATE_EXAMPLES = 5  # video ids named in a commit's duplicates summary


@dataclass
class BatchStats:
    """Counts emitted as metrics once the batch is committed: one per ``JobOutcome`` (each
    counted by its contract metric), plus retries and latencies."""

    outcomes: Counter[JobOutcome] = field(default_factory=Counter)
    retried: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    # duplicates by the status they found, a few of their videos, and forged redrive markers:
    # logged as one summary line per commit, not one line per duplicate (a replay storm)
    duplicate_statuses: Counter[str] = field(default_factory=Counter)
    duplicate_examples: list[str] = field(default_factory=list)
    ungranted_markers: list[str] = field(default_factory=list)


@dataclass
class Recorded:
    """Outcomes of a batch not committed yet, with the record each came from."""

    outcomes: list[store.Outcome] = field(default_factory=list)
    records: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    stats: BatchStats = field(default_factory=BatchStats)

    def add(self, outcome: store.Outcome, record: dict[str, Any]) -> None:
        self.outcomes.append(outcome)
        self.records[outcome.video_id] = record


def log_duplicates(log: Logger, shard_id: str, stats: BatchStats) -> None:
    """One INFO line for the duplicates a commit recorded (and one WARNING when some carried a
    redrive marker the operator never recorded)."""
    duplicates = stats.outcomes[JobOutcome.DUPLICATE]
    changed = stats.outcomes[JobOutcome.DUPLICATE_CHANGED]
    if not duplicates and not changed:
        return
    log.info(
        "duplicate requests skipped",
        extra={
            "shard_id": shard_id,
            "duplicates": duplicates,
            "different_content": changed,
            "status_seen": dict(stats.duplicate_statuses),
            "examples": stats.duplicate_examples,
        },
    )
    if stats.ungranted_markers:
        log.warning(
            "redrive markers not recorded by the operator's redrive: the videos stay FAILED",
            extra={
                "shard_id": shard_id,
                "count": len(stats.ungranted_markers),
                "examples": stats.ungranted_markers[:DUPLICATE_EXAMPLES],
            },
        )


def emit(telemetry: Telemetry, log: Logger, shard_id: str, stats: BatchStats) -> None:
    """The committed batch's metrics: each outcome by its contract metric."""
    log_duplicates(log, shard_id, stats)
    for outcome in JobOutcome:
        if stats.outcomes[outcome]:
            telemetry.count(outcome.metric, stats.outcomes[outcome])
    if stats.retried:
        telemetry.count(Metric.JOBS_RETRIED, stats.retried)
    if stats.latencies_ms:
        telemetry.millis(Metric.PROCESSING_LATENCY, *stats.latencies_ms)
