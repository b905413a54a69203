"""Account baselines the stack leaves to the account: AWS Config recording, Security Hub on, S3
Block Public Access for the account.

These are evidence about the account (owned by the cloud platform team), not about the stack; the
report labels them so.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from compliance.collect import checks
from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design
from compliance.collect.model import Finding


def _config(ctx: Context) -> Finding:
    arn = ctx.arn("config", "configuration-recorder/*")
    expected = {"recording": True}
    try:
        statuses = ctx.client("config").describe_configuration_recorder_status()[
            "ConfigurationRecordersStatus"
        ]
    except CALL_ERRORS as err:
        return error(
            checks.ACCOUNT_CONFIG, "config:DescribeConfigurationRecorderStatus", arn, expected, err
        )
    recording = sorted(str(s["name"]) for s in statuses if s.get("recording"))
    return Finding(
        checks.ACCOUNT_CONFIG,
        "config:DescribeConfigurationRecorderStatus",
        arn,
        {"recording": bool(recording), "recorders": recording},
        expected,
        bool(recording),
    )


def _security_hub(ctx: Context) -> Finding:
    arn = ctx.arn("securityhub", "hub/default")
    expected = {"enabled": True}
    try:
        hub = ctx.client("securityhub").describe_hub()
    except ClientError as err:
        # Not subscribed answers InvalidAccessException (Security Hub API reference, DescribeHub).
        if err.response.get("Error", {}).get("Code") == "InvalidAccessException":
            return Finding(
                checks.ACCOUNT_SECURITY_HUB,
                "securityhub:DescribeHub",
                arn,
                {"enabled": False},
                expected,
                False,
            )
        return error(checks.ACCOUNT_SECURITY_HUB, "securityhub:DescribeHub", arn, expected, err)
    except CALL_ERRORS as err:
        return error(checks.ACCOUNT_SECURITY_HUB, "securityhub:DescribeHub", arn, expected, err)
    return Finding(
        checks.ACCOUNT_SECURITY_HUB,
        "securityhub:DescribeHub",
        str(hub.get("HubArn", arn)),
        {"enabled": True},
        expected,
        True,
    )


S3_PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
# The IAM action of s3control:GetPublicAccessBlock (Service Authorization Reference, Amazon S3).
S3_PAB_ACTION = "s3:GetAccountPublicAccessBlock"


def _s3_public_access(ctx: Context) -> Finding:
    arn = f"arn:aws:iam::{ctx.account_id}:root"  # the setting has no ARN: name the account
    expected = dict.fromkeys(S3_PAB_FLAGS, True)
    try:
        found = ctx.client("s3control").get_public_access_block(AccountId=ctx.account_id)
    except ClientError as err:
        # Never set: NoSuchPublicAccessBlockConfiguration (S3 Control API reference).
        if err.response.get("Error", {}).get("Code") == "NoSuchPublicAccessBlockConfiguration":
            observed = dict.fromkeys(S3_PAB_FLAGS, False)
            return Finding(
                checks.ACCOUNT_S3_PUBLIC_ACCESS,
                S3_PAB_ACTION,
                arn,
                observed,
                expected,
                False,
                "no account-level Block Public Access configuration",
            )
        return error(checks.ACCOUNT_S3_PUBLIC_ACCESS, S3_PAB_ACTION, arn, expected, err)
    except CALL_ERRORS as err:
        return error(checks.ACCOUNT_S3_PUBLIC_ACCESS, S3_PAB_ACTION, arn, expected, err)
    conf = found.get("PublicAccessBlockConfiguration", {})
    observed = {flag: bool(conf.get(flag)) for flag in S3_PAB_FLAGS}
    return Finding(
        checks.ACCOUNT_S3_PUBLIC_ACCESS,
        S3_PAB_ACTION,
        arn,
        observed,
        expected,
        observed == expected,
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    del design  # account-wide
    return [_config(ctx), _security_hub(ctx), _s3_public_access(ctx)]
