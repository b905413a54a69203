"""CKV_SFX_18: every alarm notifies an SNS topic when it fires (an alarm nobody hears is noise).

One refinement: an alarm whose actions are all Application Auto Scaling policies (step scaling
on stream lag/idleness) is heard by the scaler; paging people on every scale event is noise.
"""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck


def is_sns_topic(action: str) -> bool:
    return hcl.references_type(action, "aws_sns_topic") or action.startswith("arn:aws:sns:")


def is_scaling_policy(action: str) -> bool:
    return hcl.references_type(action, "aws_appautoscaling_policy") or action.startswith(
        "arn:aws:autoscaling:"
    )


class AlarmNotifiesSns(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_18",
            "Ensure every CloudWatch alarm notifies an SNS topic",
            CheckCategories.LOGGING,
            ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        if hcl.as_bool(hcl.value(conf, "actions_enabled", True)) is False:
            return self.fail("actions_enabled=false")
        actions = hcl.strings(conf, "alarm_actions")
        if not actions:
            return self.fail("alarm_actions is empty")
        if not any(is_sns_topic(a) for a in actions) and not all(
            is_scaling_policy(a) for a in actions
        ):
            return self.fail("alarm_actions has no SNS topic")
        return CheckResult.PASSED


check = AlarmNotifiesSns()
