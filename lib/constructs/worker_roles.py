"""The worker's three IAM roles, each least privilege on exact resource ARNs.

* The **execution role** is used by the ECS agent to start a task: pull the image from our
  repository and write the container's logs. It injects no secret.
* The **task role** is what the worker code runs as: read this stream and the uploads bucket,
  send to the DLQ, publish to the alerts topic, and connect to the database with IAM auth as its
  own login ``streamflix_worker`` (never the master user). Nothing it never calls: see
  ``UNCALLED_ACTION_REASONS`` for the few actions AWS uses on its behalf.
* The **migrate role** is the one-off ``migrate`` task's: it alone reads the master user's secret.

Keeping them apart means the application never holds image-pull or log-delivery rights, the
agent never holds data rights, and the worker never holds the master password. The statements are pure functions of ARNs so tests read them as
data; ``*`` appears only where AWS offers no resource-level permission, each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from lib.context import StackContext
from lib.iam import Statement, policy_document, service_trust

ECS_TASKS = "ecs-tasks.amazonaws.com"
# Services through which the task role uses the data key (each encrypts one of our resources).
TASK_KMS_VIA_SERVICES = ("kinesis", "s3", "sqs", "sns")
# Exactly the Kinesis calls the worker makes (supervisor: ListShards; consumer: GetShardIterator,
# GetRecords). tests/worker/test_worker_iam_calls.py records its calls and holds us to that.
STREAM_READ_ACTIONS = (
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
)
# Task-role actions the worker never calls itself as an AWS API, and why they are granted anyway.
# Every other granted action must show up in the worker's recorded API calls (same test).
UNCALLED_ACTION_REASONS = {
    "kms:Decrypt": "called by Kinesis, S3, SQS and SNS on the worker's behalf (kms:ViaService) "
    "to read encrypted records/objects and to send to the encrypted queue and topic",
    "kms:GenerateDataKey": "called by SQS and SNS on the worker's behalf (kms:ViaService) when it "
    "sends to the encrypted DLQ and publishes to the encrypted topic",
    "s3:ListBucket": "makes HeadObject/GetObject answer 404, not 403, for an upload not visible "
    "yet, so the worker retries it instead of dead-lettering it",
    "rds-db:connect": "authorizes the PostgreSQL login with an IAM token the worker signs locally "
    "(generate_db_auth_token makes no API call; locally a password stands in)",
}
EXEC_CHANNEL_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)


@dataclass(frozen=True)
class WorkerAccess:
    """The data resources the worker's roles may touch (ARNs are Terraform tokens)."""

    region: str
    stream_arn: str
    uploads_bucket_arn: str
    secret_arn: str  # the master user's secret: read by the migrate task only
    data_key_arn: str
    dlq_arn: str
    topic_arn: str
    db_user_arn: str  # arn:aws:rds-db:<region>:<account>:dbuser:<cluster id>/<WORKER_DB_USER>
    repository_arn: str


@dataclass(frozen=True)
class WorkerGrants:
    """Everything the roles are scoped to: the data resources plus the workers' log groups."""

    access: WorkerAccess
    log_group_arn: str
    exec_log_group_arn: str | None  # set when ECS Exec is enabled


def _via(region: str, *services: str) -> dict[str, dict[str, object]]:
    return {"StringEquals": {"kms:ViaService": [f"{s}.{region}.amazonaws.com" for s in services]}}


def _log_delivery(sid: str, log_group_arn: str) -> Statement:
    return Statement(
        sid,
        ("logs:CreateLogStream", "logs:PutLogEvents"),
        (log_group_arn, f"{log_group_arn}:log-stream:*"),
    )


def task_statements(grants: WorkerGrants) -> list[Statement]:
    """What the worker process may do (see the module docstring)."""
    g = grants.access
    statements = [
        Statement("ReadProcessingStream", STREAM_READ_ACTIONS, (g.stream_arn,)),
        Statement("ReadUploadedVideos", ("s3:GetObject",), (f"{g.uploads_bucket_arn}/*",)),
        # Without ListBucket, HeadObject/GetObject on a key not visible yet answer 403, not 404,
        # and the worker would dead-letter an upload that is merely late (AWS S3 API reference,
        # HeadObject, "Permissions"). Bucket ARN only; no prefix condition: requests may name
        # any key of the uploads bucket.
        Statement("SeeMissingUploadsAsNotFound", ("s3:ListBucket",), (g.uploads_bucket_arn,)),
        # Decrypt: stream records, objects. GenerateDataKey: SQS and SNS need it
        # from producers writing to encrypted queues and topics.
        Statement(
            "UseDataKeyThroughOurServices",
            ("kms:Decrypt", "kms:GenerateDataKey"),
            (g.data_key_arn,),
            condition=_via(g.region, *TASK_KMS_VIA_SERVICES),
        ),
        Statement("SendToDeadLetterQueue", ("sqs:SendMessage",), (g.dlq_arn,)),
        Statement("PublishAlerts", ("sns:Publish",), (g.topic_arn,)),
        # No cloudwatch:PutMetricData: metrics leave as EMF lines in the container's log stream,
        # written by the awslogs driver with the execution role.
        Statement("ConnectToDatabaseWithIamAuth", ("rds-db:connect",), (g.db_user_arn,)),
    ]
    if grants.exec_log_group_arn is not None:
        statements += [
            Statement(
                "EcsExecChannels",
                EXEC_CHANNEL_ACTIONS,
                ("*",),
                wildcard_reason="ssmmessages actions have no resource type",
            ),
            Statement("EcsExecSessionKey", ("kms:Decrypt",), (g.data_key_arn,)),
            _log_delivery("EcsExecSessionLogs", grants.exec_log_group_arn),
            Statement(
                "EcsExecFindLogGroup",
                ("logs:DescribeLogGroups",),
                ("*",),
                wildcard_reason="DescribeLogGroups cannot be scoped to one log group",
            ),
        ]
    return statements


