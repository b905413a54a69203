"""Rules that tie two knobs together, each reported against the knob to change."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lib.capacity import CapacityError
from lib.config.alarms import ALARM_RECIPIENT_KNOBS
from lib.config.base import Violation
from lib.config.compute import FARGATE_SIZES
from lib.config.database import AUTO_PAUSE_MIN_MINOR, ENGINE_VERSION_PATTERN
from lib.config.ingestion import ON_DEMAND_INITIAL_SHARDS, shard_plan
from lib.config.settings import KNOBS_BY_ENV, StackConfig
from lib.config_fields import fmt


@dataclass(frozen=True)
class Relation:
    """A rule over the whole config; ``problem`` names the other knob and its value."""

    knob: str
    rule: str  # as the docs show it
    problem: Callable[[StackConfig], str | None]

    def check(self, cfg: StackConfig) -> Violation | None:
        problem = self.problem(cfg)
        if problem is None:
            return None
        value = fmt(KNOBS_BY_ENV[self.knob].value_in(cfg))
        return Violation(self.knob, value, f"{problem}; rule: {self.rule}")


def open_shards(cfg: StackConfig) -> int | None:
    """Shards the stream starts with: the planner's count, or 4 for a new on-demand stream
    (None when a provisioned load cannot be served; that has its own rule)."""
    if cfg.stream.capacity_mode != "PROVISIONED":
        return ON_DEMAND_INITIAL_SHARDS
    try:
        return shard_plan(cfg.stream).shards
    except CapacityError:
        return None


def _capacity_problem(cfg: StackConfig) -> str | None:
    if cfg.stream.capacity_mode != "PROVISIONED":
        return None
    try:
        shard_plan(cfg.stream)
    except CapacityError as err:
        return f"cannot be served by provisioned shards: {err}"
    return None


def _auto_pause_problem(cfg: StackConfig) -> str | None:
    db = cfg.database
    match = ENGINE_VERSION_PATTERN.match(db.engine_version)
    if db.min_acu == 0 and match and int(match.group(1)) < AUTO_PAUSE_MIN_MINOR:
        return (
            f"0 ACU needs auto-pause, which STREAMFLIX_DB_ENGINE_VERSION={db.engine_version} lacks"
        )
    return None


def _min_over_auto_max(cfg: StackConfig) -> str | None:
    """With an automatic maximum (= open shards), the minimum must fit under it."""
    shards, worker = open_shards(cfg), cfg.worker
    if worker.max_tasks is None and shards is not None and worker.min_tasks > shards:
        return (
            f"exceeds the {shards} shard(s) the stream starts with, which is the maximum while "
            "STREAMFLIX_WORKER_MAX_TASKS is auto"
        )
    return None


def _max_over_shards(cfg: StackConfig) -> str | None:
    """A provisioned stream keeps its shard count: more consumers than shards would sit idle."""
    shards, worker = open_shards(cfg), cfg.worker
    provisioned = cfg.stream.capacity_mode == "PROVISIONED"
    if provisioned and shards is not None and (worker.max_tasks or 0) > shards:
        return f"exceeds the {shards} shard(s) the planner gives the stream"
    return None


def _s3_only(knob: str) -> Relation:
    """A state-backend setting given with the local backend is a misconfiguration, not a no-op."""
    spec = KNOBS_BY_ENV[knob]

    def problem(cfg: StackConfig) -> str | None:
        if cfg.backend.kind != "s3" and spec.value_in(cfg) != spec.default:
            return "is set, but STREAMFLIX_STATE_BACKEND is local"
        return None

    return Relation(knob, "only with STREAMFLIX_STATE_BACKEND=s3", problem)


def _at_most(knob_env: str, bound_env: str) -> Relation:
    """``knob_env`` <= ``bound_env``, reported against ``knob_env``."""
    spec, bound = KNOBS_BY_ENV[knob_env], KNOBS_BY_ENV[bound_env]

    def problem(cfg: StackConfig) -> str | None:
        above = spec.value_in(cfg) > bound.value_in(cfg)
        return f"is above {bound_env}={fmt(bound.value_in(cfg))}" if above else None

    return Relation(knob_env, f"{knob_env} <= {bound_env}", problem)


RELATIONS: tuple[Relation, ...] = (
    _at_most("STREAMFLIX_DB_MIN_ACU", "STREAMFLIX_DB_MAX_ACU"),
    Relation(
        "STREAMFLIX_DB_MIN_ACU",
        f"0 ACU only with STREAMFLIX_DB_ENGINE_VERSION >= 16.{AUTO_PAUSE_MIN_MINOR}",
        _auto_pause_problem,
    ),
    Relation(
        "STREAMFLIX_WORKER_MEMORY_MIB",
        "a memory size Fargate offers for STREAMFLIX_WORKER_CPU",
        lambda c: (
            None
            if c.worker.memory_mib in FARGATE_SIZES[c.worker.cpu]
            else f"is not offered with STREAMFLIX_WORKER_CPU={c.worker.cpu} (allowed: "
            f"{', '.join(map(str, FARGATE_SIZES[c.worker.cpu]))})"
        ),
    ),
    Relation(
        "STREAMFLIX_WORKER_MAX_TASKS",
        "STREAMFLIX_WORKER_MIN_TASKS <= STREAMFLIX_WORKER_MAX_TASKS",
        lambda c: (
            f"is below STREAMFLIX_WORKER_MIN_TASKS={c.worker.min_tasks}"
            if c.worker.min_tasks > (c.worker.max_tasks or math.inf)
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_WORKER_MIN_TASKS",
        "with STREAMFLIX_WORKER_MAX_TASKS=auto, at most the shards the stream starts with "
        f"(the planner's count; {ON_DEMAND_INITIAL_SHARDS} for ON_DEMAND)",
        _min_over_auto_max,
    ),
    Relation(
        "STREAMFLIX_WORKER_MAX_TASKS",
        "with PROVISIONED capacity, at most one task per planned shard",
        _max_over_shards,
    ),
    _at_most("STREAMFLIX_FARGATE_BASE", "STREAMFLIX_WORKER_MIN_TASKS"),
    Relation(
        "STREAMFLIX_FARGATE_SPOT_WEIGHT",
        "STREAMFLIX_FARGATE_WEIGHT and STREAMFLIX_FARGATE_SPOT_WEIGHT are not both 0",
        lambda c: (
            "is 0, and so is STREAMFLIX_FARGATE_WEIGHT"
            if c.worker.fargate_weight + c.worker.fargate_spot_weight == 0
            else None
        ),
    ),
    _at_most("STREAMFLIX_RETRY_BASE_BACKOFF_MS", "STREAMFLIX_RETRY_MAX_BACKOFF_MS"),
    Relation(
        "STREAMFLIX_PEAK_UPLOADS_PER_SECOND",
        "with PROVISIONED capacity, the planned shards fit the account's default quota",
        _capacity_problem,
    ),
    Relation(
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS",
        "below STREAMFLIX_KINESIS_RETENTION_HOURS (the alarm must fire before records expire)",
        lambda c: (
            f"is not below STREAMFLIX_KINESIS_RETENTION_HOURS={c.stream.retention_hours}"
            if c.alarms.iterator_age_ms >= c.stream.retention_hours * 3_600_000
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_STATE_BUCKET",
        "set when STREAMFLIX_STATE_BACKEND=s3",
        lambda c: (
            "is empty, but STREAMFLIX_STATE_BACKEND is s3"
            if c.backend.kind == "s3" and not c.backend.s3_bucket
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_ENVIRONMENT_TIER",
        "production needs at least one of " + ", ".join(ALARM_RECIPIENT_KNOBS),
        lambda c: (
            f"is production, but {', '.join(ALARM_RECIPIENT_KNOBS)} are all empty: alerts "
            "would reach no one"
            if c.environment_tier == "production" and not c.alarms.has_recipient
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS",
        "at least STREAMFLIX_AUDIT_PERIOD_DAYS (evidence must outlive the period it covers)",
        lambda c: (
            f"is below STREAMFLIX_AUDIT_PERIOD_DAYS={c.evidence.audit_period_days}"
            if c.evidence.lock_days < c.evidence.audit_period_days
            else None
        ),
    ),
    Relation(
        "STREAMFLIX_TRAIL_ARCHIVE_DAYS",
        "at least STREAMFLIX_AUDIT_PERIOD_DAYS + STREAMFLIX_AUDIT_WINDOW_DAYS (the period can "
        "be re-performed from the trail)",
        lambda c: (
            f"is below STREAMFLIX_AUDIT_PERIOD_DAYS + STREAMFLIX_AUDIT_WINDOW_DAYS="
            f"{c.evidence.audit_period_days + c.evidence.audit_window_days}"
            if c.evidence.archive_days < c.evidence.audit_period_days + c.evidence.audit_window_days
            else None
        ),
    ),
    _s3_only("STREAMFLIX_STATE_BUCKET"),
    _s3_only("STREAMFLIX_STATE_KEY_PREFIX"),
    _s3_only("STREAMFLIX_STATE_REGION"),
    _s3_only("STREAMFLIX_STATE_LOCK_TABLE"),
)
