"""CloudWatch alarms from typed specs: one way to build every alarm in the stack.

A spec holds the metric (or metric math), threshold and a description that says what the alarm
means and what to do; ``build_alarm`` renders it with the given actions. Alarms raised for people
notify the alerts topic on ALARM and on OK (so a page is always followed by its all-clear);
scaling alarms act on a scaling policy instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from lib.context import StackContext

COMPARISONS = (
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
EXPRESSION_ID = "e1"


class AlarmSpecError(ValueError):
    """An alarm spec CloudWatch would reject or that tells the operator nothing."""


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: Mapping[str, str]
    stat: str
    period: int = 60


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm. Either ``metric`` or ``expression`` over ``inputs`` (ids m1, m2, ...)."""

    component: str  # registered in lib.naming.COMPONENTS
    description: str  # what it means and what to do
    comparison: str
    threshold: float
    evaluation_periods: int
    metric: Metric | None = None
    expression: str | None = None
    inputs: Mapping[str, Metric] = field(default_factory=dict)
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "notBreaching"

    def __post_init__(self) -> None:
        where = f"alarm {self.component}"
        if self.comparison not in COMPARISONS:
            raise AlarmSpecError(f"{where}.comparison={self.comparison!r}: one of {COMPARISONS}")
        if self.treat_missing_data not in MISSING_DATA:
            raise AlarmSpecError(f"{where}.treat_missing_data: one of {MISSING_DATA}")
        if (self.metric is None) == (self.expression is None):
            raise AlarmSpecError(f"{where}: set exactly one of metric and expression")
        if self.expression is not None and not self.inputs:
            raise AlarmSpecError(f"{where}.inputs: an expression needs its input metrics")
        if len(self.description) < 40 or "." not in self.description:
            raise AlarmSpecError(f"{where}.description: say what it means and what to do")
        if self.evaluation_periods < 1 or (
            self.datapoints_to_alarm is not None
            and not 1 <= self.datapoints_to_alarm <= self.evaluation_periods
        ):
            raise AlarmSpecError(f"{where}: need 1 <= datapoints_to_alarm <= evaluation_periods")


def _query_metric(m: Metric) -> CloudwatchMetricAlarmMetricQueryMetric:
    return CloudwatchMetricAlarmMetricQueryMetric(
        namespace=m.namespace,
        metric_name=m.name,
        dimensions=dict(m.dimensions),
        stat=m.stat,
        period=m.period,
    )


def build_alarm(
    scope: Construct,
    id_: str,
    ctx: StackContext,
    spec: AlarmSpec,
    actions: Sequence[str],
    ok_actions: Sequence[str] = (),
) -> CloudwatchMetricAlarm:
    common: dict[str, Any] = {
        "alarm_name": ctx.namer.name(spec.component),
        "alarm_description": spec.description,
        "comparison_operator": spec.comparison,
        "threshold": spec.threshold,
        "evaluation_periods": spec.evaluation_periods,
        "datapoints_to_alarm": spec.datapoints_to_alarm,
        "treat_missing_data": spec.treat_missing_data,
        "actions_enabled": True,
        "alarm_actions": list(actions),
        "ok_actions": list(ok_actions) or None,
    }
    if spec.metric is not None:
        m = spec.metric
        return CloudwatchMetricAlarm(
            scope,
            id_,
            namespace=m.namespace,
            metric_name=m.name,
            dimensions=dict(m.dimensions) or None,
            statistic=m.stat,
            period=m.period,
            **common,
        )
    queries = [
        CloudwatchMetricAlarmMetricQuery(id=qid, metric=_query_metric(m), return_data=False)
        for qid, m in spec.inputs.items()
    ]
    queries.append(
        CloudwatchMetricAlarmMetricQuery(
            id=EXPRESSION_ID, expression=spec.expression, label=spec.component, return_data=True
        )
    )
    return CloudwatchMetricAlarm(scope, id_, metric_query=queries, **common)


def notify(*topic_arns: str) -> dict[str, list[str]]:
    """Alarm and OK actions for alarms that page people: the alerts topic first, then any
    existing topic from configuration (STREAMFLIX_ALARM_TOPIC_ARN), which cannot subscribe to
    ours and so is an action of its own."""
    return {"actions": list(topic_arns), "ok_actions": list(topic_arns)}
