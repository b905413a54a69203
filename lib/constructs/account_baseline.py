"""Opt-in account baselines: settings that apply to the whole AWS account, not to this stack.

An account baseline normally belongs to whoever owns the account (the cloud platform team); the
compliance report shows it as such (SFX-CTL-OPS-11, collected at runtime). A stack that owns its
account can opt in here. Each knob is off by default because the resource changes every bucket
(or repository) of the account, other teams' included, and ``cdktf destroy`` removes it again.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.ecr_registry_scanning_configuration import (
    EcrRegistryScanningConfiguration,
    EcrRegistryScanningConfigurationRule,
    EcrRegistryScanningConfigurationRuleRepositoryFilter,
)
from cdktf_cdktf_provider_aws.s3_account_public_access_block import S3AccountPublicAccessBlock
from constructs import Construct

from lib.context import StackContext
from lib.naming import PREFIX


class AccountBaseline(Construct):
    """Opt-in account-wide settings (off by default; they affect every bucket or repository of
    the account, and ``cdktf destroy`` removes them again).

    Inputs: ``ctx`` (``ctx.config.account``: ``STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS``,
    ``STREAMFLIX_ACCOUNT_ECR_ENHANCED_SCANNING``).
    """

    s3_public_access_block: S3AccountPublicAccessBlock | None
    """Account-level S3 Block Public Access (all four settings), when opted in."""
    ecr_scanning: EcrRegistryScanningConfiguration | None
    """The registry's enhanced, continuous scanning of ``streamflix-*`` repositories, when opted
    in."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext):
        super().__init__(scope, id_)
        cfg = ctx.config.account
        self.s3_public_access_block: S3AccountPublicAccessBlock | None = None
        if cfg.s3_block_public_access:
            # CIS 2.1.4, account part: all four settings, account-wide (S3 User Guide,
            # "Blocking public access to your Amazon S3 storage": account-level settings apply to
            # every bucket, present and future, whatever the bucket's own settings).
            self.s3_public_access_block = S3AccountPublicAccessBlock(
                self,
                "s3_public_access_block",
                account_id=ctx.account_id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            )
        self.ecr_scanning: EcrRegistryScanningConfiguration | None = None
        if cfg.ecr_enhanced_scanning:
            # Amazon ECR User Guide, "Scan images for software vulnerabilities": with ENHANCED
            # the registry's rules decide which repositories Amazon Inspector scans; the rest
            # are not scanned. Continuous scanning rescans when new CVEs are published.
            self.ecr_scanning = EcrRegistryScanningConfiguration(
                self,
                "ecr_scanning",
                scan_type="ENHANCED",
                rule=[
                    EcrRegistryScanningConfigurationRule(
                        scan_frequency="CONTINUOUS_SCAN",
                        repository_filter=[
                            EcrRegistryScanningConfigurationRuleRepositoryFilter(
                                filter=f"{PREFIX}-*", filter_type="WILDCARD"
                            )
                        ],
                    )
                ],
            )
