"""CKV_SFX_2: log groups keep logs exactly 90 days (our GDPR storage-limitation decision).

Shorter loses incident evidence; longer (or never expiring) keeps personal data in logs beyond
the documented purpose. Built-in CKV_AWS_338 (>= 1 year) is waived for this reason.
"""

from __future__ import annotations

from typing import Any

from core.policy_numbers import POLICY
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck

LOG_RETENTION_DAYS = POLICY.log_retention_days  # the Aspect twin SFX-LOG-01 reads the same field


class LogRetentionExact(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_2",
            f"Ensure CloudWatch log groups keep logs exactly {LOG_RETENTION_DAYS} days",
            CheckCategories.LOGGING,
            ["aws_cloudwatch_log_group"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        raw = hcl.value(conf, "retention_in_days")
        if raw is None:
            return self.fail("retention_in_days is not set: logs never expire")
        days = hcl.as_int(raw)
        if days is None:
            return self.unknown(f"retention_in_days={raw} cannot be decided")
        if days != LOG_RETENTION_DAYS:
            return self.fail(f"retention_in_days={days}, must be {LOG_RETENTION_DAYS}")
        return CheckResult.PASSED


check = LogRetentionExact()
