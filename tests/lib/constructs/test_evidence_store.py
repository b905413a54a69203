"""Issue 22, items 1-3: the WORM evidence store, the scheduled collector task, the trail archive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.evidence_layout import (
    ENV_BUCKET,
    ENV_SIGNING_KEY,
    METRIC_DIMENSION,
    METRIC_NAMESPACE,
    METRIC_STORED,
    day_prefix,
    evidence_key,
    is_run_id,
    run_id,
)
from lib.collector_image import source_tag
from lib.config import ConfigError, StackConfig, load_config
from lib.constructs.collector_role import collector_statements
from lib.constructs.evidence import PROTECTED_ACTIONS, schedule_expression
from tests.conftest import StackView
from tests.infra_helpers import (
    ACCOUNT,
    SUFFIX,
    alarm,
    container,
    data_key_arn,
    grants,
    ref,
    statements,
    topic_arn,
)

BUCKET = f"streamflix-evidence-{ACCOUNT}-{SUFFIX}"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
DEFAULTS = StackConfig().evidence


def _store(stack: StackView, rtype: str) -> dict[str, Any]:
    return stack.by_path(rtype, "/evidence/bucket/")


def _collection(stack: StackView, rtype: str, fragment: str) -> dict[str, Any]:
    return stack.by_path(rtype, f"/collection/{fragment}")


# ------------------------------------------------------------------ item 2: the WORM store
def test_evidence_bucket_has_object_lock_in_governance_mode(stack: StackView) -> None:
    bucket = _store(stack, "aws_s3_bucket")
    assert bucket["bucket"] == BUCKET
    assert bucket["object_lock_enabled"] is True
    assert bucket["force_destroy"] is True  # destroy empties it (with the bypass header)
    lock = _store(stack, "aws_s3_bucket_object_lock_configuration")
    assert lock["rule"]["default_retention"] == {
        "mode": "GOVERNANCE",
        "days": DEFAULTS.audit_period_days + 365,
    }
    versioning = _store(stack, "aws_s3_bucket_versioning")
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    (rule,) = _store(stack, "aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": data_key_arn(stack),
    }
    assert _store(stack, "aws_s3_bucket_logging")["target_prefix"] == "evidence/"
    block = _store(stack, "aws_s3_bucket_public_access_block")
    assert all(block[k] is True for k in ("block_public_acls", "restrict_public_buckets"))


def test_only_the_deployer_may_remove_or_unlock_evidence(stack: StackView) -> None:
    sids = statements(_store(stack, "aws_s3_bucket_policy"))
    deployer = "${data.aws_iam_session_context.deployer.issuer_arn}"
    remove = sids["OnlyTheDeployerRemovesEvidence"]
    assert remove["Effect"] == "Deny" and remove["Principal"] == "*"
    assert set(remove["Action"]) == set(PROTECTED_ACTIONS)
    assert {"s3:BypassGovernanceRetention", "s3:DeleteObjectVersion"} <= set(remove["Action"])
    assert remove["Resource"] == [f"{BUCKET_ARN}/*"]
    assert remove["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": deployer}}
    overwrite = sids["EvidenceIsNeverOverwritten"]
    assert overwrite["Effect"] == "Deny" and overwrite["Action"] == ["s3:PutObject"]
    assert overwrite["Condition"] == {"Null": {"s3:if-none-match": "true"}}
    assert {"DenyInsecureTransport", "DenyOutdatedTls"} <= set(sids)
    session = stack.data["data"]["aws_iam_session_context"]["deployer"]
    assert session["arn"] == "${data.aws_caller_identity.current.arn}"


def test_retention_knob_is_validated_and_tied_to_the_period() -> None:
    cfg = load_config({"STREAMFLIX_AUDIT_PERIOD_DAYS": "180"}).evidence
    assert cfg.lock_days == 180 + 365
    with pytest.raises(ConfigError) as err:
        load_config({"STREAMFLIX_EVIDENCE_RETENTION_DAYS": "100"})
    assert "STREAMFLIX_EVIDENCE_RETENTION_DAYS" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_config({"STREAMFLIX_EVIDENCE_SCHEDULE_HOURS": "0"})
    assert "STREAMFLIX_EVIDENCE_SCHEDULE_HOURS" in str(err.value)


# ------------------------------------------------------------------ item 1: the schedule
def test_schedule_runs_the_collector_task_in_private_subnets(stack: StackView) -> None:
    schedule = _collection(stack, "aws_scheduler_schedule", "schedule")
    assert schedule["name"] == f"streamflix-collector-schedule-{SUFFIX}"
    assert schedule["schedule_expression"] == "rate(24 hours)"
    assert schedule["state"] == "ENABLED"
    assert schedule["kms_key_arn"] == data_key_arn(stack)
    target = schedule["target"]
    assert target["arn"] == ref(stack, "aws_ecs_cluster", "/compute/cluster", "arn")
    assert target["role_arn"] == ref(stack, "aws_iam_role", "/collection/scheduler_identity", "arn")
    ecs = target["ecs_parameters"]
    assert ecs["task_definition_arn"] == ref(
        stack, "aws_ecs_task_definition", "/collection/task", "arn_without_revision"
    )
    assert ecs["launch_type"] == "FARGATE"
    network = ecs["network_configuration"]
    assert network["assign_public_ip"] is False
    assert network["security_groups"] == [
        ref(stack, "aws_security_group", "/firewall/collector_sg", "id")
    ]
    private = {ref(stack, "aws_subnet", f"/network/private_subnet_{i}", "id") for i in range(2)}
    assert set(network["subnets"]) == private
    task = _collection(stack, "aws_ecs_task_definition", "task")
    c = container(task)
    assert c["command"] == ["python", "-m", "compliance.collect.scheduled"]
    assert c["image"].endswith(f":{source_tag()}")
    assert c["readonlyRootFilesystem"] is True and c["user"] == "10001:10001"
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert env[ENV_BUCKET] == ref(stack, "aws_s3_bucket", "/evidence/bucket/bucket", "bucket")
    # Issue 21's signing key: the task signs with it (core.attest reads this variable).
    signing = ref(stack, "aws_kms_key", "/evidence_signing/key", "arn")
    assert env[ENV_SIGNING_KEY] == signing


def test_task_role_is_read_only_plus_new_evidence(stack: StackView) -> None:
    policy = _collection(stack, "aws_iam_role_policy", "task_permissions")
    got = grants(policy)
    read_only = {s.sid for s in collector_statements()}
    extra = set(got) - read_only
    assert extra == {
        "WriteNewEvidence",
        "ReadPublishedDesign",
        "EncryptEvidenceWithDataKey",
        "PublishRunStored",
        "SignEvidence",  # issue 21's key, that key only
    }
    signing = ref(stack, "aws_kms_key", "/evidence_signing/key", "arn")
    assert got["SignEvidence"] == ({"kms:Sign"}, {signing})
    metric = statements(policy)["PublishRunStored"]
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}}
    bucket = ref(stack, "aws_s3_bucket", "/evidence/bucket/bucket", "arn")
    assert got["WriteNewEvidence"] == ({"s3:PutObject"}, {f"{bucket}/runtime-evidence/*"})
    assert got["ReadPublishedDesign"] == ({"s3:GetObject"}, {f"{bucket}/design/*"})
    every_action = {a for actions, _ in got.values() for a in actions}
    assert not {a for a in every_action if "Delete" in a or "Bypass" in a}
    trust = json.loads(_collection(stack, "aws_iam_role", "task_identity")["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def test_scheduler_role_may_only_start_the_collector_task(stack: StackView) -> None:
    got = grants(_collection(stack, "aws_iam_role_policy", "scheduler_permissions"))
    assert got["RunCollectorTask"][0] == {"ecs:RunTask"}
    (task_defs,) = got["RunCollectorTask"][1]
    assert task_defs.endswith(f":task-definition/streamflix-collector-task-{SUFFIX}:*")
    assert got["PassCollectorRoles"][1] == {
        ref(stack, "aws_iam_role", "/collection/execution_identity", "arn"),
        ref(stack, "aws_iam_role", "/collection/task_identity", "arn"),
    }


def test_missed_run_alarm_notifies_the_alerts_topic(stack: StackView) -> None:
    a = alarm(stack, f"streamflix-alarm-evidence-missed-{SUFFIX}")
    assert (a["namespace"], a["metric_name"]) == (METRIC_NAMESPACE, METRIC_STORED)
    assert a["dimensions"] == {METRIC_DIMENSION: SUFFIX}
    assert a["period"] == 24 * 3600 and a["treat_missing_data"] == "breaching"
    assert a["comparison_operator"] == "LessThanThreshold" and a["threshold"] == 1
    assert a["alarm_actions"] == [topic_arn(stack)]


def test_schedule_expression_is_a_valid_rate() -> None:
    assert schedule_expression(1) == "rate(1 hour)"
    assert schedule_expression(24) == "rate(24 hours)"


def test_evidence_keys_follow_the_layout() -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 11, 7, 5, 17, tzinfo=UTC)
    run = run_id(when, "1a2b3c4d5e")
    assert run == "20261107T051700Z-1a2b3c4d" and is_run_id(run)
    assert day_prefix(when) == "runtime-evidence/2026/11/07/"
    main = "runtime-evidence.json"
    assert evidence_key(when, run, main, main) == f"runtime-evidence/2026/11/07/{run}.json"
    assert evidence_key(when, run, "x.dsse.json", main).endswith(f"{run}.x.dsse.json")


# ------------------------------------------------------------------ item 3: the trail archive
def test_trail_archive_covers_period_and_window(stack: StackView) -> None:
    (rule,) = stack.by_path("aws_s3_bucket_lifecycle_configuration", "/audit/trail_bucket/")["rule"]
    days = DEFAULTS.audit_period_days + DEFAULTS.audit_window_days
    assert rule["expiration"] == [{"days": days}]
    assert days > 90
    classes = {t["storage_class"]: t["days"] for t in rule["transition"]}
    assert classes == {"STANDARD_IA": 30, "GLACIER_IR": 90}
    with pytest.raises(ConfigError) as err:
        load_config({"STREAMFLIX_TRAIL_ARCHIVE_DAYS": "200"})
    assert "STREAMFLIX_TRAIL_ARCHIVE_DAYS" in str(err.value)


def test_the_signing_seam_grants_kms_sign_on_that_key_only() -> None:
    """Issue 21's key plugs in through ``signing_key_arn``: kms:Sign on it, and its ARN in the
    task's environment; without it neither appears (see the synthesized stack above)."""
    from core.evidence_layout import ENV_SIGNING_KEY
    from lib.constructs.evidence import container, task_statements
    from lib.context import StackContext
    from lib.naming import Namer

    ctx = StackContext(config=StackConfig(), namer=Namer("qa1"), account_id="123456789012")
    key = "arn:aws:kms:eu-central-1:123456789012:key/signing"
    signed = {s.sid: s for s in task_statements(ctx, "arn:aws:s3:::b", "arn:k", key)}
    assert signed["SignEvidence"].actions == ("kms:Sign",)
    assert signed["SignEvidence"].resources == (key,)
    unsigned = {s.sid for s in task_statements(ctx, "arn:aws:s3:::b", "arn:k", None)}
    assert "SignEvidence" not in unsigned
    env = {e["name"]: e["value"] for e in container(ctx, "img", "b", "g", key)["environment"]}
    assert env[ENV_SIGNING_KEY] == key
