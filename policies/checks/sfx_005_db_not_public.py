"""CKV_SFX_5: database instances are not publicly accessible (private subnets only)."""

from __future__ import annotations

from policies.checkbase import CheckCategories, FlagCheck

check = FlagCheck(
    "CKV_SFX_5",
    "Ensure database instances are not publicly accessible",
    CheckCategories.NETWORKING,
    ["aws_rds_cluster_instance", "aws_db_instance"],
    attribute="publicly_accessible",
    expected=False,
    default=False,
)
