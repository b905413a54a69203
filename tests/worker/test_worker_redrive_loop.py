"""The runbook's loop end to end (issue 16 item 7): fail, fix the cause, redrive, COMPLETED; and
each redrive is processed exactly once, however often its record arrives.

The worker's side: a request carrying a redrive marker for a FAILED video runs again once per
``redrive_id``, and the history row that re-opens it carries that id (V008).
"""

from __future__ import annotations

import json
import uuid

import pytest
from redrive_kit import queue_counts, redrive, redriven
from streamflix_devtools.standins import sample_request
from streamflix_worker.redrive_plan import redrive_id
from worker_testkit import Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]
KEY = "arrives-late.mp4"
SHARD_KEY = 0  # one hash key: a later sentinel on it proves the records before it were handled


def _status(harness: Harness, video_id: str) -> str | None:
    return harness.statuses().get(video_id)


def _fail_once(harness: Harness, video_id: str, letters_before: int = 0) -> None:
    wait_until(lambda: _status(harness, video_id) == "FAILED", 40, what="the job FAILED")
    wait_until(lambda: queue_counts(harness)[0] == letters_before + 1, 20, what="its dead letter")


def _redrive_one(harness: Harness) -> dict[str, object]:
    """Redrive the one letter; if it fails again while the command runs, that letter is kept."""
    result = redrive(harness)
    assert result.returncode == 0, result.stderr
    (outcome,) = result.by_action("moved")
    assert all("failed again" in o["reason"] for o in result.by_action("kept")), result.outcomes
    return outcome


def _history(harness: Harness, video_id: str) -> list[tuple[str, str]]:
    """(to_status, redrive_id or "") of the video's history rows, in order."""
    rows = harness.query(
        "SELECT to_status, coalesce(redrive_id::text, '') FROM video_status_history "
        f"WHERE video_id = '{video_id}' ORDER BY id"
    )
    return [(str(status), str(redrive_id)) for status, redrive_id in rows]


def _handled_after(harness: Harness, record: bytes) -> None:
    """Put ``record`` again, then a sentinel behind it on the same shard; wait for the sentinel."""
    harness.put(record, hash_key=SHARD_KEY)
    sentinel = sample_request(harness.stack.bucket, KEY, title="sentinel")
    harness.put(sentinel, hash_key=SHARD_KEY)
    wait_until(
        lambda: _status(harness, sentinel["video_id"]) == "COMPLETED", 40, what="the sentinel"
    )


def test_fail_fix_redrive_completes_and_a_second_delivery_is_not_processed(
    harness: Harness, clip_bytes: bytes
) -> None:
    request = sample_request(harness.stack.bucket, KEY)
    video_id = request["video_id"]
    harness.put(request, hash_key=SHARD_KEY)
    with harness.process("loop", RETRY_MAX_ATTEMPTS="1"):
        _fail_once(harness, video_id)
        harness.upload(KEY, clip_bytes)  # fix the cause
        outcome = _redrive_one(harness)
        wait_until(lambda: _status(harness, video_id) == "COMPLETED", 40, what="COMPLETED")
        history = _history(harness, video_id)
        (marked,) = redriven(harness)
        marked.pop("_partition_key")
        _handled_after(harness, json.dumps(marked).encode())  # a crashed redrive's repeat
    assert _history(harness, video_id) == history, "the same redrive_id ran twice"
    statuses = [status for status, _ in history]
    assert statuses.index("FAILED") < statuses.index("COMPLETED")
    assert statuses.count("COMPLETED") == 1
    assert ("PROCESSING", outcome["redrive_id"]) in history, f"no row says so: {history}"
    assert queue_counts(harness) == (0, 0), "no letter for the repeat"


