"""Which SQS queues of a stack are dead-letter queues, and which queues have one.

Redrive can be written inline (``aws_sqs_queue.redrive_policy``) or as a separate
``aws_sqs_queue_redrive_policy``; a queue may also declare itself a DLQ (``redrive_allow_policy``).
Our worker dead-letters jobs from Kinesis itself (after its retries), so no queue redrives into
that DLQ: a queue named by the ``dlq`` convention (``streamflix-dlq-<suffix>``) is a DLQ too.
"""

from __future__ import annotations

import re
from typing import Any

from policies import hcl
from policies.stackfile import StackFile

QUEUE = "aws_sqs_queue"
REDRIVE = "aws_sqs_queue_redrive_policy"
DLQ_NAME = re.compile(r"(^|[-_.])(dlq|dead-?letter)([-_.]|$)", re.IGNORECASE)


def _targets(redrive_policy: Any) -> set[str]:
    return {n for t, n in hcl.references(redrive_policy) if t == QUEUE}


def dead_letter_queues(stack: StackFile) -> set[str]:
    """Logical ids of queues that receive another queue's failed messages."""
    found: set[str] = set()
    for name, body in stack.of_type(QUEUE).items():
        found |= _targets(body.get("redrive_policy")) - {name}
        if body.get("redrive_allow_policy") or DLQ_NAME.search(str(body.get("name") or "")):
            found.add(name)
    for body in stack.of_type(REDRIVE).values():
        found |= _targets(body.get("redrive_policy"))
    return found


def has_dead_letter_queue(stack: StackFile, name: str) -> bool:
    body = stack.resource(QUEUE, name) or {}
    if _targets(body.get("redrive_policy")) - {name}:
        return True
    return any(
        (QUEUE, name) in hcl.references(r.get("queue_url")) for r in stack.of_type(REDRIVE).values()
    )
