"""Typed, validated configuration for the StreamFlix stack.

Every knob is declared once, as a pydantic field on a section model (environment variable,
default, value type, rule, doc; see ``lib.config_fields``); rules that relate two knobs are
declared once in ``RELATIONS``. ``load_config`` reads the knobs through pydantic-settings,
collects every violation and raises one ``ConfigError`` naming each knob, its value and the
allowed range; nothing is synthesized from a value that failed. The same declarations render
docs/configuration.md (``python -m lib.config --markdown``), so the documentation cannot drift
from the code. This module imports no cdktf code, so a bad value fails in well under a second,
before the ~10 s provider import.
"""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import itertools
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.policy_numbers import EU_MEMBER_STATE_REGIONS
from core.policy_numbers import EU_REGIONS as EU_REGIONS  # re-exported (tests, docs)
from lib.capacity import DEFAULT_SHARD_QUOTA, CapacityError, ShardPlan, plan_shards
from lib.config_fields import (
    AutoInteger,
    AutoText,
    Boolean,
    CommaList,
    Integer,
    Lower,
    Number,
    Rule,
    Text,
    Upper,
    allowed,
    fmt,
    in_steps_of,
    knob,
    matching,
    one_of,
    problem,
    type_name,
)
from lib.naming import SUFFIX_MAX_LEN, NamingError, validate_suffix

PROJECT = "streamflix"
KNOB_PREFIX = "STREAMFLIX_"
# EU_REGIONS and EU_MEMBER_STATE_REGIONS (residency policy) live in core.policy_numbers.
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
ACU_STEP = 0.5
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
# Rules pydantic has no constraint for (ranges are ge/le on the field itself)
# ---------------------------------------------------------------------------------------------


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
    return "is reserved by RDS/PostgreSQL" if value in RESERVED_DB_IDENTIFIERS else None


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


SUFFIX_RULE = Rule(
    f"1-{SUFFIX_MAX_LEN} lowercase letters, digits and single hyphens, starting with a letter "
    "and not ending with a hyphen",
    _suffix_problem,
)
CIDR_RULE = Rule("an RFC 1918 IPv4 CIDR from /16 to /20", _cidr_problem)
EMAILS_RULE = Rule(
    "comma-separated e-mail addresses (name@domain.tld), each at most 254 characters, "
    "no duplicates; empty for none",
    _emails_problem,
)
TAG_RULE = Rule(
    "1-256 letters, digits, spaces and _ . : / = + - (no e-mail addresses)", _tag_problem
)
BUCKET_RULE = Rule(
    "an S3 bucket name (3-63 of a-z 0-9 . -, no IP form, no reserved prefix/suffix); "
    "required with the s3 backend",
    _bucket_problem,
)
IDENTIFIER_RULE = Rule(
    "1-63 of a-z 0-9 _, starting with a letter; not postgres, rdsadmin, admin, user, public",
    _identifier_problem,
)
ENGINE_RULE = Rule(
    f"an Aurora PostgreSQL 16.x version, e.g. {AURORA_PG16_LTS_VERSION}", _engine_problem
)
HTTPS_ENDPOINTS_RULE = Rule(
    f"comma-separated https:// URLs (host, optional port and path; at most "
    f"{HTTPS_URL_MAX_LEN} characters each), no duplicates; empty for none",
    _https_endpoints_problem,
)
TOPIC_ARN_RULE = Rule(
    "an SNS standard topic ARN in an EU member-state region; empty for none", _topic_arn_problem
)
EU_REGION_RULE = one_of(*sorted(EU_MEMBER_STATE_REGIONS))
IMAGE_TAG_RULE = matching(IMAGE_TAG_PATTERN, "1-128 of A-Z a-z 0-9 _ . -, not starting with . or -")
KEY_PREFIX_RULE = matching(
    KEY_PREFIX_PATTERN,
    "1-200 of A-Z a-z 0-9 _ . - in segments separated by single /, no leading or trailing /",
)
LOCK_TABLE_RULE = matching(
    LOCK_TABLE_PATTERN, "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)", optional=True
)

