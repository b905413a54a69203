"""No control claims more than its evidence shows (issue 14 §1); each test fails if the
over-claim comes back."""

from __future__ import annotations

import copy
import fnmatch
import re
from pathlib import Path

import pytest

from compliance.assess import ControlStatus, EvidenceInputs, EvidenceKind, assess
from compliance.catalog import Catalog, ControlKind
from compliance.exceptions import load_exceptions
from compliance.junit import parse_junit
from compliance.reportdata import ReportData
from core.results import RuleResult, load_aspect_results
from core.stackfile import SynthesizedStack
from tests.compliance.test_report import all_tests_passed

pytestmark = [pytest.mark.synth, pytest.mark.gate]

ALERTS = "aws_sns_topic.failure_handling_alerts_*"


def with_subscription(stack: SynthesizedStack) -> SynthesizedStack:
    """The session's stack plus one e-mail subscription of the alerts topic."""
    data = copy.deepcopy(stack.data)
    (topic,) = [r.address for r in stack.matching(ALERTS)]
    data["resource"].setdefault("aws_sns_topic_subscription", {})["email_0"] = {
        "topic_arn": f"${{{topic}.arn}}",
        "protocol": "email",
        "endpoint": "oncall@example.com",
    }
    return SynthesizedStack(data)


def assessed(
    stack: SynthesizedStack, synth_dir: Path, catalog: Catalog, gate: list[RuleResult]
) -> dict[str, tuple[ControlStatus, str]]:
    inputs = EvidenceInputs(
        stack,
        load_aspect_results(synth_dir),
        gate,
        parse_junit(all_tests_passed(catalog)),
        load_exceptions(),
    )
    return {a.control.id: (a.status, a.reason) for a in assess(catalog, inputs)}


def subscriber_controls(catalog: Catalog) -> list[str]:
    return [c.id for c in catalog.controls if c.evidence.topic_subscribers]


def test_every_control_that_pages_the_alerts_topic_needs_a_recipient(catalog: Catalog) -> None:
    """MON-01/MON-02 page the alerts topic "for handling" like the CIS 4.x alarms: with nobody
    subscribed, the alarm reaches no one, so the control cannot be satisfied on the design alone."""
    paging = [
        c.id
        for c in catalog.controls
        if c.kind is ControlKind.DESIGN_TIME
        and re.search(r"notif\w* the (encrypted )?alerts topic", c.statement)
    ]
    assert {"SFX-CTL-MON-01", "SFX-CTL-MON-02", "SFX-CTL-CIS-01"} <= set(paging)
    assert set(paging) <= set(subscriber_controls(catalog))
    for cid in paging:
        control = next(c for c in catalog.controls if c.id == cid)
        assert control.pending_runtime and "subscription" in control.pending_runtime, cid


def test_cis_alarms_without_a_subscriber_are_not_satisfied(
    synthesized: SynthesizedStack, synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult]
) -> None:
    """CIS 4.1-4.15 end with "at least one active subscriber": the default stack has none."""
    cis4 = [c.id for c in catalog.controls if any(r.ref.startswith("4.") for r in c.requirements)]
    assert {c for c in cis4 if c != "SFX-CTL-OPS-07"} <= set(subscriber_controls(catalog))
    assert not synthesized.of_type("aws_sns_topic_subscription")
    status = assessed(synthesized, synth_dir, catalog, gate_lines)
    for cid in subscriber_controls(catalog):
        assert status[cid][0] is ControlStatus.NOT_SATISFIED, cid
        assert "nobody receives the alarms" in status[cid][1]


def test_with_a_subscriber_cis_alarms_are_designed_in_with_the_runtime_part_pending(
    synthesized: SynthesizedStack, synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult]
) -> None:
    status = assessed(with_subscription(synthesized), synth_dir, catalog, gate_lines)
    assert subscriber_controls(catalog)
    for cid in subscriber_controls(catalog):
        assert status[cid][0] is ControlStatus.DESIGNED_RUNTIME_PENDING, (cid, status[cid])
        assert "subscription of the alerts topic is confirmed" in status[cid][1]
    assert ControlStatus.SATISFIED not in {status[c][0] for c in subscriber_controls(catalog)}


EXISTING_TOPIC = "arn:aws:sns:eu-central-1:111122223333:oncall-paging"


def with_existing_topic(stack: SynthesizedStack, *, beside_ours: bool) -> SynthesizedStack:
    """Every alarm also notifies an existing topic (STREAMFLIX_ALARM_TOPIC_ARN); with
    ``beside_ours=False`` the literal ARN sits on alarms that do not notify our alerts topic."""
    data = copy.deepcopy(stack.data)
    (topic,) = [r.address for r in stack.matching(ALERTS)]
    for alarm in data["resource"]["aws_cloudwatch_metric_alarm"].values():
        actions = alarm.get("alarm_actions", [])
        ours = any(f"${{{topic}." in str(a) for a in actions)
        alarm["alarm_actions"] = (
            [*actions, EXISTING_TOPIC] if beside_ours else ([] if ours else [EXISTING_TOPIC])
        )
    return SynthesizedStack(data)


