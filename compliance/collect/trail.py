"""CloudTrail: the stack's trail is logging, delivering log and digest files, and set as designed."""

from __future__ import annotations

from datetime import datetime, timedelta

from compliance.collect.context import CALL_ERRORS, Context, error, is_not_found, missing
from compliance.collect.design import Design
from compliance.collect.model import Check, Family, Finding, FreshGap, Read, iso

# Digest files are delivered hourly (CloudTrail user guide, "Validating CloudTrail log file
# integrity"); log files within about 5 minutes of activity. Allow slack for quiet accounts.
DIGEST_MAX_AGE = timedelta(hours=2)
DELIVERY_MAX_AGE = timedelta(hours=6)

GET_TRAIL_STATUS = Read(
    "cloudtrail:GetTrailStatus", "arn:aws:cloudtrail:*:*:trail/streamflix-trail-*"
)
# DescribeTrails takes no resource ARN in IAM (Service Authorization Reference, CloudTrail).
DESCRIBE_TRAILS = Read("cloudtrail:DescribeTrails")

TRAIL_LOGGING = Check(
    "trail.logging",
    ("SFX-CTL-OPS-01",),
    "the trail is logging now",
    24,
    reads=(GET_TRAIL_STATUS,),
)
TRAIL_DELIVERY = Check(
    "trail.delivery",
    ("SFX-CTL-OPS-01",),
    f"log files (within {DELIVERY_MAX_AGE // timedelta(hours=1)} h) and digest files (within "
    f"{DIGEST_MAX_AGE // timedelta(hours=1)} h; they are hourly) were delivered, with no delivery error",
    24,
    reads=(GET_TRAIL_STATUS,),
    fresh=FreshGap(
        "CloudTrail delivers the first log files minutes after logging starts, the first digest "
        "file about an hour after",
        "about 1 h",
    ),
)
TRAIL_SETTINGS = Check(
    "trail.settings",
    ("SFX-CTL-OPS-01",),
    "the deployed trail is multi-region with log file validation, as designed",
    24,
    reads=(DESCRIBE_TRAILS,),
)


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
                missing(c, GET_TRAIL_STATUS.action, arn, {"exists": True})
                for c in (TRAIL_LOGGING, TRAIL_DELIVERY, TRAIL_SETTINGS)
            ]
        return [
            error(c, GET_TRAIL_STATUS.action, arn, "trail exists", err)
            for c in (TRAIL_LOGGING, TRAIL_DELIVERY)
        ]
    out = [
        Finding(
            TRAIL_LOGGING,
            GET_TRAIL_STATUS.action,
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
            TRAIL_DELIVERY,
            GET_TRAIL_STATUS.action,
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
        return [*out, error(TRAIL_SETTINGS, DESCRIBE_TRAILS.action, arn, expected, err)]
    found = trails[0] if trails else {}
    observed_settings = {k: found.get(k) for k in expected}
    out.append(
        Finding(
            TRAIL_SETTINGS,
            DESCRIBE_TRAILS.action,
            str(found.get("TrailARN", arn)),
            observed_settings,
            expected,
            observed_settings == expected,
        )
    )
    return out


FAMILY = Family("trail", (TRAIL_LOGGING, TRAIL_DELIVERY, TRAIL_SETTINGS), collect)
