"""Logs: every log group of the stack exists with the designed retention and our KMS key."""

from __future__ import annotations

from typing import Any

from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design, LogGroup
from compliance.collect.model import Check, Family, Finding, Read

# DescribeLogGroups takes no resource ARN in IAM (Service Authorization Reference, CloudWatch Logs).
DESCRIBE_LOG_GROUPS = Read("logs:DescribeLogGroups")
DESCRIBE_KEY = Read("kms:DescribeKey", "arn:aws:kms:*:*:key/*")

LOG_GROUP = Check(
    "logs.group",
    ("SFX-CTL-OPS-10",),
    "each log group of the stack exists with the designed 90-day retention and the logs KMS key",
    168,
    reads=(DESCRIBE_LOG_GROUPS, DESCRIBE_KEY),
)


def key_arn(ctx: Context, alias: str | None) -> str | None:
    """The ARN behind a designed alias (kms:DescribeKey accepts ``alias/<name>``)."""
    if alias is None:
        return None
    return str(ctx.client("kms").describe_key(KeyId=alias)["KeyMetadata"]["Arn"])


def _group(ctx: Context, group: LogGroup, keys: dict[str | None, str | None]) -> Finding:
    arn = ctx.arn("logs", f"log-group:{group.name}")
    expected = {
        "exists": True,
        "retentionInDays": group.retention_days,
        "kmsKeyId": keys[group.kms_alias],
    }
    try:
        pages = ctx.client("logs").get_paginator("describe_log_groups")
        found: dict[str, Any] | None = next(
            (
                g
                for page in pages.paginate(logGroupNamePrefix=group.name)
                for g in page["logGroups"]
                if g["logGroupName"] == group.name
            ),
            None,
        )
    except CALL_ERRORS as err:
        return error(LOG_GROUP, DESCRIBE_LOG_GROUPS.action, arn, expected, err)
    observed = (
        {"exists": False}
        if found is None
        else {
            "exists": True,
            "retentionInDays": found.get("retentionInDays"),
            "kmsKeyId": found.get("kmsKeyId"),
        }
    )
    return Finding(
        LOG_GROUP, DESCRIBE_LOG_GROUPS.action, arn, observed, expected, observed == expected
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    aliases = {g.kms_alias for g in design.log_groups}
    try:
        keys = {alias: key_arn(ctx, alias) for alias in aliases}
    except CALL_ERRORS as err:
        return [
            error(
                LOG_GROUP,
                DESCRIBE_KEY.action,
                ctx.arn("logs", f"log-group:{g.name}"),
                f"key {g.kms_alias}",
                err,
            )
            for g in design.log_groups
        ]
    return [_group(ctx, g, keys) for g in design.log_groups]


FAMILY = Family("logs", (LOG_GROUP,), collect)
