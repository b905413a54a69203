"""One outcome per video, and no input or stop that blocks a shard: real worker processes on
the stand-ins (PostgreSQL, kinesis-mock, moto)."""

from __future__ import annotations

import json
import signal
from functools import partial
from pathlib import Path

import pytest
from streamflix_devtools.standins import sample_request
from worker_testkit import REPO, Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]

FAULTY = (str(REPO / "tests" / "worker" / "faulty_worker.py"),)
SHARD_HASH_KEYS = [i * (2**128 // 4) + 1 for i in range(4)]  # one hash key inside each of 4 shards


def _logged(path: Path, text: bytes, times: int = 1) -> bool:
    return path.exists() and path.read_bytes().count(text) >= times


def _error_lines(harness: Harness, worker_id: str) -> list[str]:
    log = (harness.standins.root / f"{worker_id}.log").read_text()
    return [line for line in log.splitlines() if '"level":"ERROR"' in line or "Traceback" in line]


def _finals(harness: Harness) -> int:
    return harness.count_status("COMPLETED") + harness.count_status("FAILED")


def test_the_same_video_on_four_shards_and_two_workers_has_one_outcome(
    make_harness,  # type: ignore[no-untyped-def]
    clip_bytes: bytes,
) -> None:
    harness: Harness = make_harness(4)
    harness.upload("same.mp4", clip_bytes)
    healthy = [sample_request(harness.stack.bucket, "same.mp4") for _ in range(6)]
    missing = sample_request(harness.stack.bucket, "never-uploaded.mp4")
    for request in [*healthy, missing]:
        for hash_key in SHARD_HASH_KEYS:  # the same request on every shard...
            harness.put(request, hash_key)
        harness.put(request, SHARD_HASH_KEYS[0])  # ...and twice on one
    harness.spawn("one", RETRY_MAX_ATTEMPTS="3")
    harness.spawn("two", RETRY_MAX_ATTEMPTS="3")
    wait_until(lambda: _finals(harness) == 7, 90, what="7 videos final")
    total_records = 7 * 5
    wait_until(
        lambda: (
            harness.query("SELECT count(*) FROM video_duplicate_requests")[0][0]
            == total_records - 7
        ),
        30,
        what="every other record recorded as a duplicate",
    )
    ids = [r["video_id"] for r in healthy]
    assert harness.statuses() == dict.fromkeys(ids, "COMPLETED") | {missing["video_id"]: "FAILED"}
    history = harness.history_counts()
    assert all(history[v] == ["RECEIVED", "PROCESSING", "COMPLETED"] for v in ids)
    assert history[missing["video_id"]] == ["RECEIVED", "PROCESSING", "FAILED"]
    reasons = harness.query("SELECT failure_reason FROM videos WHERE status = 'FAILED'")
    assert reasons[0][0].startswith("retries_exhausted"), reasons  # never worker_crashed
    assert harness.query("SELECT max(unfinished_starts) FROM videos")[0][0] == 0
    duplicates = harness.query(
        "SELECT video_id::text, count(*) FROM video_duplicate_requests GROUP BY 1"
    )
    assert dict(duplicates) == dict.fromkeys([*ids, missing["video_id"]], 4)
    (letter,) = harness.drain_queue(harness.stack.dlq_url, expect=2, timeout=5)
    assert (letter["video_id"], letter["error_kind"]) == (missing["video_id"], "retries_exhausted")
    (alert,) = harness.drain_queue(harness.stack.alerts_queue_url, expect=2, timeout=3)
    assert alert["video_id"] == missing["video_id"]


def _forbid(harness: Harness, constraint: str) -> None:
    """A constraint the schema does not know: the database is the last line of defence."""
    harness.query(f"ALTER TABLE videos ADD CONSTRAINT test_rule CHECK ({constraint}) NOT VALID")


def test_a_record_the_database_refuses_is_dead_lettered_and_the_batch_is_stored(
    harness: Harness, clip_bytes: bytes
) -> None:
    _forbid(harness, "title <> 'refused by the database'")
    harness.upload("ok.mp4", clip_bytes)
    bucket = harness.stack.bucket
    before = [sample_request(bucket, "ok.mp4") for _ in range(3)]
    refused = sample_request(bucket, "ok.mp4", title="refused by the database")
    after = [sample_request(bucket, "ok.mp4") for _ in range(3)]
    for request in [*before, refused, *after]:
        harness.put(request, hash_key=0)
    worker = harness.spawn("w", WORKER_BATCH_SIZE="100")
    wait_until(lambda: harness.count_status("COMPLETED") == 6, 40, what="the good records stored")
    (letter,) = harness.drain_queue(harness.stack.dlq_url, expect=1)
    assert letter["error_kind"] == "invalid_request"
    assert letter["video_id"] == refused["video_id"]
    assert "SQLSTATE 23514" in letter["reason"] and "test_rule" in letter["reason"]
    assert letter["sqlstate"] == "23514"
    assert json.loads(letter["payload"]) == refused
    assert refused["video_id"] not in harness.statuses()
    shard = harness.shard_ids()[0]
    wait_until(lambda: harness.checkpoints().get(shard, (None,))[0] is not None, 10)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert _error_lines(harness, "w") == []


def test_an_outcome_the_database_refuses_fails_only_that_video(
    harness: Harness, clip_bytes: bytes
) -> None:
    _forbid(harness, f"file_size_bytes IS NULL OR file_size_bytes <> {len(clip_bytes) + 1}")
    harness.upload("ok.mp4", clip_bytes)
    harness.upload("odd.mp4", clip_bytes + b"\0")  # one byte more: its facts are refused
    bucket = harness.stack.bucket
    good = [sample_request(bucket, "ok.mp4") for _ in range(3)]
    odd = sample_request(bucket, "odd.mp4")
    for request in [good[0], odd, *good[1:]]:
        harness.put(request, hash_key=0)
    with harness.process("w"):
        wait_until(lambda: _finals(harness) == 4, 40, what="4 videos final")
    assert harness.statuses() == {r["video_id"]: "COMPLETED" for r in good} | {
        odd["video_id"]: "FAILED"
    }
    (letter,) = harness.drain_queue(harness.stack.dlq_url, expect=1)
    assert (letter["error_kind"], letter["video_id"]) == ("permanent", odd["video_id"])
    assert "SQLSTATE 23514" in letter["reason"] and letter["sqlstate"] == "23514"
    (reason,) = harness.query(
        f"SELECT failure_reason FROM videos WHERE video_id = '{odd['video_id']}'"
    )[0]
    assert "SQLSTATE 23514" in reason


def test_shutdown_interruptions_never_count_as_crashes(harness: Harness, clip_bytes: bytes) -> None:
    """A job in flight when the drain times out, or when Fargate kills the task after its
    SIGTERM, is interrupted by the shutdown: however often, it is never dead-lettered."""
    harness.upload("slow.mp4", clip_bytes)
    slow = sample_request(harness.stack.bucket, "slow.mp4")
    harness.put(slow, hash_key=0)
    # spot-kill: SIGTERM, then killed by Fargate before the drain could end; drain: the drain
    # times out with the job in flight. The rounds alternate so that both meet a first start,
    # a start reclaimed after a kill (crash-guard mark) and a start resumed after a hand-back.
    for name in ["spot-kill-1", "spot-kill-2", "drain-1", "spot-kill-3", "drain-2", "drain-3"]:
        worker = harness.spawn(
            name, FAULTY, SLOW_VIDEO_ID=slow["video_id"], DRAIN_TIMEOUT_SECONDS="1"
        )
        log = harness.standins.root / f"{name}.log"
        wait_until(partial(_logged, log, b"slow job started"), 60, 0.05, what=f"{name} in flight")
        worker.send_signal(signal.SIGTERM)
        if name.startswith("spot-kill"):
            wait_until(partial(_logged, log, b"interrupted jobs given back"), 20, 0.02)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        else:
            assert worker.wait(30) == 0
        row = harness.query(
            f"SELECT status, unfinished_starts FROM videos WHERE video_id = '{slow['video_id']}'"
        )
        assert row == [("PROCESSING", 0)], name
    with harness.worker("finisher"):
        wait_until(lambda: harness.count_status("COMPLETED") == 1, 40, what="COMPLETED")
    assert harness.drain_queue(harness.stack.dlq_url, expect=1, timeout=1) == []


def test_a_drain_while_kinesis_throttles_is_no_error(harness: Harness, clip_bytes: bytes) -> None:
    harness.upload("t.mp4", clip_bytes)
    ids = harness.put_jobs("t.mp4", 4)
    worker = harness.spawn("throttled", FAULTY, THROTTLE_GET_RECORDS_AFTER="6")
    wait_until(lambda: harness.count_status("COMPLETED") == 4, 40, what="4 COMPLETED")
    log = harness.standins.root / "throttled.log"
    wait_until(partial(_logged, log, b"AWS call failed, retrying"), 30, 0.1, what="throttled")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert _error_lines(harness, "throttled") == []
    assert b'"message":"drained"' in log.read_bytes()
    assert set(harness.statuses()) == set(ids)


def test_a_hand_back_keeps_the_batched_path(harness: Harness, clip_bytes: bytes) -> None:
    """SIGTERM mid-batch: the unfinished claims are handed back, and the next owner records
    them in its batch (one commit), not one transaction per job as after a crash."""
    harness.upload("h.mp4", clip_bytes)
    ids = harness.put_jobs("h.mp4", 100, spread=False)
    worker = harness.spawn("first")
    wait_until(lambda: harness.count_status("PROCESSING") > 0, 30, 0.02, what="a batch claimed")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert _error_lines(harness, "first") == []
    left = harness.count_status("PROCESSING")
    assert left > 20, "the stop must land early in the batch"
    assert (
        harness.query(
            "SELECT count(*) FROM videos WHERE claimed_by IS NOT NULL AND status = 'PROCESSING'"
        )[0][0]
        == 0
    )
    with harness.worker("next"):
        wait_until(lambda: harness.count_status("COMPLETED") == 100, 90, what="100 COMPLETED")
    commits = harness.query(
        "SELECT count(DISTINCT v.updated_at) FROM videos v JOIN video_status_history h "
        "ON h.video_id = v.video_id AND h.to_status = 'COMPLETED' AND h.worker_id = 'next'"
    )[0][0]
    assert commits <= 3, f"{left} handed-back jobs took {commits} commits"
    assert harness.query("SELECT max(unfinished_starts) FROM videos")[0][0] == 0
    assert harness.history_counts() == {v: ["RECEIVED", "PROCESSING", "COMPLETED"] for v in ids}


def test_loosely_typed_values_are_dead_lettered_naming_the_field(
    harness: Harness, clip_bytes: bytes
) -> None:
    """No loose coercion in the worker: ``"yes"`` is no boolean, a number is no timestamp."""
    harness.upload("ok.mp4", clip_bytes)
    bucket = harness.stack.bucket
    loose_bool = sample_request(bucket, "ok.mp4")
    loose_bool["content"] = loose_bool["content"] | {"european_work": "yes"}
    loose_time = sample_request(bucket, "ok.mp4", uploaded_at=1764158400)
    good = sample_request(bucket, "ok.mp4")
    for request in (loose_bool, loose_time, good):
        harness.put(request, hash_key=0)
    with harness.process("strict"):
        wait_until(lambda: harness.count_status("COMPLETED") == 1, 40, what="the good one")
        letters = harness.drain_queue(harness.stack.dlq_url, expect=2)
    assert harness.statuses() == {good["video_id"]: "COMPLETED"}
    reasons = {json.loads(m["payload"])["video_id"]: m["reason"] for m in letters}
    assert {m["error_kind"] for m in letters} == {"invalid_request"}
    assert "content.european_work" in reasons[loose_bool["video_id"]]
    assert "uploaded_at" in reasons[loose_time["video_id"]]
