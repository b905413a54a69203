"""``python -m streamflix_worker redrive`` as a real process against moto SQS and kinesis-mock
(issue 16 item 7, the operator's half): what moves, what stays visible, and the exit codes."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from aws_calls import AwsCallRecorder
from redrive_kit import (
    letter_body,
    queue_counts,
    redrive,
    redriven,
    run_cli,
    send_letter,
    stream_records,
)
from streamflix_devtools.standins import FAKE_AWS_ENV, sample_request
from streamflix_worker.__main__ import main
from streamflix_worker.redrive_plan import REDRIVE_NAMESPACE
from worker_testkit import Harness, wait_until

pytestmark = [pytest.mark.timeout(150)]
services = pytest.mark.services
CRASHING = (sys.executable, str(Path(__file__).with_name("crashing_redrive.py")))


def _request(harness: Harness, key: str = "late.mp4") -> dict[str, object]:
    return sample_request(harness.stack.bucket, key)


@services
def test_letters_are_moved_with_the_marker_and_deleted(harness: Harness) -> None:
    requests = {
        send_letter(harness, letter_body(request, kind)): (request, kind)
        for request, kind in (
            (_request(harness), "retries_exhausted"),
            (_request(harness), "permanent"),
        )
    }
    result = redrive(harness)
    assert result.returncode == 0, result.stderr
    assert {o["message_id"]: o["action"] for o in result.outcomes} == dict.fromkeys(
        requests, "moved"
    )
    for outcome in result.outcomes:
        request, kind = requests[outcome["message_id"]]
        assert outcome["video_id"] == request["video_id"]
        assert outcome["error_kind"] == kind
        assert outcome["redrive_id"] == str(uuid.uuid5(REDRIVE_NAMESPACE, outcome["message_id"]))
        assert outcome["sequence_number"]
    assert len({o["redrive_id"] for o in result.outcomes}) == 2, "two letters, two ids"
    assert result.summary | {"stopped": None} == {
        "summary": True,
        "stopped": None,
        "dry_run": False,
        "received": 2,
        "moved": 2,
        "would_move": 0,
        "kept": 0,
        "failed": 0,
    }
    assert result.summary["stopped"] == "queue empty"

    records = redriven(harness)
    assert len(records) == 2
    for record in records:
        marker = record.pop("redrive")
        request, kind = requests[marker["dead_letter_id"]]
        assert record.pop("_partition_key") == request["video_id"]
        assert record == request, "the request itself goes back unchanged"
        assert marker["redrive_id"] == str(uuid.uuid5(REDRIVE_NAMESPACE, marker["dead_letter_id"]))
        assert marker["error_kind"] == kind
        assert datetime.fromisoformat(marker["requested_at"]).utcoffset() is not None
    assert queue_counts(harness) == (0, 0), "moved letters are deleted"
    grants = harness.query(
        "SELECT redrive_id::text, video_id::text, granted_by FROM redrive_grants"
    )
    assert sorted(grants) == sorted(
        (o["redrive_id"], o["video_id"], "streamflix_operator") for o in result.outcomes
    ), "each move is recorded as the operator's grant"


@services
def test_a_letter_redriven_twice_carries_the_same_redrive_id(harness: Harness) -> None:
    request = _request(harness)
    message_id = send_letter(harness, letter_body(request))
    crashed = redrive(harness, entry=CRASHING)  # dies after PutRecord, before DeleteMessage
    assert crashed.returncode == 9, crashed.stderr
    assert len(redriven(harness)) == 1
    assert queue_counts(harness) == (1, 0), "the letter is still there"

    again = redrive(harness)
    assert again.returncode == 0, again.stderr
    assert [(o["message_id"], o["action"]) for o in again.outcomes] == [(message_id, "moved")]
    markers = [r["redrive"] for r in redriven(harness)]
    assert len(markers) == 2
    assert {m["redrive_id"] for m in markers} == {again.outcomes[0]["redrive_id"]}
    assert {m["dead_letter_id"] for m in markers} == {message_id}
    assert queue_counts(harness) == (0, 0)


@services
def test_letters_that_cannot_be_redriven_stay_visible_with_the_reason(harness: Harness) -> None:
    good = _request(harness)
    complete = letter_body(_request(harness))
    kept = {
        send_letter(harness, letter_body(b"{not json", "invalid_request", video_id=None)): (
            "invalid_request"
        ),
        send_letter(
            harness, letter_body(_request(harness), payload_encoding="utf-8+truncated")
        ): "truncated",
        send_letter(harness, complete.replace("Sample clip", "Sample clop")): ("payload_sha256"),
        send_letter(harness, "this is not a letter"): "unparseable",
    }
    moved_id = send_letter(harness, letter_body(good))
    result = redrive(harness)
    assert result.returncode == 0, result.stderr
    assert {o["message_id"]: o["action"] for o in result.outcomes} == dict.fromkeys(
        kept, "kept"
    ) | {moved_id: "moved"}
    for outcome in result.by_action("kept"):
        assert kept[outcome["message_id"]] in outcome["reason"]
        assert outcome["redrive_id"] is None
    assert [r["video_id"] for r in redriven(harness)] == [good["video_id"]]
    assert queue_counts(harness) == (4, 0), "kept letters are visible again at once"


@services
def test_dry_run_moves_nothing(harness: Harness) -> None:
    ids = {send_letter(harness, letter_body(_request(harness))) for _ in range(2)}
    result = redrive(harness, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert {o["message_id"]: o["action"] for o in result.outcomes} == dict.fromkeys(
        ids, "would_move"
    )
    assert all(o["redrive_id"] and o["sequence_number"] is None for o in result.outcomes)
    assert result.summary["dry_run"] is True
    assert stream_records(harness) == []
    assert queue_counts(harness) == (2, 0)
    assert harness.query("SELECT count(*) FROM redrive_grants") == [(0,)], "a dry run grants none"


@services
def test_video_id_filter_moves_only_those_videos(harness: Harness) -> None:
    wanted, other = _request(harness), _request(harness)
    send_letter(harness, letter_body(wanted))
    send_letter(harness, letter_body(other))
    result = redrive(harness, "--video-id", str(wanted["video_id"]).upper())
    assert result.returncode == 0, result.stderr
    actions = {o["video_id"]: (o["action"], o["reason"]) for o in result.outcomes}
    assert actions == {
        wanted["video_id"]: ("moved", None),
        other["video_id"]: ("kept", "filtered out by --video-id"),
    }
    assert [r["video_id"] for r in redriven(harness)] == [wanted["video_id"]]
    assert queue_counts(harness) == (1, 0)


@services
def test_max_stops_after_n_messages(harness: Harness) -> None:
    for _ in range(3):
        send_letter(harness, letter_body(_request(harness)))
    result = redrive(harness, "--max", "2")
    assert result.returncode == 0, result.stderr
    assert (result.summary["received"], result.summary["moved"]) == (2, 2)
    assert result.summary["stopped"] == "max reached"
    assert len(redriven(harness)) == 2
    assert queue_counts(harness) == (1, 0)


@services
def test_a_failed_put_keeps_the_letter_and_exits_1(harness: Harness) -> None:
    message_id = send_letter(harness, letter_body(_request(harness)))
    result = redrive(harness, STREAM_NAME="no-such-stream")
    assert result.returncode == 1
    (outcome,) = result.outcomes
    assert (outcome["message_id"], outcome["action"]) == (message_id, "failed")
    assert "PutRecord" in outcome["reason"]
    assert result.summary["failed"] == 1
    assert queue_counts(harness) == (1, 0), "the letter stays, visible"


@services
def test_a_letter_the_worker_wrote_is_redriven(harness: Harness) -> None:
    """The real DeadLetterSink format, not a hand-made one: a job whose upload never came."""
    request = _request(harness, "never-uploaded.mp4")
    harness.put(request, hash_key=0)
    with harness.worker("writes-letter", RETRY_MAX_ATTEMPTS="1"):
        wait_until(lambda: harness.count_status("FAILED") == 1, 40, what="the job FAILED")
        wait_until(lambda: queue_counts(harness)[0] == 1, 20, what="its letter")
    result = redrive(harness)
    assert result.returncode == 0, result.stderr
    assert [(o["video_id"], o["action"]) for o in result.outcomes] == [
        (request["video_id"], "moved")
    ]
    (record,) = redriven(harness)
    assert record["video_id"] == request["video_id"]
    assert record["redrive"]["error_kind"] == result.outcomes[0]["error_kind"]
    assert queue_counts(harness) == (0, 0)


@services
def test_redrive_uses_the_operators_clients_not_the_task_roles(
    harness: Harness,
    aws_calls: AwsCallRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In-process, so the session recorder would see it call through ``aws.make_clients``: the
    task role compared with those calls (test_worker_iam_calls.py) must not gain these."""
    send_letter(harness, letter_body(_request(harness)))
    for name, value in harness.stack.operator_env.items():
        monkeypatch.setenv(name, value)
    assert main(["redrive"]) == 0
    assert '"action": "moved"' in capsys.readouterr().out
    operator_only = {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "kinesis:PutRecord",
    }
    assert aws_calls.calls & operator_only == set()