def test_two_redrives_of_one_video_are_processed_once_each(
    harness: Harness, clip_bytes: bytes
) -> None:
    request = sample_request(harness.stack.bucket, KEY)
    video_id = request["video_id"]
    harness.put(request, hash_key=SHARD_KEY)
    with harness.process("loop-twice", RETRY_MAX_ATTEMPTS="1"):
        _fail_once(harness, video_id)
        first = _redrive_one(harness)  # cause not fixed yet: fails again, one new letter
        _fail_once(harness, video_id)
        wait_until(lambda: len(_history(harness, video_id)) > 3, 20, what="the rerun's rows")
        harness.upload(KEY, clip_bytes)
        second = _redrive_one(harness)
        wait_until(lambda: _status(harness, video_id) == "COMPLETED", 40, what="COMPLETED")
        assert first["redrive_id"] != second["redrive_id"]
        markers = [r["redrive"] for r in redriven(harness)]
        assert [m["redrive_id"] for m in markers] == [first["redrive_id"], second["redrive_id"]]
        for marked in redriven(harness):  # both redrives delivered once more: no effect
            marked.pop("_partition_key")
            _handled_after(harness, json.dumps(marked).encode())
    history = _history(harness, video_id)
    statuses = [status for status, _ in history]
    assert statuses.count("FAILED") == 2, statuses
    redrives = list(dict.fromkeys(r for _, r in history if r))
    assert redrives == [first["redrive_id"], second["redrive_id"]], history
    assert statuses.count("COMPLETED") == 1, statuses
    assert statuses[-1] == "COMPLETED"
    assert queue_counts(harness) == (0, 0)


def _alerts(harness: Harness) -> int:
    attributes = harness.sqs.get_queue_attributes(
        QueueUrl=harness.stack.alerts_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_a_forged_redrive_marker_reopens_nothing_only_the_operators_redrive_does(
    harness: Harness, clip_bytes: bytes
) -> None:
    """Issue 23 item 4: a producer that writes a marker itself, even the exact one the operator
    would write for that letter (``uuid5`` of its MessageId), gets a recorded duplicate: the
    video stays FAILED, no new letter, no new alert. The operator's redrive then runs it."""
    request = sample_request(harness.stack.bucket, KEY)
    video_id = request["video_id"]
    harness.put(request, hash_key=SHARD_KEY)
    with harness.process("forged", RETRY_MAX_ATTEMPTS="1"):
        _fail_once(harness, video_id)
        wait_until(lambda: _alerts(harness) == 1, 20, what="the failure's alert")
        harness.upload(KEY, clip_bytes)  # the cause is fixed: a honoured marker would complete
        (letter,) = harness.sqs.receive_message(
            QueueUrl=harness.stack.dlq_url, VisibilityTimeout=0
        )["Messages"]
        history = _history(harness, video_id)
        guessed = redrive_id(letter["MessageId"])
        for forged_id in (uuid.uuid4(), guessed):
            marker = {
                "redrive_id": str(forged_id),
                "dead_letter_id": letter["MessageId"],
                "error_kind": "retries_exhausted",
                "requested_at": "2026-12-07T03:00:00Z",
            }
            _handled_after(harness, json.dumps(request | {"redrive": marker}).encode())
        assert _status(harness, video_id) == "FAILED"
        assert _history(harness, video_id) == history, "a forged marker re-opened the video"
        assert queue_counts(harness) == (1, 0), "no new letter"
        assert _alerts(harness) == 1, "no new alert"
        duplicates = harness.query(
            "SELECT status_seen, redrive_id::text FROM video_duplicate_requests "
            f"WHERE video_id = '{video_id}' ORDER BY id"
        )
        assert [(s, r) for s, r in duplicates][-2:] == [
            ("FAILED", r) for r in (duplicates[-2][1], str(guessed))
        ]
        outcome = _redrive_one(harness)  # the operator's redrive records its grant first
        assert outcome["redrive_id"] == str(guessed)
        wait_until(lambda: _status(harness, video_id) == "COMPLETED", 40, what="COMPLETED")
    (grant,) = harness.query("SELECT redrive_id::text, granted_by FROM redrive_grants")
    assert grant == (str(guessed), "streamflix_operator")
