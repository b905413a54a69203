"""Everything one report shows, gathered once; the writers (md, html, json, csv, OSCAL) only format.

``to_json`` is the report.json document: the same facts as the HTML, for machines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compliance.assess import ControlAssessment, ControlStatus
from compliance.catalog import (
    ALLOWED_REFERENCES,
    REGULATION_TITLES,
    RUNTIME_SOURCE_TITLES,
    Catalog,
    Regulation,
)
from compliance.exceptions import ExceptionSet
from compliance.inventory import InventoryRow
from compliance.results import RuleResult
from compliance.runinfo import RunInfo

if TYPE_CHECKING:
    from compliance.runtime_evidence import RuntimeSummary


@dataclass(frozen=True)
class EngineRun:
    """Whether an evidence engine ran, and where its raw output is (relative to the report)."""

    name: str
    ran: bool
    detail: str


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
    runtime: RuntimeSummary | None = None  # operating evidence (compliance.runtime_evidence)

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
            "engines": [vars(e) for e in self.engines],
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
            "controls": [_assessment_json(a) for a in self.assessments],
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
            "runtime_evidence": self.runtime.to_json() if self.runtime else None,
        }


def _assessment_json(a: ControlAssessment) -> dict[str, Any]:
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
            }
            for e in a.evidence
        ],
    }
