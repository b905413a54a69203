"""Workers: the service runs its designed minimum, on the designed capacity mix, keeping up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from compliance.collect import checks
from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design
from compliance.collect.model import Finding

LAG_WINDOW = timedelta(minutes=15)


def _strategy(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        (
            {
                "capacityProvider": s["capacityProvider"],
                "base": int(s.get("base", 0)),
                "weight": int(s.get("weight", 0)),
            }
            for s in items
        ),
        key=lambda s: str(s["capacityProvider"]),
    )


def _service(ctx: Context, design: Design) -> list[Finding]:
    arn = ctx.arn("ecs", f"service/{design.ecs_cluster}/{design.ecs_service}")
    expected_strategy = _strategy(
        [
            {"capacityProvider": s.provider, "base": s.base, "weight": s.weight}
            for s in design.strategy
        ]
    )
    try:
        found = ctx.client("ecs").describe_services(
            cluster=design.ecs_cluster, services=[design.ecs_service]
        )["services"]
    except CALL_ERRORS as err:
        return [
            error(c, "ecs:DescribeServices", arn, "service exists", err)
            for c in (checks.WORKERS_RUNNING, checks.WORKERS_STRATEGY)
        ]
    service = next((s for s in found if s.get("status") == "ACTIVE"), None)
    if service is None:
        return [
            Finding(c, "ecs:DescribeServices", arn, {"exists": False}, "service exists", False)
            for c in (checks.WORKERS_RUNNING, checks.WORKERS_STRATEGY)
        ]
    arn = str(service.get("serviceArn", arn))
    running = int(service.get("runningCount", 0))
    observed_strategy = _strategy(service.get("capacityProviderStrategy") or [])
    return [
        Finding(
            checks.WORKERS_RUNNING,
            "ecs:DescribeServices",
            arn,
            {"runningCount": running},
            {"runningCount": f">= {design.min_tasks}"},
            running >= design.min_tasks,
        ),
        Finding(
            checks.WORKERS_STRATEGY,
            "ecs:DescribeServices",
            arn,
            {"capacityProviderStrategy": observed_strategy},
            {"capacityProviderStrategy": expected_strategy},
            observed_strategy == expected_strategy,
        ),
    ]


def _lag(ctx: Context, design: Design) -> Finding:
    arn = ctx.arn("kinesis", f"stream/{design.stream_name}")
    expected = {"max IteratorAgeMilliseconds": f"< {design.iterator_age_threshold_ms:g}"}
    try:
        points = ctx.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Kinesis",
            MetricName="GetRecords.IteratorAgeMilliseconds",
            Dimensions=[{"Name": "StreamName", "Value": design.stream_name}],
            StartTime=ctx.now - LAG_WINDOW,
            EndTime=ctx.now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
    except CALL_ERRORS as err:
        return error(checks.WORKERS_LAG, "cloudwatch:GetMetricStatistics", arn, expected, err)
    if not points:
        # Kinesis publishes IteratorAge only for GetRecords calls: no datapoints means no reads
        # in the window (an idle stream), which is no lag. Whether workers run at all is the
        # workers.running check's question, not this one's; insufficient data is no error.
        return Finding(
            checks.WORKERS_LAG,
            "cloudwatch:GetMetricStatistics",
            arn,
            {"max IteratorAgeMilliseconds": None},
            expected,
            True,
            f"no datapoints in the last {LAG_WINDOW}: no reads, so no lag (insufficient data)",
        )
    worst = max(float(p["Maximum"]) for p in points)
    return Finding(
        checks.WORKERS_LAG,
        "cloudwatch:GetMetricStatistics",
        arn,
        {"max IteratorAgeMilliseconds": worst},
        expected,
        worst < design.iterator_age_threshold_ms,
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    return [*_service(ctx, design), _lag(ctx, design)]
