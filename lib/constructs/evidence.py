"""Operating evidence over a period: a WORM evidence store and the scheduled collection into it.

``EvidenceStore``: ``streamflix-evidence-<account>-<suffix>``, a SecureBucket (private, versioned,
SSE-KMS, TLS-only, access-logged) with S3 Object Lock in GOVERNANCE mode and a default retention
of ``STREAMFLIX_EVIDENCE_RETENTION_DAYS`` (the audit period plus a year). Its policy denies
deleting object versions, bypassing governance retention and changing retention or legal holds
to every principal except the identity that deploys the stack (``cdktf destroy`` empties the
bucket with the bypass header), and denies any write of evidence that could overwrite a key
(``If-None-Match: *`` is required, S3 conditional writes).

``ScheduledCollection``: an EventBridge Scheduler schedule (``rate(N hours)``, daily by default)
runs ``python -m compliance.collect.scheduled`` as a Fargate task in the private subnets. Its
task role holds the collector's read-only policy (compliance/collector-policy.json) plus
writing new evidence objects and reading the published design; nothing else. When the evidence
signing key exists (issue 21) ``signing_key_arn`` adds ``kms:Sign`` on that key alone. A run
that does not store its evidence (schedule, task start, collection or upload failed) leaves the
``CollectionsStored`` metric empty and the missed-run alarm notifies the alerts topic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.scheduler_schedule import (
    SchedulerSchedule,
    SchedulerScheduleFlexibleTimeWindow,
    SchedulerScheduleTarget,
    SchedulerScheduleTargetEcsParameters,
    SchedulerScheduleTargetEcsParametersNetworkConfiguration,
    SchedulerScheduleTargetRetryPolicy,
)
from constructs import Construct

from core.evidence_layout import (
    DESIGN_PREFIX,
    ENV_BUCKET,
    ENV_ENVIRONMENT,
    ENV_SIGNING_KEY,
    EVIDENCE_PREFIX,
    METRIC_DIMENSION,
    METRIC_NAMESPACE,
    METRIC_STORED,
)
from lib.collector_image import source_tag as collector_tag
from lib.constructs.alarms import AlarmSpec, Metric, build_alarm, notify
from lib.constructs.collector_role import collector_statements
from lib.constructs.encryption import EncryptionKeys
from lib.constructs.logs import encrypted_log_group
from lib.constructs.secure_bucket import BucketSpec, Lifecycle, ObjectLock, SecureBucket
from lib.constructs.worker_roles import ECS_TASKS, role_with_inline_policy
from lib.context import StackContext
from lib.iam import Statement, service_trust

SCHEDULER = "scheduler.amazonaws.com"
COLLECTOR_CONTAINER = "collector"
COLLECTOR_COMMAND = ("python", "-m", "compliance.collect.scheduled")
COLLECTOR_USER = "10001:10001"
COLLECTOR_CPU = "512"
COLLECTOR_MEMORY = "1024"
TMP_VOLUME = "tmp"
TMP_DIR = "/tmp"  # the task's own scratch volume (read-only root filesystem)
# A run that cannot start (capacity, throttling) is retried for up to an hour, then counts as
# missed: the alarm and the period report show it.
RETRY_ATTEMPTS = 3
RETRY_MAX_AGE_S = 3600
# Versions of evidence nobody but the deployer may remove or unlock.
PROTECTED_ACTIONS = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:BypassGovernanceRetention",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
)


def worm_statements(bucket_arn: str, deployer_arn: str) -> list[Statement]:
    """Only the deploying identity may delete versions or bypass governance (destroy does);
    nobody may write evidence over an existing key (S3 conditional writes: s3:if-none-match)."""
    return [
        Statement(
            "OnlyTheDeployerRemovesEvidence",
            PROTECTED_ACTIONS,
            (f"{bucket_arn}/*",),
            effect="Deny",
            principal="*",
            condition={"ArnNotEquals": {"aws:PrincipalArn": deployer_arn}},
        ),
        Statement(
            "EvidenceIsNeverOverwritten",
            ("s3:PutObject",),
            (f"{bucket_arn}/{EVIDENCE_PREFIX}/*",),
            effect="Deny",
            principal="*",
            condition={"Null": {"s3:if-none-match": "true"}},
        ),
    ]


class EvidenceStore(Construct):
    """The WORM evidence store: a ``SecureBucket`` with Object Lock (governance) for
    ``STREAMFLIX_EVIDENCE_RETENTION_DAYS`` and a policy that lets only the deployer shorten or
    bypass retention (see the module docstring).

    Inputs: ``ctx`` (names, account, ``ctx.config.evidence``), ``keys`` (the data key),
    ``access_log_bucket`` (where its access logs go) and ``deployer_arn`` (the identity that
    deploys and destroys the stack).
    """

    lock_days: int
    """The default Object Lock retention in days."""
    bucket: SecureBucket
    """The bucket (``arn`` and ``name`` are its ARN and name)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        keys: EncryptionKeys,
        *,
        access_log_bucket: SecureBucket,
        deployer_arn: str,
    ):
        super().__init__(scope, id_)
        cfg = ctx.config.evidence
        name = ctx.namer.name("evidence", ctx.account_id)
        self.lock_days = cfg.lock_days
        self.bucket = SecureBucket(
            self,
            "bucket",
            BucketSpec(
                name=name,
                kms_key_arn=keys.data.arn,
                # Objects leave only after their lock ends; Standard-IA after 30 days (read
                # rarely: by the period report and the auditor).
                lifecycle=Lifecycle(
                    noncurrent_expiration_days=1,
                    transition_to_ia_days=30,
                    expiration_days=cfg.lock_days,
                ),
                access_log_bucket=access_log_bucket,
                access_log_prefix="evidence/",
                extra_policy_statements=tuple(
                    s.render() for s in worm_statements(f"arn:aws:s3:::{name}", deployer_arn)
                ),
                object_lock=ObjectLock(cfg.lock_days),
            ),
        )

    @property
    def arn(self) -> str:
        return self.bucket.arn

    @property
    def name(self) -> str:
        return self.bucket.name


