"""The ECS Fargate workers: cluster, task definitions (run + migrate) and the service.

The worker container runs as an unprivileged user (10001) with a read-only root filesystem,
all Linux capabilities dropped and a scratch volume at /scratch for the files it must write.
``stopTimeout`` is 120 s (the Fargate maximum) so a Spot interruption's SIGTERM leaves time to
drain (the worker drains within ``DRAIN_TIMEOUT_SECONDS`` = 90). The service runs in the private
subnets without a public IP, mixes a FARGATE base with weighted FARGATE_SPOT, and rolls back a
deployment whose tasks fail to start. Its environment is the worker contract
(``lib.worker_contract.Env``, the names ``streamflix_worker.config`` reads) in
``worker_environment``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.ecs_cluster import (
    EcsCluster,
    EcsClusterConfiguration,
    EcsClusterConfigurationExecuteCommandConfiguration,
    EcsClusterConfigurationExecuteCommandConfigurationLogConfiguration,
    EcsClusterConfigurationManagedStorageConfiguration,
    EcsClusterSetting,
)
from cdktf_cdktf_provider_aws.ecs_cluster_capacity_providers import (
    EcsClusterCapacityProviders,
    EcsClusterCapacityProvidersDefaultCapacityProviderStrategy,
)
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsService,
    EcsServiceCapacityProviderStrategy,
    EcsServiceDeploymentCircuitBreaker,
    EcsServiceNetworkConfiguration,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import Construct

from lib.config import WorkerConfig
from lib.constructs.encryption import EncryptionKeys, ServiceGrant
from lib.constructs.failure_handling import DLQ_MAX_MESSAGE_BYTES
from lib.constructs.logs import encrypted_log_group
from lib.constructs.worker_roles import WorkerAccess, WorkerGrants, WorkerRoles
from lib.context import StackContext
from lib.worker_contract import METRICS_NAMESPACE, RUN_TASK_ONLY, WORKER_DB_USER, Env

CONTAINER_NAME = "worker"
CONTAINER_USER = "10001:10001"
STOP_TIMEOUT_S = 120  # Fargate maximum; a Spot interruption gives 120 s after SIGTERM
SCRATCH_VOLUME = "scratch"
SCRATCH_DIR = "/scratch"
LEASE_TTL_SECONDS = 30
DRAIN_TIMEOUT_SECONDS = 90  # < STOP_TIMEOUT_S: the worker hands shards back before SIGKILL
RUN_COMMAND = ("run",)  # the image's ENTRYPOINT is ``python -m streamflix_worker``
MIGRATE_COMMAND = ("migrate",)
CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


def container_insights_log_group_name(cluster_name: str) -> str:
    """The group ECS writes Container Insights performance events to (name fixed by AWS)."""
    return f"/aws/ecs/containerinsights/{cluster_name}/performance"


@dataclass(frozen=True)
class WorkerWiring:
    """Where the worker's inputs live; becomes its environment (the worker contract)."""

    stream_name: str
    uploads_bucket: str
    db_secret_arn: str
    db_host: str
    db_port: int
    db_name: str
    dlq_url: str
    alert_topic_arn: str


def worker_environment(ctx: StackContext, wiring: WorkerWiring) -> dict[str, str]:
    """Every environment variable the worker task sets (``contract.set_by_run_task()``)."""
    retry = ctx.config.retry
    return {
        Env.STREAM_NAME: wiring.stream_name,
        Env.UPLOADS_BUCKET: wiring.uploads_bucket,
        # its own login with an IAM auth token: the worker never sees the master secret
        Env.DB_AUTH: "iam",
        Env.DB_USER: WORKER_DB_USER,
        Env.DB_HOST: wiring.db_host,
        Env.DB_PORT: str(wiring.db_port),
        Env.DB_NAME: wiring.db_name,
        Env.DB_SSLMODE: "verify-full",
        Env.DLQ_URL: wiring.dlq_url,
        Env.DLQ_MAX_MESSAGE_BYTES: str(DLQ_MAX_MESSAGE_BYTES),  # the queue's own setting
        Env.ALERT_TOPIC_ARN: wiring.alert_topic_arn,
        Env.RETRY_MAX_ATTEMPTS: str(retry.max_attempts),
        Env.RETRY_BASE_BACKOFF_MS: str(retry.base_backoff_ms),
        Env.RETRY_MAX_BACKOFF_MS: str(retry.max_backoff_ms),
        Env.METRICS_NAMESPACE: METRICS_NAMESPACE,
        Env.ENVIRONMENT: ctx.config.environment_suffix,
        Env.AWS_REGION: ctx.region,
        Env.SCRATCH_DIR: SCRATCH_DIR,
        Env.TMPDIR: SCRATCH_DIR,
        Env.LEASE_TTL_SECONDS: str(LEASE_TTL_SECONDS),
        Env.DRAIN_TIMEOUT_SECONDS: str(DRAIN_TIMEOUT_SECONDS),
    }


