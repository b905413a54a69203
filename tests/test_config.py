"""Configuration: the whole space of knobs, property-tested at the config layer.

- every accepted configuration holds values inside the AWS limits (restated here from the AWS
  documentation, not imported from lib.config) and yields valid names for every service;
- every knob, given an invalid value, is refused with an error naming exactly that knob, the
  value and the allowed range; every rule between knobs names the knob to change;
- docs/configuration.md is exactly what ``python -m lib.config --markdown`` prints.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import string
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from lib import config_fields
from lib.capacity import CapacityError, plan_shards
from lib.config import (
    EU_REGIONS,
    KNOBS,
    KNOBS_BY_ENV,
    RELATIONS,
    ConfigError,
    DatabaseConfig,
    Section,
    StackConfig,
    WorkerConfig,
    config_warnings,
    knobs_of,
    load_config,
    render_markdown,
)
from lib.naming import COMPONENTS, Namer
from tests.conftest import PROJECT_ROOT
from tests.test_naming import AWS_ACCEPTS, valid_suffixes

EU_MEMBER_REGIONS = (
    "eu-central-1",
    "eu-west-1",
    "eu-west-3",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
)
# AWS ECS Fargate task sizes: cpu 256 takes 0.5, 1 or 2 GiB; the others a range (GiB).
FARGATE_256_MIB = (512, 1024, 2048)
FARGATE_RANGES: dict[int, tuple[int, int, int]] = {
    512: (1, 4, 1),
    1024: (2, 8, 1),
    2048: (4, 16, 1),
    4096: (8, 30, 1),
    8192: (16, 60, 4),
    16384: (32, 120, 8),
}
FARGATE_CPUS = (256, *FARGATE_RANGES)
SHARD_QUOTA = 200
ON_DEMAND_START_SHARDS = 4  # AWS: a new on-demand stream starts at 4 MB/s of writes = 4 shards
RESERVED = {"postgres", "rdsadmin", "admin", "user", "public"}


def fargate_accepts(cpu: int, memory_mib: int) -> bool:
    if cpu == 256:
        return memory_mib in FARGATE_256_MIB
    low, high, step = FARGATE_RANGES[cpu]
    gib = memory_mib / 1024
    return low <= gib <= high and (gib - low) % step == 0


def shards_for(
    peak: float, size: int, headroom: float, consumers: int, min_shards: int = 2
) -> int | None:
    try:
        return plan_shards(peak, size, headroom, consumers, min_shards).shards
    except CapacityError:
        return None


# ---------------------------------------------------------------------------------------------
# Accepted configurations: drawn over the whole space, consistent across related knobs
# ---------------------------------------------------------------------------------------------

identifiers = st.from_regex(r"\A[a-z][a-z0-9_]{0,62}\Z").filter(lambda s: s not in RESERVED)
tag_values = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9 _.:/=+-]{0,60}\Z").map(str.strip)
emails = st.from_regex(
    r"\A[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,20}(\.[a-z0-9-]{1,10}){0,3}\.[a-z]{2,6}\Z"
)
buckets = st.from_regex(r"\A[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\Z").filter(
    lambda b: not b.startswith(("xn--", "sthree-")) and not b.endswith(("-s3alias", "--ol-s3"))
)
key_prefixes = st.lists(st.from_regex(r"\A[A-Za-z0-9_.-]{1,30}\Z"), min_size=1, max_size=5).map(
    "/".join
)
booleans_raw = st.sampled_from(["true", "false", "1", "0", "yes", "no", "on", "off", "TRUE"])


def _mixed_case(value: str) -> st.SearchStrategy[str]:
    return st.sampled_from([value, value.lower(), value.upper()])


def _num(value: float) -> str:
    return repr(value) if not float(value).is_integer() else str(int(value))


@st.composite
def _private_cidrs(draw: st.DrawFn) -> str:
    block = ipaddress.IPv4Network(
        draw(st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]))
    )
    prefix = draw(st.integers(max(16, block.prefixlen), 20))
    index = draw(st.integers(0, 2 ** (prefix - block.prefixlen) - 1))
    start = int(block.network_address) + index * 2 ** (32 - prefix)
    return str(ipaddress.IPv4Network((start, prefix)))


@st.composite
def accepted_envs(draw: st.DrawFn) -> dict[str, str]:
    """A full environment every knob of which is set to an allowed, mutually consistent value."""
    env: dict[str, str] = {
        "ENVIRONMENT_SUFFIX": draw(valid_suffixes()),
        "STREAMFLIX_REGION": draw(st.sampled_from(EU_MEMBER_REGIONS).flatmap(_mixed_case)),
        "STREAMFLIX_VPC_CIDR": draw(_private_cidrs()),
        "STREAMFLIX_NAT_GATEWAY": draw(booleans_raw),
        "STREAMFLIX_ECS_EXEC": draw(booleans_raw),
    }
    # Stream: a provisioned load the planner cannot serve within the quota falls back to on-demand.
    peak = draw(st.floats(0.1, 100_000))
    size = draw(st.integers(1, 1_048_576))
    headroom = draw(st.floats(1, 10))
    consumers = draw(st.integers(1, 5))
    min_shards = draw(st.integers(1, 4))
    shards = shards_for(peak, size, headroom, consumers, min_shards)
    mode = draw(st.sampled_from(["PROVISIONED", "ON_DEMAND"])) if shards else "ON_DEMAND"
    retention = draw(st.integers(24, 8760))
    env |= {
        "STREAMFLIX_KINESIS_CAPACITY_MODE": draw(_mixed_case(mode)),
        "STREAMFLIX_PEAK_UPLOADS_PER_SECOND": repr(peak),
        "STREAMFLIX_RECORD_SIZE_BYTES": str(size),
        "STREAMFLIX_BURST_HEADROOM": repr(headroom),
        "STREAMFLIX_STREAM_CONSUMERS": str(consumers),
        "STREAMFLIX_KINESIS_MIN_SHARDS": str(min_shards),
        "STREAMFLIX_KINESIS_RETENTION_HOURS": str(retention),
    }
    # Tasks: never more than the shards a provisioned stream has; with an automatic maximum
    # (= the shards the stream starts with: planned, or 4 on demand) the minimum fits under it.
    task_cap = shards if mode == "PROVISIONED" and shards else 1000
    auto_cap = shards if mode == "PROVISIONED" and shards else ON_DEMAND_START_SHARDS
    # Database: 0 ACU (auto-pause) needs 16.3+.
    min_acu = draw(st.integers(0, 512)) / 2
    max_acu = draw(st.integers(max(2, int(min_acu * 2)), 512)) / 2
    minor = draw(st.integers(3 if min_acu == 0 else 0, 30))
    env |= {
        "STREAMFLIX_DB_ENGINE_VERSION": f"16.{minor}",
        "STREAMFLIX_DB_MIN_ACU": _num(min_acu),
        "STREAMFLIX_DB_MAX_ACU": _num(max_acu),
        "STREAMFLIX_DB_BACKUP_RETENTION_DAYS": str(draw(st.integers(7, 35))),
        "STREAMFLIX_DB_NAME": draw(identifiers),
        "STREAMFLIX_DB_MASTER_USERNAME": draw(identifiers),
        "STREAMFLIX_SECRET_ROTATION_DAYS": str(draw(st.integers(1, 30))),
    }
    # Workers.
    cpu = draw(st.sampled_from(FARGATE_CPUS))
    if cpu == 256:
        memory = draw(st.sampled_from(FARGATE_256_MIB))
    else:
        low, high, step = FARGATE_RANGES[cpu]
        memory = 1024 * draw(st.sampled_from(range(low, high + 1, step)))
    if draw(st.booleans()):
        min_tasks, max_tasks = draw(st.integers(1, auto_cap)), "auto"
    else:
        min_tasks = draw(st.integers(1, task_cap))
        max_tasks = str(draw(st.integers(min_tasks, task_cap)))
    fargate_weight = draw(st.integers(0, 1000))
    env |= {
        "STREAMFLIX_WORKER_CPU": str(cpu),
        "STREAMFLIX_WORKER_MEMORY_MIB": str(memory),
        "STREAMFLIX_WORKER_MIN_TASKS": str(min_tasks),
        "STREAMFLIX_WORKER_MAX_TASKS": max_tasks,
        "STREAMFLIX_FARGATE_BASE": str(draw(st.integers(0, min(100, min_tasks)))),
        "STREAMFLIX_FARGATE_WEIGHT": str(fargate_weight),
        "STREAMFLIX_FARGATE_SPOT_WEIGHT": str(draw(st.integers(int(fargate_weight == 0), 1000))),
        "STREAMFLIX_WORKER_IMAGE_TAG": draw(
            st.one_of(_mixed_case("auto"), st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}\Z"))
        ),
    }
    base = draw(st.integers(10, 60_000))
    env |= {
        "STREAMFLIX_RETRY_MAX_ATTEMPTS": str(draw(st.integers(1, 20))),
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS": str(base),
        "STREAMFLIX_RETRY_MAX_BACKOFF_MS": str(draw(st.integers(base, 300_000))),
        "STREAMFLIX_ALARM_EMAILS": draw(
            st.lists(emails, max_size=4, unique_by=str.lower).flatmap(
                lambda xs: st.sampled_from([",".join(xs), " , ".join(xs)])
            )
        ),
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS": str(
            draw(st.integers(1_000, min(86_400_000, retention * 3_600_000 - 1)))
        ),
        "STREAMFLIX_ALARM_ERROR_RATE_PERCENT": repr(draw(st.floats(0.1, 100))),
        "STREAMFLIX_TAG_OWNER": draw(tag_values),
        "STREAMFLIX_TAG_COST_CENTER": draw(tag_values),
        "STREAMFLIX_TAG_DATA_CLASSIFICATION": draw(
            st.sampled_from(["public", "internal", "confidential", "restricted"])
        ),
        "STREAMFLIX_TAG_COMPLIANCE_SCOPE": draw(tag_values),
        # issue 13: the collector role's principal (empty = no role)
        "STREAMFLIX_COLLECTOR_PRINCIPAL_ARN": draw(
            st.sampled_from(
                ["", "arn:aws:iam::123456789012:role/ci", "arn:aws:iam::210987654321:root"]
            )
        ),
        # issue 25: opt-in account-level S3 Block Public Access
        "STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS": draw(booleans_raw),
        "STREAMFLIX_ACCOUNT_ECR_ENHANCED_SCANNING": draw(booleans_raw),
        "STREAMFLIX_TRAIL_INSIGHTS": draw(booleans_raw),
    }
    # issue 22: the audit period, window and what they bound
    period, window = draw(st.integers(30, 1095)), draw(st.integers(30, 365))
    env |= {
        "STREAMFLIX_EVIDENCE_SCHEDULE_HOURS": str(draw(st.integers(1, 168))),
        "STREAMFLIX_AUDIT_PERIOD_DAYS": str(period),
        "STREAMFLIX_AUDIT_WINDOW_DAYS": str(window),
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS": draw(
            st.one_of(st.just("auto"), st.integers(period, 3650).map(str))
        ),
        "STREAMFLIX_TRAIL_ARCHIVE_DAYS": draw(
            st.one_of(st.just("auto"), st.integers(max(90, period + window), 3650).map(str))
        ),
    }
    if draw(st.booleans()):
        env |= {
            "STREAMFLIX_STATE_BACKEND": draw(_mixed_case("s3")),
            "STREAMFLIX_STATE_BUCKET": draw(buckets),
            "STREAMFLIX_STATE_KEY_PREFIX": draw(key_prefixes),
            "STREAMFLIX_STATE_REGION": draw(st.sampled_from(EU_MEMBER_REGIONS)),
            "STREAMFLIX_STATE_LOCK_TABLE": draw(
                st.one_of(st.just(""), st.from_regex(r"\A[A-Za-z0-9_.-]{3,40}\Z"))
            ),
        }
    else:
        env["STREAMFLIX_STATE_BACKEND"] = "local"
    assert set(env) <= set(KNOBS_BY_ENV)
    return env


def aws_limit_breaches(cfg: StackConfig) -> list[str]:
    """The AWS limits and our policy floors, restated independently of lib.config."""
    db, w, s, r, a, b = cfg.database, cfg.worker, cfg.stream, cfg.retry, cfg.alarms, cfg.backend
    net = ipaddress.IPv4Network(cfg.network.vpc_cidr)
    checks = {
        "region in an EU member state": cfg.region in EU_MEMBER_REGIONS,
        "VPC /16-/20 in RFC 1918": 16 <= net.prefixlen <= 20 and net.is_private,
        "ACU 0-256 in steps of 0.5, max >= 1, min <= max": (
            0 <= db.min_acu <= db.max_acu <= 256
            and db.max_acu >= 1
            and (db.min_acu * 2).is_integer()
            and (db.max_acu * 2).is_integer()
        ),
        "auto-pause (0 ACU) needs 16.3+": db.min_acu > 0 or int(db.engine_version[3:]) >= 3,
        "Aurora PostgreSQL 16": db.engine_version.startswith("16."),
        "backup retention 1-35 days, our floor 7": 7 <= db.backup_retention_days <= 35,
        "secret rotation at most 30 days": 1 <= db.secret_rotation_days <= 30,
        "ECR image tag (or auto)": w.image_tag is None
        or re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", w.image_tag) is not None,
        "Fargate cpu/memory combination": w.cpu in FARGATE_CPUS
        and fargate_accepts(w.cpu, w.memory_mib),
        "tasks: 1 <= min <= max": 1 <= w.min_tasks <= (w.max_tasks or w.min_tasks),
        "no more tasks than the stream's shards": (w.max_tasks or w.min_tasks)
        <= (
            (
                shards_for(
                    s.peak_uploads_per_second,
                    s.record_size_bytes,
                    s.burst_headroom,
                    s.consumers,
                    s.min_shards,
                )
                or 0
            )
            if s.capacity_mode == "PROVISIONED"
            else (w.max_tasks or ON_DEMAND_START_SHARDS)
        ),
        "capacity provider base 0-100000, weights 0-1000, not both 0": (
            0 <= w.fargate_base <= 100_000
            and 0 <= w.fargate_weight <= 1000
            and 0 <= w.fargate_spot_weight <= 1000
            and w.fargate_weight + w.fargate_spot_weight > 0
        ),
        "Kinesis retention 24-8760 h": 24 <= s.retention_hours <= 8760,
        "Kinesis record <= 1 MiB": 1 <= s.record_size_bytes <= 1024 * 1024,
        "capacity mode": s.capacity_mode in {"PROVISIONED", "ON_DEMAND"},
        "provisioned shards within quota": s.capacity_mode == "ON_DEMAND"
        or (
            shards_for(
                s.peak_uploads_per_second, s.record_size_bytes, s.burst_headroom, s.consumers
            )
            or SHARD_QUOTA + 1
        )
        <= SHARD_QUOTA,
        "backoff base <= cap": 0 < r.base_backoff_ms <= r.max_backoff_ms,
        "e-mail addresses": all("@" in e and "." in e.split("@")[1] for e in a.emails),
        "lag alarm below retention": a.iterator_age_ms < s.retention_hours * 3_600_000,
        "s3 backend has a bucket": b.kind == "local" or bool(b.s3_bucket),
        "state in an EU member state": b.s3_region in EU_MEMBER_REGIONS,
        "RDS identifiers": all(
            x[0].isalpha() and x not in RESERVED and len(x) <= 63
            for x in (db.database_name, db.master_username)
        ),
        "tags carry no e-mail address": all("@" not in v for v in cfg.required_tags().values()),
    }
    return [rule for rule, ok in checks.items() if not ok]


# deadline=None throughout: timing is not under test, and on a loaded machine one example can
# stall past hypothesis' 200 ms default.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(env=accepted_envs())
def test_every_accepted_configuration_is_within_aws_limits_and_names_are_valid(
    env: dict[str, str],
) -> None:
    cfg = load_config(env)
    assert aws_limit_breaches(cfg) == []
    for knob in KNOBS:  # the config holds what the environment said, nothing else
        expected = knob.parse(env[knob.env]) if knob.env in env else knob.default
        assert knob.value_in(cfg) == expected, knob.env
    namer = Namer(cfg.environment_suffix)
    assert all(AWS_ACCEPTS[s](namer.name(c)) for c, s in COMPONENTS.items())


def test_defaults_alone_are_accepted_and_within_limits() -> None:
    cfg = load_config({})
    assert cfg == StackConfig()
    assert aws_limit_breaches(cfg) == []
    assert cfg.region == "eu-central-1" and cfg.environment_suffix == "dev"


@settings(max_examples=50, deadline=None)
@given(env=accepted_envs())
def test_the_worker_accepts_every_retry_policy_the_stack_accepts(env: dict[str, str]) -> None:
    """The stack passes its retry knobs to the worker; the worker's own rules must agree."""
    from streamflix_worker.config import load_config as load_worker_config

    retry = load_config(env).retry
    worker_env = {
        "RETRY_MAX_ATTEMPTS": str(retry.max_attempts),
        "RETRY_BASE_BACKOFF_MS": str(retry.base_backoff_ms),
        "RETRY_MAX_BACKOFF_MS": str(retry.max_backoff_ms),
        "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:x",
        "DB_HOST": "db.internal",
        "DB_NAME": "streamflix",
        "STREAM_NAME": "s",
        "UPLOADS_BUCKET": "b",
        "DLQ_URL": "https://sqs.eu-central-1.amazonaws.com/123456789012/q",
        "ALERT_TOPIC_ARN": "arn:aws:sns:eu-central-1:123456789012:t",
        "ENVIRONMENT": "dev",
        "AWS_REGION": "eu-central-1",
    }
    worker = load_worker_config(worker_env).retry
    assert (worker.max_attempts, worker.base_backoff_ms, worker.max_backoff_ms) == (
        retry.max_attempts,
        retry.base_backoff_ms,
        retry.max_backoff_ms,
    )


