"""When ``redrive`` stops, and that it releases every letter it keeps even when it fails midway.

The order of calls is the point here, so the ``Redriver`` runs in-process on real clients of the
session's moto SQS and kinesis-mock, and the test reads the order from botocore's event hooks on
those clients (``CallLog``). What another party does during a run (a letter's hold expiring, the
worker writing a new letter) is done for real from an ``after-call`` hook of the first receive;
an AWS failure is a ``before-call`` short-circuit. The command as a process: test_worker_redrive.py.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_calls import aws_error
from botocore.exceptions import ClientError
from redrive_kit import (
    CallLog,
    after_first_receive,
    letter_body,
    queue_counts,
    redriven,
    send_letter,
)
from streamflix_devtools.standins import sample_request
from streamflix_worker.redrive import (
    RedriveOptions,
    Redriver,
    load_redrive_config,
    operator_grants,
)
from streamflix_worker.redrive_plan import Move, plan
from worker_testkit import Harness

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]


@dataclass
class InProcessRedrive:
    """A ``Redriver`` on its own real clients of this stack, with their calls logged."""

    harness: Harness
    sqs: Any = field(init=False)
    kinesis: Any = field(init=False)
    log: CallLog = field(init=False)
    out: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self.sqs = self.harness.stack.client("sqs")
        self.kinesis = self.harness.stack.client("kinesis")
        self.log = CallLog().attach(self.sqs, self.kinesis)

    def run(self) -> int:
        config = load_redrive_config(self.harness.stack.operator_env)
        grants = operator_grants(config)
        try:
            return Redriver(
                self.sqs, self.kinesis, config, RedriveOptions(), self.out, grants
            ).run()
        finally:
            grants.close()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]


@pytest.fixture
def redrive(harness: Harness) -> InProcessRedrive:
    return InProcessRedrive(harness)


def _letter(harness: Harness, kind: str = "permanent") -> tuple[str, str]:
    """A letter of a fresh request sent to the DLQ: (its MessageId, its video_id)."""
    request = sample_request(harness.stack.bucket, "k.mp4")
    return send_letter(harness, letter_body(request, kind)), str(request["video_id"])


def test_a_message_seen_twice_stops_the_run_and_both_holds_are_released(
    harness: Harness, redrive: InProcessRedrive
) -> None:
    kept, _ = _letter(harness, "invalid_request")
    moved, moved_video = _letter(harness)

    def hold_of_kept_expires(messages: list[dict[str, Any]]) -> None:
        assert {m["MessageId"] for m in messages} == {kept, moved}, "one receive, both letters"
        (message,) = (m for m in messages if m["MessageId"] == kept)
        harness.sqs.change_message_visibility(
            QueueUrl=harness.stack.dlq_url,
            ReceiptHandle=message["ReceiptHandle"],
            VisibilityTimeout=0,
        )

    after_first_receive(redrive.sqs, hold_of_kept_expires)
    code = redrive.run()
    lines = redrive.lines()
    assert code == 0
    assert lines[-1]["stopped"] == "message seen twice"
    assert lines[-1]["received"] == 2
    assert redrive.log.calls == [
        ("put", moved_video),
        ("delete", f"{moved}#1"),
        ("release", f"{kept}#1"),
        ("release", f"{kept}#2"),
    ]
    assert len(redriven(harness)) == 1
    assert queue_counts(harness) == (1, 0), "the kept letter is visible again, the moved one gone"


def test_an_aws_error_midway_still_releases_the_kept_letters(
    harness: Harness, redrive: InProcessRedrive
) -> None:
    kept, _ = _letter(harness, "invalid_request")
    receives = {"n": 0}

    def second_receive_fails(**_: Any) -> Any:
        receives["n"] += 1
        if receives["n"] < 2:
            return None
        return aws_error(harness.stack.dlq_url, 500, "InternalError", "injected by the test")

    redrive.sqs.meta.events.register("before-call.sqs.ReceiveMessage", second_receive_fails)
    with pytest.raises(ClientError) as raised:
        redrive.run()
    assert raised.value.response["Error"]["Code"] == "InternalError"
    assert redrive.log.calls == [("release", f"{kept}#1")]
    assert redrive.lines()[-1]["stopped"] == "error"
    assert queue_counts(harness) == (1, 0), "released now, not after the 300 s hold"


def test_each_letter_is_put_on_the_stream_before_it_is_deleted(
    harness: Harness, redrive: InProcessRedrive
) -> None:
    videos = dict([_letter(harness), _letter(harness)])
    code = redrive.run()
    lines = redrive.lines()
    assert code == 0
    assert [line["action"] for line in lines[:-1]] == ["moved", "moved"]
    assert lines[-1]["stopped"] == "queue empty"
    assert redrive.log.calls == [
        call
        for line in lines[:-1]
        for call in (
            ("put", videos[line["message_id"]]),
            ("delete", f"{line['message_id']}#1"),
        )
    ]
    assert len(redriven(harness)) == 2
    assert queue_counts(harness) == (0, 0)


def _failed_again(redriven_as: str, letter: str) -> str:
    """The letter the worker writes when the request of ``letter``, redriven from SQS message
    ``redriven_as``, fails again."""
    step = plan(redriven_as, letter, frozenset(), datetime.now(UTC))
    assert isinstance(step, Move)
    return letter_body(json.loads(step.record))


def test_a_letter_of_a_redrive_made_by_this_run_is_kept_not_moved_again(
    harness: Harness, redrive: InProcessRedrive
) -> None:
    """Redrive while the cause is not fixed: the worker fails the job again at once and a new
    letter arrives during the run; moving it too would ping-pong until the cause is fixed."""
    first_request = sample_request(harness.stack.bucket, "k.mp4")
    first_letter = letter_body(first_request, "permanent")
    first = send_letter(harness, first_letter)
    older_request = sample_request(harness.stack.bucket, "k.mp4")
    older_letter = letter_body(older_request, "permanent")
    earlier_run = str(uuid.uuid4())  # the DLQ message an earlier redrive moved
    sent: dict[str, str] = {}

    def worker_fails_them_again(messages: list[dict[str, Any]]) -> None:
        assert [m["MessageId"] for m in messages] == [first]
        sent["again"] = send_letter(harness, _failed_again(first, first_letter))
        sent["older"] = send_letter(harness, _failed_again(earlier_run, older_letter))

    after_first_receive(redrive.sqs, worker_fails_them_again)
    code = redrive.run()
    lines = redrive.lines()
    assert code == 0
    actions = {line["message_id"]: line["action"] for line in lines[:-1]}
    assert actions == {first: "moved", sent["again"]: "kept", sent["older"]: "moved"}, (
        "the earlier run's redrive is not this run's"
    )
    (again,) = (line for line in lines[:-1] if line["message_id"] == sent["again"])
    assert "failed again after this run redrove it" in again["reason"]
    assert redrive.log.calls == [
        ("put", first_request["video_id"]),
        ("delete", f"{first}#1"),
        ("put", older_request["video_id"]),
        ("delete", f"{sent['older']}#1"),
        ("release", f"{sent['again']}#1"),
    ]
    assert len(redriven(harness)) == 2
    assert queue_counts(harness) == (1, 0), "the kept letter is visible again"
