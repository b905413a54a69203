"""CloudTrail: the stack's trail is logging, delivering log and digest files, and set as designed."""

from __future__ import annotations

from datetime import datetime, timedelta

from compliance.collect import checks
from compliance.collect.context import CALL_ERRORS, Context, error, is_not_found, missing
from compliance.collect.design import Design
from compliance.collect.model import Finding, iso

# Digest files are delivered hourly (CloudTrail user guide, "Validating CloudTrail log file
# integrity"); log files within about 5 minutes of activity. Allow slack for quiet accounts.
DIGEST_MAX_AGE = timedelta(hours=2)
DELIVERY_MAX_AGE = timedelta(hours=6)


def _age_ok(value: object, now: datetime, limit: timedelta) -> bool:
    return isinstance(value, datetime) and now - value <= limit


def collect(ctx: Context, design: Design) -> list[Finding]:
    arn = ctx.arn("cloudtrail", f"trail/{design.trail_name}")
    ct = ctx.client("cloudtrail")
    try:
        status = ct.get_trail_status(Name=design.trail_name)
    except CALL_ERRORS as err:
        if is_not_found(err):  # the trail was deleted: every trail check fails
            return [
                missing(c, "cloudtrail:GetTrailStatus", arn, {"exists": True})
                for c in (checks.TRAIL_LOGGING, checks.TRAIL_DELIVERY, checks.TRAIL_SETTINGS)
            ]
        return [
            error(c, "cloudtrail:GetTrailStatus", arn, "trail exists", err)
            for c in (checks.TRAIL_LOGGING, checks.TRAIL_DELIVERY)
        ]
    out = [
        Finding(
            checks.TRAIL_LOGGING,
            "cloudtrail:GetTrailStatus",
            arn,
            {"IsLogging": bool(status.get("IsLogging"))},
            {"IsLogging": True},
            bool(status.get("IsLogging")),
        )
    ]
    delivered, digest = status.get("LatestDeliveryTime"), status.get("LatestDigestDeliveryTime")
    errors = {
        k: status[k] for k in ("LatestDeliveryError", "LatestDigestDeliveryError") if status.get(k)
    }
    observed = {
        "LatestDeliveryTime": iso(delivered) if isinstance(delivered, datetime) else None,
        "LatestDigestDeliveryTime": iso(digest) if isinstance(digest, datetime) else None,
        "errors": errors,
    }
    out.append(
        Finding(
            checks.TRAIL_DELIVERY,
            "cloudtrail:GetTrailStatus",
            arn,
            observed,
            {
                "LatestDeliveryTime": f"within {DELIVERY_MAX_AGE}",
                "LatestDigestDeliveryTime": f"within {DIGEST_MAX_AGE}",
                "errors": {},
            },
            _age_ok(delivered, ctx.now, DELIVERY_MAX_AGE)
            and _age_ok(digest, ctx.now, DIGEST_MAX_AGE)
            and not errors,
        )
    )
    expected = {
        "IsMultiRegionTrail": design.trail_multi_region,
        "LogFileValidationEnabled": design.trail_validation,
    }
    try:
        trails = ct.describe_trails(trailNameList=[design.trail_name])["trailList"]
    except CALL_ERRORS as err:
        return [*out, error(checks.TRAIL_SETTINGS, "cloudtrail:DescribeTrails", arn, expected, err)]
    found = trails[0] if trails else {}
    observed_settings = {k: found.get(k) for k in expected}
    out.append(
        Finding(
            checks.TRAIL_SETTINGS,
            "cloudtrail:DescribeTrails",
            str(found.get("TrailARN", arn)),
            observed_settings,
            expected,
            observed_settings == expected,
        )
    )
    return out
