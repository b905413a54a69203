"""The KMS key that signs runtime evidence: ``alias/streamflix-evidence-signing-<suffix>``.

An asymmetric ECC_NIST_P256 key for SIGN_VERIFY only (it can never encrypt), used by the
collector through ``core.attest`` (``SFX_EVIDENCE_KMS_KEY``). Its key policy lets the
account administer it (so IAM can delegate), lets each signer role call ``kms:Sign`` (and read
the public key), and lets readers verify and read the public key. The private key never leaves
KMS; an auditor verifies offline with the public key pinned in ``compliance/trust.yaml``.

Automatic rotation does not exist for asymmetric keys (AWS KMS API reference, EnableKeyRotation:
"Automatic key rotation is supported only on symmetric encryption KMS keys. You cannot enable
automatic rotation of asymmetric KMS keys"): rotation is manual, by a new key listed in
trust.yaml beside the old one (docs/compliance.md, "Trust model").
"""

from __future__ import annotations

import json
from typing import Any

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from lib.constructs.encryption import KEY_DELETION_WINDOW_DAYS, account_administers
from lib.context import StackContext

KEY_SPEC = "ECC_NIST_P256"  # core.attest signs with ECDSA_SHA_256 on this curve
SIGNER_ACTIONS = ("kms:Sign", "kms:GetPublicKey", "kms:DescribeKey")
READER_ACTIONS = ("kms:Verify", "kms:GetPublicKey", "kms:DescribeKey")


def signing_key_policy(account: str, signers: list[str], readers: list[str]) -> str:
    statements: list[dict[str, Any]] = [account_administers(account)]
    if signers:
        statements.append(
            {
                "Sid": "CollectorSignsEvidence",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(signers)},
                "Action": list(SIGNER_ACTIONS),
                "Resource": "*",
            }
        )
    statements.append(
        {
            "Sid": "ReadersVerifyEvidence",
            "Effect": "Allow",
            "Principal": {"AWS": sorted(readers) or [f"arn:aws:iam::{account}:root"]},
            "Action": list(READER_ACTIONS),
            "Resource": "*",
        }
    )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class EvidenceSigningKey(Construct):
    """The evidence signing key (asymmetric, sign/verify only); roles are granted signing with
    ``grant_sign`` and verification with ``grant_verify`` before ``finalize`` renders its policy.

    Inputs: ``ctx`` (names, account).
    """

    signers: list[str]
    """Role ARNs allowed to sign (``grant_sign``)."""
    readers: list[str]
    """Principal ARNs allowed to verify and read the public key (``grant_verify``)."""
    key: KmsKey
    """The asymmetric signing key (``arn`` is its ARN)."""
    alias: KmsAlias
    """Its alias."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext):
        super().__init__(scope, id_)
        self._ctx = ctx
        self.signers: list[str] = []
        self.readers: list[str] = []
        self.key = KmsKey(
            self,
            "key",
            description="StreamFlix evidence signing (sign/verify only): runtime evidence of "
            "python -m compliance.collect",
            key_usage="SIGN_VERIFY",
            customer_master_key_spec=KEY_SPEC,
            enable_key_rotation=False,  # not supported for asymmetric keys (module docstring)
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
        )
        self.alias = KmsAlias(
            self, "alias", name=ctx.namer.alias("evidence-signing"), target_key_id=self.key.key_id
        )

    @property
    def arn(self) -> str:
        return str(self.key.arn)

    def grant_sign(self, role_arn: str) -> None:
        """Let a role sign evidence (e.g. the collector role, the scheduled collector task)."""
        self.signers.append(role_arn)

    def grant_verify(self, principal_arn: str) -> None:
        self.readers.append(principal_arn)

    def finalize(self) -> None:
        self.key.policy = signing_key_policy(self._ctx.account_id, self.signers, self.readers)
