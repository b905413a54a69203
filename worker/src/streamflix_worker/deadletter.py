"""The SQS dead-letter queue and the SNS alert topic.

A DLQ message carries everything needed to replay or investigate the job: the original
payload, the reason, the attempts made and the record's position in the stream.

A Kinesis record can be 1 MiB and JSON-escaping can grow it six-fold, but SQS refuses a message
over the queue's ``MaximumMessageSize`` and counts the body *plus every message attribute's
name, type and value* against it ("All parts of the message attribute, including Name, Type,
and Value, are part of the message size restriction": SQS API reference,
MessageAttributeValue). So the sink measures the encoded message, and when it would not fit it
cuts the payload (marked ``+truncated``; ``payload_bytes`` and ``payload_sha256`` always
describe the original) and, if still needed, the reason. The SNS alert is bounded the same way
(SNS Publish: messages at most 256 KiB).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

# SQS MaximumMessageSize: 1,024 bytes to 1 MiB (the maximum was raised from 256 KiB in 2025);
# the worker's default is the classic 256 KiB, the DLQ's explicit setting in the stack.
SQS_MIN_MESSAGE_BYTES = 1024
SQS_MAX_MESSAGE_BYTES = 1_048_576
DEFAULT_DLQ_MAX_MESSAGE_BYTES = 262_144
SNS_MAX_MESSAGE_BYTES = 262_144  # SNS Publish: at most 256 KiB (262,144 bytes) of UTF-8
TRUNCATED = "+truncated"
REASON_CUT_MARK = " [truncated]"


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
    payload: str  # the whole record (``encode_payload``); the sink cuts it to fit the queue
    payload_encoding: str  # "utf-8" or "base64"; in a sent message "+truncated" if cut
    video_id: str | None = None
    sqlstate: str | None = None  # when the database refused the record or its outcome


def encode_payload(data: bytes) -> tuple[str, str]:
    """The whole payload: readable text when it is UTF-8, base64 otherwise (lossless)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def decode_payload(payload: str, encoding: str) -> bytes:
    """The bytes ``encode_payload`` encoded (of a cut payload: the bytes kept)."""
    if encoding.removesuffix(TRUNCATED) == "base64":
        return base64.b64decode(payload)
    return payload.encode("utf-8")


def _dumps(fields: dict[str, Any]) -> str:
    """ASCII JSON: every character outside printable ASCII is escaped, so the body's length is
    its size in bytes and it holds only characters SQS accepts (no U+FFFE/U+FFFF, no controls)."""
    return json.dumps(fields, ensure_ascii=True)


def _escaped_len(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=True)) - 2


def _longest_prefix(n: int, fits: Callable[[int], bool]) -> int:
    """The largest ``k <= n`` with ``fits(k)``, given that ``fits`` holds up to some point."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def fit_text(text: str, room: int, mark: str = "") -> str:
    """``text`` if its JSON escaping fits ``room`` bytes, else its longest prefix that fits
    together with ``mark`` (whole characters: an escape sequence is never split)."""
    if _escaped_len(text) <= room:
        return text
    room -= _escaped_len(mark)
    # every character escapes to at least one byte: no prefix longer than ``room`` can fit
    keep = _longest_prefix(min(len(text), max(room, 0)), lambda k: _escaped_len(text[:k]) <= room)
    return text[:keep] + mark


def _fit_payload(original: bytes, encoding: str, room: int) -> tuple[str, str]:
    """As much of the payload as fits ``room`` escaped bytes, as text if it is text; the
    encoding says ``+truncated`` when something was cut."""
    if encoding == "utf-8":
        text = original.decode("utf-8")
        kept = fit_text(text, room)
        return kept, encoding + (TRUNCATED if kept != text else "")
    data = original[: max(room, 0) // 4 * 3]  # base64: 4 ASCII bytes per 3 bytes
    return base64.b64encode(data).decode("ascii"), encoding + (
        TRUNCATED if data != original else ""
    )


def bounded_body(letter: DeadLetter, failed_at: str, budget: int) -> str:
    """The letter as a JSON body of at most ``budget`` bytes, with the original payload's
    length and SHA-256; the payload, then the reason, are cut (marked) when they must be."""
    encoding = letter.payload_encoding.removesuffix(TRUNCATED)
    original = decode_payload(letter.payload, encoding)
    fields = asdict(letter) | {
        "payload_encoding": encoding,
        "payload_bytes": len(original),
        "payload_sha256": hashlib.sha256(original).hexdigest(),
        "failed_at": failed_at,
    }
    body = _dumps(fields)
    if len(body) <= budget:
        return body
    fields |= {"payload": "", "payload_encoding": encoding + TRUNCATED}
    fixed = len(_dumps(fields | {"reason": ""}))
    fields["reason"] = fit_text(letter.reason, budget - fixed, REASON_CUT_MARK)
    room = budget - len(_dumps(fields))
    if room < 0:
        raise ValueError(
            f"a dead letter's fixed fields need {fixed} bytes: more than the {budget} left "
            "by DLQ_MAX_MESSAGE_BYTES"
        )
    fields["payload"], fields["payload_encoding"] = _fit_payload(original, encoding, room)
    return _dumps(fields)


def message_size(body: str, attributes: dict[str, dict[str, str]]) -> int:
    """A message's size as SQS counts it: body plus attribute names, types and values."""
    size = len(body.encode("utf-8"))
    for name, value in attributes.items():
        size += len(name.encode("utf-8")) + len(value["DataType"].encode("utf-8"))
        size += len(value.get("StringValue", "").encode("utf-8"))
    return size


def bounded_alert(letter: DeadLetter, environment: str, budget: int) -> str:
    """The alert's JSON, its reason cut (marked) so that it fits ``budget`` bytes."""
    message = {
        "alert": "video processing job failed after all retries",
        "environment": environment,
        "video_id": letter.video_id,
        "reason": "",
        "attempts": letter.attempts,
        "shard_id": letter.shard_id,
        "sequence_number": letter.sequence_number,
    }
    room = budget - len(_dumps(message))
    return _dumps(message | {"reason": fit_text(letter.reason, room, REASON_CUT_MARK)})


class DeadLetterSink:
    """Sends dead letters to SQS (each within the queue's size limit) and alerts to SNS."""

    def __init__(
        self,
        sqs: Any,
        sns: Any,
        queue_url: str,
        topic_arn: str,
        environment: str,
        max_message_bytes: int = DEFAULT_DLQ_MAX_MESSAGE_BYTES,
    ) -> None:
        self._sqs = sqs
        self._sns = sns
        self._queue_url = queue_url
        self._topic_arn = topic_arn
        self._environment = environment
        self._max_message_bytes = max_message_bytes

    def message(self, letter: DeadLetter) -> tuple[str, dict[str, dict[str, str]]]:
        """The body and attributes sent for ``letter``: together within the queue's limit."""
        attributes = {"error_kind": {"DataType": "String", "StringValue": letter.error_kind}}
        budget = self._max_message_bytes - message_size("", attributes)
        return bounded_body(letter, datetime.now(UTC).isoformat(), budget), attributes

    def send(self, letter: DeadLetter) -> None:
        body, attributes = self.message(letter)
        self._sqs.send_message(
            QueueUrl=self._queue_url, MessageBody=body, MessageAttributes=attributes
        )

    def alert(self, letter: DeadLetter) -> None:
        subject = f"StreamFlix worker ({self._environment}): job dead-lettered"
        budget = SNS_MAX_MESSAGE_BYTES - len(subject.encode("utf-8"))  # subject counted too
        self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=subject,
            Message=bounded_alert(letter, self._environment, budget),
        )
