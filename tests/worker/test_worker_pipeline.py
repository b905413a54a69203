"""End to end against real servers: Kinesis -> worker -> PostgreSQL, S3, SQS, SNS."""

from __future__ import annotations

import hashlib
import json

import pytest
from streamflix_devtools.standins import sample_request
from worker_testkit import Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _all_final(harness: Harness, count: int) -> bool:
    finals = harness.count_status("COMPLETED") + harness.count_status("FAILED")
    return finals >= count


def test_jobs_complete_with_facts_history_and_checkpoints(
    harness: Harness, clip_bytes: bytes
) -> None:
    harness.upload("in/clip.mp4", clip_bytes)
    ids = harness.put_jobs("in/clip.mp4", 12)
    with harness.worker():
        wait_until(lambda: harness.count_status("COMPLETED") == 12, 40, what="12 COMPLETED")
        wait_until(lambda: len(harness.checkpoints()) == 2, 10, what="both checkpoints")
    rows = harness.query(
        "SELECT video_id, duration_seconds, file_size_bytes, fingerprint_sha256, probe, "
        "origin_country, european_work, attempts FROM videos"
    )
    assert {str(r[0]) for r in rows} == set(ids)
    for _, duration, size, fingerprint, probe, country, european, attempts in rows:
        assert duration == pytest.approx(1.0, abs=0.1)
        assert size == len(clip_bytes)
        assert fingerprint == hashlib.sha256(clip_bytes).hexdigest()
        assert probe["video_codec"] == "h264" and probe["width"] == 160
        assert (country, european, attempts) == ("DE", True, 1)
    assert all(
        h == ["RECEIVED", "PROCESSING", "COMPLETED"] for h in harness.history_counts().values()
    )
    # each shard's checkpoint is its last record
    for shard_id, (sequence, finished) in harness.checkpoints().items():
        last = harness.kinesis.get_records(
            ShardIterator=harness.kinesis.get_shard_iterator(
                StreamName=harness.stack.stream_name,
                ShardId=shard_id,
                ShardIteratorType="TRIM_HORIZON",
            )["ShardIterator"]
        )["Records"][-1]["SequenceNumber"]
        assert (sequence, finished) == (last, False)
    assert harness.lease_owners() == {}  # released on shutdown


def test_duplicate_records_are_idempotent(harness: Harness, clip_bytes: bytes) -> None:
    harness.upload("dup.mp4", clip_bytes)
    request = sample_request(harness.stack.bucket, "dup.mp4")
    for _ in range(3):
        harness.put(request, hash_key=0)
    with harness.worker():
        wait_until(lambda: harness.count_status("COMPLETED") == 1, 30)
        harness.put(request, hash_key=0)  # a later replay, after completion
        wait_until(lambda: len(harness.checkpoints()) == 1, 10)
        seq = harness.put(sample_request(harness.stack.bucket, "dup.mp4"), hash_key=0)
        wait_until(lambda: harness.checkpoints().get(harness.shard_ids()[0], ("",))[0] == seq, 20)
    assert harness.history_counts()[request["video_id"]] == ["RECEIVED", "PROCESSING", "COMPLETED"]
    assert harness.count_status("COMPLETED") == 2


def test_invalid_and_poison_records_go_to_the_dlq_without_blocking(
    harness: Harness, clip_bytes: bytes
) -> None:
    harness.upload("good.mp4", clip_bytes)
    harness.upload("poison.mp4", b"definitely not a video" * 50)
    bucket = harness.stack.bucket
    poison = sample_request(bucket, "poison.mp4")
    harness.put(b"{broken json", hash_key=0)
    harness.put(sample_request(bucket, "good.mp4", schema_version=9), hash_key=0)
    harness.put(sample_request("some-other-bucket", "good.mp4"), hash_key=0)
    harness.put(poison, hash_key=0)
    good = [sample_request(bucket, "good.mp4") for _ in range(3)]
    for request in good:
        harness.put(request, hash_key=0)
    with harness.worker():
        wait_until(lambda: _all_final(harness, 4), 40, what="poison FAILED, good COMPLETED")
    assert harness.statuses() == {poison["video_id"]: "FAILED"} | {
        r["video_id"]: "COMPLETED" for r in good
    }
    letters = harness.drain_queue(harness.stack.dlq_url, expect=4)
    reasons = sorted((m["error_kind"], m["reason"]) for m in letters)
    assert [k for k, _ in reasons] == ["invalid_request"] * 3 + ["permanent"]
    assert any("not valid JSON" in r for _, r in reasons)
    assert any("unsupported schema_version" in r for _, r in reasons)
    assert any("uploads bucket" in r for _, r in reasons)
    poison_letter = next(m for m in letters if m["error_kind"] == "permanent")
    assert poison_letter["video_id"] == poison["video_id"]
    assert poison_letter["attempts"] == 1  # permanent: never retried
    assert json.loads(poison_letter["payload"]) == poison
    assert harness.history_counts()[poison["video_id"]] == ["RECEIVED", "PROCESSING", "FAILED"]
    assert harness.drain_queue(harness.stack.alerts_queue_url, expect=1, timeout=2) == []


