"""Issue 23 item 6: only a process that really died counts as a crash.

A consumer thread that crashes (here: the DLQ denies SendMessage, a non-transient error) is
restarted by its supervisor in the same process; the claim it left is this process's own, so the
next consumer resumes it: no crash-guard mark, no ``worker_crashed``, and the job's real reason
survives. Likewise a claim retried after an unknown COMMIT outcome finds its own claim.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from streamflix_devtools.standins import sample_request
from streamflix_worker import store
from streamflix_worker.schema import parse_request
from streamflix_worker.supervisor import RESTART_BASE_S, restart_delay_s
from worker_testkit import REPO, Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]
FAULTY = (str(REPO / "tests" / "worker" / "faulty_worker.py"),)
# Before the fix: new, then reclaimed starts marked 0 and 1 died, the next one is dead-lettered
# as worker_crashed (the 4th SendMessage, allowed). Restarts back off 1 + 2 + 4 s meanwhile.
DENIED_SENDS = 3


def test_a_consumer_crash_is_not_a_process_death_and_the_real_reason_stays(
    harness: Harness,
) -> None:
    harness.upload("junk.mp4", b"not a video" * 50)
    request = sample_request(harness.stack.bucket, "junk.mp4")
    harness.put(request, hash_key=0)
    worker = harness.spawn("denied", FAULTY, DENY_SEND_MESSAGE=str(DENIED_SENDS))
    (letter,) = harness.drain_queue(harness.stack.dlq_url, expect=1, timeout=60)
    wait_until(lambda: harness.count_status("FAILED") == 1, 20, what="the job FAILED")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    log = (harness.standins.root / "denied.log").read_text()
    assert f"SendMessage denied ({DENIED_SENDS})" in log, "the fault did not fire every time"
    assert log.count('"shard consumer crashed"') == DENIED_SENDS
    assert (letter["error_kind"], letter["video_id"]) == ("permanent", request["video_id"])
    assert letter["reason"].startswith("invalid media: not a readable media file"), letter
    ((reason, starts),) = harness.query(
        "SELECT failure_reason, unfinished_starts FROM videos "
        f"WHERE video_id = '{request['video_id']}'"
    )
    assert reason.startswith("permanent: invalid media"), reason
    assert starts == 0, "a consumer-thread crash was counted as a process death"
    assert harness.drain_queue(harness.stack.alerts_queue_url, expect=1, timeout=2) == []


def test_a_claim_retried_by_the_same_process_resumes_it(harness: Harness) -> None:
    """The unknown-COMMIT case: the claim committed, the worker did not hear it, and retries."""
    jobs = [
        store.Job(
            parse_request(json.dumps(sample_request(harness.stack.bucket, f"k{i}.mp4")).encode()),
            "shardId-000000000000",
            str(49_000_000_000_000_000_000_000 + i),
        )
        for i in range(3)
    ]
    conn = harness.connect(as_worker=True)
    try:

        def kinds(holder: str) -> list[str]:
            with conn.transaction():
                claims = store.claim(conn, jobs, "w-1", holder)
            return [claims.by_sequence[j.sequence_number].kind for j in jobs]

        assert kinds("w-1#first") == ["new"] * 3
        assert kinds("w-1#first") == ["resumed"] * 3, "its own claim is no crash"
        assert kinds("w-1#restarted") == ["reclaimed"] * 3, "another incarnation: a death"
    finally:
        conn.close()


def _log_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            with contextlib.suppress(ValueError):
                lines.append(json.loads(raw))
    return lines


def _when(line: dict[str, Any]) -> float:
    return datetime.strptime(line["timestamp"], "%Y-%m-%d %H:%M:%S,%f%z").timestamp()


def test_a_consumer_that_keeps_crashing_restarts_with_a_growing_backoff(
    harness: Harness,
) -> None:
    """Issue 23 item 5: the DLQ denies every letter (a non-transient error on every batch).
    The shard stays blocked (the job is not lost), but the consumer restarts after 1, 2, 4 ...
    s, not every tick: one ERROR per backoff step, and a ShardConsumerCrashed count per crash."""
    harness.upload("junk.mp4", b"not a video" * 50)
    request = sample_request(harness.stack.bucket, "junk.mp4")
    harness.put(request, hash_key=0)
    worker = harness.spawn("looping", FAULTY, DENY_SEND_MESSAGE="100000")
    log = harness.standins.root / "looping.log"
    wait_until(lambda: b'"shard consumer crashed"' in log.read_bytes(), 30, what="a crash")
    time.sleep(RESTART_BASE_S * (1 + 2 + 4) + 1.5)  # room for 4 crashes with the backoff
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    lines = _log_lines(log)
    crashes = [line for line in lines if line.get("message") == "shard consumer crashed"]
    assert all(line["level"] == "ERROR" for line in crashes)
    assert 3 <= len(crashes) <= 5, f"{len(crashes)} crashes: no backoff between restarts"
    times = [_when(line) for line in crashes]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for step, gap in enumerate(gaps, start=1):
        assert gap >= restart_delay_s(step) * 0.9, f"restart {step} after {gap:.2f} s: {gaps}"
    emitted = sum(
        value
        for doc in lines
        if "_aws" in doc and "ShardConsumerCrashed" in doc
        for value in (
            doc["ShardConsumerCrashed"]
            if isinstance(doc["ShardConsumerCrashed"], list)
            else [doc["ShardConsumerCrashed"]]
        )
    )
    assert emitted == len(crashes), "one ShardConsumerCrashed count per crash"
    assert harness.statuses() == {request["video_id"]: "PROCESSING"}, "the shard stays blocked"
