"""Wiring: build the worker's collaborators from its configuration."""

from __future__ import annotations

from streamflix_worker.aws import AwsClients, make_clients
from streamflix_worker.config import DbSettings, WorkerConfig
from streamflix_worker.context import WorkerContext
from streamflix_worker.credentials import Credentials, CredentialSource, IamTokenSource
from streamflix_worker.database import Database
from streamflix_worker.deadletter import DeadLetterSink
from streamflix_worker.processor import JobProcessor, S3MediaProcessor
from streamflix_worker.telemetry import Telemetry, make_logger


def credentials_for(settings: DbSettings, clients: AwsClients, region: str) -> Credentials:
    """IAM token for the deployed worker's own login, or the secret (migrate, stand-ins)."""
    if settings.auth == "iam":
        return IamTokenSource(clients.rds, settings.host, settings.port, settings.user, region)
    return CredentialSource(clients.secretsmanager, settings.secret_arn)


def build_context(config: WorkerConfig, processor: JobProcessor | None = None) -> WorkerContext:
    """Create clients, database access and sinks; ``processor`` overrides media work (bench)."""
    clients = make_clients(config.aws_region)
    credentials = credentials_for(config.db, clients, config.aws_region)
    logger = make_logger(config.worker_id, config.environment)
    database = Database(config.db, credentials, config.worker_id, logger=logger)
    return WorkerContext(
        config=config,
        kinesis=clients.kinesis,
        database=database,
        processor=processor or S3MediaProcessor(clients.s3, config.scratch_dir),
        sink=DeadLetterSink(
            clients.sqs,
            clients.sns,
            config.dlq_url,
            config.alert_topic_arn,
            config.environment,
            config.dlq_max_message_bytes,
        ),
        telemetry=Telemetry(config.metrics_namespace, config.environment),
        logger=logger,
    )
