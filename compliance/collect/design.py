"""What should exist, read from the synthesized ``cdk.tf.json``: names, ARNs to derive, values.

The collector finds every deployed resource by the name the stack gives it and compares what the
account shows with the value synthesized here. A stack without a resource a check needs is a bad
input (``DesignError`` names the resource type), not a passed check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.references import leading_ref
from core.stackfile import Resource, SynthesizedStack
from lib.cis_metric_filters import CIS_METRIC_FILTERS, CIS_METRIC_NAMESPACE


class DesignError(ValueError):
    """The synthesized stack lacks something a check needs."""


@dataclass(frozen=True)
class Alarm:
    name: str
    actions_to_topic: bool  # the designed alarm_actions name the alerts topic
    action_count: int


@dataclass(frozen=True)
class CisChain:
    """One CIS 4.x recommendation as synthesized: filter -> metric -> alarm -> alerts topic.

    Every value is read from ``cdk.tf.json`` (the pattern is the text the stack deploys), so the
    collector compares the account with what was built, not with a second copy of the table.
    """

    cis_id: str
    filter_name: str
    log_group: str  # the trail's log group, where the filter must sit
    pattern: str
    namespace: str
    metric_name: str
    alarm_name: str
    comparison: str
    threshold: float
    statistic: str
    period: int


@dataclass(frozen=True)
class LogGroup:
    name: str
    retention_days: int
    kms_alias: str | None  # the alias of the designed key (its ARN is only known deployed)


@dataclass(frozen=True)
class Strategy:
    provider: str
    base: int
    weight: int


@dataclass(frozen=True)
class Design:
    stack_name: str
    region: str
    trail_name: str
    trail_multi_region: bool
    trail_validation: bool
    trail_kms_alias: str | None
    topic_name: str
    alarms: tuple[Alarm, ...]
    cluster_id: str
    backup_retention_days: int
    storage_encrypted: bool
    iam_auth: bool
    rotation_days: int
    backup_vault: str
    log_groups: tuple[LogGroup, ...]
    flow_log_group: str
    vpc_name: str
    security_groups: tuple[str, ...]
    ecs_cluster: str
    ecs_service: str
    min_tasks: int
    strategy: tuple[Strategy, ...]
    stream_name: str
    iterator_age_alarm: str
    iterator_age_threshold_ms: float
    trail_log_group: str = ""
    cis_chains: tuple[CisChain, ...] = ()

    def alarm_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.alarms)


def _ref(value: Any) -> tuple[str, str] | None:
    """``(type, name)`` of the resource attribute ``value`` starts with (``...arn}:*``), else None."""
    ref = leading_ref(value)
    return (ref.rtype, ref.name) if ref and ref.is_resource and ref.attribute else None


class _Reader:
    def __init__(self, stack: SynthesizedStack) -> None:
        self.stack = stack

    def one(self, rtype: str, contains: str = "") -> Resource:
        found = [r for r in self.stack.of_type(rtype) if contains in r.name]
        if len(found) != 1:
            where = f" named ~{contains!r}" if contains else ""
            raise DesignError(f"cdk.tf.json: expected one {rtype}{where}, found {len(found)}")
        return found[0]

    def by_ref(self, value: Any) -> Resource:
        ref = _ref(value)
        if ref is None:
            raise DesignError(f"cdk.tf.json: {value!r} is not a resource reference")
        for r in self.stack.of_type(ref[0]):
            if r.name == ref[1]:
                return r
        raise DesignError(f"cdk.tf.json: {ref[0]}.{ref[1]} is referenced but not defined")

    def kms_alias(self, key_ref: Any) -> str | None:
        ref = _ref(key_ref)
        if ref is None:
            return None
        for alias in self.stack.of_type("aws_kms_alias"):
            if _ref(alias.body.get("target_key_id")) == ref:
                return str(alias.body["name"])
        return None


def _strategy(service: Resource) -> tuple[Strategy, ...]:
    return tuple(
        Strategy(str(s["capacity_provider"]), int(s.get("base", 0)), int(s.get("weight", 0)))
        for s in service.body.get("capacity_provider_strategy", [])
    )


def _cis_chains(
    stack: SynthesizedStack, r: _Reader, trail_group: str, topic_ref: tuple[str, str]
) -> tuple[CisChain, ...]:
    """The 15 CIS 4.x chains, each found by its metric (the stable identifier of a row)."""
    out = []
    for row in CIS_METRIC_FILTERS:
        filters = [
            f.body
            for f in stack.of_type("aws_cloudwatch_log_metric_filter")
            if f.body.get("metric_transformation", {}).get("name") == row.metric_name
            and f.body["metric_transformation"].get("namespace") == CIS_METRIC_NAMESPACE
        ]
        alarms = [
            a.body
            for a in stack.of_type("aws_cloudwatch_metric_alarm")
            if a.body.get("metric_name") == row.metric_name
            and a.body.get("namespace") == CIS_METRIC_NAMESPACE
            and any(_ref(x) == topic_ref for x in a.body.get("alarm_actions", []))
        ]
        if len(filters) != 1 or len(alarms) != 1:
            raise DesignError(
                f"cdk.tf.json: CIS {row.cis_id} needs one metric filter and one alarm to the "
                f"alerts topic on {CIS_METRIC_NAMESPACE}/{row.metric_name}, found "
                f"{len(filters)} and {len(alarms)}"
            )
        flt, alarm = filters[0], alarms[0]
        group = str(r.by_ref(flt["log_group_name"]).body["name"])
        if group != trail_group:
            raise DesignError(
                f"cdk.tf.json: the CIS {row.cis_id} filter reads {group}, not the trail's "
                f"log group {trail_group}"
            )
        out.append(
            CisChain(
                cis_id=row.cis_id,
                filter_name=str(flt["name"]),
                log_group=group,
                pattern=str(flt["pattern"]),
                namespace=CIS_METRIC_NAMESPACE,
                metric_name=row.metric_name,
                alarm_name=str(alarm["alarm_name"]),
                comparison=str(alarm["comparison_operator"]),
                threshold=float(alarm["threshold"]),
                statistic=str(alarm["statistic"]),
                period=int(alarm["period"]),
            )
        )
    return tuple(out)


def read_design(stack_dir: Path) -> Design:
    """Read the stack once; raises ``DesignError`` or ``StackFileError`` on bad input."""
    stack = SynthesizedStack.load(stack_dir)
    r = _Reader(stack)
    trail = r.one("aws_cloudtrail").body
    topic = r.one("aws_sns_topic")
    topic_ref = ("aws_sns_topic", topic.name)
    alarms = tuple(
        Alarm(
            str(a.body["alarm_name"]),
            any(_ref(x) == topic_ref for x in a.body.get("alarm_actions", [])),
            len(a.body.get("alarm_actions", [])),
        )
        for a in stack.of_type("aws_cloudwatch_metric_alarm")
    )
    cluster = r.one("aws_rds_cluster").body
    service = r.one("aws_ecs_service")
    lag = next(
        (
            a.body
            for a in stack.of_type("aws_cloudwatch_metric_alarm")
            if a.body.get("metric_name") == "GetRecords.IteratorAgeMilliseconds"
            and any(_ref(x) == topic_ref for x in a.body.get("alarm_actions", []))
        ),
        None,
    )
    if lag is None:
        raise DesignError("cdk.tf.json: no IteratorAge alarm on the alerts topic")
    flow = r.one("aws_flow_log").body
    trail_group = str(r.by_ref(trail.get("cloud_watch_logs_group_arn")).body["name"])
    return Design(
        stack_name=stack_dir.name,
        region=stack.region,
        trail_name=str(trail["name"]),
        trail_multi_region=bool(trail.get("is_multi_region_trail")),
        trail_validation=bool(trail.get("enable_log_file_validation")),
        trail_kms_alias=r.kms_alias(trail.get("kms_key_id")),
        topic_name=str(topic.body["name"]),
        alarms=alarms,
        cluster_id=str(cluster["cluster_identifier"]),
        backup_retention_days=int(cluster.get("backup_retention_period", 1)),
        storage_encrypted=bool(cluster.get("storage_encrypted")),
        iam_auth=bool(cluster.get("iam_database_authentication_enabled")),
        rotation_days=int(
            r.one("aws_secretsmanager_secret_rotation").body["rotation_rules"][
                "automatically_after_days"
            ]
        ),
        backup_vault=str(r.one("aws_backup_vault").body["name"]),
        log_groups=tuple(
            LogGroup(
                str(g.body["name"]),
                int(g.body.get("retention_in_days", 0)),
                r.kms_alias(g.body.get("kms_key_id")),
            )
            for g in stack.of_type("aws_cloudwatch_log_group")
        ),
        flow_log_group=str(r.by_ref(flow.get("log_destination")).body["name"]),
        vpc_name=str(r.by_ref(flow.get("vpc_id")).body.get("tags", {}).get("Name", "")),
        security_groups=tuple(str(g.body["name"]) for g in stack.of_type("aws_security_group")),
        ecs_cluster=str(r.one("aws_ecs_cluster").body["name"]),
        ecs_service=str(service.body["name"]),
        min_tasks=int(r.one("aws_appautoscaling_target").body["min_capacity"]),
        strategy=_strategy(service),
        stream_name=str(r.one("aws_kinesis_stream").body["name"]),
        iterator_age_alarm=str(lag["alarm_name"]),
        iterator_age_threshold_ms=float(lag["threshold"]),
        trail_log_group=trail_group,
        cis_chains=_cis_chains(stack, r, trail_group, topic_ref),
    )
