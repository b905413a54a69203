"""CKV_SFX_1: data at rest is encrypted with a customer-managed KMS key (ours, rotatable, auditable).

AWS-managed keys (``alias/aws/...``) and SSE-S3 cannot be scoped by key policy nor disabled in a
breach; every encryptable resource type of the stack must name one of our ``aws_kms_key``s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck

CMK_TYPES = ("aws_kms_key", "aws_kms_alias", "aws_kms_replica_key", "aws_kms_external_key")


def key_problem(conf: dict[str, Any], field: str) -> str | None:
    """Why ``field`` does not name a customer-managed key; "?..." when it cannot be decided."""
    key = hcl.value(conf, field)
    if key in (None, "", []):
        return f"{field} is not set (AWS-managed or no encryption)"
    if hcl.references_type(key, *CMK_TYPES):
        return None
    if isinstance(key, str) and ("alias/aws/" in key):
        return f"{field}={key} is an AWS-managed key"
    return f"?{field}={key} is not a reference to a key of this stack"


def _enabled(conf: dict[str, Any], field: str) -> bool:
    return hcl.as_bool(hcl.value(conf, field)) is True


def _kinesis(conf: dict[str, Any]) -> list[str | None]:
    kind = hcl.value(conf, "encryption_type")
    bad = None if kind == "KMS" else f"encryption_type={kind} (must be KMS)"
    return [bad, key_problem(conf, "kms_key_id")]


def _rds_cluster(conf: dict[str, Any]) -> list[str | None]:
    problems: list[str | None] = [
        None if _enabled(conf, "storage_encrypted") else "storage_encrypted is not true",
        key_problem(conf, "kms_key_id"),
    ]
    if _enabled(conf, "manage_master_user_password"):
        problems.append(key_problem(conf, "master_user_secret_kms_key_id"))
    if _enabled(conf, "performance_insights_enabled"):
        problems.append(key_problem(conf, "performance_insights_kms_key_id"))
    return problems


def _rds_instance(conf: dict[str, Any]) -> list[str | None]:
    if not _enabled(conf, "performance_insights_enabled"):
        return []
    return [key_problem(conf, "performance_insights_kms_key_id")]


def _db_instance(conf: dict[str, Any]) -> list[str | None]:
    return _rds_cluster(conf)


def _s3_sse(conf: dict[str, Any]) -> list[str | None]:
    rules = hcl.blocks(conf, "rule")
    if not rules:
        return ["no encryption rule"]
    problems: list[str | None] = []
    for rule in rules:
        default = hcl.block(rule, "apply_server_side_encryption_by_default") or {}
        algorithm = hcl.value(default, "sse_algorithm")
        if algorithm not in ("aws:kms", "aws:kms:dsse"):
            problems.append(f"sse_algorithm={algorithm} (must be aws:kms with our key)")
        else:
            problems.append(key_problem(default, "kms_master_key_id"))
    return problems


def _ecr(conf: dict[str, Any]) -> list[str | None]:
    settings = hcl.block(conf, "encryption_configuration") or {}
    kind = hcl.value(settings, "encryption_type")
    if kind != "KMS":
        return [f"encryption_configuration.encryption_type={kind} (must be KMS)"]
    return [key_problem(settings, "kms_key")]


def _field(name: str) -> Callable[[dict[str, Any]], list[str | None]]:
    return lambda conf: [key_problem(conf, name)]


RULES: dict[str, Callable[[dict[str, Any]], list[str | None]]] = {
    "aws_kinesis_stream": _kinesis,
    "aws_rds_cluster": _rds_cluster,
    "aws_rds_cluster_instance": _rds_instance,
    "aws_db_instance": _db_instance,
    "aws_secretsmanager_secret": _field("kms_key_id"),
    "aws_sqs_queue": _field("kms_master_key_id"),
    "aws_sns_topic": _field("kms_master_key_id"),
    "aws_cloudwatch_log_group": _field("kms_key_id"),
    "aws_s3_bucket_server_side_encryption_configuration": _s3_sse,
    "aws_ecr_repository": _ecr,
    "aws_cloudtrail": _field("kms_key_id"),
    "aws_backup_vault": _field("kms_key_arn"),
}


class CustomerManagedKeyEncryption(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_1",
            "Ensure data at rest is encrypted with a customer-managed KMS key",
            CheckCategories.ENCRYPTION,
            RULES,
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        problems = [p for p in RULES[self.entity_type](conf) if p]
        failures = [p for p in problems if not p.startswith("?")]
        if failures:
            return self.fail("; ".join(failures))
        if problems:
            return self.unknown("; ".join(p[1:] for p in problems))
        return CheckResult.PASSED


check = CustomerManagedKeyEncryption()
