"""Per runtime control, per day of the period: satisfied, not satisfied, or no evidence; the
deviations with their dates; and the conclusion.

A day is satisfied for a control only if every expected collection of that day is stored,
usable (valid JSON, schema, the right stack, collected that day) and every item of the control's
checks is satisfied. Anything else is a deviation with its date and reason: a missing day is
never skipped. A control "operated effectively over the period" only with no deviation.
Design-time evidence is bound to the designs deployed during the period: each distinct
(commit, stack SHA-256) of the runs' design pointers with its date range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from compliance.collect.checks import ALL_CHECKS
from compliance.collect.model import ItemStatus
from compliance.period.source import StoredRun
from compliance.period.window import Period


class DayStatus(StrEnum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not-satisfied"
    NO_EVIDENCE = "no-evidence"


@dataclass(frozen=True)
class Day:
    day: date
    status: DayStatus
    reason: str  # empty when satisfied
    runs: tuple[str, ...]  # run ids that judged the day


@dataclass(frozen=True)
class ControlTimeline:
    control_id: str
    checks: tuple[str, ...]
    days: tuple[Day, ...]

    @property
    def deviations(self) -> tuple[Day, ...]:
        return tuple(d for d in self.days if d.status is not DayStatus.SATISFIED)

    @property
    def effective(self) -> bool:
        return not self.deviations

    def count(self, status: DayStatus) -> int:
        return sum(1 for d in self.days if d.status is status)

    @property
    def conclusion(self) -> str:
        if self.effective:
            return (
                f"operated effectively over the period ({len(self.days)} of {len(self.days)} days)"
            )
        listed = "; ".join(f"{d.day.isoformat()}: {d.reason}" for d in self.deviations)
        return f"not operated effectively: {len(self.deviations)} deviation(s): {listed}"


@dataclass(frozen=True)
class DesignRange:
    """One deployed design (commit and stack hash) and the days runs compared against it."""

    commit: str
    sha256: str
    first: date
    last: date
    days: int


def checks_of(control_id: str) -> tuple[str, ...]:
    return tuple(c.id for c in ALL_CHECKS if control_id in c.controls)


def _judge_day(
    day: date, runs: list[StoredRun], checks: tuple[str, ...], expected_runs: int
) -> Day:
    ids = tuple(r.run_id for r in runs)
    if not runs:
        return Day(day, DayStatus.NO_EVIDENCE, "no collection stored (missed run)", ids)
    unusable = [r for r in runs if not r.usable]
    if unusable:
        why = "; ".join(f"run {r.run_id}: {r.problem}" for r in unusable)
        return Day(day, DayStatus.NO_EVIDENCE, f"evidence unusable: {why}", ids)
    if len(runs) < expected_runs:
        return Day(
            day,
            DayStatus.NO_EVIDENCE,
            f"{len(runs)} of {expected_runs} expected collections stored",
            ids,
        )
    problems: list[str] = []
    for run in runs:
        assert run.evidence is not None
        items = [i for i in run.evidence.items if i.check_id in checks]
        missing = sorted(set(checks) - {i.check_id for i in items})
        if missing:
            problems.append(f"run {run.run_id}: checks not run: {', '.join(missing)}")
        failing = sorted(
            {
                f"{i.check_id} {i.status.value} on {i.resource_arn}"
                for i in items
                if i.status is not ItemStatus.SATISFIED
            }
        )
        if failing:
            problems.append(f"run {run.run_id}: {'; '.join(failing)}")
    if problems:
        return Day(day, DayStatus.NOT_SATISFIED, " | ".join(problems), ids)
    return Day(day, DayStatus.SATISFIED, "", ids)


def timelines(
    period: Period,
    by_day: dict[date, list[StoredRun]],
    controls: tuple[str, ...],
    expected_runs_per_day: int = 1,
) -> tuple[ControlTimeline, ...]:
    out = []
    for control in controls:
        checks = checks_of(control)
        days = tuple(
            _judge_day(day, by_day.get(day, []), checks, expected_runs_per_day)
            for day in period.days()
        )
        out.append(ControlTimeline(control, checks, days))
    return tuple(out)


def design_ranges(by_day: dict[date, list[StoredRun]]) -> tuple[DesignRange, ...]:
    """Contiguous date ranges of the same (commit, stack SHA-256), in time order; runs without
    a design pointer form an 'unknown' range (a deviation of the binding)."""
    ranges: list[DesignRange] = []
    for day in sorted(by_day):
        for run in by_day[day]:
            commit = run.design.commit if run.design else "unknown"
            sha = run.design.sha256 if run.design else "unknown"
            last = ranges[-1] if ranges else None
            if last and (last.commit, last.sha256) == (commit, sha):
                if last.last != day:
                    ranges[-1] = DesignRange(commit, sha, last.first, day, last.days + 1)
            else:
                ranges.append(DesignRange(commit, sha, day, day, 1))
    return tuple(ranges)
