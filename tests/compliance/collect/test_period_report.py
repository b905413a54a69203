"""Issue 22 items 5 and 8: the period report over a short simulated period (6 days on moto)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from compliance.collect.checks import RUNTIME_CONTROLS
from compliance.period.report import (
    CSV_FILE,
    JSON_FILE,
    MD_FILE,
    SIMULATION_LABEL,
    build_period_report,
)
from compliance.period.timeline import DayStatus
from compliance.period.window import Period, PeriodError
from compliance.period.write import write_period_report
from simulation.period import MIN_DAYS, Injected, simulate_period

from .conftest import MotoEndpoint, session

DAYS = MIN_DAYS
LOGS_CONTROL = "SFX-CTL-OPS-10"  # logs.group: the drifted retention


def _value(x: Any) -> str:
    """An OSCAL enum, a root model (trestle's RiskStatus) or a plain string, as text."""
    while hasattr(x, "root") or hasattr(x, "value"):
        x = getattr(x, "root", None) if hasattr(x, "root") else x.value
    return str(x)


@pytest.fixture(scope="module")
def simulated(
    synth_dir: Path, moto_server: MotoEndpoint, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Period, Injected]:
    moto_server.reset()
    store = tmp_path_factory.mktemp("store")
    last = datetime.now(UTC).date() - timedelta(days=1)
    period = Period(last - timedelta(days=DAYS - 1), last)
    injected = simulate_period(synth_dir, store, moto_server.endpoint, period.first, DAYS)
    return store, period, injected


def _drift_days(injected: Injected) -> set[date]:
    day, out = injected.drift_start, set()
    while day < injected.drift_fixed:
        out.add(day)
        day += timedelta(days=1)
    return out


def test_the_report_shows_the_injected_deviations_on_their_dates(
    simulated: tuple[Path, Period, Injected], synth_dir: Path
) -> None:
    store, period, injected = simulated
    report = build_period_report(period, str(store), stack_name=synth_dir.name)
    by_control = {c.control_id: c for c in report.controls}
    assert set(by_control) == set(RUNTIME_CONTROLS)
    for control in by_control.values():
        assert [d.day for d in control.days] == list(period.days())  # no day skipped
        missed = next(d for d in control.days if d.day == injected.missed)
        assert missed.status is DayStatus.NO_EVIDENCE and "missed run" in missed.reason
    logs = by_control[LOGS_CONTROL]
    not_satisfied = {d.day for d in logs.days if d.status is DayStatus.NOT_SATISFIED}
    assert not_satisfied == _drift_days(injected) and len(not_satisfied) == 2
    assert all(
        injected.drifted_group in d.reason for d in logs.deviations if d.day != injected.missed
    )
    fixed = next(d for d in logs.days if d.day == injected.drift_fixed)
    assert fixed.status is DayStatus.SATISFIED
    for control in by_control.values():  # nothing else deviates
        others = {d.day for d in control.deviations} - {injected.missed} - _drift_days(injected)
        assert others == set(), (control.control_id, control.deviations)


def test_a_control_with_a_missed_day_is_not_operated_effectively(
    simulated: tuple[Path, Period, Injected], synth_dir: Path
) -> None:
    store, period, injected = simulated
    report = build_period_report(period, str(store), stack_name=synth_dir.name)
    assert not report.effective and report.conclusion.startswith("Qualified")
    for c in report.controls:
        assert not c.effective
        assert injected.missed.isoformat() in c.conclusion
    # the days after the missed one alone: still not effective for the drifted control only
    after = Period(injected.missed + timedelta(days=1), period.last)
    later = build_period_report(after, str(store), stack_name=synth_dir.name)
    assert {c.control_id for c in later.controls if not c.effective} == {LOGS_CONTROL}


def test_commits_deployed_in_the_period_are_named_and_judged(
    simulated: tuple[Path, Period, Injected], synth_dir: Path
) -> None:
    store, period, _ = simulated
    sha = json.loads(next(store.rglob("*.design.json")).read_text())["sha256"]
    unjudged = build_period_report(period, str(store), stack_name=synth_dir.name)
    (design,) = unjudged.designs
    assert design.range.sha256 == sha and design.range.days == DAYS - 1  # the missed day
    assert not design.judged and "design-time" in unjudged.conclusion
    judged = build_period_report(
        period, str(store), stack_name=synth_dir.name, design_verdicts={sha: "42 satisfied"}
    )
    assert judged.designs[0].judged and judged.designs[0].verdict == "42 satisfied"


def test_unusable_or_foreign_evidence_is_a_deviation_not_a_pass(
    simulated: tuple[Path, Period, Injected], synth_dir: Path, tmp_path: Path
) -> None:
    store, period, _ = simulated
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    day = period.last
    (evidence,) = [
        p for p in copy.rglob(f"{day:%Y/%m/%d}/*.json") if not p.name.endswith(".design.json")
    ]
    data = json.loads(evidence.read_text())
    data["stack_name"] = "streamflix-other"
    evidence.write_text(json.dumps(data))
    report = build_period_report(period, str(copy), stack_name=synth_dir.name)
    for c in report.controls:
        last = c.days[-1]
        assert last.status is DayStatus.NO_EVIDENCE and "streamflix-other" in last.reason


def test_the_store_is_read_from_s3_the_same_way(
    simulated: tuple[Path, Period, Injected], synth_dir: Path, moto_server: MotoEndpoint
) -> None:
    store, period, _ = simulated
    s3: Any = session("eu-central-1").client("s3", endpoint_url=moto_server.endpoint)
    s3.create_bucket(
        Bucket="sfx-period-store", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    for path in store.rglob("*.json"):
        key = f"copy/{path.relative_to(store).as_posix()}"
        s3.put_object(Bucket="sfx-period-store", Key=key, Body=path.read_bytes())
    local = build_period_report(period, str(store), stack_name=synth_dir.name)
    remote = build_period_report(
        period, "s3://sfx-period-store/copy", stack_name=synth_dir.name, s3_client=lambda: s3
    )
    assert [c.conclusion for c in remote.controls] == [c.conclusion for c in local.controls]


def test_the_outputs_are_labelled_a_local_simulation_and_list_every_day(
    simulated: tuple[Path, Period, Injected], synth_dir: Path, tmp_path: Path
) -> None:
    store, period, _ = simulated
    report = build_period_report(period, str(store), stack_name=synth_dir.name)
    paths = write_period_report(report, tmp_path)
    assert report.simulated
    assert SIMULATION_LABEL in paths[MD_FILE].read_text().splitlines()[0]
    assert "GOVERNANCE" in paths[MD_FILE].read_text()
    front = paths[MD_FILE].read_text().split("## Controls")[0]  # before everything else
    for heading in ("Scope:", "Assessed by:", "**Conclusion:**", "How to verify:", "Period:"):
        assert heading in front
    doc = json.loads(paths[JSON_FILE].read_text())
    assert doc["simulated"] is True and doc["effective"] is False
    rows = paths[CSV_FILE].read_text().strip().splitlines()
    assert len(rows) == 1 + len(RUNTIME_CONTROLS) * DAYS


@pytest.mark.parametrize("text", ["2026-09-01", "2026-09-31..2026-10-01", "2026-10-02..2026-10-01"])
def test_a_bad_period_is_refused_naming_the_argument(text: str) -> None:
    with pytest.raises(PeriodError, match="--period"):
        Period.parse(text)


@pytest.mark.parametrize(
    "extra",
    [
        ["--period", "2026-09-01..2026-09-07"],
        ["--period", "2026-09-07..2026-09-01", "--evidence-store", "x"],
    ],
)
def test_the_report_cli_refuses_bad_period_arguments_before_any_work(
    extra: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from compliance import report

    assert report.main(["--out", str(tmp_path), *extra]) == 2
    assert "--period" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_period_oscal_validates_and_every_not_satisfied_control_has_an_open_risk_and_poam_item(
    simulated: tuple[Path, Period, Injected], synth_dir: Path, tmp_path: Path
) -> None:
    """Issue 22 item 6: start/end = the period, one observation per run, a finding per control,
    an open risk and a POA&M item per control that did not operate effectively; the files
    load with compliance-trestle's models."""
    from trestle.oscal import assessment_results as ar
    from trestle.oscal import poam

    from compliance.oscal_common import PLAN_FILE, SSP_FILE
    from compliance.period.oscal import POAM_FILE, RESULTS_FILE

    store, period, _ = simulated
    report = build_period_report(period, str(store), stack_name=synth_dir.name)
    paths = write_period_report(report, tmp_path, owner="platform-team")
    results = ar.AssessmentResults.oscal_read(paths[RESULTS_FILE])
    plan = poam.PlanOfActionAndMilestones.oscal_read(paths[POAM_FILE])
    assert results is not None and plan is not None
    assert results.import_ap.href == f"../{PLAN_FILE}" and plan.import_ssp is not None
    assert plan.import_ssp.href == f"../{SSP_FILE}"
    (result,) = results.results
    assert result.start.date() == period.first and result.end.date() == period.last + timedelta(1)
    assert len(result.observations or []) == len(report.runs) == DAYS - 1
    assert "LOCAL SIMULATION" in results.metadata.title
    roles = {r.role_id for r in results.metadata.responsible_parties or []}
    assert roles == {"assessor", "system-owner"}
    not_satisfied = {
        f.target.target_id
        for f in result.findings or []
        if _value(f.target.status.state) == "not-satisfied"
    }
    assert not_satisfied == {c.control_id for c in report.controls if not c.effective}
    risks = {r.uuid: r for r in result.risks or []}
    assert {_value(r.status) for r in risks.values()} == {"open"}
    risk_control = {
        u: next(p.value for p in r.props or [] if p.name == "control") for u, r in risks.items()
    }
    assert set(risk_control.values()) == not_satisfied
    tracked = {str(rr.risk_uuid) for item in plan.poam_items for rr in item.related_risks or []}
    assert tracked == set(risks)


def test_an_exception_that_expires_inside_the_period_is_a_deviation_with_an_open_risk(
    simulated: tuple[Path, Period, Injected], synth_dir: Path, tmp_path: Path
) -> None:
    """Item 8's expired exception: the waiver covered only part of the period."""
    from trestle.oscal import poam

    from compliance.catalog import load_catalog
    from compliance.exceptions import DEFAULT_PATH
    from compliance.period.exceptions import exception_events, read_exceptions_over
    from compliance.period.oscal import POAM_FILE
    from simulation.period import EXPIRING_RULE, expiring_exceptions

    store, period, _ = simulated
    expires = period.first + timedelta(days=3)
    path = expiring_exceptions(DEFAULT_PATH, tmp_path / "x.yaml", period.first, expires)
    (event,) = exception_events(period, read_exceptions_over(path), load_catalog())
    assert (event.rule, event.kind) == (EXPIRING_RULE, "expired")
    assert (event.first, event.last) == (expires + timedelta(days=1), period.last)
    assert event.controls  # the controls citing the rule are named
    report = build_period_report(
        period, str(store), stack_name=synth_dir.name, exception_events=(event,)
    )
    assert not report.effective and EXPIRING_RULE in report.conclusion
    paths = write_period_report(report, tmp_path)
    assert event.text in paths[MD_FILE].read_text()
    plan = poam.PlanOfActionAndMilestones.oscal_read(paths[POAM_FILE])
    assert plan is not None
    assert any(EXPIRING_RULE in item.title for item in plan.poam_items)


def test_the_shipped_exceptions_raise_no_event_over_a_period_they_cover() -> None:
    from compliance.catalog import load_catalog
    from compliance.exceptions import DEFAULT_PATH
    from compliance.period.exceptions import exception_events, read_exceptions_over

    waivers = read_exceptions_over(DEFAULT_PATH)
    latest = max(e.approved_on for e in waivers)
    covered = Period(latest, min(e.expires for e in waivers))
    assert exception_events(covered, waivers, load_catalog()) == ()
