"""CKV_SFX_24: every AWS provider deploys to an EU member-state region (data residency choice).

GDPR does not demand EU residency; keeping all processing in the Union is our risk-reduction
decision (docs), enforced here on every provider block, aliases included.
"""

from __future__ import annotations

from typing import Any

from core.policy_numbers import EU_MEMBER_STATE_REGIONS
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxProviderCheck


class ProviderInEu(SfxProviderCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_24",
            "Ensure AWS providers only use EU member-state regions",
            CheckCategories.GENERAL_SECURITY,
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        region = hcl.value(conf, "region")
        if region is None:
            return self.fail("region is not set (it would come from the environment)")
        if hcl.is_expression(region):
            self.details.append(f"region={region} cannot be decided")
            return CheckResult.UNKNOWN
        if region not in EU_MEMBER_STATE_REGIONS:
            return self.fail(f"region={region} is outside the EU member states")
        return CheckResult.PASSED


check = ProviderInEu()