# ---------------------------------------------------------------------------------------------
# Sections: one field per knob, in the order the docs list them. To add a knob:
#   1. in its section: ``name: <value type> = knob("STREAMFLIX_...", default, ge=.., le=.., unit=..)``
#      (value types and Rules: lib/config_fields.py; a choice: ``Annotated[Lower, one_of(..)]``);
#   2. its meaning as the docstring right below the field;
#   3. a RELATIONS entry if it is tied to another knob;
#   4. ``python -m lib.config --markdown > docs/configuration.md``; 5. an INVALID strategy in
#      tests/test_config.py (and the accepted value in ``accepted_envs``).
# ---------------------------------------------------------------------------------------------


class Section(BaseModel):
    """A frozen group of knobs; built from Python values by name, or from the environment by
    variable name; defaults are validated too (a bad default fails the first construction)."""

    model_config = ConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=True,
        use_attribute_docstrings=True,
    )


class NetworkConfig(Section):
    vpc_cidr: Annotated[Text, CIDR_RULE] = knob("STREAMFLIX_VPC_CIDR", "10.40.0.0/16")
    """VPC range, split into four equal subnets (public and private in two AZs)."""
    az_count: int = 2  # not a knob
    nat_gateway: Boolean = knob("STREAMFLIX_NAT_GATEWAY", False)
    """Add one NAT gateway for private egress to the internet (VPC endpoints cover AWS APIs)."""


class StreamConfig(Section):
    capacity_mode: Annotated[Upper, one_of("PROVISIONED", "ON_DEMAND")] = knob(
        "STREAMFLIX_KINESIS_CAPACITY_MODE", "PROVISIONED"
    )
    """Kinesis capacity mode; PROVISIONED sizes shards with the planner from the three knobs
    below."""
    peak_uploads_per_second: Number = knob(
        "STREAMFLIX_PEAK_UPLOADS_PER_SECOND", 50.0, ge=0.1, le=100_000, unit="requests/s"
    )
    """Declared peak of processing requests per second (shard sizing)."""
    record_size_bytes: Integer = knob(
        "STREAMFLIX_RECORD_SIZE_BYTES", 4096, ge=1, le=1_048_576, unit="bytes"
    )
    """Typical processing-request record size (Kinesis' record limit is 1 MiB)."""
    burst_headroom: Number = knob("STREAMFLIX_BURST_HEADROOM", 2.0, ge=1, le=10)
    """Multiplier on the peak for bursts (shard sizing)."""
    consumers: Integer = knob("STREAMFLIX_STREAM_CONSUMERS", 1, ge=1, le=5)
    """Shared-throughput consumer applications reading the stream (shard sizing; Kinesis serves 5
    GetRecords calls/s per shard)."""
    # At least two shards, so that at least two workers can share the load at peak (one per
    # shard): with one shard the scaling target would be min = max = 1 (issue 12 item 11).
    min_shards: Integer = knob(
        "STREAMFLIX_KINESIS_MIN_SHARDS", 2, ge=1, le=DEFAULT_SHARD_QUOTA, unit="shards"
    )
    """Fewest shards the planner gives a PROVISIONED stream, whatever the load: the most workers
    that can share the load (one per shard), so 2 leaves autoscaling room."""
    retention_hours: Integer = knob(
        "STREAMFLIX_KINESIS_RETENTION_HOURS", 168, ge=24, le=8760, unit="hours"
    )
    """Kinesis record retention (24 h to 365 days)."""


