"""Lookups shared by the issue-3 tests (workers, failure handling, monitoring, audit).

References are compared as Terraform expressions ("${<type>.<logical id>.<attr>}") built from
the construct path, so a test fails if a resource points at the wrong key, queue or group.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import TEST_SUFFIX, StackView

SUFFIX = TEST_SUFFIX  # the judged stack's suffix (qa1, or the stack SFX_SYNTH_DIR names)
ACCOUNT = "${data.aws_caller_identity.current.account_id}"


def logical_id(stack: StackView, rtype: str, path_fragment: str) -> str:
    matches = [
        name
        for name, body in stack.of_type(rtype).items()
        if path_fragment in body["//"]["metadata"]["path"]
    ]
    assert len(matches) == 1, f"{rtype} with path ~ {path_fragment!r}: {matches}"
    return matches[0]


def ref(stack: StackView, rtype: str, path_fragment: str, attr: str) -> str:
    """The expression another resource uses to point at this one's ``attr``."""
    return f"${{{rtype}.{logical_id(stack, rtype, path_fragment)}.{attr}}}"


def data_key_arn(stack: StackView) -> str:
    return ref(stack, "aws_kms_key", "/encryption/data_key", "arn")


def logs_key_arn(stack: StackView) -> str:
    return ref(stack, "aws_kms_key", "/encryption/logs_key", "arn")


def topic_arn(stack: StackView) -> str:
    return ref(stack, "aws_sns_topic", "/failure_handling/alerts", "arn")


def statements(body: dict[str, Any], key: str = "policy") -> dict[str, dict[str, Any]]:
    """Statements of a JSON policy attribute, by Sid (every statement must have one)."""
    document = json.loads(body[key])
    assert document["Version"] == "2012-10-17"
    out = {s["Sid"]: s for s in document["Statement"]}
    assert len(out) == len(document["Statement"]), "duplicate or missing Sids"
    return out


def grants(body: dict[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """Sid -> (actions, resources) of an identity policy, for exact comparisons."""
    return {sid: (set(s["Action"]), set(s["Resource"])) for sid, s in statements(body).items()}


def alarm(stack: StackView, name: str) -> dict[str, Any]:
    found = [
        a for a in stack.of_type("aws_cloudwatch_metric_alarm").values() if a["alarm_name"] == name
    ]
    assert len(found) == 1, f"alarm {name}: {len(found)} found"
    return found[0]


def container(task_definition: dict[str, Any]) -> dict[str, Any]:
    (only,) = json.loads(task_definition["container_definitions"])
    return dict(only)
