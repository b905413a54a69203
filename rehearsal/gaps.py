"""Read APIs the collector calls that the emulator (moto 5.2.5) lacks or answers wrongly.

In the rehearsal's collect phase every runtime check must be decided; an ``error`` item is
accepted only when its API call is listed here with what the emulator does. The list is the
collector's side of the emulator's limits (the Terraform side is ``rehearsal.shims`` and
``rehearsal.artefacts``); against AWS none of these is an error.
"""

from __future__ import annotations

EMULATOR_API_GAPS: dict[str, str] = {
    "cloudtrail:LookupEvents": "moto 5.2.5 does not implement LookupEvents (HTTP 500)",
    "backup:ListBackupJobs": "moto 5.2.5 does not implement it (HTTP 500)",
    # S3 Control puts the account id in front of the endpoint's host
    # (123456789012.<endpoint>): a server on 127.0.0.1 cannot be reached that way.
    "s3:GetAccountPublicAccessBlock": "S3 Control's account-id host prefix cannot reach a "
    "loopback emulator (Could not connect to 123456789012.127.0.0.1)",
}
