"""The report's machine listings as CSV annexes, so the PDF reads in tens of pages.

Per-resource rows, the resources each piece of evidence judged and the resource inventory are
listings a person searches, not reads; printed they made the PDF hundreds of pages. They are
written to ``<out>/annexes/`` (the rule-by-resource lines stay in ``report.csv``), listed with
their SHA-256 in ``evidence-manifest.json`` and signed like every report file, so
``python -m compliance.verify`` checks them; the body names each annex and its row count.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from compliance.reportdata import ReportData
from compliance.views import resource_views, rule_summary

ANNEX_DIR = "annexes"
RULES_CSV = "report.csv"  # the rule-by-resource lines (compliance.render.write_csv)
SUBJECTS_FILE = f"{ANNEX_DIR}/evidence-subjects.csv"
RESOURCES_FILE = f"{ANNEX_DIR}/resource-view.csv"
INVENTORY_FILE = f"{ANNEX_DIR}/inventory.csv"
RULE_SUMMARY_FILE = f"{ANNEX_DIR}/rule-summary.csv"
MAPPING_FILE = f"{ANNEX_DIR}/requirement-mapping.csv"
MAPPING_COLUMNS = (
    "regulation",
    "ref",
    "title",
    "applicability",
    "control_id",
    "relationship",
    "rationale",
    "status",
)
RULE_SUMMARY_COLUMNS = ("source", "rule", "title", "passed", "failed", "waived", "not_applicable")
SUBJECTS_COLUMNS = ("control_id", "evidence_kind", "ref", "status", "subject")
RESOURCES_COLUMNS = ("resource", "type", "rule", "source", "status", "rule_controls", "controls")
INVENTORY_COLUMNS = (
    "address",
    "type",
    "construct_path",
    "encryption",
    "retention",
    "placement",
    "tags",
)
# An evidence row names up to this many resources in the body; more go to the subjects annex.
INLINE_SUBJECTS = 3


@dataclass(frozen=True)
class Annex:
    """One CSV annex: its path in the report folder, what it lists, its header and rows."""

    path: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def write(self, out_dir: Path) -> Path:
        target = out_dir / self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.columns)
            writer.writerows(self.rows)
        return target


@dataclass(frozen=True)
class AnnexRef:
    """What the body says about an annex (report.json ``annexes``, the annex table)."""

    path: str
    title: str
    rows: int

    def to_json(self) -> dict[str, object]:
        return {"file": self.path, "title": self.title, "rows": self.rows}


def subject_rows(data: ReportData) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (a.control.id, e.kind.value, e.ref, e.status.value, subject)
        for a in data.assessments
        for e in a.evidence
        for subject in e.subjects
    )


def resource_rows(data: ReportData) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = []
    for v in resource_views(data):
        covered = ";".join(v.controls)
        if not v.rules:
            rows.append((v.address, v.rtype, "", "", "", "", covered))
        rows.extend(
            (v.address, v.rtype, r.rule, r.source, r.status, ";".join(r.controls), covered)
            for r in v.rules
        )
    return tuple(rows)


def inventory_rows(data: ReportData) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (r.address, r.rtype, r.construct_path, r.encryption, r.retention, r.placement, r.tags)
        for r in data.inventory
    )


def rule_summary_rows(data: ReportData) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            r.source,
            r.rule,
            r.title,
            str(r.passed),
            str(r.failed),
            str(r.waived),
            str(r.not_applicable),
        )
        for r in rule_summary(data)
    )


def mapping_rows(data: ReportData) -> tuple[tuple[str, ...], ...]:
    """Every reference we may cite and each control mapped to it (an unmapped one: one row)."""
    rows: list[tuple[str, ...]] = []
    for reg in data.by_regulation():
        for ref in reg.references:
            head = (reg.regulation.value, ref.ref, ref.title, ref.applicability)
            if not ref.mappings:
                rows.append((*head, "", "", "", ""))
            rows.extend(
                (
                    *head,
                    m.assessment.control.id,
                    m.relationship.value,
                    m.rationale,
                    m.assessment.status.value,
                )
                for m in ref.mappings
            )
    return tuple(rows)


def build_annexes(data: ReportData) -> tuple[Annex, ...]:
    return (
        Annex(
            MAPPING_FILE,
            "Each legal reference and each control mapped to it, with relationship and rationale",
            MAPPING_COLUMNS,
            mapping_rows(data),
        ),
        Annex(
            RULE_SUMMARY_FILE,
            "Per rule: its title and how many resources passed, failed, were waived, n/a",
            RULE_SUMMARY_COLUMNS,
            rule_summary_rows(data),
        ),
        Annex(
            SUBJECTS_FILE,
            "Resources judged by each piece of evidence of each control",
            SUBJECTS_COLUMNS,
            subject_rows(data),
        ),
        Annex(
            RESOURCES_FILE,
            "Per-resource view: each resource, the rules that judged it and their controls",
            RESOURCES_COLUMNS,
            resource_rows(data),
        ),
        Annex(
            INVENTORY_FILE,
            "Resource inventory: encryption, retention, placement and tags per resource",
            INVENTORY_COLUMNS,
            inventory_rows(data),
        ),
    )


def annex_refs(data: ReportData) -> tuple[AnnexRef, ...]:
    """Every annex the body cites, ``report.csv`` (one line per rule result) first."""
    rules = AnnexRef(
        RULES_CSV,
        "Rule results: every rule-by-resource line of both engines, with its controls",
        len(data.rule_results),
    )
    return (rules, *(AnnexRef(a.path, a.title, len(a.rows)) for a in build_annexes(data)))


def write_annexes(data: ReportData, out_dir: Path) -> dict[str, Path]:
    """Write the CSV annexes into ``out_dir/annexes``; returns path-in-folder -> path."""
    return {a.path: a.write(out_dir) for a in build_annexes(data)}


def count_rows(path: Path) -> int:
    """Data rows of a CSV annex (the header not counted)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
