"""CKV_SFX_25: ``terraform destroy`` can remove every resource without manual steps.

Environments are created and destroyed per suffix; protection flags, mandatory final snapshots,
non-empty buckets/repositories/vaults and ``prevent_destroy`` would each block that. Recovery
comes from backups (AWS Backup, PITR) instead, which is why CKV_AWS_139 is waived.

Long deletion windows block the destroy-and-redeploy cycle: a secret pending deletion keeps its
name (re-creating ``streamflix-...-<suffix>`` fails until the window ends), and a key pending
deletion lingers for the whole window. Both are capped at 7 days, AWS' shortest KMS window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck


@dataclass(frozen=True)
class Requirement:
    attribute: str
    expected: bool
    default: bool  # the provider's default when the attribute is absent


REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "aws_rds_cluster": (
        Requirement("deletion_protection", False, False),
        Requirement("skip_final_snapshot", True, False),
    ),
    "aws_db_instance": (
        Requirement("deletion_protection", False, False),
        Requirement("skip_final_snapshot", True, False),
    ),
    "aws_s3_bucket": (Requirement("force_destroy", True, False),),
    "aws_ecr_repository": (Requirement("force_delete", True, False),),
    "aws_backup_vault": (Requirement("force_destroy", True, False),),
    "aws_cloudwatch_log_group": (Requirement("skip_destroy", False, False),),
    "aws_kinesis_stream": (Requirement("enforce_consumer_deletion", True, False),),
    "aws_lb": (Requirement("enable_deletion_protection", False, False),),
    "aws_dynamodb_table": (Requirement("deletion_protection_enabled", False, False),),
}


@dataclass(frozen=True)
class WindowLimit:
    attribute: str
    default: int  # AWS' window when the attribute is absent
    maximum: int


WINDOW_LIMITS: dict[str, WindowLimit] = {
    "aws_kms_key": WindowLimit("deletion_window_in_days", 30, 7),
    "aws_secretsmanager_secret": WindowLimit("recovery_window_in_days", 30, 7),
}


class Destroyable(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_25",
            "Ensure resources can be removed by terraform destroy",
            CheckCategories.GENERAL_SECURITY,
            ["aws_*"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        problems, undecided = [], []
        for lifecycle in hcl.blocks(conf, "lifecycle"):
            if hcl.as_bool(hcl.value(lifecycle, "prevent_destroy")) is True:
                problems.append("lifecycle.prevent_destroy=true")
        for req in REQUIREMENTS.get(self.entity_type, ()):
            raw = hcl.value(conf, req.attribute, req.default)
            flag = hcl.as_bool(raw)
            if flag is None:
                undecided.append(f"{req.attribute}={raw}")
            elif flag != req.expected:
                problems.append(f"{req.attribute}={str(flag).lower()}")
        if limit := WINDOW_LIMITS.get(self.entity_type):
            raw = hcl.value(conf, limit.attribute, limit.default)
            days = hcl.as_int(raw)
            if days is None:
                undecided.append(f"{limit.attribute}={raw}")
            elif days > limit.maximum:
                problems.append(f"{limit.attribute}={days} (at most {limit.maximum})")
        if problems:
            return self.fail(f"blocks destroy: {', '.join(problems)}")
        if undecided:
            return self.unknown(f"cannot be decided: {', '.join(undecided)}")
        return CheckResult.PASSED


check = Destroyable()
