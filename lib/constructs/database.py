"""Aurora Serverless v2 PostgreSQL: the metadata/status store, private and encrypted.

The master password is generated and kept by RDS in Secrets Manager (never in Terraform state or
this JSON), encrypted with our data key and rotated every 30 days. TLS is forced, connections and
DDL are logged (pgaudit), logs go to a 90-day log group, IAM authentication is on, backups keep a
point-in-time window, and an AWS Backup plan copies the cluster daily. Destroyable by design.
"""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.backup_plan import BackupPlan, BackupPlanRule, BackupPlanRuleLifecycle
from cdktf_cdktf_provider_aws.backup_selection import BackupSelection
from cdktf_cdktf_provider_aws.backup_vault import BackupVault
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import (
    RdsCluster,
    RdsClusterServerlessv2ScalingConfiguration,
)
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret_rotation import (
    SecretsmanagerSecretRotation,
    SecretsmanagerSecretRotationRotationRules,
)
from constructs import Construct

from lib.constructs.encryption import EncryptionKeys
from lib.constructs.logs import encrypted_log_group
from lib.context import StackContext
from lib.iam import service_trust, unconditioned_service_trust

ENGINE = "aurora-postgresql"
PORT = 5432
MONITORING_INTERVAL_S = 60
INSIGHTS_RETENTION_DAYS = 7  # the free tier of Performance Insights
SERVICE_ROLE_POLICIES = "arn:aws:iam::aws:policy/service-role"

# Logged: every connection and disconnection, all DDL and role changes (pgaudit), slow queries.
CLUSTER_PARAMETERS: dict[str, tuple[str, str]] = {
    "rds.force_ssl": ("1", "immediate"),
    "ssl_min_protocol_version": ("TLSv1.2", "immediate"),
    "log_connections": ("1", "immediate"),
    "log_disconnections": ("1", "immediate"),
    "log_statement": ("ddl", "immediate"),
    "log_min_duration_statement": ("1000", "immediate"),
    "shared_preload_libraries": ("pg_stat_statements,pgaudit", "pending-reboot"),
    "pgaudit.log": ("ddl,role", "immediate"),
    "pgaudit.role": ("rds_pgaudit", "immediate"),
}
INSTANCE_PARAMETERS: dict[str, tuple[str, str]] = {
    "log_statement": ("ddl", "immediate"),
    "log_min_duration_statement": ("1000", "immediate"),
}


def family(engine_version: str) -> str:
    return f"{ENGINE}{engine_version.split('.')[0]}"


# AWS Backup Developer Guide, "IAM service roles": the role passed in a backup selection trusts
# backup.amazonaws.com with no condition; AWS Backup documents aws:SourceArn/aws:SourceAccount
# only for resource policies ("Cross-service confused deputy prevention": KMS keys, SNS topics),
# not as keys it sends when it assumes this role, and a StringEquals on an absent key denies the
# assumption (every backup job fails "role cannot be assumed by AWS Backup"). The confused-deputy
# fence is iam:PassRole: only principals of this account can hand the role to AWS Backup.
BACKUP_TRUST_REASON = (
    "AWS Backup documents this trust without source conditions (IAM service roles); PassRole "
    "in this account is the fence"
)


def _service_role_with_managed_policy(
    scope: Construct, id_: str, *, name: str, trust: str, policy_arn: str
) -> tuple[IamRole, IamRolePolicyAttachment]:
    """A role one AWS service may assume (``trust``), with one AWS-managed policy: the narrowest
    AWS offers for RDS enhanced monitoring and AWS Backup. Whatever hands the role to the service
    depends on the attachment (the service checks the role when the resource is created)."""
    role = IamRole(scope, id_, name=name, assume_role_policy=trust)
    attachment = IamRolePolicyAttachment(
        scope, f"{id_}_policy", role=role.name, policy_arn=policy_arn
    )
    return role, attachment


