"""The numbers and sets our custom checks enforce, in one place (shared with the stack config).

Imports nothing from cdktf, so checkov's process loads it in milliseconds.
"""

from __future__ import annotations

from lib.config import EU_MEMBER_STATE_REGIONS, REQUIRED_TAG_KEYS

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

# Must equal lib.constructs.logs.LOG_RETENTION_DAYS (a test asserts it): that module imports cdktf.
LOG_RETENTION_DAYS = 90
MIN_BACKUP_RETENTION_DAYS = 7
MAX_SECRET_ROTATION_DAYS = 30
ENVIRONMENT_TAG = "Environment"
# Overrides the suffix the naming check reads from the provider's default_tags Environment tag.
SUFFIX_ENV_VAR = "SFX_ENVIRONMENT_SUFFIX"


def missing_tags(tag_map: dict[str, object]) -> list[str]:
    """Required tag keys absent from ``tag_map`` or with an empty value."""
    return [k for k in REQUIRED_TAG_KEYS if str(tag_map.get(k) or "").strip() == ""]