# ---------------------------------------------------------------------------------------------
# Rejected values: for every knob, values that break its own rule
# ---------------------------------------------------------------------------------------------

garbage = st.text(alphabet=string.ascii_letters + " #%&", min_size=1, max_size=8).filter(
    lambda s: s.strip().lower() not in {"auto", "yes", "no", "on", "off", "true", "false", "s3"}
)


def _ints_outside(low: int, high: int) -> st.SearchStrategy[str]:
    out = st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1))
    return st.one_of(out.map(str), st.just(""), st.just("1.5"), st.just("1e3"), garbage)


def _numbers_outside(low: float, high: float) -> st.SearchStrategy[str]:
    out = st.one_of(
        st.floats(max_value=low, exclude_max=True, allow_nan=False, allow_infinity=False),
        st.floats(min_value=high, exclude_min=True, allow_nan=False, allow_infinity=False),
    )
    return st.one_of(out.map(repr), st.sampled_from(["nan", "inf", "-inf", "", "1,5"]), garbage)


def _acu_invalid(low: float) -> st.SearchStrategy[str]:
    off_step = st.floats(low, 256).filter(lambda v: not (v * 2).is_integer()).map(repr)
    return st.one_of(off_step, _numbers_outside(low, 256))


def _not_in(*allowed: str, fold: bool = True) -> st.SearchStrategy[str]:
    pool = st.one_of(
        st.text(max_size=20),
        st.sampled_from(["us-east-1", "eu-west-2", "eu-central-2", "me-central-1", "eu-central-3"]),
    )
    return pool.filter(
        lambda s: (
            (s.strip().lower() if fold else s.strip())
            not in {a.lower() if fold else a for a in allowed}
        )
    )


