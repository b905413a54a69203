"""CKV_SFX_20: CloudTrail signs its log files (CIS 3.2), so tampering with evidence is detectable."""

from __future__ import annotations

from policies.checkbase import CheckCategories, FlagCheck

check = FlagCheck(
    "CKV_SFX_20",
    "Ensure CloudTrail log file validation is enabled",
    CheckCategories.LOGGING,
    ["aws_cloudtrail"],
    attribute="enable_log_file_validation",
    expected=True,
    default=False,
)
