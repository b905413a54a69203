"""Plan differences the emulator causes, written down one by one, and the check that uses them.

After an apply, a second plan must have no changes. On moto some attributes come back missing or
defaulted, so the provider plans to set them again; each such artefact is listed here with the
attribute and what the emulator fails to return. Any other difference fails the rehearsal: that is
how a real defect (an unstable attribute, a lost state, a forced replacement) is caught.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_NO_TAGS = "the provider reads back no tags from moto for this type (they are sent on create)"


@dataclass(frozen=True)
class Artefact:
    resource_type: str
    attributes: tuple[str, ...]  # top-level attribute names
    emulator_fails_to: str

    def to_json(self) -> dict[str, Any]:
        return {
            "resource_type": self.resource_type,
            "attributes": list(self.attributes),
            "emulator": self.emulator_fails_to,
        }


ARTEFACTS: tuple[Artefact, ...] = (
    Artefact(
        "aws_ecs_service",
        (
            "capacity_provider_strategy",
            "launch_type",
            "enable_ecs_managed_tags",
            "availability_zone_rebalancing",
            "deployment_controller",
            "health_check_grace_period_seconds",
            "tags",
            "triggers",
        ),
        "return capacityProviderStrategy in DescribeServices (so the provider plans a "
        "replacement) and reports launchType EC2 and defaults for the other fields",
    ),
    Artefact(
        "aws_kms_key",
        ("rotation_period_in_days",),
        "return RotationPeriodInDays from GetKeyRotationStatus",
    ),
    Artefact(
        "aws_rds_cluster_instance",
        (
            "performance_insights_enabled",
            "performance_insights_kms_key_id",
            "performance_insights_retention_period",
        ),
        "return the Performance Insights settings in DescribeDBInstances",
    ),
    Artefact(
        "aws_rds_cluster",
        ("scaling_configuration",),
        "answer ScalingConfigurationInfo consistently for a provisioned (Serverless v2) cluster",
    ),
    Artefact(
        "aws_db_parameter_group",
        ("parameter",),
        "filter DescribeDBParameters by Source=user, so the provider sees none of ours",
    ),
    Artefact(
        "aws_s3_bucket_notification",
        ("eventbridge",),
        "return EventBridgeConfiguration in GetBucketNotificationConfiguration",
    ),
    Artefact(
        "aws_vpc_security_group_ingress_rule",
        ("description",),
        "return the rule description in DescribeSecurityGroupRules",
    ),
    Artefact(
        "aws_vpc_security_group_egress_rule",
        ("description",),
        "return the rule description in DescribeSecurityGroupRules",
    ),
    Artefact("aws_backup_plan", ("tags_all",), _NO_TAGS),
    Artefact("aws_backup_vault", ("tags_all",), _NO_TAGS),
    Artefact("aws_kinesis_stream", ("tags_all",), _NO_TAGS),
)


@dataclass(frozen=True)
class Change:
    """One planned change of a resource, with the attributes that differ."""

    address: str
    resource_type: str
    actions: tuple[str, ...]
    attributes: tuple[str, ...]
    replace_attributes: tuple[str, ...]
    explained_by: tuple[Artefact, ...]

    @property
    def explained(self) -> bool:
        covered = {a for art in self.explained_by for a in art.attributes}
        return set(self.attributes) <= covered and set(self.replace_attributes) <= covered

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "actions": list(self.actions),
            "attributes": list(self.attributes),
            "replace_attributes": list(self.replace_attributes),
            "explained": self.explained,
        }


def _differing(before: Any, after: Any, unknown: Any) -> Iterator[str]:
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return
    unknown_map = unknown if isinstance(unknown, Mapping) else {}
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            # A value only known after apply counts as differing, unless both are empty/absent.
            if after.get(key) is None and unknown_map.get(key) and before.get(key) is None:
                continue
            yield key


def planned_changes(plan: Mapping[str, Any]) -> list[Change]:
    """Every resource the plan would create, change, replace or delete (``terraform show -json``)."""
    changes = []
    for rc in plan.get("resource_changes") or []:
        change = rc.get("change") or {}
        actions = tuple(change.get("actions") or ())
        if actions in {("no-op",), ("read",)}:
            continue
        replaced = tuple(sorted({str(p[0]) for p in change.get("replace_paths") or [] if p}))
        attributes = tuple(
            _differing(change.get("before"), change.get("after"), change.get("after_unknown"))
        )
        if {"delete", "create"} <= set(actions):
            # Attributes of a replaced resource that are only known after the new one exists
            # (ids, ARNs) are the replacement's consequence, not a separate difference.
            unknown = change.get("after_unknown") or {}
            attributes = tuple(a for a in attributes if not unknown.get(a) or a in replaced)
        rtype = str(rc.get("type"))
        changes.append(
            Change(
                address=str(rc.get("address")),
                resource_type=rtype,
                actions=actions,
                attributes=attributes,
                replace_attributes=replaced,
                explained_by=tuple(a for a in ARTEFACTS if a.resource_type == rtype),
            )
        )
    return changes


def unexplained(plan: Mapping[str, Any]) -> list[Change]:
    """Changes no listed emulator artefact explains (creations and deletions never are)."""
    return [
        c
        for c in planned_changes(plan)
        if not c.explained or set(c.actions) <= {"create"} or c.actions == ("delete",)
    ]


def artefacts_used(plan: Mapping[str, Any]) -> list[Artefact]:
    """The listed artefacts that explained at least one change of this plan."""
    used = {
        art
        for c in planned_changes(plan)
        if c.explained and c.actions not in {("create",), ("delete",)}
        for art in c.explained_by
        if set(art.attributes) & (set(c.attributes) | set(c.replace_attributes))
    }
    return [a for a in ARTEFACTS if a in used]
