"""Status logic: a control is satisfied only when all of its evidence ran and passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from compliance.assess import (
    ControlStatus,
    EvidenceInputs,
    EvidenceStatus,
    assess,
    evaluate_evidence,
)
from compliance.catalog import Catalog, parse_catalog
from compliance.exceptions import ExceptionSet, PolicyException, Risk
from compliance.junit import JUnitReport, TestOutcome, node_address, parse_junit
from core.results import (
    ResultsError,
    RuleResult,
    Source,
    gate_result,
    parse_aspect_results,
)
from core.stackfile import SynthesizedStack

TRAIL = "aws_cloudtrail.audit_trail_ABC"
LOG_GROUP = "aws_cloudwatch_log_group.logs_DEF"
TEST_ID = "tests/compliance/test_stack_mapping.py::test_trail_is_multi_region_and_validated"

STACK = SynthesizedStack(
    {
        "provider": {
            "aws": [{"region": "eu-central-1", "default_tags": [{"tags": {"Environment": "qa1"}}]}]
        },
        "resource": {
            "aws_cloudtrail": {
                "audit_trail_ABC": {
                    "is_multi_region_trail": True,
                    "kms_key_id": "${aws_kms_key.k.arn}",
                }
            },
            "aws_cloudwatch_log_group": {"logs_DEF": {"retention_in_days": 90}},
        },
    }
)
REQ = [
    {
        "regulation": "GDPR",
        "ref": "Art. 32(1)(b)",
        "relationship": "supports",
        "rationale": "a test mapping",
    }
]


def control(cid: str, kind: str = "design-time", **evidence: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": cid,
        "title": f"Control {cid}",
        "statement": "A claim.",
        "kind": kind,
        "requirements": REQ,
        "evidence": evidence,
    }
    if kind == "runtime":
        body["runtime_evidence"] = ["cloudtrail"]
    return body


def catalog_of(*controls: dict[str, Any]) -> Catalog:
    return parse_catalog(
        {
            "version": "1.0.0",
            "controls": list(controls),
            "processing_records": [
                {
                    "name": "Store",
                    "controller": "Ctl",
                    "contact": "dpo",
                    "purposes": ["run"],
                    "data_subjects": ["creators"],
                    "data_categories": ["titles"],
                    "recipients": ["team"],
                    "transfers": "none",
                    "retention": "90 days",
                    "security_measures": [controls[0]["id"]],
                }
            ],
        }
    )


def aspect(rule: str, resource: str, status: str, reason: str | None = None) -> RuleResult:
    return RuleResult(Source.ASPECT, rule, "t", resource, status, "error", "m", reason)


def junit_xml(**outcomes: str) -> JUnitReport:
    """JUnit text with one case per node id: outcome passed / failed / skipped."""
    cases = []
    for node_id, outcome in outcomes.items():
        classname, name = node_address(node_id)
        child = {
            "passed": "",
            "failed": '<failure message="boom"/>',
            "skipped": '<skipped message="no chromium"/>',
        }[outcome]
        cases.append(f'<testcase classname="{classname}" name="{name}">{child}</testcase>')
    return parse_junit(f"<testsuites><testsuite>{''.join(cases)}</testsuite></testsuites>")


NO_EXCEPTIONS = ExceptionSet(())


def inputs(
    aspects: list[RuleResult] | None = None,
    gate: list[RuleResult] | None = None,
    junit: JUnitReport | None = None,
    exceptions: ExceptionSet = NO_EXCEPTIONS,
) -> EvidenceInputs:
    return EvidenceInputs(STACK, aspects, gate, junit, exceptions)


PASSING: dict[str, Any] = {
    "aspects": [aspect("SFX-LOG-01", LOG_GROUP, "COMPLIANT")],
    "gate": [gate_result("CKV_AWS_35", "Ensure ...", TRAIL, "PASSED")],
    "junit": junit_xml(**{TEST_ID: "passed"}),
}
FULL = control(
    "SFX-CTL-LOG-01",
    aspect_rules=["SFX-LOG-01"],
    checkov_checks=["CKV_AWS_35"],
    tests=[TEST_ID],
    resources=["aws_cloudtrail.*"],
    trail_settings=["kms_key_id"],
)


def status_of(ctl: dict[str, Any], evidence: EvidenceInputs) -> tuple[ControlStatus, str]:
    (result,) = assess(catalog_of(ctl), evidence)
    return result.status, result.reason


def test_design_time_control_with_all_evidence_passing_is_satisfied() -> None:
    status, reason = status_of(FULL, inputs(**PASSING))
    assert status is ControlStatus.SATISFIED, reason


def test_a_failed_gate_check_makes_the_control_not_satisfied() -> None:
    gate = [gate_result("CKV_AWS_35", "Ensure ...", TRAIL, "FAILED")]
    status, reason = status_of(FULL, inputs(**{**PASSING, "gate": gate}))
    assert status is ControlStatus.NOT_SATISFIED
    assert "CKV_AWS_35" in reason


def test_a_non_compliant_aspect_record_makes_the_control_not_satisfied() -> None:
    aspects = [aspect("SFX-LOG-01", LOG_GROUP, "NON_COMPLIANT")]
    status, _ = status_of(FULL, inputs(**{**PASSING, "aspects": aspects}))
    assert status is ControlStatus.NOT_SATISFIED


def test_fixed_at_synth_counts_as_passed_and_is_said() -> None:
    aspects = [aspect("SFX-LOG-01", LOG_GROUP, "FIXED")]
    (ev,) = evaluate_evidence(
        catalog_of(control("SFX-CTL-LOG-01", aspect_rules=["SFX-LOG-01"])).controls[0],
        inputs(aspects=aspects),
    )
    assert ev.status is EvidenceStatus.PASSED and "1 fixed at synth" in ev.detail


def test_a_waived_check_shows_the_exception_reason_owner_and_expiry() -> None:
    exc = PolicyException(
        "CKV_AWS_35",
        "aws_cloudtrail.*",
        "Trail key is managed elsewhere.",
        "sec-team",
        dt.date(2030, 1, 1),
        approved_by="security-officer",
        approved_on=dt.date(2026, 1, 1),
        risk=Risk.MEDIUM,
        compensating_controls=("SFX-CTL-LOG-02",),
    )
    gate = [gate_result("CKV_AWS_35", "Ensure ...", TRAIL, "WAIVED", exception_reason=exc.reason)]
    (result,) = assess(
        catalog_of(FULL), inputs(**{**PASSING, "gate": gate}, exceptions=ExceptionSet((exc,)))
    )
    assert result.status is ControlStatus.WAIVED
    (waived,) = [e for e in result.evidence if e.status is EvidenceStatus.WAIVED]
    (waiver,) = waived.waivers
    assert (waiver.resource, waiver.reason, waiver.owner, waiver.expires) == (
        TRAIL,
        "Trail key is managed elsewhere.",
        "sec-team",
        "2030-01-01",
    )


@pytest.mark.parametrize(
    ("field", "said"),
    [("pending_runtime", "pending: the trail is logging"), ("deviation", "deviation: two buckets")],
)
def test_a_waived_control_still_states_its_runtime_part_or_deviation(field: str, said: str) -> None:
    """A waiver must not hide what the design leaves to runtime or knowingly leaves out."""
    body = {**FULL, field: said.split(": ", 1)[1]}
    gate = [gate_result("CKV_AWS_35", "Ensure ...", TRAIL, "WAIVED", exception_reason="r" * 12)]
    (result,) = assess(catalog_of(body), inputs(**{**PASSING, "gate": gate}))
    assert result.status is ControlStatus.WAIVED
    assert result.reason.startswith("holds only under reviewed exceptions: CKV_AWS_35")
    assert said in result.reason


def test_failure_outranks_a_waiver() -> None:
    gate = [gate_result("CKV_AWS_35", "Ensure ...", TRAIL, "WAIVED", exception_reason="x" * 12)]
    aspects = [aspect("SFX-LOG-01", LOG_GROUP, "NON_COMPLIANT")]
    status, _ = status_of(FULL, inputs(**{**PASSING, "gate": gate, "aspects": aspects}))
    assert status is ControlStatus.NOT_SATISFIED


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"junit": None}, "no test results given"),
        ({"junit": junit_xml(**{TEST_ID: "skipped"})}, "skipped"),
        ({"junit": junit_xml()}, "not in"),
        ({"aspects": None}, "the aspects did not run"),
        ({"gate": None}, "the gate did not run"),
        ({"gate": []}, "evaluated CKV_AWS_35 on no resource"),
        ({"aspects": [aspect("SFX-LOG-01", LOG_GROUP, "NOT_APPLICABLE")]}, "on no resource"),
    ],
)
def test_evidence_that_did_not_run_is_never_satisfied(change: dict[str, Any], why: str) -> None:
    (result,) = assess(catalog_of(FULL), inputs(**{**PASSING, **change}))
    assert result.status is ControlStatus.NOT_RUN
    assert any(why in e.detail for e in result.evidence if e.status is EvidenceStatus.NOT_RUN)


def test_a_failing_test_makes_the_control_not_satisfied() -> None:
    status, _ = status_of(FULL, inputs(**{**PASSING, "junit": junit_xml(**{TEST_ID: "failed"})}))
    assert status is ControlStatus.NOT_SATISFIED


@pytest.mark.parametrize(
    "change",
    [
        {"resources": ["aws_cloudtrail.missing_*"]},
        {"trail_settings": ["enable_log_file_validation"]},
    ],
)
def test_a_missing_resource_or_unset_trail_setting_fails(change: dict[str, Any]) -> None:
    ctl = control("SFX-CTL-LOG-01", checkov_checks=["CKV_AWS_35"], **change)
    status, _ = status_of(ctl, inputs(**PASSING))
    assert status is ControlStatus.NOT_SATISFIED


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("runtime", ControlStatus.NEEDS_RUNTIME_EVIDENCE),
        ("application-record", ControlStatus.MANUAL),
        ("organisational", ControlStatus.MANUAL),
    ],
)
def test_runtime_application_and_organisational_controls_are_never_satisfied(
    kind: str, expected: ControlStatus
) -> None:
    ctl = control("SFX-CTL-OPS-01", kind, checkov_checks=["CKV_AWS_35"])
    status, _ = status_of(ctl, inputs(**PASSING))
    assert status is expected


def test_parametrised_cases_aggregate_and_a_bracketed_id_selects_one_case() -> None:
    base = "tests/compliance/test_stack_mapping.py::test_cis_metric_filter_and_alarm"
    report = junit_xml(**{f"{base}[4.1]": "passed", f"{base}[4.2]": "failed"})
    assert report.outcome(f"{base}[4.1]")[0] is TestOutcome.PASSED
    assert report.outcome(f"{base}[4.2]")[0] is TestOutcome.FAILED
    assert report.outcome(base)[0] is TestOutcome.FAILED
    assert report.outcome(f"{base}[4.3]")[0] is TestOutcome.NOT_RUN


def test_node_address_follows_pytest_junit_naming() -> None:
    assert node_address("tests/a/test_b.py::TestC::test_d") == ("tests.a.test_b.TestC", "test_d")
    assert node_address("tests/test_b.py::test_d[x]") == ("tests.test_b", "test_d[x]")


def test_aspect_results_with_an_unknown_status_are_refused_naming_the_field() -> None:
    with pytest.raises(ResultsError, match=r"aspect-results.json\[0\]\.status"):
        parse_aspect_results([{"rule": "SFX-LOG-01", "resource": LOG_GROUP, "status": "PASSED"}])
    with pytest.raises(ResultsError, match=r"\[0\]\.resource"):
        parse_aspect_results([{"rule": "SFX-LOG-01", "status": "COMPLIANT"}])


def test_junit_that_is_not_junit_is_refused() -> None:
    from compliance.junit import JUnitError

    with pytest.raises(JUnitError, match="root element"):
        parse_junit("<html/>")


def test_scope_limits_rule_evidence_to_the_control_s_resources() -> None:
    aspects = [
        aspect("SFX-ENC-01", LOG_GROUP, "COMPLIANT"),
        aspect("SFX-ENC-01", "aws_s3_bucket.other_bucket_X", "NON_COMPLIANT"),
    ]
    unscoped = control("SFX-CTL-LOG-07", aspect_rules=["SFX-ENC-01"])
    scoped = control(
        "SFX-CTL-LOG-07", aspect_rules=["SFX-ENC-01"], scope=["aws_cloudwatch_log_group.*"]
    )
    assert status_of(unscoped, inputs(aspects=aspects))[0] is ControlStatus.NOT_SATISFIED
    assert status_of(scoped, inputs(aspects=aspects))[0] is ControlStatus.SATISFIED
    elsewhere = control("SFX-CTL-LOG-07", aspect_rules=["SFX-ENC-01"], scope=["*.nothing_*"])
    status, reason = status_of(elsewhere, inputs(aspects=aspects))
    assert status is ControlStatus.NOT_RUN and "SFX-ENC-01" in reason
