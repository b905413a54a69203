"""Every rule catches (or fixes) its violation, with a message naming what to change.

Each case perturbs ONE attribute of an otherwise compliant stack (tests/lib/aspects/kit.py) and
asserts that exactly the expected rule fires on exactly the expected resource type, that the
synthesis error names the rule and the resource, and that the message says what to change.
The baseline (test_baseline.py) proves the unperturbed stack passes every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cdktf import S3Backend, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.autoscaling_group import AutoscalingGroup, AutoscalingGroupTag
from cdktf_cdktf_provider_aws.backup_plan import (
    BackupPlan,
    BackupPlanRule,
    BackupPlanRuleCopyAction,
)
from cdktf_cdktf_provider_aws.default_network_acl import DefaultNetworkAclIngress
from cdktf_cdktf_provider_aws.ecs_cluster import (
    EcsCluster,
    EcsClusterConfiguration,
    EcsClusterConfigurationManagedStorageConfiguration,
    EcsClusterSetting,
)
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsServiceVolumeConfiguration,
    EcsServiceVolumeConfigurationManagedEbsVolume,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionVolume,
    EcsTaskDefinitionVolumeEfsVolumeConfiguration,
)
from cdktf_cdktf_provider_aws.launch_template import LaunchTemplate
from cdktf_cdktf_provider_aws.network_acl import NetworkAcl
from cdktf_cdktf_provider_aws.network_acl_rule import NetworkAclRule
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecretReplica
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from cdktf_cdktf_provider_aws.security_group_rule import SecurityGroupRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from lib.aspects import Status
from lib.constructs.network import default_acl_rules
from tests.lib.aspects.kit import REQUIRED_TAGS, Kit, rtype_of


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], Kit]
    rule: str
    rtype: str  # Terraform type the record is about ("provider.aws", "backend.s3", ...)
    expect: str  # fragment of the message
    status: Status = Status.NON_COMPLIANT


def kit_with(method: str, **over: Any) -> Callable[[], Kit]:
    def build() -> Kit:
        kit = Kit()
        getattr(kit, method)(**over)
        return kit

    return build


def kit_custom(fn: Callable[[Kit], object], **kit_args: Any) -> Callable[[], Kit]:
    def build() -> Kit:
        kit = Kit(**kit_args)
        fn(kit)
        return kit

    return build


def _tags_without(*keys: str) -> dict[str, str]:
    return {k: v for k, v in REQUIRED_TAGS.items() if k not in keys}


def _asg(kit: Kit, tags: list[AutoscalingGroupTag]) -> None:
    AutoscalingGroup(
        kit.stack, "asg", max_size=1, min_size=0, availability_zones=["eu-central-1a"], tag=tags
    )


def _secret_replica(kit: Kit) -> None:
    kit.secret(replica=[SecretsmanagerSecretReplica(region="us-east-1")])


def _backup_copy(kit: Kit) -> None:
    vault = kit.vault()
    BackupPlan(
        kit.stack,
        "plan",
        name="plan",
        rule=[
            BackupPlanRule(
                rule_name="daily",
                target_vault_name=vault.name,
                schedule="cron(0 2 * * ? *)",
                copy_action=[
                    BackupPlanRuleCopyAction(
                        destination_vault_arn="arn:aws:backup:us-east-1:123456789012:backup-vault:x"
                    )
                ],
            )
        ],
    )


def _s3_backend(kit: Kit) -> None:
    S3Backend(kit.stack, bucket="state", key="k", region="us-east-1")


def _open_sg(kit: Kit) -> None:
    SecurityGroup(
        kit.stack,
        "open",
        name="open",
        ingress=[
            SecurityGroupIngress(
                from_port=443, to_port=443, protocol="tcp", cidr_blocks=["0.0.0.0/0"]
            )
        ],
    )


def _open_sg_rule(kit: Kit) -> None:
    SecurityGroupRule(
        kit.stack,
        "open_rule",
        type="ingress",
        from_port=22,
        to_port=22,
        protocol="tcp",
        security_group_id="sg-123",
        cidr_blocks=["0.0.0.0/0"],
    )


def _nacl_ssh_open(kit: Kit) -> None:
    """An extra rule before the stack's own: SSH from the whole internet."""
    acl = kit.network()["acl"]
    acl.put_ingress(
        [
            DefaultNetworkAclIngress(
                rule_no=50,
                action="allow",
                protocol="tcp",
                from_port=22,
                to_port=22,
                cidr_block="0.0.0.0/0",
            ),
            *default_acl_rules("10.0.0.0/16")[0],
        ]
    )


