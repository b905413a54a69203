"""The SQS dead-letter queue and the SNS alert topic.

A DLQ message carries everything needed to replay or investigate the job: the original
payload, the reason, the attempts made and the record's position in the stream.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class DeadLetter:
    """One job or record that will not be processed."""

    reason: str
    error_kind: str  # "invalid_request" | "permanent" | "retries_exhausted" | "worker_crashed"
    attempts: int
    stream_name: str
    shard_id: str
    sequence_number: str
    worker_id: str
    payload: str
    payload_encoding: str  # "utf-8" or "base64", with "+truncated" if cut to fit SQS
    video_id: str | None = None


MAX_PAYLOAD_BYTES = 160 * 1024  # SQS messages stop at 256 KiB; a Kinesis record can be 1 MiB


def encode_payload(data: bytes) -> tuple[str, str]:
    """Keep text payloads readable, anything else as base64; cut oversized ones (marked)."""
    suffix = ""
    if len(data) > MAX_PAYLOAD_BYTES:
        data, suffix = data[:MAX_PAYLOAD_BYTES], "+truncated"
    try:
        return data.decode("utf-8"), "utf-8" + suffix
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64" + suffix


class DeadLetterSink:
    """Sends dead letters to SQS and critical failures to SNS."""

    def __init__(
        self, sqs: Any, sns: Any, queue_url: str, topic_arn: str, environment: str
    ) -> None:
        self._sqs = sqs
        self._sns = sns
        self._queue_url = queue_url
        self._topic_arn = topic_arn
        self._environment = environment

    def send(self, letter: DeadLetter) -> None:
        body = asdict(letter) | {"failed_at": datetime.now(UTC).isoformat()}
        self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps(body),
            MessageAttributes={
                "error_kind": {"DataType": "String", "StringValue": letter.error_kind},
            },
        )

    def alert(self, letter: DeadLetter) -> None:
        message = {
            "alert": "video processing job failed after all retries",
            "environment": self._environment,
            "video_id": letter.video_id,
            "reason": letter.reason,
            "attempts": letter.attempts,
            "shard_id": letter.shard_id,
            "sequence_number": letter.sequence_number,
        }
        self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=f"StreamFlix worker ({self._environment}): job dead-lettered",
            Message=json.dumps(message),
        )
