"""The collaborators a worker process wires together once and shares between threads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from streamflix_worker.config import WorkerConfig
from streamflix_worker.database import Database
from streamflix_worker.deadletter import DeadLetterSink
from streamflix_worker.processor import JobProcessor
from streamflix_worker.telemetry import Telemetry


@dataclass(frozen=True)
class WorkerContext:
    """Immutable wiring: config, clients, database, processor, sinks, telemetry."""

    config: WorkerConfig
    kinesis: Any
    database: Database
    processor: JobProcessor
    sink: DeadLetterSink
    telemetry: Telemetry
    logger: Logger