def migrate_environment(worker_env: dict[str, str], wiring: WorkerWiring) -> dict[str, str]:
    """The migrate task runs as the master user: password from the master secret, which only
    its role may read (the worker's IAM login variables do not apply)."""
    env = {k: v for k, v in worker_env.items() if k not in (Env.DB_AUTH, *RUN_TASK_ONLY)}
    return env | {Env.DB_AUTH: "secret", Env.DB_SECRET_ARN: wiring.db_secret_arn}


def container_definition(
    *,
    image: str,
    command: tuple[str, ...],
    environment: dict[str, str],
    log_group: str,
    region: str,
    stream_prefix: str,
) -> dict[str, Any]:
    """The hardened worker container. Nothing is injected from a secret: the worker signs an
    IAM token per connection and the migrate task reads the master secret itself, so rotation
    never leaves a stale password in an environment."""
    return {
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "command": list(command),
        "user": CONTAINER_USER,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "stopTimeout": STOP_TIMEOUT_S,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "mountPoints": [
            {"sourceVolume": SCRATCH_VOLUME, "containerPath": SCRATCH_DIR, "readOnly": False}
        ],
        "environment": [{"name": str(k), "value": v} for k, v in sorted(environment.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": stream_prefix,
                "mode": "non-blocking",  # a slow log API never blocks the worker
                "max-buffer-size": "25m",
            },
        },
    }


def capacity_strategy(cfg: WorkerConfig) -> list[tuple[str, int, int]]:
    """(provider, base, weight): a FARGATE base survives Spot shortages; Spot takes the rest."""
    return [
        ("FARGATE", cfg.fargate_base, cfg.fargate_weight),
        ("FARGATE_SPOT", 0, cfg.fargate_spot_weight),
    ]


def cluster_configuration(key_arn: str, exec_log_group: str) -> EcsClusterConfiguration:
    """Task ephemeral storage (the /scratch videos) and ECS Exec sessions use the data key;
    Exec sessions are logged to an encrypted group."""
    return EcsClusterConfiguration(
        managed_storage_configuration=EcsClusterConfigurationManagedStorageConfiguration(
            fargate_ephemeral_storage_kms_key_id=key_arn
        ),
        execute_command_configuration=EcsClusterConfigurationExecuteCommandConfiguration(
            kms_key_id=key_arn,
            logging="OVERRIDE",
            log_configuration=EcsClusterConfigurationExecuteCommandConfigurationLogConfiguration(
                cloud_watch_log_group_name=exec_log_group, cloud_watch_encryption_enabled=True
            ),
        ),
    )


def fargate_storage_grants(account_id: str, cluster_name: str) -> list[ServiceGrant]:
    """Key-policy grants Fargate needs to encrypt this cluster's task storage (AWS ECS guide:
    'Customer managed keys for Fargate ephemeral storage')."""
    context = {
        "kms:EncryptionContext:aws:ecs:clusterAccount": [account_id],
        "kms:EncryptionContext:aws:ecs:clusterName": [cluster_name],
    }
    return [
        ServiceGrant(
            "FargateEncryptsTaskStorage",
            "fargate.amazonaws.com",
            ("kms:GenerateDataKeyWithoutPlaintext",),
            {"StringEquals": context},
        ),
        ServiceGrant(
            "FargateGrantsDecryptForTaskStorage",
            "fargate.amazonaws.com",
            ("kms:CreateGrant",),
            {
                "StringEquals": context,
                "ForAllValues:StringEquals": {"kms:GrantOperations": ["Decrypt"]},
            },
        ),
    ]


