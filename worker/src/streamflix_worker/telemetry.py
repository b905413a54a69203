"""Structured JSON logs and CloudWatch EMF metrics on stdout (Powertools, outside Lambda).

The metric names, namespace and the single ``Environment`` dimension are a contract with the
stack's alarms. Powertools would add a ``service`` dimension when a service name is set, so the
service is forced empty; metrics are flushed explicitly since there is no Lambda handler.
"""

from __future__ import annotations

import threading
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

JOBS_PROCESSED = "JobsProcessed"
JOBS_FAILED = "JobsFailed"
JOBS_RETRIED = "JobsRetried"
JOBS_DEAD_LETTERED = "JobsDeadLettered"
JOBS_DUPLICATE = "JobsDuplicate"  # requests for a video already in progress or done
PROCESSING_LATENCY = "ProcessingLatency"
MILLIS_BEHIND_LATEST = "MillisBehindLatest"

COUNTS = (JOBS_PROCESSED, JOBS_FAILED, JOBS_RETRIED, JOBS_DEAD_LETTERED, JOBS_DUPLICATE)
MILLIS = (PROCESSING_LATENCY, MILLIS_BEHIND_LATEST)


def make_logger(worker_id: str, environment: str) -> Logger:
    """JSON logger; every line carries the worker id and environment."""
    logger = Logger(service="streamflix-worker", level="INFO")
    logger.append_keys(worker_id=worker_id, environment=environment)
    return logger


class Telemetry:
    """Thread-safe metric recording; ``flush`` prints one EMF document per call."""

    def __init__(self, namespace: str, environment: str) -> None:
        self._lock = threading.Lock()
        self._metrics = Metrics(namespace=namespace, service="")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Powertools shares metric state between instances
            self._metrics.set_default_dimensions(Environment=environment)
        self._pending = False

    def count(self, name: str, value: float = 1) -> None:
        if name not in COUNTS:
            raise ValueError(f"unknown count metric {name}")
        self._add(name, MetricUnit.Count, value)

    def millis(self, name: str, value: float) -> None:
        if name not in MILLIS:
            raise ValueError(f"unknown milliseconds metric {name}")
        self._add(name, MetricUnit.Milliseconds, value)

    def _add(self, name: str, unit: MetricUnit, value: float) -> None:
        with self._lock:
            self._metrics.add_metric(name=name, unit=unit, value=value)
            self._pending = True

    def flush(self) -> None:
        with self._lock:
            if not self._pending:
                return
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._metrics.flush_metrics()
            self._pending = False
