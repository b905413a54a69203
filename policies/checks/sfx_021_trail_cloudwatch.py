"""CKV_SFX_21: CloudTrail delivers to CloudWatch Logs, where metric filters and alarms watch it."""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck

FIELDS = ("cloud_watch_logs_group_arn", "cloud_watch_logs_role_arn")


class TrailToCloudWatch(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_21",
            "Ensure CloudTrail delivers events to CloudWatch Logs",
            CheckCategories.LOGGING,
            ["aws_cloudtrail"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        missing = [f for f in FIELDS if not hcl.value(conf, f)]
        if missing:
            return self.fail(f"{' and '.join(missing)} not set")
        return CheckResult.PASSED


check = TrailToCloudWatch()
