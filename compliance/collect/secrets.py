"""Secrets: the cluster's managed master secret rotates on the designed schedule, and did."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.database import DESCRIBE_CLUSTERS
from compliance.collect.design import Design
from compliance.collect.model import Check, Family, Finding, FreshGap, Read, iso

# Secrets Manager writes RotationSucceeded / RotationFailed to CloudTrail as service events
# (Secrets Manager user guide, "Log AWS Secrets Manager events with AWS CloudTrail").
ROTATION_EVENTS = ("RotationSucceeded", "RotationFailed")

DESCRIBE_SECRET = Read(
    "secretsmanager:DescribeSecret", "arn:aws:secretsmanager:*:*:secret:rds!cluster-*"
)
# LookupEvents takes no resource ARN in IAM (Service Authorization Reference, CloudTrail).
LOOKUP_EVENTS = Read("cloudtrail:LookupEvents")

SECRET_ROTATION = Check(
    "secrets.rotation",
    ("SFX-CTL-OPS-03",),
    "rotation of the cluster's managed secret is enabled on the designed schedule, the last "
    "rotation is within it, and it finished (no version left labelled `AWSPENDING` without "
    "`AWSCURRENT`)",
    24,
    reads=(DESCRIBE_CLUSTERS, DESCRIBE_SECRET),  # the secret's ARN comes from the cluster
)
SECRET_EVENTS = Check(
    "secrets.rotation-events",
    ("SFX-CTL-OPS-03",),
    "CloudTrail shows at least one `RotationSucceeded` and no `RotationFailed` for the secret in "
    "the last schedule + 1 day (sampled)",
    24,
    drift=False,
    reads=(DESCRIBE_CLUSTERS, LOOKUP_EVENTS),
    fresh=FreshGap(
        "the first rotation follows the schedule (`rotate_immediately = false`)",
        "`STREAMFLIX_SECRET_ROTATION_DAYS` days",
    ),
)


def secret_arn(ctx: Context, design: Design) -> str:
    """The RDS-managed master secret's ARN (the stack only knows it as a reference)."""
    cluster = ctx.client("rds").describe_db_clusters(DBClusterIdentifier=design.cluster_id)
    return str(cluster["DBClusters"][0]["MasterUserSecret"]["SecretArn"])


def unfinished_rotation(secret: dict[str, Any]) -> list[str]:
    """Versions labelled AWSPENDING but not AWSCURRENT: a rotation that did not finish.

    AWSPENDING marks "the version that will become the next current version when rotation
    finishes" (Secrets Manager API reference, DescribeSecret VersionIdsToStages); a failed
    rotation leaves it there, so the secret itself shows whether the last rotation succeeded."""
    stages: dict[str, list[str]] = secret.get("VersionIdsToStages") or {}
    return sorted(v for v, s in stages.items() if "AWSPENDING" in s and "AWSCURRENT" not in s)


def _rotation(ctx: Context, design: Design, arn: str) -> Finding:
    expected = {
        "RotationEnabled": True,
        "AutomaticallyAfterDays": design.rotation_days,
        "LastRotatedDate": f"within {design.rotation_days} days",
        "UnfinishedRotation": [],
    }
    try:
        secret = ctx.client("secretsmanager").describe_secret(SecretId=arn)
    except CALL_ERRORS as err:
        return error(SECRET_ROTATION, DESCRIBE_SECRET.action, arn, expected, err)
    last = secret.get("LastRotatedDate")
    recent = isinstance(last, datetime) and ctx.now - last <= timedelta(days=design.rotation_days)
    observed = {
        "RotationEnabled": bool(secret.get("RotationEnabled")),
        "AutomaticallyAfterDays": secret.get("RotationRules", {}).get("AutomaticallyAfterDays"),
        "LastRotatedDate": iso(last) if isinstance(last, datetime) else None,
        "UnfinishedRotation": unfinished_rotation(secret),
    }
    ok = (
        observed["RotationEnabled"]
        and observed["AutomaticallyAfterDays"] == design.rotation_days
        and recent
        and not observed["UnfinishedRotation"]
    )
    return Finding(SECRET_ROTATION, DESCRIBE_SECRET.action, arn, observed, expected, ok)


def _about(event: dict[str, Any], arn: str) -> bool:
    if any(r.get("ResourceName") == arn for r in event.get("Resources", [])):
        return True
    return arn in str(event.get("CloudTrailEvent", ""))


def _events(ctx: Context, design: Design, arn: str) -> Finding:
    start = ctx.now - timedelta(days=design.rotation_days + 1)
    expected = {"RotationSucceeded": ">= 1", "RotationFailed": 0}
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        pages = ctx.client("cloudtrail").get_paginator("lookup_events")
        for name in ROTATION_EVENTS:
            found[name] = [
                e
                for page in pages.paginate(
                    LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}],
                    StartTime=start,
                    EndTime=ctx.now,
                )
                for e in page["Events"]
                if _about(e, arn)
            ]
    except CALL_ERRORS as err:
        return error(SECRET_EVENTS, LOOKUP_EVENTS.action, arn, expected, err)
    population = [str(e["EventId"]) for events in found.values() for e in events]
    sampling = ctx.sample(population, start)
    sampled = {
        str(e["EventId"]): json.loads(e.get("CloudTrailEvent") or "{}").get("eventName", name)
        for name, events in found.items()
        for e in events
        if str(e["EventId"]) in sampling.sample
    }
    observed = {name: len(events) for name, events in found.items()}
    ok = observed["RotationSucceeded"] >= 1 and observed["RotationFailed"] == 0
    return Finding(
        SECRET_EVENTS,
        LOOKUP_EVENTS.action,
        arn,
        observed,
        expected,
        ok,
        f"sampled events: {sampled or 'none'}",
        sampling,
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    placeholder = ctx.arn("rds", f"cluster:{design.cluster_id}")
    try:
        arn = secret_arn(ctx, design)
    except (*CALL_ERRORS, KeyError, IndexError) as err:
        return [
            error(c, DESCRIBE_CLUSTERS.action, placeholder, "the cluster's managed secret", err)
            for c in (SECRET_ROTATION, SECRET_EVENTS)
        ]
    return [_rotation(ctx, design, arn), _events(ctx, design, arn)]


FAMILY = Family("secrets", (SECRET_ROTATION, SECRET_EVENTS), collect)
