"""Who and where the stack is: the project name, the knob prefix, the EU regions, the
environment suffix rule and the tag knobs (tags carry no personal data)."""

from __future__ import annotations

import re
from typing import Annotated

from core.policy_numbers import EU_MEMBER_STATE_REGIONS as EU_MEMBER_STATE_REGIONS
from core.policy_numbers import EU_REGIONS as EU_REGIONS  # re-exported (tests, docs)
from lib.config.base import Section
from lib.config_fields import Lower, Rule, Text, knob, one_of
from lib.naming import SUFFIX_MAX_LEN, NamingError, validate_suffix

PROJECT = "streamflix"
KNOB_PREFIX = "STREAMFLIX_"

# EU_REGIONS and EU_MEMBER_STATE_REGIONS (residency policy) live in core.policy_numbers.
DEFAULT_REGION = "eu-central-1"

TAG_VALUE_PATTERN = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")


def _suffix_problem(value: str) -> str | None:
    try:
        validate_suffix(value)
    except NamingError as err:
        return err.rule
    return None


def _tag_problem(value: str) -> str | None:
    if not TAG_VALUE_PATTERN.match(value):
        return "has the wrong form"
    if "@" in value:
        return "looks like an e-mail address (tags must carry no personal data)"
    return None


SUFFIX_RULE = Rule(
    f"1-{SUFFIX_MAX_LEN} lowercase letters, digits and single hyphens, starting with a letter "
    "and not ending with a hyphen",
    _suffix_problem,
)
TAG_RULE = Rule(
    "1-256 letters, digits, spaces and _ . : / = + - (no e-mail addresses)", _tag_problem
)
EU_REGION_RULE = one_of(*sorted(EU_MEMBER_STATE_REGIONS))


class TagConfig(Section):
    owner: Annotated[Text, TAG_RULE] = knob("STREAMFLIX_TAG_OWNER", "platform-team")
    """`Owner` tag: a team, never a person."""
    cost_center: Annotated[Text, TAG_RULE] = knob("STREAMFLIX_TAG_COST_CENTER", "media-pipeline")
    """`CostCenter` tag."""
    data_classification: Annotated[
        Lower, one_of("public", "internal", "confidential", "restricted")
    ] = knob("STREAMFLIX_TAG_DATA_CLASSIFICATION", "confidential")
    """`DataClassification` tag."""
    compliance_scope: Annotated[Text, TAG_RULE] = knob(
        "STREAMFLIX_TAG_COMPLIANCE_SCOPE", "content-tracking"
    )
    """`ComplianceScope` tag."""
