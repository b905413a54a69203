"""Encryption at rest: every encryptable resource uses one of OUR customer-managed KMS keys.

``ENCRYPTION_TABLE`` says, per Terraform type, which attributes must reference an
``aws_kms_key`` of this stack (AWS-managed keys such as ``alias/aws/s3`` or literal ARNs are
violations: we cannot audit, rotate or revoke them) and which flags must switch encryption on.
A test proves the table covers every encryptable type the real stack uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.aspects.facts import ResourceFacts, StackFacts
from lib.aspects.model import Finding, Fix, Level, Rule, fail, not_applicable, ok


@dataclass(frozen=True)
class KeyAttr:
    """An attribute that must reference one of our keys (``when``: only if the feature is on)."""

    path: str
    when: Callable[[ResourceFacts], bool] | None = None
    when_text: str = ""


@dataclass(frozen=True)
class Setting:
    """An attribute that must hold one of ``allowed`` for encryption to be on."""

    path: str
    allowed: tuple[object, ...]


@dataclass(frozen=True)
class EncryptionSpec:
    keys: tuple[KeyAttr, ...]
    settings: tuple[Setting, ...] = ()


def _flag(path: str) -> Callable[[ResourceFacts], bool]:
    return lambda r: r.flag(path) is True


def _equals(path: str, value: str) -> Callable[[ResourceFacts], bool]:
    return lambda r: r.get(path) == value


def _present(path: str) -> Callable[[ResourceFacts], bool]:
    return lambda r: bool(r.all(path))


_EXEC = "configuration.execute_command_configuration"
_EBS = "volume_configuration.managed_ebs_volume"
_CONNECT_TLS = "service_connect_configuration.service.tls"
_EXEC_KEY = f"{_EXEC}.kms_key_id"
_PI = KeyAttr(
    "performance_insights_kms_key_id",
    _flag("performance_insights_enabled"),
    "performance_insights_enabled",
)
_MASTER_SECRET = KeyAttr(
    "master_user_secret_kms_key_id",
    _flag("manage_master_user_password"),
    "manage_master_user_password",
)
_SSE_DEFAULT = "rule.apply_server_side_encryption_by_default"

ENCRYPTION_TABLE: dict[str, EncryptionSpec] = {
    "aws_kinesis_stream": EncryptionSpec(
        (KeyAttr("kms_key_id"),), (Setting("encryption_type", ("KMS",)),)
    ),
    "aws_rds_cluster": EncryptionSpec(
        (KeyAttr("kms_key_id"), _MASTER_SECRET, _PI), (Setting("storage_encrypted", (True,)),)
    ),
    "aws_rds_cluster_instance": EncryptionSpec((_PI,)),
    "aws_db_instance": EncryptionSpec(
        (KeyAttr("kms_key_id"), _PI, _MASTER_SECRET), (Setting("storage_encrypted", (True,)),)
    ),
    "aws_secretsmanager_secret": EncryptionSpec((KeyAttr("kms_key_id"),)),
    "aws_sqs_queue": EncryptionSpec((KeyAttr("kms_master_key_id"),)),
    "aws_sns_topic": EncryptionSpec((KeyAttr("kms_master_key_id"),)),
    "aws_cloudwatch_log_group": EncryptionSpec((KeyAttr("kms_key_id"),)),
    "aws_s3_bucket_server_side_encryption_configuration": EncryptionSpec(
        (KeyAttr(f"{_SSE_DEFAULT}.kms_master_key_id"),),
        (Setting(f"{_SSE_DEFAULT}.sse_algorithm", ("aws:kms", "aws:kms:dsse")),),
    ),
    "aws_ecr_repository": EncryptionSpec(
        (KeyAttr("encryption_configuration.kms_key"),),
        (Setting("encryption_configuration.encryption_type", ("KMS", "KMS_DSSE")),),
    ),
    "aws_cloudtrail": EncryptionSpec((KeyAttr("kms_key_id"),)),
    "aws_backup_vault": EncryptionSpec((KeyAttr("kms_key_arn"),)),
    "aws_scheduler_schedule": EncryptionSpec((KeyAttr("kms_key_arn"),)),
    "aws_ecs_cluster": EncryptionSpec(
        (
            KeyAttr(_EXEC_KEY, _present(_EXEC), "execute_command_configuration is set"),
            KeyAttr(
                "configuration.managed_storage_configuration.fargate_ephemeral_storage_kms_key_id"
            ),
        )
    ),
    "aws_ecs_service": EncryptionSpec(
        (
            KeyAttr(f"{_EBS}.kms_key_id", _present(_EBS), "a managed EBS volume is attached"),
            KeyAttr(f"{_CONNECT_TLS}.kms_key", _present(_CONNECT_TLS), "Service Connect TLS is on"),
        ),
    ),
    "aws_dynamodb_table": EncryptionSpec(
        (KeyAttr("server_side_encryption.kms_key_arn"),),
        (Setting("server_side_encryption.enabled", (True,)),),
    ),
    "aws_efs_file_system": EncryptionSpec(
        (KeyAttr("kms_key_id"),), (Setting("encrypted", (True,)),)
    ),
    "aws_ebs_volume": EncryptionSpec((KeyAttr("kms_key_id"),), (Setting("encrypted", (True,)),)),
    "aws_elasticache_replication_group": EncryptionSpec(
        (KeyAttr("kms_key_id"),), (Setting("at_rest_encryption_enabled", (True,)),)
    ),
    "aws_ssm_parameter": EncryptionSpec(
        (KeyAttr("key_id", _equals("type", "SecureString"), "type = SecureString"),)
    ),
}


# Types with encryption settings that another rule checks (the coverage test reads this).
ENCRYPTION_ELSEWHERE: dict[str, str] = {
    "aws_s3_bucket": "SFX-ENC-02: default encryption lives in "
    "aws_s3_bucket_server_side_encryption_configuration (in the table)",
    "aws_ecs_task_definition": "SFX-TLS-05: its only encryption setting is EFS transit encryption",
}


def _normalise(value: object) -> object:
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return value


def encrypted_with_our_key(resource: ResourceFacts, stack: StackFacts) -> Finding:
    spec = ENCRYPTION_TABLE.get(resource.rtype)
    if spec is None:
        return not_applicable("no encryption requirement for this type")
    problems: list[str] = []
    for setting in spec.settings:
        values = resource.all(setting.path) or [None]
        bad = [v for v in values if _normalise(v) not in setting.allowed]
        if bad:
            allowed = " or ".join(repr(a) for a in setting.allowed)
            problems.append(f"{setting.path} is {bad[0]!r}; set it to {allowed}")
    checked = 0
    for key in spec.keys:
        if key.when is not None and not key.when(resource):
            continue
        checked += 1
        values = resource.all(key.path) or [None]
        for value in values:
            if not stack.is_our_key(value):
                found = "not set" if value is None else f"{value!r}"
                condition = f" (because {key.when_text})" if key.when_text else ""
                problems.append(
                    f"{key.path}{condition} is {found}; it must reference one of this "
                    "stack's customer-managed keys (aws_kms_key.<name>.arn)"
                )
    if problems:
        return fail("; ".join(problems))
    if checked == 0:
        return not_applicable("the encrypting feature is off")
    return ok("encrypted with a customer-managed key of this stack")


def bucket_default_encryption(resource: ResourceFacts, stack: StackFacts) -> Finding:
    """A bucket's encryption lives in a separate resource; make sure there is one."""
    configs = stack.referencing(
        "aws_s3_bucket_server_side_encryption_configuration", "bucket", resource
    )
    if configs:
        return ok(f"default encryption set by {configs[0].address}")
    return fail(
        "has no aws_s3_bucket_server_side_encryption_configuration; add one with "
        "sse_algorithm aws:kms and kms_master_key_id = aws_kms_key.<name>.arn"
    )


