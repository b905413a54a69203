"""S3 read failures classified as S3 really reports them (issue 12 item 2).

With ``s3:ListBucket`` on the bucket, a key that is not visible yet answers 404 (HeadObject) or
NoSuchKey (GetObject): retried. A 403 then means a real denial: permanent, reason says so.
The unit tests feed the processor the exact error shapes botocore builds from S3's answers
(Stubber); the service test lets the upload appear after the first miss on moto server.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from streamflix_devtools.standins import sample_request
from streamflix_worker.errors import (
    PermanentJobError,
    TransientJobError,
    as_job_error,
    is_transient,
)
from streamflix_worker.processor import S3MediaProcessor
from streamflix_worker.schema import ProcessingRequest, parse_request
from worker_testkit import Harness, wait_until

BUCKET = "uploads-unit"


def _request(key: str = "late.mp4") -> ProcessingRequest:
    import json

    return parse_request(json.dumps(sample_request(BUCKET, key)).encode())


def _process_with_error(
    tmp_path: Path, operation: str, code: str, status: int
) -> TransientJobError | PermanentJobError:
    s3 = boto3.client("s3", region_name="eu-central-1", endpoint_url="http://127.0.0.1:9")
    with Stubber(s3) as stub:
        if operation == "get_object":
            stub.add_response("head_object", {"ContentLength": 1, "ETag": '"e"'})
        stub.add_client_error(operation, service_error_code=code, http_status_code=status)
        with pytest.raises((TransientJobError, PermanentJobError)) as caught:
            S3MediaProcessor(s3, tmp_path).process(_request())
    error = caught.value
    assert isinstance(error, TransientJobError | PermanentJobError)
    return error


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [
        ("head_object", "404", 404),
        ("head_object", "NotFound", 404),
        ("get_object", "NoSuchKey", 404),
    ],
)
def test_a_key_not_visible_yet_is_transient(
    tmp_path: Path, operation: str, code: str, status: int
) -> None:
    error = _process_with_error(tmp_path, operation, code, status)
    assert isinstance(error, TransientJobError)
    assert error.reason == f"upload not visible yet ({code}): s3://{BUCKET}/late.mp4"


@pytest.mark.parametrize(
    ("operation", "code"), [("head_object", "403"), ("get_object", "AccessDenied")]
)
def test_access_denied_is_permanent_and_says_so(tmp_path: Path, operation: str, code: str) -> None:
    error = _process_with_error(tmp_path, operation, code, 403)
    assert isinstance(error, PermanentJobError)
    assert error.reason == f"access denied ({code}) reading s3://{BUCKET}/late.mp4"


def _client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "HeadObject")


def test_generic_classification_agrees_with_the_s3_one() -> None:
    assert all(is_transient(_client_error(c, 404)) for c in ("404", "NotFound", "NoSuchKey"))
    assert not is_transient(_client_error("403", 403))
    assert isinstance(as_job_error(_client_error("AccessDenied", 403)), PermanentJobError)
    assert isinstance(as_job_error(_client_error("SlowDown", 503)), TransientJobError)


class _UploadAfterFirstMiss:
    """Lets the first attempt miss the object, then uploads it (an upload that lands late)."""

    def __init__(self, inner: S3MediaProcessor, upload: Any) -> None:
        self._inner = inner
        self._upload = upload
        self.misses: list[str] = []

    def process(self, request: ProcessingRequest) -> Any:
        try:
            return self._inner.process(request)
        except TransientJobError as error:
            self.misses.append(error.reason)
            self._upload()
            raise


@pytest.mark.services
@pytest.mark.timeout(120)
def test_an_upload_that_lands_late_is_retried_not_dead_lettered(
    harness: Harness, clip_bytes: bytes
) -> None:
    key = f"late-{uuid.uuid4().hex[:6]}.mp4"
    request = sample_request(harness.stack.bucket, key)
    processor = _UploadAfterFirstMiss(
        S3MediaProcessor(harness.s3, Path(harness.stack.env["SCRATCH_DIR"])),
        lambda: harness.upload(key, clip_bytes),
    )
    harness.put(request)
    with harness.worker(processor=processor):
        wait_until(lambda: harness.count_status("COMPLETED") == 1, 40, what="COMPLETED")
    assert processor.misses == [f"upload not visible yet (404): s3://{harness.stack.bucket}/{key}"]
    ((attempts,),) = harness.query("SELECT attempts FROM videos")
    assert attempts == 2
    assert harness.drain_queue(harness.stack.dlq_url, expect=1, timeout=2) == []
