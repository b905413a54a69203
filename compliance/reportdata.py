"""Everything one report shows, gathered once; the writers (md, html, json, csv, OSCAL) only format.

``to_json`` is the report.json document: the same facts as the HTML, for machines.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compliance.assess import ControlAssessment, ControlStatus, EvidenceKind
from compliance.attested import SIMULATION_MARK, Attestations
from compliance.baseline import Changes
from compliance.catalog import (
    DIRECTIVES,
    REFERENCE_TITLES,
    REGULATION_TITLES,
    RUNTIME_SOURCE_TITLES,
    Catalog,
    ControlKind,
    Regulation,
    Relationship,
)
from compliance.inventory import InventoryRow
from compliance.manifest import EvidenceSource, Manifest
from compliance.runinfo import RunInfo
from compliance.soa import Applicability, SoaRow
from core.binding import ArtifactBinding
from core.exceptions import ExceptionSet, PolicyException
from core.results import RuleResult

if TYPE_CHECKING:
    from compliance.runtime_summary import RuntimeSummary


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
class Mapping:
    """One control mapped to one reference: how it relates, why, and the control's status."""

    assessment: ControlAssessment
    relationship: Relationship
    rationale: str


@dataclass(frozen=True)
class ReferenceRow:
    """One article/recommendation, its statement-of-applicability status and every mapping."""

    ref: str
    title: str
    mappings: tuple[Mapping, ...]
    applicability: str = ""  # from the statement of applicability, when the report has one

    @property
    def controls(self) -> tuple[ControlAssessment, ...]:
        """Controls that implement or support the reference (a gap mapping is not coverage)."""
        return tuple(m.assessment for m in self.mappings if m.relationship is not Relationship.GAP)

    @property
    def gaps(self) -> tuple[Mapping, ...]:
        return tuple(m for m in self.mappings if m.relationship is Relationship.GAP)


@dataclass(frozen=True)
class RegulationSummary:
    regulation: Regulation
    title: str
    controls: tuple[ControlAssessment, ...]
    references: tuple[ReferenceRow, ...]

    @property
    def uncovered(self) -> tuple[str, ...]:
        """References no control implements or supports, unless the statement of
        applicability marks them not applicable or inherited."""
        excused = {Applicability.NOT_APPLICABLE.value, Applicability.INHERITED.value}
        return tuple(
            row.ref
            for row in self.references
            if not row.controls and row.applicability not in excused
        )

    @property
    def gaps(self) -> tuple[str, ...]:
        """References the statement of applicability marks as gaps (e.g. DSA Art. 17/24: the
        statements of reasons do not exist yet), so the summary shows them next to the counts."""
        return tuple(
            row.ref for row in self.references if row.applicability == Applicability.GAP.value
        )

    @property
    def directive(self) -> bool:
        return self.regulation in DIRECTIVES

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

    soa: tuple[SoaRow, ...] = ()  # statement of applicability (compliance.soa)
    runtime: RuntimeSummary | None = None  # operating evidence (compliance.runtime_summary)
    attestations: Attestations | None = None  # signatures verified on the inputs (--report)
    report_signer: str = ""  # who signs the report's own files ("" when no key is configured)
    period_text: str = ""  # the audit period (--period) as the front page states it

    @property
    def marks(self) -> tuple[str, ...]:
        """Stamps every page and output carries (UNSIGNED EVIDENCE, development key, ...)."""
        signed = self.attestations.marks() if self.attestations else ()
        simulated = self.runtime is not None and self.runtime.evidence.simulated
        return (*signed, *((SIMULATION_MARK,) if simulated else ()))

    def by_regulation(self) -> tuple[RegulationSummary, ...]:
        """Per regulation, every reference we may cite (in legal order), covered or not."""
        applicability = {(r.regulation, r.ref): r.applicability.value for r in self.soa}
        out = []
        for reg, titles in REFERENCE_TITLES.items():
            rows = []
            for ref, title in titles.items():
                mappings = tuple(
                    Mapping(a, r.relationship, r.rationale)
                    for a in self.assessments
                    for r in a.control.requirements
                    if r.regulation is reg and r.ref == ref
                )
                rows.append(ReferenceRow(ref, title, mappings, applicability.get((reg, ref), "")))
            controls = tuple(dict.fromkeys(a for row in rows for a in row.controls))
            out.append(RegulationSummary(reg, REGULATION_TITLES[reg], controls, tuple(rows)))
        return tuple(out)

    def national_law(self) -> dict[str, dict[str, str]]:
        """Directive -> member state -> transposing act, as far as the catalog records it."""
        return {
            reg.value: dict(self.catalog.national_law.get(reg, {}))
            for reg in Regulation
            if reg in DIRECTIVES
        }

    def exception_rows(self) -> list[dict[str, Any]]:
        """The exceptions with their review countdown as of the report's generation date."""
        today = self.run.generated_at.date()
        return [exception_json(e, today) for e in self.exceptions.items]

    def design_not_run(self) -> list[str]:
        """Design-time controls whose evidence did not run: the report is INCOMPLETE on them."""
        return [
            a.control.id
            for a in self.assessments
            if a.control.kind is ControlKind.DESIGN_TIME and a.status is ControlStatus.NOT_RUN
        ]

    def counts(self) -> dict[str, int]:
        counted = Counter(a.status.value for a in self.assessments)
        return {status.value: counted.get(status.value, 0) for status in ControlStatus}

    def to_json(self) -> dict[str, Any]:
        return {
            "marks": list(self.marks),
            "attestations": self.attestations.to_json() if self.attestations else None,
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
                "gaps": {s.regulation.value: list(s.gaps) for s in self.by_regulation() if s.gaps},
                "uncovered_references": {
                    s.regulation.value: list(s.uncovered)
                    for s in self.by_regulation()
                    if s.uncovered
                },
                "statement_of_applicability": dict(
                    Counter(r.applicability.value for r in self.soa)
                ),
            },
            "statement_of_applicability": [r.to_json() for r in self.soa],
            "national_law": self.national_law(),
            "controls": [_assessment_json(a, self) for a in self.assessments],
            "exceptions": self.exception_rows(),
            "rule_results": [r.to_json() for r in self.rule_results],
            "inventory": [vars(row) for row in self.inventory],
            "processing_records": [
                r.model_dump(mode="json") for r in self.catalog.processing_records
            ],
            "runtime_evidence": self.runtime.to_json() if self.runtime else None,
        }


def exception_json(e: PolicyException, today: dt.date) -> dict[str, Any]:
    """One exception as the report shows it, with its review countdown on the report's date."""
    return {
        "rule": e.rule,
        "resource": e.resource,
        "reason": e.reason,
        "owner": e.owner,
        "approved_by": e.approved_by,
        "approved_on": e.approved_on.isoformat(),
        "risk": e.risk.value,
        "compensating_controls": list(e.compensating_controls),
        "expires": e.expires.isoformat(),
        "days_left": e.days_left(today),
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
                "context": e.is_context,  # a resource existing: shown, not counted as a test
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
