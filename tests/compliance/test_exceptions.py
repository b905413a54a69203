"""The exceptions file is reviewed data: who approved, what risk, which controls compensate, when
it expires; and what each reason states about the stack is true of the synthesized JSON."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from compliance.catalog import load_catalog
from compliance.exceptions import (
    ExceptionFileError,
    Risk,
    load_checked_exceptions,
    load_exceptions,
    parse_exceptions,
)
from lib.config import EU_MEMBER_STATE_REGIONS
from tests.conftest import StackView

TODAY = dt.date(2026, 12, 2)
VALID: dict[str, Any] = {
    "rule": "CKV_AWS_338",
    "resource": "aws_cloudwatch_log_group.x_*",
    "reason": "kept 90 days by our documented decision",
    "owner": "platform-team",
    "approved_by": "security-officer",
    "approved_on": "2026-12-01",
    "risk": "low",
    "compensating_controls": ["SFX-CTL-LOG-06"],
    "expires": "2027-05-31",
}
KNOWN = frozenset({"SFX-CTL-LOG-06"})


def parse(**changes: Any) -> None:
    entry = {k: v for k, v in {**VALID, **changes}.items() if v is not None}
    parse_exceptions({"exceptions": [entry]}, today=TODAY, control_ids=KNOWN)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"approved_by": None}, r"exceptions\[0\]\.approved_by \(CKV_AWS_338\): is required"),
        ({"approved_on": None}, r"exceptions\[0\]\.approved_on \(CKV_AWS_338\): is required"),
        ({"risk": None}, r"exceptions\[0\]\.risk \(CKV_AWS_338\): is required"),
        ({"compensating_controls": None}, r"compensating_controls \(CKV_AWS_338\): is required"),
        ({"compensating_controls": []}, r"compensating_controls \(CKV_AWS_338\): is required"),
        ({"approved_by": "platform-team"}, r"approved_by \(CKV_AWS_338\): must differ from owner"),
        ({"risk": "negligible"}, r"risk \(CKV_AWS_338\): 'negligible' is not one of low"),
        ({"approved_on": "yesterday"}, r"approved_on \(CKV_AWS_338\): 'yesterday' is not a"),
        (
            {"approved_on": "2026-12-03"},
            r"approved_on \(CKV_AWS_338\): 2026-12-03 is in the future",
        ),
        ({"compensating_controls": ["SFX-LOG-01"]}, r"are not control ids"),
        ({"compensating_controls": ["SFX-CTL-LOG-99"]}, r"are not controls of the catalog"),
        ({"compensating_controls": "SFX-CTL-LOG-06"}, r"must be a list"),
    ],
)
def test_an_unreviewed_exception_is_refused_naming_the_field(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ExceptionFileError, match=message):
        parse(**changes)


def test_a_reviewed_exception_parses_with_its_countdown() -> None:
    (exc,) = parse_exceptions({"exceptions": [VALID]}, today=TODAY, control_ids=KNOWN).items
    assert (exc.approved_by, exc.risk, exc.compensating_controls) == (
        "security-officer",
        Risk.LOW,
        ("SFX-CTL-LOG-06",),
    )
    assert exc.days_left(TODAY) == (dt.date(2027, 5, 31) - TODAY).days
    assert exc.days_left(dt.date(2027, 5, 31)) == 0


def test_every_entry_of_the_file_is_reviewed_against_the_catalog() -> None:
    """The shipped file's compensating controls are controls of compliance/catalog.yaml: checked
    here in CI and by the report (``load_checked_exceptions``), not on every synth."""
    catalog_ids = {c.id for c in load_catalog().controls}
    items = load_checked_exceptions().items
    assert items
    for exc in items:
        assert exc.approved_by != exc.owner
        assert set(exc.compensating_controls) <= catalog_ids, exc.rule
    with pytest.raises(ExceptionFileError, match="not controls of the catalog"):
        load_exceptions(control_ids=frozenset({"SFX-CTL-XXX-01"}))


def _file_naming(tmp_path: Path, control: str) -> Path:
    path = tmp_path / "exceptions.yaml"
    path.write_text(json.dumps({"exceptions": [{**VALID, "compensating_controls": [control]}]}))
    return path


def test_synthesis_and_the_gate_load_the_file_without_the_catalog(tmp_path: Path) -> None:
    """core.exceptions (aspects, gate) checks the shape of control ids only; the catalog check
    belongs to the loader the report uses, and names the field and the rule."""
    path = _file_naming(tmp_path, "SFX-CTL-ZZZ-99")
    (exc,) = load_exceptions(path, today=TODAY).items
    assert exc.compensating_controls == ("SFX-CTL-ZZZ-99",)
    with pytest.raises(
        ExceptionFileError,
        match=re.escape(
            "exceptions[0].compensating_controls (CKV_AWS_338): ['SFX-CTL-ZZZ-99'] are not "
            "controls of the catalog"
        ),
    ):
        load_checked_exceptions(path, today=TODAY)


def report_exit(tmp_path: Path, exceptions_file: Path) -> int:
    """``compliance.report`` on an empty stack with the given exceptions file."""
    from compliance import report

    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "cdk.tf.json").write_text("{}", encoding="utf-8")
    out = str(tmp_path / "out")
    return report.main(
        ["--synth-dir", str(stack), "--out", out, "--exceptions", str(exceptions_file)]
    )


def test_the_report_refuses_an_exception_naming_an_unknown_control(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guarantee CI keeps: the report (exit 2, before any engine runs) and the test above."""
    assert report_exit(tmp_path, _file_naming(tmp_path, "SFX-CTL-ZZZ-99")) == 2
    err = capsys.readouterr().err
    assert "compensating_controls (CKV_AWS_338): ['SFX-CTL-ZZZ-99'] are not controls" in err


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rule": "SFX-LOG-RETENTION"}, r"exceptions\[0\]\.rule: 'SFX-LOG-RETENTION' is not an"),
        ({"rule": "SFX-CTL-LOG-06"}, r"exceptions\[0\]\.rule: 'SFX-CTL-LOG-06' is not an"),
        ({"ticket": "X-1"}, r"exceptions\[0\]: unknown keys \['ticket'\]"),
        ({"owner": ["a", "b"]}, r"exceptions\[0\]\.owner \(CKV_AWS_338\): must be text"),
        ({"reason": "short"}, r"reason \(CKV_AWS_338\): must explain the exception in at least 10"),
        (
            {"expires": "2026-12-01"},
            r"expires \(CKV_AWS_338 on aws_cloudwatch_log_group\.x_\*\): expired on 2026-12-01",
        ),
    ],
)
def test_the_rule_id_and_the_entry_shape_are_checked(changes: dict[str, Any], message: str) -> None:
    """One rule-id pattern (core.rule_ids): an aspect id or a Checkov id, never a control id."""
    with pytest.raises(ExceptionFileError, match=message):
        parse(**changes)


