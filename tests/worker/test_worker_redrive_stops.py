"""When ``redrive`` stops, and that it releases every letter it keeps even when it fails midway
(fake SQS/Kinesis clients: the order of calls is the point here, the real servers are in
test_worker_redrive.py)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from redrive_kit import letter_body
from streamflix_worker.redrive import RedriveConfig, RedriveOptions, Redriver
from streamflix_worker.redrive_plan import Move, plan
from streamflix_worker.standins import sample_request

CONFIG = RedriveConfig("https://sqs/dlq", "jobs", "eu-central-1")


class FakeSqs:
    """Hands out prepared batches; records deletes and visibility changes."""

    def __init__(self, *batches: list[dict[str, str]] | Exception) -> None:
        self.batches = list(batches)
        self.calls: list[tuple[str, str]] = []

    def receive_message(self, **_: Any) -> dict[str, Any]:
        if not self.batches:
            return {}
        batch = self.batches.pop(0)
        if isinstance(batch, Exception):
            raise batch
        return {"Messages": batch}

    def delete_message(self, **call: Any) -> None:
        self.calls.append(("delete", call["ReceiptHandle"]))

    def change_message_visibility(self, **call: Any) -> None:
        assert call["VisibilityTimeout"] == 0
        self.calls.append(("release", call["ReceiptHandle"]))


class FakeKinesis:
    """Records what is put, also in the SQS fake's call list (to check the order)."""

    def __init__(self, sqs: FakeSqs) -> None:
        self.records: list[bytes] = []
        self._sqs = sqs

    def put_record(self, **call: Any) -> dict[str, str]:
        self.records.append(call["Data"])
        self._sqs.calls.append(("put", call["PartitionKey"]))
        return {"SequenceNumber": str(len(self.records))}


def _message(message_id: str, handle: str, kind: str = "permanent") -> dict[str, str]:
    body = letter_body(sample_request("uploads", "k.mp4"), kind)
    return {"MessageId": message_id, "ReceiptHandle": handle, "Body": body}


def _video_id(message: dict[str, str]) -> str:
    return str(json.loads(message["Body"])["video_id"])


def _run(sqs: FakeSqs, **options: Any) -> tuple[int, list[dict[str, Any]], FakeKinesis]:
    out, kinesis = io.StringIO(), FakeKinesis(sqs)
    code = Redriver(sqs, kinesis, CONFIG, RedriveOptions(**options), out).run()
    return code, [json.loads(line) for line in out.getvalue().splitlines()], kinesis


def test_a_message_seen_twice_stops_the_run_and_both_holds_are_released() -> None:
    kept, moved = _message("m1", "h1", "invalid_request"), _message("m2", "h2")
    sqs = FakeSqs([kept, moved], [{**kept, "ReceiptHandle": "h1-again"}])
    code, lines, kinesis = _run(sqs)
    assert code == 0
    assert lines[-1]["stopped"] == "message seen twice"
    assert lines[-1]["received"] == 2
    assert sqs.calls == [
        ("put", _video_id(moved)),
        ("delete", "h2"),
        ("release", "h1"),
        ("release", "h1-again"),
    ]
    assert len(kinesis.records) == 1


def test_an_aws_error_midway_still_releases_the_kept_letters() -> None:
    sqs = FakeSqs(
        [_message("m1", "h1", "invalid_request")], EndpointConnectionError(endpoint_url="x")
    )
    with pytest.raises(EndpointConnectionError):
        _run(sqs)
    assert sqs.calls == [("release", "h1")]


def test_each_letter_is_put_on_the_stream_before_it_is_deleted() -> None:
    first, second = _message("m1", "h1"), _message("m2", "h2")
    sqs = FakeSqs([first, second])
    code, lines, _ = _run(sqs)
    assert code == 0
    assert [line["action"] for line in lines[:-1]] == ["moved", "moved"]
    assert lines[-1]["stopped"] == "queue empty"
    assert sqs.calls == [
        ("put", _video_id(first)),
        ("delete", "h1"),
        ("put", _video_id(second)),
        ("delete", "h2"),
    ]


def _failed_again(redriven_as: str, letter: dict[str, str], new_id: str) -> dict[str, str]:
    """The letter the worker writes when the request of ``letter``, redriven from SQS message
    ``redriven_as``, fails again."""
    step = plan(redriven_as, letter["Body"], frozenset(), datetime.now(UTC))
    assert isinstance(step, Move)
    body = letter_body(json.loads(step.record))
    return {"MessageId": new_id, "ReceiptHandle": f"h-{new_id}", "Body": body}


def test_a_letter_of_a_redrive_made_by_this_run_is_kept_not_moved_again() -> None:
    """Redrive while the cause is not fixed: the worker fails the job again at once and a new
    letter arrives during the run; moving it too would ping-pong until the cause is fixed."""
    first, older = _message("m1", "h1"), _message("m3", "h3")
    sqs = FakeSqs(
        [first],
        [_failed_again("m1", first, "m2"), _failed_again("m0", older, "m4")],
    )
    code, lines, kinesis = _run(sqs)
    assert code == 0
    actions = {line["message_id"]: line["action"] for line in lines[:-1]}
    assert actions == {"m1": "moved", "m2": "kept", "m4": "moved"}, "m0 was an earlier run"
    assert "failed again after this run redrove it" in lines[1]["reason"]
    assert ("release", "h-m2") in sqs.calls
    assert len(kinesis.records) == 2
