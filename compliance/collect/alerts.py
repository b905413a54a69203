"""Alerts: someone is subscribed to the topic, and every alarm of the stack can reach it."""

from __future__ import annotations

from typing import Any

from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design
from compliance.collect.model import Check, Family, Finding, FreshGap, Read

# An unconfirmed subscription's SubscriptionArn is the literal "PendingConfirmation"
# (SNS API reference, ListSubscriptionsByTopic / Subscription data type).
PENDING = "PendingConfirmation"

LIST_SUBSCRIPTIONS = Read("sns:ListSubscriptionsByTopic", "arn:aws:sns:*:*:streamflix-alerts-*")
DESCRIBE_ALARMS = Read("cloudwatch:DescribeAlarms", "arn:aws:cloudwatch:*:*:alarm:streamflix-*")

ALERTS_SUBSCRIPTION = Check(
    "alerts.subscription",
    ("SFX-CTL-OPS-05",),
    "the alerts topic has at least one **confirmed** subscription (a `PendingConfirmation` one "
    "does not count)",
    24,
    reads=(LIST_SUBSCRIPTIONS,),
    fresh=FreshGap(
        "e-mail and HTTPS subscriptions stay pending until confirmed", "each recipient confirms"
    ),
)
ALERTS_ALARM = Check(
    "alerts.alarm",
    ("SFX-CTL-OPS-05",),
    "each alarm of the stack exists, has its actions enabled and (where designed) notifies the "
    "topic",
    24,
    reads=(DESCRIBE_ALARMS,),
)
ALERTS_FIRING = Check(
    "alerts.in-alarm",
    ("SFX-CTL-OPS-05",),
    "lists the alarms in state ALARM at collection time, for the on-call record (informative)",
    24,
    drift=False,
    reads=(DESCRIBE_ALARMS,),
)


def list_subscriptions(ctx: Context, topic_arn: str) -> tuple[list[Any], list[Any]]:
    """All subscriptions of the topic and the confirmed ones (raises the call's error)."""
    pages = ctx.client("sns").get_paginator("list_subscriptions_by_topic")
    subs = [s for page in pages.paginate(TopicArn=topic_arn) for s in page["Subscriptions"]]
    confirmed = [s for s in subs if s.get("SubscriptionArn", PENDING) not in (PENDING, "Deleted")]
    return subs, confirmed


def _subscriptions(ctx: Context, topic_arn: str) -> Finding:
    expected = {"confirmed_subscriptions": ">= 1"}
    try:
        subs, confirmed = list_subscriptions(ctx, topic_arn)
    except CALL_ERRORS as err:
        return error(ALERTS_SUBSCRIPTION, LIST_SUBSCRIPTIONS.action, topic_arn, expected, err)
    return Finding(
        ALERTS_SUBSCRIPTION,
        LIST_SUBSCRIPTIONS.action,
        topic_arn,
        {
            "confirmed_subscriptions": len(confirmed),
            "pending_subscriptions": len(subs) - len(confirmed),
            "protocols": sorted({str(s.get("Protocol")) for s in confirmed}),
        },
        expected,
        bool(confirmed),
    )


def _alarm(
    name: str, found: dict[str, Any] | None, topic_arn: str, to_topic: bool, ctx: Context
) -> Finding:
    expected: dict[str, Any] = {"exists": True, "ActionsEnabled": True}
    if to_topic:
        expected["AlarmActions contains"] = topic_arn
    arn = str(found["AlarmArn"]) if found else ctx.arn("cloudwatch", f"alarm:{name}")
    if found is None:
        observed: dict[str, Any] = {"exists": False}
        ok = False
    else:
        actions = list(found.get("AlarmActions", []))
        observed = {"exists": True, "ActionsEnabled": bool(found.get("ActionsEnabled"))}
        if to_topic:
            observed["AlarmActions contains"] = topic_arn if topic_arn in actions else None
        ok = observed == expected and bool(actions)
    return Finding(ALERTS_ALARM, DESCRIBE_ALARMS.action, arn, observed, expected, ok)


def collect(ctx: Context, design: Design) -> list[Finding]:
    topic_arn = ctx.arn("sns", design.topic_name)
    out = [_subscriptions(ctx, topic_arn)]
    names = list(design.alarm_names())
    try:
        pages = ctx.client("cloudwatch").get_paginator("describe_alarms")
        found = {
            a["AlarmName"]: a
            for i in range(0, len(names), 100)
            for page in pages.paginate(AlarmNames=names[i : i + 100], AlarmTypes=["MetricAlarm"])
            for a in page["MetricAlarms"]
        }
    except CALL_ERRORS as err:
        return [
            *out,
            error(ALERTS_ALARM, DESCRIBE_ALARMS.action, topic_arn, "alarms exist", err),
        ]
    out += [
        _alarm(a.name, found.get(a.name), topic_arn, a.actions_to_topic, ctx) for a in design.alarms
    ]
    firing = sorted(n for n, a in found.items() if a.get("StateValue") == "ALARM")
    out.append(
        Finding(
            ALERTS_FIRING,
            DESCRIBE_ALARMS.action,
            topic_arn,
            {"in_alarm": firing},
            {"in_alarm": "listed for the on-call record"},
            True,
            f"{len(firing)} alarm(s) in ALARM at collection time",
        )
    )
    return out


FAMILY = Family("alerts", (ALERTS_SUBSCRIPTION, ALERTS_ALARM, ALERTS_FIRING), collect)
