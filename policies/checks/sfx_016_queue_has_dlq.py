"""CKV_SFX_16: failed jobs end in a dead-letter queue: the stream's and every work queue's.

Without one, a poison message is retried until it expires and the failure leaves no trace.
On ``aws_kinesis_stream`` (the job source; the worker dead-letters after its retries) the stack
must hold a DLQ; on ``aws_sqs_queue`` every queue that is not itself a DLQ must redrive to one.
"""

from __future__ import annotations

from typing import Any

from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.queues import dead_letter_queues, has_dead_letter_queue
from policies.stackfile import StackFile


class QueueHasDeadLetterQueue(StackResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_16",
            "Ensure failed jobs of every stream and work queue reach a dead-letter queue",
            CheckCategories.GENERAL_SECURITY,
            ["aws_sqs_queue", "aws_kinesis_stream"],
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        dlqs = dead_letter_queues(stack)
        if rtype == "aws_kinesis_stream":
            if dlqs:
                return CheckResult.PASSED
            return self.fail("the stack has no dead-letter queue for jobs that keep failing")
        if name in dlqs or has_dead_letter_queue(stack, name):
            return CheckResult.PASSED
        return self.fail("no redrive_policy to a dead-letter queue")


check = QueueHasDeadLetterQueue()
