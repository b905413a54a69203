"""Per-resource-type facts, written once (issue 24 item 1): which attribute holds the KMS key,
which flag protects a resource from deletion, where it names its subnets, and the like.

The Aspects (``lib/aspects``), the Checkov checks (``policies/checks``), the inventory
(``compliance/inventory.py``) and the constructs read this table; none keeps its own copy.
Every Terraform type the synthesized stack uses has a row (a test fails otherwise), so a new
resource type is one row here, and the rules that read the table judge it from then on.

Standard library only, like ``core.policy_numbers``: checkov's process imports it cheaply.
Attribute paths are dotted through nested blocks (``encryption_configuration.kms_key``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from core.policy_numbers import POLICY


class Kind(StrEnum):
    """What a type is, which decides what its row must say."""

    DATA = "data"  # stores or carries data: its row says how it is encrypted at rest
    COMPUTE = "compute"  # runs code
    NETWORK = "network"  # VPC plumbing, security groups, endpoints
    ACCESS = "access"  # IAM, KMS keys and resource policies
    MONITORING = "monitoring"  # alarms, metric filters, dashboards, event rules
    SETTING = "setting"  # configures another resource (a bucket's versioning, a parameter group)


def as_bool(value: Any) -> bool | None:
    """Terraform booleans arrive as bools or as "true"/"false" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


@dataclass(frozen=True)
class Condition:
    """When a key attribute applies: a flag is true, an attribute equals a value, or a block is
    present. ``holds`` is the one predicate both twins of SFX-ENC-01 / CKV_SFX_1 call."""

    path: str
    test: Literal["flag", "equals", "present"]
    value: str | None = None
    text: str = ""  # how a finding names the condition

    def holds(self, values: list[Any]) -> bool:
        """``values``: every value at ``path`` (the reader's own, for its own JSON view)."""
        if self.test == "flag":
            return bool(values) and as_bool(values[0]) is True
        if self.test == "equals":
            return bool(values) and values[0] == self.value
        return bool(values)


def flag_on(path: str) -> Condition:
    return Condition(path, "flag", text=path)


def equals(path: str, value: str) -> Condition:
    return Condition(path, "equals", value, f"{path} = {value}")


def present(path: str, text: str) -> Condition:
    return Condition(path, "present", text=text)


@dataclass(frozen=True)
class KeyAttr:
    """An attribute that must reference one of the stack's customer-managed keys (``when``:
    only while the feature it encrypts is on)."""

    path: str
    when: Condition | None = None


@dataclass(frozen=True)
class Setting:
    """An attribute that must hold one of ``allowed`` for encryption to be on."""

    path: str
    allowed: tuple[object, ...]

    def accepts(self, value: Any) -> bool:
        flag = as_bool(value) if isinstance(value, str) else None
        return (flag if flag is not None else value) in self.allowed


@dataclass(frozen=True)
class Encryption:
    """How a type is encrypted at rest with our key (SFX-ENC-01 and CKV_SFX_1 read this).

    ``in_gate`` / ``in_inventory``: whether CKV_SFX_1 judges the type too and whether the
    inventory shows its key (the first of ``keys``). Both default to yes; the rows that say no
    are types the gate and the inventory did not cover before the table existed, kept out so
    that this refactor changes no gate result and no report line (issue 24: no behaviour
    change). Turning one on is a visible, reviewed change of its own.
    """

    keys: tuple[KeyAttr, ...]
    settings: tuple[Setting, ...] = ()
    in_gate: bool = True
    in_inventory: bool = True


@dataclass(frozen=True)
class Window:
    """A deletion or recovery window in days: allowed ``low``-``high``; AWS's when unset."""

    attr: str
    low: int
    high: int
    aws_default: int


@dataclass(frozen=True)
class ParameterGroup:
    """Where a database names the parameter group that must force TLS."""

    attr: str
    group_type: str


@dataclass(frozen=True)
class BackupRetention:
    """Where a database keeps its automated-backup days, and AWS's value when unset."""

    attr: str
    aws_default: int