class DatabaseConfig(Section):
    engine_version: Annotated[Text, ENGINE_RULE] = knob(
        "STREAMFLIX_DB_ENGINE_VERSION", AURORA_PG16_LTS_VERSION
    )
    """Aurora PostgreSQL engine version the cluster is created with (default: the 16.x
    long-term-support minor); later minor upgrades are AWS's, see docs/deploying.md."""
    min_acu: Annotated[Number, in_steps_of(ACU_STEP)] = knob(
        "STREAMFLIX_DB_MIN_ACU", 0.5, ge=0, le=ACU_MAX, unit="ACU"
    )
    """Aurora Serverless v2 minimum capacity; 0 pauses an idle cluster (engine 16.3+)."""
    max_acu: Annotated[Number, in_steps_of(ACU_STEP)] = knob(
        "STREAMFLIX_DB_MAX_ACU", 4.0, ge=1, le=ACU_MAX, unit="ACU"
    )
    """Aurora Serverless v2 maximum capacity."""
    backup_retention_days: Integer = knob(
        "STREAMFLIX_DB_BACKUP_RETENTION_DAYS", 7, ge=7, le=35, unit="days"
    )
    """Automated backup retention, i.e. the point-in-time recovery window (AWS allows 1-35; our
    floor is 7)."""
    database_name: Annotated[Text, IDENTIFIER_RULE] = knob("STREAMFLIX_DB_NAME", "streamflix")
    """Name of the metadata database."""
    master_username: Annotated[Text, IDENTIFIER_RULE] = knob(
        "STREAMFLIX_DB_MASTER_USERNAME", "streamflix_admin"
    )
    """Master user name (its password is generated and kept by RDS in Secrets Manager)."""
    secret_rotation_days: Integer = knob(
        "STREAMFLIX_SECRET_ROTATION_DAYS", 30, ge=1, le=30, unit="days"
    )
    """Rotation interval of the database secret (policy: at most 30 days)."""


class WorkerConfig(Section):
    cpu: Annotated[Integer, one_of(*FARGATE_SIZES)] = knob("STREAMFLIX_WORKER_CPU", 1024)
    """Worker task CPU units (Fargate sizes)."""
    memory_mib: Integer = knob(
        "STREAMFLIX_WORKER_MEMORY_MIB",
        2048,
        ge=512,
        le=122_880,
        unit="MiB",
        doc=f"Worker task memory; must fit the cpu size ({_fargate_memory_text()}).",
    )
    min_tasks: Integer = knob("STREAMFLIX_WORKER_MIN_TASKS", 1, ge=1, le=1000, unit="tasks")
    """Minimum running worker tasks."""
    max_tasks: AutoInteger = knob("STREAMFLIX_WORKER_MAX_TASKS", None, ge=1, le=1000, unit="tasks")
    """Maximum worker tasks; `auto` = the stream's shard count (never more consumers than
    shards)."""
    fargate_base: Integer = knob("STREAMFLIX_FARGATE_BASE", 1, ge=0, le=100, unit="tasks")
    """Tasks always placed on on-demand FARGATE (they survive Spot shortages)."""
    # Beyond the on-demand base every task goes to Spot (weight 0 on FARGATE): with weights
    # 1:3 ECS may place the second task on FARGATE too.
    fargate_weight: Integer = knob("STREAMFLIX_FARGATE_WEIGHT", 0, ge=0, le=1000)
    """Capacity provider weight of FARGATE beyond the base."""
    fargate_spot_weight: Integer = knob("STREAMFLIX_FARGATE_SPOT_WEIGHT", 1, ge=0, le=1000)
    """Capacity provider weight of FARGATE_SPOT."""
    image_tag: Annotated[AutoText, IMAGE_TAG_RULE] = knob("STREAMFLIX_WORKER_IMAGE_TAG", None)
    """Tag of the worker image in the stack's ECR repository; `auto` = `src-<digest>` of worker/
    (`.venv/bin/python -m lib.worker_image` prints it), so a new tag appears exactly when the
    worker changes (tags are immutable)."""
    # False by default (issue 20): a new environment's repository holds no image yet, so a plain
    # `cdktf deploy` starts no task for an image that cannot exist (the circuit breaker would
    # stop the first deployment for good); the deploy after the push (true) lets autoscaling
    # raise the service to min_tasks. The safe path is the default one.
    image_published: Boolean = knob("STREAMFLIX_WORKER_IMAGE_PUBLISHED", False)
    """Whether the worker image tag exists in the repository. `false` (the default, for a new
    environment): the service runs 0 tasks and autoscaling stays at 0. Set `true` in the
    environment file once the image is pushed (scripts/first_deploy.sh does both stages)."""
    enable_exec: Boolean = knob("STREAMFLIX_ECS_EXEC", False)
    """Enable ECS Exec (logged and encrypted) on worker tasks."""

    @property
    def running_min_tasks(self) -> int:
        """Tasks the service keeps at least: none until the image it names exists."""
        return self.min_tasks if self.image_published else 0


