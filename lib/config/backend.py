"""Where Terraform keeps the state: the local file or a shared, locked S3 bucket."""

from __future__ import annotations

import re
from typing import Annotated

from lib.config.base import Section
from lib.config.identity import DEFAULT_REGION, EU_REGION_RULE
from lib.config_fields import Lower, Rule, Text, knob, matching, one_of

BUCKET_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
KEY_PREFIX_PATTERN = re.compile(r"^(?=.{1,200}$)[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
LOCK_TABLE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


def _bucket_problem(value: str) -> str | None:
    if not value:
        return None
    if not BUCKET_NAME_PATTERN.match(value) or ".." in value:
        return "is not a valid S3 bucket name"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        return "is formatted as an IP address"
    if value.startswith(("xn--", "sthree-")) or value.endswith(("-s3alias", "--ol-s3")):
        return "uses a prefix or suffix S3 reserves"
    return None


BUCKET_RULE = Rule(
    "an S3 bucket name (3-63 of a-z 0-9 . -, no IP form, no reserved prefix/suffix); "
    "required with the s3 backend",
    _bucket_problem,
)
KEY_PREFIX_RULE = matching(
    KEY_PREFIX_PATTERN,
    "1-200 of A-Z a-z 0-9 _ . - in segments separated by single /, no leading or trailing /",
)
LOCK_TABLE_RULE = matching(
    LOCK_TABLE_PATTERN, "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)", optional=True
)


class BackendConfig(Section):
    kind: Annotated[Lower, one_of("local", "s3")] = knob("STREAMFLIX_STATE_BACKEND", "local")
    """Terraform state backend: `local` (a file next to the stack) or `s3` (shared, locked)."""
    s3_bucket: Annotated[Text, BUCKET_RULE] = knob("STREAMFLIX_STATE_BUCKET", "")
    """Existing, versioned, encrypted S3 bucket holding the state (s3 backend only)."""
    s3_key_prefix: Annotated[Text, KEY_PREFIX_RULE] = knob(
        "STREAMFLIX_STATE_KEY_PREFIX", "streamflix"
    )
    """Key prefix of the state object: `<prefix>/<suffix>/terraform.tfstate` (s3 backend only)."""
    s3_region: Annotated[Lower, EU_REGION_RULE] = knob("STREAMFLIX_STATE_REGION", DEFAULT_REGION)
    """Region of the state bucket (s3 backend only)."""
    # empty: S3-native lock file (Terraform >= 1.10)
    s3_dynamodb_table: Annotated[Text, LOCK_TABLE_RULE] = knob("STREAMFLIX_STATE_LOCK_TABLE", "")
    """Legacy DynamoDB lock table (s3 backend only); empty = S3-native lock file, which needs
    Terraform >= 1.10."""
