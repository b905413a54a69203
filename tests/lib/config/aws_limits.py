"""AWS limits and our policy floors, restated from the AWS documentation (not imported from
lib.config), so that an accepted configuration can be checked against them independently."""

from __future__ import annotations

import ipaddress
import re

from lib.capacity import CapacityError, plan_shards
from lib.config import StackConfig

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
