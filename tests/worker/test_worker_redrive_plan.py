"""Which dead letters ``redrive`` moves, with what marker, and why it keeps the others (pure)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from redrive_kit import letter_body
from streamflix_devtools.standins import sample_request
from streamflix_worker.config import ConfigError
from streamflix_worker.redrive import load_redrive_config
from streamflix_worker.redrive_plan import REDRIVE_NAMESPACE, Keep, Move, plan, redrive_id
from streamflix_worker.schema import InvalidRequestError, parse_request

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
MESSAGE_ID = "6f1c2a8e-1b7d-4c3e-9a51-0d2f3b4c5d6e"


def _request(**overrides: Any) -> dict[str, Any]:
    return sample_request("uploads-test", "clip.mp4", **overrides)


def _move(body: str, *video_ids: uuid.UUID) -> Move:
    step = plan(MESSAGE_ID, body, frozenset(video_ids), NOW)
    assert isinstance(step, Move), step
    return step


def _kept(body: str, *video_ids: uuid.UUID) -> str:
    step = plan(MESSAGE_ID, body, frozenset(video_ids), NOW)
    assert isinstance(step, Keep), step
    return step.reason


def test_the_record_is_the_request_plus_the_marker() -> None:
    request = _request()
    step = _move(letter_body(request, "permanent"))
    record = json.loads(step.record)
    assert record.pop("redrive") == {
        "redrive_id": str(uuid.uuid5(REDRIVE_NAMESPACE, MESSAGE_ID)),
        "dead_letter_id": MESSAGE_ID,
        "error_kind": "permanent",
        "requested_at": "2026-12-02T20:00:00Z",
    }
    assert record == request
    assert (step.video_id, step.error_kind) == (request["video_id"], "permanent")
    assert parse_request(step.record).redrive is not None


def test_redrive_id_is_stable_per_message_and_distinct_between_messages() -> None:
    assert redrive_id(MESSAGE_ID) == redrive_id(MESSAGE_ID)
    assert redrive_id(MESSAGE_ID) != redrive_id(MESSAGE_ID.replace("6f", "7f"))
    body = letter_body(_request())
    later = plan(MESSAGE_ID, body, frozenset(), datetime(2027, 1, 1, tzinfo=UTC))
    assert isinstance(later, Move)
    assert later.redrive_id == _move(body).redrive_id


def test_a_redriven_request_that_failed_again_gets_the_new_marker_not_a_nested_one() -> None:
    first = json.loads(_move(letter_body(_request())).record)
    again = plan("another-message", letter_body(first), frozenset(), NOW)
    assert isinstance(again, Move)
    marker = json.loads(again.record)["redrive"]
    assert marker["dead_letter_id"] == "another-message"
    assert marker["redrive_id"] == str(redrive_id("another-message"))
    assert set(marker) == {"redrive_id", "dead_letter_id", "error_kind", "requested_at"}


def test_base64_payloads_are_decoded() -> None:
    request = _request()
    data = json.dumps(request).encode()
    body = json.loads(letter_body(request))
    body |= {"payload": base64.b64encode(data).decode(), "payload_encoding": "base64"}
    assert json.loads(_move(json.dumps(body)).record)["video_id"] == request["video_id"]


def test_letters_without_digest_or_length_are_still_redrivable() -> None:
    body = json.loads(letter_body(_request()))
    del body["payload_sha256"], body["payload_bytes"]
    assert _move(json.dumps(body))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"error_kind": "invalid_request"}, "producer must send a corrected one"),
        ({"payload_encoding": "utf-8+truncated"}, "payload truncated"),
        ({"payload_encoding": "base64+truncated"}, "payload truncated"),
        ({"payload_sha256": "0" * 64}, "payload_sha256"),
        ({"payload_bytes": 3}, "the letter says 3"),
        ({"video_id": None}, "no video_id"),
        ({"video_id": str(uuid.uuid4())}, "differs from the letter's"),
        ({"error_kind": None}, "no error_kind"),
        ({"payload": None}, "no payload"),
        ({"payload_encoding": "utf-16"}, "unknown payload_encoding"),
        ({"payload_encoding": "base64"}, "does not decode as base64"),
        ({"error_kind": "Not-A-Kind"}, "no valid redrive marker"),
    ],
)
def test_letters_that_cannot_run_again_are_kept_with_the_reason(
    change: dict[str, Any], reason: str
) -> None:
    body = json.loads(letter_body(_request())) | change
    assert reason in _kept(json.dumps(body))


def test_a_payload_that_is_no_longer_a_valid_request_is_kept() -> None:
    request = _request(schema_version=2)
    assert "payload is not a valid request: unsupported schema_version" in _kept(
        letter_body(request)
    )


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null"])
def test_unparseable_letters_are_kept(body: str) -> None:
    assert _kept(body).startswith("unparseable letter")


def test_the_video_id_filter() -> None:
    request = _request()
    body = letter_body(request)
    assert _move(body, uuid.UUID(request["video_id"]))
    assert _kept(body, uuid.uuid4()) == "filtered out by --video-id"


def test_the_schema_refuses_a_malformed_marker() -> None:
    record = json.loads(_move(letter_body(_request())).record)
    for bad in (
        record["redrive"] | {"extra": 1},
        record["redrive"] | {"redrive_id": "not-a-uuid"},
        record["redrive"] | {"requested_at": "2026-12-02T20:00:00"},
        {k: v for k, v in record["redrive"].items() if k != "dead_letter_id"},
    ):
        with pytest.raises(InvalidRequestError, match="redrive"):
            parse_request(json.dumps(record | {"redrive": bad}).encode())


@pytest.mark.parametrize(
    "variable", ["DLQ_URL", "STREAM_NAME", "AWS_REGION", "DB_HOST", "DB_NAME", "DB_SECRET_ARN"]
)
def test_config_names_the_missing_variable(variable: str) -> None:
    env = {
        "DLQ_URL": "https://sqs/dlq",
        "STREAM_NAME": "jobs",
        "AWS_REGION": "eu-central-1",
        "DB_HOST": "db",
        "DB_NAME": "streamflix",
        "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:operator",
    }
    assert load_redrive_config(env).stream_name == "jobs"
    with pytest.raises(ConfigError) as caught:
        load_redrive_config(env | {variable: " "})
    assert caught.value.variable == variable
