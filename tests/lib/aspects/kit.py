"""Small in-process test stacks for the aspects: every builder makes a COMPLIANT resource.

A test injects one violation through keyword overrides (``None`` removes an attribute, as
cdktf omits unset values) and asserts on the run's records and the error annotations.
Importing the used provider submodules costs a few seconds once per session; each stack then synthesizes in ~0.1 s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.backup_vault import BackupVault
from cdktf_cdktf_provider_aws.cloudtrail import Cloudtrail
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.default_network_acl import DefaultNetworkAcl
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
)
from cdktf_cdktf_provider_aws.ecs_cluster import (
    EcsCluster,
    EcsClusterConfiguration,
    EcsClusterConfigurationManagedStorageConfiguration,
)
from cdktf_cdktf_provider_aws.ecs_service import EcsService, EcsServiceNetworkConfiguration
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.kinesis_stream import KinesisStream
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.route_table import RouteTable, RouteTableRoute
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from compliance.exceptions import ExceptionSet, parse_exceptions
from lib.aspects import ALL_RULES, AspectRecord, AspectRun, Status, apply_compliance_aspects
from lib.aspects.engine import evaluate
from lib.aspects.facts import stack_facts
from lib.aspects.pack import ERROR_TYPE, WARNING_TYPE, subject_nodes
from lib.config import StackConfig
from lib.constructs.network import default_acl_rules

CONFIG = StackConfig(environment_suffix="t1")
REQUIRED_TAGS = CONFIG.required_tags()
NO_EXCEPTIONS = ExceptionSet(())


def exceptions(*entries: dict[str, Any]) -> ExceptionSet:
    base = {
        "owner": "platform-team",
        "approved_by": "security-officer",
        "approved_on": "2026-01-01",
        "risk": "low",
        "compensating_controls": ["SFX-CTL-LOG-06"],
        "expires": "2099-01-01",
        "reason": "reviewed in a test",
    }
    return parse_exceptions({"exceptions": [{**base, **e} for e in entries]})


def tls_deny(service: str, resource: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": f"{service}:*",
                    "Resource": resource,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def rtype_of(address: str) -> str:
    """The type part of an address; providers and backends are their own type."""
    if address.startswith(("provider.", "backend.")):
        return ".".join(address.split(".")[:2])
    return address.split(".")[0]


def _merge(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


@dataclass
class Result:
    run: AspectRun
    json: dict[str, Any]
    errors: list[str]
    warnings: list[str]

    def records(self, rule: str | None = None, status: Status | None = None) -> list[AspectRecord]:
        return [
            r
            for r in self.run.records
            if (rule is None or r.rule == rule) and (status is None or r.status is status)
        ]

    def violations(self) -> set[tuple[str, str]]:
        """(rule, resource type) of every unwaived error."""
        return {(r.rule, rtype_of(r.resource)) for r in self.run.violations}

    def fixed(self) -> set[tuple[str, str]]:
        return {(r.rule, rtype_of(r.resource)) for r in self.records(status=Status.FIXED)}

    def resource(self, rtype: str, name: str) -> dict[str, Any]:
        body: dict[str, Any] = self.json["resource"][rtype][name]
        return body


@dataclass
class Kit:
    """A stack in an EU region with the required default tags and one customer-managed key."""

    region: str = "eu-central-1"
    default_tags: dict[str, str] | None = field(default_factory=lambda: dict(REQUIRED_TAGS))

    def __post_init__(self) -> None:
        self.app = Testing.app()
        self.stack = TerraformStack(self.app, "t")
        tags = [AwsProviderDefaultTags(tags=self.default_tags)] if self.default_tags else None
        self.provider = AwsProvider(self.stack, "aws", region=self.region, default_tags=tags)
        self.key = self.kms_key("key")
        self._network: dict[str, Any] | None = None

    # ---- resources -------------------------------------------------------------------------
    def kms_key(self, id_: str, **over: Any) -> KmsKey:
        return KmsKey(
            self.stack,
            id_,
            **_merge({"enable_key_rotation": True, "deletion_window_in_days": 7}, over),
        )

    def log_group(self, id_: str = "logs", **over: Any) -> CloudwatchLogGroup:
        return CloudwatchLogGroup(
            self.stack,
            id_,
            **_merge(
                {"name": f"/t/{id_}", "retention_in_days": 90, "kms_key_id": self.key.arn}, over
            ),
        )

    def stream(self, id_: str = "stream", **over: Any) -> KinesisStream:
        return KinesisStream(
            self.stack,
            id_,
            **_merge(
                {
                    "name": id_,
                    "shard_count": 1,
                    "encryption_type": "KMS",
                    "kms_key_id": self.key.arn,
                    "enforce_consumer_deletion": True,
                },
                over,
            ),
        )

    def secret(self, id_: str = "secret", **over: Any) -> SecretsmanagerSecret:
        return SecretsmanagerSecret(
            self.stack,
            id_,
            **_merge({"name": id_, "kms_key_id": self.key.arn, "recovery_window_in_days": 0}, over),
        )

    def queue(self, id_: str = "queue", policy: bool = True, **over: Any) -> SqsQueue:
        queue = SqsQueue(
            self.stack, id_, **_merge({"name": id_, "kms_master_key_id": self.key.arn}, over)
        )
        if policy:
            SqsQueuePolicy(
                self.stack, f"{id_}_policy", queue_url=queue.url, policy=tls_deny("sqs", queue.arn)
            )
        return queue

    def topic(self, id_: str = "topic", policy: bool = True, **over: Any) -> SnsTopic:
        topic = SnsTopic(
            self.stack, id_, **_merge({"name": id_, "kms_master_key_id": self.key.arn}, over)
        )
        if policy:
            SnsTopicPolicy(
                self.stack, f"{id_}_policy", arn=topic.arn, policy=tls_deny("sns", topic.arn)
            )
        return topic

    def bucket(
        self,
        id_: str = "bucket",
        *,
        public_access_block: dict[str, Any] | None = None,
        sse: dict[str, Any] | None = None,
        policy: bool = True,
        with_sse: bool = True,
        **over: Any,
    ) -> S3Bucket:
        bucket = S3Bucket(self.stack, id_, **_merge({"bucket": id_, "force_destroy": True}, over))
        S3BucketPublicAccessBlock(
            self.stack,
            f"{id_}_pab",
            **_merge(
                {
                    "bucket": bucket.id,
                    "block_public_acls": True,
                    "block_public_policy": True,
                    "ignore_public_acls": True,
                    "restrict_public_buckets": True,
                },
                public_access_block or {},
            ),
        )
        by_default = _merge(
            {"sse_algorithm": "aws:kms", "kms_master_key_id": self.key.arn}, sse or {}
        )
        if with_sse:
            self._sse(id_, bucket, by_default)
        if policy:
            S3BucketPolicy(
                self.stack, f"{id_}_policy", bucket=bucket.id, policy=tls_deny("s3", bucket.arn)
            )
        return bucket

    def _sse(self, id_: str, bucket: S3Bucket, by_default: dict[str, Any]) -> None:
        S3BucketServerSideEncryptionConfigurationA(
            self.stack,
            f"{id_}_sse",
            bucket=bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            **by_default
                        )
                    )
                )
            ],
        )

    def ecr(self, id_: str = "repo", **over: Any) -> EcrRepository:
        return EcrRepository(
            self.stack,
            id_,
            **_merge(
                {
                    "name": id_,
                    "force_delete": True,
                    "encryption_configuration": [
                        EcrRepositoryEncryptionConfiguration(
                            encryption_type="KMS", kms_key=self.key.arn
                        )
                    ],
                },
                over,
            ),
        )

    def trail(self, id_: str = "trail", **over: Any) -> Cloudtrail:
        return Cloudtrail(
            self.stack,
            id_,
            **_merge(
                {"name": id_, "s3_bucket_name": "trail-bucket", "kms_key_id": self.key.arn}, over
            ),
        )

    def vault(self, id_: str = "vault", **over: Any) -> BackupVault:
        return BackupVault(
            self.stack,
            id_,
            **_merge({"name": id_, "kms_key_arn": self.key.arn, "force_destroy": True}, over),
        )

    def network(self) -> dict[str, Any]:
        """A VPC with one public subnet (internet route, Tier=public) and two private ones."""
        if self._network is None:
            vpc = Vpc(self.stack, "vpc", cidr_block="10.0.0.0/16")
            igw = InternetGateway(self.stack, "igw", vpc_id=vpc.id)
            public = Subnet(
                self.stack,
                "public",
                vpc_id=vpc.id,
                cidr_block="10.0.0.0/24",
                tags={"Tier": "public"},
            )
            table = RouteTable(
                self.stack,
                "public_rt",
                vpc_id=vpc.id,
                route=[RouteTableRoute(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            )
            RouteTableAssociation(
                self.stack, "public_rta", subnet_id=public.id, route_table_id=table.id
            )
            private = [
                Subnet(
                    self.stack,
                    f"private_{i}",
                    vpc_id=vpc.id,
                    cidr_block=f"10.0.{i + 1}.0/24",
                    tags={"Tier": "private"},
                )
                for i in range(2)
            ]
            sg = SecurityGroup(self.stack, "sg", vpc_id=vpc.id, name="sg")
            ingress, egress = default_acl_rules("10.0.0.0/16")  # the stack's own rules
            acl = DefaultNetworkAcl(
                self.stack,
                "default_acl",
                default_network_acl_id=vpc.default_network_acl_id,
                ingress=ingress,
                egress=egress,
            )
            self._network = {
                "vpc": vpc,
                "public": public,
                "private": private,
                "sg": sg,
                "acl": acl,
            }
        return self._network

    def database(
        self,
        id_: str = "db",
        *,
        subnets: str = "private",
        force_ssl: str = "1",
        instance: dict[str, Any] | None = None,
        **over: Any,
    ) -> RdsCluster:
        net = self.network()
        chosen = [net["public"]] if subnets == "public" else net["private"]
        group = DbSubnetGroup(
            self.stack, f"{id_}_subnets", name=f"{id_}-subnets", subnet_ids=[s.id for s in chosen]
        )
        params = RdsClusterParameterGroup(
            self.stack,
            f"{id_}_params",
            name=f"{id_}-params",
            family="aurora-postgresql16",
            parameter=[RdsClusterParameterGroupParameter(name="rds.force_ssl", value=force_ssl)],
        )
        logs = self.log_group(f"{id_}_logs", name=f"/aws/rds/cluster/{id_}/postgresql")
        cluster = RdsCluster(
            self.stack,
            id_,
            **_merge(
                {
                    "cluster_identifier": id_,
                    "engine": "aurora-postgresql",
                    "enabled_cloudwatch_logs_exports": ["postgresql"],
                    "depends_on": [logs],
                    "db_subnet_group_name": group.name,
                    "db_cluster_parameter_group_name": params.name,
                    "storage_encrypted": True,
                    "kms_key_id": self.key.arn,
                    "manage_master_user_password": True,
                    "master_username": "admin_user",
                    "master_user_secret_kms_key_id": self.key.arn,
                    "deletion_protection": False,
                    "skip_final_snapshot": True,
                },
                over,
            ),
        )
        RdsClusterInstance(
            self.stack,
            f"{id_}_writer",
            **_merge(
                {
                    "cluster_identifier": cluster.id,
                    "instance_class": "db.serverless",
                    "engine": "aurora-postgresql",
                    "publicly_accessible": False,
                    "performance_insights_enabled": True,
                    "performance_insights_kms_key_id": self.key.arn,
                },
                instance or {},
            ),
        )
        return cluster

    def ecs(
        self,
        id_: str = "svc",
        *,
        subnets: str = "private",
        ephemeral_key: bool = True,
        network: dict[str, Any] | None = None,
        **over: Any,
    ) -> EcsService:
        net = self.network()
        storage = EcsClusterConfiguration(
            managed_storage_configuration=(
                EcsClusterConfigurationManagedStorageConfiguration(
                    fargate_ephemeral_storage_kms_key_id=self.key.arn
                )
            )
        )
        cluster = EcsCluster(
            self.stack,
            f"{id_}_cluster",
            name=f"{id_}-cluster",
            configuration=storage if ephemeral_key else None,
        )
        chosen = [net["public"]] if subnets == "public" else net["private"]
        config = EcsServiceNetworkConfiguration(
            **_merge(
                {
                    "subnets": [s.id for s in chosen],
                    "security_groups": [net["sg"].id],
                    "assign_public_ip": False,
                },
                network or {},
            )
        )
        return EcsService(
            self.stack,
            id_,
            **_merge(
                {
                    "name": id_,
                    "cluster": cluster.arn,
                    "network_configuration": config,
                    "propagate_tags": "SERVICE",
                    "enable_ecs_managed_tags": True,
                },
                over,
            ),
        )

    # ---- evaluation ------------------------------------------------------------------------
    def recheck(self, result: Result) -> list[AspectRecord]:
        """Evaluate every rule again, purely, on the synthesized output (fixes included)."""
        _nodes, taggable = subject_nodes(self.stack)
        facts = stack_facts(result.json, "t", REQUIRED_TAGS, taggable)
        return [o.record for o in evaluate(facts, ALL_RULES, NO_EXCEPTIONS)]

    def check(self, excepted: ExceptionSet = NO_EXCEPTIONS) -> Result:
        run = apply_compliance_aspects(self.stack, CONFIG, excepted)
        out = json.loads(Testing.synth(self.stack))
        metadata = [m for n in self.stack.node.find_all() for m in n.node.metadata]
        return Result(
            run,
            out,
            [str(m.data) for m in metadata if m.type == ERROR_TYPE],
            [str(m.data) for m in metadata if m.type == WARNING_TYPE],
        )