def execution_statements(grants: WorkerGrants) -> list[Statement]:
    """What the ECS agent needs to start a worker task, and nothing else."""
    g = grants.access
    return [
        Statement(
            "PullWorkerImage",
            ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
            (g.repository_arn,),
        ),
        Statement(
            "GetRegistryToken",
            ("ecr:GetAuthorizationToken",),
            ("*",),
            wildcard_reason="GetAuthorizationToken is account-wide; it has no resource type",
        ),
        _log_delivery("WriteContainerLogs", grants.log_group_arn),
    ]


def migrate_statements(access: WorkerAccess) -> list[Statement]:
    """The migrate task logs in as the master user: it alone may read (and decrypt) its secret.
    Re-read after an authentication failure: the secret rotates every 30 days."""
    return [
        Statement("ReadMasterSecret", ("secretsmanager:GetSecretValue",), (access.secret_arn,)),
        Statement(
            "DecryptMasterSecret",
            ("kms:Decrypt",),
            (access.data_key_arn,),
            condition=_via(access.region, "secretsmanager"),
        ),
    ]


def role_with_inline_policy(
    scope: Construct,
    ctx: StackContext,
    ids: tuple[str, str],
    component: str,
    description: str,
    trust: str,
    statements: list[Statement],
) -> tuple[IamRole, IamRolePolicy]:
    """``streamflix-<component>-role`` with its one inline ``<component>-policy`` (construct ids
    ``ids``). The policy is returned too: whatever hands the role to a service depends on it
    (policies/ordering.py, ROLE)."""
    role = IamRole(
        scope,
        ids[0],
        name=ctx.namer.name(f"{component}-role"),
        description=description,
        assume_role_policy=trust,
    )
    policy = IamRolePolicy(
        scope,
        ids[1],
        role=role.id,
        name=ctx.namer.name(f"{component}-policy"),
        policy=policy_document(statements),
    )
    return role, policy


class WorkerRoles(Construct):
    """The worker's execution, task and migrate roles, each with one inline least-privilege policy
    (see the module docstring).

    Inputs: ``ctx`` (names, account) and ``grants`` (``WorkerGrants``: the exact resources each
    role may use).
    """

    execution: IamRole
    """The ECS agent's role: pull the image, write the logs."""
    task: IamRole
    """The worker code's role."""
    migrate: IamRole
    """The migration task's role."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext, grants: WorkerGrants):
        super().__init__(scope, id_)
        # Each role's inline policy, by the role's construct path: what hands a role to ECS waits for it.
        self._policies: dict[str, IamRolePolicy] = {}
        account = ctx.account_id
        task_trust = service_trust(ECS_TASKS, account, source_arn=ctx.arn("ecs", "*"))
        self.execution = self._role_with_policy(
            ctx,
            "execution",
            "ECS agent: pull the worker image, write its logs",
            service_trust(ECS_TASKS, account),
            execution_statements(grants),
        )
        self.task = self._role_with_policy(
            ctx,
            "task",
            "Worker code: read stream/uploads, dead-letter, alert, own DB login",
            task_trust,
            task_statements(grants),
        )
        self.migrate = self._role_with_policy(
            ctx,
            "migrate",
            "Migrate task: read the master user's secret to apply schema migrations",
            task_trust,
            migrate_statements(grants.access),
        )

    def _role_with_policy(
        self,
        ctx: StackContext,
        kind: str,
        description: str,
        trust: str,
        statements: list[Statement],
    ) -> IamRole:
        """``streamflix-worker-<kind>-role`` with its one inline ``-policy`` (construct ids
        ``<kind>_role`` and ``<kind>_policy``)."""
        role, policy = role_with_inline_policy(
            self,
            ctx,
            (f"{kind}_role", f"{kind}_policy"),
            f"worker-{kind}",
            description,
            trust,
            statements,
        )
        self._policies[role.node.path] = policy
        return role

    def policies_of(self, *roles: IamRole) -> list[IamRolePolicy]:
        """The inline policies of ``roles``: a task definition handing them to ECS depends on
        them, so no task starts with a role that cannot yet pull its image or read its data."""
        return [self._policies[role.node.path] for role in roles]
