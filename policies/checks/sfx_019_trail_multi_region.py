"""CKV_SFX_19: the CloudTrail trail records every region (CIS 3.1), so activity cannot hide abroad."""

from __future__ import annotations

from policies.checkbase import CheckCategories, FlagCheck

check = FlagCheck(
    "CKV_SFX_19",
    "Ensure CloudTrail trails are multi-region",
    CheckCategories.LOGGING,
    ["aws_cloudtrail"],
    attribute="is_multi_region_trail",
    expected=True,
    default=False,
)
