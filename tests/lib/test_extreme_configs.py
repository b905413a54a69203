"""A few extreme accepted configurations, synthesized for real and checked end to end.

tests/lib/config/ covers the whole configuration space at the config layer; here the corners
(minimum of everything, maximum of everything, the provisioned shard quota, NAT + S3 backend +
e-mails) are built into stacks in this one process (the provider import is shared), which runs
the compliance Aspects (a successful synth means they passed), and then ONE Checkov run of the
gate covers all of them. Each stack must also carry the extreme values it was given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.stackfile import read_stack_document
from lib.config import StackConfig, load_config
from tests.conftest import StackView

ONCALL_TOPIC = "arn:aws:sns:eu-west-3:123456789012:oncall-pager"
COLLECTOR_PRINCIPAL = "arn:aws:iam::123456789012:role/github-oidc-collector"  # issue 13


@dataclass(frozen=True)
class Extreme:
    name: str
    env: dict[str, str]


EXTREMES: tuple[Extreme, ...] = (
    Extreme(
        "minimum of everything",
        {
            "ENVIRONMENT_SUFFIX": "a",
            "STREAMFLIX_VPC_CIDR": "192.168.16.0/20",
            "STREAMFLIX_PEAK_UPLOADS_PER_SECOND": "0.1",
            "STREAMFLIX_RECORD_SIZE_BYTES": "1",
            "STREAMFLIX_BURST_HEADROOM": "1",
            "STREAMFLIX_STREAM_CONSUMERS": "1",
            "STREAMFLIX_KINESIS_MIN_SHARDS": "1",
            "STREAMFLIX_KINESIS_RETENTION_HOURS": "24",
            "STREAMFLIX_DB_MIN_ACU": "0",
            "STREAMFLIX_DB_MAX_ACU": "1",
            "STREAMFLIX_DB_BACKUP_RETENTION_DAYS": "7",
            "STREAMFLIX_DB_NAME": "d",
            "STREAMFLIX_DB_MASTER_USERNAME": "m",
            "STREAMFLIX_SECRET_ROTATION_DAYS": "1",
            "STREAMFLIX_WORKER_CPU": "256",
            "STREAMFLIX_WORKER_MEMORY_MIB": "512",
            "STREAMFLIX_WORKER_MIN_TASKS": "1",
            "STREAMFLIX_WORKER_MAX_TASKS": "1",
            "STREAMFLIX_WORKER_IMAGE_PUBLISHED": "false",
            "STREAMFLIX_FARGATE_BASE": "0",
            "STREAMFLIX_FARGATE_WEIGHT": "0",
            "STREAMFLIX_FARGATE_SPOT_WEIGHT": "1",
            "STREAMFLIX_RETRY_MAX_ATTEMPTS": "1",
            "STREAMFLIX_RETRY_BASE_BACKOFF_MS": "10",
            "STREAMFLIX_RETRY_MAX_BACKOFF_MS": "10",
            "STREAMFLIX_ALARM_ITERATOR_AGE_MS": "1000",
            "STREAMFLIX_ALARM_ERROR_RATE_PERCENT": "0.1",
        },
    ),
    Extreme(
        "maximum of everything, on-demand, NAT, exec, e-mails, s3 backend with a lock table",
        {
            "ENVIRONMENT_SUFFIX": "zz-extreme-9",
            "STREAMFLIX_REGION": "eu-west-3",
            "STREAMFLIX_VPC_CIDR": "10.255.0.0/16",
            "STREAMFLIX_NAT_GATEWAY": "true",
            "STREAMFLIX_KINESIS_CAPACITY_MODE": "ON_DEMAND",
            "STREAMFLIX_PEAK_UPLOADS_PER_SECOND": "100000",
            "STREAMFLIX_RECORD_SIZE_BYTES": "1048576",
            "STREAMFLIX_BURST_HEADROOM": "10",
            "STREAMFLIX_STREAM_CONSUMERS": "5",
            "STREAMFLIX_KINESIS_RETENTION_HOURS": "8760",
            "STREAMFLIX_DB_ENGINE_VERSION": "16.8",
            "STREAMFLIX_DB_MIN_ACU": "256",
            "STREAMFLIX_DB_MAX_ACU": "256",
            "STREAMFLIX_DB_BACKUP_RETENTION_DAYS": "35",
            "STREAMFLIX_SECRET_ROTATION_DAYS": "30",
            "STREAMFLIX_WORKER_CPU": "16384",
            "STREAMFLIX_WORKER_MEMORY_MIB": "122880",
            "STREAMFLIX_WORKER_MIN_TASKS": "1000",
            "STREAMFLIX_WORKER_MAX_TASKS": "1000",
            "STREAMFLIX_FARGATE_BASE": "100",
            "STREAMFLIX_FARGATE_WEIGHT": "1000",
            "STREAMFLIX_FARGATE_SPOT_WEIGHT": "1000",
            "STREAMFLIX_WORKER_IMAGE_TAG": "v" + "9" * 127,
            "STREAMFLIX_ECS_EXEC": "on",
            "STREAMFLIX_RETRY_MAX_ATTEMPTS": "20",
            "STREAMFLIX_RETRY_BASE_BACKOFF_MS": "60000",
            "STREAMFLIX_RETRY_MAX_BACKOFF_MS": "300000",
            "STREAMFLIX_ALARM_EMAILS": "oncall@example.com, media-ops+alerts@example.org",
            "STREAMFLIX_ALARM_HTTPS_ENDPOINTS": "https://hooks.example.com/sns?team=media",
            "STREAMFLIX_ALARM_TOPIC_ARN": ONCALL_TOPIC,
            "STREAMFLIX_ENVIRONMENT_TIER": "production",
            "STREAMFLIX_ALARM_ITERATOR_AGE_MS": "86400000",
            "STREAMFLIX_ALARM_ERROR_RATE_PERCENT": "100",
            "STREAMFLIX_STATE_BACKEND": "s3",
            "STREAMFLIX_STATE_BUCKET": "acme-terraform-state-eu",
            "STREAMFLIX_STATE_KEY_PREFIX": "platform/streamflix",
            "STREAMFLIX_STATE_REGION": "eu-west-1",
            "STREAMFLIX_STATE_LOCK_TABLE": "terraform-locks",
            "STREAMFLIX_TAG_DATA_CLASSIFICATION": "restricted",
            "STREAMFLIX_COLLECTOR_PRINCIPAL_ARN": COLLECTOR_PRINCIPAL,
        },
    ),
    Extreme(
        "provisioned at the shard quota, s3 backend with native locking",
        {
            "ENVIRONMENT_SUFFIX": "quota",
            "STREAMFLIX_VPC_CIDR": "172.31.0.0/16",
            "STREAMFLIX_PEAK_UPLOADS_PER_SECOND": "100",
            "STREAMFLIX_RECORD_SIZE_BYTES": "1048576",
            "STREAMFLIX_BURST_HEADROOM": "2",
            "STREAMFLIX_WORKER_MIN_TASKS": "200",
            "STREAMFLIX_WORKER_MAX_TASKS": "auto",
            "STREAMFLIX_FARGATE_BASE": "0",
            "STREAMFLIX_ALARM_EMAILS": "oncall@example.com",
            "STREAMFLIX_STATE_BACKEND": "s3",
            "STREAMFLIX_STATE_BUCKET": "acme-terraform-state-eu",
        },
    ),
)


@dataclass(frozen=True)
class Built:
    config: StackConfig
    stack_dir: Path
    view: StackView


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """All extreme stacks, synthesized in this process under one cdktf.out (one gate run)."""
    from lib.app import synthesize

    outdir = tmp_path_factory.mktemp("extremes") / "cdktf.out"
    out: dict[str, Built] = {}
    for extreme in EXTREMES:
        config = load_config(extreme.env)
        stack_dir = synthesize(config, outdir)  # raises if an Aspect refuses the stack
        view = StackView(read_stack_document(stack_dir))
        out[extreme.name] = Built(config, stack_dir, view)
    return out


def _one(view: StackView, rtype: str) -> dict[str, Any]:
    return view.one(rtype)


def test_every_extreme_configuration_synthesizes_through_the_aspects(
    built: dict[str, Built],
) -> None:
    assert set(built) == {e.name for e in EXTREMES}
    for b in built.values():
        assert (b.stack_dir / "cdk.tf.json").is_file()
        assert b.view.provider["region"] == b.config.region
        assert b.stack_dir.name == f"streamflix-{b.config.environment_suffix}"


def test_the_minimum_values_reach_the_stack(built: dict[str, Built]) -> None:
    view = built[EXTREMES[0].name].view
    cluster = _one(view, "aws_rds_cluster")
    scaling = cluster["serverlessv2_scaling_configuration"]
    assert (scaling["min_capacity"], scaling["max_capacity"]) == (0, 1)
    assert cluster["backup_retention_period"] == 7
    stream = _one(view, "aws_kinesis_stream")
    assert stream["retention_period"] == 24 and stream["shard_count"] == 1
    rotation = _one(view, "aws_secretsmanager_secret_rotation")
    assert rotation["rotation_rules"]["automatically_after_days"] == 1
    assert "aws_nat_gateway" not in view.resources
    assert view.data["terraform"]["backend"].keys() == {"local"}
    # Stage 1 of a first deploy: no task, autoscaling pinned at 0.
    assert _one(view, "aws_ecs_service")["desired_count"] == 0
    target = _one(view, "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (0, 0)


def test_the_maximum_values_reach_the_stack(built: dict[str, Built]) -> None:
    view = built[EXTREMES[1].name].view
    scaling = _one(view, "aws_rds_cluster")["serverlessv2_scaling_configuration"]
    assert (scaling["min_capacity"], scaling["max_capacity"]) == (256, 256)
    assert _one(view, "aws_rds_cluster")["backup_retention_period"] == 35
    stream = _one(view, "aws_kinesis_stream")
    assert stream["stream_mode_details"]["stream_mode"] == "ON_DEMAND"
    assert "shard_count" not in stream and stream["retention_period"] == 8760
    assert len(view.of_type("aws_nat_gateway")) == 1
    subscriptions = view.of_type("aws_sns_topic_subscription").values()
    assert sorted(s["endpoint"] for s in subscriptions if s["protocol"] == "email") == [
        "media-ops+alerts@example.org",
        "oncall@example.com",
    ]
    assert [s["endpoint"] for s in subscriptions if s["protocol"] == "https"] == [
        "https://hooks.example.com/sns?team=media"
    ]
    paging = [
        a
        for a in view.of_type("aws_cloudwatch_metric_alarm").values()
        if ONCALL_TOPIC in a["alarm_actions"]
    ]
    assert len(paging) >= 10 and all(ONCALL_TOPIC in a["ok_actions"] for a in paging)
    targets = {t["arn"] for t in view.of_type("aws_cloudwatch_event_target").values()}
    assert ONCALL_TOPIC in targets and len(targets) == 2
    families = {
        td["family"]: (td["cpu"], td["memory"])
        for td in view.of_type("aws_ecs_task_definition").values()
    }
    assert families["streamflix-worker-zz-extreme-9"] == ("16384", "122880")
    backend = view.data["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "acme-terraform-state-eu"
    assert backend["region"] == "eu-west-1"
    assert backend["dynamodb_table"] == "terraform-locks"
    assert backend["key"] == "platform/streamflix/zz-extreme-9/terraform.tfstate"


def test_the_quota_stack_has_two_hundred_shards_and_s3_native_locking(
    built: dict[str, Built],
) -> None:
    view = built[EXTREMES[2].name].view
    assert _one(view, "aws_kinesis_stream")["shard_count"] == 200
    backend = view.data["terraform"]["backend"]["s3"]
    assert backend["use_lockfile"] is True and "dynamodb_table" not in backend


def test_the_collector_role_exists_only_when_a_principal_is_configured(
    built: dict[str, Built],
) -> None:
    """STREAMFLIX_COLLECTOR_PRINCIPAL_ARN wires lib/constructs/collector_role.py into the stack."""
    roles = {
        name: {r["name"]: r for r in b.view.of_type("aws_iam_role").values()}
        for name, b in built.items()
    }
    role = roles[EXTREMES[1].name]["streamflix-collector-zz-extreme-9"]
    trust = json.loads(role["assume_role_policy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"AWS": COLLECTOR_PRINCIPAL}]
    # the principal's role only: the scheduled collector's own roles (issue 22) are always there
    assert "streamflix-collector-a" not in roles[EXTREMES[0].name]
    assert "streamflix-collector-task-role-a" in roles[EXTREMES[0].name]


@pytest.mark.gate
def test_one_gate_run_passes_every_extreme_stack(built: dict[str, Built]) -> None:
    from compliance.exceptions import load_exceptions
    from policies.gate import judge
    from policies.scan import scan

    stacks_root = next(iter(built.values())).stack_dir.parent
    raw = scan(stacks_root)  # one Checkov process for all the stacks
    exceptions = load_exceptions()
    problems: dict[str, list[str]] = {}
    for name, b in built.items():
        result = judge(raw.for_folder(b.stack_dir), exceptions)
        assert result.findings, f"{name}: the gate judged nothing"
        bad = [f"{f.check_id} {f.address}: {f.check_name}" for f in result.failed]
        bad += [f"parsing error: {p}" for p in result.parsing_errors]
        if bad:
            problems[name] = bad
    assert problems == {}
