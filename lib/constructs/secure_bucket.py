"""A private S3 bucket with every safeguard on: the one way this stack creates buckets.

Public access blocked, ACLs disabled (bucket owner enforced), versioning, default encryption,
a bucket policy that refuses plain HTTP and TLS < 1.2, lifecycle rules, server access logging
and EventBridge notifications. ``force_destroy`` so ``cdktf destroy`` can empty it.

With ``object_lock`` the bucket is created with S3 Object Lock and a default retention in
GOVERNANCE mode (never COMPLIANCE: a compliance-mode version cannot be deleted by anyone until
its retention ends, so the stack could not be destroyed). Governance-mode versions can be
deleted only by a principal allowed ``s3:BypassGovernanceRetention`` that sends the bypass
header; hashicorp/aws empties an Object Lock bucket on ``force_destroy`` with that header.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from cdktf_cdktf_provider_aws.s3_bucket_object_lock_configuration import (
    S3BucketObjectLockConfigurationA,
    S3BucketObjectLockConfigurationRuleA,
    S3BucketObjectLockConfigurationRuleDefaultRetentionA,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct


@dataclass(frozen=True)
class Lifecycle:
    """Object lifecycle: noncurrent versions expire; optional tiering of current objects."""

    noncurrent_expiration_days: int = 30
    abort_multipart_days: int = 7
    transition_to_ia_days: int | None = None
    # Glacier Instant Retrieval: millisecond reads (an auditor's re-performance), lower cost.
    transition_to_glacier_ir_days: int | None = None
    expiration_days: int | None = None


GOVERNANCE = "GOVERNANCE"


@dataclass(frozen=True)
class ObjectLock:
    """Default Object Lock retention of every new object version (governance mode only)."""

    days: int

    def __post_init__(self) -> None:
        if not 1 <= self.days <= 36_500:
            raise ValueError(f"ObjectLock.days={self.days}: 1-36500 (S3 default retention)")


@dataclass(frozen=True)
class BucketSpec:
    """A ``SecureBucket``'s inputs: its name and key, and what differs between buckets."""

    name: str
    kms_key_arn: str | None  # None: SSE-S3 (only for the access-log bucket; S3 requires it)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    # The bucket receiving server access logs: a SecureBucket (its policy, which grants the S3
    # logging service, is then created first: S3 checks it when logging is configured), or a
    # bucket id, which orders nothing (policies/ordering.py flags it).
    access_log_bucket: SecureBucket | str | None = None
    access_log_prefix: str = ""
    extra_policy_statements: tuple[dict[str, Any], ...] = ()
    eventbridge_notifications: bool = True
    # Set on the access-log bucket: lets S3 log delivery write, for this account's buckets only.
    receives_access_logs_from_account: str | None = None
    object_lock: ObjectLock | None = None


def tls_only_statements(bucket_arn: str) -> list[dict[str, Any]]:
    objects = f"{bucket_arn}/*"
    return [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyOutdatedTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        },
    ]


