"""One job's work: size from S3, streamed fingerprint, probe. Pluggable for the benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError

from streamflix_worker.errors import TransientJobError, s3_read_error
from streamflix_worker.media import CHUNK_BYTES, MediaInfo, probe_file, stream_to_scratch
from streamflix_worker.schema import ProcessingRequest


class JobProcessor(Protocol):
    """Turns a request into media facts, or raises (classified by ``errors.is_transient``)."""

    def process(self, request: ProcessingRequest) -> MediaInfo: ...


class S3MediaProcessor:
    """The production processor: S3 ``HeadObject`` + streamed ``GetObject`` + PyAV probe."""

    def __init__(self, s3: Any, scratch_dir: Path) -> None:
        self._s3 = s3
        self._scratch = scratch_dir

    def process(self, request: ProcessingRequest) -> MediaInfo:
        bucket, key = request.source.bucket, request.source.key
        try:
            head = self._s3.head_object(Bucket=bucket, Key=key)
            body = self._s3.get_object(Bucket=bucket, Key=key, IfMatch=head["ETag"])["Body"]
        except ClientError as error:
            raise s3_read_error(error, bucket, key) from error
        expected = int(head["ContentLength"])
        try:
            with stream_to_scratch(body.iter_chunks(CHUNK_BYTES), self._scratch) as scratch:
                if scratch.size_bytes != expected:
                    raise TransientJobError(
                        f"read {scratch.size_bytes} bytes, S3 reported {expected}"
                    )
                probe = probe_file(scratch.path)
        finally:
            body.close()
        return MediaInfo(size_bytes=expected, sha256=scratch.sha256, probe=probe)
