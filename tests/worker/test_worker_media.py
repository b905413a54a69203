"""Streaming fingerprint and probing against real generated clips (no servers needed)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pytest
from crafted_media import (
    faststart_clip,
    mkv_clip,
    mkv_with_duration,
    mp4_with_negative_duration,
    truncated_uploads,
)
from streamflix_devtools.standins import make_clip
from streamflix_worker.errors import PermanentJobError
from streamflix_worker.media import MAX_DIMENSION, ProbeInfo, probe_file, stream_to_scratch


def test_stream_hashes_and_cleans_up(tmp_path: Path) -> None:
    chunks = [b"a" * 1000, b"b" * 5, b""]
    with stream_to_scratch(iter(chunks), tmp_path / "scratch") as scratch:
        assert scratch.path.read_bytes() == b"".join(chunks)
        assert scratch.size_bytes == 1005
        assert scratch.sha256 == hashlib.sha256(b"".join(chunks)).hexdigest()
        path = scratch.path
    assert not path.exists()


def test_probe_reports_duration_codecs_and_resolution(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.mp4", seconds=2.0, size="320x240")
    info = probe_file(clip)
    assert info.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert (info.width, info.height) == (320, 240)
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert "mp4" in info.container


def test_non_media_is_a_permanent_failure(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    with pytest.raises(PermanentJobError, match="not a readable media file") as caught:
        probe_file(junk)
    assert str(junk) not in caught.value.reason and "junk" not in caught.value.reason, (
        "a reason names no scratch file: identical failures read alike in letters and alerts"
    )


# --- issue 23 item 1: the media data the header declares must be in the file ------------------
def test_cut_uploads_are_invalid_media_naming_what_is_missing(tmp_path: Path) -> None:
    clip = faststart_clip(tmp_path / "fs.mp4", seconds=20.0).read_bytes()
    assert probe_file(tmp_path / "fs.mp4").duration_seconds == 20.0
    expected = {
        "header-only.mp4": "no media data for the video stream 0 (h264): its header declares 20",
        "mdat-header.mp4": "no media data for the video stream 0 (h264)",
        "half.mp4": "the video stream 0 (h264) holds 9.",
    }
    for name, data in truncated_uploads(clip).items():
        path = tmp_path / name
        path.write_bytes(data)
        assert probe_file(path, check_data=False).duration_seconds == 20.0, "headers say 20 s"
        with pytest.raises(PermanentJobError) as caught:
            probe_file(path)
        assert caught.value.reason.startswith(f"invalid media: {expected[name]}"), name
    near_whole = tmp_path / "near-whole.mp4"  # the last few hundred bytes missing: close enough
    near_whole.write_bytes(clip[:-300])
    assert probe_file(near_whole).duration_seconds == 20.0


# --- issue 16 item 2: declared facts the database refuses are invalid media -------------------
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: mkv_with_duration(p / "neg.mkv", -5000.0), "duration -5.0 s is negative"),
        (lambda p: mp4_with_negative_duration(p / "neg.mp4"), "s is negative"),
        (lambda p: mkv_with_duration(p / "huge.mkv", 1e15), "duration 1000000000000.0 s exceeds"),
        # FFmpeg's Matroska demuxer drops a non-finite Duration: no duration is left at all.
        (lambda p: mkv_with_duration(p / "nan.mkv", math.nan), "no known duration"),
        (lambda p: mkv_with_duration(p / "inf.mkv", math.inf), "no known duration"),
    ],
    ids=["mkv-negative", "mp4-v1-negative", "mkv-absurd", "mkv-nan", "mkv-inf"],
)
def test_declared_facts_the_database_refuses_are_invalid_media(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    crafted = make(tmp_path)
    with pytest.raises(PermanentJobError, match=r"^invalid media: ") as raised:
        probe_file(crafted)
    assert reason in raised.value.reason


def test_crafted_files_differ_from_their_clip_only_in_the_header(tmp_path: Path) -> None:
    """The untouched remux probes fine: the failures above come from the patched field."""
    info = probe_file(mkv_clip(tmp_path / "ok.mkv"))
    assert info.duration_seconds == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("width", 0, "width 0 is outside"),
        ("height", -120, "height -120 is outside"),
        ("width", MAX_DIMENSION + 1, f"width {MAX_DIMENSION + 1} is outside"),
        ("duration_seconds", math.nan, "duration is nan"),
        ("duration_seconds", -math.inf, "duration is -inf"),
    ],
)
def test_probe_facts_outside_what_the_database_stores_are_refused(
    field: str, value: float, reason: str
) -> None:
    """Zero/negative sizes: FFmpeg's demuxers refuse such headers themselves (a Matroska
    PixelWidth of 0 is unreadable), so the rule is checked on the facts directly."""
    good = {
        "duration_seconds": 1.0,
        "container": "matroska,webm",
        "video_codec": "h264",
        "audio_codec": None,
        "width": 160,
        "height": 120,
    }
    with pytest.raises(PermanentJobError, match=f"^invalid media: {reason}"):
        ProbeInfo(**(good | {field: value}))  # type: ignore[arg-type]


def test_probe_json_is_a_plain_copy_of_the_facts() -> None:
    info = ProbeInfo(2.5, "matroska,webm", "h264", None, 320, 240)
    as_json = info.as_json()
    assert as_json == asdict(info)
    as_json["width"] = 1
    assert info.as_json()["width"] == 320
