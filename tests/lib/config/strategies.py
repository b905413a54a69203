"""Accepted configurations: hypothesis strategies drawing every knob over its whole allowed
space, consistent across related knobs (a new knob adds its accepted value to ``accepted_envs``)."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from lib.config import KNOBS_BY_ENV
from tests.lib.config.aws_limits import (
    EU_MEMBER_REGIONS,
    FARGATE_256_MIB,
    FARGATE_CPUS,
    FARGATE_RANGES,
    ON_DEMAND_START_SHARDS,
    RESERVED,
    shards_for,
)
from tests.lib.test_naming import valid_suffixes

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
