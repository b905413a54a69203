"""The real stack (synthesized once per session by tests/conftest.py) passes every aspect rule,
uses every SFX exception, and the encryption table covers every encryptable type it holds."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from compliance.exceptions import load_exceptions
from lib.app import RESULTS_FILE
from lib.aspects import ALL_RULES, AspectRecord, Level, Status
from lib.aspects.encryption import ENCRYPTION_ELSEWHERE, ENCRYPTION_TABLE
from lib.aspects.engine import unused_exceptions
from tests.conftest import StackView

pytestmark = pytest.mark.synth

_ENCRYPTION_ATTR = re.compile(r"kms|encrypt")


@pytest.fixture(scope="module")
def results(synth_dir: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((synth_dir / RESULTS_FILE).read_text())["records"]
    return rows


def _records(rows: list[dict[str, Any]]) -> list[AspectRecord]:
    return [
        AspectRecord(
            r["rule"],
            r["title"],
            r["resource"],
            r["path"],
            Status(r["status"]),
            Level(r["level"]),
            r["message"],
            r["exception_reason"],
        )
        for r in rows
    ]


def test_real_stack_has_no_violations(results: list[dict[str, Any]]) -> None:
    bad = [
        f"{r['rule']} {r['resource']}: {r['message']}"
        for r in results
        if r["status"] == "NON_COMPLIANT"
    ]
    assert bad == []


def test_real_stack_uses_every_sfx_exception(results: list[dict[str, Any]]) -> None:
    unused = unused_exceptions(load_exceptions(), _records(results), [r.id for r in ALL_RULES])
    assert [(e.rule, e.resource, why) for e, why in unused] == []


def test_waived_records_carry_the_exception_reason(results: list[dict[str, Any]]) -> None:
    waived = [r for r in results if r["status"] == "WAIVED"]
    assert all(r["exception_reason"] and len(r["exception_reason"]) >= 10 for r in waived)
    others = [r for r in results if r["status"] != "WAIVED"]
    assert all(r["exception_reason"] is None for r in others)


def test_every_resource_and_the_provider_is_evaluated(
    stack: StackView, results: list[dict[str, Any]]
) -> None:
    evaluated = {r["resource"] for r in results}
    expected = {f"{rtype}.{name}" for rtype, name, _ in stack.all_resources()}
    assert expected | {"provider.aws"} <= evaluated


def test_every_rule_whose_types_the_stack_holds_produced_records(
    stack: StackView, results: list[dict[str, Any]]
) -> None:
    types = {rtype for rtype, _, _ in stack.all_resources()} | {"provider.aws"}
    ruled = {r["rule"] for r in results}
    expected = {rule.id for rule in ALL_RULES if any(rule.applies_to(t) for t in types)}
    assert expected <= ruled


def _has_encryption_settings(rtype: str) -> bool:
    """True when the provider schema of ``rtype`` has any kms/encrypt attribute (any block)."""
    module = importlib.import_module(f"cdktf_cdktf_provider_aws.{rtype.removeprefix('aws_')}")
    classes = [
        c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__
    ]
    return any(_ENCRYPTION_ATTR.search(n) for c in classes for n in dir(c) if not n.startswith("_"))


def test_encryption_table_covers_every_encryptable_type_in_the_stack(stack: StackView) -> None:
    types = sorted({rtype for rtype, _, _ in stack.all_resources()})
    encryptable = [t for t in types if _has_encryption_settings(t)]
    uncovered = [
        t for t in encryptable if t not in ENCRYPTION_TABLE and t not in ENCRYPTION_ELSEWHERE
    ]
    assert uncovered == []
    # The detector itself must find the obvious ones (guards against a detector that finds none).
    assert {"aws_kinesis_stream", "aws_rds_cluster", "aws_cloudwatch_log_group"} <= set(encryptable)
    assert "aws_route_table" not in encryptable


def test_the_one_genuine_waiver_is_the_access_log_bucket(results: list[dict[str, Any]]) -> None:
    waived = [(r["rule"], r["resource"].split(".")[0]) for r in results if r["status"] == "WAIVED"]
    assert waived == [("SFX-ENC-01", "aws_s3_bucket_server_side_encryption_configuration")]
