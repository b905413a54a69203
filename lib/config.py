"""Typed, validated configuration for the StreamFlix stack.

Every knob is declared once in ``KNOBS`` (environment variable, section, attribute, parser,
rule, doc) and read by ``load_config``; rules that relate two knobs are declared once in
``RELATIONS``. Nothing is synthesized from a value that failed validation: ``load_config``
collects every violation and raises one ``ConfigError`` naming each knob, its value and the
allowed range. The same declarations render docs/configuration.md
(``python -m lib.config --markdown``), so the documentation cannot drift from the code.
This module imports no cdktf code, so a bad value fails in milliseconds.
"""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import itertools
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib.capacity import DEFAULT_SHARD_QUOTA, CapacityError, ShardPlan, plan_shards
from lib.naming import SUFFIX_MAX_LEN, NamingError, validate_suffix

PROJECT = "streamflix"
KNOB_PREFIX = "STREAMFLIX_"

# Regions inside Europe where AWS operates. Residency is a risk-reduction choice (see README).
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

# Fargate task sizes: cpu units -> allowed memory (MiB). Source: AWS ECS "task size" table.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

ACU_MAX = 256.0
# A new on-demand stream starts with 4 shards (4 MB/s of writes) and grows from there.
ON_DEMAND_INITIAL_SHARDS = 4
# Aurora Serverless v2 scales to 0 ACU (auto-pause) only from these PostgreSQL minors on.
AUTO_PAUSE_MIN_MINOR = 3
EMAIL_MAX_LEN = 254
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
BUCKET_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TAG_VALUE_PATTERN = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")
IDENTIFIER_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED_DB_IDENTIFIERS = frozenset({"postgres", "rdsadmin", "admin", "user", "public"})
ENGINE_VERSION_PATTERN = re.compile(r"^16\.(\d+)$")
# The Aurora PostgreSQL 16 long-term-support minor: creatable for at least three years, where a
# regular minor is usually retired after ~12 months. Sources: Aurora user guide, "Using an Aurora
# PostgreSQL long-term support (LTS) release" (docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/
# AuroraPostgreSQL.Updates.LTS.html) and the release calendar. Re-check with
# `aws rds describe-db-engine-versions` (docs/deploying.md).
AURORA_PG16_LTS_VERSION = "16.8"
IMAGE_TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
KEY_PREFIX_PATTERN = re.compile(r"^(?=.{1,200}$)[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
LOCK_TABLE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

# --- Alarm recipients and environment tier (issue 12 item 3) ---------------------------------
ENVIRONMENT_TIERS = ("development", "staging", "production")
HTTPS_URL_MAX_LEN = 2048
HTTPS_URL_PATTERN = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s,]*)?$")
# arn:aws:sns:<region>:<account>:<name>; standard topics only (alarms cannot publish to FIFO).
SNS_TOPIC_ARN_PATTERN = re.compile(r"^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$")
ALARM_RECIPIENT_KNOBS = (
    "STREAMFLIX_ALARM_EMAILS",
    "STREAMFLIX_ALARM_HTTPS_ENDPOINTS",
    "STREAMFLIX_ALARM_TOPIC_ARN",
)


class ConfigError(ValueError):
    """One or more knobs hold values the stack cannot be built from."""

    def __init__(self, violations: Sequence[Violation]):
        self.violations = tuple(violations)
        lines = [str(v) for v in self.violations]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))

    @property
    def knobs(self) -> tuple[str, ...]:
        return tuple(v.knob for v in self.violations)


@dataclass(frozen=True)
class Violation:
    """One broken rule: the knob, the value it held and the rule with its allowed range."""

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
    # At least two shards, so that at least two workers can share the load at peak (one per
    # shard): with one shard the scaling target would be min = max = 1 (issue 12 item 11).
    min_shards: int = 2


@dataclass(frozen=True)
class DatabaseConfig:
    engine_version: str = AURORA_PG16_LTS_VERSION
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
    # Beyond the on-demand base every task goes to Spot (weight 0 on FARGATE): with weights
    # 1:3 ECS may place the second task on FARGATE too.
    fargate_weight: int = 0
    fargate_spot_weight: int = 1
    image_tag: str | None = None  # None: the digest of worker/ (lib.worker_image.source_tag)
    enable_exec: bool = False
    # False for the first deploy of an environment (its repository holds no image yet): the
    # service then runs no task and autoscaling is pinned at 0, so nothing trips the circuit
    # breaker; the next deploy (true) lets autoscaling raise the service to min_tasks.
    image_published: bool = True

    @property
    def running_min_tasks(self) -> int:
        """Tasks the service keeps at least: none until the image it names exists."""
        return self.min_tasks if self.image_published else 0


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
    https_endpoints: tuple[str, ...] = ()
    topic_arn: str = ""  # an existing topic that also receives every alarm and alert

    @property
    def has_recipient(self) -> bool:
        """Whether any alert can reach someone outside the stack."""
        return bool(self.emails or self.https_endpoints or self.topic_arn)


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