@dataclass(frozen=True)
class CollectionWiring:
    """What the scheduled task runs in and writes to."""

    cluster_arn: str
    repository_url: str
    repository_arn: str
    subnet_ids: Sequence[str]
    security_group_id: str
    store: EvidenceStore
    topic_arns: Sequence[str]
    # Issue 21's KMS asymmetric key (streamflix-evidence-signing-<suffix>): kms:Sign for the task.
    signing_key_arn: str | None = None
    # What the task needs in its subnets before the schedule may start it (the VPC endpoints).
    network_ready: Sequence[ITerraformDependable] = ()


def task_statements(
    ctx: StackContext, bucket_arn: str, data_key_arn: str, signing_key_arn: str | None
) -> list[Statement]:
    """The collector's read-only policy, writing new evidence, reading the design: nothing else."""
    via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com"}}
    statements = [
        *collector_statements(),
        Statement("WriteNewEvidence", ("s3:PutObject",), (f"{bucket_arn}/{EVIDENCE_PREFIX}/*",)),
        Statement("ReadPublishedDesign", ("s3:GetObject",), (f"{bucket_arn}/{DESIGN_PREFIX}/*",)),
        Statement(
            "EncryptEvidenceWithDataKey",
            ("kms:GenerateDataKey", "kms:Decrypt"),
            (data_key_arn,),
            condition=via_s3,
        ),
        Statement(
            "PublishRunStored",
            ("cloudwatch:PutMetricData",),
            ("*",),
            condition={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
            wildcard_reason="PutMetricData has no resource type; fenced to our namespace",
        ),
    ]
    if signing_key_arn is not None:
        statements.append(Statement("SignEvidence", ("kms:Sign",), (signing_key_arn,)))
    return statements


def container(
    ctx: StackContext, image: str, bucket: str, log_group: str, signing_key_arn: str | None
) -> dict[str, Any]:
    env = {
        ENV_BUCKET: bucket,
        ENV_ENVIRONMENT: ctx.config.environment_suffix,
        "AWS_REGION": ctx.region,
        "TMPDIR": TMP_DIR,
    }
    if signing_key_arn is not None:
        env[ENV_SIGNING_KEY] = signing_key_arn
    return {
        "name": COLLECTOR_CONTAINER,
        "image": image,
        "essential": True,
        "command": list(COLLECTOR_COMMAND),
        "user": COLLECTOR_USER,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "mountPoints": [{"sourceVolume": TMP_VOLUME, "containerPath": TMP_DIR, "readOnly": False}],
        "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": ctx.region,
                "awslogs-stream-prefix": COLLECTOR_CONTAINER,
            },
        },
    }


