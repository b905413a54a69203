"""The report an auditor works from: print layout (rendered by headless Chromium), report.pdf,
per-resource view, natural rule order, control ids in the CSV, worktree in every header and
the --baseline change section."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from compliance import render
from compliance import report as report_module
from compliance.annexes import INLINE_SUBJECTS, SUBJECTS_FILE
from compliance.assess import EvidenceKind
from compliance.baseline import BaselineError, compare, load_baseline
from compliance.pdf import CHROMIUM_FLAGS, PDF_FILE, find_chromium, write_pdf
from compliance.render import report_document
from compliance.reportdata import ReportData
from compliance.views import natural_key
from policies.gate import GateResult

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian chromium is not installed (scripts/install.sh installs it)",
)

# Injected into a copy of report.html: after layout, record every word of a table cell that
# Chromium broke across lines somewhere other than after a separator (- _ . / :), every id or
# date (control, aspect and Checkov rule ids, ISO dates: "SFX-CTL-RES-" / "01") broken at all,
# and every table wider than the page.
_PROBE = """<script>
(function () {
  const broken = [], wide = [];
  const ID = /(SFX-(CTL-)?[A-Z]+-[0-9]+|CKV2?_[A-Z0-9]+_[0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2})/;
  const lineOf = (node, i) => {
    const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
    const rect = [...r.getClientRects()].find(x => x.width > 0);
    return rect ? Math.round(rect.top) : null;
  };
  document.querySelectorAll("td, th").forEach(cell => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const text = node.textContent, re = /\\S+/g; let m;
      while ((m = re.exec(text))) {
        let previous = null;
        for (let i = m.index; i < m.index + m[0].length; i++) {
          const line = lineOf(node, i);
          if (line === null) continue;
          const atSeparator = "-_./:".includes(text[i - 1]) && !ID.test(m[0]);
          if (previous !== null && line !== previous && !atSeparator) {
            broken.push(m[0]);
            break;
          }
          previous = line;
        }
      }
    }
  });
  const width = document.documentElement.clientWidth;
  document.querySelectorAll("table").forEach(t => {
    if (t.getBoundingClientRect().right <= width + 1) return;
    let el = t;  // name the table by the nearest preceding element with an id
    while (el && !el.id) el = el.previousElementSibling || el.parentElement;
    wide.push(el ? el.id : "?");
  });
  document.body.setAttribute("data-broken", JSON.stringify(broken));
  document.body.setAttribute("data-wide", JSON.stringify(wide));
})();
</script></body>"""


def _layout(report_html: Path, tmp_path: Path, width: int = 700) -> tuple[list[str], list[str]]:
    """Words broken inside table cells and tables wider than a ``width``-px page (about the
    printable width of A4 at 96 dpi)."""
    assert CHROMIUM is not None
    probe = tmp_path / "probe.html"
    probe.write_text(report_html.read_text(encoding="utf-8").replace("</body>", _PROBE))
    dom = subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={width},1000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    found = {
        key: json.loads(html.unescape(m.group(1)))
        for key in ("broken", "wide")
        if (m := re.search(rf'data-{key}="([^"]*)"', dom))
    }
    assert set(found) == {"broken", "wide"}, "the probe did not run"
    return found["broken"], found["wide"]


@needs_chromium
def test_the_probe_sees_a_word_broken_in_a_cell(tmp_path: Path) -> None:
    """The layout check can fail: the old stylesheet (overflow-wrap: anywhere) breaks words."""
    page = tmp_path / "old.html"
    page.write_text(
        "<html><head><style>td { overflow-wrap: anywhere; }</style></head><body>"
        "<table style='width: 120px'><tr><td>x</td><td>satisfied WAIVED CKV_AWS_338</td>"
        "<td>evidence</td></tr></table></body></html>",
        encoding="utf-8",
    )
    broken, _ = _layout(page, tmp_path, width=200)
    assert broken


@needs_chromium
def test_the_probe_sees_an_id_or_date_split_at_its_hyphen(tmp_path: Path) -> None:
    """Breaking after a hyphen is fine in prose, not inside a control id or a date."""
    page = tmp_path / "ids.html"
    page.write_text(
        "<html><body><table style='width: 90px'><tr><td>PASSED → SFX-CTL-RES-01, "
        "2027-05-31</td></tr></table></body></html>",
        encoding="utf-8",
    )
    broken, _ = _layout(page, tmp_path, width=200)
    assert any(word.startswith("SFX-CTL-RES-01") for word in broken), broken


def test_ids_and_dates_in_prose_cells_are_kept_on_one_line() -> None:
    cell = str(render._wrap_long("SFX-CTL-APP-06: see CKV_AWS_338 until 2027-05-31"))
    for token in ("SFX-CTL-APP-06", "CKV_AWS_338", "2027-05-31"):
        assert f'<span class="nb">{token}</span>' in cell, cell


@needs_chromium
@pytest.mark.synth
@pytest.mark.gate
def test_no_word_breaks_inside_table_cells_at_page_width(report_dir: Path, tmp_path: Path) -> None:
    broken, wide = _layout(report_dir / "report.html", tmp_path)
    assert broken == []
    assert wide == []


@pytest.mark.synth
@pytest.mark.gate
def test_print_stylesheet_has_page_numbers_toc_and_sign_off(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@page" in style and "counter(page)" in style and "counter(pages)" in style
    assert "@media print" in style
    assert "overflow-wrap: anywhere" not in style and "break-all" not in style
    assert 'id="toc"' in page and 'href="#signoff"' in page and 'id="signoff"' in page
    for name in ("report.html", "report.md"):
        assert "Sign-off" in (report_dir / name).read_text(encoding="utf-8")


@needs_chromium
@pytest.mark.synth
@pytest.mark.gate
def test_report_pdf_is_printed_by_chromium(report_dir: Path) -> None:
    pdf = (report_dir / PDF_FILE).read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 10, pages


def test_write_pdf_skips_cleanly_without_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("compliance.pdf.find_chromium", lambda: None)
    page = tmp_path / "r.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    assert write_pdf(page, tmp_path / PDF_FILE) is None
    assert not (tmp_path / PDF_FILE).exists()


def test_rule_ids_sort_naturally() -> None:
    ids = ["CKV_AWS_338", "CKV_AWS_18", "CKV2_AWS_6", "CKV_AWS_7", "SFX-LOG-10", "SFX-LOG-2"]
    assert sorted(ids, key=natural_key) == [
        "CKV2_AWS_6",
        "CKV_AWS_7",
        "CKV_AWS_18",
        "CKV_AWS_338",
        "SFX-LOG-2",
        "SFX-LOG-10",
    ]


@pytest.mark.synth
@pytest.mark.gate
def test_csv_and_rule_tables_are_in_natural_order(report_dir: Path) -> None:
    with (report_dir / "report.csv").open(encoding="utf-8", newline="") as handle:
        rules = [r["rule_id"] for r in csv.DictReader(handle)]
    assert rules == sorted(rules, key=natural_key)
    assert rules != sorted(rules), "the stack has ids whose plain sort differs (CKV_AWS_1xx)"


@pytest.mark.synth
@pytest.mark.gate
def test_csv_names_the_controls_each_line_is_evidence_for(
    report_dir: Path, report_data: ReportData
) -> None:
    with (report_dir / "report.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert "control_id" in rows[0] and "worktree" in rows[0]
    cited = {
        (e.ref, s): a.control.id
        for a in report_data.assessments
        for e in a.evidence
        if e.kind in (EvidenceKind.ASPECT_RULE, EvidenceKind.CHECKOV_CHECK)
        for s in e.subjects
    }
    assert cited
    for (rule, resource), control in cited.items():
        (row,) = [
            r
            for r in rows
            if r["rule_id"] == rule and r["resource"] == resource and r["control_id"]
        ][:1] or [None]
        assert row is not None and control in row["control_id"].split(";"), (rule, resource)
    assert {r["worktree"] for r in rows} == {report_data.run.worktree}


@pytest.mark.synth
@pytest.mark.gate
def test_every_rule_evidence_row_names_the_resources_it_judged(
    report_dir: Path, report_data: ReportData
) -> None:
    """Up to INLINE_SUBJECTS resources are named in the row; more are counted there and listed
    in the subjects annex (issue 22 item 7: the listings are annexes)."""
    html_text = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "<th>Resources judged · detail</th>" in html_text
    with (report_dir / SUBJECTS_FILE).open(encoding="utf-8", newline="") as handle:
        annexed = {(r["control_id"], r["ref"], r["subject"]) for r in csv.DictReader(handle)}
    for a in report_data.assessments:
        section = html_text[html_text.index(f'id="{a.control.id}"') :]
        section = section[: section.index("</section>")]
        for e in a.evidence:
            for subject in e.subjects:
                assert (a.control.id, e.ref, subject) in annexed, (a.control.id, subject)
                if len(e.subjects) <= INLINE_SUBJECTS:
                    shown = str(subject).replace(".", ".<wbr>").replace("_", "_<wbr>")
                    assert shown.replace("/", "/<wbr>") in section, (a.control.id, subject)


@pytest.mark.synth
@pytest.mark.gate
def test_per_resource_view_maps_resource_to_rules_to_controls(
    report_dir: Path, report_data: ReportData
) -> None:
    doc = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    views = {v["address"]: v for v in doc["resources"]}
    assert set(views) == {row.address for row in report_data.inventory}
    lines = {(r.rule, r.resource) for r in report_data.rule_results}
    for address, view in views.items():
        assert {(r["rule"], address) for r in view["rules"]} <= lines
        for rule in view["rules"]:
            assert set(rule["controls"]) <= set(view["controls"])
    assert doc["uncovered_resources"] == [a for a, v in views.items() if not v["controls"]]
    assert "Per-resource view" in (report_dir / "report.html").read_text(encoding="utf-8")


@pytest.mark.synth
@pytest.mark.gate
def test_worktree_state_is_in_the_header_of_every_format(
    report_dir: Path, report_data: ReportData
) -> None:
    state = report_data.run.worktree
    assert f"<tr><th>Worktree</th><td>{state}</td></tr>" in (report_dir / "report.html").read_text()
    assert f"| Worktree | {state} |" in (report_dir / "report.md").read_text()
    assert json.loads((report_dir / "report.json").read_text())["run"]["worktree"] == state
    header = (report_dir / "report.csv").read_text().splitlines()[1]
    assert f",{state}," in header
    oscal = json.loads((report_dir / "oscal-assessment-results.json").read_text())
    props = oscal["assessment-results"]["metadata"]["props"]
    assert {"name": "worktree", "value": state} in [
        {"name": p["name"], "value": p["value"]} for p in props
    ]


def _with_changes(report_data: ReportData) -> tuple[dict[str, Any], dict[str, Any]]:
    """A baseline report.json that differs from the current one in every tracked way."""
    current = report_document(report_data)
    baseline = json.loads(json.dumps(current))
    first = baseline["controls"][0]
    first["status"] = "not satisfied" if first["status"] != "not satisfied" else "satisfied"
    first["requirements"] = [
        *first["requirements"][1:],
        {"regulation": "GDPR", "ref": "Art. 99", "note": None},
    ]
    changed = baseline["exceptions"][0]
    changed["reason"] = "an older reason text"
    baseline["exceptions"].append(
        {
            "rule": "CKV_AWS_1",
            "resource": "aws_x.y",
            "reason": "gone",
            "owner": "o",
            "expires": "2030-01-01",
        }
    )
    gone = current["inventory"][0]["address"]
    baseline["uncovered_resources"] = []
    current["uncovered_resources"] = [gone]
    return current, baseline


@pytest.mark.synth
@pytest.mark.gate
def test_baseline_reports_status_exception_citation_and_coverage_changes(
    report_data: ReportData,
) -> None:
    current, baseline = _with_changes(report_data)
    changes = compare(current, baseline)
    first = current["controls"][0]["id"]
    assert [c.control for c in changes.statuses] == [first]
    assert changes.citations[0].control == first and "GDPR Art. 99" in changes.citations[0].removed
    kinds = {(e.rule, e.change) for e in changes.exceptions}
    assert (current["exceptions"][0]["rule"], "changed") in kinds
    assert ("CKV_AWS_1", "removed") in kinds
    assert changes.new_uncovered_resources == (current["inventory"][0]["address"],)
    soon = json.loads(json.dumps(current))
    soon["exceptions"][0]["expires"] = current["run"]["generated_at"][:10]
    assert "expiring" in {e.change for e in compare(soon, current).exceptions}
    assert compare(current, json.loads(json.dumps(current))).empty


def test_baseline_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match=r"old\.json: file not found"):
        load_baseline(tmp_path / "old.json")
    (tmp_path / "bad.json").write_text('{"run": {}}', encoding="utf-8")
    with pytest.raises(BaselineError, match=r"bad\.json: has no 'controls'"):
        load_baseline(tmp_path / "bad.json")


@pytest.mark.synth
@pytest.mark.gate
def test_cli_baseline_writes_the_change_section(
    report_dir: Path,
    synth_dir: Path,
    gate_run: GateResult,
    gate_results_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    baseline = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    baseline["controls"][0]["status"] = "changed in the test"
    (tmp_path / "base.json").write_text(json.dumps(baseline), encoding="utf-8")
    monkeypatch.setattr(report_module, "write_pdf", lambda *a, **k: None)
    args = ["--synth-dir", str(synth_dir), "--gate-json", str(gate_results_dir / "gate.json")]
    out = tmp_path / "out"
    # exit 3: no test results are given, so the controls proven by tests are "evidence not run"
    assert (
        report_module.main([*args, "--baseline", str(tmp_path / "base.json"), "--out", str(out)])
        == 3
    )
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (change,) = [
        c for c in doc["changes"]["status_changes"] if c["before"] == "changed in the test"
    ]
    assert change["control"] == baseline["controls"][0]["id"]
    for name in ("report.html", "report.md"):
        assert "Changes since the baseline" in (out / name).read_text(encoding="utf-8")


@pytest.mark.synth
@pytest.mark.gate
def test_a_partial_dropped_into_a_slot_is_rendered(
    report_data: ReportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other modules (statement of applicability, runtime evidence) hook in by adding a file."""
    templates = tmp_path / "templates"
    shutil.copytree(render.TEMPLATES, templates)
    for fmt, text in (
        ("html", "<h2 id='hooked'>Hooked section</h2>"),
        ("md", "## Hooked section\n"),
    ):
        slot = templates / "partials" / fmt / "before-summary"
        slot.mkdir(parents=True, exist_ok=True)
        (slot / "10-hooked.j2").write_text(text + "{{ run.stack_name }}\n", encoding="utf-8")
    monkeypatch.setattr(render, "TEMPLATES", templates)
    for name, summary in (("report.html.j2", 'id="summary"'), ("report.md.j2", "\n## Summary")):
        page = render.render_template(name, report_data)
        hooked = page.index("Hooked section")
        assert hooked < page.index(summary) and report_data.run.stack_name in page[hooked:]
    with pytest.raises(ValueError, match="slot 'nowhere'"):
        render.partials("html", "nowhere")
