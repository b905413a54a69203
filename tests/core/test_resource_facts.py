"""Issue 24 item 1: one table of per-resource-type facts and one set of policy numbers (core/).

The table must know every Terraform type the synthesized stack holds (a maintainer adding a
resource type adds its row, or this fails), must refuse a data-bearing row that does not say how
it is encrypted, and the numbers written elsewhere (the config knobs' bounds, the constructs)
must equal the policy numbers.
"""

from __future__ import annotations

from typing import Any

import pytest
from annotated_types import Ge, Le

from core.policy_numbers import EU_MEMBER_STATE_REGIONS, EU_REGIONS, POLICY
from core.resource_facts import (
    RESOURCE_TYPES,
    Encryption,
    KeyAttr,
    Kind,
    ResourceType,
    _index,
    equals,
    flag_on,
    present,
    select,
)
from tests.conftest import StackView


def missing_rows(types: set[str]) -> list[str]:
    return sorted(t for t in types if t not in RESOURCE_TYPES)


@pytest.mark.synth
def test_every_type_in_the_synthesized_stack_has_a_row(stack: StackView) -> None:
    """A new resource type in the stack without its row in core/resource_facts.py fails here:
    the encryption, destroy and placement rules would otherwise judge it by omission."""
    types = {rtype for rtype, _, _ in stack.all_resources()}
    assert len(types) > 40, "stack not read"
    assert missing_rows(types) == []
    assert missing_rows({*types, "aws_efs_file_system_policy"}) == ["aws_efs_file_system_policy"]


def test_a_data_bearing_row_must_say_how_it_is_encrypted() -> None:
    with pytest.raises(ValueError, match="says how it is encrypted"):
        ResourceType("aws_efs_file_system", Kind.DATA)
    with pytest.raises(ValueError, match="exclude each other"):
        ResourceType(
            "aws_efs_file_system", Kind.DATA, Encryption((KeyAttr("kms_key_id"),)), "SFX-ENC-02"
        )
    with pytest.raises(ValueError, match="AWS Terraform type"):
        ResourceType("google_storage_bucket", Kind.DATA, encryption_elsewhere="somewhere else")
    assert all(
        row.encryption or row.encryption_elsewhere
        for row in RESOURCE_TYPES.values()
        if row.kind is Kind.DATA
    )


def test_a_type_has_one_row() -> None:
    row = RESOURCE_TYPES["aws_sqs_queue"]
    with pytest.raises(ValueError, match="two rows"):
        _index([row, row])


def test_select_keeps_rows_with_the_fact_and_only_those() -> None:
    protected = select(lambda row: row.deletion_protection)
    assert protected["aws_rds_cluster"] == "deletion_protection"
    assert "aws_sqs_queue" not in protected
    assert set(select(lambda row: row.skips_final_snapshot)) >= {"aws_rds_cluster"}
    with pytest.raises(TypeError):
        protected["aws_sqs_queue"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("condition", "values", "holds"),
    [
        (flag_on("f"), [True], True),
        (flag_on("f"), ["true"], True),
        (flag_on("f"), [False], False),
        (flag_on("f"), [], False),
        (equals("type", "SecureString"), ["SecureString"], True),
        (equals("type", "SecureString"), ["String"], False),
        (present("block", "a block is set"), [{"k": 1}], True),
        (present("block", "a block is set"), [], False),
    ],
)
def test_key_conditions(condition: Any, values: list[Any], holds: bool) -> None:
    assert condition.holds(values) is holds


def _bounds(section: type, field: str) -> tuple[Any, int | None, int | None]:
    info = section.model_fields[field]  # type: ignore[attr-defined]
    ge = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
    le = next((m.le for m in info.metadata if isinstance(m, Le)), None)
    return info.default, ge, le


def test_the_config_knobs_honour_the_policy_numbers() -> None:
    """lib/config.py writes the backup and rotation bounds in its knobs: they must be ours."""
    from lib.config import DatabaseConfig

    default, floor, _ = _bounds(DatabaseConfig, "backup_retention_days")
    assert floor == POLICY.min_backup_retention_days and default >= floor
    default, _, ceiling = _bounds(DatabaseConfig, "secret_rotation_days")
    assert ceiling == POLICY.max_secret_rotation_days and default <= ceiling


def test_the_constructs_read_the_policy_numbers() -> None:
    from lib.constructs.encryption import KEY_DELETION_WINDOW_DAYS
    from lib.constructs.logs import LOG_RETENTION_DAYS

    assert POLICY.log_retention_days == LOG_RETENTION_DAYS
    assert POLICY.kms_deletion_window_days == KEY_DELETION_WINDOW_DAYS
    window = RESOURCE_TYPES["aws_kms_key"].deletion_window
    assert window is not None and window.low == window.high == POLICY.kms_deletion_window_days


def test_residency_regions() -> None:
    assert "eu-central-1" in EU_MEMBER_STATE_REGIONS < EU_REGIONS
    assert {"eu-west-2", "eu-central-2"} == EU_REGIONS - EU_MEMBER_STATE_REGIONS


def test_every_reader_takes_its_scope_from_the_table() -> None:
    """The five-file walk holds only while nobody keeps a second list: each reader's types are
    exactly a column of the table, so a new row reaches the Aspect, its Checkov twin, the
    inventory and the plan guard without touching them."""
    import importlib

    from compliance import inventory
    from lib.aspects import ALL_RULES, destroy, encryption, placement
    from policies import plan_guard

    checks = "policies.checks"
    cmk = importlib.import_module(f"{checks}.sfx_001_kms_cmk")
    destroyable = importlib.import_module(f"{checks}.sfx_025_destroyable")
    names = importlib.import_module(f"{checks}.sfx_023_name_suffix")
    rules = {r.id: r for r in ALL_RULES}
    encrypted = select(lambda row: row.encryption)

    assert (
        rules["SFX-ENC-01"].types == frozenset(encrypted) == frozenset(encryption.ENCRYPTION_TABLE)
    )
    assert set(cmk.RULES) == {t for t, e in encrypted.items() if e.in_gate}
    assert set(inventory.KEY_FIELDS) == {t for t, e in encrypted.items() if e.in_inventory}
    assert rules["SFX-NET-05"].types == frozenset(select(lambda row: row.subnets))
    assert dict(placement.SUBNET_ATTRS) == dict(select(lambda row: row.subnets))
    assert dict(destroy.PROTECTION_ATTRS) == dict(select(lambda row: row.deletion_protection))
    assert rules["SFX-DESTROY-04"].types == frozenset(destroyable.WINDOW_LIMITS)
    assert {r.attribute for reqs in destroyable.REQUIREMENTS.values() for r in reqs} >= set(
        destroy.PROTECTION_ATTRS.values()
    ) | set(destroy.EMPTIED_ON_DESTROY.values())
    assert dict(plan_guard.DATA_HOLDING_TYPES) == dict(select(lambda row: row.loses))
    assert frozenset(select(lambda row: row.regional)) == inventory.REGIONAL_SERVICES
    assert set(names.NAME_ATTRIBUTES) <= set(names.check.supported_resources)
