"""The report as OSCAL assessment results, validated by compliance-trestle's pydantic models.

The results import the assessment plan written beside them (``import-ap`` href relative to the
results file; the plan imports the SSP, which imports the profile, which selects the catalog:
see ``compliance.oscal_chain``). One result holds:

- inventory items (stable UUIDs, OSCAL's ``asset-id``/``asset-type`` props) for the resources;
- the engines as assessment assets with an assessment platform (not system components);
- one observation per piece of evidence (type ``discovery``, method TEST or EXAMINE,
  ``collected`` = when its engine ran, ``expires`` = collected + EVIDENCE_VALIDITY), linking to
  the raw file it came from, a back-matter resource with its SHA-256;
- findings only for controls this run assessed (satisfied, partially satisfied, not satisfied,
  waived): runtime, "runtime part pending",
  manual and not-run controls are reviewed controls without a finding, never "not-satisfied";
- one risk per exception that waived evidence, status ``deviation-approved``, the expiry as
  deadline and the approver in the risk log (``logged-by`` a party of the metadata).

Observation, finding, risk and result UUIDs are derived from a random run id (unique per run);
inventory, component and party UUIDs are stable.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from trestle.oscal import assessment_results as ar

from compliance.assess import (
    ControlAssessment,
    ControlStatus,
    EvidenceKind,
    EvidenceResult,
)
from compliance.oscal_chain import write_chain
from compliance.oscal_common import (
    PLAN_FILE,
    RESULTS_FILE,
    Doc,
    engine_assets,
    metadata,
    prop,
    run_uuid,
    stable_uuid,
)
from compliance.reportdata import ReportData, engine_of
from compliance.runtime_evidence import add_to_oscal
from core.exceptions import PolicyException

# How long design-time evidence stays current: the next CI run replaces it well before.
EVIDENCE_VALIDITY = dt.timedelta(days=30)
# Statuses that are a verdict of this run; the others get no finding (nothing was decided).
# "partially satisfied" is decided too: the design knowingly covers less (not-satisfied, other).
# "designed in, runtime part pending" waits for runtime evidence, like runtime controls.
ASSESSED = frozenset(
    {
        ControlStatus.SATISFIED,
        ControlStatus.PARTIAL,
        ControlStatus.NOT_SATISFIED,
        ControlStatus.WAIVED,
    }
)
# Raw evidence file of each engine in the report's evidence/ folder (see compliance.manifest).
_ENGINE_FILE = {
    "aspects": "evidence/aspect-results.json",
    "checkov gate": "evidence/gate.json",
    "pytest": "evidence/pytest-junit.xml",
}
# OSCAL asset-type values (allow-other) for the resource types we can name; the rest "other".
_ASSET_TYPES = {
    "aws_rds_cluster": "database",
    "aws_rds_cluster_instance": "database",
    "aws_s3_bucket": "storage-array",
    "aws_security_group": "firewall",
    "aws_network_acl": "firewall",
    "aws_route_table": "router",
    "aws_nat_gateway": "router",
    "aws_internet_gateway": "router",
}


def _slug(value: str) -> str:
    return value.replace(" ", "-")


def _inventory_items(data: ReportData) -> list[Doc]:
    return [
        {
            "uuid": stable_uuid("resource", row.address),
            "description": f"{row.rtype} at construct path {row.construct_path or row.address}",
            "props": [
                prop("asset-id", row.address, ns=None),
                prop("asset-type", _ASSET_TYPES.get(row.rtype, "other"), ns=None),
                prop("terraform-resource-type", row.rtype),
            ],
        }
        for row in data.inventory
    ]


def _parties(data: ReportData) -> dict[str, str]:
    """Owner and approver names of the exceptions -> stable party UUIDs."""
    names = set()
    for e in data.exceptions.items:
        names.add(e.owner)
        names.add(e.approved_by)
    return {name: stable_uuid("party", name) for name in sorted(names)}


def _back_matter(data: ReportData) -> tuple[list[Doc], dict[str, str]]:
    """Raw evidence files (with SHA-256) as resources; returns them and path -> resource uuid."""
    resources: list[Doc] = []
    by_path: dict[str, str] = {}
    files = data.manifest.files if data.manifest else ()
    for f in files:
        rid = stable_uuid("evidence-file", f.path, f.sha256)
        by_path[f.path] = rid
        resources.append(
            {
                "uuid": rid,
                "title": f.path,
                "props": [prop("engine", f.engine)],
                "rlinks": [
                    {"href": f.path, "hashes": [{"algorithm": "SHA-256", "value": f.sha256}]}
                ],
            }
        )
    if data.artifact is not None:
        a = data.artifact
        rid = stable_uuid("artifact", a.sha256)
        by_path["artifact"] = rid
        resources.append(
            {
                "uuid": rid,
                "title": f"{a.stack}/cdk.tf.json (the assessed artifact)",
                "props": [prop("commit", a.commit), prop("worktree", a.worktree)],
                "rlinks": [
                    {
                        "href": f"cdktf.out/stacks/{a.stack}/cdk.tf.json",
                        "hashes": [{"algorithm": "SHA-256", "value": a.sha256}],
                    }
                ],
            }
        )
    return resources, by_path


def _collected(data: ReportData, kind: EvidenceKind) -> dt.datetime:
    ran = data.engine_ran_at(kind)
    return dt.datetime.fromisoformat(ran) if ran else data.run.generated_at


def _observation(
    e: EvidenceResult, data: ReportData, run_id: str, known: set[str], files: dict[str, str]
) -> Doc:
    engine = engine_of(e.kind)
    collected = _collected(data, e.kind)
    source = files.get(_ENGINE_FILE.get(engine, "artifact")) or files.get("artifact")
    evidence: Doc = {"description": f"{engine} result for {e.ref}"}
    if source:
        evidence["href"] = f"#{source}"
    obs: Doc = {
        "uuid": run_uuid(run_id, "observation", e.key),
        "title": e.key,
        "description": f"{e.key}: {e.status.value} - {e.detail}",
        "methods": [e.kind.method],
        "types": ["discovery"],
        "origins": [{"actors": [{"type": "tool", "actor-uuid": stable_uuid("engine", engine)}]}],
        "relevant-evidence": [evidence],
        "collected": collected.isoformat(),
        "expires": (collected + EVIDENCE_VALIDITY).isoformat(),
        "props": [prop("evidence-status", _slug(e.status.value))],
    }
    subjects = [
        {"subject-uuid": stable_uuid("resource", s), "type": "inventory-item", "title": s}
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


def _waived_by(
    data: ReportData,
) -> dict[PolicyException, list[tuple[ControlAssessment, EvidenceResult]]]:
    out: dict[PolicyException, list[tuple[ControlAssessment, EvidenceResult]]] = {}
    for a in data.assessments:
        for e in a.evidence:
            for w in e.waivers:
                exc = data.exceptions.find(e.ref, w.resource)
                if exc is not None and (a, e) not in out.setdefault(exc, []):
                    out[exc].append((a, e))
    return out


def _risk(
    exc: PolicyException,
    uses: list[tuple[ControlAssessment, EvidenceResult]],
    run_id: str,
    parties: dict[str, str],
) -> Doc:
    """One approved deviation. The exceptions loader guarantees approver, approval date and
    rating (compliance.exceptions refuses an entry without them), so they are always written."""
    props = [
        prop("rule", exc.rule),
        prop("resource-glob", exc.resource),
        prop("owner", exc.owner),
        prop("risk-rating", str(exc.risk)),
        *(prop("compensating-control", str(c)) for c in exc.compensating_controls),
        *(prop("control", a.control.id) for a, _ in uses),
        prop("approved-by", exc.approved_by),
    ]
    entry: Doc = {
        "uuid": run_uuid(run_id, "risk-log", exc.rule, exc.resource),
        "title": f"Deviation approved by {exc.approved_by}",
        "start": dt.datetime.combine(exc.approved_on, dt.time(), dt.UTC).isoformat(),
        "status-change": "deviation-approved",
        "logged-by": [{"party-uuid": parties[exc.approved_by], "role-id": "approver"}],
    }
    return {
        "uuid": run_uuid(run_id, "risk", exc.rule, exc.resource),
        "title": f"Approved exception: {exc.rule} on {exc.resource}",
        "description": exc.reason,
        "statement": f"{exc.rule} does not hold for {exc.resource}: {exc.reason}",
        "props": props,
        "status": "deviation-approved",
        "deadline": dt.datetime.combine(exc.expires, dt.time(23, 59, 59), dt.UTC).isoformat(),
        "related-observations": [
            {"observation-uuid": run_uuid(run_id, "observation", e.key)} for _, e in uses
        ],
        "risk-log": {"entries": [entry]},
    }


def _finding(a: ControlAssessment, run_id: str, risks: list[str]) -> Doc:
    satisfied = a.status is ControlStatus.SATISFIED
    reason = "pass" if satisfied else "fail" if a.status is ControlStatus.NOT_SATISFIED else "other"
    finding: Doc = {
        "uuid": run_uuid(run_id, "finding", a.control.id),
        "title": f"{a.control.id} {a.control.title}",
        "description": a.control.statement,
        "target": {
            "type": "objective-id",
            "target-id": a.control.id,
            "status": {"state": "satisfied" if satisfied else "not-satisfied", "reason": reason},
            "remarks": f"{a.status.value}: {a.reason}",
        },
        "props": [
            prop("control-kind", a.control.kind.value),
            prop("report-status", _slug(a.status.value)),
        ],
    }
    related = [{"observation-uuid": run_uuid(run_id, "observation", e.key)} for e in a.evidence]
    if related:
        finding["related-observations"] = related
    if risks:
        finding["related-risks"] = [{"risk-uuid": r} for r in risks]
    return finding


def assessment_results_document(data: ReportData, run_id: str | None = None) -> Doc:
    """The assessment-results object (unwrapped) as OSCAL JSON data."""
    run_id = run_id or str(uuid.uuid4())
    run, when = data.run, data.run.generated_at.isoformat()
    known = {row.address for row in data.inventory}
    resources, files = _back_matter(data)
    observations: dict[str, Doc] = {}
    for a in data.assessments:
        for e in a.evidence:
            obs = _observation(e, data, run_id, known, files)
            observations.setdefault(obs["uuid"], obs)
    parties = _parties(data)
    waived = _waived_by(data)
    risks = [_risk(exc, uses, run_id, parties) for exc, uses in waived.items()]
    risks_of: dict[str, list[str]] = {}
    for uses, risk in zip(waived.values(), risks, strict=True):
        for a, _ in uses:
            risks_of.setdefault(a.control.id, []).append(risk["uuid"])
    assessed = [a for a in data.assessments if a.status in ASSESSED]
    not_assessed = [a.control.id for a in data.assessments if a.status not in ASSESSED]
    local: Doc = {"assessment-assets": engine_assets()}
    items = _inventory_items(data)
    if items:
        local["inventory-items"] = items
    result: Doc = {
        "uuid": run_uuid(run_id, "result"),
        "title": _marked(
            data, f"Design-time assessment of {run.stack_name} at commit {run.commit[:12]}"
        ),
        "description": (
            "Controls of compliance/catalog.yaml assessed on the synthesized Terraform JSON: "
            "Aspect records, the Checkov gate, pytest results and the artifact itself. Findings "
            "exist only for controls this run decided; runtime, application-record, "
            "organisational and not-run controls are reviewed but not assessed here."
        ),
        "start": when,
        "end": when,
        "local-definitions": local,
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": a.control.id} for a in data.assessments]}
            ]
        },
    }
    if data.marks:
        result["props"] = [prop("evidence-mark", mark) for mark in data.marks]
    if not_assessed:
        result["remarks"] = "Not assessed by this run: " + ", ".join(not_assessed)
    if observations:
        result["observations"] = list(observations.values())
    if risks:
        result["risks"] = risks
    if assessed:
        result["findings"] = [_finding(a, run_id, risks_of.get(a.control.id, [])) for a in assessed]
    meta = metadata(
        _marked(data, f"StreamFlix compliance assessment results ({run.stack_name})"),
        when,
        data.catalog.version,
        [
            prop("commit", run.commit),
            prop("worktree", run.worktree),
            prop("environment-suffix", run.environment_suffix),
            prop("region", run.region),
            *(prop(f"tool-{name}", version) for name, version in run.tools),
            *(prop("evidence-mark", mark) for mark in data.marks),
        ],
    )
    meta["published"] = when
    if parties:
        meta["roles"] = [
            {"id": "approver", "title": "Exception approver"},
            {"id": "owner", "title": "Exception owner"},
        ]
        meta["parties"] = [
            {"uuid": pid, "type": "organization", "name": name} for name, pid in parties.items()
        ]
        approvers = sorted({parties[e.approved_by] for e in data.exceptions.items})
        if approvers:
            meta["responsible-parties"] = [{"role-id": "approver", "party-uuids": approvers}]
    doc: Doc = {
        "uuid": run_uuid(run_id, "assessment-results"),
        "metadata": meta,
        "import-ap": {"href": PLAN_FILE},
        "results": [result],
    }
    if resources:
        doc["back-matter"] = {"resources": resources}
    if data.runtime is not None:
        add_to_oscal(doc, data.runtime)
    return doc


def _marked(data: ReportData, title: str) -> str:
    """A title stamped with the report's marks (UNSIGNED EVIDENCE, LOCAL SIMULATION, ...)."""
    return f"[{' · '.join(data.marks)}] {title}" if data.marks else title


def build_assessment_results(data: ReportData) -> ar.AssessmentResults:
    """Validate the document with trestle's model (raises pydantic.ValidationError)."""
    return ar.AssessmentResults.model_validate(assessment_results_document(data))


def write_oscal(data: ReportData, out_dir: Path) -> dict[str, Path]:
    """Write the whole chain (catalog, profile, SSP, plan, mapping) and the results."""
    paths = write_chain(data, out_dir)
    model = build_assessment_results(data)
    path = out_dir / RESULTS_FILE
    path.write_text(model.oscal_serialize_json(pretty=True, wrapped=True) + "\n", encoding="utf-8")
    paths[RESULTS_FILE] = path
    return paths
