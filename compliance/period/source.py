"""Reading the evidence store of a period: a local folder or ``s3://bucket[/prefix]``.

Both have the layout the scheduled task writes (``core.evidence_layout``): per UTC day a folder
``runtime-evidence/<yyyy>/<mm>/<dd>/`` holding ``<run-id>.json`` (the evidence) and files of the
same run beside it (``<run-id>.design.json``: the design in force; a signature envelope when
signing is on). Each run is read and checked on its own; a run that cannot be used is kept with
the reason, so the report shows it as a deviation instead of skipping it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from compliance.collect.model import RuntimeEvidence, parse_time
from compliance.collect.store import DesignPointer, StoreError
from compliance.period.window import Period
from compliance.runtime_evidence import SCHEMA_PATH
from core.evidence_layout import day_prefix, is_run_id

S3_SCHEME = "s3://"


class SourceError(ValueError):
    """The evidence store cannot be read at all (path or bucket missing)."""


@dataclass(frozen=True)
class StoredRun:
    """One collection run as stored: its evidence, or why it cannot be used."""

    day: date
    run_id: str
    key: str
    sha256: str
    evidence: RuntimeEvidence | None
    design: DesignPointer | None
    problem: str = ""
    other_files: tuple[str, ...] = field(default=())

    @property
    def usable(self) -> bool:
        return self.evidence is not None and not self.problem


Lister = Callable[[str], list[str]]  # prefix -> keys under it
Reader = Callable[[str], bytes]


def local_source(root: Path) -> tuple[Lister, Reader]:
    if not root.is_dir():
        raise SourceError(f"--evidence-store {root}: no such folder")

    def list_keys(prefix: str) -> list[str]:
        folder = root / prefix
        return sorted(f"{prefix}{p.name}" for p in folder.iterdir()) if folder.is_dir() else []

    return list_keys, lambda key: (root / key).read_bytes()


def s3_source(uri: str, s3: Any) -> tuple[Lister, Reader]:
    bucket, _, prefix = uri.removeprefix(S3_SCHEME).partition("/")
    base = f"{prefix.rstrip('/')}/" if prefix else ""

    def list_keys(day: str) -> list[str]:
        keys: list[str] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base + day):
            keys += [str(o["Key"]).removeprefix(base) for o in page.get("Contents", [])]
        return sorted(keys)

    def read(key: str) -> bytes:
        return bytes(s3.get_object(Bucket=bucket, Key=base + key)["Body"].read())

    return list_keys, read


def open_source(spec: str, s3_client: Callable[[], Any] | None = None) -> tuple[Lister, Reader]:
    """``s3://bucket[/prefix]`` (boto3's default credentials) or a local folder."""
    if spec.startswith(S3_SCHEME):
        if s3_client is None:
            import boto3

            return s3_source(spec, boto3.client("s3"))
        return s3_source(spec, s3_client())
    return local_source(Path(spec))


def _schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _check(raw: bytes, day: date, stack_name: str | None, schema: dict[str, Any]) -> str:
    """Why this evidence file cannot stand for its day ('' when it can)."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        return f"not valid JSON: {err}"
    try:
        jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        return f"breaks the runtime-evidence schema at {where}: {err.message}"
    collected = parse_time(data["collected_at"]).date()
    if collected != day:
        return f"collected {collected.isoformat()} but stored under {day.isoformat()}"
    if stack_name is not None and data["stack_name"] != stack_name:
        return f"evidence of stack {data['stack_name']!r}, not {stack_name!r}"
    return ""


def _design(read: Reader, key: str | None) -> DesignPointer | None:
    if key is None:
        return None
    try:
        return DesignPointer.from_json(json.loads(read(key)), key)
    except (StoreError, json.JSONDecodeError):
        return None


def runs_of_day(
    day: date, list_keys: Lister, read: Reader, stack_name: str | None, schema: dict[str, Any]
) -> list[StoredRun]:
    keys = list_keys(day_prefix(datetime(day.year, day.month, day.day, tzinfo=UTC)))
    by_run: dict[str, list[str]] = {}
    for key in keys:
        run = key.rsplit("/", 1)[-1].split(".", 1)[0]
        by_run.setdefault(run, []).append(key)
    runs = []
    for run, files in sorted(by_run.items()):
        main = next((k for k in files if k.endswith(f"/{run}.json")), None)
        design_key = next((k for k in files if k.endswith(f"/{run}.design.json")), None)
        others = tuple(sorted(k for k in files if k not in (main, design_key)))
        if main is None or not is_run_id(run):
            problem = "no evidence file" if main is None else f"{run!r} is not a run id"
            runs.append(StoredRun(day, run, (main or files[0]), "", None, None, problem, others))
            continue
        raw = read(main)
        problem = _check(raw, day, stack_name, schema)
        evidence = None if problem else RuntimeEvidence.from_json(json.loads(raw))
        sha = hashlib.sha256(raw).hexdigest()
        runs.append(
            StoredRun(day, run, main, sha, evidence, _design(read, design_key), problem, others)
        )
    return runs


def load_runs(
    period: Period, list_keys: Lister, read: Reader, stack_name: str | None = None
) -> dict[date, list[StoredRun]]:
    """Every stored run of every day of the period (an empty list: nothing was stored)."""
    schema = _schema()
    return {day: runs_of_day(day, list_keys, read, stack_name, schema) for day in period.days()}


def all_runs(by_day: dict[date, list[StoredRun]]) -> Iterable[StoredRun]:
    for day in sorted(by_day):
        yield from by_day[day]