def _emails_invalid() -> st.SearchStrategy[str]:
    bad_address = st.sampled_from(
        ["alice", "alice@", "@example.com", "a@b", "a b@example.com", "a@exa_mple.com", "a@.com"]
    )
    return st.one_of(
        st.tuples(st.lists(emails, max_size=2), bad_address).map(lambda t: ",".join([*t[0], t[1]])),
        emails.map(lambda e: f"{e},{e.upper()}"),  # duplicate (case-insensitive)
        emails.map(lambda e: f"{e},,{e}x"),  # empty entry
        st.just("a" * 250 + "@example.com"),  # longer than 254
    )


def _tags_invalid() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""),
        st.just("x" * 257),
        emails,
        st.sampled_from(["team<a>", "a;b", "a*b", "owner!", 'a"b']),
    )


INVALID: dict[str, st.SearchStrategy[str]] = {
    "ENVIRONMENT_SUFFIX": st.sampled_from(
        ["", "BAD", "Dev", "toolongsuffix1", "a--b", "dev-", "1dev", "-dev", "dev_1", "dév"]
    ),
    "STREAMFLIX_REGION": _not_in(*EU_MEMBER_REGIONS),
    "STREAMFLIX_VPC_CIDR": st.sampled_from(
        [
            "8.8.0.0/16",
            "10.0.0.0/8",
            "10.0.0.0/24",
            "10.0.0.1/16",
            "10.0.0.0",
            "fd00::/48",
            "100.64.0.0/16",
            "127.0.0.0/16",
            "172.32.0.0/16",
            "x",
        ]
    ),
    "STREAMFLIX_NAT_GATEWAY": garbage,
    "STREAMFLIX_KINESIS_CAPACITY_MODE": _not_in("PROVISIONED", "ON_DEMAND"),
    "STREAMFLIX_PEAK_UPLOADS_PER_SECOND": _numbers_outside(0.1, 100_000),
    "STREAMFLIX_RECORD_SIZE_BYTES": _ints_outside(1, 1_048_576),
    "STREAMFLIX_BURST_HEADROOM": _numbers_outside(1, 10),
    "STREAMFLIX_STREAM_CONSUMERS": _ints_outside(1, 5),
    "STREAMFLIX_KINESIS_RETENTION_HOURS": _ints_outside(24, 8760),
    "STREAMFLIX_KINESIS_MIN_SHARDS": _ints_outside(1, 200),
    "STREAMFLIX_DB_ENGINE_VERSION": st.sampled_from(["15.4", "16", "17.1", "16.x", "v16.6", ""]),
    "STREAMFLIX_DB_MIN_ACU": _acu_invalid(0),
    "STREAMFLIX_DB_MAX_ACU": _acu_invalid(1),
    "STREAMFLIX_DB_BACKUP_RETENTION_DAYS": _ints_outside(7, 35),
    "STREAMFLIX_DB_NAME": st.sampled_from(
        ["", "Streamflix", "1db", "_db", "db-name", "postgres", "rdsadmin", "a" * 64]
    ),
    "STREAMFLIX_DB_MASTER_USERNAME": st.sampled_from(["admin", "user", "Root", "9x", "a b"]),
    "STREAMFLIX_SECRET_ROTATION_DAYS": _ints_outside(1, 30),
    "STREAMFLIX_WORKER_CPU": st.one_of(
        st.integers().filter(lambda v: v not in FARGATE_CPUS).map(str), garbage
    ),
    "STREAMFLIX_WORKER_MEMORY_MIB": _ints_outside(512, 122_880),
    "STREAMFLIX_WORKER_MIN_TASKS": _ints_outside(1, 1000),
    "STREAMFLIX_WORKER_MAX_TASKS": _ints_outside(1, 1000),
    "STREAMFLIX_FARGATE_BASE": _ints_outside(0, 100),
    "STREAMFLIX_FARGATE_WEIGHT": _ints_outside(0, 1000),
    "STREAMFLIX_FARGATE_SPOT_WEIGHT": _ints_outside(0, 1000),
    "STREAMFLIX_WORKER_IMAGE_TAG": st.sampled_from(["", ".hidden", "-x", "a b", "a:b", "x" * 129]),
    "STREAMFLIX_ECS_EXEC": garbage,
    "STREAMFLIX_WORKER_IMAGE_PUBLISHED": garbage,
    "STREAMFLIX_RETRY_MAX_ATTEMPTS": _ints_outside(1, 20),
    "STREAMFLIX_RETRY_BASE_BACKOFF_MS": _ints_outside(10, 60_000),
    "STREAMFLIX_RETRY_MAX_BACKOFF_MS": _ints_outside(10, 300_000),
    "STREAMFLIX_ALARM_EMAILS": _emails_invalid(),
    "STREAMFLIX_ALARM_HTTPS_ENDPOINTS": st.sampled_from(
        [
            "http://hooks.example.com/x",
            "hooks.example.com",
            "https://",
            "https://a.example.com/x,https://a.example.com/x",
            "https://a.example.com,,https://b.example.com",
            "ftp://a.example.com",
            "https://a b.example.com",
            "https://a.example.com/" + "x" * 2048,
        ]
    ),
    "STREAMFLIX_ALARM_TOPIC_ARN": st.sampled_from(
        [
            "arn:aws:sns:us-east-1:123456789012:oncall",
            "arn:aws:sns:eu-west-2:123456789012:oncall",
            "arn:aws:sns:eu-central-1:12345:oncall",
            "arn:aws:sqs:eu-central-1:123456789012:oncall",
            "arn:aws:sns:eu-central-1:123456789012:oncall.fifo",
            "oncall",
            "arn:aws:sns:eu-central-1:123456789012:",
        ]
    ),
    "STREAMFLIX_ENVIRONMENT_TIER": _not_in("development", "staging", "production"),
    "STREAMFLIX_ALARM_ITERATOR_AGE_MS": _ints_outside(1_000, 86_400_000),
    "STREAMFLIX_ALARM_ERROR_RATE_PERCENT": _numbers_outside(0.1, 100),
    "STREAMFLIX_STATE_BACKEND": _not_in("local", "s3"),
    "STREAMFLIX_STATE_BUCKET": st.sampled_from(
        [
            "ab",
            "UPPER-case",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "bucket-s3alias",
            "-start",
            "end-",
            "under_score",
            "a" * 64,
        ]
    ),
    "STREAMFLIX_STATE_KEY_PREFIX": st.sampled_from(
        ["", "/lead", "trail/", "a//b", "sp ace", "a" * 201, "ü"]
    ),
    "STREAMFLIX_STATE_REGION": _not_in(*EU_MEMBER_REGIONS),
    "STREAMFLIX_STATE_LOCK_TABLE": st.sampled_from(["ab", "has space", "a/b", "x" * 256]),
    "STREAMFLIX_TAG_OWNER": _tags_invalid(),
    "STREAMFLIX_TAG_COST_CENTER": _tags_invalid(),
    "STREAMFLIX_TAG_DATA_CLASSIFICATION": _not_in(
        "public", "internal", "confidential", "restricted"
    ),
    "STREAMFLIX_TAG_COMPLIANCE_SCOPE": _tags_invalid(),
    # issue 13: an IAM principal ARN or empty
    "STREAMFLIX_COLLECTOR_PRINCIPAL_ARN": st.sampled_from(
        ["arn:aws:s3:::bucket", "arn:aws:iam::12345:role/x", "role/x", "arn:aws:iam::1:root", "x"]
    ),
    "STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS": garbage,
    "STREAMFLIX_ACCOUNT_ECR_ENHANCED_SCANNING": garbage,
    "STREAMFLIX_TRAIL_INSIGHTS": garbage,
    # issue 22
    "STREAMFLIX_EVIDENCE_SCHEDULE_HOURS": st.sampled_from(["0", "169", "-1", "x", "1.5"]),
    "STREAMFLIX_AUDIT_PERIOD_DAYS": st.sampled_from(["29", "1096", "x", ""]),
    "STREAMFLIX_AUDIT_WINDOW_DAYS": st.sampled_from(["29", "366", "x"]),
    "STREAMFLIX_EVIDENCE_RETENTION_DAYS": st.sampled_from(["0", "29", "3651", "x"]),
    "STREAMFLIX_TRAIL_ARCHIVE_DAYS": st.sampled_from(["89", "3651", "x", "-5"]),
}


