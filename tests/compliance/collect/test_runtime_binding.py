"""Runtime evidence is bound to what it describes (issue 21 items 4 and 5): another stack or
artifact, collection in the future, a file's own expiry dates and missing checks are refused or
marked; a simulation is refused unless allowed, and then named on every part of the report."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest

from compliance.assess import ControlStatus
from compliance.catalog import ControlKind
from compliance.collect.model import iso
from compliance.oscal import assessment_results_document
from compliance.render import render_template
from compliance.reportdata import ReportData
from compliance.runtime_evidence import RuntimeEvidenceError, with_runtime_evidence

from .conftest import Run


def _edited(baseline: Run, tmp_path: Path, change: object) -> Path:
    data = json.loads(baseline.path.read_text())
    change(data)  # type: ignore[operator]
    path = tmp_path / "runtime-evidence.json"
    path.write_text(json.dumps(data))
    return path


def _runtime(data: ReportData) -> dict[str, tuple[ControlStatus, str]]:
    return {
        a.control.id: (a.status, a.reason)
        for a in data.assessments
        if a.control.kind is ControlKind.RUNTIME
    }


def test_simulation_is_refused_unless_allowed(report_data: ReportData, baseline: Run) -> None:
    with pytest.raises(
        RuntimeEvidenceError, match=r"endpoint_url http://127\.0\.0\.1:.*--allow-simulation"
    ):
        with_runtime_evidence(report_data, baseline.path)


def test_removing_the_endpoint_does_not_hide_a_simulation(
    report_data: ReportData, baseline: Run
) -> None:
    """The collector signs the endpoint it used: editing the file breaks the signature (the
    report verifies it first, tests/core/attest); here the signed predicate says so."""
    from compliance.collect.__main__ import evidence_predicate

    assert evidence_predicate(baseline.evidence)["simulated"] is True
    assert evidence_predicate(baseline.evidence)["endpoint_url"] == baseline.evidence.endpoint


@pytest.mark.parametrize(
    "field, value, why",
    [
        ("stack_name", "streamflix-other", "stack_name 'streamflix-other' is not the reported"),
        ("stack_sha256", "0" * 64, "is not the reported"),
        ("collected_at", "2099-01-01T00:00:00Z", "is after the report time"),
    ],
)
def test_evidence_of_another_stack_or_the_future_is_refused(
    report_data: ReportData, baseline: Run, tmp_path: Path, field: str, value: str, why: str
) -> None:
    path = _edited(baseline, tmp_path, lambda d: d.update({field: value}))
    with pytest.raises(RuntimeEvidenceError, match=why):
        with_runtime_evidence(report_data, path, allow_simulation=True)


def test_expiry_comes_from_the_check_table_not_the_file(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    """Expiry dates of 2099 in the file do not keep evidence valid: a report 3 days after
    collection finds the 24-hour checks expired (evidence not run)."""

    def far_expiry(d: dict) -> None:  # type: ignore[type-arg]
        for item in d["items"]:
            item["expires_at"] = "2099-12-31T00:00:00Z"

    path = _edited(baseline, tmp_path, far_expiry)
    later = dataclasses.replace(
        report_data,
        run=dataclasses.replace(
            report_data.run, generated_at=baseline.evidence.collected_at + timedelta(days=3)
        ),
    )
    statuses = _runtime(with_runtime_evidence(later, path, allow_simulation=True))
    assert statuses["SFX-CTL-OPS-01"][0] is ControlStatus.NOT_RUN
    assert "expired" in statuses["SFX-CTL-OPS-01"][1]


def test_a_removed_check_leaves_its_control_not_run(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    def drop(d: dict) -> None:  # type: ignore[type-arg]
        d["items"] = [i for i in d["items"] if i["check_id"] != "trail.delivery"]

    before = _runtime(with_runtime_evidence(report_data, baseline.path, allow_simulation=True))
    assert before["SFX-CTL-OPS-01"][0] is not ControlStatus.NOT_RUN, before["SFX-CTL-OPS-01"]
    path = _edited(baseline, tmp_path, drop)
    status, reason = _runtime(with_runtime_evidence(report_data, path, allow_simulation=True))[
        "SFX-CTL-OPS-01"
    ]
    assert status is ControlStatus.NOT_RUN and "lacks check(s) trail.delivery" in reason


def test_allowed_simulation_is_named_on_cover_pages_summary_signoff_and_oscal(
    report_data: ReportData, baseline: Run
) -> None:
    data = with_runtime_evidence(report_data, baseline.path, allow_simulation=True)
    assert "LOCAL SIMULATION" in data.marks
    html = render_template("report.html.j2", data)
    style, body = html.split("</style>", 1)
    assert '@top-center { content: "LOCAL SIMULATION' in style
    cover, rest = body.split('<nav class="toc"', 1)
    assert 'class="marks"' in cover
    summary = rest.split('id="summary"', 1)[1].split("</table>", 1)[0]
    assert "LOCAL SIMULATION" in summary
    assert "LOCAL SIMULATION" in rest.split('id="signoff"', 1)[1]
    md = render_template("report.md.j2", data)
    assert md.splitlines()[2].startswith("> **LOCAL SIMULATION")
    oscal = assessment_results_document(data)
    assert oscal["metadata"]["title"].startswith("[LOCAL SIMULATION]")
    assert oscal["results"][0]["title"].startswith("[LOCAL SIMULATION]")
    assert any(p["value"] == "LOCAL SIMULATION" for p in oscal["results"][0]["props"])
    assert iso(baseline.evidence.collected_at)  # the evidence stays dated


def _sampled(data: dict[str, object]) -> dict[str, object]:
    items = data["items"]
    assert isinstance(items, list)
    return next(i for i in items if i.get("sampling", {}).get("population_size"))


def test_an_empty_sample_of_a_populated_check_is_refused(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    """Issue 21: an empty sample was accepted; nothing examined is no evidence."""
    path = _edited(baseline, tmp_path, lambda d: _sampled(d)["sampling"].update({"sample": []}))
    with pytest.raises(RuntimeEvidenceError, match="the sample is empty"):
        with_runtime_evidence(report_data, path, allow_simulation=True)


def test_a_sample_its_population_and_seed_do_not_draw_is_refused(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    def tamper(d: dict[str, object]) -> None:
        sampling = _sampled(d)["sampling"]
        sampling["seed"] = sampling["seed"] + 1
        if len(sampling["population"]) <= len(sampling["sample"]):
            sampling["population"] = [*sampling["population"], "extra-member"]
            sampling["population_size"] += 1

    path = _edited(baseline, tmp_path, tamper)
    with pytest.raises(RuntimeEvidenceError, match="sampling"):
        with_runtime_evidence(report_data, path, allow_simulation=True)
