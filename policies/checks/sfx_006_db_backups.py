"""CKV_SFX_6: automated database backups (PITR window) are kept at least 7 days."""

from __future__ import annotations

from typing import Any

from core.policy_numbers import POLICY
from core.resource_facts import BackupRetention, select
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck

MIN_BACKUP_RETENTION_DAYS = POLICY.min_backup_retention_days
# Where each database keeps its backup days and AWS's value when unset (core.resource_facts).
RETENTION = select(lambda row: row.backup_retention)


class DatabaseBackupRetention(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_6",
            f"Ensure database backups are kept at least {MIN_BACKUP_RETENTION_DAYS} days",
            CheckCategories.BACKUP_AND_RECOVERY,
            sorted(RETENTION),
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        spec: BackupRetention = RETENTION[self.entity_type]
        raw = hcl.value(conf, spec.attr, spec.aws_default)
        days = hcl.as_int(raw)
        if days is None:
            return self.unknown(f"{spec.attr}={raw} cannot be decided")
        if days < MIN_BACKUP_RETENTION_DAYS:
            return self.fail(f"{spec.attr}={days} (< {MIN_BACKUP_RETENTION_DAYS})")
        return CheckResult.PASSED


check = DatabaseBackupRetention()