def _nacl_rdp_rule_v6(kit: Kit) -> None:
    """A separate rule resource opening every port to ::/0 on an ACL of the stack."""
    net = kit.network()
    acl = NetworkAcl(kit.stack, "custom_acl", vpc_id=net["vpc"].id)
    NetworkAclRule(
        kit.stack,
        "all_v6",
        network_acl_id=acl.id,
        rule_number=100,
        egress=False,
        protocol="-1",
        rule_action="allow",
        ipv6_cidr_block="::/0",
    )


def _default_nacl_unmanaged(kit: Kit) -> None:
    kit.network()
    assert kit.stack.node.try_remove_child("default_acl")


def _open_ipv6(kit: Kit) -> None:
    net = kit.network()
    VpcSecurityGroupIngressRule(
        kit.stack,
        "open_v6",
        security_group_id=net["sg"].id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv6="::/0",
    )


def _exec_without_key(kit: Kit) -> None:
    kit.ecs(enable_execute_command=True)


def _efs_task(kit: Kit) -> None:
    EcsTaskDefinition(
        kit.stack,
        "task",
        family="task",
        container_definitions="[]",
        volume=[
            EcsTaskDefinitionVolume(
                name="shared",
                efs_volume_configuration=(
                    EcsTaskDefinitionVolumeEfsVolumeConfiguration(file_system_id="fs-1")
                ),
            )
        ],
    )


def _ebs_service(kit: Kit) -> None:
    kit.ecs(
        volume_configuration=EcsServiceVolumeConfiguration(
            name="scratch",
            managed_ebs_volume=EcsServiceVolumeConfigurationManagedEbsVolume(
                role_arn="arn:aws:iam::123456789012:role/ebs", encrypted=True
            ),
        )
    )


def _insights_cluster(kit: Kit) -> None:
    storage = EcsClusterConfigurationManagedStorageConfiguration(
        fargate_ephemeral_storage_kms_key_id=kit.key.arn
    )
    EcsCluster(
        kit.stack,
        "c",
        name="c",
        setting=[EcsClusterSetting(name="containerInsights", value="enabled")],
        configuration=EcsClusterConfiguration(managed_storage_configuration=storage),
    )


def _prevent_destroy(kit: Kit) -> None:
    kit.queue(lifecycle=TerraformResourceLifecycle(prevent_destroy=True))


def _ghost_provider(kit: Kit) -> None:
    kit.log_group().add_override("provider", "aws.ghost")


