"""OSCAL for the period (issue 22 item 6): assessment results over the period and a POA&M.

``period-assessment-results.json``: one result whose ``start``/``end`` are the period, one
observation per stored collection run (method TEST, the stored key as relevant evidence), one
finding per runtime control (satisfied only when it operated effectively over the whole period,
else not-satisfied with the deviations as the reason), and an **open** risk for every control
that did not. ``period-poam.json``: a POA&M item per open risk, so a GRC tool can track the
remediation. ``responsible-parties`` name the assessor (this automated report) and the system
owner (the Owner tag). Both import the report's own chain in the folder above (``../``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from trestle.oscal import assessment_results as ar
from trestle.oscal import poam

from compliance.collect.model import iso
from compliance.oscal_common import PLAN_FILE, SSP_FILE, Doc, metadata, prop, run_uuid, stable_uuid
from compliance.period.report import SIMULATION_LABEL, PeriodReport
from compliance.period.source import StoredRun
from compliance.period.timeline import ControlTimeline

RESULTS_FILE = "period-assessment-results.json"
POAM_FILE = "period-poam.json"
ASSESSOR = "StreamFlix period report (python -m compliance.report --period, automated)"


def _parties(owner: str) -> tuple[list[Doc], list[Doc], list[Doc]]:
    assessor, system_owner = stable_uuid("party", "assessor"), stable_uuid("party", owner)
    roles = [
        {"id": "assessor", "title": "Assessor"},
        {"id": "system-owner", "title": "System owner"},
    ]
    parties = [
        {"uuid": assessor, "type": "organization", "name": ASSESSOR},
        {"uuid": system_owner, "type": "organization", "name": owner},
    ]
    responsible = [
        {"role-id": "assessor", "party-uuids": [assessor]},
        {"role-id": "system-owner", "party-uuids": [system_owner]},
    ]
    return roles, parties, responsible


def _meta(title: str, report: PeriodReport, owner: str) -> Doc:
    sim = f"{SIMULATION_LABEL}: " if report.simulated else ""
    meta = metadata(
        f"{sim}{title}",
        iso(report.generated_at),
        "1.0.0",
        [
            prop("period", str(report.period)),
            prop("evidence-store", report.store),
            prop("simulated", str(report.simulated).lower()),
            prop("stack", report.stack_name or "any"),
        ],
    )
    meta["roles"], meta["parties"], meta["responsible-parties"] = _parties(owner)
    return meta


def _observation(run: StoredRun, run_id: str) -> Doc:
    collected = run.evidence.collected_at if run.evidence else None
    obs: Doc = {
        "uuid": run_uuid(run_id, "run", run.run_id),
        "title": f"Scheduled collection {run.run_id}",
        "description": (
            f"Runtime evidence stored for {run.day.isoformat()}"
            + ("" if run.usable else f"; not usable: {run.problem}")
        ),
        "methods": ["TEST"],
        "collected": iso(collected) if collected else f"{run.day.isoformat()}T00:00:00Z",
        "relevant-evidence": [
            {"href": run.key, "description": f"SHA-256 {run.sha256 or 'unknown'}"}
        ],
        "props": [prop("run-id", run.run_id), prop("usable", str(run.usable).lower())],
    }
    return obs


def _risk(c: ControlTimeline, run_id: str, report: PeriodReport) -> Doc:
    return {
        "uuid": run_uuid(run_id, "risk", c.control_id),
        "title": f"{c.control_id} did not operate effectively over {report.period}",
        "description": c.conclusion,
        "statement": (
            f"{len(c.deviations)} of {len(c.days)} days deviated: "
            + "; ".join(f"{d.day.isoformat()} {d.status.value}" for d in c.deviations)
        ),
        "props": [prop("control", c.control_id), prop("deviations", str(len(c.deviations)))],
        "status": "open",
    }


def _finding(c: ControlTimeline, run_id: str, runs: list[str], risk: str | None) -> Doc:
    finding: Doc = {
        "uuid": run_uuid(run_id, "finding", c.control_id),
        "title": f"{c.control_id} over the period",
        "description": f"Checks: {', '.join(c.checks)}",
        "target": {
            "type": "objective-id",
            "target-id": c.control_id,
            "status": {
                "state": "satisfied" if c.effective else "not-satisfied",
                "reason": "pass" if c.effective else "fail",
            },
            "remarks": c.conclusion,
        },
    }
    if runs:
        finding["related-observations"] = [{"observation-uuid": u} for u in runs]
    if risk:
        finding["related-risks"] = [{"risk-uuid": risk}]
    return finding


def period_documents(
    report: PeriodReport, owner: str, run_id: str | None = None
) -> tuple[Doc, Doc | None]:
    """The assessment results and the POA&M (None: no open risk, so nothing to track)."""
    run_id = run_id or str(uuid.uuid4())
    observations = [_observation(r, run_id) for r in report.runs]
    by_run = {r.run_id: o["uuid"] for r, o in zip(report.runs, observations, strict=True)}
    risks = {c.control_id: _risk(c, run_id, report) for c in report.controls if not c.effective}
    for e in report.exception_events:
        key = f"exception {e.rule} {e.resource} {e.kind}"
        risks[key] = {
            "uuid": run_uuid(run_id, "risk", key),
            "title": f"Exception for {e.rule} {e.kind} inside {report.period}",
            "description": e.text,
            "statement": e.text,
            "props": [prop("rule", e.rule), *(prop("control", c) for c in e.controls)],
            "status": "open",
        }
    findings = [
        _finding(
            c,
            run_id,
            sorted({by_run[r] for d in c.days for r in d.runs if r in by_run}),
            risks[c.control_id]["uuid"] if c.control_id in risks else None,
        )
        for c in report.controls
    ]
    result: Doc = {
        "uuid": run_uuid(run_id, "result"),
        "title": f"Operating effectiveness over {report.period}",
        "description": report.conclusion,
        "start": iso(report.period.start),
        "end": iso(report.period.end),
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": c.control_id} for c in report.controls]}
            ]
        },
        "findings": findings,
    }
    if observations:
        result["observations"] = observations
    if risks:
        result["risks"] = list(risks.values())
    results: Doc = {
        "uuid": run_uuid(run_id, "assessment-results"),
        "metadata": _meta("StreamFlix operating effectiveness (period)", report, owner),
        "import-ap": {"href": f"../{PLAN_FILE}"},
        "results": [result],
    }
    if not risks:
        return results, None
    plan: Doc = {
        "uuid": run_uuid(run_id, "poam"),
        "metadata": _meta("StreamFlix plan of action and milestones (period)", report, owner),
        "import-ssp": {"href": f"../{SSP_FILE}"},
        "risks": list(risks.values()),
        "poam-items": [
            {
                "uuid": run_uuid(run_id, "poam-item", control),
                "title": f"Resolve: {risk['title']}",
                "description": risk["description"],
                "related-risks": [{"risk-uuid": risk["uuid"]}],
            }
            for control, risk in risks.items()
        ],
    }
    return results, plan


def write_period_oscal(report: PeriodReport, folder: Path, owner: str) -> dict[str, Path]:
    """Validate both with compliance-trestle's models, then write them."""
    results, plan = period_documents(report, owner)
    ar_model = ar.AssessmentResults.model_validate(results)
    paths = {RESULTS_FILE: folder / RESULTS_FILE}
    paths[RESULTS_FILE].write_text(
        ar_model.oscal_serialize_json(pretty=True, wrapped=True) + "\n", encoding="utf-8"
    )
    if plan is not None:
        poam_model = poam.PlanOfActionAndMilestones.model_validate(plan)
        paths[POAM_FILE] = folder / POAM_FILE
        paths[POAM_FILE].write_text(
            poam_model.oscal_serialize_json(pretty=True, wrapped=True) + "\n", encoding="utf-8"
        )
    return paths
