"""Issue 23 item 8: a replay storm costs one claim per video, not one round per repeat.

The same video N times in one batch was claimed in N rounds (O(N^2) Python, N statement
rounds) and logged one INFO line per duplicate. Now the first record of each video is claimed,
the rest are decided together and inserted as duplicates in one statement, and a commit logs
one summary line.
"""

from __future__ import annotations

import json
import signal
import uuid
from typing import Any

import pytest
from streamflix_devtools.standins import sample_request
from streamflix_worker import store
from streamflix_worker.schema import parse_request
from worker_testkit import Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
SHARD = "shardId-000000000000"
REPLAYS = 500


class CountingConnection:
    """A real psycopg connection that counts the statements sent through ``execute``."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.statements = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.statements += 1
        return self._conn.execute(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _job(request: dict[str, Any], sequence: int) -> store.Job:
    return store.Job(parse_request(json.dumps(request).encode()), SHARD, str(10**20 + sequence))


def test_the_same_video_n_times_in_a_batch_is_one_claim_and_one_bulk_insert(
    harness: Harness,
) -> None:
    request = sample_request(harness.stack.bucket, "k.mp4")
    other = sample_request(harness.stack.bucket, "k.mp4")
    jobs = [_job(request, i) for i in range(REPLAYS)] + [_job(other, REPLAYS)]
    with harness.connect(as_worker=True) as raw:
        conn = CountingConnection(raw)
        with raw.transaction():
            claims = store.claim(conn, jobs, "w-1")  # type: ignore[arg-type]
    kinds = [claims.by_sequence[j.sequence_number] for j in jobs]
    assert kinds[0] == kinds[-1] == store.Claim("new")
    assert kinds[1:-1] == [store.Claim("duplicate", "PROCESSING")] * (REPLAYS - 1)
    assert conn.statements <= 5, f"{conn.statements} statements for {REPLAYS} replays"
    ((recorded,),) = harness.query(
        f"SELECT count(*) FROM video_duplicate_requests WHERE video_id = '{request['video_id']}'"
    )
    assert recorded == REPLAYS - 1


def test_later_records_of_a_video_see_the_ones_before_them(harness: Harness) -> None:
    """A FAILED video: a plain re-submit is a duplicate, a granted redrive later in the same
    batch re-opens it, and a repeat of that redrive after it is a duplicate of PROCESSING."""
    request = sample_request(harness.stack.bucket, "k.mp4")
    video_id = request["video_id"]
    with harness.connect(as_worker=True) as conn, conn.transaction():
        store.claim(conn, [_job(request, 0)], "w-1")
        store.complete(conn, [store.Outcome(uuid.UUID(video_id), "FAILED", 1, reason="x")], "w-1")
    redrive_id = str(uuid.uuid4())
    harness.query(
        "INSERT INTO redrive_grants (redrive_id, video_id, dead_letter_id, error_kind) "
        f"VALUES ('{redrive_id}', '{video_id}', 'm-1', 'permanent')"
    )
    marker = {
        "redrive_id": redrive_id,
        "dead_letter_id": "m-1",
        "error_kind": "permanent",
        "requested_at": "2026-12-07T03:00:00Z",
    }
    batch = [
        _job(request, 1),
        _job(request, 2),
        _job(request | {"redrive": marker}, 3),
        _job(request | {"redrive": marker}, 4),
        _job(request, 5),
    ]
    with harness.connect(as_worker=True) as conn, conn.transaction():
        claims = store.claim(conn, batch, "w-1")
    assert [claims.by_sequence[j.sequence_number] for j in batch] == [
        store.Claim("duplicate", "FAILED"),
        store.Claim("duplicate", "FAILED"),
        store.Claim("redrive"),
        store.Claim("duplicate", "PROCESSING"),
        store.Claim("duplicate", "PROCESSING"),
    ]
    assert harness.statuses() == {video_id: "PROCESSING"}


def test_a_replay_storm_logs_one_summary_line_per_commit(
    harness: Harness, clip_bytes: bytes
) -> None:
    harness.upload("k.mp4", clip_bytes)
    request = sample_request(harness.stack.bucket, "k.mp4")
    data = json.dumps(request).encode()
    kinesis = harness.kinesis
    for start in range(0, REPLAYS, 500):
        kinesis.put_records(
            StreamName=harness.stack.stream_name,
            Records=[{"Data": data, "PartitionKey": "p"}] * min(500, REPLAYS - start),
        )
    worker = harness.spawn("storm")
    wait_until(
        lambda: harness.query("SELECT count(*) FROM video_duplicate_requests")[0][0] == REPLAYS - 1,
        40,
        what="every replay recorded",
    )
    wait_until(lambda: harness.count_status("COMPLETED") == 1, 20, what="the video COMPLETED")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    lines = [
        json.loads(line)
        for line in (harness.standins.root / "storm.log").read_text().splitlines()
        if line.startswith('{"level"')
    ]
    summaries = [line for line in lines if line["message"] == "duplicate requests skipped"]
    assert 1 <= len(summaries) <= 3, f"{len(summaries)} duplicate lines for {REPLAYS} replays"
    assert sum(line["duplicates"] for line in summaries) == REPLAYS - 1
    assert summaries[0]["examples"][0] == request["video_id"]
