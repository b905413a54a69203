"""CKV_SFX_17: every dead-letter queue has a CloudWatch alarm (a dead-lettered job pages someone).

Applies to queues that are dead-letter queues in the scanned file; other queues are not reported.
"""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.queues import dead_letter_queues
from policies.stackfile import StackFile

ALARM_TYPES = ("aws_cloudwatch_metric_alarm",)


def watches(alarm: dict[str, Any], queue_ref: str, queue_name: Any) -> bool:
    """True if the alarm's dimensions (or metric queries) name the queue."""
    text = repr(alarm)
    return queue_ref in text or (isinstance(queue_name, str) and f"'{queue_name}'" in text)


class DeadLetterQueueAlarmed(StackResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_17",
            "Ensure every dead-letter queue has a CloudWatch alarm",
            CheckCategories.LOGGING,
            ["aws_sqs_queue"],
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        if name not in dead_letter_queues(stack):
            return CheckResult.UNKNOWN  # not a dead-letter queue: nothing to alarm on
        queue_ref = f"{rtype}.{name}."
        queue_name = hcl.value(conf, "name")
        alarms = [
            a
            for t in ALARM_TYPES
            for a in stack.of_type(t).values()
            if watches(a, queue_ref, queue_name)
        ]
        if not alarms:
            return self.fail("no CloudWatch alarm watches this dead-letter queue")
        return CheckResult.PASSED


check = DeadLetterQueueAlarmed()
