"""CIS 4.1-4.15 as deployed: every link of each recommendation's chain, read from the account.

The benchmark's audit procedure for each 4.x recommendation walks one chain, and so does this
module, once per recommendation (CIS AWS Foundations v3.0.0, section 4, Audit steps 1-5):

1. the trail delivers to the designed CloudWatch log group (``cloudtrail:DescribeTrails``,
   ``CloudWatchLogsLogGroupArn``);
2. that log group has a metric filter with exactly the synthesized pattern, feeding the designed
   metric (``logs:DescribeMetricFilters``);
3. an alarm watches that metric with the designed comparison, threshold, statistic and period,
   actions enabled (``cloudwatch:DescribeAlarms``);
4. the alarm's actions name the alerts topic;
5. the topic has at least one confirmed subscriber (``sns:ListSubscriptionsByTopic``).

One item per recommendation; a broken link makes exactly that recommendation's item not
satisfied, and ``detail`` names the link. Each API is called once for all fifteen chains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from compliance.collect.alerts import DESCRIBE_ALARMS, LIST_SUBSCRIPTIONS, list_subscriptions
from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import CisChain, Design
from compliance.collect.model import Check, Family, Finding, Read
from compliance.collect.trail import DESCRIBE_TRAILS
from lib.cis_metric_filters import CIS_METRIC_FILTERS

DESCRIBE_METRIC_FILTERS = Read(
    "logs:DescribeMetricFilters", "arn:aws:logs:*:*:log-group:streamflix-trail-logs-*"
)
API_CALL = DESCRIBE_METRIC_FILTERS.action  # the link only this check reads; the others are named
# The error codes with which CloudWatch Logs and CloudTrail say "no such resource" (CloudWatch
# Logs API reference, DescribeMetricFilters; CloudTrail API reference, DescribeTrails).
_ABSENT = frozenset({"ResourceNotFoundException", "TrailNotFoundException"})

LINK_TRAIL = "trail delivers to the log group"
LINK_FILTER = "metric filter"
LINK_ALARM = "alarm on the metric"
LINK_TOPIC = "alarm actions reach the alerts topic"
LINK_SUBSCRIBER = "confirmed subscriber"
LINKS = (LINK_TRAIL, LINK_FILTER, LINK_ALARM, LINK_TOPIC, LINK_SUBSCRIBER)

# One check per CIS 4.x recommendation, so that a broken chain flips exactly its own CIS control
# (the catalog's SFX-CTL-CIS-NN names its check in pending_runtime_checks). Each proves the whole
# chain as deployed: the filter with the synthesized pattern on the trail's log group, the alarm
# on its metric with the designed threshold, actions to the alerts topic, a confirmed subscriber.
CIS_CHAIN: dict[str, Check] = {
    row.cis_id: Check(
        f"monitoring.cis-{row.slug}",
        ("SFX-CTL-OPS-05",),
        f"CIS {row.cis_id} ({row.metric_name}, settles SFX-CTL-CIS-"
        f"{int(row.cis_id.split('.')[1]):02d}): the trail's log group has the designed metric "
        "filter, an alarm on its metric with the designed threshold notifies the alerts topic, "
        "which has a confirmed subscriber; `detail` names each missing link",
        24,
        reads=(DESCRIBE_TRAILS, DESCRIBE_METRIC_FILTERS, DESCRIBE_ALARMS, LIST_SUBSCRIPTIONS),
    )
    for row in CIS_METRIC_FILTERS
}


@dataclass(frozen=True)
class Deployed:
    """What the account shows, read once for all chains."""

    trail_log_group: str | None
    filters: tuple[dict[str, Any], ...]  # the metric filters on the designed trail log group
    alarms: dict[str, dict[str, Any]]  # by name
    confirmed_subscriptions: int


class _CallFailedError(Exception):
    def __init__(self, api_call: str, err: Exception) -> None:
        super().__init__(f"{api_call}: {err}")
        self.api_call, self.err = api_call, err


def _absent(err: Exception) -> bool:
    return isinstance(err, ClientError) and err.response.get("Error", {}).get("Code") in _ABSENT


def _log_group_name(arn: object) -> str | None:
    """``arn:aws:logs:<region>:<account>:log-group:<name>:*`` -> ``<name>``."""
    text = str(arn or "")
    if ":log-group:" not in text:
        return None
    name = text.split(":log-group:", 1)[1]
    return name[:-2] if name.endswith(":*") else name


def _read(ctx: Context, design: Design, topic_arn: str) -> Deployed:
    try:
        trails = ctx.client("cloudtrail").describe_trails(trailNameList=[design.trail_name])
        found = trails.get("trailList", [])
        group = _log_group_name(found[0].get("CloudWatchLogsLogGroupArn")) if found else None
    except CALL_ERRORS as err:
        if not _absent(err):
            raise _CallFailedError(DESCRIBE_TRAILS.action, err) from err
        group = None
    try:
        pages = ctx.client("logs").get_paginator("describe_metric_filters")
        filters = tuple(
            f
            for page in pages.paginate(logGroupName=design.trail_log_group)
            for f in page.get("metricFilters", [])
        )
    except CALL_ERRORS as err:
        if not _absent(err):
            raise _CallFailedError(API_CALL, err) from err
        filters = ()
    names = [c.alarm_name for c in design.cis_chains]
    try:
        pages = ctx.client("cloudwatch").get_paginator("describe_alarms")
        alarms = {
            a["AlarmName"]: a
            for page in pages.paginate(AlarmNames=names, AlarmTypes=["MetricAlarm"])
            for a in page["MetricAlarms"]
        }
    except CALL_ERRORS as err:
        raise _CallFailedError(DESCRIBE_ALARMS.action, err) from err
    try:
        _, confirmed = list_subscriptions(ctx, topic_arn)
    except CALL_ERRORS as err:
        if not (isinstance(err, ClientError) and err.response["Error"]["Code"] == "NotFound"):
            raise _CallFailedError(LIST_SUBSCRIPTIONS.action, err) from err
        confirmed = []  # the topic itself is gone: nobody can receive the alarm
    return Deployed(group, filters, alarms, len(confirmed))


def expected_chain(chain: CisChain, topic_arn: str) -> dict[str, Any]:
    return {
        LINK_TRAIL: chain.log_group,
        LINK_FILTER: {
            "log_group": chain.log_group,
            "pattern": chain.pattern,
            "metric": f"{chain.namespace}/{chain.metric_name}",
        },
        LINK_ALARM: {
            "name": chain.alarm_name,
            "metric": f"{chain.namespace}/{chain.metric_name}",
            "ComparisonOperator": chain.comparison,
            "Threshold": chain.threshold,
            "Statistic": chain.statistic,
            "Period": chain.period,
            "ActionsEnabled": True,
        },
        LINK_TOPIC: topic_arn,
        LINK_SUBSCRIBER: ">= 1",
    }


def _feeds(f: dict[str, Any], chain: CisChain) -> bool:
    return any(
        t.get("metricNamespace") == chain.namespace and t.get("metricName") == chain.metric_name
        for t in f.get("metricTransformations", [])
    )


def _judge(chain: CisChain, seen: Deployed, topic_arn: str, ctx: Context) -> Finding:
    broken: list[str] = []
    if seen.trail_log_group != chain.log_group:
        broken.append(
            f"{LINK_TRAIL}: the trail delivers to {seen.trail_log_group or 'no log group'}, "
            f"not {chain.log_group}"
        )
    feeding = [f for f in seen.filters if _feeds(f, chain)]
    exact = [f for f in feeding if f.get("filterPattern") == chain.pattern]
    if not feeding:
        broken.append(
            f"{LINK_FILTER}: no filter on {chain.log_group} feeds "
            f"{chain.namespace}/{chain.metric_name}"
        )
    elif not exact:
        broken.append(f"{LINK_FILTER}: the pattern differs from the synthesized one")
    shown = next(iter(exact or feeding), None)
    alarm = seen.alarms.get(chain.alarm_name)
    observed_alarm: dict[str, Any] | None = None
    actions: list[str] = []
    if alarm is None:
        broken.append(f"{LINK_ALARM}: {chain.alarm_name} does not exist")
    else:
        actions = list(alarm.get("AlarmActions", []))
        observed_alarm = {
            "name": chain.alarm_name,
            "metric": f"{alarm.get('Namespace')}/{alarm.get('MetricName')}",
            "ComparisonOperator": alarm.get("ComparisonOperator"),
            "Threshold": alarm.get("Threshold"),
            "Statistic": alarm.get("Statistic"),
            "Period": alarm.get("Period"),
            "ActionsEnabled": bool(alarm.get("ActionsEnabled")),
        }
        wrong = [
            k
            for k, v in expected_chain(chain, topic_arn)[LINK_ALARM].items()
            if observed_alarm[k] != v
        ]
        if wrong:
            broken.append(f"{LINK_ALARM}: {', '.join(wrong)} not as designed")
        if topic_arn not in actions:
            broken.append(f"{LINK_TOPIC}: the alarm's actions do not name {topic_arn}")
    if seen.confirmed_subscriptions < 1:
        broken.append(f"{LINK_SUBSCRIBER}: the alerts topic has no confirmed subscription")
    observed = {
        LINK_TRAIL: seen.trail_log_group,
        LINK_FILTER: None
        if shown is None
        else {
            "log_group": chain.log_group,
            "pattern": shown.get("filterPattern"),
            "metric": f"{chain.namespace}/{chain.metric_name}",
        },
        LINK_ALARM: observed_alarm,
        LINK_TOPIC: topic_arn if topic_arn in actions else None,
        LINK_SUBSCRIBER: seen.confirmed_subscriptions,
    }
    return Finding(
        CIS_CHAIN[chain.cis_id],
        API_CALL,
        ctx.arn("cloudwatch", f"alarm:{chain.alarm_name}"),
        observed,
        expected_chain(chain, topic_arn),
        not broken,
        "missing link(s): " + "; ".join(broken)
        if broken
        else "every link of the chain is in place",
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    topic_arn = ctx.arn("sns", design.topic_name)
    try:
        seen = _read(ctx, design, topic_arn)
    except _CallFailedError as failed:
        return [
            error(
                CIS_CHAIN[c.cis_id],
                failed.api_call,
                ctx.arn("cloudwatch", f"alarm:{c.alarm_name}"),
                expected_chain(c, topic_arn),
                failed.err,
            )
            for c in design.cis_chains
        ]
    return [_judge(chain, seen, topic_arn, ctx) for chain in design.cis_chains]


FAMILY = Family("monitoring", tuple(CIS_CHAIN.values()), collect)
