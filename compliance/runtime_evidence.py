"""Operating evidence in the report: ``compliance.report --runtime-evidence runtime-evidence.json``.

Loads and validates the collector's file (``compliance/collect/runtime-evidence.schema.json``),
decides each runtime control from its items (any not-satisfied item: NOT_SATISFIED; any expired
or errored item: NOT_RUN, since expired evidence counts as not run; all satisfied: SATISFIED),
settles the runtime part pending on design-time controls from the checks the catalog names for
it (``pending_runtime_checks``: CIS 4.x subscription confirmed, trail logging),
lists designed-vs-deployed drift, and gives the OSCAL observations (method TEST, their own
collected/expires, ARNs as subjects, the file as a hashed back-matter resource).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema  # type: ignore[import-untyped]  # installed with checkov and trestle

from compliance.assess import ControlAssessment, ControlStatus
from compliance.catalog import ControlKind
from compliance.collect.checks import CHECKS_BY_ID
from compliance.collect.model import EvidenceItem, ItemStatus, RuntimeEvidence, iso
from compliance.manifest import EvidenceSource
from compliance.oscal_common import prop, stable_uuid
from compliance.runtime_summary import ControlRuntime, RuntimeSummary

if TYPE_CHECKING:
    from compliance.reportdata import ReportData

SCHEMA_PATH = Path(__file__).parent / "collect" / "runtime-evidence.schema.json"


class RuntimeEvidenceError(ValueError):
    """The runtime evidence file is missing, not JSON, or breaks its schema (field named)."""


def load_runtime_evidence(path: Path) -> tuple[RuntimeEvidence, str]:
    """The parsed file and its SHA-256; raises ``RuntimeEvidenceError`` naming the field."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        raise RuntimeEvidenceError(f"--runtime-evidence {path}: file not found") from None
    except json.JSONDecodeError as err:
        raise RuntimeEvidenceError(f"{path.name}: not valid JSON: {err}") from None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    try:
        jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise RuntimeEvidenceError(f"{path.name}: {where}: {err.message}") from None
    return RuntimeEvidence.from_json(data), hashlib.sha256(raw).hexdigest()


# Clock skew tolerated between the collector's and the report's clocks.
FUTURE_TOLERANCE = timedelta(minutes=5)


def check_binding(
    evidence: RuntimeEvidence,
    source: str,
    stack: str,
    sha256: str | None,
    at: datetime,
    allow_simulation: bool,
) -> None:
    """Refuse evidence of another stack or artifact, from the future, or (unless allowed) from a
    simulation; messages name the file and the field."""
    if evidence.stack_name != stack:
        raise RuntimeEvidenceError(
            f"{source}: stack_name {evidence.stack_name!r} is not the reported stack {stack!r}"
        )
    if sha256 is not None and evidence.stack_sha256 not in (None, sha256):
        raise RuntimeEvidenceError(
            f"{source}: stack_sha256 {evidence.stack_sha256} is not the reported "
            f"{stack}/cdk.tf.json sha256 {sha256}"
        )
    latest = max([evidence.collected_at, *(i.collected_at for i in evidence.items)])
    if latest > at + FUTURE_TOLERANCE:
        raise RuntimeEvidenceError(
            f"{source}: collected_at {iso(latest)} is after the report time {iso(at)}"
        )
    unknown = sorted({i.check_id for i in evidence.items} - set(CHECKS_BY_ID))
    if unknown:
        raise RuntimeEvidenceError(f"{source}: items: unknown check(s) {', '.join(unknown)}")
    if evidence.simulated and not allow_simulation:
        raise RuntimeEvidenceError(
            f"{source}: endpoint_url {evidence.endpoint}: collected from a local stand-in, not "
            "AWS; refused unless --allow-simulation (the report is then marked LOCAL SIMULATION)"
        )
    check_samples(evidence, source)


def check_samples(evidence: RuntimeEvidence, source: str) -> None:
    """Refuse a sample an auditor could not re-perform: empty while its population is not, or
    not the one its stored population and seed draw (``Sampling.redraw``)."""
    for item in evidence.items:
        sampling = item.sampling
        if sampling is None:
            continue
        where = f"{source}: item {item.check_id} ({item.resource_arn}): sampling"
        if sampling.population > 0 and not sampling.sample:
            raise RuntimeEvidenceError(
                f"{where}: the sample is empty but the population has {sampling.population} "
                "member(s): nothing was examined"
            )
        if sampling.population_ids:
            try:
                redrawn = sampling.redraw()
            except ValueError as err:
                raise RuntimeEvidenceError(f"{where}: {err}") from None
            if sorted(redrawn) != sorted(sampling.sample):
                raise RuntimeEvidenceError(
                    f"{where}: the stored sample is not the one its population and seed "
                    f"{sampling.seed} draw"
                )


