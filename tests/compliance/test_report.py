"""The auditor report, built once from the session's stack and gate run, checked end to end."""

from __future__ import annotations

import csv
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from trestle.oscal import assessment_results as ar

from compliance import report as report_module
from compliance.assess import ControlStatus, EvidenceKind, EvidenceStatus
from compliance.catalog import Catalog, ControlKind
from compliance.exceptions import load_exceptions
from compliance.gate_adapter import load_gate_json, parse_gate_json
from compliance.junit import node_address
from compliance.oscal import build_assessment_results
from compliance.pdf import PDF_FILE
from compliance.registry import PROJECT_ROOT
from compliance.report import OSCAL_FILE, REPORT_FILES, build_report_data, write_report
from compliance.reportdata import ReportData
from core.attest.engine import sign_output
from core.binding import ArtifactBinding, bind
from core.git import git_commit, git_worktree
from core.results import ResultsError, RuleResult, gate_result
from policies.gate import GateResult
from tests.compliance.conftest import make_inputs

pytestmark = [pytest.mark.synth, pytest.mark.gate]

ABSOLUTE_PATH = re.compile(r"(?<![\w.:/-])/(?:tmp|work|home|root|usr|var|opt|private|Users)/")
SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "password value": re.compile(r"(?i)\"?password\"?\s*[:=]\s*\"[^\"$]{6,}\""),
    "aws secret key": re.compile(r"(?i)aws_secret_access_key"),
}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# Controls that page the alerts topic need a recipient: the CIS 4.x alarms and MON-01/MON-02.
NO_SUBSCRIBER_CONTROLS = (
    "SFX-CTL-MON-01",
    "SFX-CTL-MON-02",
    *(f"SFX-CTL-CIS-{n:02d}" for n in range(1, 16)),
)


def all_tests_passed(catalog: Catalog, binding: ArtifactBinding | None = None) -> str:
    """A JUnit file in which every catalog test passed (bound to ``binding`` if given, as
    tests/conftest.py records it)."""
    cases = []
    for node_id in sorted({t for c in catalog.controls for t in c.evidence.tests}):
        classname, name = node_address(node_id)
        cases.append(f'<testcase classname="{classname}" name="{name}"/>')
    props = "".join(
        f'<property name="{k}" value="{v}"/>'
        for k, v in (binding.properties() if binding else {}).items()
    )
    properties = f"<properties>{props}</properties>" if props else ""
    return f"<testsuites><testsuite>{properties}{''.join(cases)}</testsuite></testsuites>"


