"""Pure pieces (no jsii): references, facts lookups, personal-data detection, subnet publicity,
policy parsing, copy-target regions and the model's invariants."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compliance.exceptions import ExceptionSet
from lib.aspects.engine import evaluate
from lib.aspects.facts import ResourceFacts, StackFacts, refs_in, stack_facts, values_at, whole_ref
from lib.aspects.model import Finding, Fix, Level, Rule, Status, ok
from lib.aspects.placement import subnet_publicity
from lib.aspects.residency import copies_stay_in_eu
from lib.aspects.tags import names_a_person, personal_data
from lib.aspects.transit import RULES as TLS_RULES
from lib.config import StackConfig

TAGS = StackConfig().required_tags()


def facts(
    resources: dict[str, dict[str, Any]],
    data: dict[str, Any] | None = None,
    region: str = "eu-central-1",
) -> StackFacts:
    return stack_facts(
        {"resource": resources, "data": data or {}, "provider": {"aws": [{"region": region}]}},
        "s",
        TAGS,
        frozenset(),
    )


def test_references_are_parsed() -> None:
    assert whole_ref("${aws_kms_key.k_1.arn}") is not None
    ref = whole_ref("${data.aws_iam_policy_document.doc.json}")
    assert ref is not None and (ref.data, ref.address) == (True, "data.aws_iam_policy_document.doc")
    assert whole_ref("${aws_s3_bucket.b.arn}/*") is None  # not a whole reference
    assert [r.address for r in refs_in({"x": ["${aws_s3_bucket.b.arn}/*", "plain"]})] == [
        "aws_s3_bucket.b"
    ]


def test_values_at_descends_blocks_and_lists() -> None:
    attrs = {"rule": [{"a": {"b": 1}}, {"a": {"b": 2}}], "one": {"c": 3}}
    assert values_at(attrs, "rule.a.b") == [1, 2]
    assert values_at(attrs, "one.c") == [3]
    assert values_at(attrs, "missing.x") == []


def test_only_our_own_kms_keys_count() -> None:
    stack = facts({"aws_kms_key": {"k": {}}})
    assert stack.is_our_key("${aws_kms_key.k.arn}")
    assert not stack.is_our_key("${aws_kms_key.other.arn}")  # not in this stack
    assert not stack.is_our_key("${aws_kms_alias.k.arn}")
    assert not stack.is_our_key("alias/aws/s3")
    assert not stack.is_our_key("${data.aws_kms_key.k.arn}")


@pytest.mark.parametrize(
    "key", ["CreatorId", "uploader_name", "created-by", "E-Mail", "UserName", "customer"]
)
def test_person_keys_are_detected(key: str) -> None:
    assert names_a_person(key)


@pytest.mark.parametrize(
    "key", ["Owner", "CostCenter", "Name", "DataClassification", "ManagedBy", "Users3", "Tier"]
)
def test_ordinary_keys_pass(key: str) -> None:
    assert not names_a_person(key)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("jane.doe@example.eu", "e-mail"),
        ("arn:aws:sts::123456789012:assumed-role/deploy/jane", "IAM user or session ARN"),
        ("creator-48213", "creator/user id"),
        ("uid:9f3a", "creator/user id"),
    ],
)
def test_personal_values_are_detected(value: str, why: str) -> None:
    reason = personal_data(value)
    assert reason is not None and why in reason


@pytest.mark.parametrize(
    "value",
    ["platform-team", "streamflix-uploads-qa1", "user-facing", "content-tracking", "customer-db"],
)
def test_ordinary_values_pass(value: str) -> None:
    assert personal_data(value) is None


def _net(route: dict[str, Any], tags: dict[str, str] | None = None) -> StackFacts:
    return facts(
        {
            "aws_subnet": {"sn": {"tags": tags or {}}},
            "aws_route_table": {"rt": {}},
            "aws_route_table_association": {
                "a": {
                    "subnet_id": "${aws_subnet.sn.id}",
                    "route_table_id": "${aws_route_table.rt.id}",
                }
            },
            "aws_route": {"r": {"route_table_id": "${aws_route_table.rt.id}", **route}},
        }
    )


def test_subnet_routed_to_an_internet_gateway_is_public_even_untagged() -> None:
    stack = _net({"gateway_id": "${aws_internet_gateway.igw.id}"})
    assert subnet_publicity(stack.resources["aws_subnet.sn"], stack) == (
        "routes to an internet gateway through aws_route_table.rt"
    )


def test_subnet_routed_through_nat_is_private() -> None:
    stack = _net({"nat_gateway_id": "${aws_nat_gateway.nat.id}"}, {"Tier": "private"})
    assert subnet_publicity(stack.resources["aws_subnet.sn"], stack) is None


def _document(effect: str, value: str) -> dict[str, Any]:
    return {
        "aws_iam_policy_document": {
            "doc": {
                "statement": [
                    {
                        "effect": effect,
                        "actions": ["sqs:*"],
                        "condition": [
                            {"test": "Bool", "variable": "aws:SecureTransport", "values": [value]}
                        ],
                    }
                ]
            }
        }
    }


@pytest.mark.parametrize(
    ("effect", "value", "status"),
    [
        ("Deny", "false", Status.COMPLIANT),
        ("Allow", "false", Status.NON_COMPLIANT),
        ("Deny", "true", Status.NON_COMPLIANT),
    ],
)
def test_tls_policy_from_a_policy_document(effect: str, value: str, status: Status) -> None:
    stack = facts(
        {
            "aws_sqs_queue": {"q": {}},
            "aws_sqs_queue_policy": {
                "p": {
                    "queue_url": "${aws_sqs_queue.q.url}",
                    "policy": "${data.aws_iam_policy_document.doc.json}",
                }
            },
        },
        _document(effect, value),
    )
    queue_rule = next(r for r in TLS_RULES if r.id == "SFX-TLS-02")
    [outcome] = evaluate(stack, [queue_rule], ExceptionSet(()))
    assert outcome.record.status is status


def test_inline_json_policy_counts_too() -> None:
    policy = json.dumps(
        {
            "Statement": {
                "Effect": "Deny",
                "Action": "SNS:Publish",
                "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
            }
        }
    )
    stack = facts({"aws_sns_topic": {"t": {"policy": policy}}})
    topic_rule = next(r for r in TLS_RULES if r.id == "SFX-TLS-03")
    assert topic_rule.check(stack.resources["aws_sns_topic.t"], stack).status is Status.COMPLIANT


@pytest.mark.parametrize(
    ("bucket", "status"),
    [
        ("${aws_s3_bucket.replica.arn}", Status.COMPLIANT),
        ("arn:aws:s3:::somewhere-else", Status.NON_COMPLIANT),  # region unknowable
    ],
)
def test_replication_target_region_is_resolved(bucket: str, status: Status) -> None:
    stack = facts(
        {
            "aws_s3_bucket": {"replica": {}},
            "aws_s3_bucket_replication_configuration": {
                "r": {"rule": [{"destination": {"bucket": bucket}}]}
            },
        }
    )
    subject = stack.resources["aws_s3_bucket_replication_configuration.r"]
    assert copies_stay_in_eu(subject, stack).status is status


def test_replication_to_a_bucket_of_a_us_provider_is_caught() -> None:
    stack = stack_facts(
        {
            "provider": {
                "aws": [{"region": "eu-central-1"}, {"alias": "us", "region": "us-east-1"}]
            },
            "resource": {
                "aws_s3_bucket": {"replica": {"provider": "aws.us"}},
                "aws_s3_bucket_replication_configuration": {
                    "r": {"rule": [{"destination": {"bucket": "${aws_s3_bucket.replica.arn}"}}]}
                },
            },
        },
        "s",
        TAGS,
        frozenset(),
    )
    finding = copies_stay_in_eu(stack.resources["aws_s3_bucket_replication_configuration.r"], stack)
    assert finding.status is Status.NON_COMPLIANT and "us-east-1" in finding.message


def test_rule_ids_and_findings_are_validated() -> None:
    def check(_r: ResourceFacts, _s: StackFacts) -> Finding:
        return ok()

    with pytest.raises(ValueError, match="must match"):
        Rule("SFX-lower-1", "Bad", Level.ERROR, None, check)
    with pytest.raises(ValueError, match="only a NON_COMPLIANT finding carries a fix"):
        Finding(Status.COMPLIANT, "x", (Fix("a", 1, "d"),))
    with pytest.raises(ValueError, match="decided by the pack"):
        Finding(Status.WAIVED, "x")
