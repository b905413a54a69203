"""The shard planner: smallest shard count that keeps peak x headroom under every limit."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.capacity import (
    DEFAULT_SHARD_QUOTA,
    READ_BYTES_PER_SHARD,
    WRITE_BYTES_PER_SHARD,
    WRITE_RECORDS_PER_SHARD,
    CapacityError,
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
