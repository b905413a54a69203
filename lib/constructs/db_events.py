"""RDS event subscriptions: failover, failure and maintenance of the cluster and its instances
reach the alerts topic.

CloudWatch alarms see metrics; they do not see that Aurora failed over, that an instance failed,
or that maintenance is scheduled or ran. RDS publishes those as events (Amazon Aurora User Guide,
"Working with Amazon RDS event notification", event categories per source type) to an SNS topic
named by an event subscription. The alerts topic is encrypted with the data key, so its key
policy lets events.rds.amazonaws.com use the key and its topic policy lets it publish, for this
account only (lib.constructs.encryption, lib.constructs.failure_handling).
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.db_event_subscription import DbEventSubscription
from constructs import Construct

from lib.context import StackContext

# The categories the cluster and each instance report for failover, failure and maintenance
# (both source types define exactly these names).
EVENT_CATEGORIES = ("failover", "failure", "maintenance")


class DatabaseEvents(Construct):
    """RDS event subscriptions (failover, failure, maintenance of the cluster and its
    instances) publishing to the alerts topic.

    Inputs: ``ctx`` (names), ``topic_arn`` (the alerts topic), ``cluster_id`` and
    ``instance_ids`` (the event sources).
    """

    subscriptions: list[DbEventSubscription]
    """One subscription per source type (cluster, instances)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        *,
        topic_arn: str,
        cluster_id: str,
        instance_ids: Sequence[str],
    ):
        super().__init__(scope, id_)
        names = ctx.namer
        self.subscriptions = [
            DbEventSubscription(
                self,
                key,
                name=names.name(component),
                sns_topic=topic_arn,
                source_type=source_type,
                source_ids=list(ids),
                event_categories=list(EVENT_CATEGORIES),
                enabled=True,
            )
            for key, component, source_type, ids in (
                ("cluster", "db-cluster-events", "db-cluster", [cluster_id]),
                ("instances", "db-instance-events", "db-instance", instance_ids),
            )
        ]