@services
def test_without_the_operators_login_nothing_is_redriven(harness: Harness) -> None:
    """The grant comes first: the worker's own login cannot write one (V009), so a redrive run
    with it fails each letter, puts nothing on the stream and keeps every letter."""
    send_letter(harness, letter_body(_request(harness)))
    result = redrive(harness, DB_SECRET_ARN=harness.stack.worker_secret_arn)
    assert result.returncode == 1
    (outcome,) = result.by_action("failed")
    assert "could not record the redrive" in outcome["reason"]
    assert "permission denied" in outcome["reason"]
    assert stream_records(harness) == []
    assert queue_counts(harness) == (1, 0)


@pytest.mark.parametrize("variable", ["DLQ_URL", "STREAM_NAME", "AWS_REGION"])
def test_a_missing_variable_is_a_config_error_naming_it(variable: str) -> None:
    env = FAKE_AWS_ENV | {
        "DLQ_URL": "http://127.0.0.1:1/123456789012/dlq",
        "STREAM_NAME": "jobs",
        variable: "",
    }
    done = run_cli(env)
    assert done.returncode == 2
    assert f"configuration error: {variable}: is required" in done.stderr
    assert done.stdout == ""


def test_a_bad_option_is_a_usage_error() -> None:
    done = run_cli(FAKE_AWS_ENV, "--max", "0")
    assert done.returncode == 2
    assert "--max" in done.stderr
