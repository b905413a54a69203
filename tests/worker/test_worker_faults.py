"""Fault injection with real processes and servers: kills, takeovers, restarts, rotation."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from functools import partial
from pathlib import Path

import pytest
from streamflix_devtools.standins import WORKER_LOGIN, sample_request
from streamflix_worker.jobs import MAX_UNFINISHED_STARTS
from worker_testkit import REPO, Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]


def _exactly_once(harness: Harness, ids: list[str]) -> None:
    assert harness.statuses() == dict.fromkeys(ids, "COMPLETED")
    history = harness.history_counts()
    assert set(history) == set(ids)
    assert all(h == ["RECEIVED", "PROCESSING", "COMPLETED"] for h in history.values())


def test_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    harness: Harness, clip_bytes: bytes
) -> None:
    harness.upload("k.mp4", clip_bytes)
    ids = harness.put_jobs("k.mp4", 40)
    victim = harness.spawn("victim", WORKER_BATCH_SIZE="5")  # 8 batches, 8 commits
    wait_until(
        lambda: harness.count_status("COMPLETED") > 0 and harness.count_status("PROCESSING") > 0,
        30,
        0.01,
        what="a batch committed and the next one claimed",
    )
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    done_at_kill = harness.count_status("COMPLETED")
    assert done_at_kill < 40, "the kill must land before everything is recorded"
    with harness.worker("successor"):  # takes over once the victim's leases expire
        wait_until(lambda: harness.count_status("COMPLETED") == 40, 60, what="40 COMPLETED")
    _exactly_once(harness, ids)


def test_two_workers_share_shards_and_the_survivor_takes_over(
    make_harness,
    clip_bytes: bytes,  # type: ignore[no-untyped-def]
) -> None:
    harness: Harness = make_harness(4)
    harness.upload("t.mp4", clip_bytes)
    doomed = harness.spawn("doomed")
    with harness.worker("survivor"):
        wait_until(
            lambda: sorted(harness.lease_owners().values()) == ["doomed"] * 2 + ["survivor"] * 2,
            30,
            what="2 + 2 leases",
        )
        first = harness.put_jobs("t.mp4", 8)
        wait_until(lambda: harness.count_status("COMPLETED") == 8, 40)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
        wait_until(
            lambda: list(harness.lease_owners().values()) == ["survivor"] * 4,
            30,
            what="survivor owns all 4",
        )
        second = harness.put_jobs("t.mp4", 8)
        wait_until(lambda: harness.count_status("COMPLETED") == 16, 40)
    _exactly_once(harness, first + second)
    workers = {
        str(r[0])
        for r in harness.query(
            "SELECT DISTINCT worker_id FROM video_status_history WHERE to_status = 'COMPLETED'"
        )
    }
    assert workers == {"doomed", "survivor"}


def test_a_job_that_kills_the_process_is_dead_lettered_after_three_deaths(
    harness: Harness, clip_bytes: bytes
) -> None:
    """A poison that crashes the process (a decoder segfault) must not block its shard."""
    harness.upload("p.mp4", clip_bytes)
    before = harness.put_jobs("p.mp4", 2, spread=False)
    poison = sample_request(harness.stack.bucket, "p.mp4")
    harness.put(poison)
    after = harness.put_jobs("p.mp4", 2, spread=False)
    entry = (str(REPO / "tests" / "worker" / "faulty_worker.py"),)
    deaths = 0
    while True:
        worker = harness.spawn(
            f"w{deaths}", entry, POISON_VIDEO_ID=poison["video_id"], WORKER_BATCH_SIZE="10"
        )
        wait_until(
            lambda w=worker: (
                w.poll() is not None or harness.statuses().get(poison["video_id"]) == "FAILED"
            ),
            60,
            0.1,
            what="the worker to die on the poison or dead-letter it",
        )
        if worker.poll() is None:  # survived: the poison was dead-lettered
            wait_until(lambda: harness.count_status("COMPLETED") == 4, 30, what="4 COMPLETED")
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
            break
        assert worker.returncode == -signal.SIGKILL, f"exited {worker.returncode}, not by poison"
        deaths += 1
        assert deaths <= MAX_UNFINISHED_STARTS + 1, "the poison was not dead-lettered"
    assert deaths == MAX_UNFINISHED_STARTS + 1
    assert harness.statuses() == dict.fromkeys(before + after, "COMPLETED") | {
        poison["video_id"]: "FAILED"
    }
    assert harness.history_counts()[poison["video_id"]] == ["RECEIVED", "PROCESSING", "FAILED"]
    (letter,) = harness.drain_queue(harness.stack.dlq_url, expect=1)
    assert (letter["error_kind"], letter["video_id"]) == ("worker_crashed", poison["video_id"])
    (alert,) = harness.drain_queue(harness.stack.alerts_queue_url, expect=1)
    assert alert["video_id"] == poison["video_id"]


def _logged(path: Path, line: bytes) -> bool:
    return line in path.read_bytes()


def test_a_graceful_hand_back_does_not_count_as_a_death(
    harness: Harness, clip_bytes: bytes
) -> None:
    """SIGTERM during a retry backoff hands the job back and takes back its start mark."""
    missing = sample_request(harness.stack.bucket, "not-yet-uploaded.mp4")
    harness.put(missing)
    for name in ("first", "second", "third", "fourth"):
        worker = harness.spawn(
            name,
            RETRY_MAX_ATTEMPTS="20",
            RETRY_BASE_BACKOFF_MS="3000",
            RETRY_MAX_BACKOFF_MS="3000",
        )
        # in the backoff after this worker's first failed attempt: wait for its own log line,
        # not a fixed sleep (the status stays PROCESSING between workers, and on a loaded
        # machine a new process can take seconds to install its SIGTERM handler)
        log = harness.standins.root / f"{name}.log"
        wait_until(partial(_logged, log, b"job failed transiently; retrying"), 60, 0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    (starts,) = harness.query(
        f"SELECT unfinished_starts FROM videos WHERE video_id = '{missing['video_id']}'"
    )
    assert starts == (0,)
    harness.upload("not-yet-uploaded.mp4", clip_bytes)
    with harness.worker("finisher"):
        wait_until(lambda: harness.count_status("COMPLETED") == 1, 30, what="COMPLETED")
    assert harness.drain_queue(harness.stack.dlq_url, expect=1, timeout=1) == []


def test_database_restart_mid_run_is_survived(
    harness: Harness, clip_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    harness.upload("r.mp4", clip_bytes)
    first = harness.put_jobs("r.mp4", 6)
    with harness.worker():
        wait_until(lambda: harness.count_status("COMPLETED") == 6, 30)
        second = harness.put_jobs("r.mp4", 6)
        harness.standins.postgres.restart(down_seconds=1.0)
        third = harness.put_jobs("r.mp4", 6)
        wait_until(lambda: harness.count_status("COMPLETED") == 18, 60, what="18 after restart")
    _exactly_once(harness, first + second + third)
    assert "database unavailable, retrying" in caplog.text


def test_secret_rotation_mid_run_fails_no_job(
    harness: Harness, clip_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    harness.upload("s.mp4", clip_bytes)
    first = harness.put_jobs("s.mp4", 4)
    with harness.worker():
        wait_until(lambda: harness.count_status("COMPLETED") == 4, 30)
        # the worker's own login rotates (locally a secret stands in for IAM tokens)
        new_password = "rotated-" + harness.stack.worker_password[:12]
        pg = harness.standins.postgres
        pg.set_password(new_password, WORKER_LOGIN)  # rotation: database first...
        second = harness.put_jobs("s.mp4", 4)
        pg.terminate_app_connections(WORKER_LOGIN)  # force reconnects
        harness.secrets.put_secret_value(  # ... then the secret
            SecretId=harness.stack.worker_secret_arn,
            SecretString=json.dumps({"username": WORKER_LOGIN, "password": new_password}),
        )
        third = harness.put_jobs("s.mp4", 4)
        wait_until(lambda: harness.count_status("COMPLETED") == 12, 60, what="12 after rotation")
    _exactly_once(harness, first + second + third)
    assert harness.drain_queue(harness.stack.dlq_url, expect=1, timeout=1) == []
    assert "re-reading the secret" in caplog.text  # the rotation path was taken


def test_sigterm_drains_checkpoints_releases_and_exits_zero(
    harness: Harness, clip_bytes: bytes
) -> None:
    harness.upload("d.mp4", clip_bytes)
    ids = harness.put_jobs("d.mp4", 30)
    worker = harness.spawn("drainer", DRAIN_TIMEOUT_SECONDS="30")
    wait_until(lambda: harness.count_status("PROCESSING") > 0, 30, 0.05, what="work in flight")
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(40) == 0
    assert time.monotonic() - started < 30
    assert harness.query("SELECT count(*) FROM shard_leases WHERE owner IS NOT NULL")[0][0] == 0
    # whatever was handed back is finished by the next worker, exactly once
    with harness.worker("next"):
        wait_until(lambda: harness.count_status("COMPLETED") == 30, 60)
    _exactly_once(harness, ids)


def test_second_signal_exits_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = textwrap.dedent(
        """
        import sys, threading, time
        from streamflix_worker.shutdown import install_signal_handlers
        stop = threading.Event()
        install_signal_handlers(stop)
        print("ready", flush=True)
        stop.wait(30)
        print("draining", flush=True)
        time.sleep(30)  # a drain that would take long
        sys.exit(0)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(REPO / "worker" / "src")},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGTERM)
    assert process.stdout.readline().strip() == "draining"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(5) == 128 + signal.SIGTERM
    assert time.monotonic() - started < 2
