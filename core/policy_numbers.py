"""The numbers and region sets our controls enforce, written once (issue 24 item 1).

Constructs set them, the Aspects and the Checkov checks judge against them, the inventory and
the docs quote them. Standard library only: the gate's checkov process imports this in
microseconds, without cdktf or pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyNumbers:
    """Durations our policies fix. Each is a decision, not a legal number (see the docstring of
    each field for where it comes from)."""

    log_retention_days: int = 90
    """CloudWatch log groups keep logs exactly this long: our documented storage-limitation
    decision under GDPR Art. 5(1)(e). No EU text sets 90 days."""
    max_secret_rotation_days: int = 30
    """Secrets rotate at least this often (a leaked credential dies within a month)."""
    min_backup_retention_days: int = 7
    """Automated database backups (the point-in-time recovery window) are kept at least this
    long (AWS allows 1-35)."""
    kms_deletion_window_days: int = 7
    """KMS keys are scheduled for deletion with this window: AWS's shortest (7-30), so a
    destroyed environment does not leave keys pending for a month."""
    max_secret_recovery_window_days: int = 7
    """Secrets are deleted with at most this recovery window (0-30; 0 forces deletion), so a
    same-named secret can be created again within a week."""
    min_secret_recovery_window_days: int = 0
    """The shortest recovery window AWS accepts (0: delete without recovery)."""


POLICY = PolicyNumbers()

# Regions inside Europe where AWS operates. Residency is a risk-reduction choice (see README).
EU_REGIONS: frozenset[str] = frozenset(
    {
        "eu-central-1",
        "eu-central-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
    }
)
# eu-west-2 (London) and eu-central-2 (Zurich) are outside the EU; adequacy decisions cover them,
# but we keep the stack inside the Union.
EU_MEMBER_STATE_REGIONS: frozenset[str] = EU_REGIONS - {"eu-west-2", "eu-central-2"}