def report_json(report_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def test_every_report_file_is_written(report_dir: Path) -> None:
    for name in REPORT_FILES:
        assert (report_dir / name).stat().st_size > 1000, name
    assert report_json(report_dir)["unexplained_stack_features"] == []


def test_reports_carry_commit_time_tools_suffix_and_region(report_dir: Path) -> None:
    run = report_json(report_dir)["run"]
    assert run["commit"] == git_commit(PROJECT_ROOT)
    assert re.fullmatch(r"[0-9a-f]{40}|unknown", run["commit"])
    assert run["worktree"] == git_worktree(PROJECT_ROOT)
    assert run["worktree"] in {"clean", "modified", "unknown"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", run["generated_at"])
    for dist in ("cdktf", "cdktf-cdktf-provider-aws", "checkov", "compliance-trestle"):
        assert run["tools"][dist] == metadata.version(dist)
    assert run["tools"]["python"] == sys.version.split()[0]
    assert (run["environment_suffix"], run["region"]) == ("qa1", "eu-central-1")
    assert run["terraform_provider"].startswith("hashicorp/aws 6.")
    for name in ("report.md", "report.html"):
        text = (report_dir / name).read_text(encoding="utf-8")
        for value in (
            run["commit"],
            run["generated_at"],
            "qa1",
            "eu-central-1",
            run["tools"]["checkov"],
            run["tools"]["compliance-trestle"],
        ):
            assert value in text, f"{name} lacks {value}"
    oscal = (report_dir / OSCAL_FILE).read_text(encoding="utf-8")
    assert run["commit"] in oscal and '"environment-suffix"' in oscal


def test_no_absolute_paths_and_no_secrets_in_any_report(report_dir: Path, synth_dir: Path) -> None:
    forbidden = {
        str(p) for p in (PROJECT_ROOT, synth_dir, synth_dir.parent, Path.home()) if len(p.parts) > 2
    }
    for name in REPORT_FILES:
        text = (report_dir / name).read_text(encoding="utf-8")
        assert not ABSOLUTE_PATH.search(text), f"{name}: {ABSOLUTE_PATH.search(text)}"
        assert not [f for f in forbidden if f in text], name
        for what, pattern in SECRET_PATTERNS.items():
            assert not pattern.search(text), f"{name} contains a {what}"


def test_the_path_and_secret_checks_catch_leaks() -> None:
    assert ABSOLUTE_PATH.search("synthesized in /tmp/pytest-1/cdktf.out")
    assert ABSOLUTE_PATH.search('"path": "/work/main/terraform.tfstate"')
    assert not ABSOLUTE_PATH.search("tests/worker/test_x.py and gate-results/")
    assert SECRET_PATTERNS["AWS access key id"].search("key AKIAABCDEFGHIJKLMNOP")
    assert SECRET_PATTERNS["password value"].search('"password": "hunter2hunter2"')


def test_csv_has_one_line_per_rule_and_resource_from_both_engines(
    report_dir: Path, report_data: ReportData, gate_lines: list[RuleResult], synth_dir: Path
) -> None:
    with (report_dir / "report.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "rule_id",
        "resource",
        "status",
        "exception_reason",
        "level",
        "info",
        "source",
        "control_id",
        "commit",
        "worktree",
        "generated_at",
        "environment_suffix",
        "region",
    ]
    run = report_data.run
    assert {
        (r["commit"], r["generated_at"], r["environment_suffix"], r["region"]) for r in rows
    } == {(run.commit, run.generated_at.isoformat(), "qa1", "eu-central-1")}
    aspects = json.loads((synth_dir / "aspect-results.json").read_text(encoding="utf-8"))["records"]
    assert len(rows) == len(aspects) + len(gate_lines)
    got = {(r["source"], r["rule_id"], r["resource"], r["status"]) for r in rows}
    assert {("gate", g.rule, g.resource, g.status) for g in gate_lines} <= got
    assert {("aspect", a["rule"], a["resource"], a["status"]) for a in aspects} <= got
    waived = [r for r in rows if r["status"] == "WAIVED"]
    assert waived and all(len(r["exception_reason"]) >= 10 for r in waived)


def test_checkov_evidence_in_the_report_agrees_with_the_gate(
    report_data: ReportData, gate_lines: list[RuleResult]
) -> None:
    for a in report_data.assessments:
        for e in a.evidence:
            if e.kind is not EvidenceKind.CHECKOV_CHECK:
                continue
            statuses = {
                line.status
                for line in gate_lines
                if line.rule == e.ref
                and (not e.scope or any(fnmatch.fnmatchcase(line.resource, g) for g in e.scope))
            }
            expected = (
                EvidenceStatus.FAILED
                if "FAILED" in statuses
                else EvidenceStatus.WAIVED
                if "WAIVED" in statuses
                else EvidenceStatus.PASSED
                if "PASSED" in statuses
                else EvidenceStatus.NOT_RUN
            )
            assert e.status is expected, f"{a.control.id} {e.ref}"


def test_satisfied_only_for_design_time_controls_whose_evidence_all_passed(
    report_data: ReportData,
) -> None:
    for a in report_data.assessments:
        if a.status is ControlStatus.SATISFIED:
            assert a.control.kind is ControlKind.DESIGN_TIME
            assert all(e.status is EvidenceStatus.PASSED for e in a.evidence), a.control.id
        if a.control.kind is ControlKind.RUNTIME:
            assert a.status is not ControlStatus.SATISFIED


def test_without_test_results_controls_with_tests_show_not_run(report_data: ReportData) -> None:
    with_tests = [a for a in report_data.assessments if a.control.evidence.tests]
    assert with_tests
    assert all(
        a.status in (ControlStatus.NOT_RUN, ControlStatus.NOT_SATISFIED, ControlStatus.WAIVED)
        for a in with_tests
    )
    assert all(
        e.status is EvidenceStatus.NOT_RUN
        for a in with_tests
        for e in a.evidence
        if e.kind is EvidenceKind.TEST
    )


def test_with_passing_tests_the_design_time_controls_are_satisfied(
    synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult]
) -> None:
    data = build_report_data(make_inputs(synth_dir, catalog, gate_lines, all_tests_passed(catalog)))
    design = [a for a in data.assessments if a.control.kind is ControlKind.DESIGN_TIME]
    # The default stack subscribes nobody to the alerts topic: the CIS 4.x alarm controls
    # and the MON-01/02 paging controls are not satisfied (test_overclaims.py); every other
    # control not satisfied is a waived one whose waiver does not hold (issue 21: a compensating
    # control must be another control, itself satisfied), and says so.
    failed = {a.control.id: a for a in design if a.status is ControlStatus.NOT_SATISFIED}
    assert set(NO_SUBSCRIBER_CONTROLS) <= set(failed)
    for cid, assessment in failed.items():
        reason = str(getattr(assessment, "reason", ""))
        assert cid in NO_SUBSCRIBER_CONTROLS or reason.startswith("the waiver does not hold"), cid
    unproven = [a.control.id for a in design if a.status is ControlStatus.NOT_RUN]
    assert unproven == [], f"evidence that never applies to this stack: {unproven}"
    # besides those: 9 controls waived by exception and LOG-05 partially satisfied (CIS 3.8/3.9);
    # issue 22: EVD-01 partially satisfied (governance, not compliance mode: its deviation) and
    # EVD-02 waived (CKV2_AWS_5 on the collector's group, attached by the schedule)
    satisfied = sum(a.status is ControlStatus.SATISFIED for a in design)
    evd = {a.control.id: a.status for a in design if a.control.id.startswith("SFX-CTL-EVD-")}
    assert evd["SFX-CTL-EVD-01"] is ControlStatus.PARTIAL
    assert evd["SFX-CTL-EVD-03"] is ControlStatus.SATISFIED
    # EVD-02's waiver names EVD-02 itself as its compensation: it does not hold (issue 21)
    assert evd["SFX-CTL-EVD-02"] is ControlStatus.NOT_SATISFIED
    assert satisfied >= len(design) - len(NO_SUBSCRIBER_CONTROLS) - len(failed) - 12
    runtime = {a.status for a in data.assessments if a.control.kind is ControlKind.RUNTIME}
    assert runtime == {ControlStatus.NEEDS_RUNTIME_EVIDENCE}
    manual = {
        a.status
        for a in data.assessments
        if a.control.kind in (ControlKind.ORGANISATIONAL, ControlKind.APPLICATION_RECORD)
    }
    assert manual == {ControlStatus.MANUAL}


def test_a_failing_check_turns_its_control_not_satisfied_in_every_output(
    synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult], tmp_path: Path
) -> None:
    broken = [
        gate_result(g.rule, g.title, g.resource, "FAILED", info="injected failure")
        if g.rule == "CKV_AWS_35"
        else g
        for g in gate_lines
    ]
    assert broken != gate_lines, "CKV_AWS_35 must have run on the trail"
    data = build_report_data(make_inputs(synth_dir, catalog, broken, all_tests_passed(catalog)))
    status = {a.control.id: a for a in data.assessments}
    assert status["SFX-CTL-LOG-02"].status is ControlStatus.NOT_SATISFIED
    assert "CKV_AWS_35" in status["SFX-CTL-LOG-02"].reason
    write_report(data, tmp_path, pdf=False)
    (finding,) = [
        f
        for f in build_assessment_results(data).results[0].findings or []
        if f.target.target_id == "SFX-CTL-LOG-02"
    ]
    assert finding.target.status.state.value == "not-satisfied"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="SFX-CTL-LOG-02"') :]
    assert "not satisfied" in section[:600]
    row = [
        r for r in (tmp_path / "report.csv").read_text().splitlines() if r.startswith("CKV_AWS_35,")
    ]
    assert row and all(",FAILED," in r for r in row)