@dataclass(frozen=True)
class ResourceType:
    """Everything the rules need to know about one Terraform type."""

    rtype: str
    kind: Kind
    encryption: Encryption | None = None
    encryption_elsewhere: str | None = None  # which rule judges its encryption, and on what
    deletion_protection: str | None = None  # true (or "ACTIVE") stops Terraform deleting it
    skips_final_snapshot: bool = False  # a database: destroy must not wait for a snapshot
    emptied_on_destroy: str | None = None  # must be true so destroy deletes the contents
    deregisters_consumers: str | None = None  # must be true so registered consumers go too
    deletion_window: Window | None = None
    subnets: str | None = None  # where it names its subnets (they must be private)
    regional: bool = False  # a regional service outside the VPC (reached through endpoints)
    parameter_group: ParameterGroup | None = None
    backup_retention: BackupRetention | None = None
    loses: str | None = None  # what deleting or replacing it destroys (policies.plan_guard refuses)
    # Where its name is written, when CKV_SFX_23 (name ends with the suffix) must read something
    # other than ``name`` or judge an untaggable type; () = ``name`` on taggable types only.
    name_attrs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.rtype.startswith("aws_"):
            raise ValueError(f"{self.rtype!r}: a row is an AWS Terraform type (aws_...)")
        if self.kind is Kind.DATA and not (self.encryption or self.encryption_elsewhere):
            raise ValueError(
                f"{self.rtype}: a data-bearing type says how it is encrypted "
                "(encryption=..., or encryption_elsewhere naming the rule that judges it)"
            )
        if self.encryption and self.encryption_elsewhere:
            raise ValueError(
                f"{self.rtype}: encryption and encryption_elsewhere exclude each other"
            )


# ------------------------------------------------------------------ shared pieces of the rows
_EXEC = "configuration.execute_command_configuration"
_EBS = "volume_configuration.managed_ebs_volume"
_CONNECT_TLS = "service_connect_configuration.service.tls"
_SSE_DEFAULT = "rule.apply_server_side_encryption_by_default"
EXEC_KEY = f"{_EXEC}.kms_key_id"
_PI = KeyAttr("performance_insights_kms_key_id", flag_on("performance_insights_enabled"))
_MASTER_SECRET = KeyAttr("master_user_secret_kms_key_id", flag_on("manage_master_user_password"))
_STORAGE = Setting("storage_encrypted", (True,))


def _key(path: str = "kms_key_id", *settings: Setting, **flags: bool) -> Encryption:
    return Encryption((KeyAttr(path),), settings, **flags)


_KMS_WINDOW = Window(
    "deletion_window_in_days", POLICY.kms_deletion_window_days, POLICY.kms_deletion_window_days, 30
)
_SECRET_WINDOW = Window(
    "recovery_window_in_days",
    POLICY.min_secret_recovery_window_days,
    POLICY.max_secret_recovery_window_days,
    30,
)
_DB_SUBNETS = "subnet_ids"