class ScheduledCollection(Construct):
    """The scheduled evidence collector: an EventBridge Scheduler schedule that starts the
    collector image as a Fargate task in the private subnets every
    ``STREAMFLIX_EVIDENCE_SCHEDULE_HOURS``, its three least-privilege roles (ECS agent, task,
    scheduler), its encrypted log group, and an alarm when no run was stored in one interval.

    Inputs: ``ctx`` (names, account, region, ``ctx.config.evidence``), ``keys`` (the data key:
    logs, schedule and evidence encryption) and ``wiring`` (``CollectionWiring``: the cluster,
    the image repository, the subnets and security group, the evidence store, the alarm topics,
    the signing key and what the task's network needs first).
    """

    log_group: CloudwatchLogGroup
    """The collector task's log group."""
    execution_role: IamRole
    """The ECS agent's role: pull the collector image, write its logs."""
    task_role: IamRole
    """The collector's own role: read-only checks, write new evidence, sign it."""
    image: str
    """The collector image: ``<repository>:collector-<digest of its build inputs>``."""
    task_definition: EcsTaskDefinition
    """The collector's Fargate task definition."""
    scheduler_role: IamRole
    """EventBridge Scheduler's role: start the collector task and pass its roles, nothing else."""
    schedule: SchedulerSchedule
    """The schedule."""
    missed_alarm: CloudwatchMetricAlarm
    """Raised when no run was stored within one schedule interval."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        keys: EncryptionKeys,
        wiring: CollectionWiring,
    ):
        super().__init__(scope, id_)
        self._policies: dict[str, IamRolePolicy] = {}  # by role construct path
        names = ctx.namer
        cfg = ctx.config.evidence
        family = names.name("collector-task")
        self.log_group = encrypted_log_group(self, "logs", names.name("collector-logs"), keys)
        self.execution_role = self._execution_role(ctx, wiring)
        self.task_role = self._task_role(ctx, keys, wiring)
        self.image = f"{wiring.repository_url}:{collector_tag()}"
        self.task_definition = self._task_definition(ctx, family, wiring)
        self.scheduler_role = self._scheduler_role(ctx, keys, family, wiring)
        self.schedule = self._schedule(ctx, keys, wiring)
        self.missed_alarm = build_alarm(
            self,
            "missed_alarm",
            ctx,
            missed_run_alarm(ctx.config.environment_suffix, cfg.schedule_hours),
            **notify(*wiring.topic_arns),
        )

    def _execution_role(self, ctx: StackContext, wiring: CollectionWiring) -> IamRole:
        return self._role(
            ctx,
            "execution",
            "ECS agent: pull the collector image, write its logs",
            service_trust(ECS_TASKS, ctx.account_id),
            [
                Statement(
                    "PullCollectorImage",
                    (
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ),
                    (wiring.repository_arn,),
                ),
                Statement(
                    "GetRegistryToken",
                    ("ecr:GetAuthorizationToken",),
                    ("*",),
                    wildcard_reason="GetAuthorizationToken is account-wide; it has no resource type",
                ),
                Statement(
                    "WriteCollectorLogs",
                    ("logs:CreateLogStream", "logs:PutLogEvents"),
                    (f"{self.log_group.arn}:log-stream:*",),
                ),
            ],
        )

    def _task_role(
        self, ctx: StackContext, keys: EncryptionKeys, wiring: CollectionWiring
    ) -> IamRole:
        return self._role(
            ctx,
            "task",
            "Scheduled evidence collector: read-only checks, write new evidence only",
            service_trust(ECS_TASKS, ctx.account_id, source_arn=ctx.arn("ecs", "*")),
            task_statements(ctx, wiring.store.arn, keys.data.arn, wiring.signing_key_arn),
        )

    def _task_definition(
        self, ctx: StackContext, family: str, wiring: CollectionWiring
    ) -> EcsTaskDefinition:
        return EcsTaskDefinition(
            self,
            "task",
            family=family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            cpu=COLLECTOR_CPU,
            memory=COLLECTOR_MEMORY,
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            # ECS checks the roles when tasks start (policies/ordering.py, ROLE).
            depends_on=[
                self._policies[self.execution_role.node.path],
                self._policies[self.task_role.node.path],
            ],
            volume=[EcsTaskDefinitionVolume(name=TMP_VOLUME)],
            container_definitions=json.dumps(
                [
                    container(
                        ctx,
                        self.image,
                        wiring.store.name,
                        self.log_group.name,
                        wiring.signing_key_arn,
                    )
                ]
            ),
        )

    def _scheduler_role(
        self, ctx: StackContext, keys: EncryptionKeys, family: str, wiring: CollectionWiring
    ) -> IamRole:
        task_definitions = ctx.arn("ecs", f"task-definition/{family}:*")
        return self._role(
            ctx,
            "scheduler",
            "EventBridge Scheduler: start the collector task, nothing else",
            service_trust(SCHEDULER, ctx.account_id),
            [
                Statement(
                    "RunCollectorTask",
                    ("ecs:RunTask",),
                    (task_definitions,),
                    condition={"ArnEquals": {"ecs:cluster": wiring.cluster_arn}},
                ),
                Statement(
                    "PassCollectorRoles",
                    ("iam:PassRole",),
                    (self.execution_role.arn, self.task_role.arn),
                    condition={"StringEquals": {"iam:PassedToService": ECS_TASKS}},
                ),
                Statement(
                    "DecryptScheduleWithDataKey",
                    ("kms:Decrypt",),
                    (keys.data.arn,),
                    condition={
                        "StringEquals": {"kms:ViaService": f"scheduler.{ctx.region}.amazonaws.com"}
                    },
                ),
            ],
        )

    def _schedule(
        self, ctx: StackContext, keys: EncryptionKeys, wiring: CollectionWiring
    ) -> SchedulerSchedule:
        names, cfg = ctx.namer, ctx.config.evidence
        return SchedulerSchedule(
            self,
            "schedule",
            # The scheduler assumes its role and starts tasks in private subnets with no NAT
            # (policies/ordering.py, ROLE and PLACEMENT).
            depends_on=[self._policies[self.scheduler_role.node.path], *wiring.network_ready],
            name=names.name("collector-schedule"),
            description="Collect operating evidence into the WORM evidence store",
            schedule_expression=schedule_expression(cfg.schedule_hours),
            flexible_time_window=SchedulerScheduleFlexibleTimeWindow(mode="OFF"),
            kms_key_arn=keys.data.arn,
            state="ENABLED",
            target=SchedulerScheduleTarget(
                arn=wiring.cluster_arn,
                role_arn=self.scheduler_role.arn,
                retry_policy=SchedulerScheduleTargetRetryPolicy(
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                    maximum_event_age_in_seconds=RETRY_MAX_AGE_S,
                ),
                ecs_parameters=SchedulerScheduleTargetEcsParameters(
                    task_definition_arn=self.task_definition.arn_without_revision,
                    launch_type="FARGATE",
                    platform_version="LATEST",
                    task_count=1,
                    network_configuration=SchedulerScheduleTargetEcsParametersNetworkConfiguration(
                        subnets=list(wiring.subnet_ids),
                        security_groups=[wiring.security_group_id],
                        assign_public_ip=False,
                    ),
                ),
            ),
        )

    def _role(
        self,
        ctx: StackContext,
        kind: str,
        description: str,
        trust: str,
        statements: list[Statement],
    ) -> IamRole:
        # Construct ids "<kind>_identity"/"<kind>_permissions": distinct from the workers'
        # "<kind>_role" paths, which readers find by that fragment.
        role, policy = role_with_inline_policy(
            self,
            ctx,
            (f"{kind}_identity", f"{kind}_permissions"),
            f"collector-{kind}",
            description,
            trust,
            statements,
        )
        self._policies[role.node.path] = policy
        return role


def schedule_expression(hours: int) -> str:
    """EventBridge Scheduler rate expression (``rate(1 hour)`` singular, else ``hours``)."""
    return "rate(1 hour)" if hours == 1 else f"rate({hours} hours)"


def missed_run_alarm(environment: str, schedule_hours: int) -> AlarmSpec:
    """No stored run within one schedule interval: missing data breaches (no run = no data)."""
    return AlarmSpec(
        component="alarm-evidence-missed",
        description=(
            f"No operating-evidence run was stored in the last {schedule_hours} h: the schedule, "
            "the collector task or its upload failed. Read the collector log group, fix the "
            "cause and run the task once by hand; the period report shows the day as a deviation."
        ),
        comparison="LessThanThreshold",
        threshold=1,
        evaluation_periods=1,
        treat_missing_data="breaching",
        metric=Metric(
            METRIC_NAMESPACE,
            METRIC_STORED,
            {METRIC_DIMENSION: environment},
            "Sum",
            schedule_hours * 3600,
        ),
    )
