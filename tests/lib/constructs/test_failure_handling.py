"""Issue 3, failure handling: the dead-letter queue, the alerts topic, the retry policy."""

from __future__ import annotations

import json
from typing import Any

from streamflix_worker.config import load_config as load_worker_config

from lib.config import AlarmConfig, RetryConfig, StackConfig
from tests.conftest import StackView
from tests.infra_helpers import (
    ACCOUNT,
    SUFFIX,
    container,
    data_key_arn,
    ref,
    statements,
    topic_arn,
)


def _dlq_arn(stack: StackView) -> str:
    return ref(stack, "aws_sqs_queue", "/failure_handling/dlq", "arn")


def _assert_tls_only(statement: dict[str, Any], resource: str, actions: list[str]) -> None:
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == actions
    assert statement["Resource"] == [resource]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_dlq_keeps_failed_jobs_14_days_encrypted_with_the_data_key(stack: StackView) -> None:
    dlq = stack.by_path("aws_sqs_queue", "/failure_handling/dlq")
    assert dlq["name"] == f"streamflix-dlq-{SUFFIX}"
    assert dlq["message_retention_seconds"] == 14 * 24 * 3600
    assert dlq["kms_master_key_id"] == data_key_arn(stack)
    assert "sqs_managed_sse_enabled" not in dlq


def test_dlq_size_limit_is_explicit_and_is_the_one_the_worker_bounds_letters_to(
    stack: StackView,
) -> None:
    """Not left to SQS' default (raised to 1 MiB in 2025): the queue and the worker agree."""
    dlq = stack.by_path("aws_sqs_queue", "/failure_handling/dlq")
    assert dlq["max_message_size"] == 262_144
    task = stack.by_path("aws_ecs_task_definition", "/compute/worker_task")
    env = {e["name"]: e["value"] for e in container(task)["environment"]}
    assert env["DLQ_MAX_MESSAGE_BYTES"] == str(dlq["max_message_size"])
    assert load_worker_config(env).dlq_max_message_bytes == 262_144  # the worker accepts it


def test_dlq_policy_refuses_requests_without_tls(stack: StackView) -> None:
    policy = stack.by_path("aws_sqs_queue_policy", "/failure_handling/dlq_policy")
    assert policy["queue_url"] == ref(stack, "aws_sqs_queue", "/failure_handling/dlq", "url")
    sids = statements(policy)
    assert set(sids) == {"DenyInsecureTransport"}
    _assert_tls_only(sids["DenyInsecureTransport"], _dlq_arn(stack), ["sqs:*"])


def test_alerts_topic_is_encrypted_with_the_data_key(stack: StackView) -> None:
    topic = stack.by_path("aws_sns_topic", "/failure_handling/alerts")
    assert topic["name"] == f"streamflix-alerts-{SUFFIX}"
    assert topic["kms_master_key_id"] == data_key_arn(stack)


def test_topic_policy_lets_only_alarms_eventbridge_and_rds_events_of_this_account_publish(
    stack: StackView,
) -> None:
    policy = stack.one("aws_sns_topic_policy")
    assert policy["arn"] == topic_arn(stack)
    sids = statements(policy)
    assert set(sids) == {
        "CloudWatchAlarmsPublish",
        "EventBridgeRulesPublish",
        "RdsEventsPublish",
        "DenyInsecureTransport",
    }
    for sid, service in (
        ("CloudWatchAlarmsPublish", "cloudwatch.amazonaws.com"),
        ("EventBridgeRulesPublish", "events.amazonaws.com"),
        ("RdsEventsPublish", "events.rds.amazonaws.com"),
    ):
        statement = sids[sid]
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"Service": service}
        assert statement["Action"] == ["sns:Publish"]
        assert statement["Resource"] == [topic_arn(stack)]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    _assert_tls_only(
        sids["DenyInsecureTransport"], topic_arn(stack), ["sns:Publish", "sns:Subscribe"]
    )