class RetryConfig(Section):
    max_attempts: Integer = knob("STREAMFLIX_RETRY_MAX_ATTEMPTS", 5, ge=1, le=20, unit="attempts")
    """Attempts per job before it is dead-lettered."""
    base_backoff_ms: Integer = knob(
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS", 200, ge=10, le=60_000, unit="ms"
    )
    """Base of the exponential backoff between attempts."""
    max_backoff_ms: Integer = knob(
        "STREAMFLIX_RETRY_MAX_BACKOFF_MS", 20_000, ge=10, le=300_000, unit="ms"
    )
    """Cap of the exponential backoff between attempts."""


class AlarmConfig(Section):
    emails: Annotated[CommaList, EMAILS_RULE] = knob("STREAMFLIX_ALARM_EMAILS", ())
    """Addresses subscribed to the alerts topic (each must confirm its subscription)."""
    iterator_age_ms: Integer = knob(
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS", 60_000, ge=1_000, le=86_400_000, unit="ms"
    )
    """Stream lag (iterator age) that raises the lag alarm; must stay below the retention."""
    error_rate_percent: Number = knob(
        "STREAMFLIX_ALARM_ERROR_RATE_PERCENT", 5.0, ge=0.1, le=100, unit="%"
    )
    """Worker failure rate that raises the error-rate alarm."""
    https_endpoints: Annotated[CommaList, HTTPS_ENDPOINTS_RULE] = knob(
        "STREAMFLIX_ALARM_HTTPS_ENDPOINTS", ()
    )
    """HTTPS endpoints subscribed to the alerts topic (each must confirm the subscription SNS
    posts to it)."""
    topic_arn: Annotated[Text, TOPIC_ARN_RULE] = knob("STREAMFLIX_ALARM_TOPIC_ARN", "")
    """Existing SNS topic (e.g. the on-call tool's) that every alarm and the rotation-failure rule
    also publish to; SNS cannot subscribe a topic to a topic. Its policy and key must let
    CloudWatch and EventBridge publish (docs/deploying.md)."""

    @property
    def has_recipient(self) -> bool:
        """Whether any alert can reach someone outside the stack."""
        return bool(self.emails or self.https_endpoints or self.topic_arn)


class BackendConfig(Section):
    kind: Annotated[Lower, one_of("local", "s3")] = knob("STREAMFLIX_STATE_BACKEND", "local")
    """Terraform state backend: `local` (a file next to the stack) or `s3` (shared, locked)."""
    s3_bucket: Annotated[Text, BUCKET_RULE] = knob("STREAMFLIX_STATE_BUCKET", "")
    """Existing, versioned, encrypted S3 bucket holding the state (s3 backend only)."""
    s3_key_prefix: Annotated[Text, KEY_PREFIX_RULE] = knob(
        "STREAMFLIX_STATE_KEY_PREFIX", "streamflix"
    )
    """Key prefix of the state object: `<prefix>/<suffix>/terraform.tfstate` (s3 backend only)."""
    s3_region: Annotated[Lower, EU_REGION_RULE] = knob("STREAMFLIX_STATE_REGION", DEFAULT_REGION)
    """Region of the state bucket (s3 backend only)."""
    # empty: S3-native lock file (Terraform >= 1.10)
    s3_dynamodb_table: Annotated[Text, LOCK_TABLE_RULE] = knob("STREAMFLIX_STATE_LOCK_TABLE", "")
    """Legacy DynamoDB lock table (s3 backend only); empty = S3-native lock file, which needs
    Terraform >= 1.10."""


