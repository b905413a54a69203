"""Issue 22 item 7: the report an auditor opens. A front page before everything else (scope from
the synthesized stack, period, assessor, conclusion, how to verify), a PDF outline, and the
machine listings in signed CSV annexes so the PDF reads in tens of pages."""

from __future__ import annotations

import csv
import re
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from compliance.annexes import (
    INLINE_SUBJECTS,
    INVENTORY_FILE,
    MAPPING_FILE,
    RESOURCES_FILE,
    RULE_SUMMARY_FILE,
    RULES_CSV,
    SUBJECTS_FILE,
    read_rows,
)
from compliance.front import components, conclusion, design_front
from compliance.manifest import MANIFEST_FILE
from compliance.pdf import PDF_FILE, find_chromium
from compliance.reportdata import ReportData
from core.results import Outcome

pytestmark = [pytest.mark.synth, pytest.mark.gate]

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Debian chromium is not installed (scripts/install.sh installs it)",
)
# The report of the session's stack (qa1, or the CI stack when judged) had 235 pages with the
# listings printed; an auditor reads it in tens of pages.
MAX_PAGES = 60
ANNEXES = (
    RULES_CSV,
    SUBJECTS_FILE,
    RESOURCES_FILE,
    INVENTORY_FILE,
    RULE_SUMMARY_FILE,
    MAPPING_FILE,
)


def _pdf_string(raw: bytes) -> str:
    if raw.startswith(b"<"):
        return bytes.fromhex(raw[1:-1].decode()).decode("utf-16")
    text = raw[1:-1].decode("latin-1")
    return re.sub(r"\\(.)", r"\1", text)


def read_pdf(path: Path) -> tuple[int, list[tuple[int, str]]]:
    """Page count and the outline (page, title) of a PDF as Chromium (Skia) writes it: plain
    objects, one ``/Type /Page`` per page, outline items with ``/Title`` and ``/Dest [page]``."""
    data = path.read_bytes()
    objects = {
        int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)
    }
    root = next(
        n
        for n, body in objects.items()
        if re.search(rb"/Type\s*/Pages\b", body) and b"/Parent" not in body
    )
    order: list[int] = []

    def walk(n: int) -> None:
        body = objects[n]
        if re.search(rb"/Type\s*/Page\b", body):
            order.append(n)
            return
        kids = re.search(rb"/Kids\s*\[(.*?)\]", body, re.S)
        assert kids is not None
        for kid in re.findall(rb"(\d+) 0 R", kids.group(1)):
            walk(int(kid))

    walk(root)
    page = {n: i + 1 for i, n in enumerate(order)}
    outline = []
    for body in objects.values():
        title = re.search(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>)", body)
        dest = re.search(rb"/Dest\s*\[(\d+) 0 R", body)
        if title and dest:
            outline.append((page[int(dest.group(1))], _pdf_string(title.group(1))))
    return len(order), sorted(outline)


def _text(html: str) -> str:
    """What a reader sees: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def _body(html: str) -> str:
    return html[html.index("<body>") + len("<body>") :]


def test_front_page_comes_first_and_states_every_element(
    report_dir: Path, report_data: ReportData
) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    body = _body(html).lstrip()
    assert body.startswith('<section class="front" id="front"'), body[:200]
    front = body[: body.index("</section>")]
    seen = _text(front)
    for label in ("Scope", "In scope", "Out of scope", "Period", "Assessed by", "Conclusion"):
        assert f"<th>{label}</th>" in front, label
    assert "How to verify" in seen and "python -m compliance.verify <this folder>" in seen
    assert f"Region: <strong>{report_data.run.region}</strong>" in front
    # the components come from the synthesized stack: every construct with resources is named
    names = {row.construct_path.split("/", 1)[0] for row in report_data.inventory}
    assert {c.name for c in components(report_data.inventory)} == names
    for name in names:
        assert f"<code>{name}</code>" in front, name
    assert f"{len(report_data.inventory)} resources" in seen
    # a point-in-time report says so plainly
    assert "a point in time, not a period" in seen
    # the engines and who signs are named; the figures are the body's
    for engine in report_data.engines:
        assert engine.name in seen
    assert "signed (engine report) by" in seen or "NOT signed" in seen
    assert conclusion(report_data) in seen
    counts = report_data.counts()
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    assert tally in seen and f"Of {len(report_data.assessments)} controls" in seen
    markdown = (report_dir / "report.md").read_text(encoding="utf-8")
    head = markdown[: markdown.index("## Provenance")]
    for label in ("**Scope:**", "**Period:**", "**Assessed by:**", "**Conclusion:**"):
        assert label in head, label
    assert "python -m compliance.verify" in head and conclusion(report_data) in head


def test_the_conclusion_follows_the_counts_and_the_exit_code(report_data: ReportData) -> None:
    text = conclusion(report_data)
    if report_data.design_not_run():
        assert text.startswith("INCOMPLETE:")
        for cid in report_data.design_not_run():
            assert cid in text
    front = design_front(report_data)
    assert front.region == report_data.run.region and front.conclusion == text


def test_a_period_report_states_its_period_and_conclusion_on_the_front_page(
    report_data: ReportData, tmp_path: Path
) -> None:
    """With --period the design-time report's front page names the period (not "a point in
    time"); the period report opens with the same front page shape."""
    from dataclasses import replace

    from compliance.period.report import build_period_report, period_front, period_front_text
    from compliance.period.window import Period
    from compliance.render import render_template

    store = tmp_path / "evidence-store"
    store.mkdir()
    period = build_period_report(Period.parse("2026-09-01..2026-09-03"), str(store))
    data = replace(report_data, period_text=period_front_text(period))
    front = design_front(data)
    assert front.period.startswith("2026-09-01 to 2026-09-03 (3 days")
    assert period.conclusion in front.period and str(tmp_path) not in front.period
    page = _text(render_template("report.html.j2", data))
    assert "a point in time, not a period" not in page and "2026-09-01 to 2026-09-03" in page
    assert period_front(period).conclusion == period.conclusion
    assert "**Conclusion:** " + period.conclusion in "\n".join(period_front(period).markdown())


