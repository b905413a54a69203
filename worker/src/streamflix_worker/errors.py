"""Which failures are worth retrying.

Only failures that can go away by themselves (throttling, 5xx, network, a database restart, an
object not yet visible) are transient; everything else is permanent and goes to the DLQ at once.
"""

from __future__ import annotations

import psycopg
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

# What S3 answers for a key that does not exist (yet) when the caller holds s3:ListBucket on the
# bucket: GetObject says NoSuchKey, HeadObject has no body so only its status, 404 ("NotFound" in
# some SDKs). Without ListBucket S3 answers 403 for a missing key, indistinguishable from a real
# denial; the task role therefore holds ListBucket (AWS S3 API reference, HeadObject,
# "Permissions"). A request can arrive before its upload is visible: worth a few retries.
S3_NOT_VISIBLE_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
TRANSIENT_AWS_CODES = (
    frozenset(
        {
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "SlowDown",
            "ServiceUnavailable",
            "InternalError",
            "InternalFailure",
            "KMSThrottlingException",
            "LimitExceededException",
            "RequestTimeout",
            "PreconditionFailed",
        }
    )
    | S3_NOT_VISIBLE_CODES
)  # "not visible yet" is worth a few retries too
# With ListBucket granted a 403 is a real denial (policy, bucket policy, KMS): retrying cannot
# fix it, so it is permanent and dead-lettered at once with a reason that says so.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "403", "Forbidden", "AccessDeniedException"})


class JobError(Exception):
    """A job failed; ``reason`` is what the DLQ and the status history record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientJobError(JobError):
    """Might succeed if tried again later."""


class PermanentJobError(JobError):
    """Will fail the same way every time (bad media, access denied...)."""


class LeaseLostError(Exception):
    """Another worker owns the shard now; this worker must drop the batch and stop the shard."""


def _client_error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def s3_read_error(error: ClientError, bucket: str, key: str) -> JobError:
    """Turn an S3 read failure into a job error whose reason says what S3 meant."""
    code = _client_error_code(error)
    where = f"s3://{bucket}/{key}"
    if code in S3_NOT_VISIBLE_CODES:
        return TransientJobError(f"upload not visible yet ({code}): {where}")
    if code in ACCESS_DENIED_CODES:
        return PermanentJobError(f"access denied ({code}) reading {where}")
    return as_job_error(error)


def is_transient(error: BaseException) -> bool:
    """Classify an exception raised by boto3, psycopg or the worker itself."""
    if isinstance(error, TransientJobError):
        return True
    if isinstance(error, JobError):
        return False
    if isinstance(error, ClientError):
        code = _client_error_code(error)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in TRANSIENT_AWS_CODES or status >= 500
    if isinstance(error, ConnectionError | HTTPClientError | BotoCoreError):
        return True
    return isinstance(error, psycopg.OperationalError | OSError | TimeoutError)


def as_job_error(error: BaseException) -> JobError:
    """Wrap any exception as a transient or permanent ``JobError`` with a short reason."""
    if isinstance(error, JobError):
        return error
    reason = f"{type(error).__name__}: {error}"[:1000]
    if is_transient(error):
        return TransientJobError(reason)
    return PermanentJobError(reason)