def test_every_knob_has_invalid_values_under_test() -> None:
    assert set(INVALID) == set(KNOBS_BY_ENV)


@pytest.mark.parametrize("env_name", [k.env for k in KNOBS])
def test_every_rejected_value_names_exactly_its_knob_the_value_and_the_range(
    env_name: str,
) -> None:
    knob = KNOBS_BY_ENV[env_name]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(env=accepted_envs(), bad=INVALID[env_name])
    def check(env: dict[str, str], bad: str) -> None:
        with pytest.raises(ConfigError) as caught:
            load_config({**env, env_name: bad})
        err = caught.value
        assert err.knobs == (env_name,)
        violation = err.violations[0]
        assert violation.value == bad
        assert violation.rule.endswith(f"allowed: {knob.allowed}")
        assert f"{env_name}={bad!r}: " in str(err)

    check()


def test_all_bad_knobs_are_reported_together() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"STREAMFLIX_DB_MIN_ACU": "0.3", "STREAMFLIX_WORKER_CPU": "3000"})
    assert set(caught.value.knobs) == {"STREAMFLIX_DB_MIN_ACU", "STREAMFLIX_WORKER_CPU"}


@settings(deadline=None)
@given(name=st.from_regex(r"\ASTREAMFLIX_[A-Z_]{1,30}\Z").filter(lambda n: n not in KNOBS_BY_ENV))
def test_an_unknown_streamflix_variable_is_refused(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({name: "1"})
    assert caught.value.knobs == (name,)
    assert "is not a known knob" in str(caught.value)


def test_a_typo_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="did you mean STREAMFLIX_DB_MAX_ACU"):
        load_config({"STREAMFLIX_DB_MAX_ACUS": "8"})


