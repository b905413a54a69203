"""Rejected values: for every knob, values that break its own rule (``INVALID``; a new knob adds
its strategy here, and tests/lib/config/test_rejected.py fails until it does)."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from tests.lib.config.aws_limits import EU_MEMBER_REGIONS, FARGATE_CPUS
from tests.lib.config.strategies import emails

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
