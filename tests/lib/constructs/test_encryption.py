"""Issue 2, KMS: customer-managed keys with rotation, explicit fenced policies, short deletion."""

from __future__ import annotations

import json

import pytest

from lib.constructs.encryption import ServiceGrant
from tests.conftest import TEST_SUFFIX, StackView

# Services AWS documents as broken by source conditions in a key policy (each grant says why).
# EventBridge: SNS documents that key-policy conditions break delivery. RDS events: a key-policy
# condition is not documented as honoured; both are fenced by the topic policy's SourceAccount.
UNFENCEABLE_SERVICES = {"events.amazonaws.com", "events.rds.amazonaws.com"}


def _policy(key: dict) -> dict:
    return json.loads(key["policy"])


def test_two_keys_with_rotation_and_a_destroyable_deletion_window(stack: StackView) -> None:
    # the data and logs keys; the asymmetric evidence-signing key cannot rotate (see below)
    keys = {a: k for a, k in stack.of_type("aws_kms_key").items() if "key_usage" not in k}
    assert len(keys) == 2
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] == 7
        assert key["description"]


def test_every_key_has_an_alias_named_with_the_suffix(stack: StackView) -> None:
    names = sorted(a["name"] for a in stack.of_type("aws_kms_alias").values())
    assert names == [
        f"alias/streamflix-data-key-{TEST_SUFFIX}",
        f"alias/streamflix-evidence-signing-{TEST_SUFFIX}",
        f"alias/streamflix-logs-key-{TEST_SUFFIX}",
    ]


def test_key_policies_fence_every_wildcard_principal(stack: StackView) -> None:
    for key in stack.of_type("aws_kms_key").values():
        for statement in _policy(key)["Statement"]:
            principal = statement["Principal"]
            if principal == {"AWS": "*"}:
                conditions = statement["Condition"]["StringEquals"]
                assert "kms:CallerAccount" in conditions and "kms:ViaService" in conditions
            if "Service" in principal and principal["Service"] not in UNFENCEABLE_SERVICES:
                assert statement.get("Condition"), statement["Sid"]
            assert statement["Action"] == "kms:*" or "kms:*" not in statement["Action"]


def test_data_key_is_usable_only_through_our_services_in_region(stack: StackView) -> None:
    key = stack.by_path("aws_kms_key", "/encryption/data_key")
    (via,) = [
        s for s in _policy(key)["Statement"] if s["Sid"] == "AccountPrincipalsUseThroughServices"
    ]
    services = via["Condition"]["StringEquals"]["kms:ViaService"]
    assert all(s.endswith(".eu-central-1.amazonaws.com") for s in services)
    assert {"kinesis", "rds", "secretsmanager", "s3"} <= {s.split(".")[0] for s in services}


def test_logs_key_lets_cloudwatch_logs_encrypt_only_our_log_groups(stack: StackView) -> None:
    key = stack.by_path("aws_kms_key", "/encryption/logs_key")
    (logs,) = [
        s for s in _policy(key)["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsOurLogGroups"
    ]
    assert logs["Principal"] == {"Service": "logs.eu-central-1.amazonaws.com"}
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context.startswith("arn:aws:logs:eu-central-1:${data.aws_caller_identity.current")


def test_a_service_grant_without_a_condition_must_say_why() -> None:
    with pytest.raises(ValueError, match=r"ServiceGrant Bare\.condition"):
        ServiceGrant("Bare", "events.amazonaws.com", ("kms:Decrypt",))
    grant = ServiceGrant(
        "Explained", "events.amazonaws.com", ("kms:Decrypt",), no_condition_reason="x" * 10
    )
    assert "Condition" not in grant.statement()
