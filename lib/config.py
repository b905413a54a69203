"""Typed, validated configuration for the StreamFlix stack.

Every knob is declared once in ``KNOBS`` (environment variable, default, rule) and read by
``load_config``. Nothing is synthesized from a value that failed validation: ``load_config``
collects every violation and raises one ``ConfigError`` naming each knob, its value and the
rule it broke. This module imports no cdktf code, so a bad value fails in milliseconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lib.capacity import CapacityError, plan_shards
from lib.naming import NamingError, validate_suffix

PROJECT = "streamflix"

# Regions inside the EU/EEA where AWS operates. Residency is a risk-reduction choice (see README).
EU_REGIONS: frozenset[str] = frozenset(
    {
        "eu-central-1",
        "eu-central-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
    }
)
# eu-west-2 (London) and eu-central-2 (Zurich) are outside the EU; adequacy decisions cover them,
# but we keep the stack inside the Union.
EU_MEMBER_STATE_REGIONS: frozenset[str] = EU_REGIONS - {"eu-west-2", "eu-central-2"}
DEFAULT_REGION = "eu-central-1"

# Fargate task sizes: cpu units -> allowed memory (MiB). Source: AWS ECS task size table.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
BUCKET_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TAG_VALUE_PATTERN = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")


class ConfigError(ValueError):
    """One or more knobs hold values the stack cannot be built from."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        lines = [str(v) for v in violations]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class Violation:
    knob: str
    value: str
    rule: str

    def __str__(self) -> str:
        return f"{self.knob}={self.value!r}: {self.rule}"


# ---------------------------------------------------------------------------------------------
# Typed configuration objects
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkConfig:
    vpc_cidr: str = "10.40.0.0/16"
    az_count: int = 2
    nat_gateway: bool = False


@dataclass(frozen=True)
class StreamConfig:
    capacity_mode: str = "PROVISIONED"  # PROVISIONED | ON_DEMAND
    peak_uploads_per_second: float = 50.0
    record_size_bytes: int = 4096
    burst_headroom: float = 2.0
    consumers: int = 1
    retention_hours: int = 168


@dataclass(frozen=True)
class DatabaseConfig:
    engine_version: str = "16.6"
    min_acu: float = 0.5
    max_acu: float = 4.0
    backup_retention_days: int = 7
    database_name: str = "streamflix"
    master_username: str = "streamflix_admin"
    secret_rotation_days: int = 30


@dataclass(frozen=True)
class WorkerConfig:
    cpu: int = 1024
    memory_mib: int = 2048
    min_tasks: int = 1
    max_tasks: int | None = None  # None: the stream's shard count (no more consumers than shards)
    fargate_base: int = 1
    fargate_weight: int = 1
    fargate_spot_weight: int = 3
    image_tag: str = "latest"
    enable_exec: bool = False


@dataclass(frozen=True)
class RetryConfig:
    max_attempts: int = 5
    base_backoff_ms: int = 200
    max_backoff_ms: int = 20_000


@dataclass(frozen=True)
class AlarmConfig:
    emails: tuple[str, ...] = ()
    iterator_age_ms: int = 60_000
    error_rate_percent: float = 5.0


@dataclass(frozen=True)
class BackendConfig:
    kind: str = "local"  # local | s3
    s3_bucket: str = ""
    s3_key_prefix: str = "streamflix"
    s3_region: str = DEFAULT_REGION
    s3_dynamodb_table: str = ""  # empty: S3-native lock file (Terraform >= 1.10)


@dataclass(frozen=True)
class TagConfig:
    owner: str = "platform-team"
    cost_center: str = "media-pipeline"
    data_classification: str = "confidential"
    compliance_scope: str = "content-tracking"


