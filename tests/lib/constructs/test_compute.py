"""Issue 3, workers: ECR, ECS cluster/tasks/service, the two IAM roles, autoscaling, outputs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lib.config import ConfigError, RetryConfig, StackConfig, WorkerConfig
from lib.constructs.scaling import (
    IDLE_LAG_MS,
    TARGET_RECORDS_PER_TASK_PER_MINUTE,
    ScalingBounds,
    lag_steps,
    scale_out_lag_ms,
    scaling_bounds,
)
from lib.constructs.worker_roles import WorkerAccess, WorkerGrants, task_statements
from lib.iam import PolicyError, Statement, policy_document
from lib.worker_image import source_tag
from tests.conftest import StackView
from tests.infra_helpers import (
    ACCOUNT,
    SUFFIX,
    alarm,
    container,
    data_key_arn,
    grants,
    logical_id,
    logs_key_arn,
    ref,
    statements,
    topic_arn,
)

CLUSTER = f"streamflix-cluster-{SUFFIX}"
SERVICE = f"streamflix-workers-{SUFFIX}"
REPO = "aws_ecr_repository"
TASK = "aws_ecs_task_definition"


# Resource ARNs for tests that build grants or the Compute construct outside the real stack.
PLACEHOLDER_ACCESS = WorkerAccess(
    region="eu-central-1",
    stream_arn="arn:stream",
    uploads_bucket_arn="b",
    secret_arn="arn:secret",
    data_key_arn="arn:key",
    dlq_arn="arn:q",
    topic_arn="arn:t",
    db_user_arn="arn:u",
    repository_arn="arn:r",
)


def _worker_task(stack: StackView) -> dict:
    return stack.by_path(TASK, "/compute/worker_task")


def _migrate_task(stack: StackView) -> dict:
    return stack.by_path(TASK, "/compute/migrate_task")


# --- ECR -------------------------------------------------------------------------------------


def test_repository_is_immutable_scanned_kms_encrypted_and_destroyable(stack: StackView) -> None:
    repo = stack.one(REPO)
    assert repo["name"] == f"streamflix-worker-images-{SUFFIX}"
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"] == {"scan_on_push": True}
    assert repo["encryption_configuration"] == [
        {"encryption_type": "KMS", "kms_key": data_key_arn(stack)}
    ]
    assert repo["force_delete"] is True


def test_repository_lifecycle_expires_untagged_and_keeps_a_rollback_window(
    stack: StackView,
) -> None:
    lifecycle = stack.one("aws_ecr_lifecycle_policy")
    assert lifecycle["repository"] == ref(stack, REPO, "/registry/repository", "name")
    rules = json.loads(lifecycle["policy"])["rules"]
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
    assert rules[0]["selection"]["countType"] == "sinceImagePushed"
    assert rules[1]["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 30,
    }
    assert all(r["action"] == {"type": "expire"} for r in rules)


# --- cluster -----------------------------------------------------------------------------------


def test_cluster_has_container_insights_and_encrypted_logged_exec(stack: StackView) -> None:
    cluster = stack.one("aws_ecs_cluster")
    assert cluster["name"] == CLUSTER
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]
    exec_cfg = cluster["configuration"]["execute_command_configuration"]
    assert exec_cfg["kms_key_id"] == data_key_arn(stack)
    assert exec_cfg["logging"] == "OVERRIDE"
    assert exec_cfg["log_configuration"] == {
        "cloud_watch_encryption_enabled": True,
        "cloud_watch_log_group_name": ref(
            stack, "aws_cloudwatch_log_group", "/compute/exec_logs", "name"
        ),
    }
    storage = cluster["configuration"]["managed_storage_configuration"]
    assert storage["fargate_ephemeral_storage_kms_key_id"] == data_key_arn(stack)


def test_exec_is_off_by_default(stack: StackView) -> None:
    assert stack.one("aws_ecs_service")["enable_execute_command"] is False
    task_policy = stack.by_path("aws_iam_role_policy", "/compute/roles/task_policy")
    actions = {a for acts, _ in grants(task_policy).values() for a in acts}
    assert not any(a.startswith("ssmmessages:") for a in actions)


def test_container_insights_group_is_precreated_encrypted_and_kept_90_days(
    stack: StackView,
) -> None:
    group = stack.by_path("aws_cloudwatch_log_group", "/compute/container_insights_logs")
    assert group["name"] == f"/aws/ecs/containerinsights/{CLUSTER}/performance"
    assert group["retention_in_days"] == 90
    assert group["kms_key_id"] == logs_key_arn(stack)
    insights = logical_id(stack, "aws_cloudwatch_log_group", "/compute/container_insights_logs")
    assert f"aws_cloudwatch_log_group.{insights}" in stack.one("aws_ecs_cluster")["depends_on"]


def test_data_key_lets_fargate_encrypt_this_clusters_task_storage(stack: StackView) -> None:
    key = stack.by_path("aws_kms_key", "/encryption/data_key")
    sids = statements(key)
    generate, grant = sids["FargateEncryptsTaskStorage"], sids["FargateGrantsDecryptForTaskStorage"]
    context = {
        "kms:EncryptionContext:aws:ecs:clusterAccount": [ACCOUNT],
        "kms:EncryptionContext:aws:ecs:clusterName": [CLUSTER],
    }
    assert generate["Principal"] == {"Service": "fargate.amazonaws.com"}
    assert generate["Action"] == ["kms:GenerateDataKeyWithoutPlaintext"]
    assert generate["Condition"] == {"StringEquals": context}
    assert grant["Action"] == ["kms:CreateGrant"]
    assert grant["Condition"]["ForAllValues:StringEquals"] == {"kms:GrantOperations": ["Decrypt"]}


def test_capacity_providers_are_fargate_and_spot(stack: StackView) -> None:
    providers = stack.one("aws_ecs_cluster_capacity_providers")
    assert providers["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    cfg = WorkerConfig()
    assert providers["default_capacity_provider_strategy"] == [
        {"capacity_provider": "FARGATE", "base": cfg.fargate_base, "weight": cfg.fargate_weight},
        {"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": cfg.fargate_spot_weight},
    ]


# --- task definitions --------------------------------------------------------------------------


def test_task_definitions_are_fargate_awsvpc_linux_x86_sized_by_config(stack: StackView) -> None:
    cfg = WorkerConfig()
    families = {}
    for task in (_worker_task(stack), _migrate_task(stack)):
        assert task["requires_compatibilities"] == ["FARGATE"]
        assert task["network_mode"] == "awsvpc"
        assert task["runtime_platform"] == {
            "operating_system_family": "LINUX",
            "cpu_architecture": "X86_64",
        }
        assert (task["cpu"], task["memory"]) == (str(cfg.cpu), str(cfg.memory_mib))
        assert task["volume"] == [{"name": "scratch"}]
        assert task["execution_role_arn"] == ref(stack, "aws_iam_role", "execution_role", "arn")
        # task roles: see test_roles_are_separate_and_trust_only_ecs_tasks_in_this_account
        families[task["family"]] = container(task)["command"]
    assert families == {
        f"streamflix-worker-{SUFFIX}": ["run"],
        f"streamflix-worker-migrate-{SUFFIX}": ["migrate"],
    }


def test_worker_container_is_hardened(stack: StackView) -> None:
    for task in (_worker_task(stack), _migrate_task(stack)):
        c = container(task)
        assert c["user"] == "10001:10001"
        assert c["readonlyRootFilesystem"] is True
        assert c["privileged"] is False
        assert c["stopTimeout"] == 120
        assert c["essential"] is True
        assert c["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
        assert c["mountPoints"] == [
            {"sourceVolume": "scratch", "containerPath": "/scratch", "readOnly": False}
        ]
        assert c["image"] == (
            ref(stack, REPO, "/registry/repository", "repository_url") + ":" + source_tag()
        )


def test_worker_logs_go_to_an_encrypted_90_day_group(stack: StackView) -> None:
    group = stack.by_path("aws_cloudwatch_log_group", "/compute/worker_logs")
    assert group["name"] == f"streamflix-worker-logs-{SUFFIX}"
    assert (group["retention_in_days"], group["kms_key_id"]) == (90, logs_key_arn(stack))
    log = container(_worker_task(stack))["logConfiguration"]
    assert log["logDriver"] == "awslogs"
    assert log["options"]["awslogs-group"] == ref(
        stack, "aws_cloudwatch_log_group", "/compute/worker_logs", "name"
    )
    assert log["options"]["awslogs-region"] == "eu-central-1"


def _master_secret(stack: StackView) -> str:
    cluster = stack.by_path("aws_rds_cluster", "/database/cluster")["//"]["metadata"]["uniqueId"]
    return "${aws_rds_cluster." + cluster + ".master_user_secret[0].secret_arn}"


def test_environment_is_exactly_the_worker_contract(stack: StackView) -> None:
    secret = _master_secret(stack)
    retry = RetryConfig()
    common = {
        "STREAM_NAME": ref(stack, "aws_kinesis_stream", "/ingestion/stream", "name"),
        "UPLOADS_BUCKET": ref(stack, "aws_s3_bucket", "/ingestion/uploads/bucket", "bucket"),
        "DB_HOST": ref(stack, "aws_rds_cluster", "/database/cluster", "endpoint"),
        "DB_PORT": "5432",
        "DB_NAME": "streamflix",
        "DB_SSLMODE": "verify-full",
        "DLQ_URL": ref(stack, "aws_sqs_queue", "/failure_handling/dlq", "url"),
        "DLQ_MAX_MESSAGE_BYTES": "262144",
        "ALERT_TOPIC_ARN": topic_arn(stack),
        "RETRY_MAX_ATTEMPTS": str(retry.max_attempts),
        "RETRY_BASE_BACKOFF_MS": str(retry.base_backoff_ms),
        "RETRY_MAX_BACKOFF_MS": str(retry.max_backoff_ms),
        "METRICS_NAMESPACE": "StreamFlix/Worker",
        "ENVIRONMENT": SUFFIX,
        "AWS_REGION": "eu-central-1",
        "SCRATCH_DIR": "/scratch",
        "TMPDIR": "/scratch",
        "LEASE_TTL_SECONDS": "30",
        "DRAIN_TIMEOUT_SECONDS": "90",
    }
    # the worker logs in as its own user with an IAM token; only migrate uses the master secret
    expected = {
        "worker": common | {"DB_AUTH": "iam", "DB_USER": "streamflix_worker"},
        "migrate": common | {"DB_AUTH": "secret", "DB_SECRET_ARN": secret},
    }
    for name, task in (("worker", _worker_task(stack)), ("migrate", _migrate_task(stack))):
        c = container(task)
        assert {e["name"]: e["value"] for e in c["environment"]} == expected[name]
        # nothing is injected from a secret, and no password is ever inlined
        assert "secrets" not in c
        assert "password" not in json.dumps(c).lower()


def test_drain_timeout_fits_inside_the_stop_timeout(stack: StackView) -> None:
    c = container(_worker_task(stack))
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert int(env["DRAIN_TIMEOUT_SECONDS"]) < c["stopTimeout"]


# --- IAM -------------------------------------------------------------------------------------


def _trust(stack: StackView, path: str) -> dict:
    (stmt,) = json.loads(stack.by_path("aws_iam_role", path)["assume_role_policy"])["Statement"]
    return dict(stmt)


def test_roles_are_separate_and_trust_only_ecs_tasks_in_this_account(stack: StackView) -> None:
    roles = ("execution_role", "task_role", "migrate_role")
    execution, task, migrate = (_trust(stack, r) for r in roles)
    for trust in (execution, task, migrate):
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    for trust in (task, migrate):
        assert trust["Condition"]["ArnLike"] == {
            "aws:SourceArn": f"arn:aws:ecs:eu-central-1:{ACCOUNT}:*"
        }
    assert len({ref(stack, "aws_iam_role", r, "arn") for r in roles}) == 3
    assert _worker_task(stack)["task_role_arn"] == ref(stack, "aws_iam_role", "task_role", "arn")
    assert _migrate_task(stack)["task_role_arn"] == ref(
        stack, "aws_iam_role", "migrate_role", "arn"
    )


def test_execution_role_policy_is_exact(stack: StackView) -> None:
    policy = stack.by_path("aws_iam_role_policy", "/compute/roles/execution_policy")
    assert policy["role"] == ref(stack, "aws_iam_role", "execution_role", "id")
    group = ref(stack, "aws_cloudwatch_log_group", "/compute/worker_logs", "arn")
    assert grants(policy) == {
        "PullWorkerImage": (
            {"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
            {ref(stack, REPO, "/registry/repository", "arn")},
        ),
        "GetRegistryToken": ({"ecr:GetAuthorizationToken"}, {"*"}),
        "WriteContainerLogs": (
            {"logs:CreateLogStream", "logs:PutLogEvents"},
            {group, f"{group}:log-stream:*"},
        ),
    }


def test_only_the_migrate_role_reads_the_master_secret(stack: StackView) -> None:
    secret = _master_secret(stack)
    policy = stack.by_path("aws_iam_role_policy", "/compute/roles/migrate_policy")
    assert policy["role"] == ref(stack, "aws_iam_role", "migrate_role", "id")
    assert grants(policy) == {
        "ReadMasterSecret": ({"secretsmanager:GetSecretValue"}, {secret}),
        "DecryptMasterSecret": ({"kms:Decrypt"}, {data_key_arn(stack)}),
    }
    assert statements(policy)["DecryptMasterSecret"]["Condition"] == {
        "StringEquals": {"kms:ViaService": ["secretsmanager.eu-central-1.amazonaws.com"]}
    }
    readers = [
        body["//"]["metadata"]["path"]
        for body in stack.of_type("aws_iam_role_policy").values()
        if secret in body["policy"]
    ]
    assert [r.rsplit("/", 1)[-1] for r in readers] == ["migrate_policy"]


def test_task_role_policy_is_exact(stack: StackView) -> None:
    policy = stack.by_path("aws_iam_role_policy", "/compute/roles/task_policy")
    assert policy["role"] == ref(stack, "aws_iam_role", "task_role", "id")
    cluster = stack.by_path("aws_rds_cluster", "/database/cluster")["//"]["metadata"]["uniqueId"]
    db_user = (
        f"arn:aws:rds-db:eu-central-1:{ACCOUNT}:dbuser:"
        f"${{aws_rds_cluster.{cluster}.cluster_resource_id}}/streamflix_worker"
    )
    assert grants(policy) == {
        "ReadProcessingStream": (
            {
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
            },
            {ref(stack, "aws_kinesis_stream", "/ingestion/stream", "arn")},
        ),
        "ReadUploadedVideos": (
            {"s3:GetObject"},
            {ref(stack, "aws_s3_bucket", "/ingestion/uploads/bucket", "arn") + "/*"},
        ),
        # without it a missing key answers 403 and a late upload is dead-lettered (issue 12.2)
        "SeeMissingUploadsAsNotFound": (
            {"s3:ListBucket"},
            {ref(stack, "aws_s3_bucket", "/ingestion/uploads/bucket", "arn")},
        ),
        "UseDataKeyThroughOurServices": (
            {"kms:Decrypt", "kms:GenerateDataKey"},
            {data_key_arn(stack)},
        ),
        "SendToDeadLetterQueue": (
            {"sqs:SendMessage"},
            {ref(stack, "aws_sqs_queue", "/failure_handling/dlq", "arn")},
        ),
        "PublishAlerts": ({"sns:Publish"}, {topic_arn(stack)}),
        "ConnectToDatabaseWithIamAuth": ({"rds-db:connect"}, {db_user}),
    }
    sids = statements(policy)
    assert sids["UseDataKeyThroughOurServices"]["Condition"]["StringEquals"]["kms:ViaService"] == [
        f"{s}.eu-central-1.amazonaws.com" for s in ("kinesis", "s3", "sqs", "sns")
    ]


def test_wildcard_resources_only_where_aws_allows_nothing_narrower(stack: StackView) -> None:
    allowed = {"GetRegistryToken"}
    for path in (
        "/compute/roles/execution_policy",
        "/compute/roles/task_policy",
        "/compute/roles/migrate_policy",
    ):
        policy = stack.by_path("aws_iam_role_policy", path)
        wild = {sid for sid, (_, resources) in grants(policy).items() if "*" in resources}
        assert wild <= allowed, path


def test_a_wildcard_without_a_reason_is_refused() -> None:
    with pytest.raises(PolicyError, match="wildcard_reason"):
        Statement("Broad", ("s3:GetObject",), ("*",))
    with pytest.raises(PolicyError, match="every action"):
        Statement("All", ("*",), ("arn:aws:s3:::b",))
    with pytest.raises(PolicyError, match="duplicated"):
        policy_document([Statement("Same", ("s3:GetObject",), ("arn:aws:s3:::b/*",))] * 2)


def test_exec_adds_channels_session_key_and_log_delivery_to_the_task_role() -> None:
    access = PLACEHOLDER_ACCESS
    without = {s.sid for s in task_statements(WorkerGrants(access, "lg", None))}
    with_exec = {s.sid: s for s in task_statements(WorkerGrants(access, "lg", "exec-lg"))}
    assert set(with_exec) - without == {
        "EcsExecChannels",
        "EcsExecSessionKey",
        "EcsExecSessionLogs",
        "EcsExecFindLogGroup",
    }
    assert with_exec["EcsExecSessionLogs"].resources == ("exec-lg", "exec-lg:log-stream:*")
    assert with_exec["EcsExecSessionKey"].resources == ("arn:key",)


# --- service -----------------------------------------------------------------------------------


def test_service_runs_private_without_public_ip_in_the_workers_group(stack: StackView) -> None:
    service = stack.one("aws_ecs_service")
    assert service["name"] == SERVICE
    assert service["cluster"] == ref(stack, "aws_ecs_cluster", "/compute/cluster", "arn")
    assert service["task_definition"] == ref(stack, TASK, "/compute/worker_task", "arn")
    net = service["network_configuration"]
    assert net["assign_public_ip"] is False
    assert sorted(net["subnets"]) == sorted(
        ref(stack, "aws_subnet", f"/network/private_subnet_{i}", "id") for i in (0, 1)
    )
    assert net["security_groups"] == [
        ref(stack, "aws_security_group", "/firewall/workers_sg", "id")
    ]


def test_service_mixes_a_fargate_base_with_weighted_spot(stack: StackView) -> None:
    cfg = WorkerConfig()
    assert stack.one("aws_ecs_service")["capacity_provider_strategy"] == [
        {"capacity_provider": "FARGATE", "base": cfg.fargate_base, "weight": cfg.fargate_weight},
        {"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": cfg.fargate_spot_weight},
    ]
    assert cfg.fargate_base >= 1 and cfg.fargate_spot_weight > cfg.fargate_weight


def test_service_rolls_back_failed_deployments_and_propagates_tags(stack: StackView) -> None:
    service = stack.one("aws_ecs_service")
    assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert service["propagate_tags"] == "TASK_DEFINITION"
    assert service["enable_ecs_managed_tags"] is True
    assert service["platform_version"] == "LATEST"
    # The first deployment asks for the autoscaling minimum: 0 until the image is published.
    assert service["desired_count"] == stack.one("aws_appautoscaling_target")["min_capacity"]
    assert service["lifecycle"] == {"ignore_changes": ["desired_count"]}


def test_workers_group_has_no_ingress_and_no_internet_egress(stack: StackView) -> None:
    workers = ref(stack, "aws_security_group", "/firewall/workers_sg", "id")
    ingress = [
        r
        for r in stack.of_type("aws_vpc_security_group_ingress_rule").values()
        if r["security_group_id"] == workers
    ]
    egress = [
        r
        for r in stack.of_type("aws_vpc_security_group_egress_rule").values()
        if r["security_group_id"] == workers
    ]
    assert ingress == []
    assert {r["to_port"] for r in egress} == {443, 5432}
    assert not any(r.get("cidr_ipv4") or r.get("cidr_ipv6") for r in egress)


# --- autoscaling -------------------------------------------------------------------------------


def _policy(stack: StackView, name: str) -> dict:
    (found,) = [p for p in stack.of_type("aws_appautoscaling_policy").values() if p["name"] == name]
    return dict(found)


def test_scalable_target_spans_min_tasks_to_the_shard_count(stack: StackView) -> None:
    target = stack.one("aws_appautoscaling_target")
    shards = stack.one("aws_kinesis_stream")["shard_count"]
    assert target["service_namespace"] == "ecs"
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    assert target["resource_id"] == f"service/{CLUSTER}/{SERVICE}"
    # The default (issue 20): a new environment, no image yet, pinned at 0 (first deploy).
    assert (target["min_capacity"], target["max_capacity"]) == (0, 0)
    published = scaling_bounds(
        StackConfig(worker=WorkerConfig(image_published=True)), max_consumers=shards
    )
    assert (published.min_tasks, published.max_tasks) == (WorkerConfig().min_tasks, shards)


def test_with_the_defaults_every_scaling_policy_can_change_capacity(stack: StackView) -> None:
    """Issue 12 item 11: min < max (>= 2 tasks at peak), every step of every step policy and
    the target-tracking policy can move the count inside the bounds, capacity beyond the
    on-demand base goes to Spot, and there are never more tasks than shards. Judged on the
    defaults once the image is published (the default synth pins scaling at 0 until then)."""
    shards = stack.one("aws_kinesis_stream")["shard_count"]
    resources = _synth_compute(WorkerConfig(image_published=True), max_consumers=shards)
    (target,) = resources["aws_appautoscaling_target"].values()
    low, high = target["min_capacity"], target["max_capacity"]
    assert 1 <= low < high and high >= 2
    assert high <= shards
    policies = resources["aws_appautoscaling_policy"].values()
    assert {p["policy_type"] for p in policies} == {"StepScaling", "TargetTrackingScaling"}
    for policy in policies:
        if policy["policy_type"] == "TargetTrackingScaling":
            continue  # it moves whenever min < max (asserted above)
        for step in policy["step_scaling_policy_configuration"]["step_adjustment"]:
            change = step["scaling_adjustment"]
            start = low if change > 0 else high  # where this step first acts
            after = min(high, max(low, start + change))  # Application Auto Scaling clamps
            assert after != start, f"{policy['name']}: step {change} cannot move in [{low}, {high}]"
    (service,) = resources["aws_ecs_service"].values()
    strategy = {s["capacity_provider"]: s for s in service["capacity_provider_strategy"]}
    base = strategy["FARGATE"]["base"]
    assert 1 <= base < high, "room beyond the on-demand base"
    assert strategy["FARGATE"]["weight"] == 0 and strategy["FARGATE_SPOT"]["weight"] > 0


def test_step_scaling_adds_tasks_on_lag(stack: StackView) -> None:
    policy = _policy(stack, f"streamflix-scale-on-lag-{SUFFIX}")
    cfg = policy["step_scaling_policy_configuration"]
    assert policy["policy_type"] == "StepScaling"
    assert cfg["adjustment_type"] == "ChangeInCapacity"
    threshold = StackConfig().alarms.iterator_age_ms // 2
    assert [
        (
            s.get("metric_interval_lower_bound"),
            s.get("metric_interval_upper_bound"),
            s["scaling_adjustment"],
        )
        for s in cfg["step_adjustment"]
    ] == [
        ("0", f"{threshold}", 1),
        (f"{threshold}", f"{3 * threshold}", 2),
        (f"{3 * threshold}", None, 4),
    ]
    lag = alarm(stack, f"streamflix-alarm-lag-high-{SUFFIX}")
    assert (lag["namespace"], lag["metric_name"], lag["statistic"]) == (
        "AWS/Kinesis",
        "GetRecords.IteratorAgeMilliseconds",
        "Maximum",
    )
    assert lag["dimensions"] == {"StreamName": f"streamflix-kinesis-{SUFFIX}"}
    assert (lag["comparison_operator"], lag["threshold"]) == ("GreaterThanThreshold", threshold)
    assert lag["alarm_actions"] == [
        ref(stack, "aws_appautoscaling_policy", "/scaling/scale_on_lag", "arn")
    ]


def test_step_scaling_removes_one_task_when_idle(stack: StackView) -> None:
    policy = _policy(stack, f"streamflix-scale-in-idle-{SUFFIX}")
    (step,) = policy["step_scaling_policy_configuration"]["step_adjustment"]
    assert (step["metric_interval_upper_bound"], step["scaling_adjustment"]) == ("0", -1)
    idle = alarm(stack, f"streamflix-alarm-idle-{SUFFIX}")
    assert idle["metric_name"] == "GetRecords.IteratorAgeMilliseconds"
    assert (idle["comparison_operator"], idle["threshold"]) == ("LessThanThreshold", IDLE_LAG_MS)
    assert idle["evaluation_periods"] == 15
    assert idle["alarm_actions"] == [
        ref(stack, "aws_appautoscaling_policy", "/scaling/scale_in_idle", "arn")
    ]


def test_target_tracking_follows_incoming_records_per_running_task(stack: StackView) -> None:
    policy = _policy(stack, f"streamflix-scale-records-per-task-{SUFFIX}")
    assert policy["policy_type"] == "TargetTrackingScaling"
    cfg = policy["target_tracking_scaling_policy_configuration"]
    assert cfg["target_value"] == TARGET_RECORDS_PER_TASK_PER_MINUTE
    queries = {q["id"]: q for q in cfg["customized_metric_specification"]["metrics"]}
    assert queries["records_per_task"]["expression"] == "records / tasks"
    assert queries["records_per_task"]["return_data"] is True
    records = queries["records"]["metric_stat"]
    assert records["metric"]["metric_name"] == "IncomingRecords"
    assert records["metric"]["dimensions"] == [
        {"name": "StreamName", "value": f"streamflix-kinesis-{SUFFIX}"}
    ]
    tasks = queries["tasks"]["metric_stat"]["metric"]
    assert (tasks["namespace"], tasks["metric_name"]) == (
        "ECS/ContainerInsights",
        "RunningTaskCount",
    )
    assert tasks["dimensions"] == [
        {"name": "ClusterName", "value": CLUSTER},
        {"name": "ServiceName", "value": SERVICE},
    ]


def test_scaling_thresholds_are_derived_as_documented() -> None:
    cfg = StackConfig()
    assert scale_out_lag_ms(cfg) * 2 == cfg.alarms.iterator_age_ms
    steps = lag_steps(1000)
    assert [s.change for s in steps] == [1, 2, 4] and steps[-1].upper is None


def test_max_tasks_defaults_to_shards_and_a_larger_minimum_is_refused() -> None:
    published = StackConfig(worker=WorkerConfig(image_published=True))
    assert scaling_bounds(published, max_consumers=3).max_tasks == 3
    explicit = StackConfig(
        worker=WorkerConfig(min_tasks=1, fargate_base=1, max_tasks=7, image_published=True)
    )
    assert scaling_bounds(explicit, max_consumers=3).max_tasks == 7
    too_many = StackConfig(worker=WorkerConfig(min_tasks=5, fargate_base=1))
    with pytest.raises(ConfigError, match="STREAMFLIX_WORKER_MIN_TASKS"):
        scaling_bounds(too_many, max_consumers=2)


# --- outputs -----------------------------------------------------------------------------------


def test_runtime_outputs_are_published_and_described(stack: StackView) -> None:
    expected = {
        "ecs_cluster_name",
        "ecs_service_name",
        "workers_security_group_id",
        "worker_task_definition_family",
        "migrate_task_definition_family",
        "ecr_repository_url",
        "dlq_url",
        "dlq_arn",
        "alerts_topic_arn",
        "trail_name",
        "trail_bucket_name",
        "dashboard_name",
        "worker_log_group_name",
        "container_insights_log_group_name",
        "trail_log_group_name",
        "exec_log_group_name",
    }
    outputs = stack.outputs
    assert expected <= set(outputs)
    for name in expected:
        assert len(outputs[name]["description"]) > 10, name
    assert outputs["ecr_repository_url"]["value"] == ref(
        stack, REPO, "/registry/repository", "repository_url"
    )
    assert outputs["alerts_topic_arn"]["value"] == topic_arn(stack)


def _synth_compute(worker: WorkerConfig, max_consumers: int = 2) -> dict[str, dict[str, Any]]:
    """In-process synth of the compute and scaling constructs alone (no full-stack synth)."""
    from cdktf import App, TerraformStack, Testing

    from lib.constructs.compute import Compute, WorkerWiring
    from lib.constructs.encryption import EncryptionKeys
    from lib.constructs.scaling import WorkerScaling
    from lib.context import StackContext
    from lib.naming import Namer

    config = StackConfig(environment_suffix="qa2", worker=worker)
    scope = TerraformStack(App(), "compute-only")
    ctx = StackContext(config=config, namer=Namer("qa2"), account_id="111122223333")
    keys = EncryptionKeys(scope, "encryption", ctx)
    wiring = WorkerWiring("s", "b", "arn:secret", "h", 5432, "d", "url", "arn:t")
    compute = Compute(
        scope,
        "compute",
        ctx,
        keys,
        image="repo:tag",
        wiring=wiring,
        access=PLACEHOLDER_ACCESS,
        subnet_ids=["subnet-a"],
        security_group_id="sg-a",
    )
    WorkerScaling(scope, "scaling", ctx, compute, stream_name="s", max_consumers=max_consumers)
    keys.finalize()
    return dict(json.loads(Testing.synth(scope))["resource"])


def test_first_deploy_runs_no_task_and_pins_scaling_at_zero_until_the_image_exists() -> None:
    """Issue 12 item 7: STREAMFLIX_WORKER_IMAGE_PUBLISHED=false (stage 1 of the first deploy)
    starts nothing that could trip the circuit breaker; autoscaling cannot start tasks either."""
    unpublished = WorkerConfig(image_published=False)
    assert unpublished.running_min_tasks == 0
    assert WorkerConfig(image_published=True).running_min_tasks == 1
    # Issue 20 item 4: the safe path is the default one (a plain deploy of a new environment).
    assert WorkerConfig() == unpublished
    assert scaling_bounds(StackConfig(worker=unpublished), max_consumers=2) == ScalingBounds(0, 0)
    resources = _synth_compute(unpublished)
    (service,) = resources["aws_ecs_service"].values()
    assert service["desired_count"] == 0
    (target,) = resources["aws_appautoscaling_target"].values()
    assert (target["min_capacity"], target["max_capacity"]) == (0, 0)


def test_once_the_image_is_published_scaling_raises_the_service_to_its_minimum() -> None:
    """Stage 3 (STREAMFLIX_WORKER_IMAGE_PUBLISHED=true): the minimum is min_tasks again, so
    Application Auto Scaling moves the desired count (ignored by Terraform after creation) into
    the range."""
    resources = _synth_compute(WorkerConfig(image_published=True))
    (service,) = resources["aws_ecs_service"].values()
    assert service["desired_count"] == WorkerConfig().min_tasks
    assert "desired_count" in service["lifecycle"]["ignore_changes"]
    (target,) = resources["aws_appautoscaling_target"].values()
    assert target["min_capacity"] == WorkerConfig().min_tasks >= 1


def test_enabling_exec_opens_exec_on_the_service_and_grants_its_channels() -> None:
    """In-process synth of the compute construct alone with STREAMFLIX_ECS_EXEC on."""
    resources = _synth_compute(WorkerConfig(enable_exec=True))
    (service,) = resources["aws_ecs_service"].values()
    assert service["enable_execute_command"] is True
    (task_policy,) = [p for n, p in resources["aws_iam_role_policy"].items() if "task_policy" in n]
    sids = grants(task_policy)
    assert sids["EcsExecChannels"] == (
        {
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        },
        {"*"},
    )
    (exec_group,) = [n for n in resources["aws_cloudwatch_log_group"] if "exec_logs" in n]
    assert sids["EcsExecSessionLogs"][1] == {
        f"${{aws_cloudwatch_log_group.{exec_group}.arn}}",
        f"${{aws_cloudwatch_log_group.{exec_group}.arn}}:log-stream:*",
    }