class Database(Construct):
    """Aurora Serverless v2 PostgreSQL: a writer and a reader in two AZs, private subnets only,
    encrypted with the data key, TLS forced and connections/DDL audited (parameter groups), the
    master password kept and rotated by RDS in Secrets Manager, IAM authentication, enhanced
    monitoring and Performance Insights, logs in a 90-day group, and a daily AWS Backup copy.
    Destroyable by design: no deletion protection, no final snapshot.

    Inputs: ``ctx`` (``ctx.config.database``: engine version, ACU range, backup retention,
    database and master user names, secret rotation days), ``keys`` (the data key),
    ``subnet_ids`` (the private subnets) and ``security_group_id`` (the database's group).
    """

    database_name: str
    """The metadata database's name (``STREAMFLIX_DB_NAME``)."""
    port: int
    """The PostgreSQL port the cluster listens on."""
    log_group: CloudwatchLogGroup
    """The cluster's PostgreSQL log group, created before it (encrypted, 90 days)."""
    cluster: RdsCluster
    """The Aurora cluster."""
    instances: list[RdsClusterInstance]
    """The writer (first AZ, promotion tier 0) and the reader (second AZ, tier 1)."""
    secret_arn: str
    """ARN of the RDS-managed master user secret."""
    rotation: SecretsmanagerSecretRotation
    """The secret's rotation schedule (``STREAMFLIX_SECRET_ROTATION_DAYS``)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        keys: EncryptionKeys,
        subnet_ids: list[str],
        security_group_id: str,
    ):
        super().__init__(scope, id_)
        cfg = ctx.config.database
        self.database_name = cfg.database_name
        self.port = PORT
        subnets, cluster_params, instance_params = self._groups(ctx, subnet_ids)
        # Created before the cluster so RDS writes into our encrypted, 90-day group.
        self.log_group = encrypted_log_group(
            self, "postgresql_logs", f"/aws/rds/cluster/{ctx.namer.name('db')}/postgresql", keys
        )
        self.cluster = self._cluster(ctx, keys, subnets, cluster_params, security_group_id)
        self.instances = self._instances(ctx, keys, instance_params)
        self.secret_arn = self.cluster.master_user_secret.get(0).secret_arn
        self.rotation = self._rotation(cfg.secret_rotation_days)
        self._backup_plan(ctx, keys)

    def _groups(
        self, ctx: StackContext, subnet_ids: list[str]
    ) -> tuple[DbSubnetGroup, RdsClusterParameterGroup, DbParameterGroup]:
        """The private subnet group and the cluster's and instances' parameter groups."""
        cfg, names = ctx.config.database, ctx.namer
        subnets = DbSubnetGroup(
            self,
            "subnets",
            name=names.name("db-subnets"),
            subnet_ids=subnet_ids,
            description="Private subnets only",
        )
        cluster_params = RdsClusterParameterGroup(
            self,
            "cluster_params",
            name=names.name("db-params"),
            family=family(cfg.engine_version),
            description="TLS forced; connections, DDL and roles audited",
            parameter=[
                RdsClusterParameterGroupParameter(name=k, value=v, apply_method=m)
                for k, (v, m) in CLUSTER_PARAMETERS.items()
            ],
        )
        instance_params = DbParameterGroup(
            self,
            "instance_params",
            name=names.name("db-instance-params"),
            family=family(cfg.engine_version),
            description="Slow-query and DDL logging",
            parameter=[
                DbParameterGroupParameter(name=k, value=v, apply_method=m)
                for k, (v, m) in INSTANCE_PARAMETERS.items()
            ],
        )
        return subnets, cluster_params, instance_params

    def _cluster(
        self,
        ctx: StackContext,
        keys: EncryptionKeys,
        subnets: DbSubnetGroup,
        cluster_params: RdsClusterParameterGroup,
        security_group_id: str,
    ) -> RdsCluster:
        cfg, cluster_id = ctx.config.database, ctx.namer.name("db")
        return RdsCluster(
            self,
            "cluster",
            cluster_identifier=cluster_id,
            engine=ENGINE,
            engine_mode="provisioned",
            engine_version=cfg.engine_version,
            database_name=cfg.database_name,
            master_username=cfg.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=keys.data.arn,
            port=PORT,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[security_group_id],
            db_cluster_parameter_group_name=cluster_params.name,
            storage_encrypted=True,
            kms_key_id=keys.data.arn,
            iam_database_authentication_enabled=True,
            backup_retention_period=cfg.backup_retention_days,
            preferred_backup_window="01:00-02:00",
            preferred_maintenance_window="sun:03:00-sun:04:00",
            copy_tags_to_snapshot=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            serverlessv2_scaling_configuration=RdsClusterServerlessv2ScalingConfiguration(
                min_capacity=cfg.min_acu, max_capacity=cfg.max_acu
            ),
            deletion_protection=False,
            skip_final_snapshot=True,
            delete_automated_backups=True,
            apply_immediately=True,
            depends_on=[self.log_group],
            # Version policy (docs/deploying.md): the instances take AWS's minor upgrades
            # (auto_minor_version_upgrade), so after one the pinned version would plan a downgrade
            # that RDS refuses ("Cannot upgrade aurora-postgresql from 16.y to 16.x", see
            # terraform-aws-modules/terraform-aws-rds-aurora#228). engine_version only chooses the
            # version a new cluster starts with.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["engine_version"]),
        )

    def _instances(
        self, ctx: StackContext, keys: EncryptionKeys, instance_params: DbParameterGroup
    ) -> list[RdsClusterInstance]:
        """Writer and reader, with the enhanced-monitoring role they report through."""
        names = ctx.namer
        monitoring_role, monitoring_policy = _service_role_with_managed_policy(
            self,
            "monitoring_role",
            name=names.name("db-monitoring-role"),
            trust=service_trust("monitoring.rds.amazonaws.com", ctx.account_id),
            policy_arn=f"{SERVICE_ROLE_POLICIES}/AmazonRDSEnhancedMonitoringRole",
        )

        instances: list[RdsClusterInstance] = []
        for role, az, tier in (("writer", ctx.azs[0], 0), ("reader", ctx.azs[1], 1)):
            instances.append(
                RdsClusterInstance(
                    self,
                    role,
                    identifier=names.name(f"db-{role}"),
                    cluster_identifier=self.cluster.id,
                    engine=ENGINE,  # no engine_version: instances run the cluster's version
                    instance_class="db.serverless",
                    availability_zone=az,
                    promotion_tier=tier,
                    db_parameter_group_name=instance_params.name,
                    publicly_accessible=False,
                    auto_minor_version_upgrade=True,
                    copy_tags_to_snapshot=True,
                    monitoring_interval=MONITORING_INTERVAL_S,
                    monitoring_role_arn=monitoring_role.arn,
                    depends_on=[monitoring_policy],
                    performance_insights_enabled=True,
                    performance_insights_kms_key_id=keys.data.arn,
                    performance_insights_retention_period=INSIGHTS_RETENTION_DAYS,
                    apply_immediately=True,
                )
            )
        return instances

    def _rotation(self, days: int) -> SecretsmanagerSecretRotation:
        return SecretsmanagerSecretRotation(
            self,
            "secret_rotation",
            secret_id=self.secret_arn,
            # The provider defaults to rotating at once, i.e. while the instances are still being
            # created; the first rotation follows the schedule instead.
            rotate_immediately=False,
            rotation_rules=SecretsmanagerSecretRotationRotationRules(automatically_after_days=days),
        )

    def _backup_plan(self, ctx: StackContext, keys: EncryptionKeys) -> None:
        """Daily AWS Backup copy of the cluster into an encrypted, force-destroyable vault."""
        names = ctx.namer
        cfg = ctx.config.database
        vault = BackupVault(
            self,
            "backup_vault",
            name=names.name("db-backup-vault"),
            kms_key_arn=keys.data.arn,
            force_destroy=True,
        )
        plan = BackupPlan(
            self,
            "backup_plan",
            name=names.name("db-backup-plan"),
            rule=[
                BackupPlanRule(
                    rule_name="daily",
                    target_vault_name=vault.name,
                    schedule="cron(0 2 * * ? *)",
                    lifecycle=BackupPlanRuleLifecycle(delete_after=cfg.backup_retention_days),
                )
            ],
        )
        role, role_policy = _service_role_with_managed_policy(
            self,
            "backup_role",
            name=names.name("db-backup-role"),
            trust=unconditioned_service_trust("backup.amazonaws.com", BACKUP_TRUST_REASON),
            policy_arn=f"{SERVICE_ROLE_POLICIES}/AWSBackupServiceRolePolicyForBackup",
        )
        BackupSelection(
            self,
            "backup_selection",
            name=names.name("db-backup-selection"),
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[self.cluster.arn],
            depends_on=[role_policy],
        )

    @property
    def writer_endpoint(self) -> str:
        return self.cluster.endpoint

    @property
    def reader_endpoint(self) -> str:
        return self.cluster.reader_endpoint

    def connect_resource_arn(self, ctx: StackContext, db_user: str) -> str:
        """The rds-db:connect resource for IAM authentication as ``db_user``."""
        return ctx.arn("rds-db", f"dbuser:{self.cluster.cluster_resource_id}/{db_user}")
