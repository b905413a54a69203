"""The period report: built from the evidence store, written as JSON, Markdown and a CSV annex.

What governance-mode Object Lock guarantees (and does not) is stated in every report, since an
auditor relies on it when accepting that the stored runs are the runs that happened.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from compliance.collect.checks import RUNTIME_CONTROLS
from compliance.collect.model import iso
from compliance.front import FrontPage
from compliance.period.exceptions import ExceptionEvent
from compliance.period.source import StoredRun, all_runs, load_runs, open_source
from compliance.period.timeline import (
    ControlTimeline,
    DayStatus,
    DesignRange,
    design_ranges,
    timelines,
)
from compliance.period.window import Period

PERIOD_DIR = "period"
JSON_FILE = "period-report.json"
MD_FILE = "period-report.md"
CSV_FILE = "period-timeline.csv"
SIMULATION_LABEL = "LOCAL SIMULATION"
DEFAULT_OWNER = "platform-team"  # the Owner tag's default (lib.config TagConfig)

ASSESSOR_TEXT = (
    "the automated period report (python -m compliance.report --period), from the runs the "
    "scheduled collector stored; no person reviewed the runs"
)
VERIFY_TEXT = (
    f"re-run the same command against the store (or a copy); every run's key and SHA-256 are "
    f"listed in {JSON_FILE} and its OSCAL observations; each sampled population re-draws from "
    "its stored seed (Sampling.redraw, docs/operating-evidence.md)"
)
WORM_STATEMENT = (
    "Evidence files are stored in an S3 bucket with Object Lock in GOVERNANCE mode, versioned, "
    "and the bucket policy refuses overwrites (If-None-Match) and lets only the deploying "
    "identity delete versions or bypass retention. This guarantees that the collector and every "
    "other principal of the account cannot alter or remove a stored run during its retention. "
    "It does NOT guarantee this against the deploying identity (or an administrator who changes "
    "the bucket policy): governance mode can be bypassed with s3:BypassGovernanceRetention, "
    "which cdktf destroy uses. For an opinion that relies on it, the operator replicates the "
    "store to an account the auditor controls (S3 replication with Object Lock in COMPLIANCE "
    "mode there), and the auditor reads that copy."
)


@dataclass(frozen=True)
class DesignJudgement:
    """A deployed design of the period and how its design-time evidence was judged."""

    range: DesignRange
    judged: bool
    verdict: str


@dataclass(frozen=True)
class PeriodReport:
    period: Period
    store: str
    stack_name: str | None
    expected_runs_per_day: int
    runs: tuple[StoredRun, ...]
    controls: tuple[ControlTimeline, ...]
    designs: tuple[DesignJudgement, ...]
    generated_at: datetime
    exception_events: tuple[ExceptionEvent, ...] = ()

    @property
    def simulated(self) -> bool:
        return any(r.evidence is not None and r.evidence.simulated for r in self.runs)

    @property
    def effective(self) -> bool:
        return (
            all(c.effective for c in self.controls)
            and all(d.judged for d in self.designs)
            and not self.exception_events
        )

    @property
    def conclusion(self) -> str:
        bad = [c.control_id for c in self.controls if not c.effective]
        unjudged = [d.range.commit[:12] for d in self.designs if not d.judged]
        waivers = [f"{e.rule} ({e.kind} {e.first}..{e.last})" for e in self.exception_events]
        if not bad and not unjudged and not waivers:
            return (
                f"Every runtime control operated effectively over {self.period} "
                f"({self.period.length} days, every expected collection present and satisfied)."
            )
        parts = []
        if bad:
            parts.append(f"not operated effectively: {', '.join(bad)}")
        if unjudged:
            parts.append(f"design-time evidence not judged for commit(s) {', '.join(unjudged)}")
        if waivers:
            parts.append(f"exceptions not in force for the whole period: {', '.join(waivers)}")
        return f"Qualified: {'; '.join(parts)}."


def judge_designs(
    ranges: tuple[DesignRange, ...], verdicts: Mapping[str, str]
) -> tuple[DesignJudgement, ...]:
    """``verdicts``: stack SHA-256 -> the design-time verdict a report of that artifact gave."""
    out = []
    for r in ranges:
        if r.sha256 in verdicts:
            out.append(DesignJudgement(r, True, verdicts[r.sha256]))
        elif r.sha256 == "unknown":
            out.append(DesignJudgement(r, False, "runs carry no design pointer: cannot be bound"))
        else:
            out.append(
                DesignJudgement(
                    r,
                    False,
                    f"no design-time report of this artifact was given: run compliance.report "
                    f"at commit {r.commit} and add its verdict",
                )
            )
    return tuple(out)


def build_period_report(
    period: Period,
    store: str,
    *,
    stack_name: str | None = None,
    design_verdicts: Mapping[str, str] | None = None,
    expected_runs_per_day: int = 1,
    s3_client: Callable[[], Any] | None = None,
    now: datetime | None = None,
    exception_events: tuple[ExceptionEvent, ...] = (),
) -> PeriodReport:
    list_keys, read = open_source(store, s3_client)
    by_day = load_runs(period, list_keys, read, stack_name)
    return PeriodReport(
        period,
        store,
        stack_name,
        expected_runs_per_day,
        tuple(all_runs(by_day)),
        timelines(period, by_day, RUNTIME_CONTROLS, expected_runs_per_day),
        judge_designs(design_ranges(by_day), design_verdicts or {}),
        (now or datetime.now(UTC)).replace(microsecond=0),
        exception_events,
    )


def to_json(report: PeriodReport) -> dict[str, Any]:
    return {
        "period": {"start": report.period.first.isoformat(), "end": report.period.last.isoformat()},
        "evidence_store": report.store,
        "stack_name": report.stack_name,
        "generated_at": iso(report.generated_at),
        "simulated": report.simulated,
        "expected_runs_per_day": report.expected_runs_per_day,
        "conclusion": report.conclusion,
        "effective": report.effective,
        "worm_store": WORM_STATEMENT,
        "controls": [
            {
                "control_id": c.control_id,
                "checks": list(c.checks),
                "effective": c.effective,
                "conclusion": c.conclusion,
                "days": {s.value: c.count(s) for s in DayStatus},
                "deviations": [
                    {"date": d.day.isoformat(), "status": d.status.value, "reason": d.reason}
                    for d in c.deviations
                ],
            }
            for c in report.controls
        ],
        "designs": [
            {
                "commit": d.range.commit,
                "stack_sha256": d.range.sha256,
                "first_day": d.range.first.isoformat(),
                "last_day": d.range.last.isoformat(),
                "days": d.range.days,
                "judged": d.judged,
                "verdict": d.verdict,
            }
            for d in report.designs
        ],
        "exceptions": [
            {
                "rule": e.rule,
                "resource": e.resource,
                "kind": e.kind,
                "uncovered": {"start": e.first.isoformat(), "end": e.last.isoformat()},
                "controls": list(e.controls),
                "text": e.text,
            }
            for e in report.exception_events
        ],
        "runs": [
            {
                "day": r.day.isoformat(),
                "run_id": r.run_id,
                "key": r.key,
                "sha256": r.sha256,
                "usable": r.usable,
                "problem": r.problem,
                "other_files": list(r.other_files),
            }
            for r in report.runs
        ],
    }


def period_front_text(report: PeriodReport) -> str:
    """The period as a front page states it (this report's and the design-time report's)."""
    p = report.period
    # a local copy of the store is named by its folder: the report carries no absolute path
    store = report.store if report.store.startswith("s3://") else Path(report.store).name
    return (
        f"{p.first} to {p.last} ({p.length} days, {report.expected_runs_per_day} expected "
        f"collection(s) a day; {len(report.runs)} runs read from {store}): operating "
        f"effectiveness of the runtime controls in {PERIOD_DIR}/{MD_FILE}: {report.conclusion}"
    )


def period_front(report: PeriodReport) -> FrontPage:
    """The front page of the period report (the shape the design-time report uses too)."""
    observed = [r.evidence for r in report.runs if r.evidence is not None]
    accounts = sorted({e.account_id for e in observed}) or ["none recorded (no usable run)"]
    regions = sorted({e.region for e in observed}) or ["none recorded"]
    return FrontPage(
        title=f"Operating effectiveness over {report.period}",
        marks=(SIMULATION_LABEL,) if report.simulated else (),
        boundary=(
            f"stack {report.stack_name or 'any'} as the scheduled collector observed it, from "
            f"the evidence store {report.store}"
        ),
        account=", ".join(accounts),
        region=", ".join(regions),
        in_scope=(
            "the runtime controls "
            + ", ".join(c.control_id for c in report.controls)
            + " of the stack above, in the account and region each run records",
        ),
        out_of_scope=(
            "account baselines (AWS Config, Security Hub) are observed, not deployed by the stack",
            "design-time controls: judged per deployed design (below) by the design-time report",
        ),
        period=(
            f"{report.period.first} to {report.period.last} ({report.period.length} days, "
            f"{report.expected_runs_per_day} expected collection(s) a day); runs read: "
            f"{len(report.runs)}; generated {iso(report.generated_at)}"
        ),
        assessed_by=(ASSESSOR_TEXT,),
        conclusion=report.conclusion,
        verify=(VERIFY_TEXT,),
    )


def to_markdown(report: PeriodReport) -> str:
    sim = f"**{SIMULATION_LABEL}** — " if report.simulated else ""
    lines = [
        f"# {sim}Operating effectiveness over {report.period}",
        "",
        *period_front(report).markdown(),
        "",
        "## Controls",
        "",
        "| Control | Satisfied days | Not satisfied | No evidence | Conclusion |",
        "|---|---|---|---|---|",
    ]
    for c in report.controls:
        verdict = "operated effectively" if c.effective else "**not operated effectively**"
        lines.append(
            f"| {c.control_id} | {c.count(DayStatus.SATISFIED)} | "
            f"{c.count(DayStatus.NOT_SATISFIED)} | {c.count(DayStatus.NO_EVIDENCE)} | {verdict} |"
        )
    lines += ["", "## Deviations", ""]
    deviations = [(c.control_id, d) for c in report.controls for d in c.deviations]
    if not deviations:
        lines.append("None.")
    else:
        lines += ["| Date | Control | Status | Reason |", "|---|---|---|---|"]
        for control, d in sorted(deviations, key=lambda x: (x[1].day, x[0])):
            reason = d.reason.replace("|", "\\|")
            lines.append(f"| {d.day} | {control} | {d.status.value} | {reason} |")
    lines += [
        "",
        "## Designs deployed during the period (design-time evidence)",
        "",
        "| Commit | Stack SHA-256 | From | To | Days | Judged |",
        "|---|---|---|---|---|---|",
    ]
    for design in report.designs:
        r = design.range
        lines.append(
            f"| `{r.commit[:12]}` | `{r.sha256[:16]}` | {r.first} | {r.last} | {r.days} | "
            f"{design.verdict} |"
        )
    lines += ["", "## Exceptions not in force for the whole period", ""]
    lines += [f"- {e.text}" for e in report.exception_events] or ["None."]
    lines += ["", "## What the evidence store guarantees", "", WORM_STATEMENT, ""]
    lines += [f"Every day's timeline per control: `{CSV_FILE}` (annex).", ""]
    return "\n".join(lines)


def write_period_files(report: PeriodReport, out: Path) -> dict[str, Path]:
    """JSON, Markdown and the CSV annex into ``out/period/`` (OSCAL: compliance.period.write)."""
    folder = out / PERIOD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        JSON_FILE: folder / JSON_FILE,
        MD_FILE: folder / MD_FILE,
        CSV_FILE: folder / CSV_FILE,
    }
    paths[JSON_FILE].write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")
    paths[MD_FILE].write_text(to_markdown(report), encoding="utf-8")
    with paths[CSV_FILE].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["control_id", "date", "status", "reason", "runs", "simulated"])
        for c in report.controls:
            for d in c.days:
                w.writerow(
                    [
                        c.control_id,
                        d.day.isoformat(),
                        d.status.value,
                        d.reason,
                        " ".join(d.runs),
                        report.simulated,
                    ]
                )
    return paths
