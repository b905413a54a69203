"""Fetching and probing an upload without ever holding it in memory.

The object is streamed in 1 MiB chunks to a scratch file while SHA-256 is computed, then probed
in-process with PyAV (FFmpeg's libraries), so the image needs no ffprobe binary.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from streamflix_worker.errors import PermanentJobError, TransientJobError

CHUNK_BYTES = 1024 * 1024
# Container headers are written by whoever made the file: FFmpeg reports a declared duration as
# is (a negative Matroska Duration float, a version-1 MP4 mdhd duration above 2**63 read as a
# signed int64). The videos table refuses negative durations and jsonb refuses NaN/Infinity, so
# such facts must fail the job here, permanently, instead of failing the database write.
MAX_DURATION_SECONDS = 7 * 24 * 3600.0  # longer than any upload we accept: a corrupt header
MAX_DIMENSION = 32768  # pixels; twice 16K, beyond every codec level in use
INVALID = "invalid media"
# A header can declare 20 s over a file cut right after it (a faststart MP4 is moov first): the
# packets must be there too. Each audio/video stream's demuxed packets must reach its declared
# duration within this slack (audio priming, a last frame's length, rounding).
COVERAGE_SLACK_S = 0.5
COVERAGE_SLACK_FRACTION = 0.01


def invalid_media(what: str) -> PermanentJobError:
    """The permanent failure for an upload whose facts are unusable: ``invalid media: <what>``."""
    return PermanentJobError(f"{INVALID}: {what}")


@dataclass(frozen=True)
class ProbeInfo:
    """What the media library says about the file; only facts the database can store.

    Raises ``PermanentJobError("invalid media: ...")`` for a duration that is not finite, is
    negative or exceeds ``MAX_DURATION_SECONDS``, or a width/height outside 1..``MAX_DIMENSION``.
    """

    duration_seconds: float
    container: str
    video_codec: str
    audio_codec: str | None
    width: int
    height: int

    def __post_init__(self) -> None:
        duration = self.duration_seconds
        if not math.isfinite(duration):
            raise invalid_media(f"duration is {duration} (not a finite number)")
        if duration < 0:
            raise invalid_media(f"duration {duration} s is negative")
        if duration > MAX_DURATION_SECONDS:
            raise invalid_media(f"duration {duration} s exceeds {MAX_DURATION_SECONDS:.0f} s")
        for name in ("width", "height"):
            value = getattr(self, name)
            if not 1 <= value <= MAX_DIMENSION:
                raise invalid_media(f"{name} {value} is outside 1..{MAX_DIMENSION} pixels")

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
        raise invalid_media("no known duration")
    return max(durations)


def _declared(stream: Any, container_duration: float) -> float:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    return container_duration


def _stream_name(stream: Any) -> str:
    return f"{stream.type} stream {stream.index} ({stream.codec_context.name})"


def check_media_data(container: Any, duration_seconds: float) -> None:
    """Demux (never decode) every packet: each audio/video stream must hold media data up to
    (close to) its declared duration, else ``invalid media`` naming what is missing.

    Headers alone can describe a whole video over a file that holds none of it (cut after a
    faststart ``moov``, an upload stopped halfway). A packet cut short by the end of the file
    (FFmpeg flags it corrupt) does not count.
    """
    streams = [s for s in container.streams if s.type in ("video", "audio")]
    ends = {s.index: 0.0 for s in streams}
    packets = dict.fromkeys(ends, 0)
    for packet in container.demux(streams):
        stream = packet.stream
        if packet.size == 0 or packet.is_corrupt or stream.time_base is None:
            continue
        ts = packet.pts if packet.pts is not None else packet.dts
        packets[stream.index] += 1
        if ts is None:
            continue
        start = stream.start_time or 0
        end = float((ts - start + (packet.duration or 0)) * stream.time_base)
        if end > ends[stream.index]:
            ends[stream.index] = end
    for stream in streams:
        declared = _declared(stream, duration_seconds)
        if packets[stream.index] == 0:
            raise invalid_media(
                f"no media data for the {_stream_name(stream)}: its header declares "
                f"{declared:.3f} s (the file is cut short or its media data is missing)"
            )
        slack = max(COVERAGE_SLACK_S, COVERAGE_SLACK_FRACTION * declared)
        if ends[stream.index] + slack < declared:
            raise invalid_media(
                f"the {_stream_name(stream)} holds {ends[stream.index]:.3f} s of media data of "
                f"the {declared:.3f} s its header declares (the file is cut short)"
            )


def probe_file(path: Path, check_data: bool = True) -> ProbeInfo:
    """Probe container, codecs, resolution and duration, and check that the media data the
    header declares is in the file (``check_media_data``); undecodable input is permanent.

    Reasons never name the scratch file: they go to the DLQ and SNS, and identical failures
    must read alike.
    """
    try:
        with av.open(str(path), mode="r") as container:
            videos = list(container.streams.video)
            if not videos:
                raise invalid_media("no video stream")
            video = videos[0]
            audios = list(container.streams.audio)
            info = ProbeInfo(  # validates the facts (see ProbeInfo)
                duration_seconds=round(_duration(container), 3),
                container=str(container.format.name),
                video_codec=str(video.codec_context.name),
                audio_codec=str(audios[0].codec_context.name) if audios else None,
                width=int(video.codec_context.width),
                height=int(video.codec_context.height),
            )
            if check_data:
                check_media_data(container, info.duration_seconds)
            return info
    except PermanentJobError:
        raise
    except av.FFmpegError as error:
        raise invalid_media(f"not a readable media file: {_without_path(error)}") from error
    except OSError as error:
        raise TransientJobError(f"scratch file unreadable: {_without_path(error)}") from error


def _without_path(error: OSError | av.FFmpegError) -> str:
    """FFmpeg's/the OS's message without the file name (``strerror``, not ``str``)."""
    return str(getattr(error, "strerror", None) or type(error).__name__)