def test_always_transient_job_uses_exact_attempts_then_dlq_and_sns(
    harness: Harness, clip_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.upload("ok.mp4", clip_bytes)
    missing = sample_request(harness.stack.bucket, "never-uploaded.mp4")
    harness.put(missing, hash_key=0)
    after = sample_request(harness.stack.bucket, "ok.mp4")
    harness.put(after, hash_key=0)
    with harness.worker(RETRY_MAX_ATTEMPTS="4"):
        wait_until(lambda: _all_final(harness, 2), 40)
    assert harness.statuses() == {missing["video_id"]: "FAILED", after["video_id"]: "COMPLETED"}
    (letter,) = harness.drain_queue(harness.stack.dlq_url, expect=1)
    assert (letter["error_kind"], letter["attempts"]) == ("retries_exhausted", 4)
    assert "404" in letter["reason"] or "Not Found" in letter["reason"]
    (alert,) = harness.drain_queue(harness.stack.alerts_queue_url, expect=1)
    assert (alert["video_id"], alert["attempts"]) == (missing["video_id"], 4)
    row = harness.query(
        f"SELECT attempt, reason FROM video_status_history WHERE video_id = '{missing['video_id']}' "
        "AND to_status = 'FAILED'"
    )
    assert row[0][0] == 4 and row[0][1].startswith("retries_exhausted")
    docs = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"')]
    retried = sum(sum(d.get("JobsRetried", [])) for d in docs)
    assert retried == 3  # 4 attempts = 3 retries
    assert sum(sum(d.get("JobsDeadLettered", [])) for d in docs) == 1


def _split(harness: Harness, shard_id: str, hash_key: int) -> None:
    harness.kinesis.split_shard(
        StreamName=harness.stack.stream_name,
        ShardToSplit=shard_id,
        NewStartingHashKey=str(hash_key),
    )
    wait_until(
        lambda: (
            harness.kinesis.describe_stream_summary(StreamName=harness.stack.stream_name)[
                "StreamDescriptionSummary"
            ]["StreamStatus"]
            == "ACTIVE"
        ),
        10,
        what="stream ACTIVE after split",
    )


def test_parent_shard_is_finished_before_its_children(make_harness, clip_bytes: bytes) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(1)
    harness.upload("s.mp4", clip_bytes)
    (parent,) = harness.shard_ids()
    before = harness.put_jobs("s.mp4", 6)
    _split(harness, parent, 2**127)  # children exist before the worker starts: gating must hold
    after = harness.put_jobs("s.mp4", 6)
    with harness.worker():
        wait_until(lambda: harness.count_status("COMPLETED") == 12, 60, what="12 COMPLETED")
        # and a split while running: the running child is finished, its children take over
        child = sorted(set(harness.shard_ids()) - {parent})[0]
        _split(harness, child, 2**126)
        later = harness.put_jobs("s.mp4", 4)
        wait_until(lambda: harness.count_status("COMPLETED") == 16, 60, what="16 COMPLETED")
        wait_until(lambda: harness.checkpoints().get(child, (None, False))[1], 20, what="child end")
    checkpoints = harness.checkpoints()
    assert checkpoints[parent][1] is True  # parent read to its end
    received = {
        str(r[0]): r[1]
        for r in harness.query(
            "SELECT video_id, changed_at FROM video_status_history WHERE to_status = 'RECEIVED'"
        )
    }
    assert max(received[v] for v in before) < min(received[v] for v in after)
    shards = dict(harness.query("SELECT video_id::text, source_shard_id FROM videos"))
    assert {shards[v] for v in before} == {parent}
    assert parent not in {shards[v] for v in after + later}
    assert len(harness.shard_ids()) == 5
