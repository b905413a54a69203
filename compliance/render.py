"""Write the report files from one ``ReportData``: report.md, report.html, report.json, report.csv.

Templates live in ``compliance/templates``; the HTML is self-contained (inline CSS, no scripts,
no external resources) so it can be mailed or archived as one file.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from trestle.oscal import OSCAL_VERSION

from compliance.annexes import (
    INLINE_SUBJECTS,
    INVENTORY_FILE,
    MAPPING_FILE,
    RESOURCES_FILE,
    RULE_SUMMARY_FILE,
    RULES_CSV,
    SUBJECTS_FILE,
    annex_refs,
    write_annexes,
)
from compliance.assess import ControlStatus
from compliance.catalog import RUNTIME_SOURCE_TITLES
from compliance.front import components, design_front
from compliance.inventory import processing_facts
from compliance.manifest import MANIFEST_FILE
from compliance.reportdata import ReportData
from compliance.views import (
    controls_by_rule_and_resource,
    resource_views,
    rule_summary,
    sorted_results,
    uncovered_resources,
)
from core.results import Outcome
from core.rule_ids import ANY_ID

TEMPLATES = Path(__file__).with_name("templates")
CSV_COLUMNS = (
    "rule_id",
    "resource",
    "status",
    "exception_reason",
    "level",
    "info",
    "source",
    "control_id",  # the controls this line is evidence for, ";"-separated ("" if none)
)
# Provenance on every line, so exports of several runs or environments can be concatenated.
CSV_PROVENANCE = ("commit", "worktree", "generated_at", "environment_suffix", "region")


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
    env.filters["address"] = _address
    env.filters["wrap"] = _wrap_long
    env.globals["partials"] = partials
    return env


# Where other modules hook sections into the report without editing the main templates: a
# template dropped into templates/partials/<format>/<slot>/ is included at that slot (name order).
PARTIAL_SLOTS = ("before-summary", "before-controls", "before-exceptions", "before-signoff")


def partials(fmt: str, slot: str) -> list[str]:
    """Template names of the partials for ``fmt`` (html, md) at ``slot``."""
    if slot not in PARTIAL_SLOTS:
        raise ValueError(f"partials: slot {slot!r} is not one of {PARTIAL_SLOTS}")
    folder = TEMPLATES / "partials" / fmt / slot
    return [f"partials/{fmt}/{slot}/{p.name}" for p in sorted(folder.glob("*.j2"))]


def _address(value: object) -> Markup:
    """A resource address that may wrap at its separators (never inside a word)."""
    text = str(escape(str(value)))
    return Markup(text.replace(".", ".<wbr>").replace("_", "_<wbr>").replace("/", "/<wbr>"))


_LONG_WORD = re.compile(r"\S{16,}")


# Identifiers and dates an auditor reads as one token: control, aspect and Checkov rule ids,
# ISO dates. Browsers may break after a hyphen ("SFX-CTL-RES-" / "01"); these never break.
_ID_TOKEN = re.compile(rf"\b(?:{ANY_ID}|[A-Z]{{2,4}}-\d{{2}}|\d{{4}}-\d{{2}}-\d{{2}})\b")


def _wrap_long(value: object) -> Markup:
    """Prose whose long tokens (URLs, attribute paths) may wrap after / . _ = : - only, and
    whose ids and dates (``_ID_TOKEN``) never wrap."""
    # A word joiner keeps legal citations such as "Art. 5(1)(e)" on one line (Unicode line
    # breaking allows a break between ")" and "(").
    text = str(escape(str(value))).replace(")(", ")\u2060(")
    text = _LONG_WORD.sub(
        lambda m: m.group(0) if _ID_TOKEN.search(m.group(0)) else _soft_breaks(m.group(0)), text
    )
    return Markup(_ID_TOKEN.sub(r'<span class="nb">\g<0></span>', text))


def _soft_breaks(token: str) -> str:
    return re.sub(r"([/._=:-])", r"\1<wbr>", token)


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
        "problems": [
            r
            for r in sorted_results(data.rule_results)
            if r.outcome in (Outcome.FAILED, Outcome.WAIVED)
        ],
        "resources": resource_views(data),
        "uncovered": uncovered_resources(data),
        "changes": data.changes,
        "manifest_file": MANIFEST_FILE,
        "inventory": data.inventory,
        "unexplained": data.unexplained,
        "facts": processing_facts(data.inventory, data.run.region),
        "runtime_titles": RUNTIME_SOURCE_TITLES,
        "oscal_version": OSCAL_VERSION,
        "runtime": data.runtime,
        "artifact": data.artifact,
        "manifest": data.manifest,
        "reproduce": data.reproduce,
        "ran_at": data.engine_ran_at,
        "marks": data.marks,
        "attestations": data.attestations,
        "front": design_front(data),
        "components": components(data.inventory),
        "annexes": annex_refs(data),
        "annex_rows": {a.path: a.rows for a in annex_refs(data)},
        "resources_file": RESOURCES_FILE,
        "rule_summary_file": RULE_SUMMARY_FILE,
        "mapping_file": MAPPING_FILE,
        "inventory_file": INVENTORY_FILE,
        "annex_sha": {f.path: f.sha256 for f in data.manifest.files} if data.manifest else {},
        "inline_subjects": INLINE_SUBJECTS,
        "subjects_file": SUBJECTS_FILE,
        "rules_csv": RULES_CSV,
    }


def render_template(name: str, data: ReportData) -> str:
    return _environment().get_template(name).render(_context(data))


def write_csv(data: ReportData, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow((*CSV_COLUMNS, *CSV_PROVENANCE))
        run = data.run
        provenance = (
            run.commit,
            run.worktree,
            run.generated_at.isoformat(),
            run.environment_suffix,
            run.region,
        )
        controls = controls_by_rule_and_resource(data)
        for r in sorted_results(data.rule_results):
            line = (r.rule, r.resource, r.status, r.exception_reason or "", r.level, r.info)
            ids = ";".join(controls.get((r.rule, r.resource), ()))
            writer.writerow((*line, r.source.value, ids, *provenance))


def report_document(data: ReportData) -> dict[str, Any]:
    """report.json: the data plus the views (per-resource, uncovered resources) and the annexes
    the body cites with their row counts (compliance.verify checks each)."""
    return data.to_json() | {
        "annexes": [a.to_json() for a in annex_refs(data)],
        "uncovered_resources": list(uncovered_resources(data)),
        "resources": [
            {
                "address": v.address,
                "type": v.rtype,
                "controls": list(v.controls),
                "rules": [vars(r) | {"controls": list(r.controls)} for r in v.rules],
            }
            for v in resource_views(data)
        ],
    }


def write_listings(data: ReportData, out_dir: Path) -> dict[str, Path]:
    """The machine listings: report.csv and the CSV annexes (written before the manifest, which
    lists them); returns path in the folder -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(data, out_dir / RULES_CSV)
    return {RULES_CSV: out_dir / RULES_CSV, **write_annexes(data, out_dir)}


def write_files(data: ReportData, out_dir: Path, listings: bool = True) -> dict[str, Path]:
    """Write md, html and json into ``out_dir``, and the listings unless ``listings`` is False
    (``write_report`` writes them first, for the manifest); returns name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in ("report.md", "report.html", "report.json")}
    if listings:
        paths.update(write_listings(data, out_dir))
    paths["report.md"].write_text(render_template("report.md.j2", data), encoding="utf-8")
    paths["report.html"].write_text(render_template("report.html.j2", data), encoding="utf-8")
    paths["report.json"].write_text(
        json.dumps(report_document(data), indent=2) + "\n", encoding="utf-8"
    )
    return paths
