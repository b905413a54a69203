"""boto3 clients with timeouts and retries suited to a long-running worker.

Endpoints come from the standard variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KINESIS ...),
which boto3 honours itself, so local stand-ins need no code path of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.utils import parse_timestamp


@dataclass(frozen=True)
class AwsClients:
    kinesis: Any
    s3: Any
    sqs: Any
    sns: Any
    secretsmanager: Any
    rds: Any  # only signs IAM auth tokens locally; the worker calls no RDS API


def client_config() -> Config:
    """Timeouts and retries for every client we build (the worker's and the operator tools')."""
    return Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=32,
    )


def parse_response_timestamp(value: Any) -> datetime:
    """botocore's timestamp parser with a fast path for epoch numbers.

    Kinesis GetRecords carries one (``ApproximateArrivalTimestamp``) per record; botocore's
    default builds a ``dateutil`` local time zone for each, ~6.7 us a record, a tenth of the
    worker's CPU per record (bench/worker_throughput.py --profile). Same instant, in UTC.
    """
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return parse_timestamp(value)  # type: ignore[no-any-return]


def make_clients(region: str) -> AwsClients:
    """One session per process; botocore clients are thread-safe."""
    core = botocore.session.get_session()
    # "response_parser_factory" is the component botocore builds every client's parser from.
    core.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=parse_response_timestamp
    )
    session = boto3.session.Session(region_name=region, botocore_session=core)
    config = client_config()

    def client(name: str) -> Any:
        return session.client(name, config=config)

    return AwsClients(
        kinesis=client("kinesis"),
        s3=client("s3"),
        sqs=client("sqs"),
        sns=client("sns"),
        secretsmanager=client("secretsmanager"),
        rds=client("rds"),
    )
