"""Audit and evidence knobs: the collector role, account-wide opt-ins, trail Insights, and the
scheduled evidence store with its retention and the trail archive."""

from __future__ import annotations

import re
from typing import Annotated

from lib.config.base import Section
from lib.config_fields import AutoInteger, Boolean, Integer, Rule, Text, knob

# ---------------------------------------------------------------------------------------------
# Operating evidence (issue 13): the optional read-only role of compliance.collect
# ---------------------------------------------------------------------------------------------

# An IAM role, user or account root that may assume the collector role (e.g. a CI OIDC role).
_PRINCIPAL_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:(?:root|(?:role|user)/[\w+=,.@/-]{1,512})$"
)


def _principal_problem(value: str) -> str | None:
    if value and not _PRINCIPAL_ARN.match(value):
        return "not an IAM role, user or account-root ARN"
    return None


PRINCIPAL_RULE = Rule(
    "empty, or arn:aws:iam::<12-digit account>:role/<name>, :user/<name> or :root",
    _principal_problem,
)


class CollectorConfig(Section):
    principal_arn: Annotated[Text, PRINCIPAL_RULE] = knob("STREAMFLIX_COLLECTOR_PRINCIPAL_ARN", "")
    """Principal (e.g. a CI OIDC role) that may assume `streamflix-collector-<suffix>`, a read-only
    role with compliance/collector-policy.json for `python -m compliance.collect`; empty: no
    such role."""


class AccountBaselineConfig(Section):
    s3_block_public_access: Boolean = knob("STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS", False)
    """Opt in: turn on S3 Block Public Access for the whole account (all four settings, CIS
    2.1.4's account part). It applies to every bucket of the account, other teams' too, and
    `cdktf destroy` of this environment removes it again, so leave it to the account baseline
    owner unless this stack owns the account; every bucket of the stack blocks public access
    on its own either way."""
    ecr_enhanced_scanning: Boolean = knob("STREAMFLIX_ACCOUNT_ECR_ENHANCED_SCANNING", False)
    """Opt in (paid, Amazon Inspector): switch the account's ECR registry in this region to
    enhanced scanning, continuous for `streamflix-*` repositories. Registry-wide: repositories
    matching no rule are then not scanned at all, so leave it to the account owner unless this
    stack owns the registry; the worker repository scans on push (basic) either way. Price basis:
    docs/compliance.md, "Decisions on scanner findings"."""


class AuditConfig(Section):
    trail_insights: Boolean = knob("STREAMFLIX_TRAIL_INSIGHTS", False)
    """Opt in (paid): CloudTrail Insights on the trail (API call rate and API error rate
    anomalies). Price basis: docs/compliance.md, "Decisions on scanner findings"."""


# ---------------------------------------------------------------------------------------------
# Operating effectiveness over a period (issue 22): scheduled collection, WORM store, archives
# ---------------------------------------------------------------------------------------------

# The store keeps evidence for the audit period plus a year (the auditor's opinion may be
# challenged within it); the trail archive covers the period plus the audit window.
EVIDENCE_EXTRA_RETENTION_DAYS = 365


class EvidenceConfig(Section):
    schedule_hours: Integer = knob(
        "STREAMFLIX_EVIDENCE_SCHEDULE_HOURS", 24, ge=1, le=168, unit="hours"
    )
    """Interval of the scheduled evidence collection (EventBridge Scheduler `rate(N hours)`);
    24 = daily. Validity of the daily checks is 24 h, so longer intervals leave gaps the period
    report shows as deviations."""
    audit_period_days: Integer = knob(
        "STREAMFLIX_AUDIT_PERIOD_DAYS", 365, ge=30, le=1095, unit="days"
    )
    """Length of the audit period an auditor reports on (SOC 2 type 2: 6-12 months)."""
    audit_window_days: Integer = knob(
        "STREAMFLIX_AUDIT_WINDOW_DAYS", 120, ge=30, le=365, unit="days"
    )
    """Time after the period's end during which the auditor re-performs checks (fieldwork)."""
    retention_days: AutoInteger = knob(
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS", None, ge=30, le=3650, unit="days"
    )
    """Object Lock (governance) retention of each evidence file; `auto` = the audit period plus
    one year."""
    trail_archive_days: AutoInteger = knob(
        "STREAMFLIX_TRAIL_ARCHIVE_DAYS", None, ge=90, le=3650, unit="days"
    )
    """Days the CloudTrail S3 archive keeps log files (Glacier Instant Retrieval after 90
    days); `auto` = the audit period plus the audit window. CloudWatch log groups keep 90."""

    @property
    def lock_days(self) -> int:
        """The Object Lock default retention the evidence bucket applies."""
        return self.retention_days or self.audit_period_days + EVIDENCE_EXTRA_RETENTION_DAYS

    @property
    def archive_days(self) -> int:
        """How long the trail archive keeps log files."""
        return self.trail_archive_days or self.audit_period_days + self.audit_window_days
