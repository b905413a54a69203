"""Kinesis shard sizing from a declared peak.

Per shard, Kinesis accepts 1 MiB/s or 1,000 records/s of writes and serves 2 MiB/s of reads
shared by all standard (non-EFO) consumers. The shard count is the smallest that keeps the
declared peak times the burst headroom under every one of those limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WRITE_BYTES_PER_SHARD = 1024 * 1024
WRITE_RECORDS_PER_SHARD = 1000
READ_BYTES_PER_SHARD = 2 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024
DEFAULT_SHARD_QUOTA = 200  # default per-account provisioned shard quota in eu-central-1 (soft)


class CapacityError(ValueError):
    """The declared load cannot be served within the limits."""


@dataclass(frozen=True)
class ShardPlan:
    shards: int
    write_bytes_shards: int
    write_records_shards: int
    read_bytes_shards: int
    min_shards: int = 1

    @property
    def binding_limit(self) -> str:
        limits = {
            "write bytes (1 MiB/s/shard)": self.write_bytes_shards,
            "write records (1,000/s/shard)": self.write_records_shards,
            "read bytes (2 MiB/s/shard, shared by consumers)": self.read_bytes_shards,
            "parallelism floor (one worker per shard)": self.min_shards,
        }
        return max(limits, key=lambda k: limits[k])


def plan_shards(
    peak_records_per_second: float,
    record_size_bytes: int,
    headroom: float,
    consumers: int = 1,
    min_shards: int = 1,
) -> ShardPlan:
    """Smallest shard count serving ``peak * headroom`` under every per-shard limit, and at
    least ``min_shards``: a shard is read by one worker at a time, so the shard count is also
    the most workers that can share the load (a 1-shard stream leaves autoscaling no room)."""
    if peak_records_per_second <= 0:
        raise CapacityError("peak_records_per_second must be > 0")
    if not 1 <= record_size_bytes <= MAX_RECORD_BYTES:
        raise CapacityError(f"record_size_bytes must be between 1 and {MAX_RECORD_BYTES}")
    if headroom < 1:
        raise CapacityError("headroom must be >= 1")
    if consumers < 1:
        raise CapacityError("consumers must be >= 1")
    if min_shards < 1:
        raise CapacityError("min_shards must be >= 1")
    records = peak_records_per_second * headroom
    write_bytes = records * record_size_bytes
    by_write_bytes = math.ceil(write_bytes / WRITE_BYTES_PER_SHARD)
    by_write_records = math.ceil(records / WRITE_RECORDS_PER_SHARD)
    by_read_bytes = math.ceil(write_bytes * consumers / READ_BYTES_PER_SHARD)
    shards = max(min_shards, by_write_bytes, by_write_records, by_read_bytes)
    if shards > DEFAULT_SHARD_QUOTA:
        raise CapacityError(
            f"{shards} shards exceed the default account quota of {DEFAULT_SHARD_QUOTA}; "
            "use STREAMFLIX_KINESIS_CAPACITY_MODE=ON_DEMAND or raise the quota first"
        )
    return ShardPlan(shards, by_write_bytes, by_write_records, by_read_bytes, min_shards)
