"""Issue 20: after an apply, a plan may only differ by a listed emulator artefact; anything else
(a lost state, an unstable attribute, a replacement) fails the rehearsal."""

from __future__ import annotations

from typing import Any

from rehearsal.artefacts import ARTEFACTS, artefacts_used, unexplained


def _change(
    address: str,
    actions: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    replace: list[list[str]] | None = None,
    unknown: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "address": address,
        "type": address.split(".")[0],
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": unknown or {},
            "replace_paths": replace,
        },
    }


def _plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "resource_changes": list(changes)}


def test_a_listed_attribute_is_an_artefact() -> None:
    plan = _plan(
        _change(
            "aws_kms_key.k",
            ["update"],
            {"rotation_period_in_days": 0},
            {"rotation_period_in_days": 365},
        )
    )
    assert unexplained(plan) == []
    assert [a.resource_type for a in artefacts_used(plan)] == ["aws_kms_key"]


def test_another_attribute_of_the_same_resource_is_not() -> None:
    plan = _plan(
        _change(
            "aws_kms_key.k",
            ["update"],
            {"rotation_period_in_days": 0, "deletion_window_in_days": 7},
            {"rotation_period_in_days": 365, "deletion_window_in_days": 30},
        )
    )
    (wrong,) = unexplained(plan)
    assert wrong.attributes == ("deletion_window_in_days", "rotation_period_in_days")


def test_creating_again_is_never_an_artefact() -> None:
    """What a lost state looks like: everything planned for creation."""
    plan = _plan(_change("aws_kms_key.k", ["create"], None, {"rotation_period_in_days": 365}))
    assert [c.address for c in unexplained(plan)] == ["aws_kms_key.k"]


def test_a_replacement_forced_by_an_artefact_is_explained_with_its_consequences() -> None:
    plan = _plan(
        _change(
            "aws_ecs_service.s",
            ["delete", "create"],
            {"capacity_provider_strategy": [], "id": "arn:old", "name": "w"},
            {"capacity_provider_strategy": [{"base": 1}], "id": None, "name": "w"},
            replace=[["capacity_provider_strategy"]],
            unknown={"id": True},
        )
    )
    assert unexplained(plan) == []


def test_a_replacement_of_anything_else_is_not() -> None:
    plan = _plan(
        _change(
            "aws_s3_bucket.b",
            ["delete", "create"],
            {"bucket": "a"},
            {"bucket": "b"},
            replace=[["bucket"]],
        )
    )
    assert [c.address for c in unexplained(plan)] == ["aws_s3_bucket.b"]


def test_every_artefact_says_what_the_emulator_fails_to_do() -> None:
    assert all(a.attributes and len(a.emulator_fails_to) > 20 for a in ARTEFACTS)
    assert len({a.resource_type for a in ARTEFACTS}) == len(ARTEFACTS)


def test_only_the_emulator_s_duplicate_create_answers_start_the_rehearsal_again() -> None:
    from rehearsal.run import EMULATOR_FLAKE

    for seen in (
        "api error RouteAlreadyExists: The route identified by 0.0.0.0/0 already exists",
        "api error InvalidSubnet.Conflict: The CIDR '10.40.128.0/18' conflicts",
        "api error InvalidPermission.Duplicate: The specified rule already exists",
        "api error DBClusterSnapshotAlreadyExistsFault: Cannot create the snapshot because",
    ):
        assert EMULATOR_FLAKE.search(seen)
    # what a defect of ours looks like (the ordering race the first apply found) never does
    assert not EMULATOR_FLAKE.search("api error InvalidTargetBucketForLogging: You must either")
    assert not EMULATOR_FLAKE.search("creating VPC (10.40.0.0/16): AccessDenied")
