"""Destroyable: ``cdktf destroy`` finishes, and a same-named redeploy can follow at once.

Nothing may be protected from deletion, databases skip their final snapshot (backups are AWS
Backup's job), buckets/vaults/repositories are emptied by Terraform, and deletion windows are
the shortest AWS allows (KMS: 7 days; secrets: 0-7 days, so the name is free again within a
week). None of these has a safe automatic fix (each decides the fate of data), except telling
Kinesis to deregister its consumers, which only changes how a destroy proceeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.aspects.facts import ResourceFacts, StackFacts
from lib.aspects.model import Finding, Fix, Level, Rule, fail, ok

# type -> attribute that, when true (or "ACTIVE"), stops Terraform deleting the resource.
PROTECTION_ATTRS: dict[str, str] = {
    "aws_rds_cluster": "deletion_protection",
    "aws_db_instance": "deletion_protection",
    "aws_rds_global_cluster": "deletion_protection",
    "aws_docdb_cluster": "deletion_protection",
    "aws_neptune_cluster": "deletion_protection",
    "aws_lb": "enable_deletion_protection",
    "aws_dynamodb_table": "deletion_protection_enabled",
    "aws_cognito_user_pool": "deletion_protection",
    "aws_instance": "disable_api_termination",
    "aws_cloudwatch_log_group": "skip_destroy",
    "aws_ecs_task_definition": "skip_destroy",
}
SNAPSHOT_TYPES = frozenset(
    {"aws_rds_cluster", "aws_db_instance", "aws_docdb_cluster", "aws_neptune_cluster"}
)
EMPTIED_ON_DESTROY: dict[str, str] = {
    "aws_s3_bucket": "force_destroy",
    "aws_backup_vault": "force_destroy",
    "aws_ecr_repository": "force_delete",
}


@dataclass(frozen=True)
class Window:
    attr: str
    low: int
    high: int
    aws_default: int


DELETION_WINDOWS: dict[str, Window] = {
    "aws_kms_key": Window("deletion_window_in_days", 7, 7, 30),
    "aws_secretsmanager_secret": Window("recovery_window_in_days", 0, 7, 30),
}


def _is_on(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"true", "active"})


def not_protected(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    lifecycle = resource.get("lifecycle.prevent_destroy")
    if _is_on(lifecycle):
        return fail("lifecycle.prevent_destroy is true; remove it (the stack must be destroyable)")
    attr = PROTECTION_ATTRS.get(resource.rtype)
    if attr and _is_on(resource.get(attr)):
        return fail(f"{attr} is {resource.get(attr)!r}; set it to false")
    return ok("nothing stops Terraform deleting it")


def skips_final_snapshot(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    if resource.flag("skip_final_snapshot") is not True:
        return fail(
            f"skip_final_snapshot is {resource.get('skip_final_snapshot')!r}; set it to "
            "true (destroy otherwise needs a final snapshot and leaves data behind)"
        )
    return ok("skips the final snapshot")


def emptied_on_destroy(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    attr = EMPTIED_ON_DESTROY[resource.rtype]
    if resource.flag(attr) is not True:
        return fail(
            f"{attr} is {resource.get(attr)!r}; set it to true so destroy can delete its contents"
        )
    return ok(f"{attr} is true")


def short_deletion_window(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    window = DELETION_WINDOWS[resource.rtype]
    raw = resource.get(window.attr)
    days = window.aws_default if raw is None else raw
    if not isinstance(days, int) or not window.low <= days <= window.high:
        span = f"{window.low}" if window.low == window.high else f"{window.low}-{window.high}"
        shown = f"not set (AWS default {window.aws_default})" if raw is None else repr(raw)
        return fail(f"{window.attr} is {shown}; set it to {span} days")
    return ok(f"{window.attr} is {days} days")


def kinesis_deregisters_consumers(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    value = resource.flag("enforce_consumer_deletion")
    if value is None:
        return fail(
            "enforce_consumer_deletion is not set (registered consumers block deletion)",
            Fix("enforce_consumer_deletion", True, "set enforce_consumer_deletion to true"),
        )
    if not value:
        return fail("enforce_consumer_deletion is false; set it to true")
    return ok("consumers are deregistered on destroy")


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-DESTROY-01", "No resource is protected from deletion", Level.ERROR, None, not_protected
    ),
    Rule(
        "SFX-DESTROY-02",
        "Databases skip the final snapshot",
        Level.ERROR,
        SNAPSHOT_TYPES,
        skips_final_snapshot,
    ),
    Rule(
        "SFX-DESTROY-03",
        "Buckets, backup vaults and repositories are emptied on destroy",
        Level.ERROR,
        frozenset(EMPTIED_ON_DESTROY),
        emptied_on_destroy,
    ),
    Rule(
        "SFX-DESTROY-04",
        "KMS keys and secrets use the shortest deletion windows",
        Level.ERROR,
        frozenset(DELETION_WINDOWS),
        short_deletion_window,
    ),
    Rule(
        "SFX-DESTROY-05",
        "Kinesis streams deregister consumers on destroy",
        Level.ERROR,
        frozenset({"aws_kinesis_stream"}),
        kinesis_deregisters_consumers,
    ),
)
