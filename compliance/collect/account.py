"""Account baselines the stack leaves to the account: AWS Config recording, Security Hub on, S3
Block Public Access for the account.

These are evidence about the account (owned by the cloud platform team), not about the stack; the
report labels them so.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design
from compliance.collect.model import Check, Family, Finding, Read

# DescribeConfigurationRecorderStatus takes no resource ARN in IAM (Service Authorization
# Reference, AWS Config); DescribeHub acts on the region's hub.
DESCRIBE_RECORDER_STATUS = Read("config:DescribeConfigurationRecorderStatus")
DESCRIBE_HUB = Read("securityhub:DescribeHub", "arn:aws:securityhub:*:*:hub/default")


def _config(ctx: Context) -> Finding:
    arn = ctx.arn("config", "configuration-recorder/*")
    expected = {"recording": True}
    try:
        statuses = ctx.client("config").describe_configuration_recorder_status()[
            "ConfigurationRecordersStatus"
        ]
    except CALL_ERRORS as err:
        return error(ACCOUNT_CONFIG, DESCRIBE_RECORDER_STATUS.action, arn, expected, err)
    recording = sorted(str(s["name"]) for s in statuses if s.get("recording"))
    return Finding(
        ACCOUNT_CONFIG,
        DESCRIBE_RECORDER_STATUS.action,
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
                ACCOUNT_SECURITY_HUB,
                DESCRIBE_HUB.action,
                arn,
                {"enabled": False},
                expected,
                False,
            )
        return error(ACCOUNT_SECURITY_HUB, DESCRIBE_HUB.action, arn, expected, err)
    except CALL_ERRORS as err:
        return error(ACCOUNT_SECURITY_HUB, DESCRIBE_HUB.action, arn, expected, err)
    return Finding(
        ACCOUNT_SECURITY_HUB,
        DESCRIBE_HUB.action,
        str(hub.get("HubArn", arn)),
        {"enabled": True},
        expected,
        True,
    )


S3_PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
# The IAM action of s3control:GetPublicAccessBlock (Service Authorization Reference, Amazon S3);
# it takes no resource ARN.
S3_PAB = Read("s3:GetAccountPublicAccessBlock")
S3_PAB_ACTION = S3_PAB.action

ACCOUNT_CONFIG = Check(
    "account.config-recorder",
    ("SFX-CTL-OPS-06",),
    "an AWS Config recorder is recording in the region (**account baseline**, not deployed by "
    "the stack)",
    24,
    drift=False,
    account_baseline=True,
    reads=(DESCRIBE_RECORDER_STATUS,),
)
ACCOUNT_SECURITY_HUB = Check(
    "account.security-hub",
    ("SFX-CTL-OPS-07",),
    "Security Hub is enabled in the region (**account baseline**, not deployed by the stack)",
    24,
    drift=False,
    account_baseline=True,
    reads=(DESCRIBE_HUB,),
)
ACCOUNT_S3_PUBLIC_ACCESS = Check(
    "account.s3-public-access-block",
    ("SFX-CTL-OPS-11",),
    "S3 Block Public Access is on for the account with all four settings (**account baseline**; "
    "deployed by the stack only with `STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS=true`)",
    24,
    drift=False,
    account_baseline=True,
    reads=(S3_PAB,),
)


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
                ACCOUNT_S3_PUBLIC_ACCESS,
                S3_PAB_ACTION,
                arn,
                observed,
                expected,
                False,
                "no account-level Block Public Access configuration",
            )
        return error(ACCOUNT_S3_PUBLIC_ACCESS, S3_PAB_ACTION, arn, expected, err)
    except CALL_ERRORS as err:
        return error(ACCOUNT_S3_PUBLIC_ACCESS, S3_PAB_ACTION, arn, expected, err)
    conf = found.get("PublicAccessBlockConfiguration", {})
    observed = {flag: bool(conf.get(flag)) for flag in S3_PAB_FLAGS}
    return Finding(
        ACCOUNT_S3_PUBLIC_ACCESS,
        S3_PAB_ACTION,
        arn,
        observed,
        expected,
        observed == expected,
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    del design  # account-wide
    return [_config(ctx), _security_hub(ctx), _s3_public_access(ctx)]


FAMILY = Family(
    "account", (ACCOUNT_CONFIG, ACCOUNT_SECURITY_HUB, ACCOUNT_S3_PUBLIC_ACCESS), collect
)
