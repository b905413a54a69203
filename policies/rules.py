"""The numbers and sets our custom checks enforce (the numbers themselves: core.policy_numbers).

Imports nothing from cdktf, so checkov's process loads it in milliseconds.
"""

from __future__ import annotations

from core.policy_numbers import EU_MEMBER_STATE_REGIONS, POLICY
from lib.config import REQUIRED_TAG_KEYS

__all__ = [
    "ENVIRONMENT_TAG",
    "EU_MEMBER_STATE_REGIONS",
    "LOG_RETENTION_DAYS",
    "MAX_SECRET_ROTATION_DAYS",
    "MIN_BACKUP_RETENTION_DAYS",
    "REQUIRED_TAG_KEYS",
    "SUFFIX_ENV_VAR",
    "missing_tags",
]

# Re-exported names of core.policy_numbers (the numbers live there, read by both twins).
LOG_RETENTION_DAYS = POLICY.log_retention_days
MIN_BACKUP_RETENTION_DAYS = POLICY.min_backup_retention_days
MAX_SECRET_ROTATION_DAYS = POLICY.max_secret_rotation_days
ENVIRONMENT_TAG = "Environment"
# Overrides the suffix the naming check reads from the provider's default_tags Environment tag.
SUFFIX_ENV_VAR = "SFX_ENVIRONMENT_SUFFIX"


def missing_tags(tag_map: dict[str, object]) -> list[str]:
    """Required tag keys absent from ``tag_map`` or with an empty value."""
    return [k for k in REQUIRED_TAG_KEYS if str(tag_map.get(k) or "").strip() == ""]
