"""Views an auditor works from, computed from one ``ReportData``: which controls a rule result
serves, the per-resource view (resource -> rules -> controls), resources no control covers, and
the natural order of rule ids (CKV_AWS_9 before CKV_AWS_10)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from compliance.assess import EvidenceKind
from compliance.reportdata import ReportData
from core.results import Outcome, RuleResult

_RULE_KINDS = (EvidenceKind.ASPECT_RULE, EvidenceKind.CHECKOV_CHECK)
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders digit runs by value: SFX-LOG-2 < SFX-LOG-10, CKV_AWS_9 < CKV_AWS_10."""
    return tuple((1, int(part)) if part.isdigit() else (0, part) for part in _DIGITS.split(text))


def controls_by_rule_and_resource(data: ReportData) -> dict[tuple[str, str], tuple[str, ...]]:
    """(rule id, resource address) -> ids of the controls whose evidence judged that pair."""
    out: dict[tuple[str, str], list[str]] = {}
    for a in data.assessments:
        for e in a.evidence:
            if e.kind not in _RULE_KINDS:
                continue
            for subject in e.subjects:
                ids = out.setdefault((e.ref, subject), [])
                if a.control.id not in ids:
                    ids.append(a.control.id)
    return {k: tuple(v) for k, v in out.items()}


def sorted_results(results: Iterable[RuleResult]) -> list[RuleResult]:
    return sorted(results, key=lambda r: (natural_key(r.rule), r.resource, r.source.value))


@dataclass(frozen=True)
class ResourceRule:
    """One rule's result on a resource, and the controls it is evidence for."""

    rule: str
    source: str
    status: str
    controls: tuple[str, ...]


@dataclass(frozen=True)
class ResourceView:
    address: str
    rtype: str
    rules: tuple[ResourceRule, ...]
    controls: tuple[str, ...]  # every control whose evidence looked at this resource


def covered_resources(data: ReportData) -> dict[str, tuple[str, ...]]:
    """Resource address -> controls whose evidence (of any kind) named it as a subject."""
    out: dict[str, list[str]] = {}
    for a in data.assessments:
        for e in a.evidence:
            for subject in e.subjects:
                ids = out.setdefault(subject, [])
                if a.control.id not in ids:
                    ids.append(a.control.id)
    return {k: tuple(sorted(v, key=natural_key)) for k, v in out.items()}


def resource_views(data: ReportData) -> tuple[ResourceView, ...]:
    by_pair = controls_by_rule_and_resource(data)
    covered = covered_resources(data)
    rules: dict[str, list[ResourceRule]] = {}
    for r in sorted_results(data.rule_results):
        rules.setdefault(r.resource, []).append(
            ResourceRule(r.rule, r.source.value, r.status, by_pair.get((r.rule, r.resource), ()))
        )
    return tuple(
        ResourceView(
            row.address, row.rtype, tuple(rules.get(row.address, ())), covered.get(row.address, ())
        )
        for row in data.inventory
    )


def uncovered_resources(data: ReportData) -> tuple[str, ...]:
    """Resources of the stack that no control's evidence looked at."""
    covered = covered_resources(data)
    return tuple(row.address for row in data.inventory if row.address not in covered)


@dataclass(frozen=True)
class RuleSummary:
    source: str
    rule: str
    title: str
    passed: int
    failed: int
    waived: int
    not_applicable: int


def rule_summary(data: ReportData) -> list[RuleSummary]:
    keys = sorted(
        {(r.source.value, r.rule) for r in data.rule_results},
        key=lambda k: (k[0], natural_key(k[1])),
    )
    out = []
    for source, rule in keys:
        lines = [r for r in data.rule_results if r.source.value == source and r.rule == rule]
        counted = Counter(r.outcome for r in lines)
        out.append(
            RuleSummary(
                source,
                rule,
                lines[0].title,
                counted[Outcome.PASSED],
                counted[Outcome.FAILED],
                counted[Outcome.WAIVED],
                counted[Outcome.NOT_APPLICABLE],
            )
        )
    return out