SECTIONS: dict[str, type] = {
    "network": NetworkConfig,
    "stream": StreamConfig,
    "database": DatabaseConfig,
    "worker": WorkerConfig,
    "retry": RetryConfig,
    "alarms": AlarmConfig,
    "backend": BackendConfig,
    "tags": TagConfig,
}


@dataclass(frozen=True)
class StackConfig:
    environment_suffix: str = "dev"
    region: str = DEFAULT_REGION
    environment_tier: str = "development"  # development | staging | production
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
# Parsers and rules: small values that both validate and document themselves
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parser:
    """Turns the raw environment string into a typed value; raises ValueError saying why not."""

    type_name: str
    parse: Callable[[str], Any]


@dataclass(frozen=True)
class Rule:
    """What a knob accepts. ``allowed`` is the range as people read it (errors and docs);
    ``problem`` says what is wrong with a parsed value, or returns None."""

    allowed: str
    problem: Callable[[Any], str | None]


def _fmt(value: Any) -> str:
    """A value as the docs and error messages show it (the same form the environment takes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "auto"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return ",".join(_fmt(v) for v in value)
    return str(value)


def _parse_int(raw: str) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("is not a whole number")
    return int(text)


def _parse_float(raw: str) -> float:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError("is not a decimal number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("is not a finite number")
    return value


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("is not a boolean")


def _parse_optional_int(raw: str) -> int | None:
    return None if raw.strip().lower() == "auto" else _parse_int(raw)


def _parse_optional_text(raw: str) -> str | None:
    text = raw.strip()
    return None if text.lower() == "auto" else text


def _parse_list(raw: str) -> tuple[str, ...]:
    if not raw.strip():
        return ()
    parts = tuple(part.strip() for part in raw.split(","))
    if any(not part for part in parts):
        raise ValueError("has an empty entry between commas")
    return parts


INTEGER = Parser("integer", _parse_int)
NUMBER = Parser("number", _parse_float)
BOOLEAN = Parser("boolean", _parse_bool)
TEXT = Parser("string", str.strip)
UPPER_TEXT = Parser("string", lambda raw: raw.strip().upper())
LOWER_TEXT = Parser("string", lambda raw: raw.strip().lower())
OPTIONAL_INTEGER = Parser("integer or auto", _parse_optional_int)
OPTIONAL_TEXT = Parser("string or auto", _parse_optional_text)
LIST = Parser("comma-separated list", _parse_list)


def between(low: float, high: float, unit: str = "", step: float | None = None) -> Rule:
    """Inclusive numeric range, optionally in multiples of ``step``."""
    unit_text = f" {unit}" if unit else ""
    step_text = f" in steps of {_fmt(step)}" if step else ""
    allowed = f"{_fmt(low)} to {_fmt(high)}{unit_text}{step_text}"

    def problem(value: float) -> str | None:
        if not low <= value <= high:
            return "is out of range"
        if step and not (value / step).is_integer():
            return f"is not a multiple of {_fmt(step)}"
        return None

    return Rule(allowed, problem)


def one_of(*choices: Any) -> Rule:
    def problem(value: Any) -> str | None:
        return None if value in choices else "is not one of the choices"

    return Rule(f"one of {', '.join(_fmt(c) for c in choices)}", problem)


def matching(pattern: re.Pattern[str], allowed: str, optional: bool = False) -> Rule:
    """A string matching ``pattern`` (or empty, when ``optional``)."""

    def problem(value: str) -> str | None:
        if optional and not value:
            return None
        return None if pattern.match(value) else "has the wrong form"

    return Rule(allowed + ("; empty to leave unset" if optional else ""), problem)


def auto_or(rule: Rule) -> Rule:
    """``rule``, or ``auto`` (parsed to None: the stack derives the value)."""
    return Rule(
        f"auto, or {rule.allowed}", lambda value: None if value is None else rule.problem(value)
    )


ANY_BOOLEAN = Rule("true or false (also 1/0, yes/no, on/off)", lambda _v: None)


def _suffix_problem(value: str) -> str | None:
    try:
        validate_suffix(value)
    except NamingError as err:
        return err.rule
    return None


def _cidr_problem(value: str) -> str | None:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return "is not an IPv4 network in CIDR notation (host bits must be zero)"
    if not 16 <= net.prefixlen <= 20:
        return "has a prefix length outside /16 to /20"
    if not any(net.subnet_of(block) for block in RFC1918):
        return "is not inside an RFC 1918 private range"
    return None


def _emails_problem(values: tuple[str, ...]) -> str | None:
    bad = [v for v in values if len(v) > EMAIL_MAX_LEN or not EMAIL_PATTERN.match(v)]
    if bad:
        return f"holds invalid e-mail addresses: {', '.join(bad)}"
    duplicates = _duplicates(values)
    return f"lists an address twice: {', '.join(duplicates)}" if duplicates else None


def _duplicates(values: tuple[str, ...]) -> list[str]:
    lowered = [v.lower() for v in values]
    return sorted({v for v in values if lowered.count(v.lower()) > 1})


def _https_endpoints_problem(values: tuple[str, ...]) -> str | None:
    bad = [v for v in values if len(v) > HTTPS_URL_MAX_LEN or not HTTPS_URL_PATTERN.match(v)]
    if bad:
        return f"holds entries that are not https:// URLs: {', '.join(bad)}"
    duplicates = _duplicates(values)
    return f"lists an endpoint twice: {', '.join(duplicates)}" if duplicates else None


def _topic_arn_problem(value: str) -> str | None:
    if not value:
        return None
    match = SNS_TOPIC_ARN_PATTERN.match(value)
    if match is None:
        return "is not an SNS standard topic ARN (arn:aws:sns:<region>:<12-digit account>:<name>)"
    if match.group(1) not in EU_MEMBER_STATE_REGIONS:
        return f"is in region {match.group(1)}, not in an EU member state"
    return None


def _tag_problem(value: str) -> str | None:
    if not TAG_VALUE_PATTERN.match(value):
        return "has the wrong form"
    if "@" in value:
        return "looks like an e-mail address (tags must carry no personal data)"
    return None


def _bucket_problem(value: str) -> str | None:
    if not value:
        return None
    if not BUCKET_NAME_PATTERN.match(value) or ".." in value:
        return "is not a valid S3 bucket name"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        return "is formatted as an IP address"
    if value.startswith(("xn--", "sthree-")) or value.endswith(("-s3alias", "--ol-s3")):
        return "uses a prefix or suffix S3 reserves"
    return None


def _identifier_problem(value: str) -> str | None:
    if not IDENTIFIER_PATTERN.match(value):
        return "has the wrong form"
    if value in RESERVED_DB_IDENTIFIERS:
        return "is reserved by RDS/PostgreSQL"
    return None


def _engine_problem(value: str) -> str | None:
    return None if ENGINE_VERSION_PATTERN.match(value) else "is not an Aurora PostgreSQL 16 version"


def _fargate_memory_text() -> str:
    parts = []
    for cpu, sizes in FARGATE_SIZES.items():
        step = sizes[1] - sizes[0]
        regular = all(b - a == step for a, b in itertools.pairwise(sizes))
        span = (
            f"{sizes[0]}-{sizes[-1]} step {step}"
            if regular and len(sizes) > 3
            else ("/".join(map(str, sizes)))
        )
        parts.append(f"cpu {cpu}: {span}")
    return "; ".join(parts)


EU_REGION_RULE = one_of(*sorted(EU_MEMBER_STATE_REGIONS))
ACU_STEP = 0.5
TAG_RULE = Rule(
    "1-256 letters, digits, spaces and _ . : / = + - (no e-mail addresses)", _tag_problem
)
IDENTIFIER_RULE = Rule(
    "1-63 of a-z 0-9 _, starting with a letter; not postgres, rdsadmin, admin, user, public",
    _identifier_problem,
)

# ---------------------------------------------------------------------------------------------
# Knob table: one row per environment variable
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knob:
    """One configuration knob: where it is read from, how it is parsed, the rule it obeys."""

    env: str
    section: str  # attribute of StackConfig ("" for top level)
    attr: str
    parser: Parser
    rule: Rule
    doc: str

    def default(self) -> Any:
        return self.value_in(StackConfig())

    def value_in(self, cfg: StackConfig) -> Any:
        base: Any = getattr(cfg, self.section) if self.section else cfg
        return getattr(base, self.attr)

    def read(self, raw: str) -> tuple[Any, Violation | None]:
        """Parse and check one raw value; the violation names this knob and its allowed range."""
        try:
            value = self.parser.parse(raw)
        except ValueError as err:
            return None, self.violation(raw, str(err))
        problem = self.rule.problem(value)
        return value, None if problem is None else self.violation(raw, problem)

    def violation(self, value: str, problem: str) -> Violation:
        return Violation(self.env, value, f"{problem}; allowed: {self.rule.allowed}")


KNOBS: tuple[Knob, ...] = (
    Knob(
        "ENVIRONMENT_SUFFIX",
        "",
        "environment_suffix",
        TEXT,
        Rule(
            f"1-{SUFFIX_MAX_LEN} lowercase letters, digits and single hyphens, starting with a "
            "letter and not ending with a hyphen",
            _suffix_problem,
        ),
        "Suffix of every resource name (`streamflix-<component>-<suffix>`) and of the stack.",
    ),
    Knob(
        "STREAMFLIX_REGION",
        "",
        "region",
        LOWER_TEXT,
        EU_REGION_RULE,
        "AWS region of the stack; only regions in EU member states are accepted.",
    ),
    Knob(
        "STREAMFLIX_VPC_CIDR",
        "network",
        "vpc_cidr",
        TEXT,
        Rule("an RFC 1918 IPv4 CIDR from /16 to /20", _cidr_problem),
        "VPC range, split into four equal subnets (public and private in two AZs).",
    ),
    Knob(
        "STREAMFLIX_NAT_GATEWAY",
        "network",
        "nat_gateway",
        BOOLEAN,
        ANY_BOOLEAN,
        "Add one NAT gateway for private egress to the internet (VPC endpoints cover AWS APIs).",
    ),
    Knob(
        "STREAMFLIX_KINESIS_CAPACITY_MODE",
        "stream",
        "capacity_mode",
        UPPER_TEXT,
        one_of("PROVISIONED", "ON_DEMAND"),
        "Kinesis capacity mode; PROVISIONED sizes shards with the planner from the three "
        "knobs below.",
    ),
    Knob(
        "STREAMFLIX_PEAK_UPLOADS_PER_SECOND",
        "stream",
        "peak_uploads_per_second",
        NUMBER,
        between(0.1, 100_000, "requests/s"),
        "Declared peak of processing requests per second (shard sizing).",
    ),
    Knob(
        "STREAMFLIX_RECORD_SIZE_BYTES",
        "stream",
        "record_size_bytes",
        INTEGER,
        between(1, 1_048_576, "bytes"),
        "Typical processing-request record size (Kinesis' record limit is 1 MiB).",
    ),
    Knob(
        "STREAMFLIX_BURST_HEADROOM",
        "stream",
        "burst_headroom",
        NUMBER,
        between(1, 10),
        "Multiplier on the peak for bursts (shard sizing).",
    ),
    Knob(
        "STREAMFLIX_STREAM_CONSUMERS",
        "stream",
        "consumers",
        INTEGER,
        between(1, 5),
        "Shared-throughput consumer applications reading the stream (shard sizing; Kinesis "
        "serves 5 GetRecords calls/s per shard).",
    ),
    Knob(
        "STREAMFLIX_KINESIS_MIN_SHARDS",
        "stream",
        "min_shards",
        INTEGER,
        between(1, DEFAULT_SHARD_QUOTA, "shards"),
        "Fewest shards the planner gives a PROVISIONED stream, whatever the load: the most "
        "workers that can share the load (one per shard), so 2 leaves autoscaling room.",
    ),
    Knob(
        "STREAMFLIX_KINESIS_RETENTION_HOURS",
        "stream",
        "retention_hours",
        INTEGER,
        between(24, 8760, "hours"),
        "Kinesis record retention (24 h to 365 days).",
    ),
    Knob(
        "STREAMFLIX_DB_ENGINE_VERSION",
        "database",
        "engine_version",
        TEXT,
        Rule("an Aurora PostgreSQL 16.x version, e.g. 16.8", _engine_problem),
        "Aurora PostgreSQL engine version the cluster is created with (default: the 16.x "
        "long-term-support minor); later minor upgrades are AWS's, see docs/deploying.md.",
    ),
    Knob(
        "STREAMFLIX_DB_MIN_ACU",
        "database",
        "min_acu",
        NUMBER,
        between(0, ACU_MAX, "ACU", step=ACU_STEP),
        "Aurora Serverless v2 minimum capacity; 0 pauses an idle cluster (engine 16.3+).",
    ),
    Knob(
        "STREAMFLIX_DB_MAX_ACU",
        "database",
        "max_acu",
        NUMBER,
        between(1, ACU_MAX, "ACU", step=ACU_STEP),
        "Aurora Serverless v2 maximum capacity.",
    ),
    Knob(
        "STREAMFLIX_DB_BACKUP_RETENTION_DAYS",
        "database",
        "backup_retention_days",
        INTEGER,
        between(7, 35, "days"),
        "Automated backup retention, i.e. the point-in-time recovery window (AWS allows 1-35; "
        "our floor is 7).",
    ),
    Knob(
        "STREAMFLIX_DB_NAME",
        "database",
        "database_name",
        TEXT,
        IDENTIFIER_RULE,
        "Name of the metadata database.",
    ),
    Knob(
        "STREAMFLIX_DB_MASTER_USERNAME",
        "database",
        "master_username",
        TEXT,
        IDENTIFIER_RULE,
        "Master user name (its password is generated and kept by RDS in Secrets Manager).",
    ),
    Knob(
        "STREAMFLIX_SECRET_ROTATION_DAYS",
        "database",
        "secret_rotation_days",
        INTEGER,
        between(1, 30, "days"),
        "Rotation interval of the database secret (policy: at most 30 days).",
    ),
    Knob(
        "STREAMFLIX_WORKER_CPU",
        "worker",
        "cpu",
        INTEGER,
        one_of(*FARGATE_SIZES),
        "Worker task CPU units (Fargate sizes).",
    ),
    Knob(
        "STREAMFLIX_WORKER_MEMORY_MIB",
        "worker",
        "memory_mib",
        INTEGER,
        between(512, 122_880, "MiB"),
        f"Worker task memory; must fit the cpu size ({_fargate_memory_text()}).",
    ),
    Knob(
        "STREAMFLIX_WORKER_MIN_TASKS",
        "worker",
        "min_tasks",
        INTEGER,
        between(1, 1000, "tasks"),
        "Minimum running worker tasks.",
    ),
    Knob(
        "STREAMFLIX_WORKER_MAX_TASKS",
        "worker",
        "max_tasks",
        OPTIONAL_INTEGER,
        auto_or(between(1, 1000, "tasks")),
        "Maximum worker tasks; `auto` = the stream's shard count (never more consumers than "
        "shards).",
    ),
    Knob(
        "STREAMFLIX_FARGATE_BASE",
        "worker",
        "fargate_base",
        INTEGER,
        between(0, 100, "tasks"),
        "Tasks always placed on on-demand FARGATE (they survive Spot shortages).",
    ),
    Knob(
        "STREAMFLIX_FARGATE_WEIGHT",
        "worker",
        "fargate_weight",
        INTEGER,
        between(0, 1000),
        "Capacity provider weight of FARGATE beyond the base.",
    ),
    Knob(
        "STREAMFLIX_FARGATE_SPOT_WEIGHT",
        "worker",
        "fargate_spot_weight",
        INTEGER,
        between(0, 1000),
        "Capacity provider weight of FARGATE_SPOT.",
    ),
    Knob(
        "STREAMFLIX_WORKER_IMAGE_TAG",
        "worker",
        "image_tag",
        OPTIONAL_TEXT,
        auto_or(
            matching(IMAGE_TAG_PATTERN, "1-128 of A-Z a-z 0-9 _ . -, not starting with . or -")
        ),
        "Tag of the worker image in the stack's ECR repository; `auto` = `src-<digest>` of "
        "worker/ (`.venv/bin/python -m lib.worker_image` prints it), so a new tag appears "
        "exactly when the worker changes (tags are immutable).",
    ),
    Knob(
        "STREAMFLIX_WORKER_IMAGE_PUBLISHED",
        "worker",
        "image_published",
        BOOLEAN,
        ANY_BOOLEAN,
        "Whether the worker image tag exists in the repository. `false` for an environment's "
        "first deploy: the service runs 0 tasks and autoscaling stays at 0 until a later deploy "
        "with `true` (scripts/first_deploy.sh does both stages).",
    ),
    Knob(
        "STREAMFLIX_ECS_EXEC",
        "worker",
        "enable_exec",
        BOOLEAN,
        ANY_BOOLEAN,
        "Enable ECS Exec (logged and encrypted) on worker tasks.",
    ),
    Knob(
        "STREAMFLIX_RETRY_MAX_ATTEMPTS",
        "retry",
        "max_attempts",
        INTEGER,
        between(1, 20, "attempts"),
        "Attempts per job before it is dead-lettered.",
    ),
    Knob(
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS",
        "retry",
        "base_backoff_ms",
        INTEGER,
        between(10, 60_000, "ms"),
        "Base of the exponential backoff between attempts.",
    ),
    Knob(
        "STREAMFLIX_RETRY_MAX_BACKOFF_MS",
        "retry",
        "max_backoff_ms",
        INTEGER,
        between(10, 300_000, "ms"),
        "Cap of the exponential backoff between attempts.",
    ),
    Knob(
        "STREAMFLIX_ALARM_EMAILS",
        "alarms",
        "emails",
        LIST,
        Rule(
            "comma-separated e-mail addresses (name@domain.tld), each at most 254 characters, "
            "no duplicates; empty for none",
            _emails_problem,
        ),
        "Addresses subscribed to the alerts topic (each must confirm its subscription).",
    ),
    Knob(
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS",
        "alarms",
        "iterator_age_ms",
        INTEGER,
        between(1_000, 86_400_000, "ms"),
        "Stream lag (iterator age) that raises the lag alarm; must stay below the retention.",
    ),
    Knob(
        "STREAMFLIX_ALARM_ERROR_RATE_PERCENT",
        "alarms",
        "error_rate_percent",
        NUMBER,
        between(0.1, 100, "%"),
        "Worker failure rate that raises the error-rate alarm.",
    ),
    # --- Alarm recipients and environment tier (issue 12 item 3) -----------------------------
    Knob(
        "STREAMFLIX_ALARM_HTTPS_ENDPOINTS",
        "alarms",
        "https_endpoints",
        LIST,
        Rule(
            f"comma-separated https:// URLs (host, optional port and path; at most "
            f"{HTTPS_URL_MAX_LEN} characters each), no duplicates; empty for none",
            _https_endpoints_problem,
        ),
        "HTTPS endpoints subscribed to the alerts topic (each must confirm the subscription "
        "SNS posts to it).",
    ),
    Knob(
        "STREAMFLIX_ALARM_TOPIC_ARN",
        "alarms",
        "topic_arn",
        TEXT,
        Rule(
            "an SNS standard topic ARN in an EU member-state region; empty for none",
            _topic_arn_problem,
        ),
        "Existing SNS topic (e.g. the on-call tool's) that every alarm and the rotation-failure "
        "rule also publish to; SNS cannot subscribe a topic to a topic. Its policy and key must "
        "let CloudWatch and EventBridge publish (docs/deploying.md).",
    ),
    Knob(
        "STREAMFLIX_ENVIRONMENT_TIER",
        "",
        "environment_tier",
        LOWER_TEXT,
        one_of(*ENVIRONMENT_TIERS),
        "What the environment is for; `production` refuses a stack whose alerts reach no one.",
    ),
    Knob(
        "STREAMFLIX_STATE_BACKEND",
        "backend",
        "kind",
        LOWER_TEXT,
        one_of("local", "s3"),
        "Terraform state backend: `local` (a file next to the stack) or `s3` (shared, locked).",
    ),
    Knob(
        "STREAMFLIX_STATE_BUCKET",
        "backend",
        "s3_bucket",
        TEXT,
        Rule(
            "an S3 bucket name (3-63 of a-z 0-9 . -, no IP form, no reserved prefix/suffix); "
            "required with the s3 backend",
            _bucket_problem,
        ),
        "Existing, versioned, encrypted S3 bucket holding the state (s3 backend only).",
    ),
    Knob(
        "STREAMFLIX_STATE_KEY_PREFIX",
        "backend",
        "s3_key_prefix",
        TEXT,
        matching(
            KEY_PREFIX_PATTERN,
            "1-200 of A-Z a-z 0-9 _ . - in segments separated by single /, no leading or "
            "trailing /",
        ),
        "Key prefix of the state object: `<prefix>/<suffix>/terraform.tfstate` (s3 backend only).",
    ),
    Knob(
        "STREAMFLIX_STATE_REGION",
        "backend",
        "s3_region",
        LOWER_TEXT,
        EU_REGION_RULE,
        "Region of the state bucket (s3 backend only).",
    ),
    Knob(
        "STREAMFLIX_STATE_LOCK_TABLE",
        "backend",
        "s3_dynamodb_table",
        TEXT,
        matching(LOCK_TABLE_PATTERN, "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)", True),
        "Legacy DynamoDB lock table (s3 backend only); empty = S3-native lock file, which "
        "needs Terraform >= 1.10.",
    ),
    Knob(
        "STREAMFLIX_TAG_OWNER",
        "tags",
        "owner",
        TEXT,
        TAG_RULE,
        "`Owner` tag: a team, never a person.",
    ),
    Knob(
        "STREAMFLIX_TAG_COST_CENTER",
        "tags",
        "cost_center",
        TEXT,
        TAG_RULE,
        "`CostCenter` tag.",
    ),
    Knob(
        "STREAMFLIX_TAG_DATA_CLASSIFICATION",
        "tags",
        "data_classification",
        LOWER_TEXT,
        one_of("public", "internal", "confidential", "restricted"),
        "`DataClassification` tag.",
    ),
    Knob(
        "STREAMFLIX_TAG_COMPLIANCE_SCOPE",
        "tags",
        "compliance_scope",
        TEXT,
        TAG_RULE,
        "`ComplianceScope` tag.",
    ),
)

KNOBS_BY_ENV: dict[str, Knob] = {knob.env: knob for knob in KNOBS}

# ---------------------------------------------------------------------------------------------
# Relations: rules that tie two knobs together, reported against the knob to change
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A rule over the whole config; ``problem`` names the other knob and its value."""

    knob: str
    rule: str  # as the docs show it
    problem: Callable[[StackConfig], str | None]

    def check(self, cfg: StackConfig) -> Violation | None:
        problem = self.problem(cfg)
        if problem is None:
            return None
        value = _fmt(KNOBS_BY_ENV[self.knob].value_in(cfg))
        return Violation(self.knob, value, f"{problem}; rule: {self.rule}")


