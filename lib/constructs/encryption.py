"""Customer-managed KMS keys with explicit, least-privilege key policies.

Two keys: ``data`` (stream, database, secrets, buckets, queues, topics, ECR) and ``logs``
(CloudWatch Logs, CloudTrail). Service principals may use a key only for their own resources in
this account and region (``kms:ViaService`` / encryption-context / ``aws:SourceAccount``
conditions), except where AWS documents that a condition breaks the service (EventBridge
delivering to an encrypted SNS topic): such a grant must say why in ``no_condition_reason``. Rotation is on; the deletion window is the 7-day minimum so destroy can finish.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from core.policy_numbers import POLICY
from lib.context import StackContext

KEY_DELETION_WINDOW_DAYS = POLICY.kms_deletion_window_days
KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]

# Services that encrypt with the data key on behalf of principals in this account.
DATA_KEY_VIA_SERVICES = ("kinesis", "s3", "rds", "secretsmanager", "sqs", "sns", "ecr", "backup")


@dataclass(frozen=True)
class ServiceGrant:
    """A statement letting an AWS service principal use a key, fenced by conditions."""

    sid: str
    service: str  # e.g. "cloudwatch.amazonaws.com"
    actions: tuple[str, ...]
    condition: dict[str, Any] = field(default_factory=dict)
    no_condition_reason: str = ""  # why AWS allows no fence here (required without a condition)

    def __post_init__(self) -> None:
        if not self.condition and len(self.no_condition_reason) < 10:
            raise ValueError(
                f"ServiceGrant {self.sid}.condition: a service principal must be fenced by a "
                "condition, or no_condition_reason (>= 10 characters) must say why AWS allows none"
            )

    def statement(self) -> dict[str, Any]:
        stmt: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Principal": {"Service": self.service},
            "Action": list(self.actions),
            "Resource": "*",  # in a key policy "*" means "this key"
        }
        if self.condition:
            stmt["Condition"] = self.condition
        return stmt


def account_administers(account: str) -> dict[str, Any]:
    """The statement every customer key starts with: the account administers the key through IAM.

    Without it a key whose other statements name no administrator becomes unmanageable (AWS KMS
    "default key policy"); every key policy in the stack reuses this one statement.
    """
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def key_policy(ctx: StackContext, via_services: tuple[str, ...], grants: list[ServiceGrant]) -> str:
    """Account root administers the key (required so IAM can delegate); use is fenced."""
    account, region = ctx.account_id, ctx.config.region
    statements: list[dict[str, Any]] = [account_administers(account)]
    if via_services:
        statements.append(
            {
                "Sid": "AccountPrincipalsUseThroughServices",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [*KEY_USE_ACTIONS, "kms:CreateGrant", "kms:ListGrants"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": account,
                        "kms:ViaService": [f"{svc}.{region}.amazonaws.com" for svc in via_services],
                    }
                },
            }
        )
    statements.extend(g.statement() for g in grants)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def data_key_grants(account: str) -> list[ServiceGrant]:
    """The services that use the data key for what they deliver (before other constructs add
    theirs)."""
    return [
        # CloudWatch alarms publish to the encrypted alert topic (conditions supported).
        ServiceGrant(
            "CloudWatchAlarmsPublishToTopic",
            "cloudwatch.amazonaws.com",
            ("kms:Decrypt", "kms:GenerateDataKey*"),
            {"StringEquals": {"aws:SourceAccount": account}},
        ),
        # EventBridge encrypts what it delivers to the alert topic and to its dead-letter
        # queue with this key. Amazon SNS Developer Guide, "Key management" ("Enabling
        # compatibility between event sources from AWS services and encrypted topics"):
        # aws:SourceAccount / aws:SourceArn in the KMS key policy are not supported for
        # EventBridge targets; with them every delivery fails. The account fence lives in
        # the topic policy (TOPIC_PUBLISHERS) and the queue policy (aws:SourceArn = our rule).
        ServiceGrant(
            "EventBridgeEncryptsForTopicAndDlq",
            "events.amazonaws.com",
            ("kms:Decrypt", "kms:GenerateDataKey*"),
            no_condition_reason="SNS does not support aws:SourceAccount/aws:SourceArn in the "
            "key policy for EventBridge; fenced in the topic and queue policies instead",
        ),
        # RDS event subscriptions publish to the encrypted alert topic (SNS Developer
        # Guide, "Key management", compatibility with AWS event sources: the key policy
        # must let events.rds.amazonaws.com use the key). The account fence is the topic
        # policy's aws:SourceAccount (TOPIC_PUBLISHERS), as for EventBridge: that the key
        # policy condition is honoured for RDS events is not documented, and a wrong fence
        # here would drop every database alert silently.
        ServiceGrant(
            "RdsEventsEncryptForTopic",
            "events.rds.amazonaws.com",
            ("kms:Decrypt", "kms:GenerateDataKey*"),
            no_condition_reason="the account fence for RDS events is the topic policy's "
            "aws:SourceAccount; a key-policy condition is not documented for them",
        ),
    ]


def logs_key_grants(account: str, region: str) -> list[ServiceGrant]:
    """CloudWatch Logs (our log groups only) and CloudTrail (our trails only) on the logs key."""
    return [
        ServiceGrant(
            "CloudWatchLogsEncryptsOurLogGroups",
            f"logs.{region}.amazonaws.com",
            tuple(KEY_USE_ACTIONS),
            {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"
                }
            },
        ),
        ServiceGrant(
            "CloudTrailEncryptsTrailLogs",
            "cloudtrail.amazonaws.com",
            ("kms:GenerateDataKey*",),
            {
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account}:trail/*"
                },
                "StringEquals": {"aws:SourceAccount": account},
            },
        ),
        ServiceGrant(
            "CloudTrailDescribesKey",
            "cloudtrail.amazonaws.com",
            ("kms:DescribeKey",),
            {"StringEquals": {"aws:SourceAccount": account}},
        ),
    ]


class EncryptionKeys(Construct):
    """The stack's customer-managed keys, rotated yearly: ``data`` (data at rest) and ``logs``
    (CloudWatch Logs and CloudTrail). Other constructs add service grants before synth;
    ``finalize`` renders both key policies from them.

    Inputs: ``ctx`` (names, account, region).
    """

    data_grants: list[ServiceGrant]
    """Services allowed to use the data key (constructs append theirs)."""
    logs_grants: list[ServiceGrant]
    """Services allowed to use the logs key."""
    data: KmsKey
    """The data key: stream, database, secrets, buckets, queues, topics, images."""
    logs: KmsKey
    """The logs key: CloudWatch Logs and CloudTrail."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext):
        super().__init__(scope, id_)
        self._ctx = ctx
        self.data_grants = data_key_grants(ctx.account_id)
        self.logs_grants = logs_key_grants(ctx.account_id, ctx.config.region)
        self.data = self._key(
            "data",
            "StreamFlix data at rest: stream, database, secrets, buckets, queues, topics, images",
        )
        self.logs = self._key("logs", "StreamFlix logs: CloudWatch Logs and CloudTrail")

    def _key(self, role: str, description: str) -> KmsKey:
        key = KmsKey(
            self,
            f"{role}_key",
            description=description,
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
        )
        KmsAlias(
            self,
            f"{role}_key_alias",
            name=self._ctx.namer.alias(f"{role}-key"),
            target_key_id=key.key_id,
        )
        return key

    def finalize(self) -> None:
        """Render the key policies once every construct has added its grants."""
        self.data.policy = key_policy(self._ctx, DATA_KEY_VIA_SERVICES, self.data_grants)
        self.logs.policy = key_policy(self._ctx, (), self.logs_grants)
