"""The report as OSCAL assessment results, validated by compliance-trestle's pydantic models.

The document is assembled as plain data in OSCAL's own field names and then validated by
``trestle.oscal.assessment_results.AssessmentResults``: a missing field, a bad UUID or a wrong
enum value raises here, not in an auditor's tool. One result holds the reviewed controls (our
catalog), one observation per piece of evidence (method TEST for rules and tests, EXAMINE for
reading the artifact; subjects are the resources it looked at), and one finding per control
whose target status is satisfied only when the report's status is SATISFIED.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from trestle.oscal import OSCAL_VERSION
from trestle.oscal import assessment_results as ar

from compliance.assess import (
    ControlAssessment,
    ControlStatus,
    EvidenceKind,
    EvidenceResult,
    EvidenceStatus,
)
from compliance.reportdata import ReportData
from compliance.runtime_evidence import add_to_oscal

Doc = dict[str, Any]

_NAMESPACE = uuid.UUID("6f1c1c52-8d0e-5a63-9b0f-51f2e5c0a7d1")
TOOLS = {
    "aspects": "CDKTF compliance Aspects (lib/aspects)",
    "gate": "Checkov policy gate (policies/gate.py)",
    "pytest": "pytest test suite (tests/)",
    "report": "compliance report (compliance/report.py)",
}
_TOOL_OF_KIND = {
    EvidenceKind.ASPECT_RULE: "aspects",
    EvidenceKind.CHECKOV_CHECK: "gate",
    EvidenceKind.TEST: "pytest",
    EvidenceKind.RESOURCE: "report",
    EvidenceKind.TRAIL_SETTING: "report",
    EvidenceKind.TOPIC_SUBSCRIBER: "report",
}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _prop(name: str, value: str) -> Doc:
    return {"name": name, "value": value.strip() or "none"}


def _slug(value: str) -> str:
    return value.replace(" ", "-")


def _components() -> list[Doc]:
    return [
        {
            "uuid": _uuid("tool", key),
            "type": "software",
            "title": title,
            "description": f"Evidence engine: {title}",
            "status": {"state": "operational"},
        }
        for key, title in TOOLS.items()
    ]


def _inventory_items(data: ReportData) -> list[Doc]:
    return [
        {
            "uuid": _uuid("resource", row.address),
            "description": f"{row.rtype} at construct path {row.construct_path or row.address}",
            "props": [_prop("terraform-address", row.address), _prop("resource-type", row.rtype)],
        }
        for row in data.inventory
    ]


def _observation(e: EvidenceResult, data: ReportData, known: set[str]) -> Doc:
    tool = _TOOL_OF_KIND[e.kind]
    rule_based = e.kind in (EvidenceKind.ASPECT_RULE, EvidenceKind.CHECKOV_CHECK)
    obs: Doc = {
        "uuid": _uuid("observation", e.key),
        "title": e.key,
        "description": f"{e.key}: {e.status.value} - {e.detail}",
        "methods": [e.kind.method],
        "types": ["finding" if e.status is EvidenceStatus.FAILED else "control-objective"],
        "origins": [{"actors": [{"type": "tool", "actor-uuid": _uuid("tool", tool)}]}],
        "relevant-evidence": [
            {
                "href": "report.csv" if rule_based else "report.json",
                "description": f"{TOOLS[tool]} result for {e.ref}",
            }
        ],
        "collected": data.run.generated_at.isoformat(),
        "props": [_prop("evidence-status", _slug(e.status.value))],
    }
    subjects = [
        {"subject-uuid": _uuid("resource", s), "type": "inventory-item", "title": s}
        for s in e.subjects
        if s in known
    ]
    if subjects:
        obs["subjects"] = subjects
    if e.waivers:
        obs["remarks"] = "; ".join(
            f"waived on {w.resource}: {w.reason} (owner {w.owner}, expires {w.expires})"
            for w in e.waivers
        )
    return obs


def _finding(a: ControlAssessment) -> Doc:
    satisfied = a.status is ControlStatus.SATISFIED
    reason = "pass" if satisfied else "fail" if a.status is ControlStatus.NOT_SATISFIED else "other"
    finding: Doc = {
        "uuid": _uuid("finding", a.control.id),
        "title": f"{a.control.id} {a.control.title}",
        "description": a.control.statement,
        "target": {
            "type": "objective-id",
            "target-id": a.control.id,
            "status": {"state": "satisfied" if satisfied else "not-satisfied", "reason": reason},
            "remarks": f"{a.status.value}: {a.reason}",
        },
        "props": [
            _prop("control-kind", a.control.kind.value),
            _prop("report-status", _slug(a.status.value)),
            *(_prop("requirement", r.label) for r in a.control.requirements),
        ],
    }
    related = [{"observation-uuid": _uuid("observation", e.key)} for e in a.evidence]
    if related:
        finding["related-observations"] = related
    return finding


def assessment_results_document(data: ReportData) -> Doc:
    """The assessment-results object (unwrapped) as OSCAL JSON data."""
    run, when = data.run, data.run.generated_at.isoformat()
    known = {row.address for row in data.inventory}
    observations: dict[str, Doc] = {}
    for a in data.assessments:
        for e in a.evidence:
            obs = _observation(e, data, known)
            observations.setdefault(obs["uuid"], obs)
    result: Doc = {
        "uuid": _uuid("result", run.commit, when),
        "title": f"Design-time assessment of {run.stack_name} at commit {run.commit[:12]}",
        "description": (
            "Controls of compliance/catalog.yaml assessed on the synthesized Terraform JSON: "
            "Aspect records, the Checkov gate, pytest results and the artifact itself. Runtime, "
            "application-record and organisational controls are not satisfied by this "
            "assessment: they need operating evidence or people."
        ),
        "start": when,
        "end": when,
        "local-definitions": {"components": _components()},
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": a.control.id} for a in data.assessments]}
            ]
        },
        "findings": [_finding(a) for a in data.assessments],
    }
    items = _inventory_items(data)
    if items:
        result["local-definitions"]["inventory-items"] = items
    if observations:
        result["observations"] = list(observations.values())
    doc: Doc = {
        "uuid": _uuid("assessment-results", run.commit, when),
        "metadata": {
            "title": f"StreamFlix compliance assessment results ({run.stack_name})",
            "published": when,
            "last-modified": when,
            "version": data.catalog.version,
            "oscal-version": OSCAL_VERSION,
            "props": [
                _prop("commit", run.commit),
                _prop("worktree", run.worktree),
                _prop("environment-suffix", run.environment_suffix),
                _prop("region", run.region),
                *(_prop(f"tool-{name}", version) for name, version in run.tools),
            ],
        },
        "import-ap": {
            "href": "compliance/catalog.yaml",
            "remarks": "No separate OSCAL assessment plan: the controls catalog in the "
            "repository is the plan.",
        },
        "results": [result],
    }
    if data.runtime is not None:
        add_to_oscal(doc, data.runtime)
    return doc


def build_assessment_results(data: ReportData) -> ar.AssessmentResults:
    """Validate the document with trestle's model (raises pydantic.ValidationError)."""
    return ar.AssessmentResults.model_validate(assessment_results_document(data))


def write_oscal(data: ReportData, path: Path) -> ar.AssessmentResults:
    model = build_assessment_results(data)
    path.write_text(model.oscal_serialize_json(pretty=True, wrapped=True) + "\n", encoding="utf-8")
    return model