def test_data_key_lets_alarms_and_eventbridge_encrypt_alert_messages(stack: StackView) -> None:
    key = statements(stack.by_path("aws_kms_key", "/encryption/data_key"))
    for sid in (
        "CloudWatchAlarmsPublishToTopic",
        "EventBridgeEncryptsForTopicAndDlq",
        "RdsEventsEncryptForTopic",
    ):
        assert set(key[sid]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert key["RdsEventsEncryptForTopic"]["Principal"] == {"Service": "events.rds.amazonaws.com"}


def test_database_failover_failure_and_maintenance_events_reach_the_alerts_topic(
    stack: StackView,
) -> None:
    """Issue 25 item 4: RDS events (not metrics) of the cluster and each instance are alerts."""
    subs = {s["source_type"]: s for s in stack.of_type("aws_db_event_subscription").values()}
    assert set(subs) == {"db-cluster", "db-instance"}
    cluster = stack.by_path("aws_rds_cluster", "/database/cluster")
    instances = stack.of_type("aws_rds_cluster_instance")
    for sub in subs.values():
        assert sub["sns_topic"] == topic_arn(stack)
        assert sub["enabled"] is True
        assert set(sub["event_categories"]) == {"failover", "failure", "maintenance"}
    (cluster_ref,) = subs["db-cluster"]["source_ids"]
    assert "aws_rds_cluster." in cluster_ref and cluster_ref.endswith(".cluster_identifier}")
    assert len(subs["db-instance"]["source_ids"]) == len(instances) == 2
    assert all(r.endswith(".identifier}") for r in subs["db-instance"]["source_ids"])
    assert cluster["cluster_identifier"] == f"streamflix-db-{SUFFIX}"


def test_eventbridge_key_grant_has_no_source_conditions_sns_rejects(stack: StackView) -> None:
    """Issue 12 item 1: SNS does not support aws:SourceAccount/aws:SourceArn in the key policy
    for EventBridge publishing to an encrypted topic; the account fence is in the topic policy."""
    key = statements(stack.by_path("aws_kms_key", "/encryption/data_key"))
    grant = key["EventBridgeEncryptsForTopicAndDlq"]
    assert grant["Principal"] == {"Service": "events.amazonaws.com"}
    assert "Condition" not in grant
    topic = statements(stack.one("aws_sns_topic_policy"))["EventBridgeRulesPublish"]
    assert topic["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_no_email_subscription_by_default(stack: StackView) -> None:
    assert AlarmConfig().emails == ()
    assert stack.of_type("aws_sns_topic_subscription") == {}


ONCALL_TOPIC = "arn:aws:sns:eu-west-1:123456789012:oncall-pager"


def _synth_alerting(alarms: AlarmConfig) -> dict[str, dict[str, Any]]:
    """A small in-process synth of the alerting constructs alone (no second full-stack synth):
    FailureHandling and Monitoring, whose alarms also notify a configured existing topic."""
    from cdktf import App, TerraformStack, Testing

    from lib.constructs.encryption import EncryptionKeys
    from lib.constructs.failure_handling import FailureHandling
    from lib.constructs.monitoring import MonitoredResources, Monitoring
    from lib.context import StackContext
    from lib.naming import Namer

    config = StackConfig(environment_suffix="qa2", alarms=alarms)
    scope = TerraformStack(App(), "alerting-only")
    ctx = StackContext(config=config, namer=Namer("qa2"), account_id="111122223333")
    keys = EncryptionKeys(scope, "encryption", ctx)
    failures = FailureHandling(scope, "failure_handling", ctx, keys)
    names = MonitoredResources("s", "d", "c", "w", "db", "arn:aws:secretsmanager:x")
    Monitoring(scope, "monitoring", ctx, keys, names, failures.topic_arn, failures.alert_topics[1:])
    keys.finalize()
    return dict(json.loads(Testing.synth(scope))["resource"])


def test_configured_emails_and_https_endpoints_subscribe_to_the_topic() -> None:
    resources = _synth_alerting(
        AlarmConfig(
            emails=("ops@example.com", "oncall@example.org"),
            https_endpoints=("https://hooks.example.com/sns",),
        )
    )
    subscriptions = resources["aws_sns_topic_subscription"].values()
    (topic_id,) = resources["aws_sns_topic"]
    assert sorted((s["protocol"], s["endpoint"]) for s in subscriptions) == [
        ("email", "oncall@example.org"),
        ("email", "ops@example.com"),
        ("https", "https://hooks.example.com/sns"),
    ]
    assert {s["topic_arn"] for s in subscriptions} == {f"${{aws_sns_topic.{topic_id}.arn}}"}


def test_an_existing_topic_gets_every_alarm_and_the_rotation_rule() -> None:
    """SNS cannot subscribe a topic to a topic: alarms and the rule publish to it directly."""
    resources = _synth_alerting(AlarmConfig(topic_arn=ONCALL_TOPIC))
    (topic_id,) = resources["aws_sns_topic"]
    ours = f"${{aws_sns_topic.{topic_id}.arn}}"
    alarms = resources["aws_cloudwatch_metric_alarm"].values()
    assert alarms
    for a in alarms:
        assert a["alarm_actions"] == [ours, ONCALL_TOPIC] == a["ok_actions"], a["alarm_name"]
    targets = resources["aws_cloudwatch_event_target"].values()
    assert sorted(t["arn"] for t in targets) == sorted([ours, ONCALL_TOPIC])
    assert len({json.dumps(t["dead_letter_config"]) for t in targets}) == 1
    assert "aws_sns_topic_subscription" not in resources


def test_retry_policy_reaches_the_workers_as_environment(stack: StackView) -> None:
    retry = RetryConfig()
    task = stack.by_path("aws_ecs_task_definition", "/compute/worker_task")
    env = {e["name"]: e["value"] for e in container(task)["environment"]}
    assert (
        env["RETRY_MAX_ATTEMPTS"],
        env["RETRY_BASE_BACKOFF_MS"],
        env["RETRY_MAX_BACKOFF_MS"],
    ) == (str(retry.max_attempts), str(retry.base_backoff_ms), str(retry.max_backoff_ms))
    assert env["DLQ_URL"] == ref(stack, "aws_sqs_queue", "/failure_handling/dlq", "url")
    assert env["ALERT_TOPIC_ARN"] == topic_arn(stack)


def test_retry_environment_follows_the_configuration_not_constants() -> None:
    from lib.constructs.compute import WorkerWiring, worker_environment
    from lib.context import StackContext
    from lib.naming import Namer

    config = StackConfig(
        retry=RetryConfig(max_attempts=7, base_backoff_ms=300, max_backoff_ms=9000)
    )
    ctx = StackContext(config=config, namer=Namer("dev"), account_id="111122223333")
    wiring = WorkerWiring("s", "b", "arn:secret", "h", 5432, "d", "url", "arn:t")
    env = worker_environment(ctx, wiring)
    assert (
        env["RETRY_MAX_ATTEMPTS"],
        env["RETRY_BASE_BACKOFF_MS"],
        env["RETRY_MAX_BACKOFF_MS"],
    ) == ("7", "300", "9000")
    assert (env["DLQ_URL"], env["ALERT_TOPIC_ARN"], env["ENVIRONMENT"]) == ("url", "arn:t", "dev")
