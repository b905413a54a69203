"""Write the report files from one ``ReportData``: report.md, report.html, report.json, report.csv.

Templates live in ``compliance/templates``; the HTML is self-contained (inline CSS, no scripts,
no external resources) so it can be mailed or archived as one file.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from trestle.oscal import OSCAL_VERSION

from compliance.assess import ControlStatus
from compliance.catalog import RUNTIME_SOURCE_TITLES
from compliance.inventory import processing_facts
from compliance.reportdata import ReportData
from compliance.results import Outcome

TEMPLATES = Path(__file__).with_name("templates")
CSV_COLUMNS = ("rule_id", "resource", "status", "exception_reason", "level", "info", "source")
# Provenance on every line, so exports of several runs or environments can be concatenated.
CSV_PROVENANCE = ("commit", "generated_at", "environment_suffix", "region")


@dataclass(frozen=True)
class RuleSummary:
    source: str
    rule: str
    title: str
    passed: int
    failed: int
    waived: int
    not_applicable: int


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def _md(value: object) -> str:
    """Make text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["slug"] = _slug
    env.filters["md"] = _md
    return env


def rule_summary(data: ReportData) -> list[RuleSummary]:
    keys = sorted({(r.source.value, r.rule) for r in data.rule_results})
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


def _context(data: ReportData) -> dict[str, Any]:
    return {
        "run": data.run,
        "catalog": data.catalog,
        "engines": data.engines,
        "assessments": data.assessments,
        "by_id": {a.control.id: a for a in data.assessments},
        "regulations": data.by_regulation(),
        "statuses": [s.value for s in ControlStatus],
        "counts": data.counts(),
        "exceptions": data.exceptions,
        "exception_rows": data.exception_rows(),
        "soa": data.soa,
        "soa_counts": Counter(r.applicability.value for r in data.soa),
        "national_law": data.national_law(),
        "rule_summary": rule_summary(data),
        "problems": [r for r in data.rule_results if r.outcome in (Outcome.FAILED, Outcome.WAIVED)],
        "inventory": data.inventory,
        "unexplained": data.unexplained,
        "facts": processing_facts(data.inventory, data.run.region),
        "runtime_titles": RUNTIME_SOURCE_TITLES,
        "oscal_version": OSCAL_VERSION,
        "runtime": data.runtime,
    }


def render_template(name: str, data: ReportData) -> str:
    return _environment().get_template(name).render(_context(data))


def write_csv(data: ReportData, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow((*CSV_COLUMNS, *CSV_PROVENANCE))
        run = data.run
        provenance = (run.commit, run.generated_at.isoformat(), run.environment_suffix, run.region)
        for r in sorted(data.rule_results, key=lambda r: (r.rule, r.resource, r.source.value)):
            line = (r.rule, r.resource, r.status, r.exception_reason or "", r.level, r.info)
            writer.writerow((*line, r.source.value, *provenance))


def write_files(data: ReportData, out_dir: Path) -> dict[str, Path]:
    """Write md, html, json and csv into ``out_dir``; returns name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out_dir / name for name in ("report.md", "report.html", "report.json", "report.csv")
    }
    paths["report.md"].write_text(render_template("report.md.j2", data), encoding="utf-8")
    paths["report.html"].write_text(render_template("report.html.j2", data), encoding="utf-8")
    paths["report.json"].write_text(json.dumps(data.to_json(), indent=2) + "\n", encoding="utf-8")
    write_csv(data, paths["report.csv"])
    return paths