class TagConfig(Section):
    owner: Annotated[Text, TAG_RULE] = knob("STREAMFLIX_TAG_OWNER", "platform-team")
    """`Owner` tag: a team, never a person."""
    cost_center: Annotated[Text, TAG_RULE] = knob("STREAMFLIX_TAG_COST_CENTER", "media-pipeline")
    """`CostCenter` tag."""
    data_classification: Annotated[
        Lower, one_of("public", "internal", "confidential", "restricted")
    ] = knob("STREAMFLIX_TAG_DATA_CLASSIFICATION", "confidential")
    """`DataClassification` tag."""
    compliance_scope: Annotated[Text, TAG_RULE] = knob(
        "STREAMFLIX_TAG_COMPLIANCE_SCOPE", "content-tracking"
    )
    """`ComplianceScope` tag."""


# ---------------------------------------------------------------------------------------------
# Operating evidence (issue 13): the optional read-only role of compliance.collect
# ---------------------------------------------------------------------------------------------

# An IAM role, user or account root that may assume the collector role (e.g. a CI OIDC role).
_PRINCIPAL_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:(?:root|(?:role|user)/[\w+=,.@/-]{1,512})$"
)


def _principal_problem(value: str) -> str | None:
    if value and not _PRINCIPAL_ARN.match(value):
        return "not an IAM role, user or account-root ARN"
    return None


PRINCIPAL_RULE = Rule(
    "empty, or arn:aws:iam::<12-digit account>:role/<name>, :user/<name> or :root",
    _principal_problem,
)


class CollectorConfig(Section):
    principal_arn: Annotated[Text, PRINCIPAL_RULE] = knob("STREAMFLIX_COLLECTOR_PRINCIPAL_ARN", "")
    """Principal (e.g. a CI OIDC role) that may assume `streamflix-collector-<suffix>`, a read-only
    role with compliance/collector-policy.json for `python -m compliance.collect`; empty: no
    such role."""


class AccountBaselineConfig(Section):
    s3_block_public_access: Boolean = knob("STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS", False)
    """Opt in: turn on S3 Block Public Access for the whole account (all four settings, CIS
    2.1.4's account part). It applies to every bucket of the account, other teams' too, and
    `cdktf destroy` of this environment removes it again, so leave it to the account baseline
    owner unless this stack owns the account; every bucket of the stack blocks public access
    on its own either way."""
    ecr_enhanced_scanning: Boolean = knob("STREAMFLIX_ACCOUNT_ECR_ENHANCED_SCANNING", False)
    """Opt in (paid, Amazon Inspector): switch the account's ECR registry in this region to
    enhanced scanning, continuous for `streamflix-*` repositories. Registry-wide: repositories
    matching no rule are then not scanned at all, so leave it to the account owner unless this
    stack owns the registry; the worker repository scans on push (basic) either way. Price basis:
    docs/compliance.md, "Decisions on scanner findings"."""


class AuditConfig(Section):
    trail_insights: Boolean = knob("STREAMFLIX_TRAIL_INSIGHTS", False)
    """Opt in (paid): CloudTrail Insights on the trail (API call rate and API error rate
    anomalies). Price basis: docs/compliance.md, "Decisions on scanner findings"."""


# ---------------------------------------------------------------------------------------------
# Operating effectiveness over a period (issue 22): scheduled collection, WORM store, archives
# ---------------------------------------------------------------------------------------------

