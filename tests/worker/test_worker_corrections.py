"""Issue 23 item 2: a different request for a video already done is kept whole, and counted
apart from a replay of the same request.

The rule (worker/README.md, "Corrections"): one outcome per video, so the worker never
processes a second request for a video in progress or done. A replay with the same content is
a duplicate (``JobsDuplicate``); a request with different content (a producer's correction) is
recorded with ``same_content = false`` and its whole content in ``request``
(``JobsDuplicateChanged``), for the operator to act on.
"""

from __future__ import annotations

import json
import signal
import uuid
from typing import Any

import pytest
from redrive_kit import redrive
from streamflix_devtools.standins import sample_request
from streamflix_worker import store
from streamflix_worker.schema import parse_request
from worker_testkit import Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
SHARD = "shardId-000000000000"


def _job(request: dict[str, Any], sequence: int) -> store.Job:
    return store.Job(parse_request(json.dumps(request).encode()), SHARD, str(10**20 + sequence))


def _recorded(harness: Harness, video_id: str) -> list[tuple[Any, ...]]:
    return harness.query(
        "SELECT status_seen, same_content, request->>'source_key', request->>'title' "
        f"FROM video_duplicate_requests WHERE video_id = '{video_id}' ORDER BY id"
    )


def test_replays_and_corrections_are_told_apart_and_corrections_kept_whole(
    harness: Harness,
) -> None:
    request = sample_request(harness.stack.bucket, "missing.mp4")
    corrected = request | {"source": {"bucket": harness.stack.bucket, "key": "fixed.mp4"}}
    retitled = request | {"title": "Sample clip, director's cut"}
    video_id = request["video_id"]
    with harness.connect(as_worker=True) as conn, conn.transaction():
        store.claim(conn, [_job(request, 0)], "w-1")
        store.complete(conn, [store.Outcome(uuid.UUID(video_id), "FAILED", 1, reason="x")], "w-1")
    batch = [_job(request, 1), _job(corrected, 2), _job(request, 3), _job(retitled, 4)]
    with harness.connect(as_worker=True) as conn, conn.transaction():
        claims = store.claim(conn, batch, "w-1")
    assert [claims.by_sequence[j.sequence_number] for j in batch] == [
        store.Claim("duplicate", "FAILED"),
        store.Claim("duplicate", "FAILED", changed=True),
        store.Claim("duplicate", "FAILED"),
        store.Claim("duplicate", "FAILED", changed=True),
    ]
    assert _recorded(harness, video_id) == [
        ("FAILED", True, None, None),
        ("FAILED", False, "fixed.mp4", "Sample clip"),
        ("FAILED", True, None, None),
        ("FAILED", False, "missing.mp4", "Sample clip, director's cut"),
    ]
    assert harness.statuses() == {video_id: "FAILED"}, "never processed: one outcome per video"


def test_a_correction_is_kept_counted_apart_and_run_by_redrive_latest(
    harness: Harness, clip_bytes: bytes
) -> None:
    """Video Z fails (its upload is missing), the producer sends Z again with a corrected
    source: the worker keeps the correction (never runs it itself), and the operator's
    ``redrive --latest`` runs it to COMPLETED with the corrected content recorded."""
    request = sample_request(harness.stack.bucket, "missing.mp4")
    video_id = request["video_id"]
    corrected = request | {"source": {"bucket": harness.stack.bucket, "key": "fixed.mp4"}}
    harness.put(request, hash_key=0)
    harness.upload("fixed.mp4", clip_bytes)
    worker = harness.spawn("corrections", RETRY_MAX_ATTEMPTS="1")
    wait_until(lambda: harness.statuses().get(video_id) == "FAILED", 40, what="FAILED")
    harness.put(request, hash_key=0)  # a replay
    sequence = harness.put(corrected, hash_key=0)  # a correction
    wait_until(lambda: len(_recorded(harness, video_id)) == 2, 30, what="both recorded")
    assert _recorded(harness, video_id) == [
        ("FAILED", True, None, None),
        ("FAILED", False, "fixed.mp4", "Sample clip"),
    ]
    assert harness.statuses() == {video_id: "FAILED"}, "the worker never runs it on its own"
    result = redrive(harness, "--latest")
    assert result.returncode == 0, result.stderr
    (moved,) = result.by_action("moved")
    assert (moved["video_id"], moved["correction"]) == (video_id, sequence)
    wait_until(lambda: harness.statuses().get(video_id) == "COMPLETED", 40, what="COMPLETED")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    ((key,),) = harness.query(f"SELECT source_key FROM videos WHERE video_id = '{video_id}'")
    assert key == "fixed.mp4", "the video records the content that ran"
    lines = [
        json.loads(line)
        for line in (harness.standins.root / "corrections.log").read_text().splitlines()
        if line.startswith("{")
    ]
    counted = dict.fromkeys(("JobsDuplicate", "JobsDuplicateChanged"), 0.0)
    for doc in (d for d in lines if "_aws" in d):
        for name in counted:
            value = doc.get(name, 0)
            counted[name] += sum(value) if isinstance(value, list) else value
    assert counted == {"JobsDuplicate": 1, "JobsDuplicateChanged": 1}