_ROWS: tuple[ResourceType, ...] = (
    # ---------------------------------------------------------------- data
    ResourceType(
        "aws_kinesis_stream",
        Kind.DATA,
        _key("kms_key_id", Setting("encryption_type", ("KMS",))),
        deregisters_consumers="enforce_consumer_deletion",
        regional=True,
        loses="the records still in the stream",
    ),
    ResourceType(
        "aws_rds_cluster",
        Kind.DATA,
        Encryption((KeyAttr("kms_key_id"), _MASTER_SECRET, _PI), (_STORAGE,)),
        deletion_protection="deletion_protection",
        skips_final_snapshot=True,
        parameter_group=ParameterGroup(
            "db_cluster_parameter_group_name", "aws_rds_cluster_parameter_group"
        ),
        backup_retention=BackupRetention("backup_retention_period", 1),
        loses="the database and its automated backups",
        name_attrs=("cluster_identifier",),
    ),
    ResourceType(
        "aws_rds_cluster_instance", Kind.DATA, Encryption((_PI,)), name_attrs=("identifier",)
    ),
    ResourceType(
        "aws_db_instance",
        Kind.DATA,
        Encryption((KeyAttr("kms_key_id"), _PI, _MASTER_SECRET), (_STORAGE,)),
        deletion_protection="deletion_protection",
        skips_final_snapshot=True,
        parameter_group=ParameterGroup("parameter_group_name", "aws_db_parameter_group"),
        backup_retention=BackupRetention("backup_retention_period", 0),
        loses="the database and its automated backups",
        name_attrs=("identifier",),
    ),
    ResourceType(
        "aws_rds_global_cluster",
        Kind.DATA,
        encryption_elsewhere="SFX-ENC-01 on its member aws_rds_cluster, which holds the storage",
        deletion_protection="deletion_protection",
    ),
    ResourceType(
        "aws_docdb_cluster",
        Kind.DATA,
        _key("kms_key_id", _STORAGE),
        deletion_protection="deletion_protection",
        skips_final_snapshot=True,
    ),
    ResourceType(
        "aws_neptune_cluster",
        Kind.DATA,
        _key("kms_key_arn", _STORAGE),
        deletion_protection="deletion_protection",
        skips_final_snapshot=True,
    ),
    ResourceType(
        "aws_secretsmanager_secret",
        Kind.DATA,
        _key("kms_key_id"),
        deletion_window=_SECRET_WINDOW,
        regional=True,
        loses="the secret's value and its versions",
    ),
    ResourceType(
        "aws_sqs_queue",
        Kind.DATA,
        _key("kms_master_key_id"),
        regional=True,
        loses="the messages in the queue (dead letters are failed jobs)",
    ),
    ResourceType("aws_sns_topic", Kind.DATA, _key("kms_master_key_id"), regional=True),
    ResourceType(
        "aws_cloudwatch_log_group",
        Kind.DATA,
        _key("kms_key_id"),
        deletion_protection="skip_destroy",
        regional=True,
        loses="its log events",
    ),
    ResourceType(
        "aws_s3_bucket",
        Kind.DATA,
        encryption_elsewhere="SFX-ENC-02: default encryption lives in "
        "aws_s3_bucket_server_side_encryption_configuration (which has a row)",
        emptied_on_destroy="force_destroy",
        regional=True,
        loses="its objects and their versions",
        name_attrs=("bucket",),
    ),
    ResourceType(
        "aws_s3_bucket_server_side_encryption_configuration",
        Kind.SETTING,
        _key(
            f"{_SSE_DEFAULT}.kms_master_key_id",
            Setting(f"{_SSE_DEFAULT}.sse_algorithm", ("aws:kms", "aws:kms:dsse")),
        ),
    ),
    ResourceType(
        "aws_ecr_repository",
        Kind.DATA,
        _key(
            "encryption_configuration.kms_key",
            Setting("encryption_configuration.encryption_type", ("KMS", "KMS_DSSE")),
        ),
        emptied_on_destroy="force_delete",
        regional=True,
        loses="its images",
    ),
    ResourceType("aws_cloudtrail", Kind.DATA, _key("kms_key_id"), regional=True),
    ResourceType(
        "aws_backup_vault",
        Kind.DATA,
        _key("kms_key_arn"),
        emptied_on_destroy="force_destroy",
        regional=True,
        loses="its recovery points",
    ),
    ResourceType(
        "aws_dynamodb_table",
        Kind.DATA,
        _key(
            "server_side_encryption.kms_key_arn",
            Setting("server_side_encryption.enabled", (True,)),
        ),
        deletion_protection="deletion_protection_enabled",
        loses="its items",
    ),
    ResourceType(
        "aws_efs_file_system",
        Kind.DATA,
        _key("kms_key_id", Setting("encrypted", (True,))),
        loses="its files",
    ),
    ResourceType(
        "aws_ebs_volume",
        Kind.DATA,
        _key("kms_key_id", Setting("encrypted", (True,))),
    ),
    ResourceType(
        "aws_elasticache_replication_group",
        Kind.DATA,
        _key(
            "kms_key_id",
            Setting("at_rest_encryption_enabled", (True,)),
        ),
    ),
    ResourceType(
        "aws_ssm_parameter",
        Kind.DATA,
        Encryption(
            (KeyAttr("key_id", equals("type", "SecureString")),),
        ),
    ),
    ResourceType(
        "aws_mq_broker",
        Kind.DATA,
        _key(
            "encryption_options.kms_key_id",
            Setting("encryption_options.use_aws_owned_key", (False,)),
        ),
        subnets="subnet_ids",
    ),
    ResourceType(
        "aws_msk_cluster",
        Kind.DATA,
        _key("encryption_info.encryption_at_rest_kms_key_arn"),
        subnets="broker_node_group_info.client_subnets",
    ),
    # ---------------------------------------------------------------- compute
    ResourceType(
        "aws_ecs_cluster",
        Kind.COMPUTE,
        Encryption(
            (
                KeyAttr(EXEC_KEY, present(_EXEC, "execute_command_configuration is set")),
                KeyAttr(
                    "configuration.managed_storage_configuration."
                    "fargate_ephemeral_storage_kms_key_id"
                ),
            ),
            in_gate=False,
        ),
    ),
    ResourceType(
        "aws_ecs_service",
        Kind.COMPUTE,
        Encryption(
            (
                KeyAttr(f"{_EBS}.kms_key_id", present(_EBS, "a managed EBS volume is attached")),
                KeyAttr(
                    f"{_CONNECT_TLS}.kms_key", present(_CONNECT_TLS, "Service Connect TLS is on")
                ),
            ),
            in_gate=False,
            in_inventory=False,
        ),
        subnets="network_configuration.subnets",
    ),
    ResourceType(
        "aws_ecs_task_definition",
        Kind.COMPUTE,
        encryption_elsewhere="SFX-TLS-05: its only encryption setting is EFS transit encryption",
        deletion_protection="skip_destroy",
        name_attrs=("family",),
    ),
    ResourceType(
        "aws_scheduler_schedule",
        Kind.COMPUTE,
        _key("kms_key_arn", in_gate=False, in_inventory=False),
    ),
    ResourceType(
        "aws_instance",
        Kind.COMPUTE,
        deletion_protection="disable_api_termination",
        subnets="subnet_id",
    ),
    ResourceType(
        "aws_lambda_function",
        Kind.COMPUTE,
        subnets="vpc_config.subnet_ids",
        name_attrs=("function_name",),
    ),
    ResourceType(
        "aws_batch_compute_environment", Kind.COMPUTE, subnets="compute_resources.subnets"
    ),
    ResourceType("aws_ecs_cluster_capacity_providers", Kind.SETTING),
    ResourceType("aws_appautoscaling_policy", Kind.SETTING, name_attrs=("name",)),
    ResourceType("aws_appautoscaling_target", Kind.SETTING),
    # ---------------------------------------------------------------- network
    ResourceType("aws_db_subnet_group", Kind.NETWORK, subnets=_DB_SUBNETS),
    ResourceType("aws_elasticache_subnet_group", Kind.NETWORK, subnets=_DB_SUBNETS),
    ResourceType("aws_docdb_subnet_group", Kind.NETWORK, subnets=_DB_SUBNETS),
    ResourceType("aws_neptune_subnet_group", Kind.NETWORK, subnets=_DB_SUBNETS),
    ResourceType("aws_redshift_subnet_group", Kind.NETWORK, subnets=_DB_SUBNETS),
    ResourceType("aws_efs_mount_target", Kind.NETWORK, subnets="subnet_id"),
    ResourceType("aws_lb", Kind.NETWORK, deletion_protection="enable_deletion_protection"),
    *(
        ResourceType(t, Kind.NETWORK)
        for t in (
            "aws_vpc",
            "aws_subnet",
            "aws_internet_gateway",
            "aws_route",
            "aws_route_table",
            "aws_route_table_association",
            "aws_default_network_acl",
            "aws_network_acl",
            "aws_network_acl_rule",
            "aws_default_security_group",
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_vpc_endpoint",
        )
    ),
    # ---------------------------------------------------------------- access
    ResourceType(
        "aws_kms_key",
        Kind.ACCESS,
        deletion_window=_KMS_WINDOW,
        regional=True,
        loses="the key material (everything encrypted with it becomes unreadable)",
    ),
    ResourceType("aws_cognito_user_pool", Kind.ACCESS, deletion_protection="deletion_protection"),
    *(
        ResourceType(t, Kind.ACCESS)
        for t in (
            "aws_iam_role",
            "aws_iam_role_policy_attachment",
            "aws_s3_bucket_policy",
            "aws_s3_bucket_public_access_block",
            "aws_sns_topic_policy",
            "aws_sqs_queue_policy",
        )
    ),
    # ---------------------------------------------------------------- monitoring
    *(
        ResourceType(t, Kind.MONITORING)
        for t in (
            "aws_cloudwatch_event_rule",
            "aws_cloudwatch_event_target",
            "aws_db_event_subscription",
            "aws_flow_log",
        )
    ),
    # ---------------------------------------------------------------- named by another attribute
    ResourceType("aws_cloudwatch_metric_alarm", Kind.MONITORING, name_attrs=("alarm_name",)),
    ResourceType("aws_cloudwatch_dashboard", Kind.MONITORING, name_attrs=("dashboard_name",)),
    ResourceType("aws_cloudwatch_log_metric_filter", Kind.MONITORING, name_attrs=("name",)),
    ResourceType("aws_iam_role_policy", Kind.ACCESS, name_attrs=("name",)),
    ResourceType("aws_kms_alias", Kind.ACCESS, name_attrs=("name",)),
    ResourceType("aws_backup_selection", Kind.SETTING, name_attrs=("name",)),
    ResourceType("aws_cloudwatch_composite_alarm", Kind.MONITORING, name_attrs=("alarm_name",)),
    # ---------------------------------------------------------------- settings of another resource
    *(
        ResourceType(t, Kind.SETTING)
        for t in (
            "aws_backup_plan",
            "aws_db_parameter_group",
            "aws_rds_cluster_parameter_group",
            "aws_ecr_lifecycle_policy",
            "aws_s3_bucket_lifecycle_configuration",
            "aws_s3_bucket_logging",
            "aws_s3_bucket_notification",
            "aws_s3_bucket_object_lock_configuration",
            "aws_s3_bucket_ownership_controls",
            "aws_s3_bucket_versioning",
            "aws_secretsmanager_secret_rotation",
        )
    ),
)


def _index(rows: Iterable[ResourceType]) -> Mapping[str, ResourceType]:
    table: dict[str, ResourceType] = {}
    for row in rows:
        if row.rtype in table:
            raise ValueError(f"{row.rtype}: two rows (one fact, one place)")
        table[row.rtype] = row
    return MappingProxyType(table)


RESOURCE_TYPES: Mapping[str, ResourceType] = _index(_ROWS)


T = TypeVar("T")


def select(field: Callable[[ResourceType], T | None]) -> Mapping[str, T]:
    """Type -> the non-empty value of one field, for every row that has it (a rule's scope)."""
    return MappingProxyType(
        {
            t: v
            for t, row in RESOURCE_TYPES.items()
            if (v := field(row)) is not None and v is not False
        }
    )


# Engine -> (parameter, value) that makes a database refuse plain-text connections.
FORCE_TLS_PARAMETERS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "aurora-postgresql": ("rds.force_ssl", "1"),
        "postgres": ("rds.force_ssl", "1"),
        "aurora-mysql": ("require_secure_transport", "ON"),
        "mysql": ("require_secure_transport", "ON"),
        "mariadb": ("require_secure_transport", "ON"),
    }
)
