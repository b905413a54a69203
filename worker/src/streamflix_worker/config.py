"""Worker configuration, read once from the environment the ECS task definition sets.

Every value is validated up front so that a misconfigured task fails at start with an error
naming the variable and the rule, instead of failing its first job.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from streamflix_worker.deadletter import (
    DEFAULT_DLQ_MAX_MESSAGE_BYTES,
    SQS_MAX_MESSAGE_BYTES,
    SQS_MIN_MESSAGE_BYTES,
)

T = TypeVar("T")

DEFAULT_SSLROOTCERT = "/opt/streamflix/certs/rds-global-bundle.pem"
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# iam: a signed RDS auth token per connection (the deployed worker, user DB_USER holds rds_iam);
# secret: username/password JSON from DB_SECRET_ARN (the migrate task, local stand-ins).
DB_AUTH_MODES = ("iam", "secret")
_ENVIRONMENT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


class ConfigError(ValueError):
    """A configuration variable is missing or breaks its rule."""

    def __init__(self, variable: str, rule: str) -> None:
        super().__init__(f"{variable}: {rule}")
        self.variable = variable
        self.rule = rule


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a job's transient failures are retried."""

    max_attempts: int = 5
    base_backoff_ms: int = 200
    max_backoff_ms: int = 20_000


@dataclass(frozen=True)
class DbSettings:
    """Where the database is and how to log in: IAM token as ``user``, or the secret's user."""

    auth: str
    user: str  # the login for auth=iam; "" for auth=secret (the secret names its user)
    secret_arn: str  # for auth=secret; "" for auth=iam
    host: str
    port: int = 5432
    name: str = "streamflix"
    sslmode: str = "verify-full"
    sslrootcert: str = DEFAULT_SSLROOTCERT
    connect_timeout_s: int = 5


@dataclass(frozen=True)
class WorkerConfig:
    """Everything one worker process needs; immutable so threads can share it."""

    stream_name: str
    uploads_bucket: str
    db: DbSettings
    dlq_url: str
    alert_topic_arn: str
    retry: RetryPolicy
    metrics_namespace: str
    environment: str
    aws_region: str
    scratch_dir: Path
    lease_ttl_seconds: int
    drain_timeout_seconds: int
    worker_id: str
    batch_size: int = 1000
    idle_poll_ms: int = 1000
    # the DLQ's MaximumMessageSize: every dead letter (body and attributes) stays within it
    dlq_max_message_bytes: int = DEFAULT_DLQ_MAX_MESSAGE_BYTES
    # New for every process (every load): a claim held by this incarnation is its own (a
    # consumer restart resumes it), even if WORKER_ID is set to the same value after a crash.
    incarnation: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def claim_holder(self) -> str:
        """What ``videos.claimed_by`` records for this process's claims."""
        return f"{self.worker_id}#{self.incarnation}"

    @property
    def lease_renew_interval_s(self) -> float:
        """Renew three times per TTL so one missed heartbeat never loses a lease."""
        return self.lease_ttl_seconds / 3


def required(env: Mapping[str, str], name: str) -> str:
    """The stripped value of ``name``; a ``ConfigError`` naming it when missing or blank."""
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(name, "is required and must not be empty")
    return value


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"must be an integer, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(name, f"must be between {lo} and {hi}, got {value}")
    return value


def _choice(
    env: Mapping[str, str], name: str, default: str, check: Callable[[str], bool], rule: str
) -> str:
    value = env.get(name, "").strip() or default
    if not check(value):
        raise ConfigError(name, f"{rule}, got {value!r}")
    return value


def default_worker_id() -> str:
    """Hostname plus pid: unique per task and per process, readable in the lease table."""
    return f"{socket.gethostname()}-{os.getpid()}"


def load_db_settings(env: Mapping[str, str] | None = None) -> DbSettings:
    """The database part alone: all the ``migrate`` command needs."""
    env = os.environ if env is None else env
    sslmode = _choice(
        env, "DB_SSLMODE", "verify-full", lambda v: v in SSLMODES, f"must be one of {SSLMODES}"
    )
    auth = _choice(
        env, "DB_AUTH", "secret", lambda v: v in DB_AUTH_MODES, f"must be one of {DB_AUTH_MODES}"
    )
    return DbSettings(
        auth=auth,
        user=required(env, "DB_USER") if auth == "iam" else "",
        secret_arn=required(env, "DB_SECRET_ARN") if auth == "secret" else "",
        host=required(env, "DB_HOST"),
        port=_int(env, "DB_PORT", 5432, 1, 65535),
        name=required(env, "DB_NAME"),
        sslmode=sslmode,
        sslrootcert=env.get("DB_SSLROOTCERT", "").strip() or DEFAULT_SSLROOTCERT,
    )


def load_config(env: Mapping[str, str] | None = None) -> WorkerConfig:
    """Build the worker configuration from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    retry = RetryPolicy(
        max_attempts=_int(env, "RETRY_MAX_ATTEMPTS", 5, 1, 50),
        base_backoff_ms=_int(env, "RETRY_BASE_BACKOFF_MS", 200, 1, 600_000),
        max_backoff_ms=_int(env, "RETRY_MAX_BACKOFF_MS", 20_000, 1, 3_600_000),
    )
    if retry.max_backoff_ms < retry.base_backoff_ms:
        raise ConfigError("RETRY_MAX_BACKOFF_MS", "must be >= RETRY_BASE_BACKOFF_MS")
    db = load_db_settings(env)
    lease_ttl = _int(env, "LEASE_TTL_SECONDS", 30, 2, 3600)
    drain = _int(env, "DRAIN_TIMEOUT_SECONDS", 90, 1, 115)
    return WorkerConfig(
        stream_name=required(env, "STREAM_NAME"),
        uploads_bucket=required(env, "UPLOADS_BUCKET"),
        db=db,
        dlq_url=required(env, "DLQ_URL"),
        alert_topic_arn=required(env, "ALERT_TOPIC_ARN"),
        retry=retry,
        metrics_namespace=env.get("METRICS_NAMESPACE", "").strip() or "StreamFlix/Worker",
        environment=_choice(
            env,
            "ENVIRONMENT",
            "",
            lambda v: bool(_ENVIRONMENT_RE.match(v)),
            "is required: lowercase letters, digits and '-', at most 32 characters",
        ),
        aws_region=required(env, "AWS_REGION"),
        scratch_dir=Path(env.get("SCRATCH_DIR", "").strip() or "/scratch"),
        lease_ttl_seconds=lease_ttl,
        drain_timeout_seconds=drain,
        worker_id=env.get("WORKER_ID", "").strip() or default_worker_id(),
        batch_size=_int(env, "WORKER_BATCH_SIZE", 1000, 1, 10_000),
        idle_poll_ms=_int(env, "WORKER_IDLE_POLL_MS", 1000, 200, 60_000),
        dlq_max_message_bytes=_int(
            env,
            "DLQ_MAX_MESSAGE_BYTES",
            DEFAULT_DLQ_MAX_MESSAGE_BYTES,
            SQS_MIN_MESSAGE_BYTES,
            SQS_MAX_MESSAGE_BYTES,
        ),
    )
