"""CKV_SFX_23: every resource name (and Name tag) ends with ``-<environment suffix>``.

Several environments share one account; the suffix keeps their names apart and makes ownership
visible. The suffix is the provider's ``default_tags`` Environment tag, or ``SFX_ENVIRONMENT_SUFFIX``
(the gate's ``--suffix``). Log groups whose path AWS dictates (``/aws/rds/cluster/<id>/postgresql``)
pass when a path segment ends with the suffix. ``name_prefix`` (a random tail) fails.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from core.resource_facts import select
from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.rules import ENVIRONMENT_TAG, SUFFIX_ENV_VAR
from policies.stackfile import StackFile
from policies.taggable import TAGGABLE_TYPES

# Where a type writes its name when not in ``name``, and untaggable types that are named: the
# ``name_attrs`` column of core.resource_facts.
NAME_ATTRIBUTES: Mapping[str, tuple[str, ...]] = select(lambda row: row.name_attrs or None)
DEFAULT_NAME_ATTRIBUTES = ("name",)
PATH_NAMED = {"aws_cloudwatch_log_group"}


def names_of(rtype: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, literal name) pairs; a bare ``${reference}`` is someone else's name, not this one."""
    found = [
        (f, body[f])
        for f in NAME_ATTRIBUTES.get(rtype, DEFAULT_NAME_ATTRIBUTES)
        if isinstance(body.get(f), str)
    ]
    tag_map = body.get("tags")
    if isinstance(tag_map, dict) and isinstance(tag_map.get("Name"), str):
        found.append(("tags.Name", tag_map["Name"]))
    return [
        (f, v)
        for f, v in found
        if not (v.startswith("${") and v.endswith("}") and v.count("${") == 1)
    ]


def ends_with_suffix(rtype: str, name: str, suffix: str) -> bool:
    tail = f"-{suffix}"
    if rtype in PATH_NAMED:
        return any(segment.endswith(tail) for segment in name.split("/"))
    return name.endswith(tail)


class NameSuffix(StackResourceCheck):
    def __init__(self) -> None:
        types = TAGGABLE_TYPES | set(NAME_ATTRIBUTES)
        super().__init__(
            "CKV_SFX_23",
            "Ensure every resource name ends with the environment suffix",
            CheckCategories.CONVENTION,
            sorted(types),
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        suffix = os.environ.get(SUFFIX_ENV_VAR) or stack.default_tags(body).get(ENVIRONMENT_TAG)
        if not isinstance(suffix, str) or not suffix:
            return self.unknown(f"no suffix: set {SUFFIX_ENV_VAR} or the {ENVIRONMENT_TAG} tag")
        if body.get("name_prefix") is not None:
            return self.fail("name_prefix gives a random name: use a fixed name with the suffix")
        names = names_of(rtype, body)
        if not names:
            return CheckResult.UNKNOWN  # an unnamed resource: nothing to check
        wrong = [f"{f}={v}" for f, v in names if not ends_with_suffix(rtype, v, suffix)]
        if wrong:
            return self.fail(f"does not end with -{suffix}: {', '.join(wrong)}")
        return CheckResult.PASSED


check = NameSuffix()
