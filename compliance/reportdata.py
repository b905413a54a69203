"""Everything one report shows, gathered once; the writers (md, html, json, csv, OSCAL) only format.

``to_json`` is the report.json document: the same facts as the HTML, for machines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from compliance.assess import ControlAssessment, ControlStatus, EvidenceKind
from compliance.baseline import Changes
from compliance.binding import ArtifactBinding
from compliance.catalog import (
    ALLOWED_REFERENCES,
    REGULATION_TITLES,
    RUNTIME_SOURCE_TITLES,
    Catalog,
    Regulation,
)
from compliance.exceptions import ExceptionSet
from compliance.inventory import InventoryRow
from compliance.manifest import EvidenceSource, Manifest
from compliance.results import RuleResult
from compliance.runinfo import RunInfo


@dataclass(frozen=True)
class EngineRun:
    """Whether an evidence engine ran, and which artifact (hash, commit) it judged, when."""

    name: str
    ran: bool
    detail: str
    binding: ArtifactBinding | None = None

    @property
    def ran_at(self) -> str:
        return self.binding.ran_at.isoformat() if self.binding else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ran": self.ran,
            "detail": self.detail,
            "ran_at": self.ran_at or None,
            "artifact": self.binding.to_json() if self.binding else None,
        }


# Which engine produced each kind of evidence (resources and trail settings are read from the
# artifact by the report itself).
ENGINE_OF_KIND: dict[EvidenceKind, str] = {
    EvidenceKind.ASPECT_RULE: "aspects",
    EvidenceKind.CHECKOV_CHECK: "checkov gate",
    EvidenceKind.TEST: "pytest",
    EvidenceKind.RESOURCE: "report",
    EvidenceKind.TRAIL_SETTING: "report",
}


def engine_of(kind: EvidenceKind) -> str:
    """The engine behind a kind of evidence; kinds read from the artifact are the report's."""
    return ENGINE_OF_KIND.get(kind, "report")


@dataclass(frozen=True)
class ReferenceRow:
    """One article/recommendation in scope and the controls that claim to serve it."""

    ref: str
    notes: tuple[str, ...]
    controls: tuple[ControlAssessment, ...]


@dataclass(frozen=True)
class RegulationSummary:
    regulation: Regulation
    title: str
    controls: tuple[ControlAssessment, ...]
    references: tuple[ReferenceRow, ...]

    @property
    def uncovered(self) -> tuple[str, ...]:
        return tuple(row.ref for row in self.references if not row.controls)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(a.status.value for a in self.controls)
        return {status.value: counted.get(status.value, 0) for status in ControlStatus}


@dataclass(frozen=True)
class ReportData:
    run: RunInfo
    catalog: Catalog
    assessments: tuple[ControlAssessment, ...]
    rule_results: tuple[RuleResult, ...]
    exceptions: ExceptionSet
    inventory: tuple[InventoryRow, ...]
    engines: tuple[EngineRun, ...]
    unexplained: tuple[str, ...] = ()  # stack features no control explains (catalog drift)
    artifact: ArtifactBinding | None = None  # the reported cdk.tf.json (hash, commit, time)
    evidence_sources: tuple[EvidenceSource, ...] = ()  # raw files to keep beside the report
    manifest: Manifest | None = None  # set once the evidence is kept (write_report)
    reproduce: tuple[str, ...] = ()  # shell commands that rebuild this report
    changes: Changes | None = None  # against --baseline, when given

    def engine_ran_at(self, kind: EvidenceKind) -> str:
        """When the engine behind this kind of evidence ran ("" when unknown)."""
        name = engine_of(kind)
        if name == "report":
            return self.artifact.ran_at.isoformat() if self.artifact else ""
        return next((e.ran_at for e in self.engines if e.name == name), "")

    def by_regulation(self) -> tuple[RegulationSummary, ...]:
        """Per regulation, every reference in scope (in legal order), covered or not."""
        out = []
        for reg, refs in ALLOWED_REFERENCES.items():
            rows = []
            for ref in refs:
                hits = [
                    (a, r)
                    for a in self.assessments
                    for r in a.control.requirements
                    if r.regulation is reg and r.ref == ref
                ]
                rows.append(
                    ReferenceRow(
                        ref,
                        tuple(dict.fromkeys(r.note for _, r in hits if r.note)),
                        tuple(a for a, _ in hits),
                    )
                )
            controls = tuple(dict.fromkeys(a for row in rows for a in row.controls))
            out.append(RegulationSummary(reg, REGULATION_TITLES[reg], controls, tuple(rows)))
        return tuple(out)

    def counts(self) -> dict[str, int]:
        counted = Counter(a.status.value for a in self.assessments)
        return {status.value: counted.get(status.value, 0) for status in ControlStatus}

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run.to_json(),
            "catalog_version": self.catalog.version,
            "artifact": self.artifact.to_json() if self.artifact else None,
            "evidence_manifest": self.manifest.to_json() if self.manifest else None,
            "reproduce": list(self.reproduce),
            "changes": self.changes.to_json() if self.changes else None,
            "engines": [e.to_json() for e in self.engines],
            "unexplained_stack_features": list(self.unexplained),
            "summary": {
                "controls": self.counts(),
                "by_regulation": {s.regulation.value: s.counts for s in self.by_regulation()},
                "uncovered_references": {
                    s.regulation.value: list(s.uncovered)
                    for s in self.by_regulation()
                    if s.uncovered
                },
            },
            "controls": [_assessment_json(a, self) for a in self.assessments],
            "exceptions": [
                {
                    "rule": e.rule,
                    "resource": e.resource,
                    "reason": e.reason,
                    "owner": e.owner,
                    "expires": e.expires.isoformat(),
                }
                for e in self.exceptions.items
            ],
            "rule_results": [r.to_json() for r in self.rule_results],
            "inventory": [vars(row) for row in self.inventory],
            "processing_records": [
                r.model_dump(mode="json") for r in self.catalog.processing_records
            ],
        }


def _assessment_json(a: ControlAssessment, data: ReportData) -> dict[str, Any]:
    c = a.control
    return {
        "id": c.id,
        "title": c.title,
        "statement": c.statement,
        "kind": c.kind.value,
        "status": a.status.value,
        "reason": a.reason,
        "requirements": [r.model_dump(mode="json") for r in c.requirements],
        "runtime_evidence": [
            {"source": s.value, "what": RUNTIME_SOURCE_TITLES[s]} for s in c.runtime_evidence
        ],
        "notes": c.notes,
        "owner": c.owner,
        "evidence": [
            {
                "kind": e.kind.value,
                "ref": e.ref,
                "status": e.status.value,
                "detail": e.detail,
                "scope": list(e.scope),
                "subjects": list(e.subjects),
                "waivers": [vars(w) for w in e.waivers],
                "engine": engine_of(e.kind),
                "ran_at": data.engine_ran_at(e.kind) or None,
            }
            for e in a.evidence
        ],
    }
