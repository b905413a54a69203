"""The Kinesis stream knobs and the shard plan they give (capacity, retention)."""

from __future__ import annotations

from typing import Annotated

from lib.capacity import DEFAULT_SHARD_QUOTA, ShardPlan, plan_shards
from lib.config.base import Section
from lib.config_fields import Integer, Number, Upper, knob, one_of

# A new on-demand stream starts with 4 shards (4 MB/s of writes) and grows from there.
ON_DEMAND_INITIAL_SHARDS = 4


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


def shard_plan(stream: StreamConfig) -> ShardPlan:
    """The planner's answer for a provisioned stream (raises CapacityError)."""
    return plan_shards(
        stream.peak_uploads_per_second,
        stream.record_size_bytes,
        stream.burst_headroom,
        stream.consumers,
        stream.min_shards,
    )