def markdown_tables(text: str) -> list[list[list[str]]]:
    """GitHub-style tables of a Markdown text: rows of cells (escaped pipes kept in cells)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
        elif current:
            tables.append(current)
            current = []
    return tables


def test_markdown_tables_are_well_formed(report_dir: Path, report_data: ReportData) -> None:
    """Each row on its own line with the header's cell count (a template that eats a newline
    merges rows into one unreadable line)."""
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    tables = markdown_tables(md)
    assert len(tables) >= 5
    for table in tables:
        header, rule, *_ = table
        assert all(set(cell) <= {"-", ":"} and cell for cell in rule), table[:2]
        assert {len(row) for row in table} == {len(header)}, header
    summary = md.split("## Summary", 1)[1]
    (first, *_) = markdown_tables(summary)
    regulations = report_data.by_regulation()
    assert len(first) == 3 + len(regulations)  # header, rule, all controls, one per regulation
    assert [row[0] for row in first[3:]] == [r.title for r in regulations]


def test_exceptions_show_with_reason_owner_and_expiry(
    report_dir: Path, report_data: ReportData
) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    exceptions = load_exceptions().items
    assert exceptions, "the stack has at least one reviewed exception to show"
    for exc in exceptions:
        for text in (html, md):
            assert exc.rule in text and exc.owner in text and exc.expires.isoformat() in text
        assert exc.reason.split()[0] in html.replace("<wbr>", "")  # wrap points are not text
    waived = [
        e for a in report_data.assessments for e in a.evidence if e.status is EvidenceStatus.WAIVED
    ]
    assert waived and all(w.reason and w.owner != "unknown" for e in waived for w in e.waivers)


def test_oscal_output_parses_with_the_trestle_model(
    report_dir: Path, catalog: Catalog, report_data: ReportData
) -> None:
    model = ar.AssessmentResults.oscal_read(report_dir / OSCAL_FILE)
    assert model is not None
    (result,) = model.results
    selected = [
        c.control_id
        for sel in result.reviewed_controls.control_selections
        for c in sel.include_controls
    ]
    assert selected == [c.id for c in catalog.controls]
    findings = {f.target.target_id: f for f in result.findings or []}
    assert set(findings) <= set(selected)
    for a in report_data.assessments:
        if a.control.id not in findings:  # not assessed by this run: no verdict either way
            assert a.status is not ControlStatus.SATISFIED
            continue
        state = findings[a.control.id].target.status.state.value
        assert (state == "satisfied") == (a.status is ControlStatus.SATISFIED), a.control.id
    observations = {o.uuid: o for o in result.observations or []}
    assert {
        m.value if hasattr(m, "value") else m for o in observations.values() for m in o.methods
    } == {"TEST", "EXAMINE"}
    items = {i.uuid for i in result.local_definitions.inventory_items or []}
    for obs in observations.values():
        assert obs.collected is not None and obs.relevant_evidence
        assert {s.subject_uuid for s in obs.subjects or []} <= items
    for finding in findings.values():
        assert {r.observation_uuid for r in finding.related_observations or []} <= set(observations)


def test_html_is_self_contained(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian chromium is not installed "
    "(scripts/install.sh installs it); cannot render report.html",
)
def test_html_renders_in_headless_chromium(
    report_dir: Path, catalog: Catalog, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (report_dir / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = done.stdout
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    for heading in (
        "Summary by regulation",
        "Controls and their evidence",
        "Exceptions",
        "Resource inventory",
        "Record of processing activities",
    ):
        assert heading in text
    for title in (
        "GDPR (Regulation (EU) 2016/679)",
        "NIS2 (Directive (EU) 2022/2555)",
        "Digital Services Act",
        "CIS Amazon Web Services Foundations Benchmark",
    ):
        assert title in text
    assert all(c.id in text for c in catalog.controls)
    for phrase in (
        "needs runtime evidence",
        "manual",
        "evidence not run",
        "Creator ids (pseudonymous account identifiers)",
        "not a legal number",
    ):
        assert phrase in text, phrase


def test_cli_writes_the_report_and_refuses_bad_input(
    synth_dir: Path,
    tmp_path: Path,
    catalog: Catalog,
    gate_run: GateResult,
    gate_results_dir: Path,
    pdf_calls: list[tuple[Path, Path]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Reads the session gate's gate.json (no second checkov run) and a JUnit file. The refusal
    runs ``python -m compliance.report`` itself (the entry point, its exit code and stderr); the
    full report runs in-process, so that Chromium prints only the session's report_dir."""
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    bad = tmp_path / "bad.xml"
    bad.write_text("<html/>", encoding="utf-8")
    args = ["--synth-dir", str(synth_dir), "--gate-json", str(gate_results_dir / "gate.json")]
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance.report",
            *args,
            "--out",
            str(tmp_path / "bad"),
            "--junit",
            str(bad),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert refused.returncode == 2 and "bad.xml: root element is <html>" in refused.stderr
    assert not (tmp_path / "bad").exists()
    junit = tmp_path / "junit.xml"
    junit.write_text(all_tests_passed(catalog, bind(synth_dir)), encoding="utf-8")
    sign_output(junit, "pytest", bind(synth_dir))  # as the pytest engine signs its JUnit file
    out = tmp_path / "out"
    code = report_module.main([*args, "--out", str(out), "--junit", str(junit)])
    stdout = capsys.readouterr().out
    assert code == 1, stdout  # CIS 4.x: no alarm subscriber
    # not satisfied: the paging controls (no subscriber), and waived controls whose waiver does
    # not hold (a compensating control not satisfied, or the waived control itself: issue 21)
    failed = {
        c["id"]: c["reason"] for c in report_json(out)["controls"] if c["status"] == "not satisfied"
    }
    assert set(NO_SUBSCRIBER_CONTROLS) <= set(failed)
    for cid, reason in failed.items():
        assert cid in NO_SUBSCRIBER_CONTROLS or reason.startswith("the waiver does not hold"), cid
    assert "compliance report for streamflix-qa1 written" in stdout
    for name in REPORT_FILES:
        assert (out / name).is_file()
    assert pdf_calls == [(out / "report.html", out / PDF_FILE)]
    engines = report_json(out)["engines"]
    assert engines[1]["detail"] == (
        f"gate passed: {len(gate_run.findings)} check results read from gate.json"
    )
    assert engines[2]["ran"] is True


