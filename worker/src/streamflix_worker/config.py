"""Worker configuration, read once from the environment the ECS task definition sets.

The variables are the contract with the stack (``streamflix_worker.contract.Env``). They are
validated up front by a pydantic-settings model, so that a misconfigured task fails at start
with an error naming the variable and the rule, instead of failing its first job; the
validated values become the frozen, typed ``WorkerConfig`` the threads share.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError, PydanticUseDefault
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from streamflix_worker.contract import METRICS_NAMESPACE, Env
from streamflix_worker.deadletter import (
    DEFAULT_DLQ_MAX_MESSAGE_BYTES,
    SQS_MAX_MESSAGE_BYTES,
    SQS_MIN_MESSAGE_BYTES,
)

DEFAULT_SSLROOTCERT = "/opt/streamflix/certs/rds-global-bundle.pem"
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# iam: a signed RDS auth token per connection (the deployed worker, user DB_USER holds rds_iam);
# secret: username/password JSON from DB_SECRET_ARN (the migrate task, local stand-ins).
DB_AUTH_MODES = ("iam", "secret")
_ENVIRONMENT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
REQUIRED_RULE = "is required and must not be empty"


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
        raise ConfigError(name, REQUIRED_RULE)
    return value


def default_worker_id() -> str:
    """Hostname plus pid: unique per task and per process, readable in the lease table."""
    return f"{socket.gethostname()}-{os.getpid()}"


# --- the rules, as pydantic validators run on the raw strings --------------------------------


def _stripped(raw: object) -> str:
    """The value without surrounding blanks; a blank value means "use the default"."""
    value = str(raw).strip()
    if not value:
        raise PydanticUseDefault()
    return value


def _text(raw: object) -> str:
    value = str(raw).strip()
    if not value:
        raise PydanticCustomError("required", REQUIRED_RULE)
    return value


def _int_rule(lo: int, hi: int) -> Callable[[object], int]:
    def check(raw: object) -> int:
        text = _stripped(raw)
        try:
            value = int(text)
        except ValueError:
            raise PydanticCustomError(
                "integer", "must be an integer, got {raw!r}", {"raw": text}
            ) from None
        if not lo <= value <= hi:
            raise PydanticCustomError(
                "range",
                "must be between {lo} and {hi}, got {value}",
                {"lo": lo, "hi": hi, "value": value},
            )
        return value

    return check


def _choice_rule(check: Callable[[str], bool], rule: str, blank_is_default: bool = True) -> Any:
    def validate(raw: object) -> str:
        text = _stripped(raw) if blank_is_default else str(raw).strip()
        if not check(text):
            raise PydanticCustomError("choice", "{rule}, got {raw!r}", {"rule": rule, "raw": text})
        return text

    return BeforeValidator(validate)


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str, BeforeValidator(_stripped)]


def _between(lo: int, hi: int) -> Any:
    """An integer variable within [lo, hi]; blank or unset means the default."""
    return BeforeValidator(_int_rule(lo, hi))


def _one_of(options: tuple[str, ...]) -> Any:
    return _choice_rule(lambda v: v in options, f"must be one of {options}")


def _env(name: Env, default: Any = ...) -> Any:
    """A field read from the variable ``name`` (no default: required)."""
    return Field(default, alias=str(name))


class DbEnvironment(BaseSettings):
    """The database variables: all the ``migrate`` and ``redrive`` commands need."""

    model_config = SettingsConfigDict(frozen=True, case_sensitive=True, validate_default=False)

    db_auth: Annotated[str, _one_of(DB_AUTH_MODES)] = _env(Env.DB_AUTH, "secret")
    db_user: OptionalText = _env(Env.DB_USER, "")  # required when DB_AUTH=iam
    db_secret_arn: OptionalText = _env(Env.DB_SECRET_ARN, "")  # required when DB_AUTH=secret
    db_host: Text = _env(Env.DB_HOST)
    db_port: Annotated[int, _between(1, 65535)] = _env(Env.DB_PORT, 5432)
    db_name: Text = _env(Env.DB_NAME)
    db_sslmode: Annotated[str, _one_of(SSLMODES)] = _env(Env.DB_SSLMODE, "verify-full")
    db_sslrootcert: OptionalText = _env(Env.DB_SSLROOTCERT, DEFAULT_SSLROOTCERT)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the mapping ``from_env`` hands over (``os.environ`` by default), never the
        process environment behind a test's back."""
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self:
        """Validate ``env``; a ``ConfigError`` naming the first variable that breaks its rule."""
        names = {field.alias or name for name, field in cls.model_fields.items()}
        given: dict[str, Any] = {name: env[name] for name in names if name in env}
        try:
            return cls(**given)
        except ValidationError as err:
            first = err.errors(include_url=False)[0]
            variable = str(first["loc"][0]) if first["loc"] else "environment"
            rule = REQUIRED_RULE if first["type"] == "missing" else first["msg"]
            raise ConfigError(variable, rule) from None

    def settings(self) -> DbSettings:
        """The typed database settings; the login variable of the chosen mode is required."""
        if self.db_auth == "iam" and not self.db_user:
            raise ConfigError(Env.DB_USER, REQUIRED_RULE)
        if self.db_auth == "secret" and not self.db_secret_arn:
            raise ConfigError(Env.DB_SECRET_ARN, REQUIRED_RULE)
        return DbSettings(
            auth=self.db_auth,
            user=self.db_user if self.db_auth == "iam" else "",
            secret_arn=self.db_secret_arn if self.db_auth == "secret" else "",
            host=self.db_host,
            port=self.db_port,
            name=self.db_name,
            sslmode=self.db_sslmode,
            sslrootcert=self.db_sslrootcert,
        )


