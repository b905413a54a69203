"""Workers: the service runs its designed minimum, on the designed capacity mix, keeping up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design
from compliance.collect.model import Check, Family, Finding, FreshGap, Read

LAG_WINDOW = timedelta(minutes=15)

DESCRIBE_SERVICES = Read(
    "ecs:DescribeServices", "arn:aws:ecs:*:*:service/streamflix-cluster-*/streamflix-workers-*"
)
# GetMetricStatistics takes no resource ARN in IAM (Service Authorization Reference, CloudWatch).
GET_METRIC_STATISTICS = Read("cloudwatch:GetMetricStatistics")

WORKERS_RUNNING = Check(
    "workers.running",
    ("SFX-CTL-OPS-09",),
    "the worker service runs at least the designed minimum of tasks",
    1,
    reads=(DESCRIBE_SERVICES,),
    fresh=FreshGap(
        "the service runs 0 tasks until `STREAMFLIX_WORKER_IMAGE_PUBLISHED=true`",
        "stage 3 of the first deploy",
    ),
)
WORKERS_STRATEGY = Check(
    "workers.capacity-strategy",
    ("SFX-CTL-OPS-09",),
    "the service's capacity-provider strategy (Fargate base, Spot weight) is as designed",
    168,
    reads=(DESCRIBE_SERVICES,),
)
WORKERS_LAG = Check(
    "workers.lag",
    ("SFX-CTL-OPS-09",),
    f"the stream's consumer lag (max IteratorAge, last {LAG_WINDOW // timedelta(minutes=1)} minutes) is "
    "below the alarm threshold; no datapoints means no reads in the window, hence no lag: "
    "satisfied, with the detail saying so (whether workers run is `workers.running`)",
    1,
    drift=False,
    reads=(GET_METRIC_STATISTICS,),
)


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
            error(c, DESCRIBE_SERVICES.action, arn, "service exists", err)
            for c in (WORKERS_RUNNING, WORKERS_STRATEGY)
        ]
    service = next((s for s in found if s.get("status") == "ACTIVE"), None)
    if service is None:
        return [
            Finding(c, DESCRIBE_SERVICES.action, arn, {"exists": False}, "service exists", False)
            for c in (WORKERS_RUNNING, WORKERS_STRATEGY)
        ]
    arn = str(service.get("serviceArn", arn))
    running = int(service.get("runningCount", 0))
    observed_strategy = _strategy(service.get("capacityProviderStrategy") or [])
    return [
        Finding(
            WORKERS_RUNNING,
            DESCRIBE_SERVICES.action,
            arn,
            {"runningCount": running},
            {"runningCount": f">= {design.min_tasks}"},
            running >= design.min_tasks,
        ),
        Finding(
            WORKERS_STRATEGY,
            DESCRIBE_SERVICES.action,
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
        return error(WORKERS_LAG, GET_METRIC_STATISTICS.action, arn, expected, err)
    if not points:
        # Kinesis publishes IteratorAge only for GetRecords calls: no datapoints means no reads
        # in the window (an idle stream), which is no lag. Whether workers run at all is the
        # workers.running check's question, not this one's; insufficient data is no error.
        return Finding(
            WORKERS_LAG,
            GET_METRIC_STATISTICS.action,
            arn,
            {"max IteratorAgeMilliseconds": None},
            expected,
            True,
            f"no datapoints in the last {LAG_WINDOW}: no reads, so no lag (insufficient data)",
        )
    worst = max(float(p["Maximum"]) for p in points)
    return Finding(
        WORKERS_LAG,
        GET_METRIC_STATISTICS.action,
        arn,
        {"max IteratorAgeMilliseconds": worst},
        expected,
        worst < design.iterator_age_threshold_ms,
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    return [*_service(ctx, design), _lag(ctx, design)]


FAMILY = Family("workers", (WORKERS_RUNNING, WORKERS_STRATEGY, WORKERS_LAG), collect)
