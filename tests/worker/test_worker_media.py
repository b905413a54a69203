"""Streaming fingerprint and probing against real generated clips (no servers needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from streamflix_worker.errors import PermanentJobError
from streamflix_worker.media import probe_file, stream_to_scratch
from streamflix_worker.standins import make_clip


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
    with pytest.raises(PermanentJobError, match="not a readable media file"):
        probe_file(junk)
