"""The worker <-> infrastructure contract, as the stack reads it.

The contract lives in the worker package (``worker/src/streamflix_worker/contract.py``) because
the worker image is built from ``worker/`` alone; this module makes it importable for ``lib``
from any entry point (``python main.py``, ``cdktf synth``, the gate, scripts), not only where
``worker/src`` is already on the path (pytest, mypy). The contract module imports the standard
library only, so this costs the synthesizer nothing of the worker's dependencies.
"""

from __future__ import annotations

import sys
from pathlib import Path

WORKER_SRC = Path(__file__).resolve().parent.parent / "worker" / "src"
if str(WORKER_SRC) not in sys.path:
    sys.path.append(str(WORKER_SRC))  # appended: an installed copy would still win

from streamflix_worker.contract import (  # noqa: E402
    LEFT_TO_DEFAULT,
    METRIC_DIMENSION,
    METRICS_NAMESPACE,
    MIGRATE_TASK_ONLY,
    READ_BY_RUNTIME,
    RUN_TASK_ONLY,
    WORKER_DB_USER,
    Env,
    JobOutcome,
    Metric,
    Status,
    Unit,
    metrics_in,
    set_by_migrate_task,
    set_by_run_task,
)

__all__ = [
    "LEFT_TO_DEFAULT",
    "METRICS_NAMESPACE",
    "METRIC_DIMENSION",
    "MIGRATE_TASK_ONLY",
    "READ_BY_RUNTIME",
    "RUN_TASK_ONLY",
    "WORKER_DB_USER",
    "Env",
    "JobOutcome",
    "Metric",
    "Status",
    "Unit",
    "metrics_in",
    "set_by_migrate_task",
    "set_by_run_task",
]
