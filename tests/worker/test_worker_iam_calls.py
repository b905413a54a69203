"""The task role grants exactly what the worker calls (issue 12 item 9).

The session recorder (conftest ``aws_calls``) has seen every AWS call the worker's clients made
in this suite; this test adds one run that takes every path (shards, records, S3 reads, a
dead-letter with its SNS alert) and compares the calls with the synthesized task role: every
call must be allowed, and every granted action must be called or carry a reason in
``UNCALLED_ACTION_REASONS``.
"""

from __future__ import annotations

import json

import pytest
from aws_calls import AwsCallRecorder
from streamflix_devtools.standins import sample_request
from worker_testkit import Harness, wait_until

from lib.constructs.worker_roles import UNCALLED_ACTION_REASONS
from tests.conftest import StackView

pytestmark = [pytest.mark.services, pytest.mark.synth, pytest.mark.timeout(180)]

# Calls only the local stand-ins make, each with the deployed counterpart that replaces it.
LOCAL_ONLY_CALLS = {
    # locally the worker's login has a password in a secret; deployed (DB_AUTH=iam, checked
    # below) it signs an IAM token instead, authorized by rds-db:connect
    "secretsmanager:GetSecretValue": "rds-db:connect",
}


def _task_actions(stack: StackView) -> set[str]:
    policy = stack.by_path("aws_iam_role_policy", "/compute/roles/task_policy")
    actions: set[str] = set()
    for statement in json.loads(policy["policy"])["Statement"]:
        assert statement["Effect"] == "Allow"
        action = statement["Action"]
        actions |= {action} if isinstance(action, str) else set(action)
    return actions


def _worker_env(stack: StackView) -> dict[str, str]:
    task = stack.by_path("aws_ecs_task_definition", "/compute/worker_task")
    (container,) = json.loads(task["container_definitions"])
    return {e["name"]: e["value"] for e in container["environment"]}


def test_the_task_role_allows_every_worker_call_and_grants_nothing_unused(
    harness: Harness, clip_bytes: bytes, aws_calls: AwsCallRecorder, stack: StackView
) -> None:
    harness.upload("ok.mp4", clip_bytes)
    harness.put(sample_request(harness.stack.bucket, "ok.mp4"), hash_key=0)
    harness.put(sample_request(harness.stack.bucket, "never-uploaded.mp4"), hash_key=0)
    with harness.worker("iam-calls", RETRY_MAX_ATTEMPTS="2"):
        wait_until(
            lambda: harness.count_status("COMPLETED") + harness.count_status("FAILED") == 2,
            40,
            what="both jobs final",
        )
    assert harness.drain_queue(harness.stack.alerts_queue_url, expect=1)  # the SNS path ran

    assert _worker_env(stack)["DB_AUTH"] == "iam"  # so the local-only secret read never happens
    called = {LOCAL_ONLY_CALLS.get(action, action) for action in aws_calls.calls}
    granted = _task_actions(stack)
    assert called - granted == set(), "the worker calls these without a grant"
    assert granted - called - set(UNCALLED_ACTION_REASONS) == set(), "granted, never called"
    assert set(UNCALLED_ACTION_REASONS) <= granted, "a reason for an action no longer granted"
    assert all(len(reason) >= 20 for reason in UNCALLED_ACTION_REASONS.values())
