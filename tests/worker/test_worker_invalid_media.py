"""Through a real worker process: media whose header declares a negative duration (issue 16
item 2), or whose media data is missing (issue 23 item 1), is a permanent ``invalid media``
failure, and the shard moves on."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from crafted_media import (
    faststart_clip,
    mkv_with_duration,
    mp4_with_negative_duration,
    truncated_uploads,
)
from streamflix_devtools.standins import sample_request
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


def test_truncated_and_header_only_uploads_fail_as_invalid_media(
    harness: Harness,
    tmp_path: Path,
) -> None:
    """A faststart 20 s clip cut after its moov, after the mdat header and halfway: each probes
    as a 20 s H.264 video from its headers alone, and each ends FAILED, permanent, with a reason
    naming the stream and what is missing (and no scratch path); the whole clip completes."""
    clip = faststart_clip(tmp_path / "fs.mp4", seconds=20.0).read_bytes()
    uploads = truncated_uploads(clip) | {"whole.mp4": clip, "junk.mp4": b"not a video" * 50}
    ids = {}
    for key, data in uploads.items():
        harness.upload(key, data)
        request = sample_request(harness.stack.bucket, key, title=key)
        harness.put(request, hash_key=0)
        ids[key] = request["video_id"]
    with harness.process("w-truncated"):
        wait_until(
            lambda: sum(s in ("COMPLETED", "FAILED") for s in harness.statuses().values()) == 5,
            60,
            what="5 final statuses",
        )
    statuses = harness.statuses()
    assert {k: statuses[v] for k, v in ids.items()} == dict.fromkeys(uploads, "FAILED") | {
        "whole.mp4": "COMPLETED"
    }
    letters = {m["video_id"]: m for m in harness.drain_queue(harness.stack.dlq_url, expect=4)}
    key_of = {v: k for k, v in ids.items()}
    reasons = {key_of[v]: (m["error_kind"], m["attempts"], m["reason"]) for v, m in letters.items()}
    assert reasons == {
        "header-only.mp4": (
            "permanent",
            1,
            "invalid media: no media data for the video stream 0 (h264): its header declares "
            "20.000 s (the file is cut short or its media data is missing)",
        ),
        "mdat-header.mp4": (
            "permanent",
            1,
            "invalid media: no media data for the video stream 0 (h264): its header declares "
            "20.000 s (the file is cut short or its media data is missing)",
        ),
        "half.mp4": reasons["half.mp4"],
        "junk.mp4": (
            "permanent",
            1,
            "invalid media: not a readable media file: Invalid data found when processing input",
        ),
    }
    kind, attempts, half = reasons["half.mp4"]
    assert (kind, attempts) == ("permanent", 1)
    assert half.startswith("invalid media: the video stream 0 (h264) holds 9."), half
    assert half.endswith("of the 20.000 s its header declares (the file is cut short)"), half
    stored = harness.query("SELECT failure_reason FROM videos WHERE status = 'FAILED'")
    assert not [r for (r,) in stored if "upload-" in r or "scratch" in r], stored
