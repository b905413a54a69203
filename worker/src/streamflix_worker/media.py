"""Fetching and probing an upload without ever holding it in memory.

The object is streamed in 1 MiB chunks to a scratch file while SHA-256 is computed, then probed
in-process with PyAV (FFmpeg's libraries), so the image needs no ffprobe binary.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from streamflix_worker.errors import PermanentJobError, TransientJobError

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ProbeInfo:
    """What the media library says about the file."""

    duration_seconds: float
    container: str
    video_codec: str
    audio_codec: str | None
    width: int
    height: int

    def as_json(self) -> dict[str, Any]:
        # every field is a plain value: a shallow copy, not dataclasses.asdict's recursive deep
        # copy, which cost ~25 us per job on the batched path (bench/worker_throughput.py)
        return dict(vars(self))


@dataclass(frozen=True)
class MediaInfo:
    """Everything recorded for a processed upload."""

    size_bytes: int
    sha256: str
    probe: ProbeInfo


@dataclass(frozen=True)
class ScratchFile:
    """A streamed copy of the object with its fingerprint."""

    path: Path
    size_bytes: int
    sha256: str


@contextmanager
def stream_to_scratch(chunks: Iterable[bytes], scratch_dir: Path) -> Iterator[ScratchFile]:
    """Write ``chunks`` to a scratch file while hashing; the file is removed on exit."""
    scratch_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=scratch_dir, prefix="upload-", delete=True) as handle:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
            size += len(chunk)
        handle.flush()
        yield ScratchFile(Path(handle.name), size, digest.hexdigest())


def _duration(container: Any) -> float:
    if container.duration is not None:
        return float(container.duration) / float(av.time_base)
    durations = [
        float(s.duration * s.time_base)
        for s in container.streams
        if s.duration is not None and s.time_base is not None
    ]
    if not durations:
        raise PermanentJobError("media has no known duration")
    return max(durations)


def probe_file(path: Path) -> ProbeInfo:
    """Probe container, codecs, resolution and duration; undecodable input is permanent."""
    try:
        with av.open(str(path), mode="r") as container:
            videos = list(container.streams.video)
            if not videos:
                raise PermanentJobError("media has no video stream")
            video = videos[0]
            audios = list(container.streams.audio)
            return ProbeInfo(
                duration_seconds=round(_duration(container), 3),
                container=str(container.format.name),
                video_codec=str(video.codec_context.name),
                audio_codec=str(audios[0].codec_context.name) if audios else None,
                width=int(video.codec_context.width),
                height=int(video.codec_context.height),
            )
    except PermanentJobError:
        raise
    except av.FFmpegError as error:
        raise PermanentJobError(f"not a readable media file: {error}") from error
    except OSError as error:
        raise TransientJobError(f"scratch file unreadable: {error}") from error
