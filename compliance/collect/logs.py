"""Logs: every log group of the stack exists with the designed retention and our KMS key."""

from __future__ import annotations

from typing import Any

from compliance.collect import checks
from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design, LogGroup
from compliance.collect.model import Finding


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
        return error(checks.LOG_GROUP, "logs:DescribeLogGroups", arn, expected, err)
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
        checks.LOG_GROUP, "logs:DescribeLogGroups", arn, observed, expected, observed == expected
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    aliases = {g.kms_alias for g in design.log_groups}
    try:
        keys = {alias: key_arn(ctx, alias) for alias in aliases}
    except CALL_ERRORS as err:
        return [
            error(
                checks.LOG_GROUP,
                "kms:DescribeKey",
                ctx.arn("logs", f"log-group:{g.name}"),
                f"key {g.kms_alias}",
                err,
            )
            for g in design.log_groups
        ]
    return [_group(ctx, g, keys) for g in design.log_groups]
