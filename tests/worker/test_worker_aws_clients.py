"""The worker's boto3 clients parse response timestamps on a fast path (issue 16 item 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamflix_devtools.standins import REGION, StandIns
from streamflix_worker.aws import make_clients, parse_response_timestamp


def test_epoch_numbers_become_utc_datetimes_and_strings_still_parse() -> None:
    assert parse_response_timestamp(1_700_000_000.5) == datetime(
        2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC
    )
    assert parse_response_timestamp(0).tzinfo is UTC
    parsed = parse_response_timestamp("2026-12-02T10:00:00Z")
    assert parsed == datetime(2026, 12, 2, 10, tzinfo=UTC)


@pytest.mark.services
def test_kinesis_client_uses_the_fast_timestamp_parser(standins: StandIns) -> None:
    stack = standins.new_stack(shards=1)
    kinesis = make_clients(REGION).kinesis
    kinesis.put_record(StreamName=stack.stream_name, Data=b"x", PartitionKey="p")
    shard = kinesis.list_shards(StreamName=stack.stream_name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stack.stream_name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    (record,) = kinesis.get_records(ShardIterator=iterator)["Records"]
    arrived = record["ApproximateArrivalTimestamp"]
    assert arrived.tzinfo is UTC  # botocore's default parser answers in tzlocal()
    assert abs(datetime.now(UTC) - arrived) < timedelta(minutes=5)
