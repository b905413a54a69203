"""A simulated deployed account on moto server, named from the synthesized stack (development only).

``SimulatedAccount.build`` creates what the collector reads, with the names and values of the
``Design``. moto 5.2 lacks some answers the collector needs; ``MotoGaps`` supplies exactly those
through botocore's ``before-call``/``after-call`` events (the mechanism botocore's Stubber uses),
validated against the operation's output shape like the Stubber does:

- ``cloudtrail:LookupEvents``: not implemented in moto (NotImplementedError).
- ``backup:ListRecoveryPointsByBackupVault`` and ``backup:ListBackupJobs``: moto answers 404.
- ``cloudtrail:GetTrailStatus``: moto omits ``LatestDigestDeliveryTime``.
- ``ecs:DescribeServices``: moto omits ``capacityProviderStrategy``.
Everything else is answered by moto's own state. One call needs its address fixed, not its answer:
S3 Control puts the account id in front of the host (``<account>.s3-control.<region>...``, the
API's ``hostPrefix``), which a moto server on ``127.0.0.1`` cannot receive, so ``MotoGaps`` strips
that prefix again before the request is signed.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters

from compliance.collect.design import CisChain, Design
from compliance.collect.run import Target

ACCOUNT_ID = "123456789012"  # moto's default account
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@contextmanager
def local_moto() -> Iterator[str]:
    """moto server on a free 127.0.0.1 port (as the worker's stand-ins start it); its URL."""
    import logging

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


Handler = Callable[..., Any]


@dataclass
class MotoGaps:
    """Answers for the operations moto lacks (mutable: tests change them to make negatives)."""

    rotation_events: list[dict[str, Any]] = field(default_factory=list)
    recovery_points: list[dict[str, Any]] = field(default_factory=list)
    backup_jobs: list[dict[str, Any]] = field(default_factory=list)
    digest_delivered: datetime | None = None
    strategy: list[dict[str, Any]] = field(default_factory=list)

    def _stub(self, answer: Callable[[dict[str, Any]], dict[str, Any]]) -> Handler:
        def handler(model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, Any]:
            response = answer(params.get("body") or {})
            validate_parameters(response, model.output_shape)  # the real response shape
            return AWSResponse("", 200, {}, None), response

        return handler

    def _events_named(self, body: Any) -> dict[str, Any]:
        text = json.dumps(body) if not isinstance(body, bytes) else body.decode()
        return {"Events": [e for e in self.rotation_events if e["EventName"] in text]}

    def _add_digest(self, parsed: dict[str, Any], **_: Any) -> None:
        if self.digest_delivered is not None:
            parsed["LatestDigestDeliveryTime"] = self.digest_delivered

    def _add_strategy(self, parsed: dict[str, Any], **_: Any) -> None:
        for service in parsed.get("services", []):
            service.setdefault("capacityProviderStrategy", list(self.strategy))

    def register_client(self, client: Any) -> None:
        """The same address fix for a client made before ``register`` (the builder's own)."""
        client.meta.events.register("before-sign.s3-control", self._no_host_prefix)

    @staticmethod
    def _no_host_prefix(request: Any, **_: Any) -> None:
        """``http://<account>.127.0.0.1:<port>/...`` -> ``http://127.0.0.1:<port>/...``."""
        scheme, _, rest = request.url.partition("://")
        host, sep, path = rest.partition("/")
        label, dot, tail = host.partition(".")
        if dot and label.isdigit() and tail.startswith("127.0.0.1"):
            request.url = f"{scheme}://{tail}{sep}{path}"

    def register(self, session: Any) -> None:
        """Hook into a boto3 session (before its clients are created)."""
        events = session.events
        events.register("before-sign.s3-control", self._no_host_prefix)
        events.register("before-call.cloudtrail.LookupEvents", self._stub(self._events_named))
        events.register(
            "before-call.backup.ListRecoveryPointsByBackupVault",
            self._stub(lambda _: {"RecoveryPoints": list(self.recovery_points)}),
        )
        events.register(
            "before-call.backup.ListBackupJobs",
            self._stub(lambda _: {"BackupJobs": list(self.backup_jobs)}),
        )
        events.register(
            "after-call.cloudtrail.GetTrailStatus", lambda parsed, **kw: self._add_digest(parsed)
        )
        events.register(
            "after-call.ecs.DescribeServices", lambda parsed, **kw: self._add_strategy(parsed)
        )


@dataclass
class SimulatedAccount:
    """The deployed state of one stack on moto, and the changes that make each negative case."""

    design: Design
    target: Target
    gaps: MotoGaps
    now: datetime
    ids: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.target.client(service)
        return self._clients[service]

    def collector_target(self) -> Target:
        """A fresh session for the collector, with moto's gaps answered."""
        session = boto3.Session(region_name=self.target.region)
        self.gaps.register(session)
        return Target(session, self.target.region, self.target.endpoint)

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, design: Design, target: Target, now: datetime) -> SimulatedAccount:
        account = cls(design, target, MotoGaps(), now)
        keys = account._keys()
        account._trail(keys)
        account._alerts()
        secret = account._database()
        account._rotation(secret)
        account._logs(keys)
        account._network()
        account._workers()
        account._baselines()
        return account

    def _keys(self) -> dict[str | None, str]:
        kms = self.client("kms")
        aliases = {self.design.trail_kms_alias, *(g.kms_alias for g in self.design.log_groups)}
        out: dict[str | None, str] = {}
        for alias in sorted(a for a in aliases if a):
            arn = kms.create_key(Description=alias)["KeyMetadata"]["Arn"]
            kms.create_alias(AliasName=alias, TargetKeyId=arn)
            out[alias] = arn
        return out

    def _trail(self, keys: dict[str | None, str]) -> None:
        d, s3 = self.design, self.client("s3")
        bucket = f"sim-trail-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.target.region}
        )
        ct = self.client("cloudtrail")
        ct.create_trail(
            Name=d.trail_name,
            S3BucketName=bucket,
            IsMultiRegionTrail=d.trail_multi_region,
            EnableLogFileValidation=d.trail_validation,
            KmsKeyId=keys.get(d.trail_kms_alias, ""),
            CloudWatchLogsLogGroupArn=self.trail_log_group_arn(d.trail_log_group),
            CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/sim-trail-logs",
        )
        ct.start_logging(Name=d.trail_name)
        self.gaps.digest_delivered = self.now - timedelta(minutes=40)

    def trail_log_group_arn(self, group: str) -> str:
        return f"arn:aws:logs:{self.target.region}:{ACCOUNT_ID}:log-group:{group}:*"

    def _alerts(self) -> None:
        d, sns = self.design, self.client("sns")
        topic = sns.create_topic(Name=d.topic_name)["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
        policy = f"arn:aws:autoscaling:{self.target.region}:{ACCOUNT_ID}:scalingPolicy:sim"
        cis = {c.alarm_name: c for c in d.cis_chains}
        for alarm in d.alarms:
            actions = [topic] if alarm.actions_to_topic else [policy] * alarm.action_count
            chain = cis.get(alarm.name)
            if chain is not None:  # the CIS alarms watch their designed metric
                self.put_cis_alarm(chain, actions)
                continue
            self.client("cloudwatch").put_metric_alarm(
                AlarmName=alarm.name,
                MetricName="Simulated",
                Namespace="Sim",
                Statistic="Maximum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanThreshold",
                AlarmActions=actions,
                ActionsEnabled=True,
            )

    def put_cis_alarm(self, chain: CisChain, actions: list[str], **changes: Any) -> None:
        """The CIS alarm as designed, with ``changes`` (e.g. ``Threshold=5``) applied."""
        self.client("cloudwatch").put_metric_alarm(
            **{
                "AlarmName": chain.alarm_name,
                "MetricName": chain.metric_name,
                "Namespace": chain.namespace,
                "Statistic": chain.statistic,
                "Period": chain.period,
                "EvaluationPeriods": 1,
                "Threshold": chain.threshold,
                "ComparisonOperator": chain.comparison,
                "AlarmActions": actions,
                "ActionsEnabled": True,
                **changes,
            }
        )

    def put_cis_filter(self, chain: CisChain, **changes: Any) -> None:
        """The CIS metric filter as designed, with ``changes`` (e.g. ``filterPattern``).

        AWS's PutMetricFilter creates or updates the filter of that name in the log group; moto
        5.2 appends a second filter under the same name instead, so an update deletes first."""
        logs = self.client("logs")
        group = str(changes.get("logGroupName", chain.log_group))
        names = {
            f["filterName"]
            for f in logs.describe_metric_filters(logGroupName=group)["metricFilters"]
        }
        if chain.filter_name in names:
            logs.delete_metric_filter(logGroupName=group, filterName=chain.filter_name)
        logs.put_metric_filter(
            **{
                "logGroupName": chain.log_group,
                "filterName": chain.filter_name,
                "filterPattern": chain.pattern,
                "metricTransformations": [
                    {
                        "metricName": chain.metric_name,
                        "metricNamespace": chain.namespace,
                        "metricValue": "1",
                    }
                ],
                **changes,
            }
        )

    def _database(self) -> str:
        d, rds = self.design, self.client("rds")
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=d.cluster_id,
            Engine="aurora-postgresql",
            MasterUsername="streamflix_admin",
            ManageMasterUserPassword=True,
            BackupRetentionPeriod=d.backup_retention_days,
            StorageEncrypted=d.storage_encrypted,
            EnableIAMDatabaseAuthentication=d.iam_auth,
        )["DBCluster"]
        arn = str(cluster["DBClusterArn"])
        self.ids["cluster_arn"] = arn
        self.client("backup").create_backup_vault(BackupVaultName=d.backup_vault)
        vault_arn = (
            f"arn:aws:backup:{self.target.region}:{ACCOUNT_ID}:backup-vault:{d.backup_vault}"
        )
        for day in range(3):
            when = self.now - timedelta(days=day, hours=2)
            self.gaps.backup_jobs.append(
                {
                    "BackupJobId": f"job-{day}",
                    "State": "COMPLETED",
                    "ResourceArn": arn,
                    "CreationDate": when,
                    "BackupVaultName": d.backup_vault,
                }
            )
            self.gaps.recovery_points.append(
                {
                    "RecoveryPointArn": f"arn:aws:backup:{self.target.region}:{ACCOUNT_ID}:"
                    f"recovery-point:sim-{day}",
                    "BackupVaultName": d.backup_vault,
                    "BackupVaultArn": vault_arn,
                    "ResourceArn": arn,
                    "Status": "COMPLETED",
                    "CreationDate": when,
                }
            )
        return str(cluster["MasterUserSecret"]["SecretArn"])

    def _rotation(self, secret: str) -> None:
        self.ids["secret_arn"] = secret
        self.client("secretsmanager").rotate_secret(
            SecretId=secret,
            RotationRules={"AutomaticallyAfterDays": self.design.rotation_days},
            RotateImmediately=False,
        )
        self.add_rotation_event("RotationSucceeded", self.now - timedelta(days=3))

    def add_rotation_event(self, name: str, when: datetime) -> None:
        secret = self.ids["secret_arn"]
        detail = {
            "eventName": name,
            "eventSource": "secretsmanager.amazonaws.com",
            "additionalEventData": {"SecretId": secret},
        }
        self.gaps.rotation_events.append(
            {
                "EventId": str(uuid.uuid4()),
                "EventName": name,
                "EventTime": when,
                "EventSource": "secretsmanager.amazonaws.com",
                "Resources": [
                    {"ResourceType": "AWS::SecretsManager::Secret", "ResourceName": secret}
                ],
                "CloudTrailEvent": json.dumps(detail),
            }
        )

    def _logs(self, keys: dict[str | None, str]) -> None:
        logs = self.client("logs")
        for g in self.design.log_groups:
            extra = {"kmsKeyId": keys[g.kms_alias]} if g.kms_alias else {}
            logs.create_log_group(logGroupName=g.name, **extra)
            logs.put_retention_policy(logGroupName=g.name, retentionInDays=g.retention_days)
        for chain in self.design.cis_chains:
            self.put_cis_filter(chain)

    def _network(self) -> None:
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(
            CidrBlock="10.40.0.0/16",
            TagSpecifications=[
                {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": self.design.vpc_name}]}
            ],
        )["Vpc"]["VpcId"]
        self.ids["vpc"] = vpc
        self._flow_log()
        for name in self.design.security_groups:
            group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)
            self.ids[f"sg:{name}"] = group["GroupId"]
            # moto adds a default egress rule; a designed group has no world ingress.

    def _flow_log(self) -> None:
        role = f"arn:aws:iam::{ACCOUNT_ID}:role/sim-flow-logs"
        made = self.client("ec2").create_flow_logs(
            ResourceIds=[self.ids["vpc"]],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=self.design.flow_log_group,
            DeliverLogsPermissionArn=role,
        )
        self.ids["flow_log"] = made["FlowLogIds"][0]

    def _workers(self) -> None:
        d, ecs = self.design, self.client("ecs")
        ecs.create_cluster(clusterName=d.ecs_cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"])
        ecs.register_task_definition(
            family="sim-worker",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "w", "image": "sim"}],
        )
        self.gaps.strategy = [
            {"capacityProvider": s.provider, "base": s.base, "weight": s.weight} for s in d.strategy
        ]
        self._service(d.min_tasks)
        self.client("cloudwatch").put_metric_data(
            Namespace="AWS/Kinesis",
            MetricData=[
                {
                    "MetricName": "GetRecords.IteratorAgeMilliseconds",
                    "Dimensions": [{"Name": "StreamName", "Value": d.stream_name}],
                    "Timestamp": self.now - timedelta(minutes=3),
                    "Value": 1200.0,
                    "Unit": "Milliseconds",
                }
            ],
        )

    def _service(self, running: int) -> None:
        """moto reads the running count from MOTO_ECS_SERVICE_RUNNING when a service is made
        (moto/ecs/models.py), so this works for the in-process ThreadedMotoServer only."""
        d = self.design
        previous = os.environ.get("MOTO_ECS_SERVICE_RUNNING")
        os.environ["MOTO_ECS_SERVICE_RUNNING"] = str(running)
        try:
            self.client("ecs").create_service(
                cluster=d.ecs_cluster,
                serviceName=d.ecs_service,
                taskDefinition="sim-worker",
                desiredCount=max(running, d.min_tasks),
                capacityProviderStrategy=list(self.gaps.strategy),
            )
        finally:
            if previous is None:
                os.environ.pop("MOTO_ECS_SERVICE_RUNNING", None)
            else:
                os.environ["MOTO_ECS_SERVICE_RUNNING"] = previous

    def _baselines(self) -> None:
        cfg = self.client("config")
        cfg.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/sim-config",
            }
        )
        bucket = f"sim-config-{uuid.uuid4().hex[:12]}"
        self.client("s3").create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.target.region}
        )
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        self.client("securityhub").enable_security_hub()
        self.gaps.register_client(self.client("s3control"))
        self.ids["account"] = ACCOUNT_ID
        self.client("s3control").put_public_access_block(
            AccountId=ACCOUNT_ID,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )

    # ------------------------------------------------------------------ negative cases
    def stop_trail(self) -> None:
        self.client("cloudtrail").stop_logging(Name=self.design.trail_name)

    def remove_subscriptions(self) -> None:
        sns = self.client("sns")
        topic = f"arn:aws:sns:{self.target.region}:{ACCOUNT_ID}:{self.design.topic_name}"
        for sub in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
            sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])

    def set_retention(self, group: str, days: int) -> None:
        self.client("logs").put_retention_policy(logGroupName=group, retentionInDays=days)

    def delete_alarm(self, name: str) -> None:
        self.client("cloudwatch").delete_alarms(AlarmNames=[name])

    def disable_alarm_actions(self, name: str) -> None:
        self.client("cloudwatch").disable_alarm_actions(AlarmNames=[name])

    def fail_flow_log(self) -> None:
        """moto marks a flow log FAILED when its log group is missing at creation: recreate it
        that way, then restore the group exactly as designed (so only the flow log differs)."""
        ec2, logs = self.client("ec2"), self.client("logs")
        ec2.delete_flow_logs(FlowLogIds=[self.ids["flow_log"]])
        group = next(g for g in self.design.log_groups if g.name == self.design.flow_log_group)
        found = logs.describe_log_groups(logGroupNamePrefix=group.name)["logGroups"][0]
        logs.delete_log_group(logGroupName=group.name)
        self._flow_log()
        logs.create_log_group(logGroupName=group.name, kmsKeyId=found["kmsKeyId"])
        logs.put_retention_policy(logGroupName=group.name, retentionInDays=group.retention_days)

    def scale_below_minimum(self) -> None:
        ecs = self.client("ecs")
        ecs.delete_service(
            cluster=self.design.ecs_cluster, service=self.design.ecs_service, force=True
        )
        self._service(self.design.min_tasks - 1)

    # ------------------------------------------------------------------ time (issue 22)
    def advance_to(self, when: datetime) -> None:
        """Move the simulated account's clock to ``when`` for a daily collection of a period
        simulation: the answers moto's gaps supply follow the clock (a digest delivered 40
        minutes ago, the day's backup job and recovery point, a rotation within the schedule),
        and only what existed at ``when`` is answered; a fresh lag datapoint is put."""
        self.now = when
        gaps = self.gaps
        gaps.digest_delivered = when - timedelta(minutes=40)
        cluster, d = self.ids["cluster_arn"], self.design
        vault_arn = (
            f"arn:aws:backup:{self.target.region}:{ACCOUNT_ID}:backup-vault:{d.backup_vault}"
        )
        stamp = when - timedelta(hours=2)
        gaps.backup_jobs.append(
            {
                "BackupJobId": f"job-{stamp:%Y%m%d}",
                "State": "COMPLETED",
                "ResourceArn": cluster,
                "CreationDate": stamp,
                "BackupVaultName": d.backup_vault,
            }
        )
        gaps.recovery_points.append(
            {
                "RecoveryPointArn": f"arn:aws:backup:{self.target.region}:{ACCOUNT_ID}:"
                f"recovery-point:sim-{stamp:%Y%m%d}",
                "BackupVaultName": d.backup_vault,
                "BackupVaultArn": vault_arn,
                "ResourceArn": cluster,
                "Status": "COMPLETED",
                "CreationDate": stamp,
            }
        )
        week = when - timedelta(days=7)
        gaps.backup_jobs = [j for j in gaps.backup_jobs if week < j["CreationDate"] <= when]
        gaps.recovery_points = [p for p in gaps.recovery_points if week < p["CreationDate"] <= when]
        gaps.rotation_events = [e for e in gaps.rotation_events if e["EventTime"] <= when]
        recent = when - timedelta(days=max(1, d.rotation_days - 1))
        if not any(
            e["EventName"] == "RotationSucceeded" and e["EventTime"] > recent
            for e in gaps.rotation_events
        ):
            self.add_rotation_event("RotationSucceeded", when - timedelta(hours=1))
        self.client("cloudwatch").put_metric_data(
            Namespace="AWS/Kinesis",
            MetricData=[
                {
                    "MetricName": "GetRecords.IteratorAgeMilliseconds",
                    "Dimensions": [{"Name": "StreamName", "Value": d.stream_name}],
                    "Timestamp": when - timedelta(minutes=3),
                    "Value": 1200.0,
                    "Unit": "Milliseconds",
                }
            ],
        )
