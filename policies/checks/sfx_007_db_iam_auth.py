"""CKV_SFX_7: databases accept IAM authentication (short-lived tokens, no shared passwords)."""

from __future__ import annotations

from policies.checkbase import CheckCategories, FlagCheck

check = FlagCheck(
    "CKV_SFX_7",
    "Ensure databases enable IAM database authentication",
    CheckCategories.IAM,
    ["aws_rds_cluster", "aws_db_instance"],
    attribute="iam_database_authentication_enabled",
    expected=True,
    default=False,
)
