"""The shard planner: smallest shard count that keeps peak x headroom under every limit."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.capacity import (
    DEFAULT_SHARD_QUOTA,
    READ_BYTES_PER_SHARD,
    WRITE_BYTES_PER_SHARD,
    WRITE_RECORDS_PER_SHARD,
    CapacityError,
    ShardPlan,
    plan_shards,
)

loads = st.tuples(
    st.floats(min_value=0.1, max_value=50_000, allow_nan=False),
    st.integers(min_value=1, max_value=1024 * 1024),
    st.floats(min_value=1.0, max_value=10.0, allow_nan=False),
    st.integers(min_value=1, max_value=5),
)


def _fits(shards: int, rate: float, size: int, headroom: float, consumers: int) -> bool:
    records = rate * headroom
    return (
        records <= shards * WRITE_RECORDS_PER_SHARD
        and records * size <= shards * WRITE_BYTES_PER_SHARD
        and records * size * consumers <= shards * READ_BYTES_PER_SHARD
    )


@given(loads)
def test_planned_shards_serve_the_load_and_one_fewer_would_not(load: tuple) -> None:
    rate, size, headroom, consumers = load
    try:
        plan = plan_shards(rate, size, headroom, consumers)
    except CapacityError:
        # Only refused when the load really needs more than the quota.
        assert not _fits(DEFAULT_SHARD_QUOTA, rate, size, headroom, consumers)
        return
    assert _fits(plan.shards, rate, size, headroom, consumers)
    assert plan.shards == 1 or not _fits(plan.shards - 1, rate, size, headroom, consumers)


@given(loads, st.floats(min_value=1.0, max_value=3.0))
def test_more_load_never_needs_fewer_shards(load: tuple, factor: float) -> None:
    rate, size, headroom, consumers = load
    try:
        more = plan_shards(rate * factor, size, headroom, consumers)
    except CapacityError:
        return
    assert plan_shards(rate, size, headroom, consumers).shards <= more.shards


def test_record_count_binds_small_records() -> None:
    plan = plan_shards(1500, 100, 1.0)
    assert plan.shards == 2 and plan.binding_limit.startswith("write records")


def test_bytes_bind_large_records() -> None:
    plan = plan_shards(10, 500_000, 1.0)
    assert plan.shards == math.ceil(10 * 500_000 / WRITE_BYTES_PER_SHARD)
    assert plan.binding_limit.startswith("write bytes")


def test_extra_consumers_add_read_shards() -> None:
    single = plan_shards(100, 10_000, 1.0, consumers=1)
    many = plan_shards(100, 10_000, 1.0, consumers=5)
    assert many.shards > single.shards
    assert many.binding_limit.startswith("read bytes")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 100, 1.0), "peak_records_per_second"),
        ((10, 0, 1.0), "record_size_bytes"),
        ((10, 2 * 1024 * 1024, 1.0), "record_size_bytes"),
        ((10, 100, 0.5), "headroom"),
        ((1_000_000, 1000, 1.0), "default account quota"),
    ],
)
def test_impossible_loads_are_refused_with_the_reason(args: tuple, message: str) -> None:
    with pytest.raises(CapacityError, match=message):
        plan_shards(*args)


@given(loads, st.integers(min_value=1, max_value=20))
def test_the_parallelism_floor_raises_the_plan_but_never_lowers_it(load: tuple, floor: int) -> None:
    """Issue 12 item 11: at least ``min_shards`` shards, so that many workers can share a load."""
    rate, size, headroom, consumers = load
    try:
        by_load = plan_shards(rate, size, headroom, consumers).shards
    except CapacityError:
        return
    plan = plan_shards(rate, size, headroom, consumers, min_shards=floor)
    assert plan.shards == max(by_load, floor)
    if floor > by_load:
        assert plan.binding_limit.startswith("parallelism floor")


def test_a_floor_below_one_is_refused() -> None:
    with pytest.raises(CapacityError, match="min_shards"):
        plan_shards(1, 1, 1, 1, min_shards=0)


# Boundaries, written as AWS states them (Kinesis Data Streams quotas), not through lib.capacity's
# constants: a test that reuses the constant under test cannot see it change.
MIB = 1_048_576


def test_a_one_mib_record_is_the_largest_accepted_and_fills_one_shard() -> None:
    assert plan_shards(1, MIB, 1.0).shards == 1
    with pytest.raises(CapacityError, match="record_size_bytes must be between 1 and 1048576"):
        plan_shards(1, MIB + 1, 1.0)


def test_one_shard_takes_exactly_one_mib_per_second_of_writes() -> None:
    assert plan_shards(2, MIB // 2, 1.0).write_bytes_shards == 1
    plan = plan_shards(2, MIB // 2 + 1, 1.0)
    assert (plan.shards, plan.write_bytes_shards) == (2, 2)
    assert plan.binding_limit.startswith("write bytes")


def test_one_shard_takes_exactly_1000_records_per_second() -> None:
    assert plan_shards(1000, 1, 1.0).shards == 1
    plan = plan_shards(1001, 1, 1.0)
    assert (plan.shards, plan.write_records_shards) == (2, 2)
    assert plan.binding_limit.startswith("write records")
    assert plan_shards(500, 1, 2.0).shards == 1  # headroom multiplies the rate
    assert plan_shards(500.5, 1, 2.0).shards == 2


def test_reads_are_two_mib_per_second_per_shard_shared_by_consumers() -> None:
    assert plan_shards(2, MIB, 1.0).read_bytes_shards == 1  # one consumer unless told
    # 1 MiB/s written and read by 2 consumers is exactly 2 MiB/s of reads: one shard
    assert plan_shards(1, MIB, 1.0, consumers=2).read_bytes_shards == 1
    plan = plan_shards(1, MIB, 1.0, consumers=3)
    assert (plan.shards, plan.read_bytes_shards, plan.write_bytes_shards) == (2, 2, 1)
    assert plan.binding_limit.startswith("read bytes")


def test_the_200_shard_quota_is_reached_but_not_exceeded() -> None:
    assert plan_shards(200_000, 1, 1.0).shards == 200
    with pytest.raises(CapacityError) as caught:
        plan_shards(200_001, 1, 1.0)
    assert str(caught.value) == (
        "201 shards exceed the default account quota of 200; "
        "use STREAMFLIX_KINESIS_CAPACITY_MODE=ON_DEMAND or raise the quota first"
    )
    assert plan_shards(1, 1, 1.0, min_shards=200).shards == 200  # a floor at the quota is allowed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"consumers": 0}, "consumers must be >= 1"),
        ({"min_shards": 0}, "min_shards must be >= 1"),
        ({"headroom": 0.999}, "headroom must be >= 1"),
        ({"peak_records_per_second": 0}, "peak_records_per_second must be > 0"),
        ({"record_size_bytes": 0}, "record_size_bytes must be between 1 and 1048576"),
    ],
)
def test_the_lowest_refused_values_are_refused_with_the_rule(
    kwargs: dict[str, float], message: str
) -> None:
    args: dict[str, float] = {"peak_records_per_second": 1, "record_size_bytes": 1, "headroom": 1.0}
    with pytest.raises(CapacityError, match=f"^{re.escape(message)}$"):
        plan_shards(**{**args, **kwargs})


def test_the_lowest_accepted_values_plan_one_shard() -> None:
    plan = plan_shards(0.001, 1, 1.0)
    assert plan == ShardPlan(1, 1, 1, 1, 1)
    assert plan_shards(0.001, 1, 1.0, consumers=1, min_shards=1) == plan
    assert plan.binding_limit.startswith("write bytes")  # a tie names the first limit