CASES: list[Case] = [
    # ---- tags
    Case(
        "tag-missing-default-tag",
        kit_custom(lambda k: None, default_tags=_tags_without("Owner")),
        "SFX-TAG-01",
        "provider.aws",
        "default_tags lack Owner",
        Status.FIXED,
    ),
    Case(
        "tag-wrong-default-value",
        kit_custom(lambda k: None, default_tags={**REQUIRED_TAGS, "Environment": "prod"}),
        "SFX-TAG-01",
        "provider.aws",
        "Environment='prod' (required 't1')",
    ),
    Case(
        "tag-resource-overrides-required",
        kit_with("log_group", tags={"Environment": "prod"}),
        "SFX-TAG-02",
        "aws_cloudwatch_log_group",
        "override required tags",
    ),
    Case(
        "tag-unconfigured-provider",
        kit_custom(_ghost_provider),
        "SFX-TAG-02",
        "aws_cloudwatch_log_group",
        "which this stack does not configure",
    ),
    Case(
        "tag-person-key",
        kit_with("log_group", tags={"UploaderName": "x"}),
        "SFX-TAG-03",
        "aws_cloudwatch_log_group",
        "'UploaderName' names personal data",
    ),
    Case(
        "tag-email-value",
        kit_with("log_group", tags={"Team": "ops@example.com"}),
        "SFX-TAG-03",
        "aws_cloudwatch_log_group",
        "contains an e-mail address",
    ),
    Case(
        "tag-creator-id",
        kit_with("stream", tags={"Source": "creator-48213"}),
        "SFX-TAG-03",
        "aws_kinesis_stream",
        "looks like a creator/user id",
    ),
    Case(
        "tag-iam-user",
        kit_with("queue", tags={"Deployer": "arn:aws:iam::1:user/jane"}),
        "SFX-TAG-03",
        "aws_sqs_queue",
        "IAM user or session ARN",
    ),
    Case(
        "tag-default-email",
        kit_custom(lambda k: None, default_tags={**REQUIRED_TAGS, "Team": "ops@example.com"}),
        "SFX-TAG-03",
        "provider.aws",
        "contains an e-mail address",
    ),
    Case(
        "tag-too-long",
        kit_with("log_group", tags={"Purpose": "x" * 257}),
        "SFX-TAG-03",
        "aws_cloudwatch_log_group",
        "at most 256 characters",
    ),
    Case(
        "tag-bad-chars",
        kit_with("log_group", tags={"Purpose": "a;b"}),
        "SFX-TAG-03",
        "aws_cloudwatch_log_group",
        "characters AWS rejects",
    ),
    Case(
        "tag-reserved-prefix",
        kit_with("log_group", tags={"aws:x": "y"}),
        "SFX-TAG-03",
        "aws_cloudwatch_log_group",
        "reserved aws: prefix",
    ),
    Case(
        "tag-ecs-no-propagation",
        kit_with("ecs", propagate_tags=None),
        "SFX-TAG-04",
        "aws_ecs_service",
        "propagate_tags not set",
        Status.FIXED,
    ),
    Case(
        "tag-ecs-propagation-none",
        kit_with("ecs", propagate_tags="NONE"),
        "SFX-TAG-04",
        "aws_ecs_service",
        "propagate_tags is 'NONE'",
    ),
    Case(
        "tag-ecs-managed-tags-missing",
        kit_with("ecs", enable_ecs_managed_tags=None),
        "SFX-TAG-04",
        "aws_ecs_service",
        "enable_ecs_managed_tags not set",
        Status.FIXED,
    ),
    Case(
        "tag-asg-missing",
        kit_custom(lambda k: _asg(k, [])),
        "SFX-TAG-05",
        "aws_autoscaling_group",
        "tag blocks lack Project",
        Status.FIXED,
    ),
    Case(
        "tag-asg-not-propagated",
        kit_custom(
            lambda k: _asg(
                k,
                [AutoscalingGroupTag(key="Project", value="streamflix", propagate_at_launch=False)],
            )
        ),
        "SFX-TAG-05",
        "aws_autoscaling_group",
        "Project must set propagate_at_launch = true",
    ),
    Case(
        "tag-launch-template",
        kit_custom(lambda k: LaunchTemplate(k.stack, "lt", name="lt")),
        "SFX-TAG-06",
        "aws_launch_template",
        "lack required tags",
        Status.FIXED,
    ),
    # ---- encryption at rest
    *[
        Case(
            f"enc-missing-key-{attr}-{method}",
            kit_with(method, **{attr: None}),
            "SFX-ENC-01",
            rtype,
            f"{attr}{because} is not set; it must reference one of this stack's "
            "customer-managed keys",
        )
        for method, attr, rtype, because in (
            ("log_group", "kms_key_id", "aws_cloudwatch_log_group", ""),
            ("stream", "kms_key_id", "aws_kinesis_stream", ""),
            ("secret", "kms_key_id", "aws_secretsmanager_secret", ""),
            ("queue", "kms_master_key_id", "aws_sqs_queue", ""),
            ("topic", "kms_master_key_id", "aws_sns_topic", ""),
            ("trail", "kms_key_id", "aws_cloudtrail", ""),
            ("vault", "kms_key_arn", "aws_backup_vault", ""),
            ("database", "kms_key_id", "aws_rds_cluster", ""),
            (
                "database",
                "master_user_secret_kms_key_id",
                "aws_rds_cluster",
                " (because manage_master_user_password)",
            ),
        )
    ],
    Case(
        "enc-aws-managed-alias",
        kit_with("log_group", kms_key_id="alias/aws/logs"),
        "SFX-ENC-01",
        "aws_cloudwatch_log_group",
        "kms_key_id is 'alias/aws/logs'",
    ),
    Case(
        "enc-stream-off",
        kit_with("stream", encryption_type="NONE"),
        "SFX-ENC-01",
        "aws_kinesis_stream",
        "encryption_type is 'NONE'; set it to 'KMS'",
    ),
    Case(
        "enc-rds-unencrypted",
        kit_with("database", storage_encrypted=False),
        "SFX-ENC-01",
        "aws_rds_cluster",
        "storage_encrypted is False; set it to True",
    ),
    Case(
        "enc-insights-no-key",
        kit_with("database", instance={"performance_insights_kms_key_id": None}),
        "SFX-ENC-01",
        "aws_rds_cluster_instance",
        "performance_insights_kms_key_id (because performance_insights_enabled) is not set",
    ),
    Case(
        "enc-bucket-sse-s3",
        kit_with("bucket", sse={"sse_algorithm": "AES256", "kms_master_key_id": None}),
        "SFX-ENC-01",
        "aws_s3_bucket_server_side_encryption_configuration",
        "sse_algorithm is 'AES256'",
    ),
    Case(
        "enc-ecr-aes",
        kit_with("ecr", encryption_configuration=None),
        "SFX-ENC-01",
        "aws_ecr_repository",
        "encryption_configuration.encryption_type is None",
    ),
    Case(
        "enc-ecs-ephemeral",
        kit_with("ecs", ephemeral_key=False),
        "SFX-ENC-01",
        "aws_ecs_cluster",
        "fargate_ephemeral_storage_kms_key_id is not set",
    ),
    Case(
        "enc-rds-cluster-insights",
        kit_with("database", performance_insights_enabled=True),
        "SFX-ENC-01",
        "aws_rds_cluster",
        "performance_insights_kms_key_id (because performance_insights_enabled) is not set",
    ),
    Case(
        "enc-ecs-ebs",
        kit_custom(_ebs_service),
        "SFX-ENC-01",
        "aws_ecs_service",
        "volume_configuration.managed_ebs_volume.kms_key_id (because a managed EBS volume is "
        "attached) is not set",
    ),
    Case(
        "enc-bucket-no-sse",
        kit_with("bucket", with_sse=False),
        "SFX-ENC-02",
        "aws_s3_bucket",
        "has no aws_s3_bucket_server_side_encryption_configuration",
    ),
    Case(
        "enc-key-rotation-missing",
        kit_with("kms_key", id_="k2", enable_key_rotation=None),
        "SFX-ENC-03",
        "aws_kms_key",
        "enable_key_rotation is not set",
        Status.FIXED,
    ),
    Case(
        "enc-key-rotation-off",
        kit_with("kms_key", id_="k2", enable_key_rotation=False),
        "SFX-ENC-03",
        "aws_kms_key",
        "enable_key_rotation is false",
    ),
    Case(
        "enc-ecs-exec",
        kit_custom(_exec_without_key),
        "SFX-ENC-04",
        "aws_ecs_service",
        "has no configuration.execute_command_configuration.kms_key_id",
    ),
    # ---- TLS
    Case(
        "tls-bucket",
        kit_with("bucket", policy=False),
        "SFX-TLS-01",
        "aws_s3_bucket",
        "denies s3:* when aws:SecureTransport is false",
    ),
    Case(
        "tls-queue",
        kit_with("queue", policy=False),
        "SFX-TLS-02",
        "aws_sqs_queue",
        "denies sqs:* when aws:SecureTransport is false",
    ),
    Case(
        "tls-topic",
        kit_with("topic", policy=False),
        "SFX-TLS-03",
        "aws_sns_topic",
        "denies sns:* when aws:SecureTransport is false",
    ),
    Case(
        "tls-database",
        kit_with("database", force_ssl="0"),
        "SFX-TLS-04",
        "aws_rds_cluster",
        "sets rds.force_ssl = '0'; set it to '1'",
    ),
    Case(
        "tls-efs",
        kit_custom(_efs_task),
        "SFX-TLS-05",
        "aws_ecs_task_definition",
        "EFS volumes ['fs-1'] lack transit_encryption = ENABLED",
    ),
    # ---- log retention
    Case(
        "log-missing",
        kit_with("log_group", retention_in_days=None),
        "SFX-LOG-01",
        "aws_cloudwatch_log_group",
        "retention_in_days is not set",
        Status.FIXED,
    ),
    Case(
        "log-short",
        kit_with("log_group", retention_in_days=30),
        "SFX-LOG-01",
        "aws_cloudwatch_log_group",
        "retention_in_days is 30; set it to 90",
    ),
    Case(
        "log-long",
        kit_with("log_group", retention_in_days=365),
        "SFX-LOG-01",
        "aws_cloudwatch_log_group",
        "retention_in_days is 365; set it to 90",
    ),
    Case(
        "log-implicit-not-created",
        kit_custom(_insights_cluster),
        "SFX-LOG-02",
        "aws_ecs_cluster",
        "writes logs to /aws/ecs/containerinsights/c/performance, which this stack does not create",
    ),
    Case(
        "log-implicit-created-late",
        kit_with("database", depends_on=None),
        "SFX-LOG-02",
        "aws_rds_cluster",
        "does not depend on aws_cloudwatch_log_group.db_logs",
    ),
    Case(
        "log-implicit-unnamed",
        kit_with("database", cluster_identifier=None),
        "SFX-LOG-02",
        "aws_rds_cluster",
        "cluster_identifier is not a literal, so its log group /aws/rds/cluster/<name>/postgresql "
        "cannot be created in advance",
    ),
    # ---- private placement
    Case(
        "net-public-instance",
        kit_with("database", instance={"publicly_accessible": True}),
        "SFX-NET-01",
        "aws_rds_cluster_instance",
        "publicly_accessible is true",
    ),
    Case(
        "net-default-vpc",
        kit_with("database", db_subnet_group_name=None),
        "SFX-NET-01",
        "aws_rds_cluster",
        "db_subnet_group_name does not reference an aws_db_subnet_group",
    ),
    Case(
        "net-ecs-public-ip",
        kit_with("ecs", network={"assign_public_ip": True}),
        "SFX-NET-02",
        "aws_ecs_service",
        "assign_public_ip is true",
    ),
    Case(
        "net-sg-inline",
        kit_custom(_open_sg),
        "SFX-NET-03",
        "aws_security_group",
        "allows ingress from 0.0.0.0/0",
    ),
    Case(
        "net-sg-rule",
        kit_custom(_open_sg_rule),
        "SFX-NET-03",
        "aws_security_group_rule",
        "allows ingress from 0.0.0.0/0",
    ),
    Case(
        "net-sg-ipv6",
        kit_custom(_open_ipv6),
        "SFX-NET-03",
        "aws_vpc_security_group_ingress_rule",
        "allows ingress from ::/0",
    ),
    Case(
        "net-nacl-ssh-world",
        kit_custom(_nacl_ssh_open),
        "SFX-NET-06",
        "aws_default_network_acl",
        "admits TCP 22 (SSH) from 0.0.0.0/0 by rule 50",
    ),
    Case(
        "net-nacl-rule-ipv6",
        kit_custom(_nacl_rdp_rule_v6),
        "SFX-NET-06",
        "aws_network_acl",
        "TCP 3389 (RDP) from ::/0 by rule 100",
    ),
    Case(
        "net-default-nacl-unmanaged",
        kit_custom(_default_nacl_unmanaged),
        "SFX-NET-06",
        "aws_vpc",
        "its default network ACL is not managed",
    ),
    Case(
        "net-bucket-public",
        kit_with("bucket", public_access_block={"restrict_public_buckets": False}),
        "SFX-NET-04",
        "aws_s3_bucket",
        "does not set restrict_public_buckets to true",
    ),
    Case(
        "net-db-public-subnet",
        kit_with("database", subnets="public"),
        "SFX-NET-05",
        "aws_db_subnet_group",
        "which is tagged Tier=public",
    ),
    Case(
        "net-ecs-public-subnet",
        kit_with("ecs", subnets="public"),
        "SFX-NET-05",
        "aws_ecs_service",
        "which is tagged Tier=public",
    ),
    Case(
        "net-literal-subnet",
        kit_with("ecs", network={"subnets": ["subnet-0abc"]}),
        "SFX-NET-05",
        "aws_ecs_service",
        "cannot prove it is private",
    ),
    # ---- EU residency
    Case(
        "eu-us-region",
        kit_custom(lambda k: None, region="us-east-1"),
        "SFX-EU-01",
        "provider.aws",
        "region is 'us-east-1'",
    ),
    Case(
        "eu-london",
        kit_custom(lambda k: None, region="eu-west-2"),
        "SFX-EU-01",
        "provider.aws",
        "region is 'eu-west-2'",
    ),
    Case(
        "eu-resource-region",
        kit_with("log_group", region="us-west-2"),
        "SFX-EU-02",
        "aws_cloudwatch_log_group",
        "region is 'us-west-2'",
    ),
    Case(
        "eu-secret-replica",
        kit_custom(_secret_replica),
        "SFX-EU-03",
        "aws_secretsmanager_secret",
        "replica.region copies to us-east-1, outside the EU",
    ),
    Case(
        "eu-backup-copy",
        kit_custom(_backup_copy),
        "SFX-EU-03",
        "aws_backup_plan",
        "copies to us-east-1, outside the EU",
    ),
    Case("eu-state", kit_custom(_s3_backend), "SFX-EU-04", "backend.s3", "region is 'us-east-1'"),
    # ---- destroyable
    Case(
        "destroy-rds-protection",
        kit_with("database", deletion_protection=True),
        "SFX-DESTROY-01",
        "aws_rds_cluster",
        "deletion_protection is True; set it to false",
    ),
    Case(
        "destroy-log-skip",
        kit_with("log_group", skip_destroy=True),
        "SFX-DESTROY-01",
        "aws_cloudwatch_log_group",
        "skip_destroy is True",
    ),
    Case(
        "destroy-prevent",
        kit_custom(_prevent_destroy),
        "SFX-DESTROY-01",
        "aws_sqs_queue",
        "lifecycle.prevent_destroy is true",
    ),
    Case(
        "destroy-final-snapshot",
        kit_with("database", skip_final_snapshot=None),
        "SFX-DESTROY-02",
        "aws_rds_cluster",
        "skip_final_snapshot is None; set it to true",
    ),
    Case(
        "destroy-bucket",
        kit_with("bucket", force_destroy=None),
        "SFX-DESTROY-03",
        "aws_s3_bucket",
        "force_destroy is None; set it to true",
    ),
    Case(
        "destroy-ecr",
        kit_with("ecr", force_delete=False),
        "SFX-DESTROY-03",
        "aws_ecr_repository",
        "force_delete is False",
    ),
    Case(
        "destroy-vault",
        kit_with("vault", force_destroy=None),
        "SFX-DESTROY-03",
        "aws_backup_vault",
        "force_destroy is None",
    ),
    Case(
        "destroy-secret-window",
        kit_with("secret", recovery_window_in_days=None),
        "SFX-DESTROY-04",
        "aws_secretsmanager_secret",
        "recovery_window_in_days is not set (AWS default 30); set it to 0-7 days",
    ),
    Case(
        "destroy-key-window",
        kit_with("kms_key", id_="k2", deletion_window_in_days=30),
        "SFX-DESTROY-04",
        "aws_kms_key",
        "deletion_window_in_days is 30; set it to 7 days",
    ),
    Case(
        "destroy-kinesis-consumers",
        kit_with("stream", enforce_consumer_deletion=None),
        "SFX-DESTROY-05",
        "aws_kinesis_stream",
        "enforce_consumer_deletion is not set",
        Status.FIXED,
    ),
    Case(
        "destroy-kinesis-consumers-off",
        kit_with("stream", enforce_consumer_deletion=False),
        "SFX-DESTROY-05",
        "aws_kinesis_stream",
        "enforce_consumer_deletion is false",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_catches_violation(case: Case) -> None:
    result = case.build().check()
    hits = [r for r in result.run.records if r.status is case.status]
    assert {(r.rule, rtype_of(r.resource)) for r in hits} == {(case.rule, case.rtype)}, [
        r.message for r in hits
    ]
    record = hits[0]
    assert case.expect in record.message
    if case.status is Status.NON_COMPLIANT:
        assert len(result.errors) == 1
        error = result.errors[0]
        assert error.startswith(f"[{case.rule}] {record.resource}: ")
        assert case.expect in error
    else:
        assert result.errors == []  # fixed, so synthesis goes on
        assert "fixed: " in record.message


FIX_CASES = [c for c in CASES if c.status is Status.FIXED]


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.id for c in FIX_CASES])
def test_fix_makes_the_synthesized_output_compliant(case: Case) -> None:
    """Re-running every rule on the output finds nothing left to fix or fail."""
    kit = case.build()
    again = kit.recheck(kit.check())
    assert [
        (r.rule, r.resource, r.message) for r in again if r.status is Status.NON_COMPLIANT
    ] == []


def test_rule_ids_are_unique_and_titled() -> None:
    from lib.aspects import ALL_RULES

    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    assert all(r.title and r.title[0].isupper() for r in ALL_RULES)


def test_cases_cover_every_rule() -> None:
    from lib.aspects import ALL_RULES

    assert {r.id for r in ALL_RULES} == {c.rule for c in CASES}
