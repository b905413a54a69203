"""Where a worker's CPU per record goes: cProfile dumps grouped by library.

The benchmark's ``--profile`` run writes one dump per worker thread (consumer, prefetch), timed
with each thread's own CPU clock, so waiting on a socket or a lock costs nothing here. Self time
("tottime") is grouped by the library the function belongs to, then the top functions are listed;
both in microseconds per record.
"""

from __future__ import annotations

import pstats
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

# First match wins; matched against "<file>:<function>" (C functions have file "~").
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("powertools metrics / logger", ("aws_lambda_powertools",)),
    ("logging", ("/logging/",)),
    ("pydantic (request schema)", ("pydantic",)),
    ("psycopg (database client)", ("psycopg", "PGconn", "pq_")),
    ("json (encode/decode)", ("/json/", "_json", "json.")),
    ("dateutil (timestamps)", ("dateutil",)),
    (
        "botocore / urllib3 / http (AWS calls, response parsing)",
        ("botocore", "urllib3", "/http/", "/email/", "socket", "ssl", "base64", "hmac", "hashlib"),
    ),
    ("streamflix_worker (own code)", ("streamflix_worker",)),
    ("threads / queues / time", ("threading", "concurrent", "queue", "time.", "_thread")),
)


# Stages of one batch, cumulative CPU (a stage includes what it calls, so they overlap).
STAGES: tuple[tuple[str, str, str], ...] = (
    ("GetRecords call + botocore parsing (prefetch thread)", "consumer.py", "_get_records"),
    ("parse + validate records (schema.py, pydantic)", "consumer.py", "_parse_batch"),
    ("claim transaction (store.claim + round trip)", "store.py", "claim"),
    ("jobs: _run_job (stubbed media) incl. stats", "consumer.py", "_run_job"),
    ("commit transaction (store.complete + checkpoint)", "consumer.py", "_commit"),
    ("  of which store.complete", "store.py", "complete"),
    ("metrics per batch (_emit -> telemetry)", "consumer.py", "_emit"),
    ("whole batch (_handle_batch)", "consumer.py", "_handle_batch"),
)


def group_of(file: str, function: str) -> str:
    where = f"{file}:{function}"
    for name, needles in GROUPS:
        if any(n in where for n in needles):
            return name
    return "other (builtins, dataclasses, uuid, ...)"


def summarize(dumps: Sequence[Path], records: int, top: int = 25) -> str:
    """A per-library table and the ``top`` functions by self time, per record."""
    if not dumps:
        return "no profile dumps"
    stats = pstats.Stats(*[str(p) for p in dumps])
    table = stats.stats  # type: ignore[attr-defined]
    per_group: dict[str, float] = defaultdict(float)
    rows = []
    for (file, line, function), (_cc, calls, tottime, cumtime, _callers) in table.items():
        per_group[group_of(file, function)] += tottime
        rows.append((tottime, cumtime, calls, f"{Path(file).name}:{line}:{function}"))
    total = sum(per_group.values())
    us = 1e6 / records
    lines = [
        f"profiled CPU: {total:.2f} s over {records} records = {total * us:.1f} us/record",
        "",
        f"{'self CPU by library':60} {'us/record':>10} {'share':>7}",
    ]
    for name, seconds in sorted(per_group.items(), key=lambda kv: -kv[1]):
        lines.append(f"{name:60} {seconds * us:10.1f} {seconds / total:7.1%}")
    cumulative: dict[tuple[str, str], float] = defaultdict(float)
    for (file, _line, function), (_cc, _calls, _tt, cumtime, _callers) in table.items():
        cumulative[(Path(file).name, function)] += cumtime
    lines += ["", f"{'stage (cumulative CPU)':60} {'us/record':>10}"]
    for label, file, function in STAGES:
        lines.append(f"{label:60} {cumulative.get((file, function), 0.0) * us:10.1f}")
    lines += ["", f"top {top} functions by self CPU (us/record self, cumulative; calls/record):"]
    for tottime, cumtime, calls, where in sorted(rows, reverse=True)[:top]:
        lines.append(
            f"  {tottime * us:8.1f} {cumtime * us:9.1f} {calls / records:7.2f}  {where[:100]}"
        )
    return "\n".join(lines)
