"""Where failed work and alerts go: the dead-letter queue and the alerts topic.

Workers retry a failed job with capped exponential backoff (``retry`` config, passed to them as
environment); when the attempts are used up, or the error is permanent, they send the job to the
DLQ and publish to the topic. CloudWatch alarms and EventBridge rules publish to the same topic.
Both are encrypted with the data key and refuse requests that do not use TLS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from lib.constructs.encryption import EncryptionKeys
from lib.context import StackContext
from lib.iam import Statement, policy_document, tls_only

DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum: two weeks to inspect and redrive
DLQ_VISIBILITY_TIMEOUT_SECONDS = 300
# Set explicitly, never left to a default: SQS raised its maximum from 256 KiB to 1 MiB in 2025
# (aws_sqs_queue ``max_message_size``: 1024 to 1048576 bytes, provider default 262144), so a
# default is not a number the worker can rely on. 256 KiB is the classic limit every SQS
# consumer and tool handles (and SNS' own limit); the worker bounds each letter to exactly
# this value, which it receives as DLQ_MAX_MESSAGE_BYTES from the same constant.
DLQ_MAX_MESSAGE_BYTES = 262_144
KMS_DATA_KEY_REUSE_SECONDS = 300  # fewer KMS calls; 5 minutes is the AWS default
# Services that publish alerts to the topic on this account's behalf.
TOPIC_PUBLISHERS: dict[str, str] = {
    "CloudWatchAlarmsPublish": "cloudwatch.amazonaws.com",
    "EventBridgeRulesPublish": "events.amazonaws.com",
    # RDS event subscriptions (lib.constructs.db_events; Aurora User Guide, "Granting permissions
    # to publish notifications to an Amazon SNS topic": events.rds.amazonaws.com, sns:Publish).
    "RdsEventsPublish": "events.rds.amazonaws.com",
}


def encrypted_queue(
    scope: Construct,
    id_: str,
    ctx: StackContext,
    keys: EncryptionKeys,
    component: str,
    senders: Callable[[str], Sequence[Statement]] = lambda _arn: (),
    max_message_size: int | None = None,
) -> tuple[SqsQueue, SqsQueuePolicy]:
    """A two-week dead-letter queue encrypted with the data key, TLS only; ``senders`` gives the
    statements (from the queue ARN) of the AWS services that may send to it;
    ``max_message_size`` the queue's message-size limit in bytes where its writer bounds to it.
    Returns the queue and its policy: a sender configured on the queue depends on the policy."""
    queue = SqsQueue(
        scope,
        id_,
        name=ctx.namer.name(component),
        max_message_size=max_message_size,
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        visibility_timeout_seconds=DLQ_VISIBILITY_TIMEOUT_SECONDS,
        kms_master_key_id=keys.data.arn,
        kms_data_key_reuse_period_seconds=KMS_DATA_KEY_REUSE_SECONDS,
    )
    policy = SqsQueuePolicy(
        scope,
        f"{id_}_policy",
        queue_url=queue.url,
        policy=policy_document(
            [
                *senders(queue.arn),
                tls_only("DenyInsecureTransport", ("sqs:*",), (queue.arn,)),
            ]
        ),
    )
    return queue, policy


class FailureHandling(Construct):
    """Where failed work and alerts go: the encrypted dead-letter queue and the encrypted alerts
    topic with its subscriptions (e-mail, HTTPS) and its publish policy.

    Inputs: ``ctx`` (names, ``ctx.config.alarms``: the recipients) and ``keys`` (the data key).
    """

    dlq: SqsQueue
    """The dead-letter queue the workers send exhausted or permanently failed jobs to."""
    dlq_policy: SqsQueuePolicy
    """The queue's TLS-only policy."""
    topic: SnsTopic
    """The alerts topic (``topic_arn`` is its ARN)."""
    topic_policy: SnsTopicPolicy
    """Who may publish to the topic (our alarms, rules and RDS events, this account only)."""
    alert_topics: tuple[str, ...]
    """Every topic an alert goes to: ours, then ``STREAMFLIX_ALARM_TOPIC_ARN`` when set."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext, keys: EncryptionKeys):
        super().__init__(scope, id_)
        names = ctx.namer
        self.dlq, self.dlq_policy = encrypted_queue(
            self, "dlq", ctx, keys, "dlq", max_message_size=DLQ_MAX_MESSAGE_BYTES
        )

        self.topic = SnsTopic(
            self,
            "alerts",
            name=names.name("alerts"),
            display_name="StreamFlix alerts",
            kms_master_key_id=keys.data.arn,
        )
        publishers = [
            Statement(
                sid=sid,
                principal={"Service": service},
                actions=("sns:Publish",),
                resources=(self.topic.arn,),
                condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
            )
            for sid, service in TOPIC_PUBLISHERS.items()
        ]
        # What grants EventBridge and CloudWatch the right to publish: their targets depend on it.
        self.topic_policy = SnsTopicPolicy(
            self,
            "alerts_policy",
            arn=self.topic.arn,
            policy=policy_document(
                [
                    *publishers,
                    tls_only(
                        "DenyInsecureTransport", ("sns:Publish", "sns:Subscribe"), (self.topic.arn,)
                    ),
                ]
            ),
        )
        alarms = ctx.config.alarms
        # Every recipient is a subscription of the alerts topic. E-mail and HTTPS subscriptions
        # stay pending until the recipient confirms (SNS mails a link / POSTs a
        # SubscriptionConfirmation with a SubscribeURL).
        for protocol, endpoints in (("email", alarms.emails), ("https", alarms.https_endpoints)):
            for index, endpoint in enumerate(endpoints):
                SnsTopicSubscription(
                    self,
                    f"{protocol}_{index}",
                    topic_arn=self.topic.arn,
                    protocol=protocol,
                    endpoint=endpoint,
                )
        # An existing topic cannot subscribe to ours (SNS delivers to endpoints, not topics), so
        # whatever publishes to the alerts topic publishes to it as well (``alert_topics``).
        self.alert_topics: tuple[str, ...] = (self.topic.arn,) + (
            (alarms.topic_arn,) if alarms.topic_arn else ()
        )

    @property
    def topic_arn(self) -> str:
        return self.topic.arn
