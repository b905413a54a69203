"""Who the alarms reach (e-mail, HTTPS, an existing topic), their thresholds, and the
environment tier that refuses a production stack whose alerts reach no one."""

from __future__ import annotations

import re
from typing import Annotated

from core.policy_numbers import EU_MEMBER_STATE_REGIONS
from lib.config.base import Section
from lib.config_fields import CommaList, Integer, Number, Rule, Text, knob

EMAIL_MAX_LEN = 254
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# --- Alarm recipients and environment tier (issue 12 item 3) ---------------------------------
ENVIRONMENT_TIERS = ("development", "staging", "production")
HTTPS_URL_MAX_LEN = 2048
HTTPS_URL_PATTERN = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s,]*)?$")
# arn:aws:sns:<region>:<account>:<name>; standard topics only (alarms cannot publish to FIFO).
SNS_TOPIC_ARN_PATTERN = re.compile(r"^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$")
ALARM_RECIPIENT_KNOBS = (
    "STREAMFLIX_ALARM_EMAILS",
    "STREAMFLIX_ALARM_HTTPS_ENDPOINTS",
    "STREAMFLIX_ALARM_TOPIC_ARN",
)


def _emails_problem(values: tuple[str, ...]) -> str | None:
    bad = [v for v in values if len(v) > EMAIL_MAX_LEN or not EMAIL_PATTERN.match(v)]
    if bad:
        return f"holds invalid e-mail addresses: {', '.join(bad)}"
    duplicates = _duplicates(values)
    return f"lists an address twice: {', '.join(duplicates)}" if duplicates else None


def _duplicates(values: tuple[str, ...]) -> list[str]:
    lowered = [v.lower() for v in values]
    return sorted({v for v in values if lowered.count(v.lower()) > 1})


def _https_endpoints_problem(values: tuple[str, ...]) -> str | None:
    bad = [v for v in values if len(v) > HTTPS_URL_MAX_LEN or not HTTPS_URL_PATTERN.match(v)]
    if bad:
        return f"holds entries that are not https:// URLs: {', '.join(bad)}"
    duplicates = _duplicates(values)
    return f"lists an endpoint twice: {', '.join(duplicates)}" if duplicates else None


def _topic_arn_problem(value: str) -> str | None:
    if not value:
        return None
    match = SNS_TOPIC_ARN_PATTERN.match(value)
    if match is None:
        return "is not an SNS standard topic ARN (arn:aws:sns:<region>:<12-digit account>:<name>)"
    if match.group(1) not in EU_MEMBER_STATE_REGIONS:
        return f"is in region {match.group(1)}, not in an EU member state"
    return None


EMAILS_RULE = Rule(
    "comma-separated e-mail addresses (name@domain.tld), each at most 254 characters, "
    "no duplicates; empty for none",
    _emails_problem,
)
HTTPS_ENDPOINTS_RULE = Rule(
    f"comma-separated https:// URLs (host, optional port and path; at most "
    f"{HTTPS_URL_MAX_LEN} characters each), no duplicates; empty for none",
    _https_endpoints_problem,
)
TOPIC_ARN_RULE = Rule(
    "an SNS standard topic ARN in an EU member-state region; empty for none", _topic_arn_problem
)


class AlarmConfig(Section):
    emails: Annotated[CommaList, EMAILS_RULE] = knob("STREAMFLIX_ALARM_EMAILS", ())
    """Addresses subscribed to the alerts topic (each must confirm its subscription)."""
    iterator_age_ms: Integer = knob(
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS", 60_000, ge=1_000, le=86_400_000, unit="ms"
    )
    """Stream lag (iterator age) that raises the lag alarm; must stay below the retention."""
    error_rate_percent: Number = knob(
        "STREAMFLIX_ALARM_ERROR_RATE_PERCENT", 5.0, ge=0.1, le=100, unit="%"
    )
    """Worker failure rate that raises the error-rate alarm."""
    https_endpoints: Annotated[CommaList, HTTPS_ENDPOINTS_RULE] = knob(
        "STREAMFLIX_ALARM_HTTPS_ENDPOINTS", ()
    )
    """HTTPS endpoints subscribed to the alerts topic (each must confirm the subscription SNS
    posts to it)."""
    topic_arn: Annotated[Text, TOPIC_ARN_RULE] = knob("STREAMFLIX_ALARM_TOPIC_ARN", "")
    """Existing SNS topic (e.g. the on-call tool's) that every alarm and the rotation-failure rule
    also publish to; SNS cannot subscribe a topic to a topic. Its policy and key must let
    CloudWatch and EventBridge publish (docs/deploying.md)."""

    @property
    def has_recipient(self) -> bool:
        """Whether any alert can reach someone outside the stack."""
        return bool(self.emails or self.https_endpoints or self.topic_arn)
