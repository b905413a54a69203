"""Tags: every taggable resource carries the required tag set, and no tag carries personal data.

The required set (``StackConfig.required_tags``) is applied once, through the provider's
``default_tags``; these rules check that it is there, that no resource overrides it, and fill
what ``default_tags`` cannot reach: tags ECS copies onto tasks, and the tag blocks of Auto
Scaling groups and launch templates (instances they launch do not get default tags).

Personal data in tags (GDPR; tags are copied into billing, inventories and logs) means:
e-mail addresses, IAM user or assumed-role session ARNs (they name a person), keys that name a
person (creator, uploader, user, author, customer, subscriber, viewer, person, contact, e-mail,
created-by) and values shaped like person ids (``creator-123``, ``user_42``, ``uid:9f3a``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from core.references import without_interpolations
from lib.aspects.facts import ResourceFacts, StackFacts, blocks
from lib.aspects.model import Finding, Fix, Level, Rule, Twin, fail, no_twin, not_applicable, ok

MAX_TAGS = 50
MAX_KEY_LEN = 128
MAX_VALUE_LEN = 256
_ALLOWED = re.compile(r"^[\w\s.:/=+\-@]*$")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PERSON_ARN = re.compile(r"arn:aws[a-z-]*:(?:iam::\d*:user/|sts::\d*:assumed-role/)")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
PERSON_KEY_WORDS = frozenset(
    {
        "creator",
        "uploader",
        "user",
        "author",
        "customer",
        "subscriber",
        "viewer",
        "person",
        "contact",
        "email",
        "mail",
    }
)
_PERSON_ID = re.compile(
    r"(?i)(?:^|[^a-z])(creator|uploader|user|customer|subscriber|viewer|uid)[-_:=#/ ]?"
    r"(?=[0-9a-f]*\d)[0-9a-f]{2,}(?:[^a-z0-9]|$)"
)


def names_a_person(key: str) -> bool:
    """A key such as CreatorId, uploader_name, created-by or e-mail."""
    words = [w.lower() for w in _WORD.findall(key)]
    pairs = {" ".join(p) for p in itertools.pairwise(words)}
    return bool(PERSON_KEY_WORDS & set(words)) or bool({"created by", "e mail"} & pairs)


def personal_data(text: str) -> str | None:
    """Why ``text`` looks like personal data, or None."""
    if _EMAIL.search(text):
        return "contains an e-mail address"
    if _PERSON_ARN.search(text):
        return "contains an IAM user or session ARN (names a person)"
    if _PERSON_ID.search(text):
        return "looks like a creator/user id"
    return None


def tag_problems(tags: Mapping[str, Any]) -> list[str]:
    """Every AWS-limit and personal-data problem of a tag map, each naming the tag."""
    problems: list[str] = []
    for key, raw in tags.items():
        value = "" if raw is None else str(raw)
        literal_key, literal_value = without_interpolations(key), without_interpolations(value)
        if not 1 <= len(key) <= MAX_KEY_LEN:
            problems.append(f"tag key {key!r} must be 1-{MAX_KEY_LEN} characters")
        if len(literal_value) > MAX_VALUE_LEN:
            problems.append(f"tag {key!r} value must be at most {MAX_VALUE_LEN} characters")
        if key.lower().startswith("aws:"):
            problems.append(f"tag key {key!r} uses the reserved aws: prefix")
        for what, text in (("key", literal_key), ("value", literal_value)):
            if not _ALLOWED.match(text):
                problems.append(
                    f"tag {key!r} {what} holds characters AWS rejects "
                    "(allowed: letters, digits, spaces and _ . : / = + - @)"
                )
        if names_a_person(key) or personal_data(key):
            problems.append(f"tag key {key!r} names personal data; tags must not identify people")
        reason = personal_data(literal_value)
        if reason:
            problems.append(f"tag {key!r} value {reason}; tags must carry no personal data")
    return problems


def default_tags(provider: ResourceFacts | None) -> dict[str, Any]:
    if provider is None:
        return {}
    merged: dict[str, Any] = {}
    for block in blocks(provider.attrs.get("default_tags")):
        tags = block.get("tags")
        if isinstance(tags, Mapping):
            merged.update(tags)
    return merged


def provider_default_tags(provider: ResourceFacts, stack: StackFacts) -> Finding:
    if provider.rtype != "provider.aws":
        return not_applicable("not an AWS provider")
    current = default_tags(provider)
    wrong = {
        k: current[k] for k, v in stack.required_tags.items() if k in current and current[k] != v
    }
    if wrong:
        changes = ", ".join(
            f"{k}={current[k]!r} (required {stack.required_tags[k]!r})" for k in sorted(wrong)
        )
        return fail(f"default_tags hold wrong values: {changes}; use StackConfig.required_tags()")
    missing = {k: v for k, v in stack.required_tags.items() if k not in current}
    if missing:
        names = ", ".join(missing)
        # Overrides merge objects but append lists: add keys to the existing block, or the block.
        fix = (
            Fix("default_tags.0.tags", missing, f"added {names} to default_tags")
            if blocks(provider.attrs.get("default_tags"))
            else Fix("default_tags", [{"tags": missing}], f"set default_tags ({names})")
        )
        return fail(f"default_tags lack {names}", fix)
    return ok("default_tags carry every required tag")


def resource_required_tags(resource: ResourceFacts, stack: StackFacts) -> Finding:
    if not resource.taggable:
        return not_applicable("not taggable")
    provider = stack.provider_of(resource)
    if provider is None:
        wanted = resource.attrs.get("provider") or "the default aws provider"
        return fail(
            f"uses {wanted}, which this stack does not configure; no default_tags can reach "
            "the resource"
        )
    overridden = {
        k: v
        for k, v in resource.tags.items()
        if k in stack.required_tags and v != stack.required_tags[k]
    }
    if overridden:
        listing = ", ".join(f"{k}={v!r}" for k, v in sorted(overridden.items()))
        return fail(
            f"tags override required tags with other values ({listing}); remove them "
            "and let default_tags apply"
        )
    effective = {**default_tags(provider), **resource.tags}
    missing = [k for k in stack.required_tags if str(effective.get(k) or "").strip() == ""]
    if missing:
        return fail(
            f"lacks required tags {', '.join(missing)} (neither its own tags nor the "
            f"default_tags of {provider.address} carry them); add them to default_tags"
        )
    if len(effective) > MAX_TAGS:
        return fail(f"carries {len(effective)} tags with default_tags; AWS allows {MAX_TAGS}")
    return ok(f"required tags applied through default_tags of {provider.address}")


def tag_values(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    tags = default_tags(resource) if resource.rtype.startswith("provider.") else resource.tags
    for block in blocks(resource.attrs.get("tag")):  # aws_autoscaling_group tag blocks
        if isinstance(block.get("key"), str):
            tags[block["key"]] = block.get("value")
    for spec in blocks(resource.attrs.get("tag_specifications")):
        if isinstance(spec.get("tags"), Mapping):
            tags.update(spec["tags"])
    if not tags:
        return not_applicable("no tags of its own")
    problems = tag_problems(tags)
    if problems:
        return fail("; ".join(problems))
    return ok(f"{len(tags)} tags within AWS limits and free of personal data")


def ecs_service_tag_propagation(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    """Tasks are not reached by default_tags: the service must copy its tags onto them."""
    propagate = resource.get("propagate_tags")
    managed = resource.flag("enable_ecs_managed_tags")
    if propagate not in (None, "SERVICE", "TASK_DEFINITION"):
        return fail(
            f"propagate_tags is {propagate!r}; set it to SERVICE so tasks carry the required tags"
        )
    if managed is False:
        return fail("enable_ecs_managed_tags is false; set it to true")
    fixes = []
    if propagate is None:
        fixes.append(Fix("propagate_tags", "SERVICE", "set propagate_tags to SERVICE"))
    if managed is None:
        fixes.append(Fix("enable_ecs_managed_tags", True, "set enable_ecs_managed_tags to true"))
    if fixes:
        unset = " and ".join(f.path for f in fixes)
        return fail(f"{unset} not set (tasks would carry no tags)", *fixes)
    return ok(f"tasks inherit the service tags (propagate_tags={propagate})")


def asg_tag_blocks(resource: ResourceFacts, stack: StackFacts) -> Finding:
    """Instances launched by an Auto Scaling group get only its propagate_at_launch tags."""
    existing = list(blocks(resource.attrs.get("tag")))
    have = {b.get("key"): b for b in existing}
    not_propagated = [
        k
        for k, b in have.items()
        if k in stack.required_tags and b.get("propagate_at_launch") is not True
    ]
    if not_propagated:
        return fail(
            f"tag blocks {', '.join(map(str, not_propagated))} must set propagate_at_launch = true"
        )
    missing = [k for k in stack.required_tags if k not in have]
    if missing:
        added = [
            {"key": k, "value": stack.required_tags[k], "propagate_at_launch": True}
            for k in missing
        ]
        names = ", ".join(missing)
        # Overrides append to lists: the fix lists only the blocks to add.
        return fail(
            f"tag blocks lack {names}",
            Fix("tag", added, f"added tag blocks {names} (propagate_at_launch)"),
        )
    return ok("launched instances carry the required tags")


def launch_template_tags(resource: ResourceFacts, stack: StackFacts) -> Finding:
    """Instances and volumes from a launch template get only its tag_specifications tags."""
    specs = {s.get("resource_type"): s for s in blocks(resource.attrs.get("tag_specifications"))}
    lacking = [
        rt
        for rt in ("instance", "volume")
        if not set(stack.required_tags) <= set((specs.get(rt) or {}).get("tags") or {})
    ]
    if not lacking:
        return ok("instance and volume tag specifications carry the required tags")
    # Existing specifications gain the missing keys (objects merge); absent ones are appended.
    order = [s.get("resource_type") for s in blocks(resource.attrs.get("tag_specifications"))]
    fixes = [
        Fix(
            f"tag_specifications.{order.index(rt)}.tags",
            {
                k: v
                for k, v in stack.required_tags.items()
                if k not in (specs[rt].get("tags") or {})
            },
            f"added the required tags to the {rt} tag specification",
        )
        for rt in lacking
        if rt in specs
    ]
    added = [rt for rt in lacking if rt not in specs]
    if added:
        appended = [{"resource_type": rt, "tags": dict(stack.required_tags)} for rt in added]
        fixes.append(
            Fix(
                "tag_specifications",
                appended,
                f"added {', '.join(added)} tag specifications with the required tags",
            )
        )
    return fail(f"tag_specifications for {', '.join(lacking)} lack required tags", *fixes)


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-TAG-01",
        "AWS providers apply the required tags through default_tags",
        Level.ERROR,
        frozenset({"provider.aws"}),
        provider_default_tags,
        twin=Twin(
            "CKV_SFX_3",
            "Kept independent: this rule compares values with StackConfig.required_tags and "
            "fixes what is missing; the check knows only the required keys (policies.rules) and "
            "must work on a stack this code did not produce.",
        ),
    ),
    Rule(
        "SFX-TAG-02",
        "Taggable resources carry the required tags, unaltered",
        Level.ERROR,
        None,
        resource_required_tags,
        twin=Twin(
            "CKV_SFX_4",
            "Kept independent: both merge the provider's default_tags with the resource's own "
            "tags as Terraform's tags_all does, each from its own view of the JSON; which types "
            "are taggable comes from the provider schema on both sides (policies/taggable.json "
            "for the check, the construct classes for this rule).",
        ),
    ),
    Rule(
        "SFX-TAG-03",
        "Tags respect AWS limits and carry no personal data",
        Level.ERROR,
        None,
        tag_values,
        providers=True,
        twin=no_twin(
            "No check: personal data in tags is a pattern question (e-mail, person ids) this "
            "rule answers at synthesis; the gate has no tag-content check."
        ),
    ),
    Rule(
        "SFX-TAG-04",
        "ECS services copy their tags onto tasks",
        Level.ERROR,
        frozenset({"aws_ecs_service"}),
        ecs_service_tag_propagation,
        twin=no_twin(
            "No check: the gate has no check on propagate_tags (tags ECS copies onto tasks "
            "are not in the JSON), so this rule alone judges it."
        ),
    ),
    Rule(
        "SFX-TAG-05",
        "Auto Scaling groups propagate the required tags at launch",
        Level.ERROR,
        frozenset({"aws_autoscaling_group"}),
        asg_tag_blocks,
        twin=no_twin(
            "No check: the stack has no Auto Scaling group; this rule guards the day one is added."
        ),
    ),
    Rule(
        "SFX-TAG-06",
        "Launch templates tag instances and volumes",
        Level.ERROR,
        frozenset({"aws_launch_template"}),
        launch_template_tags,
        twin=no_twin(
            "No check: the stack has no launch template; this rule guards the day one is added."
        ),
    ),
)