def with_documented_validity(evidence: RuntimeEvidence) -> RuntimeEvidence:
    """Each item's expiry from the check table (compliance/collect/checks.py): a file may
    shorten it (the collector's --validity), never lengthen it."""
    items = tuple(
        dataclasses.replace(
            i,
            expires_at=min(
                i.expires_at,
                i.collected_at + timedelta(hours=CHECKS_BY_ID[i.check_id].validity_hours),
            ),
        )
        for i in evidence.items
    )
    return dataclasses.replace(evidence, items=items)


def missing_checks(control_id: str, items: Sequence[EvidenceItem]) -> list[str]:
    """Checks the table says prove ``control_id`` that have no item in the evidence."""
    required = {c.id for c in CHECKS_BY_ID.values() if control_id in c.controls}
    return sorted(required - {i.check_id for i in items})


def runtime_status(
    items: tuple[EvidenceItem, ...], at: datetime, evidence: RuntimeEvidence
) -> tuple[ControlStatus, str]:
    """A runtime control's status from its items alone."""
    where = (
        f"account {evidence.account_id} {evidence.region}, collected {iso(evidence.collected_at)}"
        + (", LOCAL SIMULATION" if evidence.simulated else "")
    )
    failing = [i for i in items if i.status is ItemStatus.NOT_SATISFIED and i.expires_at > at]
    if failing:
        failed = sorted({f"{i.check_id} on {i.resource_arn}" for i in failing})
        until = iso(min(i.expires_at for i in failing))
        return (
            ControlStatus.NOT_SATISFIED,
            f"operating evidence failed ({where}; valid until {until}): {'; '.join(failed)}",
        )
    lapsed = [i for i in items if i.expires_at <= at]
    if lapsed:
        expired = sorted({i.check_id for i in lapsed})
        since = iso(min(i.expires_at for i in lapsed))
        return (
            ControlStatus.NOT_RUN,
            f"operating evidence expired ({where}; expired {since}): {', '.join(expired)}",
        )
    errors = sorted({i.check_id for i in items if i.status is ItemStatus.ERROR})
    if errors:
        return (
            ControlStatus.NOT_RUN,
            f"operating evidence not collected ({where}): {', '.join(errors)}",
        )
    until = iso(min(i.expires_at for i in items))
    return ControlStatus.SATISFIED, (
        f"operating evidence: {len(items)} item(s) satisfied ({where}; valid until {until})"
    )


def _decide_pending(
    a: ControlAssessment, items: tuple[EvidenceItem, ...], at: datetime, evidence: RuntimeEvidence
) -> ControlRuntime:
    """A design-time control whose design evidence passed, settled by its pending checks.

    Satisfied only when every pending check has items and all are satisfied and unexpired; a
    failed item makes it not satisfied; a missing, expired or errored check leaves it pending
    (expired evidence counts as not run)."""
    checks = a.control.pending_runtime_checks
    missing = sorted(set(checks) - {i.check_id for i in items})
    if missing:
        return ControlRuntime(
            a.control.id,
            ControlStatus.DESIGNED_RUNTIME_PENDING,
            f"{a.reason}; operating evidence lacks check(s): {', '.join(missing)}",
            items,
        )
    status, reason = runtime_status(items, at, evidence)
    if status is ControlStatus.NOT_RUN:
        return ControlRuntime(
            a.control.id, ControlStatus.DESIGNED_RUNTIME_PENDING, f"{a.reason}; {reason}", items
        )
    if status is ControlStatus.SATISFIED:
        reason = (
            f"design evidence passed; runtime part ({a.control.pending_runtime}) shown by "
            f"{', '.join(checks)}: {reason}"
        )
    return ControlRuntime(a.control.id, status, reason, items)


def summarise(
    evidence: RuntimeEvidence,
    source: Path,
    sha256: str,
    control_ids: list[str],
    at: datetime,
    pending: Sequence[ControlAssessment] = (),
) -> RuntimeSummary:
    """Decide the runtime controls ``control_ids`` from their items and, of the ``pending``
    design-time assessments, those whose open runtime part the catalog's pending checks show."""
    controls = []
    for cid in control_ids:
        items = tuple(i for i in evidence.items if cid in i.control_ids)
        if items:
            status, reason = runtime_status(items, at, evidence)
            lacking = missing_checks(cid, evidence.items)
            if lacking and status is not ControlStatus.NOT_SATISFIED:
                status = ControlStatus.NOT_RUN
                reason = f"operating evidence lacks check(s) {', '.join(lacking)}: {reason}"
            controls.append(ControlRuntime(cid, status, reason, items))
    for a in pending:
        if a.status is ControlStatus.DESIGNED_RUNTIME_PENDING and a.control.pending_runtime_checks:
            checks = a.control.pending_runtime_checks
            items = tuple(i for i in evidence.items if i.check_id in checks)
            controls.append(_decide_pending(a, items, at, evidence))
    return RuntimeSummary(evidence, source, sha256, at, tuple(controls))


