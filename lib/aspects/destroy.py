"""Destroyable: ``cdktf destroy`` finishes, and a same-named redeploy can follow at once.

Nothing may be protected from deletion, databases skip their final snapshot (backups are AWS
Backup's job), buckets/vaults/repositories are emptied by Terraform, and deletion windows are
the shortest AWS allows (KMS: 7 days; secrets: 0-7 days, so the name is free again within a
week). None of these has a safe automatic fix (each decides the fate of data), except telling
Kinesis to deregister its consumers, which only changes how a destroy proceeds.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.resource_facts import Window, select
from lib.aspects.facts import ResourceFacts, StackFacts
from lib.aspects.model import Finding, Fix, Level, Rule, Twin, fail, ok

# The destroy columns of ``core.resource_facts`` (CKV_SFX_25 reads the same columns).
PROTECTION_ATTRS: Mapping[str, str] = select(lambda row: row.deletion_protection)
SNAPSHOT_TYPES = frozenset(select(lambda row: row.skips_final_snapshot))
EMPTIED_ON_DESTROY: Mapping[str, str] = select(lambda row: row.emptied_on_destroy)
DELETION_WINDOWS: Mapping[str, Window] = select(lambda row: row.deletion_window)
CONSUMER_DEREGISTRATION: Mapping[str, str] = select(lambda row: row.deregisters_consumers)

_SHARED = ("core.resource_facts:select",)


def _twin(rule_part: str) -> Twin:
    return Twin(
        "CKV_SFX_25",
        f"{rule_part} CKV_SFX_25 judges all five destroy rules in one check over the same "
        "table columns; its reader (checkov's view, provider defaults, UNKNOWN for "
        "expressions) stays separate so one parser bug cannot blind both.",
        _SHARED,
    )


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
    attr = CONSUMER_DEREGISTRATION[resource.rtype]
    value = resource.flag(attr)
    if value is None:
        return fail(
            f"{attr} is not set (registered consumers block deletion)",
            Fix(attr, True, f"set {attr} to true"),
        )
    if not value:
        return fail(f"{attr} is false; set it to true")
    return ok("consumers are deregistered on destroy")


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-DESTROY-01",
        "No resource is protected from deletion",
        Level.ERROR,
        None,
        not_protected,
        twin=_twin("Deletion-protection attribute per type:"),
    ),
    Rule(
        "SFX-DESTROY-02",
        "Databases skip the final snapshot",
        Level.ERROR,
        SNAPSHOT_TYPES,
        skips_final_snapshot,
        twin=_twin("Which types are databases that must skip the final snapshot:"),
    ),
    Rule(
        "SFX-DESTROY-03",
        "Buckets, backup vaults and repositories are emptied on destroy",
        Level.ERROR,
        frozenset(EMPTIED_ON_DESTROY),
        emptied_on_destroy,
        twin=_twin("The force-destroy attribute per type:"),
    ),
    Rule(
        "SFX-DESTROY-04",
        "KMS keys and secrets use the shortest deletion windows",
        Level.ERROR,
        frozenset(DELETION_WINDOWS),
        short_deletion_window,
        twin=_twin("Window attribute, bounds (core.policy_numbers) and AWS default per type:"),
    ),
    Rule(
        "SFX-DESTROY-05",
        "Kinesis streams deregister consumers on destroy",
        Level.ERROR,
        frozenset(CONSUMER_DEREGISTRATION),
        kinesis_deregisters_consumers,
        twin=_twin("The consumer-deregistration attribute per type:"),
    ),
)
