"""Through the real worker process: 1 MiB records that escape worst reach a DLQ whose
``MaximumMessageSize`` is the stack's limit, each letter within it and naming its original."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from streamflix_worker.deadletter import decode_payload, message_size
from test_worker_deadletter import ONE_MIB, padded_to_one_mib, worst_case_request
from worker_testkit import Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]
RECORD_BYTES = ONE_MIB - 1  # Kinesis counts data and partition key ("p") against 1 MiB


def _receive_all(harness: Harness, expect: int, timeout: float) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    def more() -> bool:
        got = harness.sqs.receive_message(
            QueueUrl=harness.stack.dlq_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        )
        messages.extend(got.get("Messages", []))
        return len(messages) >= expect

    wait_until(more, timeout, 0.1, what=f"{expect} dead letters")
    return messages


def test_worst_case_records_are_dead_lettered_within_the_queue_limit(harness: Harness) -> None:
    dlq = harness.stack.dlq_url
    limit = int(harness.stack.env["DLQ_MAX_MESSAGE_BYTES"])
    attributes = harness.sqs.get_queue_attributes(
        QueueUrl=dlq, AttributeNames=["MaximumMessageSize"]
    )["Attributes"]
    assert int(attributes["MaximumMessageSize"]) == limit == 262_144
    with pytest.raises(ClientError, match="Message must be shorter"):  # moto enforces it
        harness.sqs.send_message(QueueUrl=dlq, MessageBody="x" * (limit + 1))

    records = {
        "control characters (not JSON)": b"\x01" * RECORD_BYTES,
        "binary (not UTF-8)": (bytes(range(256)) * (ONE_MIB // 256))[:RECORD_BYTES],
        # passes the schema, refused for its bucket: the largest request, padded to 1 MiB
        "worst-case request": padded_to_one_mib(worst_case_request())[: RECORD_BYTES - 1] + b"}",
    }
    by_digest = {hashlib.sha256(d).hexdigest(): d for d in records.values()}
    for data in records.values():
        harness.put(data, hash_key=0)
    harness.spawn("w-dlq-size")

    messages = _receive_all(harness, len(records), timeout=60)
    assert len(messages) == len(records)
    for message in messages:
        size = message_size(message["Body"], message.get("MessageAttributes", {}))
        assert size <= limit
        letter = json.loads(message["Body"])
        original = by_digest.pop(letter["payload_sha256"])
        assert letter["payload_bytes"] == len(original)
        assert letter["payload_encoding"].endswith("+truncated")
        assert original.startswith(decode_payload(letter["payload"], letter["payload_encoding"]))
        assert letter["error_kind"] == "invalid_request"
        assert message["MessageAttributes"]["error_kind"]["StringValue"] == "invalid_request"
    assert by_digest == {}, "every record was dead-lettered once"