class WorkerEnvironment(DbEnvironment):
    """Every variable the ``run`` command reads (``contract.Env`` minus what only the Python
    runtime reads), with its rule and default."""

    stream_name: Text = _env(Env.STREAM_NAME)
    uploads_bucket: Text = _env(Env.UPLOADS_BUCKET)
    dlq_url: Text = _env(Env.DLQ_URL)
    alert_topic_arn: Text = _env(Env.ALERT_TOPIC_ARN)
    retry_max_attempts: Annotated[int, _between(1, 50)] = _env(Env.RETRY_MAX_ATTEMPTS, 5)
    retry_base_backoff_ms: Annotated[int, _between(1, 600_000)] = _env(
        Env.RETRY_BASE_BACKOFF_MS, 200
    )
    retry_max_backoff_ms: Annotated[int, _between(1, 3_600_000)] = _env(
        Env.RETRY_MAX_BACKOFF_MS, 20_000
    )
    metrics_namespace: OptionalText = _env(Env.METRICS_NAMESPACE, METRICS_NAMESPACE)
    environment: Annotated[
        str,
        _choice_rule(
            lambda v: bool(_ENVIRONMENT_RE.match(v)),
            "is required: lowercase letters, digits and '-', at most 32 characters",
            blank_is_default=False,
        ),
    ] = _env(Env.ENVIRONMENT)
    aws_region: Text = _env(Env.AWS_REGION)
    scratch_dir: OptionalText = _env(Env.SCRATCH_DIR, "/scratch")
    lease_ttl_seconds: Annotated[int, _between(2, 3600)] = _env(Env.LEASE_TTL_SECONDS, 30)
    drain_timeout_seconds: Annotated[int, _between(1, 115)] = _env(Env.DRAIN_TIMEOUT_SECONDS, 90)
    worker_id: OptionalText = _env(Env.WORKER_ID, "")
    worker_batch_size: Annotated[int, _between(1, 10_000)] = _env(Env.WORKER_BATCH_SIZE, 1000)
    worker_idle_poll_ms: Annotated[int, _between(200, 60_000)] = _env(Env.WORKER_IDLE_POLL_MS, 1000)
    # the DLQ's MaximumMessageSize: every dead letter (body and attributes) stays within it
    dlq_max_message_bytes: Annotated[
        int, _between(SQS_MIN_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES)
    ] = _env(Env.DLQ_MAX_MESSAGE_BYTES, DEFAULT_DLQ_MAX_MESSAGE_BYTES)


def load_db_settings(env: Mapping[str, str] | None = None) -> DbSettings:
    """The database part alone: all the ``migrate`` command needs."""
    return DbEnvironment.from_env(os.environ if env is None else env).settings()


def load_config(env: Mapping[str, str] | None = None) -> WorkerConfig:
    """Build the worker configuration from ``env`` (default: ``os.environ``)."""
    e = WorkerEnvironment.from_env(os.environ if env is None else env)
    if e.retry_max_backoff_ms < e.retry_base_backoff_ms:
        raise ConfigError(Env.RETRY_MAX_BACKOFF_MS, f"must be >= {Env.RETRY_BASE_BACKOFF_MS}")
    return WorkerConfig(
        stream_name=e.stream_name,
        uploads_bucket=e.uploads_bucket,
        db=e.settings(),
        dlq_url=e.dlq_url,
        alert_topic_arn=e.alert_topic_arn,
        retry=RetryPolicy(e.retry_max_attempts, e.retry_base_backoff_ms, e.retry_max_backoff_ms),
        metrics_namespace=e.metrics_namespace,
        environment=e.environment,
        aws_region=e.aws_region,
        scratch_dir=Path(e.scratch_dir),
        lease_ttl_seconds=e.lease_ttl_seconds,
        drain_timeout_seconds=e.drain_timeout_seconds,
        worker_id=e.worker_id or default_worker_id(),
        batch_size=e.worker_batch_size,
        idle_poll_ms=e.worker_idle_poll_ms,
        dlq_max_message_bytes=e.dlq_max_message_bytes,
    )
