"""Every dead letter fits the DLQ's message-size limit as SQS counts it, and every alert fits
SNS', whatever the record: the original's length and SHA-256 always travel with it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from streamflix_devtools.standins import sample_request
from streamflix_worker.config import ConfigError, load_config
from streamflix_worker.deadletter import (
    DEFAULT_DLQ_MAX_MESSAGE_BYTES,
    SNS_MAX_MESSAGE_BYTES,
    DeadLetter,
    DeadLetterSink,
    decode_payload,
    encode_payload,
    message_size,
)
from streamflix_worker.schema import S3_KEY_MAX_BYTES, parse_request
from test_worker_config import BASE

ONE_MIB = 1024 * 1024
LIMITS = [1024, 4096, 65_536, DEFAULT_DLQ_MAX_MESSAGE_BYTES, ONE_MIB]


class Recorder:
    """Stands in for the SQS and SNS clients: keeps what was sent."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_message(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def publish(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def worst_case_request() -> bytes:
    """The largest request the schema accepts in the characters that escape worst: every free
    text at its maximum length in astral characters sent as ``\\ud83d\\ude00`` (12 bytes, 14
    once re-escaped in a letter), the key's 1,024 UTF-8 bytes as ``\\u0001`` (6 bytes each),
    every patterned field at its longest."""
    request = sample_request(
        "b" * 63,
        "\x01" * S3_KEY_MAX_BYTES,
        title="\U0001f600" * 500,
        creator_id="c" * 128,
        content={
            "origin_country": "DE",
            "european_work": True,
            "rights_reference": "\U0001f600" * 500,
            "age_rating": "A" * 16,
        },
    )
    return json.dumps(request).encode()


def padded_to_one_mib(record: bytes) -> bytes:
    """The same request padded with JSON whitespace to Kinesis' 1 MiB record limit."""
    return record[:-1] + b"\n" * (ONE_MIB - len(record)) + record[-1:]


def letter_for(data: bytes, reason: str = "schema violation: title: too long") -> DeadLetter:
    payload, encoding = encode_payload(data)
    return DeadLetter(
        reason=reason,
        error_kind="invalid_request",
        attempts=0,
        stream_name="jobs-" + "s" * 123,
        shard_id="shardId-000000000000",
        sequence_number="4" * 56,
        worker_id="ip-10-0-0-1.eu-central-1.compute.internal-12345",
        payload=payload,
        payload_encoding=encoding,
        video_id="6f1c1f0e-3c52-4a3a-9d0e-0b1a2c3d4e5f",
    )


def sent(letter: DeadLetter, limit: int) -> tuple[dict[str, Any], int]:
    """What the sink sends to a queue of ``limit`` bytes: the body's fields and the size."""
    sqs = Recorder()
    DeadLetterSink(sqs, Recorder(), "url", "arn", "test", limit).send(letter)
    (call,) = sqs.calls
    size = message_size(call["MessageBody"], call["MessageAttributes"])
    return json.loads(call["MessageBody"]), size


def assert_describes(fields: dict[str, Any], data: bytes) -> None:
    """The letter names the original exactly and carries a true prefix of it."""
    assert fields["payload_bytes"] == len(data)
    assert fields["payload_sha256"] == hashlib.sha256(data).hexdigest()
    kept = decode_payload(fields["payload"], fields["payload_encoding"])
    assert data.startswith(kept)
    assert fields["payload_encoding"].endswith("+truncated") == (kept != data)
    for name in ("reason", "error_kind", "attempts", "stream_name", "shard_id"):
        assert name in fields
    for name in ("sequence_number", "worker_id", "video_id", "failed_at"):
        assert name in fields


@pytest.mark.parametrize("limit", LIMITS)
@pytest.mark.parametrize("padded", [False, True], ids=["compact", "padded-1MiB"])
def test_the_largest_request_the_schema_accepts_fits_every_limit(limit: int, padded: bool) -> None:
    data = worst_case_request()
    data = padded_to_one_mib(data) if padded else data
    parse_request(data)  # the schema accepts it
    fields, size = sent(letter_for(data), limit)
    assert size <= limit
    assert_describes(fields, data)
    assert fields["payload_encoding"].startswith("utf-8")  # readable text is kept


def test_a_letter_that_fits_is_sent_whole() -> None:
    data = worst_case_request()
    fields, size = sent(letter_for(data), DEFAULT_DLQ_MAX_MESSAGE_BYTES)
    assert fields["payload_encoding"] == "utf-8"
    assert fields["payload"].encode() == data
    assert size > len(data)  # the astral escapes grew it, and it still fits whole


@pytest.mark.parametrize("limit", [DEFAULT_DLQ_MAX_MESSAGE_BYTES, ONE_MIB])
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("non-utf-8", bytes(range(256)) * (ONE_MIB // 256)),
        ("control-chars", b"\x01" * ONE_MIB),
        ("escaping-json", b'"\\' * (ONE_MIB // 2)),
    ],
)
def test_a_one_mib_record_is_cut_to_fit_and_fills_the_room(
    name: str, data: bytes, limit: int
) -> None:
    fields, size = sent(letter_for(data), limit)
    assert limit - 16 < size <= limit  # cut to the limit, not far below it
    assert_describes(fields, data)
    expected = "base64+truncated" if name == "non-utf-8" else "utf-8+truncated"
    assert fields["payload_encoding"] == expected


def test_a_huge_reason_is_cut_and_marked_too() -> None:
    reason = "database refused: " + "\U0001f600" * 300_000
    fields, size = sent(letter_for(b"{}", reason), DEFAULT_DLQ_MAX_MESSAGE_BYTES)
    assert size <= DEFAULT_DLQ_MAX_MESSAGE_BYTES
    assert fields["reason"].startswith("database refused: \U0001f600")
    assert fields["reason"].endswith(" [truncated]")
    assert_describes(fields, b"{}")


def test_the_alert_fits_sns() -> None:
    sns = Recorder()
    letter = letter_for(b"{}", "\x01" * ONE_MIB)
    DeadLetterSink(Recorder(), sns, "url", "arn", "test").alert(letter)
    (call,) = sns.calls
    size = len(call["Message"].encode()) + len(call["Subject"].encode())
    assert SNS_MAX_MESSAGE_BYTES - 16 < size <= SNS_MAX_MESSAGE_BYTES
    assert json.loads(call["Message"])["reason"].endswith(" [truncated]")


def test_the_limit_is_a_config_knob_with_the_queue_default() -> None:
    assert load_config(BASE).dlq_max_message_bytes == DEFAULT_DLQ_MAX_MESSAGE_BYTES == 262_144
    assert load_config(BASE | {"DLQ_MAX_MESSAGE_BYTES": "1048576"}).dlq_max_message_bytes == ONE_MIB


@pytest.mark.parametrize("value", ["1023", "1048577", "256KiB"])
def test_a_limit_sqs_cannot_have_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(BASE | {"DLQ_MAX_MESSAGE_BYTES": value})
    assert caught.value.variable == "DLQ_MAX_MESSAGE_BYTES"
    assert str(caught.value).startswith("DLQ_MAX_MESSAGE_BYTES: must be")
