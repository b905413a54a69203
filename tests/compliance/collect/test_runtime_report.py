"""compliance.report --runtime-evidence: runtime controls move out of "needs runtime evidence",
the HTML shows the operating evidence and the drift table, OSCAL carries TEST observations with
their own collected/expires and the evidence file as a hashed back-matter resource."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from compliance.assess import ControlStatus
from compliance.catalog import ControlKind
from compliance.collect.model import iso
from compliance.report import OSCAL_FILE, _parse_args, write_report
from compliance.reportdata import ReportData
from compliance.runtime_evidence import RuntimeEvidenceError, with_runtime_evidence

from .conftest import Run


def runtime_statuses(data: ReportData) -> dict[str, ControlStatus]:
    return {
        a.control.id: a.status for a in data.assessments if a.control.kind is ControlKind.RUNTIME
    }


def test_without_runtime_evidence_the_report_stays_design_time(report_data: ReportData) -> None:
    assert set(runtime_statuses(report_data).values()) == {ControlStatus.NEEDS_RUNTIME_EVIDENCE}
    assert report_data.runtime is None
    assert _parse_args(["--out", "x"]).runtime_evidence is None


def test_the_designed_account_satisfies_every_runtime_control(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    data = with_runtime_evidence(report_data, baseline.path, allow_simulation=True)
    assert set(runtime_statuses(data).values()) == {ControlStatus.SATISFIED}
    reasons = [a.reason for a in data.assessments if a.control.kind is ControlKind.RUNTIME]
    assert all("account 123456789012 eu-central-1, collected" in r for r in reasons)
    assert all(", LOCAL SIMULATION; valid until " in r for r in reasons)
    write_report(data, tmp_path, pdf=False)
    html = (tmp_path / "report.html").read_text()
    assert 'id="operating-evidence"' in html and "LOCAL SIMULATION" in html
    assert "No drift" in html
    assert json.loads((tmp_path / "report.json").read_text())["runtime_evidence"]["account_id"] == (
        "123456789012"
    )


def test_oscal_observations_use_test_their_own_times_arns_and_a_hashed_file(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    write_report(
        with_runtime_evidence(report_data, baseline.path, allow_simulation=True),
        tmp_path,
        pdf=False,
    )
    doc = json.loads((tmp_path / OSCAL_FILE).read_text())["assessment-results"]
    copied = tmp_path / baseline.path.name
    digest = hashlib.sha256(copied.read_bytes()).hexdigest()
    (resource,) = [r for r in doc["back-matter"]["resources"] if "Runtime evidence" in r["title"]]
    assert resource["rlinks"][0]["hashes"] == [{"algorithm": "SHA-256", "value": digest}]
    runtime = [
        o
        for o in doc["results"][0]["observations"]
        if any(e.get("href") == f"#{resource['uuid']}" for e in o.get("relevant-evidence", []))
    ]
    assert len(runtime) == len(baseline.evidence.items)
    assert {m for o in runtime for m in o["methods"]} == {"TEST"}
    assert {t for o in runtime for t in o["types"]} == {"discovery"}
    assert all("expires" in o and "collected" in o for o in runtime)
    subjects = {s["title"] for o in runtime for s in o["subjects"]}
    assert {i.resource_arn for i in baseline.evidence.items} == subjects
    assert all(o["relevant-evidence"][0]["href"] == f"#{resource['uuid']}" for o in runtime)
    (trail,) = [
        f for f in doc["results"][0]["findings"] if f["target"]["target-id"] == "SFX-CTL-OPS-01"
    ]
    assert trail["target"]["status"]["state"] == "satisfied"
    linked = {r["observation-uuid"] for r in trail["related-observations"]}
    assert linked & {o["uuid"] for o in runtime}


def _edited(baseline: Run, tmp_path: Path, check: str, observed: object) -> Path:
    data = json.loads(baseline.path.read_text())
    item = next(i for i in data["items"] if i["check_id"] == check)
    item["observed"], item["status"] = observed, "not-satisfied"
    path = tmp_path / "runtime-evidence.json"
    path.write_text(json.dumps(data))
    return path


def test_a_failed_item_makes_its_control_not_satisfied_and_a_drift_row(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    path = _edited(
        baseline, tmp_path, "logs.group", {"exists": True, "retentionInDays": 30, "kmsKeyId": "k"}
    )
    data = with_runtime_evidence(report_data, path, allow_simulation=True)
    statuses = runtime_statuses(data)
    assert {c for c, s in statuses.items() if s is not ControlStatus.SATISFIED} == {
        "SFX-CTL-OPS-10"
    }
    assert statuses["SFX-CTL-OPS-10"] is ControlStatus.NOT_SATISFIED
    (ops10,) = [a for a in data.assessments if a.control.id == "SFX-CTL-OPS-10"]
    logs = next(i for i in baseline.evidence.items if i.check_id == "logs.group")
    collected, expires = iso(logs.collected_at), iso(logs.expires_at)
    assert f"account 123456789012 eu-central-1, collected {collected}" in ops10.reason
    assert f"valid until {expires}" in ops10.reason  # the report names the expiry, failed or not
    assert data.runtime is not None
    (row,) = data.runtime.drift
    assert row.check_id == "logs.group" and row.deployed["retentionInDays"] == 30
    assert row.designed["retentionInDays"] == 90
    write_report(data, tmp_path / "out", pdf=False)
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'id="drift"' in html and '"retentionInDays": 30' in html


def test_expired_evidence_counts_as_not_run(report_data: ReportData, baseline: Run) -> None:
    later = dataclasses.replace(
        report_data,
        run=dataclasses.replace(
            report_data.run, generated_at=baseline.evidence.collected_at + timedelta(hours=2)
        ),
    )
    decided = with_runtime_evidence(later, baseline.path, allow_simulation=True)
    statuses = runtime_statuses(decided)
    assert statuses["SFX-CTL-OPS-09"] is ControlStatus.NOT_RUN  # workers: valid for 1 hour
    (ops09,) = [a for a in decided.assessments if a.control.id == "SFX-CTL-OPS-09"]
    lag = next(i for i in baseline.evidence.items if i.check_id == "workers.lag")
    assert "operating evidence expired (account 123456789012 eu-central-1" in ops09.reason
    assert f"expired {iso(lag.expires_at)}" in ops09.reason
    assert statuses["SFX-CTL-OPS-10"] is ControlStatus.SATISFIED  # logs: valid for a week


def test_a_bad_evidence_file_is_refused_naming_the_field(
    report_data: ReportData, baseline: Run, tmp_path: Path
) -> None:
    data = json.loads(baseline.path.read_text())
    data["items"][0]["status"] = "fine"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(RuntimeEvidenceError, match=r"bad.json: items/0/status: 'fine' is not one"):
        with_runtime_evidence(report_data, bad, allow_simulation=True)


def pending_controls(data: ReportData) -> dict[str, tuple[ControlStatus, str]]:
    """The design-time controls whose runtime part a collector check shows (CIS 4.x, LOG-01)."""
    return {
        a.control.id: (a.status, a.reason)
        for a in data.assessments
        if a.control.pending_runtime_checks
    }


@pytest.fixture
def designed_in(report_data: ReportData) -> ReportData:
    """The session's report as if every design evidence item of the pending controls passed
    (the default stack has no topic subscriber, so their design part fails there)."""
    return dataclasses.replace(
        report_data,
        assessments=tuple(
            dataclasses.replace(
                a,
                status=ControlStatus.DESIGNED_RUNTIME_PENDING,
                reason=f"all design evidence passed; pending: {a.control.pending_runtime}",
            )
            if a.control.pending_runtime_checks
            else a
            for a in report_data.assessments
        ),
    )


CIS_ALARMS = {f"SFX-CTL-CIS-{n:02d}" for n in range(1, 16)}
# the operational alarms page the same topic: their pending part is its subscription only
PAGING = {"SFX-CTL-MON-01", "SFX-CTL-MON-02"}


def test_runtime_evidence_never_overrides_failed_design_evidence(
    report_data: ReportData, baseline: Run
) -> None:
    before = pending_controls(report_data)
    assert CIS_ALARMS | PAGING | {"SFX-CTL-LOG-01"} == set(before)
    after = pending_controls(
        with_runtime_evidence(report_data, baseline.path, allow_simulation=True)
    )
    assert {c: s for c, (s, _) in after.items() if s is not ControlStatus.SATISFIED} == {
        c: s for c, (s, _) in before.items() if s is not ControlStatus.DESIGNED_RUNTIME_PENDING
    }


def test_runtime_evidence_of_the_pending_part_satisfies_the_design_time_control(
    designed_in: ReportData, baseline: Run, tmp_path: Path
) -> None:
    assert {s for s, _ in pending_controls(designed_in).values()} == {
        ControlStatus.DESIGNED_RUNTIME_PENDING
    }
    data = with_runtime_evidence(designed_in, baseline.path, allow_simulation=True)
    pending = pending_controls(data)
    assert {s for s, _ in pending.values()} == {ControlStatus.SATISFIED}
    reason = pending["SFX-CTL-CIS-01"][1]
    assert "shown by monitoring.cis-4-1, alerts.subscription, trail.logging" in reason
    assert "account 123456789012 eu-central-1" in reason and "LOCAL SIMULATION" in reason
    assert "shown by trail.logging:" in pending["SFX-CTL-LOG-01"][1]
    assert data.runtime is not None
    assert {"SFX-CTL-CIS-01", "SFX-CTL-LOG-01"} <= {c.control_id for c in data.runtime.controls}
    write_report(data, tmp_path, pdf=False)
    ar = json.loads((tmp_path / OSCAL_FILE).read_text())["assessment-results"]
    doc = ar["results"][0]
    (cis,) = [f for f in doc["findings"] if f["target"]["target-id"] == "SFX-CTL-CIS-01"]
    assert cis["target"]["status"]["state"] == "satisfied"
    (resource,) = [r for r in ar["back-matter"]["resources"] if "Runtime evidence" in r["title"]]
    runtime = {  # the collector's observations: they link the evidence file
        o["uuid"]: o["title"]
        for o in doc["observations"]
        if any(e.get("href") == f"#{resource['uuid']}" for e in o.get("relevant-evidence", []))
    }
    linked = {
        runtime[r["observation-uuid"]].split(" on ")[0]
        for r in cis["related-observations"]
        if r["observation-uuid"] in runtime
    }
    assert linked == {"monitoring.cis-4-1", "alerts.subscription", "trail.logging"}


@pytest.mark.parametrize(
    ("check", "observed", "flipped"),
    [
        (
            "alerts.subscription",
            {"confirmed_subscriptions": 0, "pending_subscriptions": 1, "protocols": []},
            CIS_ALARMS | PAGING,
        ),
        (
            "trail.logging",
            {"IsLogging": False},
            CIS_ALARMS | {"SFX-CTL-LOG-01"},
        ),
    ],
)
def test_a_failed_pending_part_makes_exactly_its_controls_not_satisfied(
    designed_in: ReportData,
    baseline: Run,
    tmp_path: Path,
    check: str,
    observed: object,
    flipped: set[str],
) -> None:
    pending = pending_controls(
        with_runtime_evidence(
            designed_in, _edited(baseline, tmp_path, check, observed), allow_simulation=True
        )
    )
    assert {c for c, (s, _) in pending.items() if s is ControlStatus.NOT_SATISFIED} == flipped
    assert {s for c, (s, _) in pending.items() if c not in flipped} <= {ControlStatus.SATISFIED}
    assert all(check in pending[c][1] for c in flipped)


def test_expired_evidence_of_the_pending_part_leaves_it_pending(
    designed_in: ReportData, baseline: Run
) -> None:
    later = dataclasses.replace(
        designed_in,
        run=dataclasses.replace(
            designed_in.run, generated_at=baseline.evidence.collected_at + timedelta(hours=25)
        ),
    )
    pending = pending_controls(with_runtime_evidence(later, baseline.path, allow_simulation=True))
    assert {s for s, _ in pending.values()} == {ControlStatus.DESIGNED_RUNTIME_PENDING}
    assert "operating evidence expired" in pending["SFX-CTL-CIS-01"][1]


def test_a_pending_part_the_file_does_not_cover_stays_pending(
    designed_in: ReportData, baseline: Run, tmp_path: Path
) -> None:
    data = json.loads(baseline.path.read_text())
    data["items"] = [i for i in data["items"] if i["check_id"] != "alerts.subscription"]
    path = tmp_path / "runtime-evidence.json"
    path.write_text(json.dumps(data))
    pending = pending_controls(with_runtime_evidence(designed_in, path, allow_simulation=True))
    assert pending["SFX-CTL-CIS-01"][0] is ControlStatus.DESIGNED_RUNTIME_PENDING
    assert "lacks check(s): alerts.subscription" in pending["SFX-CTL-CIS-01"][1]
    assert pending["SFX-CTL-LOG-01"][0] is ControlStatus.SATISFIED
