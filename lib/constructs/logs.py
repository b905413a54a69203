"""CloudWatch log groups: always KMS-encrypted with the logs key and kept exactly 90 days."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from core.policy_numbers import POLICY
from lib.constructs.encryption import EncryptionKeys

LOG_RETENTION_DAYS = POLICY.log_retention_days  # GDPR Art. 5(1)(e) decision; see core


def encrypted_log_group(
    scope: Construct, id_: str, name: str, keys: EncryptionKeys
) -> CloudwatchLogGroup:
    return CloudwatchLogGroup(
        scope,
        id_,
        name=name,
        retention_in_days=LOG_RETENTION_DAYS,
        kms_key_id=keys.logs.arn,
        skip_destroy=False,
    )