# The store keeps evidence for the audit period plus a year (the auditor's opinion may be
# challenged within it); the trail archive covers the period plus the audit window.
EVIDENCE_EXTRA_RETENTION_DAYS = 365


class EvidenceConfig(Section):
    schedule_hours: Integer = knob(
        "STREAMFLIX_EVIDENCE_SCHEDULE_HOURS", 24, ge=1, le=168, unit="hours"
    )
    """Interval of the scheduled evidence collection (EventBridge Scheduler `rate(N hours)`);
    24 = daily. Validity of the daily checks is 24 h, so longer intervals leave gaps the period
    report shows as deviations."""
    audit_period_days: Integer = knob(
        "STREAMFLIX_AUDIT_PERIOD_DAYS", 365, ge=30, le=1095, unit="days"
    )
    """Length of the audit period an auditor reports on (SOC 2 type 2: 6-12 months)."""
    audit_window_days: Integer = knob(
        "STREAMFLIX_AUDIT_WINDOW_DAYS", 120, ge=30, le=365, unit="days"
    )
    """Time after the period's end during which the auditor re-performs checks (fieldwork)."""
    retention_days: AutoInteger = knob(
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS", None, ge=30, le=3650, unit="days"
    )
    """Object Lock (governance) retention of each evidence file; `auto` = the audit period plus
    one year."""
    trail_archive_days: AutoInteger = knob(
        "STREAMFLIX_TRAIL_ARCHIVE_DAYS", None, ge=90, le=3650, unit="days"
    )
    """Days the CloudTrail S3 archive keeps log files (Glacier Instant Retrieval after 90
    days); `auto` = the audit period plus the audit window. CloudWatch log groups keep 90."""

    @property
    def lock_days(self) -> int:
        """The Object Lock default retention the evidence bucket applies."""
        return self.retention_days or self.audit_period_days + EVIDENCE_EXTRA_RETENTION_DAYS

    @property
    def archive_days(self) -> int:
        """How long the trail archive keeps log files."""
        return self.trail_archive_days or self.audit_period_days + self.audit_window_days


# load_config's mapping, for the settings source below (empty: ``StackConfig()`` = defaults).
_ENVIRON: ContextVar[Mapping[str, str]] = ContextVar("environ")


class _KnobSource(PydanticBaseSettingsSource):
    """Each knob's raw string from ``load_config``'s mapping, nested into its section.
    pydantic-settings' own EnvSettingsSource reads only ``os.environ`` and matches top-level
    fields; our variables are flat while the sections nest, so this source does the lookup."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every knob at once

    def __call__(self) -> dict[str, Any]:
        environ, values = _ENVIRON.get({}), dict[str, Any]()
        for k in (k for k in KNOBS if k.env in environ):
            (values.setdefault(k.section, {}) if k.section else values)[k.env] = environ[k.env]
        return values


class StackConfig(BaseSettings):
    """The whole configuration. ``StackConfig(...)`` takes Python values (tests, defaults);
    ``load_config`` reads it from an environment mapping and also checks ``RELATIONS``."""

    model_config = SettingsConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        case_sensitive=True,
        use_attribute_docstrings=True,
    )

    environment_suffix: Annotated[Text, SUFFIX_RULE] = knob("ENVIRONMENT_SUFFIX", "dev")
    """Suffix of every resource name (`streamflix-<component>-<suffix>`) and of the stack."""
    region: Annotated[Lower, EU_REGION_RULE] = knob("STREAMFLIX_REGION", DEFAULT_REGION)
    """AWS region of the stack; only regions in EU member states are accepted."""
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    stream: StreamConfig = Field(default_factory=StreamConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    worker: WorkerConfig = Field(default_factory=WorkerConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    alarms: AlarmConfig = Field(default_factory=AlarmConfig)
    # Declared beside the alarm recipients it is checked against (the docs list it there too).
    environment_tier: Annotated[Lower, one_of(*ENVIRONMENT_TIERS)] = knob(
        "STREAMFLIX_ENVIRONMENT_TIER", "development"
    )
    """What the environment is for; `production` refuses a stack whose alerts reach no one."""
    backend: BackendConfig = Field(default_factory=BackendConfig)
    tags: TagConfig = Field(default_factory=TagConfig)
    collector: CollectorConfig = Field(default_factory=CollectorConfig)  # issue 13
    account: AccountBaselineConfig = Field(default_factory=AccountBaselineConfig)  # issue 25
    audit: AuditConfig = Field(default_factory=AuditConfig)  # issue 25
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)  # issue 22

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Python values first, then the knobs of ``load_config``'s mapping; never os.environ."""
        return init_settings, _KnobSource(settings_cls)

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