def shard_plan(stream: StreamConfig) -> ShardPlan:
    """The planner's answer for a provisioned stream (raises CapacityError)."""
    return plan_shards(
        stream.peak_uploads_per_second,
        stream.record_size_bytes,
        stream.burst_headroom,
        stream.consumers,
        stream.min_shards,
    )


def open_shards(cfg: StackConfig) -> int | None:
    """Shards the stream starts with: the planner's count, or 4 for a new on-demand stream
    (None when a provisioned load cannot be served; that has its own rule)."""
    if cfg.stream.capacity_mode != "PROVISIONED":
        return ON_DEMAND_INITIAL_SHARDS
    try:
        return shard_plan(cfg.stream).shards
    except CapacityError:
        return None


def _capacity_problem(cfg: StackConfig) -> str | None:
    if cfg.stream.capacity_mode != "PROVISIONED":
        return None
    try:
        shard_plan(cfg.stream)
    except CapacityError as err:
        return f"cannot be served by provisioned shards: {err}"
    return None


def _auto_pause_problem(cfg: StackConfig) -> str | None:
    db = cfg.database
    match = ENGINE_VERSION_PATTERN.match(db.engine_version)
    if db.min_acu == 0 and match and int(match.group(1)) < AUTO_PAUSE_MIN_MINOR:
        return (
            f"0 ACU needs auto-pause, which STREAMFLIX_DB_ENGINE_VERSION={db.engine_version} lacks"
        )
    return None


