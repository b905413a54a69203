"""The pipeline dashboard: one screen from the stream to the database.

Rows follow a request's path: stream in/out and lag, the workers (tasks, job outcomes,
latency), the dead-letter queue, the database. Where to look first is in docs/runtime.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from lib.constructs.monitoring import MonitoredResources
from lib.context import StackContext
from lib.worker_contract import METRIC_DIMENSION, METRICS_NAMESPACE, Metric, Unit, metrics_in

WIDGET_WIDTH = 8
WIDGET_HEIGHT = 6
PER_ROW = 24 // WIDGET_WIDTH


@dataclass(frozen=True)
class Graph:
    """One widget: a title, its metric rows, one statistic."""

    title: str
    metrics: tuple[tuple[str, ...], ...]  # CloudWatch's [namespace, name, dim, value, ...] rows
    stat: str = "Sum"


def _graphs(ctx: StackContext, r: MonitoredResources) -> list[Graph]:
    stream = ("StreamName", r.stream_name)
    service = ("ClusterName", r.cluster_name, "ServiceName", r.service_name)
    env = (METRIC_DIMENSION, ctx.config.environment_suffix)

    def worker(*metrics: Metric) -> tuple[tuple[str, ...], ...]:
        return tuple((METRICS_NAMESPACE, str(m), *env) for m in metrics)

    db = ("DBClusterIdentifier", r.db_cluster_id)
    queue = ("QueueName", r.dlq_name)
    return [
        Graph(
            "Stream: records in / out",
            (
                ("AWS/Kinesis", "IncomingRecords", *stream),
                ("AWS/Kinesis", "GetRecords.Records", *stream),
            ),
        ),
        Graph(
            "Stream: lag (iterator age, ms)",
            (
                ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", *stream),
                *worker(Metric.MILLIS_BEHIND_LATEST),
            ),
            stat="Maximum",
        ),
        Graph(
            "Stream: throttled requests",
            (
                ("AWS/Kinesis", "WriteProvisionedThroughputExceeded", *stream),
                ("AWS/Kinesis", "ReadProvisionedThroughputExceeded", *stream),
            ),
        ),
        Graph(
            "Workers: running tasks",
            (
                ("ECS/ContainerInsights", "RunningTaskCount", *service),
                ("ECS/ContainerInsights", "DesiredTaskCount", *service),
            ),
            stat="Average",
        ),
        # every count the worker emits (a new outcome's metric lands here by itself)
        Graph("Workers: job outcomes", worker(*metrics_in(Unit.COUNT))),
        Graph("Workers: processing latency (ms, p90)", worker(Metric.PROCESSING_LATENCY), "p90"),
        Graph(
            "Workers: CPU / memory (%)",
            (("AWS/ECS", "CPUUtilization", *service), ("AWS/ECS", "MemoryUtilization", *service)),
            stat="Average",
        ),
        Graph(
            "Dead-letter queue",
            (
                ("AWS/SQS", "ApproximateNumberOfMessagesVisible", *queue),
                ("AWS/SQS", "ApproximateAgeOfOldestMessage", *queue),
            ),
            stat="Maximum",
        ),
        Graph(
            "Database: CPU % / ACU %",
            (("AWS/RDS", "CPUUtilization", *db), ("AWS/RDS", "ACUUtilization", *db)),
            stat="Average",
        ),
        Graph("Database: connections", (("AWS/RDS", "DatabaseConnections", *db),), stat="Maximum"),
        Graph(
            "Database: freeable memory (bytes)",
            (("AWS/RDS", "FreeableMemory", *db),),
            stat="Minimum",
        ),
    ]


def dashboard_body(ctx: StackContext, r: MonitoredResources) -> dict[str, Any]:
    """The dashboard JSON: the graphs laid out ``PER_ROW`` to a row."""
    widgets = []
    for index, graph in enumerate(_graphs(ctx, r)):
        widgets.append(
            {
                "type": "metric",
                "x": (index % PER_ROW) * WIDGET_WIDTH,
                "y": (index // PER_ROW) * WIDGET_HEIGHT,
                "width": WIDGET_WIDTH,
                "height": WIDGET_HEIGHT,
                "properties": {
                    "title": graph.title,
                    "region": ctx.region,
                    "view": "timeSeries",
                    "stat": graph.stat,
                    "period": 60,
                    "metrics": [list(row) for row in graph.metrics],
                },
            }
        )
    return {"widgets": widgets}


class Dashboard(Construct):
    """The pipeline's CloudWatch dashboard, one screen from the stream to the database.

    Inputs:
        ctx: the stack context (name, region, the environment the worker metrics carry).
        resources: names of what the graphs show (metric dimensions), shared with the alarms.
    """

    dashboard: CloudwatchDashboard
    """``streamflix-dashboard-<suffix>``: stream, workers (every contract metric), DLQ, DB."""

    def __init__(
        self, scope: Construct, id_: str, ctx: StackContext, resources: MonitoredResources
    ):
        super().__init__(scope, id_)
        self.dashboard = CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=ctx.namer.name("dashboard"),
            dashboard_body=json.dumps(dashboard_body(ctx, resources)),
        )
