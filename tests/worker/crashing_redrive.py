"""A real ``redrive`` process that dies between PutRecord and DeleteMessage.

Test-only entry point (not collected by pytest): the first DeleteMessage kills the process, as
a crash or a lost terminal would, after the record is on the stream and before the letter is
deleted. The letter is first made visible again, as it would be once the hold expired (the
test cannot wait ``HOLD_SECONDS``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from streamflix_worker import redrive
from streamflix_worker.__main__ import main

_operator_clients = redrive.operator_clients


def _dies_before_delete(region: str) -> tuple[Any, Any]:
    sqs, kinesis = _operator_clients(region)

    def die(params: dict[str, Any], **_: Any) -> None:
        sqs.change_message_visibility(
            QueueUrl=params["QueueUrl"], ReceiptHandle=params["ReceiptHandle"], VisibilityTimeout=0
        )
        os._exit(9)

    sqs.meta.events.register("provide-client-params.sqs.DeleteMessage", die)
    return sqs, kinesis


redrive.operator_clients = _dies_before_delete

if __name__ == "__main__":
    sys.exit(main(["redrive", *sys.argv[1:]]))
