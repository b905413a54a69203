"""Which failures are worth retrying.

Only failures that can go away by themselves (throttling, 5xx, network, a database restart, an
object not yet visible) are transient; everything else is permanent and goes to the DLQ at once.
"""

from __future__ import annotations

import psycopg
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

TRANSIENT_AWS_CODES = frozenset(
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
        # The request can arrive before the upload is visible: worth a few retries.
        "NoSuchKey",
        "404",
    }
)


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


def is_transient(error: BaseException) -> bool:
    """Classify an exception raised by boto3, psycopg or the worker itself."""
    if isinstance(error, TransientJobError):
        return True
    if isinstance(error, JobError):
        return False
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
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
