"""Issue 20 item 3: the synthesized graph orders every creation race, written once as rules.

``policies/ordering.py`` holds the rules (ROLE, DELIVERY, PLACEMENT); the stack must satisfy them,
and each rule must catch the edge that the first apply on the emulator lost.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policies.ordering import OrderViolation, ordering_violations
from tests.conftest import StackView


def test_the_stack_leaves_no_creation_race(stack: StackView) -> None:
    assert [str(v) for v in ordering_violations(stack.data)] == []


def _drop_dependency(data: dict[str, Any], rtype: str, fragment: str, on: str) -> dict[str, Any]:
    mutated = copy.deepcopy(data)
    (body,) = [b for n, b in mutated["resource"][rtype].items() if fragment in n]
    body["depends_on"] = [d for d in body.get("depends_on", []) if not d.startswith(on)]
    return mutated


def _found(violations: list[OrderViolation]) -> set[tuple[str, str, str]]:
    return {(v.rule, v.resource.split(".")[0], v.missing.split(".")[0]) for v in violations}


@pytest.mark.parametrize(
    ("rtype", "fragment", "on", "expected"),
    [
        # S3 refuses a logging configuration until the target bucket's policy grants logging.
        (
            "aws_s3_bucket_logging",
            "uploads",
            "aws_s3_bucket_policy",
            ("DELIVERY", "aws_s3_bucket_logging", "aws_s3_bucket_policy"),
        ),
        (
            "aws_ecs_task_definition",
            "worker",
            "aws_iam_role_policy",
            ("ROLE", "aws_ecs_task_definition", "aws_iam_role_policy"),
        ),
        (
            "aws_rds_cluster_instance",
            "writer",
            "aws_iam_role_policy_attachment",
            ("ROLE", "aws_rds_cluster_instance", "aws_iam_role_policy_attachment"),
        ),
        (
            "aws_flow_log",
            "flow_log",
            "aws_iam_role_policy",
            ("ROLE", "aws_flow_log", "aws_iam_role_policy"),
        ),
        (
            "aws_backup_selection",
            "backup",
            "aws_iam_role_policy_attachment",
            ("ROLE", "aws_backup_selection", "aws_iam_role_policy_attachment"),
        ),
        (
            "aws_cloudwatch_event_target",
            "rotation_failed_to_topic",
            "aws_sns_topic_policy",
            ("DELIVERY", "aws_cloudwatch_event_target", "aws_sns_topic_policy"),
        ),
        (
            "aws_cloudwatch_event_target",
            "rotation_failed_to_topic",
            "aws_sqs_queue_policy",
            ("DELIVERY", "aws_cloudwatch_event_target", "aws_sqs_queue_policy"),
        ),
        (
            "aws_ecs_service",
            "service",
            "aws_vpc_endpoint",
            ("PLACEMENT", "aws_ecs_service", "aws_vpc_endpoint"),
        ),
    ],
)
def test_each_rule_catches_the_race_the_emulator_found(
    stack: StackView, rtype: str, fragment: str, on: str, expected: tuple[str, str, str]
) -> None:
    mutated = _drop_dependency(stack.data, rtype, fragment, on)
    assert expected in _found(ordering_violations(mutated))


def test_dependencies_count_transitively_and_through_references() -> None:
    role = "${aws_iam_role.r.arn}"
    data: dict[str, Any] = {
        "resource": {
            "aws_iam_role": {"r": {"name": "x"}},
            "aws_iam_role_policy": {"p": {"role": "${aws_iam_role.r.id}"}},
            "aws_ecs_task_definition": {
                "t": {"execution_role_arn": role, "depends_on": ["aws_iam_role_policy.p"]}
            },
            # Ordered through its reference to the task definition, which waits for the policy.
            "aws_ecs_service": {
                "ok": {"task_definition": "${aws_ecs_task_definition.t.arn}"},
            },
            "aws_flow_log": {"late": {"iam_role_arn": role}},
        }
    }
    assert [(v.rule, v.resource, v.missing) for v in ordering_violations(data)] == [
        ("ROLE", "aws_flow_log.late", "aws_iam_role_policy.p")
    ]


def test_a_role_named_inside_a_policy_document_is_not_a_role_handed_to_a_service() -> None:
    data: dict[str, Any] = {
        "resource": {
            "aws_iam_role": {"r": {"name": "x"}},
            "aws_iam_role_policy": {"p": {"role": "${aws_iam_role.r.id}"}},
            # A key policy granting the role: ordering it after the role's policy would cycle.
            "aws_kms_key": {"k": {"policy": '{"Principal": {"AWS": "${aws_iam_role.r.arn}"}}'}},
        }
    }
    assert ordering_violations(data) == []
