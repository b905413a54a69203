"""A period of daily collections on moto with an injected clock (``demo_runtime --days N``).

Development only, and labelled so: every run's evidence records the moto endpoint, so the
period report says LOCAL SIMULATION. The injected events are what an auditor must see:
a missed day (no run stored), and a drift (a log group's retention changed to 30 days) fixed
two days later. They are returned, so a test can check the report puts them on the right dates.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from compliance.collect.design import read_design
from compliance.collect.run import Target, collect, write_evidence
from compliance.collect.store import DESIGN_FILE, DesignPointer, write_run_local
from core.evidence_layout import run_id
from core.git import git_commit
from simulation.account import FAKE_CREDENTIALS, SimulatedAccount

COLLECTION_TIME = timedelta(hours=5, minutes=17)  # the schedule's daily start (UTC)
DRIFTED_RETENTION_DAYS = 30
MIN_DAYS = 6


@dataclass(frozen=True)
class Injected:
    """The deviations the simulation injected, by date."""

    missed: date
    drift_start: date
    drift_fixed: date  # first day the retention is back as designed
    drifted_group: str


EXPIRING_RULE = "CKV_AWS_252"  # the trail's per-file SNS notification waiver


def expiring_exceptions(source: Path, target: Path, first: date, expires: date) -> Path:
    """A copy of the exceptions file whose ``EXPIRING_RULE`` entry was approved before the
    period and expires on ``expires`` (inside it): the period's expired exception."""
    import yaml

    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    (entry,) = [e for e in data["exceptions"] if e["rule"] == EXPIRING_RULE]
    entry["approved_on"] = first - timedelta(days=30)
    entry["expires"] = expires
    for other in data["exceptions"]:  # approved before the period, so only the one event
        other["approved_on"] = min(other["approved_on"], first - timedelta(days=30))
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def plan(first: date, days: int) -> Injected:
    """A missed day at a third of the period, a drift at half fixed two days later (inside
    the period)."""
    if days < MIN_DAYS:
        raise ValueError(f"--days {days}: at least {MIN_DAYS} (a missed day, a two-day drift)")
    missed = first + timedelta(days=days // 3)
    drift = first + timedelta(days=days // 2)
    return Injected(missed, drift, drift + timedelta(days=2), "")


def simulate_period(
    stack_dir: Path, store: Path, endpoint: str, first: date, days: int
) -> Injected:
    """Build the account once, then collect once a day for ``days`` days into ``store``."""
    for key, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    design = read_design(stack_dir)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC) + COLLECTION_TIME
    account = SimulatedAccount.build(design, Target.default(design.region, endpoint), start)
    group = next(g for g in design.log_groups if g.retention_days != DRIFTED_RETENTION_DAYS)
    injected = plan(first, days)
    injected = Injected(injected.missed, injected.drift_start, injected.drift_fixed, group.name)
    body = (stack_dir / "cdk.tf.json").read_bytes()
    pointer = DesignPointer(
        hashlib.sha256(body).hexdigest(),
        stack_dir.name,
        git_commit(Path(__file__).resolve().parents[2]),
        start.isoformat(),
    )
    for i in range(days):
        when = start + timedelta(days=i)
        today = when.date()
        if today == injected.drift_start:
            account.set_retention(group.name, DRIFTED_RETENTION_DAYS)
        if today == injected.drift_fixed:
            account.set_retention(group.name, group.retention_days)
        if today == injected.missed:
            continue  # the scheduled run failed: nothing stored
        account.advance_to(when)
        evidence = collect(design, account.collector_target(), now=when, seed=i + 1)
        with tempfile.TemporaryDirectory(prefix="sfx-sim-") as tmp:
            out = Path(tmp)
            write_evidence(evidence, out)
            (out / DESIGN_FILE).write_text(json.dumps(pointer.to_json()) + "\n")
            write_run_local(store, out, when, run_id(when, uuid.uuid4().hex))
    return injected
