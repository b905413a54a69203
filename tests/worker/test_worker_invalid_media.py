"""Issue 16 item 2 through a real worker process: media whose header declares a negative
duration is a permanent ``invalid media`` failure, and the shard moves on."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from crafted_media import mkv_with_duration, mp4_with_negative_duration
from streamflix_worker.standins import sample_request
from worker_testkit import Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]


def test_negative_declared_duration_is_permanent_and_the_shard_moves_on(
    make_harness,
    tmp_path: Path,
    clip_bytes: bytes,  # type: ignore[no-untyped-def]
) -> None:
    harness: Harness = make_harness(1)  # one shard: the good jobs queue behind the bad ones
    harness.upload("good.mp4", clip_bytes)
    bad_files = {
        "neg.mkv": mkv_with_duration(tmp_path / "neg.mkv", -5000.0),
        "neg.mp4": mp4_with_negative_duration(tmp_path / "neg.mp4"),
    }
    bad = []
    for key, path in bad_files.items():
        harness.upload(key, path.read_bytes())
        request = sample_request(harness.stack.bucket, key, title=f"bad {key}")
        harness.put(request)
        bad.append(request["video_id"])
    good = harness.put_jobs("good.mp4", 3, spread=False)
    worker = harness.spawn("w-invalid-media")
    wait_until(
        lambda: (
            len(harness.statuses()) == 5
            and all(s in ("COMPLETED", "FAILED") for s in harness.statuses().values())
        ),
        60,
        what="5 final statuses",
    )
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert harness.statuses() == dict.fromkeys(bad, "FAILED") | dict.fromkeys(good, "COMPLETED")
    letters = harness.drain_queue(harness.stack.dlq_url, expect=2)
    assert sorted(m["video_id"] for m in letters) == sorted(bad)
    for letter in letters:
        assert (letter["error_kind"], letter["attempts"]) == ("permanent", 1), letter
        assert letter["reason"].startswith("invalid media: duration -"), letter
        assert letter["reason"].endswith("s is negative"), letter
    reasons = harness.query("SELECT failure_reason FROM videos WHERE status = 'FAILED'")
    assert all("invalid media: duration" in r[0] for r in reasons), reasons
    history = harness.history_counts()
    assert all(history[v] == ["RECEIVED", "PROCESSING", "FAILED"] for v in bad), history
    assert harness.drain_queue(harness.stack.dlq_url, expect=1, timeout=2) == []