class Compute(Construct):
    """The worker fleet: ECS cluster, the ``run`` and ``migrate`` task definitions, the service.

    Inputs:
        ctx: the stack context (names, region, account; ``config.worker`` sizes the tasks and
            the capacity mix, ``config.retry`` the worker's retry variables).
        keys: the stack's KMS keys; the data key encrypts the logs, task storage and ECS Exec
            sessions, and Fargate's grants on it are added to ``keys.data_grants``.
        image: ``<repository url>:<tag>`` both task definitions run.
        wiring: where the worker's inputs live; becomes its environment (the contract).
        access: the data resources the worker's IAM roles are scoped to.
        subnet_ids: the private subnets the tasks run in (no public IP).
        security_group_id: the workers' security group.
        network_ready: what must exist before a task starts in those subnets (the VPC
            endpoints: the private subnets have no NAT).
    """

    cluster_name: str
    """``streamflix-cluster-<suffix>`` (a Container Insights metric dimension)."""
    service_name: str
    """``streamflix-workers-<suffix>`` (a Container Insights metric dimension)."""
    log_group: CloudwatchLogGroup
    """The worker containers' logs and EMF metrics (KMS-encrypted, 90-day retention)."""
    exec_log_group: CloudwatchLogGroup
    """Where ECS Exec sessions are logged (always created: the cluster points at it)."""
    roles: WorkerRoles
    """The execution, task and migrate IAM roles, each least privilege."""
    insights_log_group: CloudwatchLogGroup
    """Container Insights' performance events, created before the cluster so ECS uses it."""
    cluster: EcsCluster
    """The ECS cluster (Container Insights on, task storage and Exec sessions encrypted)."""
    capacity_providers: EcsClusterCapacityProviders
    """FARGATE base + weighted FARGATE_SPOT, the cluster's default strategy."""
    task_definition: EcsTaskDefinition
    """The ``run`` task: the worker service's containers."""
    migrate_task_definition: EcsTaskDefinition
    """The one-off ``migrate`` task (runs as the master user, reads the master secret)."""
    service: EcsService
    """The workers' service in the private subnets; Auto Scaling owns its running count."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        keys: EncryptionKeys,
        *,
        image: str,
        wiring: WorkerWiring,
        access: WorkerAccess,
        subnet_ids: list[str],
        security_group_id: str,
        network_ready: Sequence[ITerraformDependable] = (),
    ):
        super().__init__(scope, id_)
        names = ctx.namer
        self.cluster_name = names.name("cluster")
        self.service_name = names.name("workers")
        self._log_groups_and_roles(ctx, keys, access)
        self._cluster(ctx, keys)
        environment = worker_environment(ctx, wiring)
        self.task_definition = self._task_definition(
            ctx, self.roles.task, "worker", names.name("worker"), image, RUN_COMMAND, environment
        )
        self.migrate_task_definition = self._task_definition(
            ctx,
            self.roles.migrate,
            "migrate",
            names.name("worker-migrate"),
            image,
            MIGRATE_COMMAND,
            migrate_environment(environment, wiring),
        )
        self.service = self._service(ctx, subnet_ids, security_group_id, network_ready)

    def _log_groups_and_roles(
        self, ctx: StackContext, keys: EncryptionKeys, access: WorkerAccess
    ) -> None:
        """The workers' log groups, and the roles scoped to them and to the data."""
        names = ctx.namer
        self.log_group = encrypted_log_group(self, "worker_logs", names.name("worker-logs"), keys)
        # Always created: the cluster's ECS Exec configuration points at it, so a session is
        # logged and encrypted the moment a service enables Exec (STREAMFLIX_ECS_EXEC).
        self.exec_log_group = encrypted_log_group(self, "exec_logs", names.name("exec-logs"), keys)
        self.roles = WorkerRoles(
            self,
            "roles",
            ctx,
            WorkerGrants(
                access=access,
                log_group_arn=self.log_group.arn,
                exec_log_group_arn=(
                    self.exec_log_group.arn if ctx.config.worker.enable_exec else None
                ),
            ),
        )

    def _cluster(self, ctx: StackContext, keys: EncryptionKeys) -> None:
        """The cluster (Container Insights, encrypted task storage and Exec sessions) and its
        capacity providers."""
        # Created before the cluster so ECS writes into our encrypted 90-day group, not into
        # one it would create unencrypted with no expiry.
        self.insights_log_group = encrypted_log_group(
            self,
            "container_insights_logs",
            container_insights_log_group_name(self.cluster_name),
            keys,
        )
        self.cluster = EcsCluster(
            self,
            "cluster",
            name=self.cluster_name,
            setting=[EcsClusterSetting(name="containerInsights", value="enabled")],
            configuration=cluster_configuration(keys.data.arn, self.exec_log_group.name),
            depends_on=[self.insights_log_group],
        )
        keys.data_grants.extend(fargate_storage_grants(ctx.account_id, self.cluster_name))
        self.capacity_providers = EcsClusterCapacityProviders(
            self,
            "capacity_providers",
            cluster_name=self.cluster.name,
            capacity_providers=list(CAPACITY_PROVIDERS),
            default_capacity_provider_strategy=[
                EcsClusterCapacityProvidersDefaultCapacityProviderStrategy(
                    capacity_provider=p, base=b, weight=w
                )
                for p, b, w in capacity_strategy(ctx.config.worker)
            ],
        )

    def _service(
        self,
        ctx: StackContext,
        subnet_ids: list[str],
        security_group_id: str,
        network_ready: Sequence[ITerraformDependable],
    ) -> EcsService:
        """The workers' service: private, Spot-weighted, rolled back when tasks cannot start."""
        cfg = ctx.config.worker
        return EcsService(
            self,
            "service",
            name=self.service_name,
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=cfg.running_min_tasks,  # 0 until the image exists (first deploy)
            platform_version="LATEST",
            capacity_provider_strategy=[
                EcsServiceCapacityProviderStrategy(capacity_provider=p, base=b, weight=w)
                for p, b, w in capacity_strategy(cfg)
            ],
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=subnet_ids, security_groups=[security_group_id], assign_public_ip=False
            ),
            deployment_circuit_breaker=EcsServiceDeploymentCircuitBreaker(
                enable=True, rollback=True
            ),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            propagate_tags="TASK_DEFINITION",
            enable_ecs_managed_tags=True,
            enable_execute_command=cfg.enable_exec,
            wait_for_steady_state=False,
            # Application Auto Scaling owns the running count after the first deployment.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["desired_count"]),
            # Private subnets have no NAT: tasks reach ECR, logs and the data only through the
            # VPC endpoints, so none starts before they exist (policies/ordering.py, PLACEMENT).
            depends_on=[self.capacity_providers, *network_ready],
        )

    def _task_definition(
        self,
        ctx: StackContext,
        task_role: IamRole,
        id_: str,
        family: str,
        image: str,
        command: tuple[str, ...],
        environment: dict[str, str],
    ) -> EcsTaskDefinition:
        """One Fargate task definition of the hardened worker container, x86_64 (Spot)."""
        cfg = ctx.config.worker
        container = container_definition(
            image=image,
            command=command,
            environment=environment,
            log_group=self.log_group.name,
            region=ctx.region,
            stream_prefix=id_,
        )
        return EcsTaskDefinition(
            self,
            f"{id_}_task",
            family=family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            cpu=str(cfg.cpu),
            memory=str(cfg.memory_mib),
            execution_role_arn=self.roles.execution.arn,
            task_role_arn=task_role.arn,
            depends_on=self.roles.policies_of(self.roles.execution, task_role),
            volume=[EcsTaskDefinitionVolume(name=SCRATCH_VOLUME)],
            container_definitions=json.dumps([container]),
        )
