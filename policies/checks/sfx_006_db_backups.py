"""CKV_SFX_6: automated database backups (PITR window) are kept at least 7 days."""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck
from policies.rules import MIN_BACKUP_RETENTION_DAYS

PROVIDER_DEFAULTS = {"aws_rds_cluster": 1, "aws_db_instance": 0}


class DatabaseBackupRetention(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_6",
            f"Ensure database backups are kept at least {MIN_BACKUP_RETENTION_DAYS} days",
            CheckCategories.BACKUP_AND_RECOVERY,
            PROVIDER_DEFAULTS,
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        raw = hcl.value(conf, "backup_retention_period", PROVIDER_DEFAULTS[self.entity_type])
        days = hcl.as_int(raw)
        if days is None:
            return self.unknown(f"backup_retention_period={raw} cannot be decided")
        if days < MIN_BACKUP_RETENTION_DAYS:
            return self.fail(f"backup_retention_period={days} (< {MIN_BACKUP_RETENTION_DAYS})")
        return CheckResult.PASSED


check = DatabaseBackupRetention()
