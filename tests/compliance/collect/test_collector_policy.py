"""compliance/collector-policy.json allows exactly the calls the collector makes, all read-only."""

from __future__ import annotations

import json
import re

from compliance.registry import PROJECT_ROOT

from .conftest import Run

POLICY = PROJECT_ROOT / "compliance" / "collector-policy.json"
READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|Get|List|Lookup)[A-Za-z]+$")


def policy_actions() -> set[str]:
    doc = json.loads(POLICY.read_text())
    actions: set[str] = set()
    for statement in doc["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        actions |= set(statement["Action"])
    return actions


def test_the_policy_allows_every_call_the_collector_made_and_nothing_else(baseline: Run) -> None:
    made = set(baseline.calls)
    assert len(made) >= 15
    assert made - policy_actions() == set(), "calls the policy does not allow"
    assert policy_actions() - made == set(), "permissions the collector never uses"


def test_every_action_is_read_only_and_named_exactly() -> None:
    actions = policy_actions()
    assert [a for a in sorted(actions) if not READ_ONLY.match(a)] == []
    assert "secretsmanager:GetSecretValue" not in actions  # status, never secret material


def test_restrictable_actions_are_limited_to_streamflix_resources() -> None:
    """Checkov's CKV_AWS_355 (cloudsplaining): no restrictable action on ``*``."""
    from cloudsplaining.scan.policy_document import PolicyDocument

    assert PolicyDocument(json.loads(POLICY.read_text())).all_allowed_unrestricted_actions == []