# ---------------------------------------------------------------------------------------------
# The knobs as one flat list (errors, unknown-variable hints, docs, tests)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knob:
    """One environment variable as its field declares it (for errors, hints, docs and tests)."""

    env: str
    section: str  # attribute of StackConfig ("" for top level)
    attr: str
    model: type[BaseModel]  # the section model (or StackConfig) declaring it
    default: Any
    type_name: str
    allowed: str
    doc: str

    def value_in(self, cfg: StackConfig) -> Any:
        base: Any = getattr(cfg, self.section) if self.section else cfg
        return getattr(base, self.attr)

    def parse(self, raw: str) -> Any:
        """``raw`` as this knob reads it (raises pydantic's ValidationError when it cannot)."""
        return getattr(self.model.model_validate({self.env: raw}), self.attr)

    def violation(self, value: str, problem_text: str) -> Violation:
        return Violation(self.env, value, f"{problem_text}; allowed: {self.allowed}")


def knobs_of(model: type[BaseModel], section: str = "") -> Iterator[Knob]:
    """The knobs ``model`` declares, in declaration order, descending into its sections."""
    for attr, info in model.model_fields.items():
        if isinstance(info.validation_alias, str):
            doc = " ".join((info.description or "").split())  # docstrings wrap lines
            shown = (info.default, type_name(info), allowed(info), doc)
            yield Knob(info.validation_alias, section, attr, model, *shown)
        elif isinstance(info.annotation, type) and issubclass(info.annotation, Section):
            yield from knobs_of(info.annotation, attr)


KNOBS: tuple[Knob, ...] = tuple(knobs_of(StackConfig))
KNOBS_BY_ENV: dict[str, Knob] = {knob.env: knob for knob in KNOBS}
REQUIRED_TAG_KEYS: tuple[str, ...] = tuple(StackConfig().required_tags())

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
        value = fmt(KNOBS_BY_ENV[self.knob].value_in(cfg))
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
        if cfg.backend.kind != "s3" and spec.value_in(cfg) != spec.default:
            return "is set, but STREAMFLIX_STATE_BACKEND is local"
        return None

    return Relation(knob, "only with STREAMFLIX_STATE_BACKEND=s3", problem)


def _at_most(knob_env: str, bound_env: str) -> Relation:
    """``knob_env`` <= ``bound_env``, reported against ``knob_env``."""
    spec, bound = KNOBS_BY_ENV[knob_env], KNOBS_BY_ENV[bound_env]

    def problem(cfg: StackConfig) -> str | None:
        above = spec.value_in(cfg) > bound.value_in(cfg)
        return f"is above {bound_env}={fmt(bound.value_in(cfg))}" if above else None

    return Relation(knob_env, f"{knob_env} <= {bound_env}", problem)


