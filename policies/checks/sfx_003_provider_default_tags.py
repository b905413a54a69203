"""CKV_SFX_3: the AWS provider applies every required tag through ``default_tags``.

Tags are how cost, ownership, data classification and compliance scope are traced; putting them
on the provider makes them reach every taggable resource, including ones added later.
"""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxProviderCheck
from policies.rules import missing_tags


class ProviderDefaultTags(SfxProviderCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_3",
            "Ensure the AWS provider sets every required tag in default_tags",
            CheckCategories.CONVENTION,
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        merged: dict[str, Any] = {}
        for default_tags in hcl.blocks(conf, "default_tags"):
            merged.update(hcl.tags(default_tags))
        missing = missing_tags(merged)
        if missing:
            return self.fail(f"default_tags lacks {', '.join(missing)}")
        return CheckResult.PASSED


check = ProviderDefaultTags()
