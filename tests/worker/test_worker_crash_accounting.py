"""Issue 23 item 6: only a process that really died counts as a crash.

A consumer thread that crashes (here: the DLQ denies SendMessage, a non-transient error) is
restarted by its supervisor in the same process; the claim it left is this process's own, so the
next consumer resumes it: no crash-guard mark, no ``worker_crashed``, and the job's real reason
survives. Likewise a claim retried after an unknown COMMIT outcome finds its own claim.
"""

from __future__ import annotations

import json
import signal

import pytest
from streamflix_worker import store
from streamflix_worker.schema import parse_request
from streamflix_worker.standins import sample_request
from worker_testkit import REPO, Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]
FAULTY = (str(REPO / "tests" / "worker" / "faulty_worker.py"),)
DENIED_SENDS = 4  # on the code before the fix: new, then 3 reclaimed starts -> worker_crashed


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
