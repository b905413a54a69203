"""What changing each knob does to a live (deployed) environment: the operator's contract.

Every knob is classified once here (a test fails for a knob that is not):

- ``IN_PLACE``: the operator may change it on a live environment; the plan updates resources in
  place and deletes or replaces nothing that holds data. The deploy rehearsal proves it: it plans
  each such knob's ``rehearse_with`` value against the applied stack and ``policies.plan_guard``
  refuses any delete or replace of a data-holding resource.
- ``REPLACES``: a live change that replaces what ``replaces`` names, for the reason given; the
  rehearsal lets exactly that replacement through (``plan_guard --allow``) and nothing else.
- ``NEW_ENVIRONMENT``: not a live change (a new environment, a state migration, or a value fixed
  at creation); ``note`` says why and what to do instead.

docs/configuration.md renders this table (``python -m lib.config --markdown``). No cdktf import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Effect(StrEnum):
    IN_PLACE = "in place"
    REPLACES = "replaces"
    NEW_ENVIRONMENT = "not on a live environment"


@dataclass(frozen=True)
class LiveChange:
    knob: str
    effect: Effect
    note: str = ""
    # IN_PLACE / REPLACES: the value the rehearsal plans with, and the group of knobs it is
    # planned together with (one synth and one plan per group).
    rehearse_with: str | None = None
    group: str | None = None
    replaces: tuple[str, ...] = ()  # REPLACES: resource types (plan_guard --allow)


def _in_place(knob: str, value: str, group: str, note: str = "") -> LiveChange:
    return LiveChange(knob, Effect.IN_PLACE, note, value, group)


def _fixed(knob: str, note: str) -> LiveChange:
    return LiveChange(knob, Effect.NEW_ENVIRONMENT, note)


_STATE = "moving the state is `terraform init -migrate-state` (docs/deploying.md §3), not a plan"

LIVE_CHANGES: tuple[LiveChange, ...] = (
    _fixed("ENVIRONMENT_SUFFIX", "names every resource: another suffix is another environment"),
    _fixed("STREAMFLIX_REGION", "every resource lives in it: deploy a new environment there"),
    _fixed(
        "STREAMFLIX_VPC_CIDR",
        "the VPC's CIDR block cannot change in place: the VPC, its subnets and everything in "
        "them (the database included) would be replaced",
    ),
    _in_place("STREAMFLIX_NAT_GATEWAY", "true", "network", "adds or removes the NAT gateway"),
    _in_place(
        "STREAMFLIX_KINESIS_CAPACITY_MODE",
        "ON_DEMAND",
        "stream-mode",
        "Kinesis switches modes in place (twice per 24 h at most)",
    ),
    _in_place("STREAMFLIX_PEAK_UPLOADS_PER_SECOND", "100", "stream", "reshards in place"),
    _in_place("STREAMFLIX_RECORD_SIZE_BYTES", "6144", "stream", "reshards in place"),
    _in_place("STREAMFLIX_BURST_HEADROOM", "2.5", "stream", "reshards in place"),
    _in_place("STREAMFLIX_STREAM_CONSUMERS", "2", "stream", "reshards in place"),
    _in_place("STREAMFLIX_KINESIS_MIN_SHARDS", "4", "stream", "reshards in place"),
    _in_place("STREAMFLIX_KINESIS_RETENTION_HOURS", "336", "stream"),
    _fixed(
        "STREAMFLIX_DB_ENGINE_VERSION",
        "used when the cluster is created; later minor upgrades are AWS's (ignore_changes), "
        "major upgrades are a runbook (docs/deploying.md §8)",
    ),
    _in_place("STREAMFLIX_DB_MIN_ACU", "1", "database"),
    _in_place("STREAMFLIX_DB_MAX_ACU", "8", "database"),
    _in_place("STREAMFLIX_DB_BACKUP_RETENTION_DAYS", "14", "database"),
    _fixed(
        "STREAMFLIX_DB_NAME",
        "the initial database name is fixed at creation: a change would replace the cluster "
        "and lose its data",
    ),
    _fixed(
        "STREAMFLIX_DB_MASTER_USERNAME",
        "fixed at creation: a change would replace the cluster and lose its data",
    ),
    _in_place("STREAMFLIX_SECRET_ROTATION_DAYS", "14", "database"),
    _in_place("STREAMFLIX_WORKER_CPU", "2048", "workers", "a new task definition revision"),
    _in_place("STREAMFLIX_WORKER_MEMORY_MIB", "4096", "workers", "a new task definition revision"),
    _in_place("STREAMFLIX_WORKER_MIN_TASKS", "2", "workers"),
    _in_place("STREAMFLIX_WORKER_MAX_TASKS", "2", "workers"),
    _in_place("STREAMFLIX_FARGATE_BASE", "2", "workers"),
    _in_place("STREAMFLIX_FARGATE_WEIGHT", "1", "workers"),
    _in_place("STREAMFLIX_FARGATE_SPOT_WEIGHT", "2", "workers"),
    _in_place("STREAMFLIX_WORKER_IMAGE_TAG", "rehearsal-2", "workers", "a new revision"),
    _in_place(
        "STREAMFLIX_WORKER_IMAGE_PUBLISHED",
        "true",
        "workers",
        "true once the image is pushed: autoscaling raises the service to its minimum",
    ),
    _in_place("STREAMFLIX_ECS_EXEC", "true", "workers"),
    _in_place("STREAMFLIX_RETRY_MAX_ATTEMPTS", "7", "workers"),
    _in_place("STREAMFLIX_RETRY_BASE_BACKOFF_MS", "400", "workers"),
    _in_place("STREAMFLIX_RETRY_MAX_BACKOFF_MS", "30000", "workers"),
    _in_place("STREAMFLIX_ALARM_EMAILS", "oncall@example.com,backup@example.com", "alerts"),
    _in_place("STREAMFLIX_ALARM_ITERATOR_AGE_MS", "120000", "alerts"),
    _in_place("STREAMFLIX_ALARM_ERROR_RATE_PERCENT", "10", "alerts"),
    _in_place("STREAMFLIX_ALARM_HTTPS_ENDPOINTS", "https://oncall.example.com/sns", "alerts"),
    _in_place(
        "STREAMFLIX_ALARM_TOPIC_ARN",
        "arn:aws:sns:eu-central-1:123456789012:oncall-tool",
        "alerts",
    ),
    _in_place("STREAMFLIX_ENVIRONMENT_TIER", "staging", "alerts"),
    _fixed("STREAMFLIX_STATE_BACKEND", _STATE),
    _fixed("STREAMFLIX_STATE_BUCKET", _STATE),
    _fixed("STREAMFLIX_STATE_KEY_PREFIX", _STATE),
    _fixed("STREAMFLIX_STATE_REGION", _STATE),
    _fixed("STREAMFLIX_STATE_LOCK_TABLE", "the lock, not the state: change it between runs"),
    _in_place("STREAMFLIX_TAG_OWNER", "media-platform", "tags"),
    _in_place("STREAMFLIX_TAG_COST_CENTER", "media-pipeline-2", "tags"),
    _in_place("STREAMFLIX_TAG_DATA_CLASSIFICATION", "restricted", "tags"),
    _in_place("STREAMFLIX_TAG_COMPLIANCE_SCOPE", "content-tracking-eu", "tags"),
    _in_place(
        "STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS",
        "true",
        "account",
        "adds or removes the account-level setting (every bucket of the account)",
    ),
    _in_place(
        "STREAMFLIX_ACCOUNT_ECR_ENHANCED_SCANNING",
        "true",
        "account",
        "switches the registry's scan type; images stay",
    ),
    _in_place("STREAMFLIX_TRAIL_INSIGHTS", "true", "account", "the trail is updated in place"),
    _in_place("STREAMFLIX_EVIDENCE_SCHEDULE_HOURS", "12", "evidence", "the schedule changes"),
    _in_place("STREAMFLIX_AUDIT_PERIOD_DAYS", "180", "evidence", "retention defaults follow"),
    _in_place("STREAMFLIX_AUDIT_WINDOW_DAYS", "90", "evidence", "the archive expiry follows"),
    _in_place(
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS",
        "730",
        "evidence",
        "new default retention applies to new evidence; stored evidence keeps its own",
    ),
    _in_place("STREAMFLIX_TRAIL_ARCHIVE_DAYS", "600", "evidence", "lifecycle updated in place"),
    _in_place(
        "STREAMFLIX_COLLECTOR_PRINCIPAL_ARN",
        "arn:aws:iam::123456789012:role/ci-compliance",
        "alerts",
        "adds or removes the read-only collector role",
    ),
)

LIVE_CHANGES_BY_KNOB: dict[str, LiveChange] = {c.knob: c for c in LIVE_CHANGES}


def rehearsal_groups() -> dict[str, dict[str, str]]:
    """Group name -> the knob values planned together against the applied stack."""
    groups: dict[str, dict[str, str]] = {}
    for change in LIVE_CHANGES:
        if change.group and change.rehearse_with is not None:
            groups.setdefault(change.group, {})[change.knob] = change.rehearse_with
    return groups


def allowed_replacements(group: dict[str, str]) -> dict[str, str]:
    """``plan_guard`` allowances (type -> reason) for the documented replacements of a group."""
    return {
        rtype: f"{change.knob}: {change.note}"
        for knob in group
        for change in (LIVE_CHANGES_BY_KNOB[knob],)
        if change.effect is Effect.REPLACES
        for rtype in change.replaces
    }


def render_markdown() -> list[str]:
    """The "Changing a knob on a live environment" section of docs/configuration.md."""
    lines = [
        "## Changing a knob on a live environment",
        "",
        "What a change does to a deployed environment. *in place*: nothing holding data is "
        "deleted or replaced; the deploy rehearsal (`bash scripts/rehearse.sh`) plans each of "
        "these against an applied stack and `python -m policies.plan_guard` refuses the plan if "
        "a bucket, the database, the stream, a secret, a key, a log group, the backup vault, "
        "the image repository or a queue would be deleted or replaced.",
        "",
        "| Variable | On a live environment | Note |",
        "|---|---|---|",
    ]
    for change in LIVE_CHANGES:
        note = change.note.replace("|", "\\|")
        lines.append(f"| `{change.knob}` | {change.effect.value} | {note} |")
    return lines
