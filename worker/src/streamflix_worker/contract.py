"""The worker <-> infrastructure contract: every name both sides must agree on, written once.

The stack (``lib/``, through ``lib.worker_contract``) and the worker import this module: the
environment variables the task definition sets and the worker's configuration reads, the EMF
namespace, dimension and metric names the worker emits and the alarms, dashboard and scaling
read, the database login the task role may connect as, and the job statuses and outcomes the
database, the metrics and the alarms are keyed by. It imports the standard library only, so the
synthesizer can load it without the worker's dependencies, and the worker image carries it
(``lib/`` is not in the image).

Adding a job outcome starts here (``worker/README.md``, "Adding an outcome"): a ``JobOutcome``
entry names its metric and the status it records; ``tests/test_worker_contract.py`` then fails
until the worker emits the metric, the monitoring construct decides its alarm and the
migrations allow its status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum, unique

# --- environment ---------------------------------------------------------------------------


@unique
class Env(StrEnum):
    """Environment variables of the worker container, by their exact names."""

    STREAM_NAME = "STREAM_NAME"
    UPLOADS_BUCKET = "UPLOADS_BUCKET"
    DB_AUTH = "DB_AUTH"
    DB_USER = "DB_USER"
    DB_SECRET_ARN = "DB_SECRET_ARN"
    DB_HOST = "DB_HOST"
    DB_PORT = "DB_PORT"
    DB_NAME = "DB_NAME"
    DB_SSLMODE = "DB_SSLMODE"
    DB_SSLROOTCERT = "DB_SSLROOTCERT"
    DLQ_URL = "DLQ_URL"
    DLQ_MAX_MESSAGE_BYTES = "DLQ_MAX_MESSAGE_BYTES"
    ALERT_TOPIC_ARN = "ALERT_TOPIC_ARN"
    RETRY_MAX_ATTEMPTS = "RETRY_MAX_ATTEMPTS"
    RETRY_BASE_BACKOFF_MS = "RETRY_BASE_BACKOFF_MS"
    RETRY_MAX_BACKOFF_MS = "RETRY_MAX_BACKOFF_MS"
    METRICS_NAMESPACE = "METRICS_NAMESPACE"
    ENVIRONMENT = "ENVIRONMENT"
    AWS_REGION = "AWS_REGION"
    SCRATCH_DIR = "SCRATCH_DIR"
    TMPDIR = "TMPDIR"
    LEASE_TTL_SECONDS = "LEASE_TTL_SECONDS"
    DRAIN_TIMEOUT_SECONDS = "DRAIN_TIMEOUT_SECONDS"
    WORKER_ID = "WORKER_ID"
    WORKER_BATCH_SIZE = "WORKER_BATCH_SIZE"
    WORKER_IDLE_POLL_MS = "WORKER_IDLE_POLL_MS"


# Read by the Python runtime (tempfile), not by the worker's configuration.
READ_BY_RUNTIME: frozenset[Env] = frozenset({Env.TMPDIR})
# Read by the configuration, deliberately not set by the stack: the default is right.
LEFT_TO_DEFAULT: dict[Env, str] = {
    Env.WORKER_ID: "hostname-pid is unique per task and per process",
    Env.WORKER_BATCH_SIZE: "1000 records per GetRecords batch",
    Env.WORKER_IDLE_POLL_MS: "1 s between polls of an idle shard",
    Env.DB_SSLROOTCERT: "the image's ENV points at the RDS CA bundle baked into it",
}
# Each task sets the other's login variable to nothing: the worker logs in with an IAM token as
# DB_USER; the migrate task as the master user, with the password from DB_SECRET_ARN.
RUN_TASK_ONLY: frozenset[Env] = frozenset({Env.DB_USER})
MIGRATE_TASK_ONLY: frozenset[Env] = frozenset({Env.DB_SECRET_ARN})


def set_by_run_task() -> frozenset[Env]:
    """What the worker (``run``) task definition must set, no more and no less."""
    return frozenset(Env) - LEFT_TO_DEFAULT.keys() - MIGRATE_TASK_ONLY


def set_by_migrate_task() -> frozenset[Env]:
    """What the ``migrate`` task definition must set, no more and no less."""
    return frozenset(Env) - LEFT_TO_DEFAULT.keys() - RUN_TASK_ONLY


# --- database ------------------------------------------------------------------------------

# The worker's own database login (created by worker/migrations/V004, a login with rds_iam
# since V006): the task role may connect as this user only, never as the master user.
WORKER_DB_USER = "streamflix_worker"


@unique
class Status(StrEnum):
    """A video's status (``videos.status``, ``video_status_history``): the migrations' CHECK
    constraints allow exactly these."""

    RECEIVED = "RECEIVED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


# --- metrics -------------------------------------------------------------------------------

METRICS_NAMESPACE = "StreamFlix/Worker"  # the EMF namespace (Env.METRICS_NAMESPACE's value)
METRIC_DIMENSION = "Environment"  # the one dimension, valued with the environment suffix


class Unit(StrEnum):
    """CloudWatch units the worker emits in."""

    COUNT = "Count"
    MILLISECONDS = "Milliseconds"


@unique
class Metric(StrEnum):
    """Every metric the worker emits (``worker/README.md`` has the table), in dashboard order."""

    JOBS_PROCESSED = "JobsProcessed"
    JOBS_FAILED = "JobsFailed"
    JOBS_RETRIED = "JobsRetried"
    JOBS_DEAD_LETTERED = "JobsDeadLettered"
    JOBS_DUPLICATE = "JobsDuplicate"  # replays: same content for a video in progress or done
    # a different request for a video in progress or done (a correction): kept, never processed
    JOBS_DUPLICATE_CHANGED = "JobsDuplicateChanged"
    # a shard consumer thread crashed (a non-transient error); restarted after a growing
    # backoff, its shard blocked meanwhile: a steady count is a stuck shard
    SHARD_CONSUMER_CRASHED = "ShardConsumerCrashed"
    PROCESSING_LATENCY = "ProcessingLatency"
    MILLIS_BEHIND_LATEST = "MillisBehindLatest"

    @property
    def unit(self) -> Unit:
        return Unit.MILLISECONDS if self in _MILLISECOND_METRICS else Unit.COUNT


_MILLISECOND_METRICS = frozenset({Metric.PROCESSING_LATENCY, Metric.MILLIS_BEHIND_LATEST})


def metrics_in(unit: Unit) -> tuple[Metric, ...]:
    """The metrics emitted in ``unit``, in declaration (dashboard) order."""
    return tuple(m for m in Metric if m.unit is unit)


# --- job outcomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeSpec:
    """What one outcome of a record means on both sides: the metric counting it and the
    status it leaves the video in (None: the video's status does not change)."""

    metric: Metric
    status: Status | None
    meaning: str


class JobOutcome(Enum):
    """How a record's processing can end; each is counted by its own metric."""

    COMPLETED = OutcomeSpec(Metric.JOBS_PROCESSED, Status.COMPLETED, "probed and recorded")
    FAILED = OutcomeSpec(
        Metric.JOBS_FAILED, Status.FAILED, "permanent error, retries used up, or crashed workers"
    )
    DUPLICATE = OutcomeSpec(
        Metric.JOBS_DUPLICATE, None, "replay of a request for a video in progress or done"
    )
    DUPLICATE_CHANGED = OutcomeSpec(
        Metric.JOBS_DUPLICATE_CHANGED,
        None,
        "different request for a video in progress or done (a correction, kept)",
    )

    @property
    def metric(self) -> Metric:
        return self.value.metric

    @property
    def status(self) -> Status | None:
        return self.value.status


def terminal_statuses() -> tuple[Status, ...]:
    """The statuses a job can end in (what ``store.complete`` writes)."""
    return tuple(o.status for o in JobOutcome if o.status is not None)
