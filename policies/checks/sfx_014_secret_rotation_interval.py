"""CKV_SFX_14: secrets rotate at least every 30 days (a leaked credential dies within a month)."""

from __future__ import annotations

import re
from typing import Any

from core.policy_numbers import POLICY
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck

MAX_SECRET_ROTATION_DAYS = POLICY.max_secret_rotation_days

RATE = re.compile(r"^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$")


class SecretRotationInterval(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_14",
            f"Ensure secrets rotate at least every {MAX_SECRET_ROTATION_DAYS} days",
            CheckCategories.SECRETS,
            ["aws_secretsmanager_secret_rotation"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        rules = hcl.block(conf, "rotation_rules")
        if rules is None:
            return self.fail("rotation_rules is not set")
        after = hcl.value(rules, "automatically_after_days")
        schedule = hcl.value(rules, "schedule_expression")
        if after is not None:
            days = hcl.as_int(after)
            if days is None:
                return self.unknown(f"automatically_after_days={after} cannot be decided")
        elif isinstance(schedule, str) and (match := RATE.match(schedule.strip())):
            days = int(match.group(1)) // (24 if match.group(2).startswith("hour") else 1)
        elif schedule:
            return self.unknown(f"schedule_expression={schedule} is not a rate() expression")
        else:
            return self.fail("rotation_rules has no interval")
        if days > MAX_SECRET_ROTATION_DAYS:
            return self.fail(f"rotates every {days} days (> {MAX_SECRET_ROTATION_DAYS})")
        return CheckResult.PASSED


check = SecretRotationInterval()