def test_an_existing_topic_alarmed_beside_ours_counts_as_a_recipient(
    synthesized: SynthesizedStack, synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult]
) -> None:
    """SNS cannot subscribe a topic to a topic: STREAMFLIX_ALARM_TOPIC_ARN reaches people as a
    second alarm action, so it is a recipient (its subscribers are a runtime part)."""
    status = assessed(
        with_existing_topic(synthesized, beside_ours=True), synth_dir, catalog, gate_lines
    )
    for cid in subscriber_controls(catalog):
        assert status[cid][0] is ControlStatus.DESIGNED_RUNTIME_PENDING, (cid, status[cid])
    inputs = EvidenceInputs(
        with_existing_topic(synthesized, beside_ours=True),
        load_aspect_results(synth_dir),
        gate_lines,
        parse_junit(all_tests_passed(catalog)),
        load_exceptions(),
    )
    details = [
        e.detail
        for a in assess(catalog, inputs)
        for e in a.evidence
        if e.kind is EvidenceKind.TOPIC_SUBSCRIBER
    ]
    assert details
    assert all(EXISTING_TOPIC in d for d in details), details
    unrelated = assessed(
        with_existing_topic(synthesized, beside_ours=False), synth_dir, catalog, gate_lines
    )
    for cid in subscriber_controls(catalog):
        assert unrelated[cid][0] is ControlStatus.NOT_SATISFIED, (cid, unrelated[cid])


def data_event_buckets(stack: SynthesizedStack) -> set[str]:
    """Buckets whose objects some trail's advanced selector logs (by ARN reference)."""
    (trail,) = stack.of_type("aws_cloudtrail")
    filters = [
        str(f.get("starts_with", "")) + str(f.get("equals", ""))
        for selector in trail.body.get("advanced_event_selector", [])
        for f in selector.get("field_selector", [])
        if f.get("field") == "resources.ARN"
    ]
    return {
        b.address
        for b in stack.of_type("aws_s3_bucket")
        if any(f"{b.address}." in f or str(b.body.get("bucket")) in f for f in filters)
    }


def test_object_level_logging_is_partial_and_states_the_deviation(
    synthesized: SynthesizedStack, report_data: ReportData, catalog: Catalog
) -> None:
    """CIS 3.8/3.9 ask every bucket; the trail logs the uploads bucket and the evidence store
    (issue 22) only. If that changes, this test fails so the deviation (or the partial status)
    is revisited."""
    buckets = {b.address for b in synthesized.of_type("aws_s3_bucket")}
    uncovered = buckets - data_event_buckets(synthesized)
    assert len(buckets) == 4 and len(uncovered) == 2
    assert all(
        fnmatch.fnmatchcase(b, "aws_s3_bucket.audit_trail_bucket_*")
        or fnmatch.fnmatchcase(b, "aws_s3_bucket.ingestion_access_logs_bucket_*")
        for b in uncovered
    ), uncovered
    (log05,) = [
        a
        for a in report_data.assessments
        if {"3.8", "3.9"} <= {r.ref for r in a.control.requirements}
    ]
    assert log05.control.deviation and "two log buckets" in log05.control.deviation
    assert log05.status is not ControlStatus.SATISFIED
    assert {
        r.relationship.value for r in log05.control.requirements if r.ref in ("3.8", "3.9")
    } == {"supports"}


def test_a_deviation_makes_an_all_passing_control_partial(
    synthesized: SynthesizedStack, synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult]
) -> None:
    status = assessed(synthesized, synth_dir, catalog, gate_lines)
    deviating = [c for c in catalog.controls if c.deviation]
    assert deviating
    for c in deviating:
        assert status[c.id][0] is ControlStatus.PARTIAL, status[c.id]
        assert f"deviation: {c.deviation}" in status[c.id][1]


def test_account_baselines_never_say_designed_in(report_data: ReportData) -> None:
    baselines = [a for a in report_data.assessments if a.control.account_baseline]
    refs = {r.ref for a in baselines for r in a.control.requirements}
    assert {"3.3", "4.16"} <= refs  # AWS Config and Security Hub
    for a in baselines:
        assert a.control.kind is ControlKind.RUNTIME
        assert a.reason.startswith("account baseline, not in this stack; evidence from: ")
        assert "designed in" not in a.reason


def test_resource_existence_is_context_and_not_counted_as_passed(
    synthesized: SynthesizedStack, synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult]
) -> None:
    status = assessed(with_subscription(synthesized), synth_dir, catalog, gate_lines)
    checked = 0
    for control in catalog.controls:
        if status[control.id][0] is not ControlStatus.SATISFIED or not control.evidence.resources:
            continue
        tests = (
            len(control.evidence.aspect_rules)
            + len(control.evidence.checkov_checks)
            + len(control.evidence.tests)
            + len(control.evidence.trail_settings)
            + len(control.evidence.topic_subscribers)
        )
        reason = status[control.id][1]
        assert reason.startswith(f"all {tests} evidence item(s) ran and passed"), reason
        assert f"({len(control.evidence.resources)} resource(s) present as context)" in reason
        checked += 1
    assert checked
    assert EvidenceKind.RESOURCE.is_context and not EvidenceKind.TEST.is_context


def test_context_evidence_is_marked_in_every_output(
    report_data: ReportData, report_dir: Path
) -> None:
    import json

    doc = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    kinds = {(e["kind"], e["context"]) for c in doc["controls"] for e in c["evidence"]}
    assert ("resource", True) in kinds and ("test", False) in kinds
    assert ("resource", False) not in kinds
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "context, not counted as a test" in html
    assert report_data.assessments
