"""boto3 clients with timeouts and retries suited to a long-running worker.

Endpoints come from the standard variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KINESIS ...),
which boto3 honours itself, so local stand-ins need no code path of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config


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


def make_clients(region: str) -> AwsClients:
    """One session per process; botocore clients are thread-safe."""
    session = boto3.session.Session(region_name=region)
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
