"""Issue 21: the KMS key that signs runtime evidence (sign/verify only, fenced key policy)."""

from __future__ import annotations

import json

import pytest

from lib.constructs.evidence_signing import signing_key_policy
from policies.findings import Status
from policies.gate import GateResult
from tests.conftest import TEST_SUFFIX, StackView
from tests.infra_helpers import ref

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/streamflix-collector-qa1"


def _signing_key(stack: StackView) -> tuple[str, dict]:  # type: ignore[type-arg]
    keys = {a: k for a, k in stack.of_type("aws_kms_key").items() if k.get("key_usage")}
    assert len(keys) == 1, keys
    return next(iter(keys.items()))


def test_the_signing_key_signs_only_and_is_destroyable(stack: StackView) -> None:
    _, key = _signing_key(stack)
    assert key["key_usage"] == "SIGN_VERIFY"
    assert key["customer_master_key_spec"] == "ECC_NIST_P256"
    assert key["deletion_window_in_days"] == 7
    assert key["enable_key_rotation"] is False  # AWS: asymmetric keys cannot rotate
    aliases = [a["name"] for a in stack.of_type("aws_kms_alias").values()]
    assert f"alias/streamflix-evidence-signing-{TEST_SUFFIX}" in aliases


def test_its_arn_is_a_stack_output(stack: StackView) -> None:
    output = stack.outputs["evidence_signing_key_arn"]
    assert output["value"] == ref(stack, "aws_kms_key", "/evidence_signing/key", "arn")
    assert "compliance.collect" in output["description"]


def test_default_policy_lets_only_the_scheduled_collector_sign_and_the_account_verify(
    stack: StackView,
) -> None:
    _, key = _signing_key(stack)
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert set(statements) == {
        "AccountAdministers",
        "ReadersVerifyEvidence",
        "CollectorSignsEvidence",
    }
    # issue 22's scheduled collector task role, and nothing else (no collector principal is set)
    (task_role,) = [
        n
        for n, r in stack.of_type("aws_iam_role").items()
        if r["name"].startswith("streamflix-collector-task-role")
    ]
    assert statements["CollectorSignsEvidence"]["Principal"] == {
        "AWS": [f"${{aws_iam_role.{task_role}.arn}}"]
    }
    assert statements["ReadersVerifyEvidence"]["Action"] == [
        "kms:Verify",
        "kms:GetPublicKey",
        "kms:DescribeKey",
    ]


def test_a_granted_role_may_sign_and_nothing_else() -> None:
    policy = json.loads(signing_key_policy(ACCOUNT, [ROLE], []))
    signer = next(s for s in policy["Statement"] if s["Sid"] == "CollectorSignsEvidence")
    assert signer["Principal"] == {"AWS": [ROLE]}
    assert signer["Action"] == ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"]
    for statement in policy["Statement"]:
        assert "kms:Decrypt" not in statement["Action"] and statement["Principal"] != {"AWS": "*"}


@pytest.mark.gate
def test_checkov_rotation_check_is_waived_by_the_reviewed_exception_only(
    stack: StackView, gate_run: GateResult
) -> None:
    address, _ = _signing_key(stack)
    on_key = [f for f in gate_run.findings if f.address == f"aws_kms_key.{address}"]
    rotation = [f for f in on_key if f.check_id == "CKV_AWS_7"]
    assert [f.status for f in rotation] == [Status.WAIVED] and rotation[0].unknown
    assert rotation[0].exception is not None
    assert "asymmetric" in rotation[0].exception.reason
    assert not [f for f in on_key if f.status is Status.FAILED]