def _min_over_auto_max(cfg: StackConfig) -> str | None:
    """With an automatic maximum (= open shards), the minimum must fit under it."""
    shards, worker = open_shards(cfg), cfg.worker
    if worker.max_tasks is None and shards is not None and worker.min_tasks > shards:
        return (
            f"exceeds the {shards} shard(s) the stream starts with, which is the maximum while "
            "STREAMFLIX_WORKER_MAX_TASKS is auto"
        )
    return None


def _max_over_shards(cfg: StackConfig) -> str | None:
    """A provisioned stream keeps its shard count: more consumers than shards would sit idle."""
    shards, worker = open_shards(cfg), cfg.worker
    provisioned = cfg.stream.capacity_mode == "PROVISIONED"
    if provisioned and shards is not None and (worker.max_tasks or 0) > shards:
        return f"exceeds the {shards} shard(s) the planner gives the stream"
    return None


def _s3_only(knob: str) -> Relation:
    """A state-backend setting given with the local backend is a misconfiguration, not a no-op."""
    spec = KNOBS_BY_ENV[knob]

    def problem(cfg: StackConfig) -> str | None:
        if cfg.backend.kind != "s3" and spec.value_in(cfg) != spec.default():
            return "is set, but STREAMFLIX_STATE_BACKEND is local"
        return None

    return Relation(knob, "only with STREAMFLIX_STATE_BACKEND=s3", problem)