@settings(deadline=None)
@given(region=st.text(max_size=20).filter(lambda r: r.strip().lower() not in EU_MEMBER_REGIONS))
def test_a_region_outside_the_eu_is_refused(region: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"STREAMFLIX_REGION": region})
    assert caught.value.knobs == ("STREAMFLIX_REGION",)


@pytest.mark.parametrize("region", sorted(EU_REGIONS - set(EU_MEMBER_REGIONS)))
def test_european_regions_outside_the_union_are_refused(region: str) -> None:
    with pytest.raises(ConfigError, match=f"STREAMFLIX_REGION='{region}'"):
        load_config({"STREAMFLIX_REGION": region})


# ---------------------------------------------------------------------------------------------
# Rules between knobs: each is caught, reported against the knob to change
# ---------------------------------------------------------------------------------------------

PROVISIONED_ONE_SHARD = {
    "STREAMFLIX_PEAK_UPLOADS_PER_SECOND": "10",
    "STREAMFLIX_KINESIS_MIN_SHARDS": "1",
}
RELATION_CASES: list[tuple[dict[str, str], str, str]] = [
    (  # issue 22: evidence kept shorter than the period it covers
        {"STREAMFLIX_AUDIT_PERIOD_DAYS": "365", "STREAMFLIX_EVIDENCE_RETENTION_DAYS": "200"},
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS",
        "is below STREAMFLIX_AUDIT_PERIOD_DAYS=365",
    ),
    (  # issue 22: a trail archive the period cannot be re-performed from
        {"STREAMFLIX_AUDIT_PERIOD_DAYS": "365", "STREAMFLIX_TRAIL_ARCHIVE_DAYS": "400"},
        "STREAMFLIX_TRAIL_ARCHIVE_DAYS",
        "is below STREAMFLIX_AUDIT_PERIOD_DAYS + STREAMFLIX_AUDIT_WINDOW_DAYS=485",
    ),
    (
        {"STREAMFLIX_DB_MIN_ACU": "8", "STREAMFLIX_DB_MAX_ACU": "4"},
        "STREAMFLIX_DB_MIN_ACU",
        "is above STREAMFLIX_DB_MAX_ACU=4",
    ),
    (
        {"STREAMFLIX_DB_MIN_ACU": "0", "STREAMFLIX_DB_ENGINE_VERSION": "16.2"},
        "STREAMFLIX_DB_MIN_ACU",
        "STREAMFLIX_DB_ENGINE_VERSION=16.2",
    ),
    (
        {"STREAMFLIX_WORKER_CPU": "256", "STREAMFLIX_WORKER_MEMORY_MIB": "4096"},
        "STREAMFLIX_WORKER_MEMORY_MIB",
        "STREAMFLIX_WORKER_CPU=256 (allowed: 512, 1024, 2048)",
    ),
    (
        {
            "STREAMFLIX_KINESIS_CAPACITY_MODE": "ON_DEMAND",
            "STREAMFLIX_WORKER_MIN_TASKS": "5",
            "STREAMFLIX_WORKER_MAX_TASKS": "4",
        },
        "STREAMFLIX_WORKER_MAX_TASKS",
        "is below STREAMFLIX_WORKER_MIN_TASKS=5",
    ),
    (
        {"STREAMFLIX_KINESIS_CAPACITY_MODE": "ON_DEMAND", "STREAMFLIX_WORKER_MIN_TASKS": "5"},
        "STREAMFLIX_WORKER_MIN_TASKS",
        "exceeds the 4 shard(s) the stream starts with",
    ),
    (
        {**PROVISIONED_ONE_SHARD, "STREAMFLIX_WORKER_MIN_TASKS": "2"},
        "STREAMFLIX_WORKER_MIN_TASKS",
        "exceeds the 1 shard(s)",
    ),
    (
        {**PROVISIONED_ONE_SHARD, "STREAMFLIX_WORKER_MAX_TASKS": "3"},
        "STREAMFLIX_WORKER_MAX_TASKS",
        "exceeds the 1 shard(s)",
    ),
    (
        {"STREAMFLIX_FARGATE_BASE": "2"},
        "STREAMFLIX_FARGATE_BASE",
        "is above STREAMFLIX_WORKER_MIN_TASKS=1",
    ),
    (
        {"STREAMFLIX_FARGATE_WEIGHT": "0", "STREAMFLIX_FARGATE_SPOT_WEIGHT": "0"},
        "STREAMFLIX_FARGATE_SPOT_WEIGHT",
        "and so is STREAMFLIX_FARGATE_WEIGHT",
    ),
    (
        {"STREAMFLIX_RETRY_BASE_BACKOFF_MS": "5000", "STREAMFLIX_RETRY_MAX_BACKOFF_MS": "1000"},
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS",
        "is above STREAMFLIX_RETRY_MAX_BACKOFF_MS=1000",
    ),
    (
        {"STREAMFLIX_PEAK_UPLOADS_PER_SECOND": "100000"},
        "STREAMFLIX_PEAK_UPLOADS_PER_SECOND",
        "exceed the default account quota of 200",
    ),
    (
        {
            "STREAMFLIX_KINESIS_RETENTION_HOURS": "24",
            "STREAMFLIX_ALARM_ITERATOR_AGE_MS": "86400000",
        },
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS",
        "is not below STREAMFLIX_KINESIS_RETENTION_HOURS=24",
    ),
    (
        {"STREAMFLIX_ENVIRONMENT_TIER": "production"},
        "STREAMFLIX_ENVIRONMENT_TIER",
        "STREAMFLIX_ALARM_EMAILS, STREAMFLIX_ALARM_HTTPS_ENDPOINTS, STREAMFLIX_ALARM_TOPIC_ARN "
        "are all empty",
    ),
    (
        {"STREAMFLIX_STATE_BACKEND": "s3"},
        "STREAMFLIX_STATE_BUCKET",
        "is empty, but STREAMFLIX_STATE_BACKEND is s3",
    ),
    (
        {"STREAMFLIX_STATE_BUCKET": "acme-state"},
        "STREAMFLIX_STATE_BUCKET",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
    (
        {"STREAMFLIX_STATE_KEY_PREFIX": "team/x"},
        "STREAMFLIX_STATE_KEY_PREFIX",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
    (
        {"STREAMFLIX_STATE_REGION": "eu-west-1"},
        "STREAMFLIX_STATE_REGION",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
    (
        {"STREAMFLIX_STATE_LOCK_TABLE": "tf-locks"},
        "STREAMFLIX_STATE_LOCK_TABLE",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
]


@pytest.mark.parametrize(("env", "knob", "words"), RELATION_CASES)
def test_a_broken_rule_between_knobs_names_the_knob_to_change(
    env: dict[str, str], knob: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env)
    assert caught.value.knobs == (knob,)
    assert words in str(caught.value)


def test_every_rule_between_knobs_has_a_case_that_breaks_it() -> None:
    broken: set[str] = set()
    for env, _knob, _words in RELATION_CASES:
        with pytest.raises(ConfigError) as caught:
            load_config(env)
        broken |= {v.rule.split("; rule: ")[-1] for v in caught.value.violations}
    assert {r.rule for r in RELATIONS} <= broken


@settings(deadline=None)
@given(min_half=st.integers(0, 512), max_half=st.integers(2, 512))
def test_acu_order_is_enforced_over_the_whole_range(min_half: int, max_half: int) -> None:
    env = {"STREAMFLIX_DB_MIN_ACU": str(min_half / 2), "STREAMFLIX_DB_MAX_ACU": str(max_half / 2)}
    if min_half <= max_half:
        cfg = load_config(env)
        assert (cfg.database.min_acu, cfg.database.max_acu) == (min_half / 2, max_half / 2)
    else:
        with pytest.raises(ConfigError) as caught:
            load_config(env)
        assert caught.value.knobs == ("STREAMFLIX_DB_MIN_ACU",)


@settings(deadline=None)
@given(cpu=st.sampled_from(FARGATE_CPUS), memory=st.integers(512, 122_880))
def test_fargate_memory_is_checked_against_the_cpu(cpu: int, memory: int) -> None:
    env = {
        "STREAMFLIX_WORKER_CPU": str(cpu),
        "STREAMFLIX_WORKER_MEMORY_MIB": str(memory),
    }
    if fargate_accepts(cpu, memory):
        assert load_config(env).worker.memory_mib == memory
    else:
        with pytest.raises(ConfigError) as caught:
            load_config(env)
        assert caught.value.knobs == ("STREAMFLIX_WORKER_MEMORY_MIB",)


# ---------------------------------------------------------------------------------------------
# The knob table documents itself: defaults, docs, and docs/configuration.md
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("knob", KNOBS, ids=lambda k: k.env)
def test_every_knob_has_a_documented_default_that_obeys_its_rule(knob: Any) -> None:
    assert knob.doc.strip() and knob.allowed.strip()
    default = knob.default
    rendered = render_markdown().splitlines()
    row = next(line for line in rendered if line.startswith(f"| `{knob.env}` |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    shown = "" if cells[2] == "(empty)" else cells[2].strip("`")
    # the documented default, fed back through the knob's type and rule, is the default
    assert knob.parse(shown) == default


def test_docs_configuration_md_is_the_generated_table() -> None:
    path = PROJECT_ROOT / "docs" / "configuration.md"
    assert path.read_text() == render_markdown(), (
        "docs/configuration.md drifted from lib/config.py; regenerate it with "
        "`.venv/bin/python -m lib.config --markdown > docs/configuration.md`"
    )


def test_every_knob_and_rule_appears_in_the_docs() -> None:
    text = render_markdown()
    assert all(f"| `{k.env}` |" in text for k in KNOBS)
    assert all(r.rule in text for r in RELATIONS)


def test_the_cli_prints_the_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lib.config", "--markdown"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == render_markdown()


def test_float_knobs_refuse_non_finite_values() -> None:
    for raw in ("nan", "inf", "1e400"):
        with pytest.raises(ConfigError, match="STREAMFLIX_BURST_HEADROOM"):
            load_config({"STREAMFLIX_BURST_HEADROOM": raw})
    assert math.isclose(
        load_config({"STREAMFLIX_BURST_HEADROOM": "1.5"}).stream.burst_headroom, 1.5
    )


# ---------------------------------------------------------------------------------------------
# The knobs are pydantic-settings fields; pydantic's own wording and tolerances stay inside
# ---------------------------------------------------------------------------------------------


def test_every_knob_is_one_pydantic_field_named_by_its_variable() -> None:
    assert issubclass(StackConfig, BaseSettings)
    for spec in KNOBS:
        model = StackConfig if not spec.section else type(getattr(StackConfig(), spec.section))
        field = model.model_fields[spec.attr]
        assert field.validation_alias == spec.env and field.description, spec.env
        assert field.default == spec.default == spec.value_in(StackConfig()), spec.env
    assert len(KNOBS) == len(KNOBS_BY_ENV) == len(set(INVALID))


def test_a_knob_declared_as_one_field_gets_its_type_range_doc_and_checks() -> None:
    """The recipe for a new knob: one annotated field; docs, errors and hints follow from it."""

    class Demo(Section):
        limit: config_fields.Integer = config_fields.knob(
            "STREAMFLIX_DEMO_LIMIT", 3, ge=1, le=9, unit="things"
        )
        """How many things at most."""

    (spec,) = knobs_of(Demo, "demo")
    assert (spec.env, spec.type_name, spec.allowed, spec.doc, spec.default) == (
        "STREAMFLIX_DEMO_LIMIT",
        "integer",
        "1 to 9 things",
        "How many things at most.",
        3,
    )
    assert spec.parse(" 7 ") == 7
    with pytest.raises(ValidationError):
        spec.parse("10")


def test_the_sections_refuse_bad_python_values_too() -> None:
    with pytest.raises(ValidationError, match="is not one of the choices"):
        WorkerConfig(cpu=3000)
    with pytest.raises(ValidationError, match=r"is not a multiple of 0\.5"):
        DatabaseConfig(min_acu=0.3)
    assert WorkerConfig(min_tasks=5).min_tasks == 5  # rules between knobs: load_config only


def test_the_configuration_never_reads_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pydantic-settings reads os.environ by default; ours reads only load_config's mapping."""
    monkeypatch.setenv("ENVIRONMENT_SUFFIX", "zz")
    monkeypatch.setenv("STREAMFLIX_DB_MAX_ACU", "8")
    assert StackConfig().environment_suffix == "dev"
    assert load_config({}).database.max_acu == 4
    assert load_config({"STREAMFLIX_DB_MAX_ACU": "16"}).database.max_acu == 16
    assert StackConfig().database.max_acu == 4  # the mapping does not outlive the call


def test_errors_carry_no_pydantic_wording_location_or_traceback() -> None:
    env = dict.fromkeys(KNOBS_BY_ENV, "#")
    with pytest.raises(ConfigError) as caught:
        load_config(env)
    err = caught.value
    assert err.knobs == tuple(KNOBS_BY_ENV)  # every knob, once, in declaration order
    text = str(err)
    for leak in ("Input should", "pydantic", "validation error", "type=", "input_value"):
        assert leak not in text
    assert err.__cause__ is None and err.__context__ is None


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("STREAMFLIX_DB_MIN_ACU", "1.0000000001", "is not a multiple of 0.5"),  # multiple_of: 1e-9
        ("STREAMFLIX_WORKER_MIN_TASKS", "1_000", "is not a whole number"),  # int("1_000") works
        ("STREAMFLIX_WORKER_CPU", "1024.0", "is not a whole number"),  # pydantic takes "1.0"
        ("STREAMFLIX_WORKER_MAX_TASKS", "\u0663", "is not a whole number"),  # Arabic-Indic 3
        ("STREAMFLIX_BURST_HEADROOM", "nan", "is not a decimal number"),
        ("STREAMFLIX_BURST_HEADROOM", "1_5", "is not a decimal number"),
        ("STREAMFLIX_BURST_HEADROOM", "1e400", "is not a finite number"),
        ("STREAMFLIX_ECS_EXEC", "t", "is not a boolean"),  # pydantic's bool takes t/f/y/n
    ],
)
def test_pydantic_tolerances_do_not_leak_into_the_knobs(name: str, raw: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({name: raw})
    assert caught.value.knobs == (name,)
    assert f"{name}={raw!r}: {words}; allowed: " in str(caught.value)


def test_reading_the_configuration_loads_no_cdktf_code() -> None:
    probe = (
        "import sys, lib.config; lib.config.load_config({}); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'cdktf', 'cdktf_cdktf_provider_aws', 'constructs', 'jsii'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# --- Issue 12 item 3: alarm recipients and the environment tier ------------------------------

ONCALL_TOPIC = "arn:aws:sns:eu-west-1:123456789012:oncall-pager"


@pytest.mark.parametrize(
    "recipient",
    [
        {"STREAMFLIX_ALARM_EMAILS": "ops@example.com"},
        {"STREAMFLIX_ALARM_HTTPS_ENDPOINTS": "https://hooks.example.com:8443/sns?team=media"},
        {"STREAMFLIX_ALARM_TOPIC_ARN": ONCALL_TOPIC},
    ],
)
def test_production_is_accepted_with_any_one_recipient(recipient: dict[str, str]) -> None:
    cfg = load_config({"STREAMFLIX_ENVIRONMENT_TIER": "Production", **recipient})
    assert cfg.environment_tier == "production"
    assert cfg.alarms.has_recipient
    assert not [w for w in config_warnings(cfg) if "alerts" in w]


def test_recipient_knobs_parse_into_the_alarm_config() -> None:
    cfg = load_config(
        {
            "STREAMFLIX_ALARM_HTTPS_ENDPOINTS": "https://a.example.com/x, https://b.example.org",
            "STREAMFLIX_ALARM_TOPIC_ARN": ONCALL_TOPIC,
        }
    )
    assert cfg.alarms.https_endpoints == ("https://a.example.com/x", "https://b.example.org")
    assert cfg.alarms.topic_arn == ONCALL_TOPIC
    assert StackConfig().environment_tier == "development"


@pytest.mark.parametrize("tier", ["development", "staging"])
def test_other_tiers_without_recipients_are_accepted_with_a_warning(tier: str) -> None:
    cfg = load_config({"STREAMFLIX_ENVIRONMENT_TIER": tier})
    (warning,) = [w for w in config_warnings(cfg) if "alerts" in w]
    assert "alerts reach no one" in warning
    assert "STREAMFLIX_ALARM_EMAILS" in warning and "STREAMFLIX_ALARM_TOPIC_ARN" in warning


def _run_main(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """main.py in a child that must fail before importing cdktf (an import hook stops it if it
    does). A hook, not a stub module in sys.modules: pydantic's attribute-docstring extraction
    (inspect.getmodule) probes every loaded module's ``__file__``, which would trip a stub."""
    probe = (
        "import sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'cdktf' or name.startswith('cdktf.'):\n"
        "            raise SystemExit('cdktf was imported')\n"
        "        return None\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "import main\n"
        "code = main.main()\n"
        "sys.exit(code)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFLIX_")}
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_recipients_is_refused_before_any_cdktf_import() -> None:
    result = _run_main({"STREAMFLIX_ENVIRONMENT_TIER": "production"})
    assert result.returncode == 2, result.stderr
    assert "STREAMFLIX_ENVIRONMENT_TIER='production'" in result.stderr
    assert "STREAMFLIX_ALARM_HTTPS_ENDPOINTS" in result.stderr
    assert "cdktf was imported" not in result.stderr


def test_main_warns_on_stderr_before_building_when_alerts_reach_no_one() -> None:
    """The child stops at the first cdktf import (stub): the warning must already be out."""
    result = _run_main({"STREAMFLIX_ENVIRONMENT_TIER": "staging"})
    assert "warning: alerts reach no one" in result.stderr
    assert result.stderr.index("warning: alerts reach no one") < result.stderr.index(
        "cdktf was imported"
    )
    quiet = _run_main({"STREAMFLIX_ALARM_EMAILS": "ops@example.com"})
    assert "alerts reach no one" not in quiet.stderr


def test_an_unpublished_worker_image_is_said_before_synthesis() -> None:
    """Issue 20 item 4: the default runs no task; the engineer is told how to turn workers on."""
    (note,) = [w for w in config_warnings(load_config({})) if "runs no task" in w]
    assert "STREAMFLIX_WORKER_IMAGE_PUBLISHED" in note
    published = load_config({"STREAMFLIX_WORKER_IMAGE_PUBLISHED": "true"})
    assert not [w for w in config_warnings(published) if "runs no task" in w]