def _combine(a: ControlAssessment, runtime: ControlRuntime) -> ControlAssessment:
    """Design evidence that failed, was waived or did not run still decides first."""
    if a.status not in (
        ControlStatus.NEEDS_RUNTIME_EVIDENCE,
        ControlStatus.DESIGNED_RUNTIME_PENDING,
    ):
        return a
    return dataclasses.replace(a, status=runtime.status, reason=runtime.reason)


def with_runtime_evidence(
    data: ReportData, path: Path, allow_simulation: bool = False
) -> ReportData:
    """The report data with its runtime controls (and the runtime parts pending on design-time
    controls) decided by the collector's file, once it is bound to the reported stack."""
    evidence, digest = load_runtime_evidence(path)
    sha = data.artifact.sha256 if data.artifact else None
    check_binding(
        evidence, path.name, data.run.stack_name, sha, data.run.generated_at, allow_simulation
    )
    evidence = with_documented_validity(evidence)
    runtime_ids = [a.control.id for a in data.assessments if a.control.kind is ControlKind.RUNTIME]
    summary = summarise(
        evidence, path, digest, runtime_ids, data.run.generated_at, data.assessments
    )
    by_id = {c.control_id: c for c in summary.controls}
    assessments = tuple(
        _combine(a, by_id[a.control.id]) if a.control.id in by_id else a for a in data.assessments
    )
    kept = EvidenceSource(path, path.name, "collector", evidence.collected_at)
    return dataclasses.replace(
        data,
        assessments=assessments,
        runtime=summary,
        evidence_sources=(*data.evidence_sources, kept),  # hashed in evidence-manifest.json
    )


# ------------------------------------------------------------------------------------- OSCAL
def _observation(item: EvidenceItem, summary: RuntimeSummary, resource_uuid: str) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),  # unique per report run, like every observation
        "title": f"{item.check_id} on {item.resource_arn}",
        "description": (
            f"{item.api_call}: observed {json.dumps(item.observed)}, expected "
            f"{json.dumps(item.expected)}; {item.status.value}"
            + (" (account baseline)" if item.account_baseline else "")
        ),
        "methods": ["TEST"],
        "types": ["discovery"],  # like every observation of ours ("finding" is deprecated)
        "subjects": [
            {
                "subject-uuid": stable_uuid("subject", item.resource_arn),
                "type": "resource",
                "title": item.resource_arn,
            }
        ],
        "relevant-evidence": [
            {
                "href": f"#{resource_uuid}",
                "description": f"{summary.file_name} (account {summary.evidence.account_id})",
            }
        ],
        "collected": iso(item.collected_at),
        "expires": iso(item.expires_at),
        "props": [prop("evidence-status", item.status.value)],
    }


def add_to_oscal(doc: dict[str, Any], summary: RuntimeSummary) -> None:
    """Add the collector's observations, link them from the runtime findings, hash the file."""
    resource_uuid = stable_uuid("runtime-evidence", summary.sha256)
    result = doc["results"][0]
    observations = [_observation(i, summary, resource_uuid) for i in summary.evidence.items]
    result.setdefault("observations", []).extend(observations)
    uuid_of = {
        id(item): obs["uuid"]
        for item, obs in zip(summary.evidence.items, observations, strict=True)
    }
    by_control = {c.control_id: [uuid_of[id(i)] for i in c.items] for c in summary.controls}
    for finding in result.get("findings", []):
        uuids = by_control.get(finding["target"]["target-id"], [])
        if uuids:
            finding.setdefault("related-observations", []).extend(
                {"observation-uuid": u} for u in uuids
            )
    label = "local simulation (moto), not an AWS account" if summary.evidence.simulated else "AWS"
    doc.setdefault("back-matter", {}).setdefault("resources", []).append(
        {
            "uuid": resource_uuid,
            "title": f"Runtime evidence {summary.file_name}",
            "description": f"Collected by compliance.collect from account "
            f"{summary.evidence.account_id} ({summary.evidence.region}, {label}) "
            f"at {iso(summary.evidence.collected_at)}",
            "rlinks": [
                {
                    "href": summary.file_name,
                    "hashes": [{"algorithm": "SHA-256", "value": summary.sha256}],
                }
            ],
        }
    )