def _gt(a: float, b: float, text: str) -> str | None:
    return text if a > b else None


RELATIONS: tuple[Relation, ...] = (
    Relation(
        "STREAMFLIX_DB_MIN_ACU",
        "STREAMFLIX_DB_MIN_ACU <= STREAMFLIX_DB_MAX_ACU",
        lambda c: _gt(
            c.database.min_acu,
            c.database.max_acu,
            f"is above STREAMFLIX_DB_MAX_ACU={_fmt(c.database.max_acu)}",
        ),
    ),
    Relation(
        "STREAMFLIX_DB_MIN_ACU",
        f"0 ACU only with STREAMFLIX_DB_ENGINE_VERSION >= 16.{AUTO_PAUSE_MIN_MINOR}",
        _auto_pause_problem,
    ),
    Relation(
        "STREAMFLIX_WORKER_MEMORY_MIB",
        "a memory size Fargate offers for STREAMFLIX_WORKER_CPU",
        lambda c: (
            None
            if c.worker.memory_mib in FARGATE_SIZES[c.worker.cpu]
            else f"is not offered with STREAMFLIX_WORKER_CPU={c.worker.cpu} (allowed: "
            f"{', '.join(map(str, FARGATE_SIZES[c.worker.cpu]))})"
        ),
    ),
    Relation(
        "STREAMFLIX_WORKER_MAX_TASKS",
        "STREAMFLIX_WORKER_MIN_TASKS <= STREAMFLIX_WORKER_MAX_TASKS",
        lambda c: _gt(
            c.worker.min_tasks,
            c.worker.max_tasks if c.worker.max_tasks is not None else math.inf,
            f"is below STREAMFLIX_WORKER_MIN_TASKS={c.worker.min_tasks}",
        ),
    ),
    Relation(
        "STREAMFLIX_WORKER_MIN_TASKS",
        "with STREAMFLIX_WORKER_MAX_TASKS=auto, at most the shards the stream starts with "
        f"(the planner's count; {ON_DEMAND_INITIAL_SHARDS} for ON_DEMAND)",
        _min_over_auto_max,
    ),
    Relation(
        "STREAMFLIX_WORKER_MAX_TASKS",
        "with PROVISIONED capacity, at most one task per planned shard",
        _max_over_shards,
    ),
    Relation(
        "STREAMFLIX_FARGATE_BASE",
        "STREAMFLIX_FARGATE_BASE <= STREAMFLIX_WORKER_MIN_TASKS",
        lambda c: _gt(
            c.worker.fargate_base,
            c.worker.min_tasks,
            f"is above STREAMFLIX_WORKER_MIN_TASKS={c.worker.min_tasks}",
        ),
    ),
    Relation(
        "STREAMFLIX_FARGATE_SPOT_WEIGHT",
        "STREAMFLIX_FARGATE_WEIGHT and STREAMFLIX_FARGATE_SPOT_WEIGHT are not both 0",
        lambda c: (
            "is 0, and so is STREAMFLIX_FARGATE_WEIGHT"
            if c.worker.fargate_weight + c.worker.fargate_spot_weight == 0
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS",
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS <= STREAMFLIX_RETRY_MAX_BACKOFF_MS",
        lambda c: _gt(
            c.retry.base_backoff_ms,
            c.retry.max_backoff_ms,
            f"is above STREAMFLIX_RETRY_MAX_BACKOFF_MS={c.retry.max_backoff_ms}",
        ),
    ),
    Relation(
        "STREAMFLIX_PEAK_UPLOADS_PER_SECOND",
        "with PROVISIONED capacity, the planned shards fit the account's default quota",
        _capacity_problem,
    ),
    Relation(
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS",
        "below STREAMFLIX_KINESIS_RETENTION_HOURS (the alarm must fire before records expire)",
        lambda c: (
            f"is not below STREAMFLIX_KINESIS_RETENTION_HOURS={c.stream.retention_hours}"
            if c.alarms.iterator_age_ms >= c.stream.retention_hours * 3_600_000
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_STATE_BUCKET",
        "set when STREAMFLIX_STATE_BACKEND=s3",
        lambda c: (
            "is empty, but STREAMFLIX_STATE_BACKEND is s3"
            if c.backend.kind == "s3" and not c.backend.s3_bucket
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_ENVIRONMENT_TIER",
        "production needs at least one of " + ", ".join(ALARM_RECIPIENT_KNOBS),
        lambda c: (
            f"is production, but {', '.join(ALARM_RECIPIENT_KNOBS)} are all empty: alerts "
            "would reach no one"
            if c.environment_tier == "production" and not c.alarms.has_recipient
            else None
        ),
    ),
    _s3_only("STREAMFLIX_STATE_BUCKET"),
    _s3_only("STREAMFLIX_STATE_KEY_PREFIX"),
    _s3_only("STREAMFLIX_STATE_REGION"),
    _s3_only("STREAMFLIX_STATE_LOCK_TABLE"),
)

# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def _unknown_knobs(environ: Mapping[str, str]) -> list[Violation]:
    """A mistyped ``STREAMFLIX_*`` variable would otherwise be ignored without a word."""
    out = []
    for name in sorted(environ):
        if name.startswith(KNOB_PREFIX) and name not in KNOBS_BY_ENV:
            close = difflib.get_close_matches(name, KNOBS_BY_ENV, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            out.append(Violation(name, environ[name], f"is not a known knob{hint}"))
    return out


def load_config(environ: Mapping[str, str]) -> StackConfig:
    """Read every knob from ``environ`` (unset = default), validate, and build the config."""
    values: dict[str, dict[str, Any]] = {}
    violations = _unknown_knobs(environ)
    for knob in KNOBS:
        raw = environ.get(knob.env)
        if raw is None:
            value, violation = knob.default(), None
        else:
            value, violation = knob.read(raw)
        if violation is not None:
            violations.append(violation)
        else:
            values.setdefault(knob.section, {})[knob.attr] = value
    if violations:
        raise ConfigError(violations)
    cfg = build_config(values)
    cross = [v for v in (r.check(cfg) for r in RELATIONS) if v is not None]
    if cross:
        raise ConfigError(cross)
    return cfg


def config_warnings(cfg: StackConfig) -> list[str]:
    """Accepted but worth saying before synthesis (printed on stderr by main.py)."""
    if cfg.alarms.has_recipient:
        return []
    return [
        f"warning: alerts reach no one: {', '.join(ALARM_RECIPIENT_KNOBS)} are all empty, so "
        "the alerts topic has no subscriber (refused when STREAMFLIX_ENVIRONMENT_TIER=production)"
    ]


def build_config(values: Mapping[str, Mapping[str, Any]]) -> StackConfig:
    """Assemble a StackConfig from ``{section: {attr: value}}`` (section "" = top level)."""
    kwargs: dict[str, Any] = dict(values.get("", {}))
    for name, cls in SECTIONS.items():
        kwargs[name] = cls(**values.get(name, {}))
    return StackConfig(**kwargs)


# ---------------------------------------------------------------------------------------------
# Documentation: docs/configuration.md is this function's output (a test keeps them equal)
# ---------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown() -> str:
    """The configuration reference: every knob with type, default, allowed range and meaning."""
    lines = [
        "# Configuration",
        "",
        "<!-- Generated by `.venv/bin/python -m lib.config --markdown > docs/configuration.md`;"
        " do not edit by hand (tests/test_config.py fails when this file drifts from lib/config.py)."
        " -->",
        "",
        "Every knob is an environment variable read by `lib/config.py` before anything is",
        "synthesized. Unset means the default; a bad value stops synthesis with a message naming",
        "the knob, the value and the allowed range, and nothing is written. An unknown",
        f"`{KNOB_PREFIX}*` variable is refused too (it is almost always a typo).",
        "",
        "| Variable | Type | Default | Allowed | Meaning |",
        "|---|---|---|---|---|",
    ]
    for knob in KNOBS:
        default = _fmt(knob.default())
        lines.append(
            f"| `{knob.env}` | {knob.parser.type_name} | {f'`{default}`' if default else '(empty)'}"
            f" | {_cell(knob.rule.allowed)} | {_cell(knob.doc)} |"
        )
    lines += [
        "",
        "## Rules between knobs",
        "",
        "| Variable | Rule |",
        "|---|---|",
    ]
    lines += [f"| `{r.knob}` | {_cell(r.rule)} |" for r in RELATIONS]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.config", description=__doc__)
    parser.add_argument(
        "--markdown", action="store_true", help="print the knob reference (docs/configuration.md)"
    )
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(render_markdown())
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