@needs_chromium
def test_pdf_has_a_front_page_and_an_outline_of_every_section_and_control(
    report_dir: Path, report_data: ReportData
) -> None:
    pages, outline = read_pdf(report_dir / PDF_FILE)
    titles = {title: page for page, title in outline}
    assert outline[0] == (1, design_front(report_data).title)
    for section in (
        "Contents",
        "How to verify this report",
        "Summary by regulation",
        "Controls and their evidence",
        "Statement of applicability",
        "Rule results",
        "Annexes (machine listings)",
        "Sign-off",
    ):
        assert section in titles, section
        assert 1 < titles[section] <= pages
    shown = {t.split(" ")[0] for t in titles}
    assert {a.control.id for a in report_data.assessments} <= shown
    assert titles["Controls and their evidence"] < titles["Sign-off"]


@needs_chromium
def test_pdf_reads_in_tens_of_pages(report_dir: Path) -> None:
    pages, _ = read_pdf(report_dir / PDF_FILE)
    assert 10 <= pages < MAX_PAGES, pages


def test_every_annex_is_written_listed_in_the_manifest_and_signed(report_dir: Path) -> None:
    import json

    manifest = json.loads((report_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    cited = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))["annexes"]
    assert {a["file"] for a in cited} == set(ANNEXES)
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    annex_table = _text(html[html.index('id="annexes"') :])
    for name in ANNEXES:
        assert name in listed and listed[name]["engine"] == "report", name
        assert (report_dir / f"{name}.dsse.json").is_file(), name
        assert name in annex_table, name
        assert listed[name]["sha256"][:16] in annex_table, name


def _csv(report_dir: Path, name: str) -> list[dict[str, str]]:
    return read_rows(report_dir / name)


def test_annex_rows_are_the_figures_of_the_body(report_dir: Path, report_data: ReportData) -> None:
    """No lost rows: each annex holds exactly what the body counts."""
    judged = Counter(
        (a.control.id, e.ref, s)
        for a in report_data.assessments
        for e in a.evidence
        for s in e.subjects
    )
    rows = _csv(report_dir, SUBJECTS_FILE)
    assert Counter((r["control_id"], r["ref"], r["subject"]) for r in rows) == judged
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    moved = 0
    for a in report_data.assessments:
        section = html[html.index(f'id="{a.control.id}"') :]
        section = section[: section.index("</section>")]
        for e in a.evidence:
            if len(e.subjects) > INLINE_SUBJECTS:
                moved += 1
                assert f"{len(e.subjects)} resources: <code>{SUBJECTS_FILE}</code>" in section
            for subject in e.subjects if len(e.subjects) <= INLINE_SUBJECTS else ():
                shown = str(subject).replace(".", ".<wbr>").replace("_", "_<wbr>")
                assert shown.replace("/", "/<wbr>") in section, (a.control.id, subject)
    assert moved, "the stack has evidence judging more resources than the body lists"
    lines = _csv(report_dir, RULES_CSV)
    assert len(lines) == len(report_data.rule_results)
    assert f"{len(lines)} rule \u00d7 resource lines" in html
    summary = _csv(report_dir, RULE_SUMMARY_FILE)
    outcomes = Counter(r.outcome for r in report_data.rule_results)
    assert sum(int(r["passed"]) for r in summary) == outcomes[Outcome.PASSED]
    assert sum(int(r["failed"]) for r in summary) == outcomes[Outcome.FAILED]
    assert sum(int(r["waived"]) for r in summary) == outcomes[Outcome.WAIVED]
    inventory = _csv(report_dir, INVENTORY_FILE)
    assert [r["address"] for r in inventory] == [row.address for row in report_data.inventory]
    resources = _csv(report_dir, RESOURCES_FILE)
    assert {r["resource"] for r in resources} == {row.address for row in report_data.inventory}
    judged_lines = [r for r in resources if r["rule"]]
    assert len(judged_lines) == sum(
        1
        for r in report_data.rule_results
        if r.resource in {i.address for i in report_data.inventory}
    )
    mapping = _csv(report_dir, MAPPING_FILE)
    mapped = sum(len(ref.mappings) for reg in report_data.by_regulation() for ref in reg.references)
    assert sum(1 for r in mapping if r["control_id"]) == mapped


def test_the_pdf_no_longer_prints_the_listings(report_dir: Path, report_data: ReportData) -> None:
    """The per-resource and inventory tables and the per-rule table are annexes now."""
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    resources = html[html.index('id="resources"') : html.index('id="ropa"')]
    assert resources.count("<tr>") <= len(components(report_data.inventory)) + 1
    rules = html[html.index('id="rules"') : html.index('id="resources"')]
    assert rules.count("<tr>") < 40
    with (report_dir / RULES_CSV).open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(report_data.rule_results)
