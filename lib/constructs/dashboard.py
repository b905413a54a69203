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
from lib.constructs.worker_roles import METRICS_NAMESPACE
from lib.context import StackContext

WIDGET_WIDTH = 8
WIDGET_HEIGHT = 6
PER_ROW = 24 // WIDGET_WIDTH


@dataclass(frozen=True)
class Graph:
    title: str
    metrics: tuple[tuple[str, ...], ...]  # CloudWatch's [namespace, name, dim, value, ...] rows
    stat: str = "Sum"


def _graphs(ctx: StackContext, r: MonitoredResources) -> list[Graph]:
    stream = ("StreamName", r.stream_name)
    service = ("ClusterName", r.cluster_name, "ServiceName", r.service_name)
    env = ("Environment", ctx.config.environment_suffix)
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
                (METRICS_NAMESPACE, "MillisBehindLatest", *env),
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
        Graph(
            "Workers: job outcomes",
            tuple(
                (METRICS_NAMESPACE, name, *env)
                for name in (
                    "JobsProcessed",
                    "JobsFailed",
                    "JobsRetried",
                    "JobsDeadLettered",
                    "JobsDuplicate",
                    "JobsDuplicateChanged",
                    "ShardConsumerCrashed",
                )
            ),
        ),
        Graph(
            "Workers: processing latency (ms, p90)",
            ((METRICS_NAMESPACE, "ProcessingLatency", *env),),
            stat="p90",
        ),
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