def key_rotation(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    if resource.get("customer_master_key_spec") not in (None, "SYMMETRIC_DEFAULT"):
        return not_applicable("asymmetric and HMAC keys cannot rotate automatically")
    enabled = resource.flag("enable_key_rotation")
    if enabled is None:
        return fail(
            "enable_key_rotation is not set",
            Fix("enable_key_rotation", True, "set enable_key_rotation to true"),
        )
    if not enabled:
        return fail("enable_key_rotation is false; set it to true (CIS AWS 3.6)")
    return ok("automatic rotation is on")


def ecs_exec_encrypted(resource: ResourceFacts, stack: StackFacts) -> Finding:
    """ECS Exec sessions carry shell I/O: the cluster must encrypt them with our key."""
    if resource.flag("enable_execute_command") is not True:
        return not_applicable("ECS Exec is off")
    cluster = stack.resolve(resource.attrs.get("cluster"))
    if cluster is None or cluster.rtype != "aws_ecs_cluster":
        return fail(
            "enable_execute_command is true but cluster does not reference an "
            "aws_ecs_cluster of this stack whose exec sessions use our key"
        )
    if not stack.is_our_key(cluster.get(_EXEC_KEY)):
        return fail(
            f"enable_execute_command is true but {cluster.address} has no {_EXEC_KEY} "
            "referencing one of this stack's customer-managed keys; set it"
        )
    return ok(f"exec sessions encrypted by {cluster.address}")


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-ENC-01",
        "Data at rest is encrypted with a customer-managed KMS key of this stack",
        Level.ERROR,
        frozenset(ENCRYPTION_TABLE),
        encrypted_with_our_key,
    ),
    Rule(
        "SFX-ENC-02",
        "S3 buckets have a default-encryption configuration",
        Level.ERROR,
        frozenset({"aws_s3_bucket"}),
        bucket_default_encryption,
    ),
    Rule(
        "SFX-ENC-03",
        "Customer-managed KMS keys rotate automatically",
        Level.ERROR,
        frozenset({"aws_kms_key"}),
        key_rotation,
    ),
    Rule(
        "SFX-ENC-04",
        "ECS Exec sessions are encrypted with a customer-managed key",
        Level.ERROR,
        frozenset({"aws_ecs_service"}),
        ecs_exec_encrypted,
    ),
)