def test_every_problem_of_an_entry_is_reported_at_once() -> None:
    with pytest.raises(ExceptionFileError) as caught:
        parse(risk="negligible", approved_on="yesterday")
    assert "risk (CKV_AWS_338): 'negligible'" in str(caught.value)
    assert "approved_on (CKV_AWS_338): 'yesterday'" in str(caught.value)


# ---- what the reasons say about the stack is true --------------------------------------------

# Claims that were false of the stack (issue 14) and must not come back.
FALSE_CLAIMS = (
    re.compile(r"longer-lived", re.I),  # trail bucket and backups keep logs no longer than 90 days
    re.compile(r"single-region", re.I),  # the residency rule is EU regions, not one region
    re.compile(r"\b2-AZ\b|two availability zones", re.I),  # S3 Standard spans >= 3 AZs
)


def reasons_for(rule: str, resource_prefix: str) -> list[str]:
    return [
        e.reason
        for e in load_exceptions().items
        if e.rule == rule and e.resource.startswith(resource_prefix)
    ]


def test_no_reason_repeats_a_claim_known_to_be_false() -> None:
    for exc in load_exceptions().items:
        for claim in FALSE_CLAIMS:
            assert not claim.search(exc.reason), (exc.rule, exc.resource, claim.pattern)


def lifecycle_of(stack: StackView, bucket_fragment: str) -> dict[str, Any]:
    (rule,) = stack.by_path("aws_s3_bucket_lifecycle_configuration", bucket_fragment)["rule"]
    return dict(rule)


@pytest.mark.synth
def test_trail_log_reasons_match_the_trail_bucket_lifecycle(stack: StackView) -> None:
    """The trail-logs reason says the S3 archive keeps the period plus the window (485 days by
    default); the trail-bucket replication reason says noncurrent versions are kept 7 days."""
    rule = lifecycle_of(stack, "audit/trail_bucket")
    assert rule["expiration"] == [{"days": 485}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 7}]
    (trail_logs,) = reasons_for("CKV_AWS_338", "aws_cloudwatch_log_group.audit_trail_logs")
    assert "485 days by default" in trail_logs
    assert "audit period plus the audit window" in trail_logs
    (replication,) = reasons_for("CKV_AWS_144", "aws_s3_bucket.audit_trail_bucket")
    assert "noncurrent versions kept 7 days" in replication


@pytest.mark.synth
def test_database_reasons_match_backup_retention(stack: StackView) -> None:
    """Backups are 7-day snapshots of data, not a longer-lived copy of the logs."""
    cluster = stack.one("aws_rds_cluster")
    (plan_rule,) = stack.one("aws_backup_plan")["rule"]
    assert cluster["backup_retention_period"] == 7
    assert plan_rule["lifecycle"]["delete_after"] == 7
    (db_logs,) = reasons_for("CKV_AWS_338", "aws_cloudwatch_log_group.database_postgresql_logs")
    assert "7-day snapshots of the data, not of the logs" in db_logs
    (deletion,) = reasons_for("CKV_AWS_139", "aws_rds_cluster.database_cluster")
    assert "7-day automated backups" in deletion and "kept 7 days" in deletion


@pytest.mark.synth
def test_replication_reasons_match_the_residency_rule_and_storage_classes(
    stack: StackView,
) -> None:
    """The residency rule is "EU member-state regions" (not one region), and no bucket moves
    objects to a one-zone storage class (S3 Standard, Standard-IA and Glacier Instant Retrieval
    keep >= 3 AZs: AWS S3 user guide, "Data protection in Amazon S3", "Storage classes")."""
    assert stack.provider["region"] in EU_MEMBER_STATE_REGIONS
    assert len(EU_MEMBER_STATE_REGIONS) > 1
    for _, body in stack.of_type("aws_s3_bucket_lifecycle_configuration").items():
        for rule in body["rule"]:
            classes = {t["storage_class"] for t in rule.get("transition", [])}
            assert classes <= {"STANDARD_IA", "GLACIER_IR"}, classes
    for reason in reasons_for("CKV_AWS_144", "aws_s3_bucket."):
        assert "allow another EU region (CKV_SFX_24)" in reason
        assert "at least three Availability Zones" in reason


def test_the_report_refuses_an_unreviewed_exception(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report reads exceptions through the same loader (exit 2 before any engine runs)."""
    bad = tmp_path / "exceptions.yaml"
    bad.write_text(json.dumps({"exceptions": [{**VALID, "approved_by": VALID["owner"]}]}))
    assert report_exit(tmp_path, bad) == 2
    assert "approved_by (CKV_AWS_338): must differ from owner" in capsys.readouterr().err
