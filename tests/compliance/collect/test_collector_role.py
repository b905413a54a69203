"""STREAMFLIX_COLLECTOR_PRINCIPAL_ARN: validated, and it adds a read-only role with the policy."""

from __future__ import annotations

import json

import pytest

from lib.config import CollectorConfig, ConfigError, StackConfig, load_config
from tests.conftest import StackView

from .test_collector_policy import policy_actions

ROLE_ARN = "arn:aws:iam::123456789012:role/github-oidc-collector"


@pytest.mark.parametrize(
    "value", ["arn:aws:s3:::bucket", "arn:aws:iam::12345:role/x", "role/x", "arn:aws:iam::1:root"]
)
def test_a_bad_principal_is_refused_naming_the_knob(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config({"STREAMFLIX_COLLECTOR_PRINCIPAL_ARN": value})
    assert "STREAMFLIX_COLLECTOR_PRINCIPAL_ARN" in str(err.value)
    assert "not an IAM role, user or account-root ARN" in str(err.value)


@pytest.mark.parametrize(
    "value", ["", ROLE_ARN, "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/a"]
)
def test_a_principal_arn_or_nothing_is_accepted(value: str) -> None:
    assert load_config({"STREAMFLIX_COLLECTOR_PRINCIPAL_ARN": value}).collector.principal_arn == (
        value
    )


def test_the_default_stack_has_no_collector_role(stack: StackView) -> None:
    names = {r.get("name") for r in stack.of_type("aws_iam_role").values()}
    assert "streamflix-collector-qa1" not in names and names


def test_the_role_trusts_only_the_principal_and_holds_exactly_the_policy() -> None:
    """In-process synth of the collector role alone (the full stack is synthesized once)."""
    from cdktf import App, TerraformStack, Testing

    from lib.constructs.collector_role import CollectorRole
    from lib.context import StackContext
    from lib.naming import Namer

    config = StackConfig(
        environment_suffix="qa2", collector=CollectorConfig(principal_arn=ROLE_ARN)
    )
    scope = TerraformStack(App(), "collector-only")
    ctx = StackContext(config=config, namer=Namer("qa2"), account_id="111122223333")
    CollectorRole(scope, "collector", ctx, ROLE_ARN)
    resources = json.loads(Testing.synth(scope))["resource"]
    (role,) = resources["aws_iam_role"].values()
    assert role["name"] == "streamflix-collector-qa2"
    trust = json.loads(role["assume_role_policy"])["Statement"]
    assert trust == [
        {"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "sts:AssumeRole"}
    ]
    (policy,) = resources["aws_iam_role_policy"].values()
    statements = json.loads(policy["policy"])["Statement"]
    assert {a for s in statements for a in s["Action"]} == policy_actions()
    assert all(s["Effect"] == "Allow" for s in statements)