RELATIONS: tuple[Relation, ...] = (
    _at_most("STREAMFLIX_DB_MIN_ACU", "STREAMFLIX_DB_MAX_ACU"),
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
        lambda c: (
            f"is below STREAMFLIX_WORKER_MIN_TASKS={c.worker.min_tasks}"
            if c.worker.min_tasks > (c.worker.max_tasks or math.inf)
            else None
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
    _at_most("STREAMFLIX_FARGATE_BASE", "STREAMFLIX_WORKER_MIN_TASKS"),
    Relation(
        "STREAMFLIX_FARGATE_SPOT_WEIGHT",
        "STREAMFLIX_FARGATE_WEIGHT and STREAMFLIX_FARGATE_SPOT_WEIGHT are not both 0",
        lambda c: (
            "is 0, and so is STREAMFLIX_FARGATE_WEIGHT"
            if c.worker.fargate_weight + c.worker.fargate_spot_weight == 0
            else None
        ),
    ),
    _at_most("STREAMFLIX_RETRY_BASE_BACKOFF_MS", "STREAMFLIX_RETRY_MAX_BACKOFF_MS"),
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
    Relation(
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS",
        "at least STREAMFLIX_AUDIT_PERIOD_DAYS (evidence must outlive the period it covers)",
        lambda c: (
            f"is below STREAMFLIX_AUDIT_PERIOD_DAYS={c.evidence.audit_period_days}"
            if c.evidence.lock_days < c.evidence.audit_period_days
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_TRAIL_ARCHIVE_DAYS",
        "at least STREAMFLIX_AUDIT_PERIOD_DAYS + STREAMFLIX_AUDIT_WINDOW_DAYS (the period can "
        "be re-performed from the trail)",
        lambda c: (
            f"is below STREAMFLIX_AUDIT_PERIOD_DAYS + STREAMFLIX_AUDIT_WINDOW_DAYS="
            f"{c.evidence.audit_period_days + c.evidence.audit_window_days}"
            if c.evidence.archive_days < c.evidence.audit_period_days + c.evidence.audit_window_days
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
    violations = _unknown_knobs(environ)
    token = _ENVIRON.set(environ)
    try:
        cfg = StackConfig()
    except ValidationError as err:  # every bad knob at once, in declaration order
        for error in err.errors(include_url=False):
            env = next(str(part) for part in error["loc"] if part in KNOBS_BY_ENV)
            if env not in {v.knob for v in violations}:  # one line per knob
                violations.append(KNOBS_BY_ENV[env].violation(environ[env], problem(error)))
    finally:
        _ENVIRON.reset(token)
    if violations:
        raise ConfigError(violations)
    cross = [v for v in (r.check(cfg) for r in RELATIONS) if v is not None]
    if cross:
        raise ConfigError(cross)
    return cfg


def config_warnings(cfg: StackConfig) -> list[str]:
    """Accepted but worth saying before synthesis (printed on stderr by main.py)."""
    warnings = []
    if not cfg.alarms.has_recipient:
        warnings.append(
            f"warning: alerts reach no one: {', '.join(ALARM_RECIPIENT_KNOBS)} are all empty, so "
            "the alerts topic has no subscriber (refused when STREAMFLIX_ENVIRONMENT_TIER="
            "production)"
        )
    if not cfg.worker.image_published:
        warnings.append(
            "note: the worker service runs no task (STREAMFLIX_WORKER_IMAGE_PUBLISHED=false, the "
            "default for a new environment): set it to true in the environment file once the "
            "worker image is pushed (docs/deploying.md, the first deploy)"
        )
    return warnings


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
    for spec in KNOBS:
        default = fmt(spec.default)
        lines.append(
            f"| `{spec.env}` | {spec.type_name} | {f'`{default}`' if default else '(empty)'}"
            f" | {_cell(spec.allowed)} | {_cell(spec.doc)} |"
        )
    lines += [
        "",
        "## Rules between knobs",
        "",
        "| Variable | Rule |",
        "|---|---|",
    ]
    lines += [f"| `{r.knob}` | {_cell(r.rule)} |" for r in RELATIONS]
    from lib.live_changes import render_markdown as live_changes_markdown

    lines += ["", *live_changes_markdown()]
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
