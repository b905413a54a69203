"""Real media files whose container headers declare facts the database cannot store.

Each starts from a real clip made by the static ffmpeg (``standins.make_clip``) and patches one
header field, as a broken or hostile muxer would. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

from streamflix_devtools.standins import make_clip

# Matroska Segment Info > Duration (EBML id 0x4489), an 8-byte big-endian float in units of
# TimestampScale (1 ms as written by FFmpeg); FFmpeg reports a negative value as is.
MKV_DURATION = b"\x44\x89\x88"
MP4_CONTAINERS = frozenset({b"moov", b"trak", b"mdia"})  # the path down to mvhd/mdhd


def mkv_clip(path: Path) -> Path:
    """A real 1 s Matroska clip (the MP4 clip remuxed, no re-encoding)."""
    import ffmpeg

    mp4 = make_clip(path.with_suffix(".src.mp4"))
    subprocess.run(
        [
            *(str(ffmpeg.FFMPEG_PATH), "-nostdin", "-loglevel", "error", "-y"),
            *("-i", str(mp4), "-c", "copy", str(path)),
        ],
        check=True,
    )
    return path


def mkv_with_duration(path: Path, duration_ms: float) -> Path:
    """A real Matroska clip whose Segment Duration says ``duration_ms`` (NaN, inf, negative...)."""
    data = bytearray(mkv_clip(path).read_bytes())
    at = data.find(MKV_DURATION)
    assert at > 0, "no 8-byte Duration element in the remuxed clip"
    data[at + 3 : at + 11] = struct.pack(">d", duration_ms)
    path.write_bytes(bytes(data))
    return path


def _mp4_rewrite(data: bytes, kind: bytes, duration: int) -> bytes:
    """Rewrite every ``kind`` box (mvhd/mdhd, version 0) as version 1 with a signed duration."""
    out, pos = b"", 0
    while pos < len(data):
        size, box = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + size]
        if box in MP4_CONTAINERS:
            body = _mp4_rewrite(body, kind, duration)
        elif box == kind:
            assert body[0] == 0, f"{kind!r} is already version 1"
            # v0: version/flags(4) ctime(4) mtime(4) timescale(4) duration(4) rest
            # v1: version/flags(4) ctime(8) mtime(8) timescale(4) duration(8) rest
            timescale, rest = body[12:16], body[20:]
            body = b"\x01" + body[1:4] + bytes(16) + timescale + struct.pack(">q", duration) + rest
        out += struct.pack(">I", len(body) + 8) + box + body
        pos += size
    return out


def mp4_with_negative_duration(path: Path, ticks: int = -50_000) -> Path:
    """A real MP4 whose movie and track headers (version-1 mvhd/mdhd) declare ``ticks`` < 0.

    The 64-bit field holds 2**64 + ticks, which FFmpeg reads as a signed int64. moov is the last
    top-level box in FFmpeg's output, so growing it moves no sample offset (stco stays valid).
    """
    data = make_clip(path).read_bytes()
    for kind in (b"mvhd", b"mdhd"):
        data = _mp4_rewrite(data, kind, ticks)
    path.write_bytes(data)
    return path


def faststart_clip(path: Path, seconds: float = 20.0) -> Path:
    """A real MP4 with ``moov`` before ``mdat`` (``-movflags +faststart``, as web uploads are)."""
    import ffmpeg

    source = make_clip(path.with_suffix(".src.mp4"), seconds=seconds)
    subprocess.run(
        [
            *(str(ffmpeg.FFMPEG_PATH), "-nostdin", "-loglevel", "error", "-y"),
            *("-i", str(source), "-c", "copy", "-movflags", "+faststart", str(path)),
        ],
        check=True,
    )
    return path


def mdat_offset(data: bytes) -> int:
    """Where the top-level ``mdat`` box starts: everything before it is headers."""
    pos = 0
    while pos < len(data):
        size, box = struct.unpack(">I4s", data[pos : pos + 8])
        if box == b"mdat":
            return pos
        pos += size
    raise AssertionError("no mdat box")


def truncated_uploads(clip: bytes) -> dict[str, bytes]:
    """Cuts of a faststart clip that still probe as the whole video from its headers."""
    at = mdat_offset(clip)
    assert clip[:at].find(b"moov") > 0, "not a faststart clip"
    return {
        "header-only.mp4": clip[:at],  # cut right after moov: no media data at all
        "mdat-header.mp4": clip[: at + 8],  # the mdat box announced, nothing in it
        "half.mp4": clip[: len(clip) // 2],  # an upload stopped halfway
    }
