"""Issue 3, monitoring: every operator alarm, the rotation-failure rule, the dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lib.config import StackConfig
from lib.constructs.alarms import AlarmSpec, AlarmSpecError, Metric
from lib.constructs.monitoring import max_connections
from tests.conftest import StackView
from tests.infra_helpers import SUFFIX, alarm, data_key_arn, ref, statements, topic_arn

CFG = StackConfig()
STREAM = {"StreamName": f"streamflix-kinesis-{SUFFIX}"}
DB = {"DBClusterIdentifier": f"streamflix-db-{SUFFIX}"}
SERVICE = {
    "ClusterName": f"streamflix-cluster-{SUFFIX}",
    "ServiceName": f"streamflix-workers-{SUFFIX}",
}
MAX_MEMORY = int(CFG.database.max_acu * 2 * 1024**3)

# alarm -> (namespace, metric, dimensions, statistic, comparison, threshold)
SINGLE_METRIC_ALARMS: dict[str, tuple[str, str, dict[str, str], str, str, float]] = {
    "dlq-visible": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": f"streamflix-dlq-{SUFFIX}"},
        "Maximum",
        "GreaterThanThreshold",
        0,
    ),
    "events-dlq-visible": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": f"streamflix-events-dlq-{SUFFIX}"},
        "Maximum",
        "GreaterThanThreshold",
        0,
    ),
    "iterator-age": (
        "AWS/Kinesis",
        "GetRecords.IteratorAgeMilliseconds",
        STREAM,
        "Maximum",
        "GreaterThanThreshold",
        CFG.alarms.iterator_age_ms,
    ),
    "write-throttled": (
        "AWS/Kinesis",
        "WriteProvisionedThroughputExceeded",
        STREAM,
        "Sum",
        "GreaterThanThreshold",
        0,
    ),
    "read-throttled": (
        "AWS/Kinesis",
        "ReadProvisionedThroughputExceeded",
        STREAM,
        "Sum",
        "GreaterThanThreshold",
        0,
    ),
    # issue 23: worker health, from the worker's own metrics (one dimension, Environment)
    "shard-stuck": (
        "StreamFlix/Worker",
        "ShardConsumerCrashed",
        {"Environment": SUFFIX},
        "Sum",
        "GreaterThanThreshold",
        0,
    ),
    "duplicates": (
        "StreamFlix/Worker",
        "JobsDuplicate",
        {"Environment": SUFFIX},
        "Sum",
        "GreaterThanThreshold",
        500,
    ),
    "tasks-below-min": (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        SERVICE,
        "Minimum",
        "LessThanThreshold",
        CFG.worker.running_min_tasks,  # 0 until the image is published: nothing to miss
    ),
    "db-cpu": ("AWS/RDS", "CPUUtilization", DB, "Average", "GreaterThanThreshold", 80),
    "db-acu": ("AWS/RDS", "ACUUtilization", DB, "Average", "GreaterThanThreshold", 90),
    "db-connections": (
        "AWS/RDS",
        "DatabaseConnections",
        DB,
        "Maximum",
        "GreaterThanThreshold",
        int(8 * 1024**3 // 9_531_392 * 0.8),
    ),
    "db-memory": (
        "AWS/RDS",
        "FreeableMemory",
        DB,
        "Minimum",
        "LessThanThreshold",
        int(MAX_MEMORY * 0.1),
    ),
}
OPERATOR_ALARMS = (*SINGLE_METRIC_ALARMS, "error-rate")


def _alarm(stack: StackView, short: str) -> dict[str, Any]:
    return alarm(stack, f"streamflix-alarm-{short}-{SUFFIX}")


@pytest.mark.parametrize("short", sorted(SINGLE_METRIC_ALARMS))
def test_operator_alarm_watches_the_right_metric_and_threshold(
    stack: StackView, short: str
) -> None:
    namespace, metric, dims, stat, comparison, threshold = SINGLE_METRIC_ALARMS[short]
    a = _alarm(stack, short)
    assert (a["namespace"], a["metric_name"], a["dimensions"], a["statistic"]) == (
        namespace,
        metric,
        dims,
        stat,
    )
    assert (a["comparison_operator"], a["threshold"]) == (comparison, threshold)


@pytest.mark.parametrize("short", OPERATOR_ALARMS)
def test_operator_alarm_pages_the_topic_on_alarm_and_ok_and_says_what_to_do(
    stack: StackView, short: str
) -> None:
    a = _alarm(stack, short)
    assert a["alarm_actions"] == [topic_arn(stack)]
    assert a["ok_actions"] == [topic_arn(stack)]
    assert a["actions_enabled"] is True
    assert len(a["alarm_description"]) >= 60


def test_error_rate_is_metric_math_over_the_worker_metrics(stack: StackView) -> None:
    a = _alarm(stack, "error-rate")
    assert (a["comparison_operator"], a["threshold"]) == (
        "GreaterThanThreshold",
        CFG.alarms.error_rate_percent,
    )
    queries = {q["id"]: q for q in a["metric_query"]}
    assert queries["e1"]["expression"] == (
        "IF((processed + failed) > 0, 100 * failed / (processed + failed), 0)"
    )
    assert queries["e1"]["return_data"] is True
    for qid, name in (("processed", "JobsProcessed"), ("failed", "JobsFailed")):
        metric = queries[qid]["metric"]
        assert (metric["namespace"], metric["metric_name"], metric["stat"]) == (
            "StreamFlix/Worker",
            name,
            "Sum",
        )
        assert metric["dimensions"] == {"Environment": SUFFIX}
        assert queries[qid]["return_data"] is False


def test_missing_task_metrics_count_as_no_tasks(stack: StackView) -> None:
    assert _alarm(stack, "tasks-below-min")["treat_missing_data"] == "breaching"


def test_db_connection_limit_follows_the_aurora_formula() -> None:
    assert max_connections(4) == 901
    assert max_connections(0.5) == 112
    assert max_connections(256) == 5000


def test_every_alarm_in_the_stack_acts(stack: StackView) -> None:
    """Paging alarms notify the topic on ALARM and OK; scaling alarms drive a scaling policy."""
    topic = topic_arn(stack)
    for name, a in stack.of_type("aws_cloudwatch_metric_alarm").items():
        assert a["actions_enabled"] is True, name
        if a["alarm_actions"] == [topic]:
            assert a["ok_actions"] == [topic], name
        else:
            (action,) = a["alarm_actions"]
            assert action.startswith("${aws_appautoscaling_policy."), name


def test_an_alarm_spec_without_guidance_is_refused() -> None:
    metric = Metric("AWS/SQS", "NumberOfMessagesSent", {}, "Sum")
    with pytest.raises(AlarmSpecError, match="what to do"):
        AlarmSpec("alarm-dlq-visible", "DLQ", "GreaterThanThreshold", 0, 1, metric=metric)
    with pytest.raises(AlarmSpecError, match="exactly one"):
        AlarmSpec("alarm-dlq-visible", "x" * 50 + ".", "GreaterThanThreshold", 0, 1)
    with pytest.raises(AlarmSpecError, match="comparison"):
        AlarmSpec("alarm-dlq-visible", "x" * 50 + ".", "Above", 0, 1, metric=metric)


def test_rotation_failure_rule_sends_our_secrets_failures_to_the_topic(stack: StackView) -> None:
    rule = stack.one("aws_cloudwatch_event_rule")
    assert rule["name"] == f"streamflix-rotation-failed-{SUFFIX}"
    cluster = stack.by_path("aws_rds_cluster", "/database/cluster")["//"]["metadata"]["uniqueId"]
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "eventName": ["RotationFailed"],
            "additionalEventData": {
                "SecretId": [f"${{aws_rds_cluster.{cluster}.master_user_secret[0].secret_arn}}"]
            },
        },
    }
    target = stack.one("aws_cloudwatch_event_target")
    assert target["rule"] == ref(
        stack, "aws_cloudwatch_event_rule", "/monitoring/rotation_failed", "name"
    )
    assert target["arn"] == topic_arn(stack)
    assert "rotation FAILED" in target["input_transformer"]["input_template"]
    # The message names the secret from where the RotationFailed service event carries it.
    assert target["input_transformer"]["input_paths"] == {
        "secret": "$.detail.additionalEventData.SecretId",
        "time": "$.time",
    }


def test_dashboard_covers_stream_workers_dlq_and_database(stack: StackView) -> None:
    dashboard = stack.one("aws_cloudwatch_dashboard")
    assert dashboard["dashboard_name"] == f"streamflix-dashboard-{SUFFIX}"
    widgets = json.loads(dashboard["dashboard_body"])["widgets"]
    metrics = {(row[0], row[1]) for w in widgets for row in w["properties"]["metrics"]}
    assert {
        ("AWS/Kinesis", "IncomingRecords"),
        ("AWS/Kinesis", "GetRecords.Records"),
        ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds"),
        ("ECS/ContainerInsights", "RunningTaskCount"),
        ("StreamFlix/Worker", "JobsProcessed"),
        ("StreamFlix/Worker", "JobsFailed"),
        ("StreamFlix/Worker", "JobsDeadLettered"),
        ("StreamFlix/Worker", "ProcessingLatency"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/RDS", "CPUUtilization"),
        ("AWS/RDS", "ACUUtilization"),
        ("AWS/RDS", "DatabaseConnections"),
        ("AWS/RDS", "FreeableMemory"),
    } <= metrics
    assert all(w["properties"]["region"] == "eu-central-1" for w in widgets)
    positions = [(w["x"], w["y"]) for w in widgets]
    assert len(set(positions)) == len(positions), "widgets overlap"


def test_rotation_alerts_eventbridge_cannot_deliver_go_to_our_encrypted_dlq(
    stack: StackView,
) -> None:
    """Issue 12 item 1: failed deliveries are kept (encrypted, ours) instead of vanishing."""
    queue = stack.by_path("aws_sqs_queue", "/monitoring/events_dlq")
    assert queue["name"] == f"streamflix-events-dlq-{SUFFIX}"
    assert queue["kms_master_key_id"] == data_key_arn(stack)
    queue_arn = ref(stack, "aws_sqs_queue", "/monitoring/events_dlq", "arn")
    target = stack.one("aws_cloudwatch_event_target")
    assert target["dead_letter_config"] == {"arn": queue_arn}
    policy = stack.by_path("aws_sqs_queue_policy", "/monitoring/events_dlq_policy")
    assert policy["queue_url"] == ref(stack, "aws_sqs_queue", "/monitoring/events_dlq", "url")
    sids = statements(policy)
    assert set(sids) == {"EventBridgeRuleDeadLetters", "DenyInsecureTransport"}
    send = sids["EventBridgeRuleDeadLetters"]
    assert send["Principal"] == {"Service": "events.amazonaws.com"}
    assert send["Action"] == ["sqs:SendMessage"] and send["Resource"] == [queue_arn]
    rule_arn = ref(stack, "aws_cloudwatch_event_rule", "/monitoring/rotation_failed", "arn")
    assert send["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}


def test_failed_rule_invocations_page_through_the_topic(stack: StackView) -> None:
    a = _alarm(stack, "rule-failed")
    assert (a["namespace"], a["metric_name"], a["statistic"]) == (
        "AWS/Events",
        "FailedInvocations",
        "Sum",
    )
    assert a["dimensions"] == {"RuleName": f"streamflix-rotation-failed-{SUFFIX}"}
    assert (a["comparison_operator"], a["threshold"]) == ("GreaterThanThreshold", 0)
    assert a["treat_missing_data"] == "notBreaching"
    assert a["alarm_actions"] == [topic_arn(stack)] == a["ok_actions"]


def test_operator_texts_match_how_the_worker_logs_in(stack: StackView) -> None:
    """Workers sign an IAM token (no secret injected, no password), so neither the rotation
    rule nor the tasks-below-minimum alarm may send the on-call person looking for one."""
    task_defs = stack.of_type("aws_ecs_task_definition").values()
    containers = [c for t in task_defs for c in json.loads(t["container_definitions"])]
    assert not any(c.get("secrets") for c in containers)
    (rule,) = stack.of_type("aws_cloudwatch_event_rule").values()
    assert "workers keep" not in rule["description"]
    assert "migrate task" in rule["description"]
    below = _alarm(stack, "tasks-below-min")
    assert "secret errors" not in below["alarm_description"]
