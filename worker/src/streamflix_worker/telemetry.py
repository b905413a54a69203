"""Structured JSON logs and CloudWatch EMF metrics on stdout (Powertools, outside Lambda).

The metric names, namespace and the single ``Environment`` dimension are the contract with the
stack's alarms and dashboard (``streamflix_worker.contract``). Powertools would add a
``service`` dimension when a service name is set, so the service is forced empty; metrics are
flushed explicitly since there is no Lambda handler.
"""

from __future__ import annotations

import json
import threading
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from streamflix_worker.contract import METRIC_DIMENSION, Metric, Unit, metrics_in

COUNTS = metrics_in(Unit.COUNT)
MILLIS = metrics_in(Unit.MILLISECONDS)
_COUNT_NAMES = frozenset(COUNTS)
_MILLIS_NAMES = frozenset(MILLIS)
EMF_MAX_VALUES = 100  # values per metric in one EMF document (CloudWatch EMF specification)


def make_logger(worker_id: str, environment: str) -> Logger:
    """JSON logger; every line carries the worker id and environment."""
    logger = Logger(service="streamflix-worker", level="INFO")
    logger.append_keys(worker_id=worker_id, environment=environment)
    return logger


class Telemetry:
    """Thread-safe metric recording; ``flush`` prints the EMF documents (Powertools format).

    Values are buffered in plain lists and handed to Powertools' serializer only at ``flush``:
    its ``add_metric`` validates name, unit and resolution on every call, which cost ~8 us per
    processed job, more than the rest of the job's bookkeeping (bench/worker_throughput.py
    --profile). EMF takes at most 100 values per metric in one document, so a flush prints
    one document per 100 values of the busiest metric.
    """

    def __init__(self, namespace: str, environment: str) -> None:
        self._lock = threading.Lock()
        self._metrics = Metrics(namespace=namespace, service="")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Powertools shares metric state between instances
            self._metrics.set_default_dimensions(**{METRIC_DIMENSION: environment})
        self._values: dict[Metric, list[float]] = {}

    def count(self, name: Metric, value: float = 1) -> None:
        if name not in _COUNT_NAMES:
            raise ValueError(f"unknown count metric {name}")
        self._add(name, value)

    def millis(self, name: Metric, *values: float) -> None:
        """Record one or more values (a batch's latencies in one call)."""
        if name not in _MILLIS_NAMES:
            raise ValueError(f"unknown milliseconds metric {name}")
        self._add(name, *values)

    def _add(self, name: Metric, *values: float) -> None:
        with self._lock:
            self._values.setdefault(name, []).extend(float(v) for v in values)

    def flush(self) -> None:
        with self._lock:
            values, self._values = self._values, {}
        if not values or is_metrics_disabled():
            return
        longest = max(len(v) for v in values.values())
        for start in range(0, longest, EMF_MAX_VALUES):
            chunk = {
                str(name): {
                    "Unit": name.unit.value,
                    "StorageResolution": 60,
                    "Value": v[start : start + EMF_MAX_VALUES],
                }
                for name, v in values.items()
                if len(v) > start
            }
            document = self._metrics.serialize_metric_set(metrics=chunk)
            print(json.dumps(document, separators=(",", ":")))
