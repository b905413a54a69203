"""CKV_SFX_4: every taggable resource carries the required tags, own or from provider default_tags.

Checkov does not show a resource check its provider, so this check reads the provider block of
the scanned file (``policies.stackfile``) and merges it as Terraform does for ``tags_all``.
A resource tag set to "" overrides (blanks) the default and fails.
"""

from __future__ import annotations

from typing import Any

from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.rules import missing_tags
from policies.stackfile import StackFile
from policies.taggable import TAGGABLE_TYPES


class RequiredTags(StackResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_4",
            "Ensure every taggable resource carries the required tags",
            CheckCategories.CONVENTION,
            sorted(TAGGABLE_TYPES),
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        effective = dict(stack.default_tags(body))
        own = body.get("tags")
        if isinstance(own, dict):
            effective.update(own)
        elif own is not None:
            return self.unknown(f"tags={own} cannot be decided")
        missing = missing_tags(effective)
        if missing:
            return self.fail(f"missing tags (own or provider default_tags): {', '.join(missing)}")
        return CheckResult.PASSED


check = RequiredTags()