def access_log_delivery_statement(bucket_arn: str, account_id: str) -> dict[str, Any]:
    return {
        "Sid": "S3ServerAccessLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }


class SecureBucket(Construct):
    """An S3 bucket secure by default: all public access blocked, ACLs disabled (bucket owner
    enforced), versioned, encrypted (SSE-KMS with a bucket key when ``spec.kms_key_arn`` is
    given, else SSE-S3), a lifecycle rule, TLS-only access, and optionally Object Lock
    (governance), server access logging and EventBridge notifications. ``force_destroy`` keeps
    ``cdktf destroy`` possible.

    Inputs: ``spec`` (``BucketSpec``: name, key, lifecycle, access-log target, extra policy
    statements, Object Lock, notifications, access-log delivery source).
    """

    bucket: S3Bucket
    """The bucket."""
    public_access_block: S3BucketPublicAccessBlock
    """All four public-access settings on (the policy waits for it)."""
    object_lock: S3BucketObjectLockConfigurationA
    """The default governance retention (only with ``spec.object_lock``)."""
    policy: S3BucketPolicy
    """The bucket policy: TLS only, plus ``spec.extra_policy_statements``."""

    def __init__(self, scope: Construct, id_: str, spec: BucketSpec):
        super().__init__(scope, id_)
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=spec.name,
            force_destroy=True,
            object_lock_enabled=True if spec.object_lock else None,
        )
        self.public_access_block = self._public_access_block()
        versioning = self._ownership_and_versioning()
        self._encryption(spec.kms_key_arn)
        self._lifecycle(spec.lifecycle)
        if spec.object_lock:
            self.object_lock = self._object_lock(spec.object_lock, versioning)
        if spec.access_log_bucket:
            self._access_logging(spec, spec.access_log_bucket)
        if spec.eventbridge_notifications:
            S3BucketNotification(self, "notifications", bucket=self.bucket.id, eventbridge=True)
        self.policy = self._policy(spec)

    def _public_access_block(self) -> S3BucketPublicAccessBlock:
        b = self.bucket.id
        return S3BucketPublicAccessBlock(
            self,
            "public_access_block",
            bucket=b,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )

    def _ownership_and_versioning(self) -> S3BucketVersioningA:
        """ACLs off (bucket owner enforced) and versioning on; returns the versioning."""
        b = self.bucket.id
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=b,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        return S3BucketVersioningA(
            self,
            "versioning",
            bucket=b,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )

    def _encryption(self, kms_key_arn: str | None) -> None:
        b = self.bucket.id
        by_default = (
            S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
            )
            if kms_key_arn
            else S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="AES256"
            )
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=b,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=by_default,
                    bucket_key_enabled=kms_key_arn is not None,
                )
            ],
        )

    def _object_lock(
        self, lock: ObjectLock, versioning: S3BucketVersioningA
    ) -> S3BucketObjectLockConfigurationA:
        return S3BucketObjectLockConfigurationA(
            self,
            "object_lock",
            bucket=self.bucket.id,
            rule=S3BucketObjectLockConfigurationRuleA(
                default_retention=S3BucketObjectLockConfigurationRuleDefaultRetentionA(
                    mode=GOVERNANCE, days=lock.days
                )
            ),
            depends_on=[versioning],
        )

    def _access_logging(self, spec: BucketSpec, target: SecureBucket | str) -> None:
        S3BucketLoggingA(
            self,
            "access_logging",
            bucket=self.bucket.id,
            target_bucket=target if isinstance(target, str) else target.bucket.id,
            target_prefix=spec.access_log_prefix or f"{spec.name}/",
            depends_on=[] if isinstance(target, str) else [target.policy],
        )

    def _policy(self, spec: BucketSpec) -> S3BucketPolicy:
        b = self.bucket.id
        statements = [*tls_only_statements(self.bucket.arn), *spec.extra_policy_statements]
        if spec.receives_access_logs_from_account:
            statements.append(
                access_log_delivery_statement(
                    self.bucket.arn, spec.receives_access_logs_from_account
                )
            )
        return S3BucketPolicy(
            self,
            "policy",
            bucket=b,
            policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            depends_on=[self.public_access_block],
        )

    def _lifecycle(self, lc: Lifecycle) -> None:
        rule = S3BucketLifecycleConfigurationRule(
            id="retention",
            status="Enabled",
            filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            abort_incomplete_multipart_upload=[
                S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                    days_after_initiation=lc.abort_multipart_days
                )
            ],
            noncurrent_version_expiration=[
                S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=lc.noncurrent_expiration_days
                )
            ],
            transition=[
                S3BucketLifecycleConfigurationRuleTransition(days=days, storage_class=cls)
                for days, cls in (
                    (lc.transition_to_ia_days, "STANDARD_IA"),
                    (lc.transition_to_glacier_ir_days, "GLACIER_IR"),
                )
                if days
            ]
            or None,
            expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=lc.expiration_days)]
            if lc.expiration_days
            else None,
        )
        S3BucketLifecycleConfiguration(self, "lifecycle", bucket=self.bucket.id, rule=[rule])

    @property
    def arn(self) -> str:
        return self.bucket.arn

    @property
    def name(self) -> str:
        return self.bucket.bucket