def test_gate_json_reads_back_exactly_what_the_gate_api_returned(
    gate_results_dir: Path, gate_lines: list[RuleResult], synth_dir: Path
) -> None:
    lines, ok = load_gate_json(gate_results_dir / "gate.json", synth_dir.name)
    assert ok is True
    assert lines == gate_lines
    with pytest.raises(ResultsError, match="not of 'streamflix-other'"):
        load_gate_json(gate_results_dir / "gate.json", "streamflix-other")
    data = json.loads((gate_results_dir / "gate.json").read_text(encoding="utf-8"))
    del data["findings"][0]["check_id"]
    with pytest.raises(ResultsError, match=r"findings\[0\]\.check_id"):
        parse_gate_json(data, synth_dir.name)


def test_the_cli_runs_the_gate_into_the_report_folder(
    monkeypatch: pytest.MonkeyPatch,
    gate_run: GateResult,
    synth_dir: Path,
    tmp_path: Path,
    pdf_calls: list[tuple[Path, Path]],
) -> None:
    """Without --gate-json the report runs the gate itself (stubbed with the session's run)."""
    calls: list[tuple[Path, Path]] = []

    def fake_run_gate(synth: Path, results: Path) -> GateResult:
        calls.append((synth, results))
        return gate_run

    monkeypatch.setattr(report_module, "run_gate", fake_run_gate)
    # exit 3 (incomplete): no test results given, so controls with tests are "evidence not run"
    assert report_module.main(["--synth-dir", str(synth_dir), "--out", str(tmp_path)]) == 3
    assert calls == [(synth_dir, tmp_path / "gate-results")]
    assert pdf_calls == [(tmp_path / "report.html", tmp_path / PDF_FILE)]
    (gate_engine,) = [e for e in report_json(tmp_path)["engines"] if e["name"] == "checkov gate"]
    assert gate_engine["detail"].startswith(f"gate passed: {len(gate_run.findings)} check")
