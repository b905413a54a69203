"""``python -m policies.plan_guard``: a plan that deletes or replaces a data-holding resource is
refused (issue 20, change safety); everything else, and an announced replacement, passes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policies.plan_guard import DATA_HOLDING_TYPES, PlanFileError, judge, load_plan, main
from tests.conftest import PROJECT_ROOT


def _plan(*changes: tuple[str, list[str]]) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": address,
                "mode": "managed",
                "type": address.split(".")[0],
                "name": address.split(".")[1],
                "change": {"actions": actions},
            }
            for address, actions in changes
        ],
    }


ISSUE_TYPES = (
    "aws_s3_bucket",
    "aws_rds_cluster",
    "aws_kinesis_stream",
    "aws_secretsmanager_secret",
    "aws_kms_key",
    "aws_cloudwatch_log_group",
    "aws_backup_vault",
    "aws_ecr_repository",
)


@pytest.mark.parametrize("rtype", ISSUE_TYPES)
@pytest.mark.parametrize(
    "actions", [["delete"], ["delete", "create"], ["create", "delete"]], ids=str
)
def test_deleting_or_replacing_what_holds_data_is_refused(rtype: str, actions: list[str]) -> None:
    verdict = judge(_plan((f"{rtype}.x", actions)))
    assert [r.address for r in verdict.refused] == [f"{rtype}.x"]
    assert not verdict.ok


@pytest.mark.parametrize("actions", [["create"], ["update"], ["no-op"], ["read"], ["forget"]])
def test_changes_that_keep_the_data_pass(actions: list[str]) -> None:
    assert judge(_plan(("aws_rds_cluster.db", actions))).ok


def test_replacing_a_resource_without_data_passes() -> None:
    assert judge(_plan(("aws_ecs_service.workers", ["delete", "create"]))).ok


def test_an_announced_replacement_passes_with_its_reason_and_nothing_else_does() -> None:
    plan = _plan(("aws_kinesis_stream.s", ["delete", "create"]), ("aws_s3_bucket.b", ["delete"]))
    verdict = judge(plan, {"aws_kinesis_stream": "the knob's documentation announces it"})
    assert [r.address for r, _ in verdict.allowed] == ["aws_kinesis_stream.s"]
    assert [r.address for r in verdict.refused] == ["aws_s3_bucket.b"]


def test_every_type_the_issue_names_is_guarded() -> None:
    assert set(ISSUE_TYPES) <= set(DATA_HOLDING_TYPES)


def test_a_file_that_is_not_a_plan_is_bad_input(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"version": 4}', encoding="utf-8")
    with pytest.raises(PlanFileError, match="terraform show -json"):
        load_plan(state)
    assert main([str(state)]) == 2


def test_the_command_exits_1_and_names_the_resource(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_plan(("aws_s3_bucket.uploads", ["delete", "create"]))), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "policies.plan_guard", str(plan)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "REFUSED replace aws_s3_bucket.uploads: loses its objects" in done.stdout


def test_an_allowance_needs_a_reason(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_plan(("aws_s3_bucket.b", ["delete"]))), "utf-8")
    with pytest.raises(SystemExit, match="REASON"):
        main([str(plan), "--allow", "aws_s3_bucket.b=ok"])
    assert main([str(plan), "--allow", "aws_s3_bucket.b=the bucket moves to the new account"]) == 0
