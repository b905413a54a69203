"""Operator alarms for the pipeline, and the secret-rotation failure rule.

Every alarm pages through the alerts topic on ALARM and on OK, and its description says what it
means and what to do first. Thresholds come from configuration where the issue names a knob
(iterator age, error rate) and otherwise from the capacity the stack was built with (minimum
tasks, maximum ACU); ``docs/runtime.md`` explains each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetInputTransformer,
)
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from lib.constructs.alarms import AlarmSpec, build_alarm, notify
from lib.constructs.alarms import Metric as AlarmMetric
from lib.constructs.encryption import EncryptionKeys
from lib.constructs.failure_handling import encrypted_queue
from lib.context import StackContext
from lib.iam import Statement
from lib.worker_contract import METRIC_DIMENSION, METRICS_NAMESPACE, Metric

GIB = 1024**3
ACU_MEMORY_BYTES = 2 * GIB  # one Aurora capacity unit is ~2 GiB of memory
# Aurora PostgreSQL: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000).
PG_BYTES_PER_CONNECTION = 9_531_392
PG_MAX_CONNECTIONS_CAP = 5000
CONNECTIONS_ALARM_FRACTION = 0.8
FREE_MEMORY_ALARM_FRACTION = 0.1
DB_CPU_PERCENT = 80.0
DB_ACU_PERCENT = 90.0
DB_PERIOD_S = 300
# Worker health (issue 23): a consumer that keeps crashing is restarted at most every 120 s,
# so a shard stuck on one batch counts ShardConsumerCrashed in every 5-minute period; a
# producer replaying its backlog shows as hundreds of JobsDuplicate in 5 minutes, where
# at-least-once producers repeat a few records after their own retries.
SHARD_STUCK_PERIODS = 2
DUPLICATES_PER_5_MIN = 500
# Every metric the worker emits, and the alarm that watches it (an ``alarm_specs`` key) or why
# none does. tests/test_worker_contract.py fails on a contract metric missing here, so a new
# outcome cannot ship without an alarm decision.
WORKER_METRIC_ALARMS: dict[Metric, str] = {
    Metric.JOBS_PROCESSED: "error_rate",
    Metric.JOBS_FAILED: "error_rate",
    Metric.JOBS_RETRIED: "none: transient retries are normal; exhausted ones fail the job and "
    "count in error_rate",
    Metric.JOBS_DEAD_LETTERED: "none: dlq_visible alarms on the queue itself, which also holds "
    "letters this metric never saw (a restarted worker's, a redrive's)",
    Metric.JOBS_DUPLICATE: "duplicates",
    Metric.JOBS_DUPLICATE_CHANGED: "none: a correction is kept for the operator's redrive "
    "--latest, not an incident; the dashboard shows the rate",
    Metric.SHARD_CONSUMER_CRASHED: "shard_stuck",
    Metric.PROCESSING_LATENCY: "none: slow jobs show as stream lag, which iterator_age alarms on",
    Metric.MILLIS_BEHIND_LATEST: "none: the stream's own lag metric drives iterator_age",
}
NO_ALARM = "none: "  # prefix of a decision not to alarm, followed by the reason
ROTATION_RULE = "rotation-failed"  # naming component of the EventBridge rule
EVENTS_DLQ = "events-dlq"  # where EventBridge puts alerts it could not deliver


def max_connections(max_acu: float) -> int:
    """The connection limit Aurora derives from the memory at the maximum capacity."""
    return min(PG_MAX_CONNECTIONS_CAP, int(max_acu * ACU_MEMORY_BYTES) // PG_BYTES_PER_CONNECTION)


@dataclass(frozen=True)
class MonitoredResources:
    """Names of what the alarms watch (plain strings: they are metric dimensions)."""

    stream_name: str
    dlq_name: str
    cluster_name: str
    service_name: str
    db_cluster_id: str
    secret_arn: str


def alarm_specs(ctx: StackContext, r: MonitoredResources) -> dict[str, AlarmSpec]:
    """Every operator alarm, by construct id."""
    cfg = ctx.config
    stream = {"StreamName": r.stream_name}
    db = {"DBClusterIdentifier": r.db_cluster_id}
    worker = {METRIC_DIMENSION: cfg.environment_suffix}
    service = {"ClusterName": r.cluster_name, "ServiceName": r.service_name}
    max_memory = int(cfg.database.max_acu * ACU_MEMORY_BYTES)
    connections = int(max_connections(cfg.database.max_acu) * CONNECTIONS_ALARM_FRACTION)

    def kinesis(name: str, stat: str) -> AlarmMetric:
        return AlarmMetric("AWS/Kinesis", name, stream, stat)

    def rds(name: str, stat: str) -> AlarmMetric:
        return AlarmMetric("AWS/RDS", name, db, stat, DB_PERIOD_S)

    def jobs(name: Metric) -> AlarmMetric:
        # a plain str: jsii would pass an Enum member on as a jsii enum reference
        return AlarmMetric(METRICS_NAMESPACE, str(name), worker, "Sum", 300)

    return {
        "rule_failed": AlarmSpec(
            "alarm-rule-failed",
            "EventBridge could not deliver a secret-rotation-failure alert to the alerts "
            f"topic. Read the {ctx.namer.name(EVENTS_DLQ)} queue (the event, with ERROR_CODE "
            "and ERROR_MESSAGE attributes), fix the topic or key policy, then check the "
            "database secret's rotation status. See docs/runtime.md 'Where failures go'.",
            "GreaterThanThreshold",
            0,
            1,
            # AWS/Events sends FailedInvocations only when it is not zero (EventBridge User
            # Guide, "Monitoring Amazon EventBridge"): missing data is the healthy case.
            metric=AlarmMetric(
                "AWS/Events",
                "FailedInvocations",
                {"RuleName": ctx.namer.name(ROTATION_RULE)},
                "Sum",
            ),
        ),
        "events_dlq_visible": AlarmSpec(
            "alarm-events-dlq-visible",
            "An alert EventBridge could not deliver is waiting in the "
            f"{ctx.namer.name(EVENTS_DLQ)} queue. Read it (the event, ERROR_CODE and "
            "ERROR_MESSAGE), act on the alert it carries, fix the delivery, then delete it.",
            "GreaterThanThreshold",
            0,
            1,
            metric=AlarmMetric(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": ctx.namer.name(EVENTS_DLQ)},
                "Maximum",
            ),
        ),
        "dlq_visible": AlarmSpec(
            "alarm-dlq-visible",
            "Jobs were dead-lettered (permanent error or retries used up). Read the DLQ "
            "messages (video id, reason, attempts), fix the cause, then re-submit the jobs and "
            "delete the messages. See docs/runtime.md 'Where failures go'.",
            "GreaterThanThreshold",
            0,
            1,
            metric=AlarmMetric(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": r.dlq_name},
                "Maximum",
            ),
        ),
        "iterator_age": AlarmSpec(
            "alarm-iterator-age",
            f"Workers are more than {cfg.alarms.iterator_age_ms} ms behind the stream. Check "
            "the running task count (at maximum? raise STREAMFLIX_WORKER_MAX_TASKS or add "
            "shards), the error-rate alarm and the worker logs. Records expire after the "
            "stream's retention.",
            "GreaterThanThreshold",
            cfg.alarms.iterator_age_ms,
            5,
            datapoints_to_alarm=3,
            metric=kinesis("GetRecords.IteratorAgeMilliseconds", "Maximum"),
        ),
        "write_throttled": AlarmSpec(
            "alarm-write-throttled",
            "Producers are throttled writing to the stream (1 MiB/s or 1,000 records/s per "
            "shard). Raise STREAMFLIX_PEAK_UPLOADS_PER_SECOND (more shards) or switch to "
            "ON_DEMAND; check for a hot partition key.",
            "GreaterThanThreshold",
            0,
            5,
            datapoints_to_alarm=3,
            metric=kinesis("WriteProvisionedThroughputExceeded", "Sum"),
        ),
        "read_throttled": AlarmSpec(
            "alarm-read-throttled",
            "Readers are throttled (2 MiB/s or 5 GetRecords/s per shard, shared by all "
            "consumers). Check for extra consumers or a worker polling too fast; add shards or "
            "use enhanced fan-out.",
            "GreaterThanThreshold",
            0,
            5,
            datapoints_to_alarm=3,
            metric=kinesis("ReadProvisionedThroughputExceeded", "Sum"),
        ),
        "error_rate": AlarmSpec(
            "alarm-error-rate",
            f"More than {cfg.alarms.error_rate_percent:g}% of jobs failed in 5 minutes "
            f"({Metric.JOBS_FAILED} / ({Metric.JOBS_PROCESSED} + {Metric.JOBS_FAILED})). Read the "
            "worker log group for the failing reason and the DLQ for the affected videos.",
            "GreaterThanThreshold",
            cfg.alarms.error_rate_percent,
            1,
            expression=("IF((processed + failed) > 0, 100 * failed / (processed + failed), 0)"),
            inputs={
                "processed": jobs(Metric.JOBS_PROCESSED),
                "failed": jobs(Metric.JOBS_FAILED),
            },
        ),
        "shard_stuck": AlarmSpec(
            "alarm-shard-stuck",
            "A worker's shard consumer keeps crashing on the same batch (a non-transient error: "
            "DLQ or KMS key missing or denied, stream gone, a database permission) for 10 "
            "minutes; its shard is blocked and falls behind. Read the worker log group's "
            "'shard consumer crashed' ERROR lines for the cause, fix it; the consumer resumes "
            "on its own.",
            "GreaterThanThreshold",
            0,
            SHARD_STUCK_PERIODS,
            metric=jobs(Metric.SHARD_CONSUMER_CRASHED),
        ),
        "duplicates": AlarmSpec(
            "alarm-duplicates",
            f"More than {DUPLICATES_PER_5_MIN} requests in 5 minutes were for videos already "
            f"in progress or done ({Metric.JOBS_DUPLICATE}): a producer is replaying. The worker "
            "skips them; find the producer from the 'duplicate requests skipped' log lines and "
            "the video_duplicate_requests table, and stop the replay.",
            "GreaterThanThreshold",
            DUPLICATES_PER_5_MIN,
            1,
            metric=jobs(Metric.JOBS_DUPLICATE),
        ),
        "tasks_below_min": AlarmSpec(
            "alarm-tasks-below-min",
            f"Fewer than {cfg.worker.running_min_tasks} worker task(s) running for 5 minutes. "
            "Check the "
            "service events (failed deployments roll back; image pull or IAM database login "
            "errors) and "
            "Fargate Spot capacity; the FARGATE base should keep one task.",
            "LessThanThreshold",
            cfg.worker.running_min_tasks,  # 0 before the first image: nothing to miss
            5,
            metric=AlarmMetric("ECS/ContainerInsights", "RunningTaskCount", service, "Minimum"),
            treat_missing_data="breaching",
        ),
        "db_cpu": AlarmSpec(
            "alarm-db-cpu",
            f"Aurora CPU above {DB_CPU_PERCENT:g}% for 15 minutes. Check slow queries in the "
            "PostgreSQL log group and Database Insights; raise the maximum ACU if it is load.",
            "GreaterThanThreshold",
            DB_CPU_PERCENT,
            3,
            metric=rds("CPUUtilization", "Average"),
        ),
        "db_acu": AlarmSpec(
            "alarm-db-acu",
            f"Aurora is above {DB_ACU_PERCENT:g}% of its maximum capacity "
            f"({cfg.database.max_acu:g} ACU) for 15 minutes. Raise STREAMFLIX_DB_MAX_ACU or "
            "reduce the load (worker count, queries).",
            "GreaterThanThreshold",
            DB_ACU_PERCENT,
            3,
            metric=rds("ACUUtilization", "Average"),
        ),
        "db_connections": AlarmSpec(
            "alarm-db-connections",
            f"More than {connections} database connections (80% of the limit at "
            f"{cfg.database.max_acu:g} ACU). Look for connection leaks in the workers or too "
            "many tasks; raise the maximum ACU if the load is real.",
            "GreaterThanThreshold",
            connections,
            3,
            metric=rds("DatabaseConnections", "Maximum"),
        ),
        "db_memory": AlarmSpec(
            "alarm-db-memory",
            f"Aurora freeable memory below {FREE_MEMORY_ALARM_FRACTION:.0%} of the memory at "
            "maximum capacity for 15 minutes. Check connection count and work_mem-heavy "
            "queries; raise STREAMFLIX_DB_MAX_ACU.",
            "LessThanThreshold",
            int(max_memory * FREE_MEMORY_ALARM_FRACTION),
            3,
            metric=rds("FreeableMemory", "Minimum"),
        ),
    }


def rotation_failed_pattern(secret_arn: str) -> dict[str, object]:
    """Secrets Manager's RotationFailed service event for our database secret.

    Rotation outcomes are not API calls: CloudTrail records them with eventType AwsServiceEvent,
    which EventBridge delivers as "AWS Service Event via CloudTrail" from aws.secretsmanager,
    with the secret's full ARN in detail.additionalEventData.SecretId (Secrets Manager User
    Guide, "Logging ... with CloudTrail": RotationStarted/Succeeded/Failed/Abandoned; CloudTrail
    User Guide, "AWS service events"; a captured RotationFailed event shows the fields).
    RotationAbandoned (a manual PutSecretValue superseded a rotation) is not a failure and is
    left out. AWS documents these events for Lambda rotation; that managed rotation of an
    RDS-managed master secret emits RotationFailed too is not documented, so this rule is a
    best-effort signal, not proof that rotation works (AWS Config's managed rule
    secretsmanager-scheduled-rotation-success-check would be the backstop; not deployed here).
    """
    return {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "eventName": ["RotationFailed"],
            "additionalEventData": {"SecretId": [secret_arn]},
        },
    }


class Monitoring(Construct):
    """Operator alarms for the pipeline, and the rule that alerts on a failed secret rotation.

    Inputs:
        ctx: the stack context (names; ``config.alarms`` thresholds, capacity they scale to).
        keys: the stack's KMS keys (the EventBridge dead-letter queue is encrypted with them).
        resources: names of what the alarms watch (metric dimensions).
        topic_arn: the alerts topic every alarm and the rotation rule notify.
        extra_topics: existing topics notified as well (``STREAMFLIX_ALARM_TOPIC_ARN``).
        topic_policies: what grants EventBridge the right to publish to the topics (the rule's
            targets wait for them).
    """

    alarms: dict[str, CloudwatchMetricAlarm]
    """Every CloudWatch alarm, by its ``alarm_specs`` key (``WORKER_METRIC_ALARMS`` names
    the ones watching worker metrics)."""
    rotation_rule: CloudwatchEventRule
    """The EventBridge rule matching RotationFailed for the database secret."""
    events_dlq: SqsQueue
    """Where EventBridge puts the alerts it could not deliver (encrypted, alarmed on)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        keys: EncryptionKeys,
        resources: MonitoredResources,
        topic_arn: str,
        extra_topics: Sequence[str] = (),
        topic_policies: Sequence[ITerraformDependable] = (),
    ):
        super().__init__(scope, id_)
        self.alarms = {
            key: build_alarm(self, f"{key}_alarm", ctx, spec, **notify(topic_arn, *extra_topics))
            for key, spec in alarm_specs(ctx, resources).items()
        }
        self.rotation_rule = self._rotation_rule(ctx, resources.secret_arn)
        self.events_dlq, events_dlq_policy = self._events_dlq(ctx, keys)
        # Our topic, then the configured existing topic (it cannot subscribe to ours).
        targets = [("rotation_failed_to_topic", "alerts-topic", topic_arn)]
        targets += [
            ("rotation_failed_to_external_topic", "external-topic", t) for t in extra_topics
        ]
        for construct_id, target_id, arn in targets:
            # EventBridge sends through these policies (policies/ordering.py, DELIVERY).
            self._rotation_target(
                construct_id, target_id, arn, [events_dlq_policy, *topic_policies]
            )

    def _rotation_rule(self, ctx: StackContext, secret_arn: str) -> CloudwatchEventRule:
        return CloudwatchEventRule(
            self,
            "rotation_failed",
            name=ctx.namer.name(ROTATION_RULE),
            description="Database secret rotation failed: the master password did not change "
            "and the migrate task keeps using it until it is fixed; see docs/runtime.md",
            event_pattern=json.dumps(rotation_failed_pattern(secret_arn)),
        )

    def _events_dlq(
        self, ctx: StackContext, keys: EncryptionKeys
    ) -> tuple[SqsQueue, SqsQueuePolicy]:
        """EventBridge User Guide, "Using dead-letter queues to process undelivered events": the
        queue policy lets events.amazonaws.com send, for this rule only."""
        rule_arn = self.rotation_rule.arn
        return encrypted_queue(
            self,
            "events_dlq",
            ctx,
            keys,
            EVENTS_DLQ,
            senders=lambda queue_arn: (
                Statement(
                    sid="EventBridgeRuleDeadLetters",
                    principal={"Service": "events.amazonaws.com"},
                    actions=("sqs:SendMessage",),
                    resources=(queue_arn,),
                    condition={"ArnEquals": {"aws:SourceArn": rule_arn}},
                ),
            ),
        )

    def _rotation_target(
        self,
        construct_id: str,
        target_id: str,
        arn: str,
        depends_on: list[ITerraformDependable],
    ) -> None:
        """One topic the rotation-failure alert goes to, as a readable sentence."""
        CloudwatchEventTarget(
            self,
            construct_id,
            rule=self.rotation_rule.name,
            arn=arn,
            target_id=target_id,
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(arn=self.events_dlq.arn),
            depends_on=depends_on,
            input_transformer=CloudwatchEventTargetInputTransformer(
                input_paths={
                    "secret": "$.detail.additionalEventData.SecretId",
                    "time": "$.time",
                },
                input_template=(
                    '"Secrets Manager rotation FAILED for <secret> at <time>. The database '
                    "password did not change. Check the secret rotation status and the RDS "
                    'events, then rotate again (aws secretsmanager rotate-secret)."'
                ),
            ),
        )
