"""Issue 25, item 4: each further scanner finding is decided in docs/compliance.md, and what the
decision says is true of the stack (the default synth, and the opt-in knobs synthesized alone)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from compliance.collect.checks import CHECKS_BY_ID
from compliance.registry import PROJECT_ROOT
from lib.config import AccountBaselineConfig, AuditConfig, StackConfig, load_config
from tests.conftest import StackView

DOC = (PROJECT_ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
SECTION = DOC.split("## Decisions on scanner findings")[1].split("\n## ")[0]
FINDINGS = (
    "CloudTrail Insights",
    "AWS Backup report plan",
    "RDS event subscriptions (failover, failure, maintenance)",
    "Database on the default port 5432",
    "Resource policy on the database secret",
    "ECR registry-level enhanced scanning",
)


def rows() -> dict[str, list[str]]:
    found = re.findall(r"^\| ([^|]+?) \| (.+) \|$", SECTION, re.M)
    return {
        name: [c.strip() for c in rest.split(" | ")]
        for name, rest in found
        if name not in ("Finding", "---")
    }


def test_every_finding_has_a_decision_a_reason_and_a_compensating_control() -> None:
    table = rows()
    assert set(table) == set(FINDINGS)
    for name, (decision, reason, compensating, _price) in table.items():
        assert decision and len(reason) > 40 and compensating, name
    for paid in ("CloudTrail Insights", "ECR registry-level enhanced scanning"):
        assert "USD" in table[paid][3] and "per" in table[paid][3], paid


@pytest.mark.parametrize(
    ("knob", "section", "field"),
    [
        ("STREAMFLIX_TRAIL_INSIGHTS", "audit", "trail_insights"),
        ("STREAMFLIX_ACCOUNT_ECR_ENHANCED_SCANNING", "account", "ecr_enhanced_scanning"),
    ],
)
def test_paid_options_are_validated_knobs_off_by_default(
    knob: str, section: str, field: str
) -> None:
    assert getattr(getattr(StackConfig(), section), field) is False
    assert getattr(getattr(load_config({knob: "true"}), section), field) is True
    assert knob in SECTION


def test_the_default_stack_matches_the_decisions(stack: StackView) -> None:
    (trail,) = stack.of_type("aws_cloudtrail").values()
    assert "insight_selector" not in trail  # Insights: opt-in
    assert stack.of_type("aws_ecr_registry_scanning_configuration") == {}
    (repo,) = stack.of_type("aws_ecr_repository").values()
    assert repo["image_scanning_configuration"]["scan_on_push"] is True
    assert stack.of_type("aws_backup_report_plan") == {}  # Backup report plan: proposal
    for check in ("database.backup-jobs", "database.recovery-points"):
        assert "SFX-CTL-OPS-02" in CHECKS_BY_ID[check].controls
    assert {s["source_type"] for s in stack.of_type("aws_db_event_subscription").values()} == {
        "db-cluster",
        "db-instance",
    }
    (cluster,) = stack.of_type("aws_rds_cluster").values()
    assert cluster["port"] == 5432 and "5432" in SECTION
    assert stack.of_type("aws_secretsmanager_secret_policy") == {}
    readers = [
        name
        for name, policy in stack.of_type("aws_iam_role_policy").items()
        if "secretsmanager:GetSecretValue" in policy["policy"]
    ]
    assert len(readers) == 1 and "migrate" in readers[0]


def _synth(config: StackConfig) -> dict[str, Any]:
    """The opt-in constructs synthesized alone (the full stack is synthesized once per session)."""
    from cdktf import App, TerraformStack, Testing

    from lib.constructs.account_baseline import AccountBaseline
    from lib.constructs.audit import Audit
    from lib.constructs.encryption import EncryptionKeys
    from lib.context import StackContext
    from lib.naming import Namer

    scope = TerraformStack(App(), "opt-ins")
    ctx = StackContext(config=config, namer=Namer("qa4"), account_id="111122223333")
    keys = EncryptionKeys(scope, "encryption", ctx)
    Audit(
        scope,
        "audit",
        ctx,
        keys,
        access_log_bucket="logs-bucket",
        uploads_bucket_arn="arn:aws:s3:::uploads",
        stream_arn="arn:aws:kinesis:eu-central-1:111122223333:stream/s",
        topic_arn="arn:aws:sns:eu-central-1:111122223333:alerts",
    )
    AccountBaseline(scope, "account", ctx)
    keys.finalize()
    return dict(json.loads(Testing.synth(scope))["resource"])


def test_opting_in_adds_insights_and_enhanced_scanning() -> None:
    config = StackConfig(
        environment_suffix="qa4",
        audit=AuditConfig(trail_insights=True),
        account=AccountBaselineConfig(ecr_enhanced_scanning=True),
    )
    resources = _synth(config)
    (trail,) = resources["aws_cloudtrail"].values()
    assert {s["insight_type"] for s in trail["insight_selector"]} == {
        "ApiCallRateInsight",
        "ApiErrorRateInsight",
    }
    (scanning,) = resources["aws_ecr_registry_scanning_configuration"].values()
    assert scanning["scan_type"] == "ENHANCED"
    (rule,) = scanning["rule"]
    assert rule["scan_frequency"] == "CONTINUOUS_SCAN"
    assert rule["repository_filter"] == [{"filter": "streamflix-*", "filter_type": "WILDCARD"}]