@dataclass(frozen=True)
class StackConfig:
    environment_suffix: str = "dev"
    region: str = DEFAULT_REGION
    network: NetworkConfig = field(default_factory=NetworkConfig)
    stream: StreamConfig = field(default_factory=StreamConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    retry: RetryConfig = field(default_factory=RetryConfig)
    alarms: AlarmConfig = field(default_factory=AlarmConfig)
    backend: BackendConfig = field(default_factory=BackendConfig)
    tags: TagConfig = field(default_factory=TagConfig)

    @property
    def stack_name(self) -> str:
        return f"{PROJECT}-{self.environment_suffix}"

    def required_tags(self) -> dict[str, str]:
        """The tag set every taggable resource carries (applied through provider default_tags)."""
        return {
            "Project": PROJECT,
            "Environment": self.environment_suffix,
            "Owner": self.tags.owner,
            "CostCenter": self.tags.cost_center,
            "DataClassification": self.tags.data_classification,
            "ComplianceScope": self.tags.compliance_scope,
            "ManagedBy": "cdktf",
        }


REQUIRED_TAG_KEYS: tuple[str, ...] = tuple(StackConfig().required_tags())

# ---------------------------------------------------------------------------------------------
# Knob table: one row per environment variable
# ---------------------------------------------------------------------------------------------

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Knob:
    """One configuration knob: where it is read from, how it is parsed, the rule it obeys."""

    env: str
    section: str  # attribute of StackConfig ("" for top level)
    attr: str
    parse: Callable[[str], Any]
    check: Check
    doc: str

    def default(self) -> Any:
        base: Any = StackConfig()
        if self.section:
            base = getattr(base, self.section)
        return getattr(base, self.attr)


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be one of true/false/1/0/yes/no/on/off")


def _int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError("must be a whole number") from None


def _float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("must be a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _optional_int(raw: str) -> int | None:
    return None if raw.strip() in {"", "auto"} else _int(raw)


def _emails(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _str(raw: str) -> str:
    return raw.strip()


def _upper(raw: str) -> str:
    return raw.strip().upper()


def between(low: float, high: float) -> Check:
    return lambda v: None if low <= v <= high else f"must be between {low:g} and {high:g}"


def one_of(*allowed: str) -> Check:
    return lambda v: None if v in allowed else f"must be one of {', '.join(allowed)}"


def _acu(value: float) -> str | None:
    if not 0 <= value <= 256 or (value * 2) != int(value * 2):
        return "must be between 0 and 256 ACU in steps of 0.5"
    return None


def _suffix(value: str) -> str | None:
    try:
        validate_suffix(value)
    except NamingError as err:
        return err.rule
    return None


def _region(value: str) -> str | None:
    if value not in EU_MEMBER_STATE_REGIONS:
        return f"must be an AWS region inside the EU ({', '.join(sorted(EU_MEMBER_STATE_REGIONS))})"
    return None


def _cidr(value: str) -> str | None:
    import ipaddress

    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return "must be an IPv4 network in CIDR notation, e.g. 10.40.0.0/16"
    if not 16 <= net.prefixlen <= 20:
        return "prefix length must be between /16 and /20 (room for 4 subnets of /prefix+4)"
    if not net.is_private:
        return "must be a private (RFC 1918) range"
    return None


def _emails_check(values: tuple[str, ...]) -> str | None:
    bad = [v for v in values if not EMAIL_PATTERN.match(v)]
    return f"not valid e-mail addresses: {', '.join(bad)}" if bad else None


def _optional_tasks(value: int | None) -> str | None:
    return None if value is None else between(1, 1000)(value)


def _tag_value(value: str) -> str | None:
    if not TAG_VALUE_PATTERN.match(value):
        return "must be 1-256 characters of letters, digits, spaces and _.:/=+-@"
    if EMAIL_PATTERN.match(value) or "@" in value:
        return "must not contain an e-mail address (tags must carry no personal data)"
    return None


def _bucket(value: str) -> str | None:
    if value and not BUCKET_NAME_PATTERN.match(value):
        return "must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)"
    return None


def _identifier(value: str) -> str | None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", value):
        return "must start with a lowercase letter and hold only a-z, 0-9, _ (max 63)"
    if value in {"postgres", "rdsadmin", "admin", "user"}:
        return "is reserved by RDS/PostgreSQL"
    return None


def _engine_version(value: str) -> str | None:
    if not re.fullmatch(r"16\.\d+", value):
        return "must be an Aurora PostgreSQL 16.x version, e.g. 16.6"
    return None


def _image_tag(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", value):
        return "must be a valid image tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)"
    return None


KNOBS: tuple[Knob, ...] = (
    Knob("ENVIRONMENT_SUFFIX", "", "environment_suffix", _str, _suffix,
         "Suffix of every resource name (streamflix-<component>-<suffix>)."),
    Knob("STREAMFLIX_REGION", "", "region", _str, _region,
         "AWS region; only EU member-state regions are accepted."),
    Knob("STREAMFLIX_VPC_CIDR", "network", "vpc_cidr", _str, _cidr, "VPC IPv4 range."),
    Knob("STREAMFLIX_NAT_GATEWAY", "network", "nat_gateway", _bool, lambda v: None,
         "Add one NAT gateway for private egress to the internet (VPC endpoints cover AWS APIs)."),
    Knob("STREAMFLIX_KINESIS_CAPACITY_MODE", "stream", "capacity_mode", _upper,
         one_of("PROVISIONED", "ON_DEMAND"), "Kinesis capacity mode."),
    Knob("STREAMFLIX_PEAK_UPLOADS_PER_SECOND", "stream", "peak_uploads_per_second", _float,
         between(0.1, 100_000), "Declared peak of processing requests per second (shard sizing)."),
    Knob("STREAMFLIX_RECORD_SIZE_BYTES", "stream", "record_size_bytes", _int,
         between(1, 1_048_576), "Typical processing-request record size in bytes (max 1 MiB)."),
    Knob("STREAMFLIX_BURST_HEADROOM", "stream", "burst_headroom", _float, between(1.0, 10.0),
         "Multiplier on the peak for bursts (shard sizing)."),
    Knob("STREAMFLIX_STREAM_CONSUMERS", "stream", "consumers", _int, between(1, 5),
         "Shared-throughput consumer applications reading the stream (shard sizing)."),
    Knob("STREAMFLIX_KINESIS_RETENTION_HOURS", "stream", "retention_hours", _int,
         between(24, 8760), "Kinesis record retention in hours."),
    Knob("STREAMFLIX_DB_ENGINE_VERSION", "database", "engine_version", _str, _engine_version,
         "Aurora PostgreSQL engine version."),
    Knob("STREAMFLIX_DB_MIN_ACU", "database", "min_acu", _float, _acu,
         "Aurora Serverless v2 minimum capacity (ACU)."),
    Knob("STREAMFLIX_DB_MAX_ACU", "database", "max_acu", _float, _acu,
         "Aurora Serverless v2 maximum capacity (ACU)."),
    Knob("STREAMFLIX_DB_BACKUP_RETENTION_DAYS", "database", "backup_retention_days", _int,
         between(7, 35), "Automated backup retention (PITR window); our floor is 7 days."),
    Knob("STREAMFLIX_DB_NAME", "database", "database_name", _str, _identifier,
         "Name of the metadata database."),
    Knob("STREAMFLIX_DB_MASTER_USERNAME", "database", "master_username", _str, _identifier,
         "Master user name (its password is generated and kept by RDS in Secrets Manager)."),
    Knob("STREAMFLIX_SECRET_ROTATION_DAYS", "database", "secret_rotation_days", _int,
         between(1, 30), "Rotation interval of the database secret (policy: at most 30 days)."),
    Knob("STREAMFLIX_WORKER_CPU", "worker", "cpu", _int,
         lambda v: None if v in FARGATE_SIZES else
         f"must be a Fargate cpu size: {', '.join(map(str, FARGATE_SIZES))}",
         "Worker task CPU units."),
    Knob("STREAMFLIX_WORKER_MEMORY_MIB", "worker", "memory_mib", _int, between(512, 122_880),
         "Worker task memory (MiB); must be valid for the cpu size."),
    Knob("STREAMFLIX_WORKER_MIN_TASKS", "worker", "min_tasks", _int, between(1, 1000),
         "Minimum running worker tasks."),
    Knob("STREAMFLIX_WORKER_MAX_TASKS", "worker", "max_tasks", _optional_int, _optional_tasks,
         "Maximum worker tasks; 'auto' = the stream's shard count."),
    Knob("STREAMFLIX_FARGATE_BASE", "worker", "fargate_base", _int, between(0, 100),
         "Tasks always placed on on-demand FARGATE (survive Spot shortages)."),
    Knob("STREAMFLIX_FARGATE_WEIGHT", "worker", "fargate_weight", _int, between(0, 1000),
         "Capacity provider weight of FARGATE beyond the base."),
    Knob("STREAMFLIX_FARGATE_SPOT_WEIGHT", "worker", "fargate_spot_weight", _int,
         between(0, 1000), "Capacity provider weight of FARGATE_SPOT."),
    Knob("STREAMFLIX_WORKER_IMAGE_TAG", "worker", "image_tag", _str, _image_tag,
         "Tag of the worker image in the stack's ECR repository."),
    Knob("STREAMFLIX_ECS_EXEC", "worker", "enable_exec", _bool, lambda v: None,
         "Enable ECS Exec (logged and encrypted) on worker tasks."),
    Knob("STREAMFLIX_RETRY_MAX_ATTEMPTS", "retry", "max_attempts", _int, between(1, 20),
         "Attempts per job before it is dead-lettered."),
    Knob("STREAMFLIX_RETRY_BASE_BACKOFF_MS", "retry", "base_backoff_ms", _int,
         between(10, 60_000), "Base of the exponential backoff (ms)."),
    Knob("STREAMFLIX_RETRY_MAX_BACKOFF_MS", "retry", "max_backoff_ms", _int,
         between(10, 300_000), "Cap of the exponential backoff (ms)."),
    Knob("STREAMFLIX_ALARM_EMAILS", "alarms", "emails", _emails, _emails_check,
         "Comma-separated e-mail addresses subscribed to the alerts topic."),
    Knob("STREAMFLIX_ALARM_ITERATOR_AGE_MS", "alarms", "iterator_age_ms", _int,
         between(1_000, 86_400_000), "Stream lag (iterator age, ms) that raises the lag alarm."),
    Knob("STREAMFLIX_ALARM_ERROR_RATE_PERCENT", "alarms", "error_rate_percent", _float,
         between(0.1, 100), "Worker failure rate (%) that raises the error-rate alarm."),
    Knob("STREAMFLIX_STATE_BACKEND", "backend", "kind", _str, one_of("local", "s3"),
         "Terraform state backend."),
    Knob("STREAMFLIX_STATE_BUCKET", "backend", "s3_bucket", _str, _bucket,
         "S3 bucket of the state (backend s3)."),
    Knob("STREAMFLIX_STATE_KEY_PREFIX", "backend", "s3_key_prefix", _str,
         lambda v: None if re.fullmatch(r"[A-Za-z0-9_./-]{1,200}", v) else
         "must be 1-200 characters of A-Z a-z 0-9 _ . / -", "Key prefix of the state object."),
    Knob("STREAMFLIX_STATE_REGION", "backend", "s3_region", _str, _region,
         "Region of the state bucket."),
    Knob("STREAMFLIX_STATE_LOCK_TABLE", "backend", "s3_dynamodb_table", _str,
         lambda v: None if not v or re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", v) else
         "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
         "DynamoDB lock table; empty = S3-native lock file (Terraform >= 1.10)."),
    Knob("STREAMFLIX_TAG_OWNER", "tags", "owner", _str, _tag_value, "Owner tag (a team)."),
    Knob("STREAMFLIX_TAG_COST_CENTER", "tags", "cost_center", _str, _tag_value, "CostCenter tag."),
    Knob("STREAMFLIX_TAG_DATA_CLASSIFICATION", "tags", "data_classification", _str,
         one_of("public", "internal", "confidential", "restricted"), "DataClassification tag."),
    Knob("STREAMFLIX_TAG_COMPLIANCE_SCOPE", "tags", "compliance_scope", _str, _tag_value,
         "ComplianceScope tag."),
)


def _cross_checks(cfg: StackConfig) -> list[Violation]:
    """Rules that relate two knobs."""
    out: list[Violation] = []
    db, worker, retry, backend = cfg.database, cfg.worker, cfg.retry, cfg.backend
    if db.min_acu > db.max_acu:
        out.append(Violation("STREAMFLIX_DB_MIN_ACU", f"{db.min_acu:g}",
                             f"must be <= STREAMFLIX_DB_MAX_ACU ({db.max_acu:g})"))
    if db.max_acu < 1:
        out.append(Violation("STREAMFLIX_DB_MAX_ACU", f"{db.max_acu:g}",
                             "must be at least 1 ACU (Aurora Serverless v2 maximum)"))
    allowed = FARGATE_SIZES.get(worker.cpu)
    if allowed is not None and worker.memory_mib not in allowed:
        out.append(Violation("STREAMFLIX_WORKER_MEMORY_MIB", str(worker.memory_mib),
                             f"for STREAMFLIX_WORKER_CPU={worker.cpu} must be one of "
                             f"{', '.join(map(str, allowed))}"))
    if worker.max_tasks is not None and worker.max_tasks < worker.min_tasks:
        out.append(Violation("STREAMFLIX_WORKER_MAX_TASKS", str(worker.max_tasks),
                             f"must be >= STREAMFLIX_WORKER_MIN_TASKS ({worker.min_tasks})"))
    if worker.fargate_weight + worker.fargate_spot_weight == 0:
        out.append(Violation("STREAMFLIX_FARGATE_SPOT_WEIGHT", str(worker.fargate_spot_weight),
                             "FARGATE and FARGATE_SPOT weights cannot both be 0"))
    if worker.fargate_base > worker.min_tasks:
        out.append(Violation("STREAMFLIX_FARGATE_BASE", str(worker.fargate_base),
                             f"must be <= STREAMFLIX_WORKER_MIN_TASKS ({worker.min_tasks})"))
    if retry.base_backoff_ms > retry.max_backoff_ms:
        out.append(Violation("STREAMFLIX_RETRY_BASE_BACKOFF_MS", str(retry.base_backoff_ms),
                             f"must be <= STREAMFLIX_RETRY_MAX_BACKOFF_MS ({retry.max_backoff_ms})"))
    if cfg.stream.capacity_mode == "PROVISIONED":
        s = cfg.stream
        try:
            plan_shards(s.peak_uploads_per_second, s.record_size_bytes, s.burst_headroom, s.consumers)
        except CapacityError as err:
            out.append(Violation("STREAMFLIX_PEAK_UPLOADS_PER_SECOND", f"{s.peak_uploads_per_second:g}",
                                 str(err)))
    if backend.kind == "s3" and not backend.s3_bucket:
        out.append(Violation("STREAMFLIX_STATE_BUCKET", "",
                             "is required when STREAMFLIX_STATE_BACKEND=s3"))
    return out


def load_config(environ: Mapping[str, str]) -> StackConfig:
    """Read every knob from ``environ`` (unset = default), validate, and build the config."""
    values: dict[str, dict[str, Any]] = {}
    violations: list[Violation] = []
    for knob in KNOBS:
        raw = environ.get(knob.env)
        if raw is None:
            value = knob.default()
        else:
            try:
                value = knob.parse(raw)
            except ValueError as err:
                violations.append(Violation(knob.env, raw, str(err)))
                continue
        rule = knob.check(value)
        if rule is not None:
            violations.append(Violation(knob.env, str(raw if raw is not None else value), rule))
            continue
        values.setdefault(knob.section, {})[knob.attr] = value
    if violations:
        raise ConfigError(violations)
    cfg = build_config(values)
    cross = _cross_checks(cfg)
    if cross:
        raise ConfigError(cross)
    return cfg


def build_config(values: Mapping[str, Mapping[str, Any]]) -> StackConfig:
    """Assemble a StackConfig from ``{section: {attr: value}}`` (section "" = top level)."""
    sections = {
        "network": NetworkConfig,
        "stream": StreamConfig,
        "database": DatabaseConfig,
        "worker": WorkerConfig,
        "retry": RetryConfig,
        "alarms": AlarmConfig,
        "backend": BackendConfig,
        "tags": TagConfig,
    }
    kwargs: dict[str, Any] = dict(values.get("", {}))
    for name, cls in sections.items():
        kwargs[name] = cls(**values.get(name, {}))
    return StackConfig(**kwargs)
