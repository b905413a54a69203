"""Negative cases moto cannot produce, with botocore's Stubber and the AWS API reference's shapes.

- moto confirms every SNS subscription at once: a "PendingConfirmation" one (SNS API reference,
  ListSubscriptionsByTopic) cannot be made there.
- moto's CancelRotateSecret refuses a secret without a rotation Lambda, although RDS-managed
  secrets have none, and it stamps LastRotatedDate with the current time: rotation disabled or
  overdue (Secrets Manager API reference, DescribeSecret) cannot be made there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from compliance.collect import alerts, secrets
from compliance.collect.context import Context
from compliance.collect.design import Design
from compliance.collect.model import Finding

ACCOUNT = "123456789012"
SECRET = f"arn:aws:secretsmanager:eu-central-1:{ACCOUNT}:secret:rds!cluster-abc-AbCdEf"


@pytest.fixture
def stubs() -> Iterator[dict[str, Stubber]]:
    made: dict[str, Stubber] = {}
    with ExitStack() as stack:
        for service in ("sns", "cloudwatch", "rds", "secretsmanager", "cloudtrail"):
            client = boto3.client(
                service,
                region_name="eu-central-1",
                aws_access_key_id="x",
                aws_secret_access_key="x",
                endpoint_url="http://127.0.0.1:9",
            )
            made[service] = stack.enter_context(Stubber(client))
        yield made


def context(stubs: dict[str, Stubber], now: datetime) -> Context:
    return Context(lambda s: stubs[s].client, ACCOUNT, "eu-central-1", now, 7)


def by_check(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.check.id, []).append(f)
    return out


def test_a_pending_subscription_does_not_count(
    stubs: dict[str, Stubber], design: Design, now: datetime
) -> None:
    topic = f"arn:aws:sns:eu-central-1:{ACCOUNT}:{design.topic_name}"
    stubs["sns"].add_response(
        "list_subscriptions_by_topic",
        {
            "Subscriptions": [
                {
                    "SubscriptionArn": "PendingConfirmation",
                    "Owner": ACCOUNT,
                    "Protocol": "email",
                    "Endpoint": "oncall@example.com",
                    "TopicArn": topic,
                }
            ]
        },
    )
    alarms = [
        {
            "AlarmName": a.name,
            "AlarmArn": f"arn:aws:cloudwatch:eu-central-1:{ACCOUNT}:alarm:{a.name}",
            "ActionsEnabled": True,
            "StateValue": "OK",
            "AlarmActions": [topic] if a.actions_to_topic else ["arn:aws:x"] * a.action_count,
        }
        for a in design.alarms
    ]
    stubs["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": alarms})
    found = by_check(alerts.collect(context(stubs, now), design))
    (sub,) = found["alerts.subscription"]
    assert sub.satisfied is False
    assert sub.observed == {
        "confirmed_subscriptions": 0,
        "pending_subscriptions": 1,
        "protocols": [],
    }
    assert all(f.satisfied for f in found["alerts.alarm"])


def _secret_responses(stubs: dict[str, Stubber], design: Design, secret: dict[str, Any]) -> None:
    stubs["rds"].add_response(
        "describe_db_clusters",
        {
            "DBClusters": [
                {
                    "DBClusterIdentifier": design.cluster_id,
                    "DBClusterArn": f"arn:aws:rds:eu-central-1:{ACCOUNT}:cluster:{design.cluster_id}",
                    "MasterUserSecret": {"SecretArn": SECRET, "SecretStatus": "active"},
                }
            ]
        },
    )
    stubs["secretsmanager"].add_response(
        "describe_secret", {"ARN": SECRET, "Name": "rds!x", **secret}
    )
    for _ in range(2):  # RotationSucceeded, RotationFailed
        stubs["cloudtrail"].add_response("lookup_events", {"Events": []})


@pytest.mark.parametrize(
    ("case", "secret"),
    [
        ("rotation disabled", {"RotationEnabled": False}),
        (
            "rotation overdue",
            {"RotationEnabled": True, "RotationRules": {"AutomaticallyAfterDays": 30}},
        ),
        (
            "schedule changed to 90 days",
            {"RotationEnabled": True, "RotationRules": {"AutomaticallyAfterDays": 90}},
        ),
    ],
)
def test_rotation_disabled_overdue_or_rescheduled_is_not_satisfied(
    case: str, secret: dict[str, Any], stubs: dict[str, Stubber], design: Design, now: datetime
) -> None:
    age = timedelta(days=45 if case == "rotation overdue" else 3)
    _secret_responses(stubs, design, {**secret, "LastRotatedDate": now - age})
    found = by_check(secrets.collect(context(stubs, now), design))
    (rotation,) = found["secrets.rotation"]
    assert rotation.satisfied is False, case
    assert rotation.resource_arn == SECRET
    (events,) = found["secrets.rotation-events"]
    assert events.satisfied is False  # no RotationSucceeded in the period either
    assert events.sampling is not None and events.sampling.population == 0


NEW, OLD = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE", "EXAMPLE2-90ab-cdef-fedc-ba987EXAMPLE"


@pytest.mark.parametrize(
    ("stages", "unfinished"),
    [
        ({NEW: ["AWSPENDING"], OLD: ["AWSCURRENT"]}, [NEW]),
        ({NEW: ["AWSCURRENT", "AWSPENDING"], OLD: ["AWSPREVIOUS"]}, []),
        ({NEW: ["AWSCURRENT"], OLD: ["AWSPREVIOUS"]}, []),
    ],
)
def test_the_secret_itself_shows_whether_the_last_rotation_finished(
    stages: dict[str, list[str]],
    unfinished: list[str],
    stubs: dict[str, Stubber],
    design: Design,
    now: datetime,
) -> None:
    """A rotation that failed leaves a version labelled AWSPENDING without AWSCURRENT
    (DescribeSecret VersionIdsToStages), even when enabled, on schedule and recently rotated."""
    secret = {
        "RotationEnabled": True,
        "RotationRules": {"AutomaticallyAfterDays": design.rotation_days},
        "LastRotatedDate": now - timedelta(days=3),
        "VersionIdsToStages": stages,
    }
    _secret_responses(stubs, design, secret)
    (rotation,) = by_check(secrets.collect(context(stubs, now), design))["secrets.rotation"]
    assert rotation.observed["UnfinishedRotation"] == unfinished
    assert rotation.satisfied is (not unfinished)
