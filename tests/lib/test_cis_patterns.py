"""Issue 12 items 12: the CIS 4.x filter patterns as checkers and CloudWatch read them.

1. Prowler's published regexes (tests/data/prowler_cis_regexes.json, vendored with source,
   commit and licence) find every one of our patterns, as its CIS checks do in an account.
2. Sample CloudTrail events that must and must not count, evaluated with the CloudWatch Logs
   filter syntax (tests/cloudwatch_filter.py): every event name Prowler's check lists counts
   when it comes from the right service, and look-alikes from other services do not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lib.cis_metric_filters import CIS_METRIC_FILTERS, by_id
from tests.cloudwatch_filter import FilterSyntaxError, matches

PROWLER = json.loads(
    (Path(__file__).parents[1] / "data" / "prowler_cis_regexes.json").read_text(encoding="utf-8")
)
PROWLER_CHECKS: dict[str, dict[str, Any]] = {c["cis_id"]: c for c in PROWLER["checks"]}

# The service that emits each row's events when the pattern itself does not pin one.
TYPICAL_SOURCE = {
    "4.4": "iam.amazonaws.com",
    "4.5": "cloudtrail.amazonaws.com",
    "4.10": "ec2.amazonaws.com",
    "4.11": "ec2.amazonaws.com",
    "4.12": "ec2.amazonaws.com",
    "4.13": "ec2.amazonaws.com",
    "4.14": "ec2.amazonaws.com",
}


def test_vendored_regexes_name_their_source_and_licence() -> None:
    assert PROWLER["source"] == "https://github.com/prowler-cloud/prowler"
    assert re.fullmatch(r"[0-9a-f]{40}", PROWLER["commit"])
    assert PROWLER["licence"].startswith("Apache-2.0")
    assert sorted(PROWLER_CHECKS, key=lambda i: int(i.split(".")[1])) == [
        row.cis_id for row in CIS_METRIC_FILTERS
    ]
    assert all(
        c["source_path"].startswith("prowler/providers/aws/services/cloudwatch/")
        for c in PROWLER["checks"]
    )


@pytest.mark.parametrize("row", CIS_METRIC_FILTERS, ids=lambda r: r.cis_id)
def test_prowler_finds_our_pattern(row: Any) -> None:
    check = PROWLER_CHECKS[row.cis_id]
    assert re.search(check["regex"], row.pattern, flags=re.DOTALL), (
        f"{row.cis_id}: Prowler's {check['prowler_check']} would not find {row.pattern}"
    )


def _event(name: str, source: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "eventSource": source,
        "eventName": name,
        "eventType": "AwsApiCall",
        "sourceIPAddress": "203.0.113.7",
    } | extra


def _listed(cis_id: str) -> tuple[str | None, list[str]]:
    built = PROWLER_CHECKS[cis_id].get("built_from", {})
    return built.get("event_source") or TYPICAL_SOURCE.get(cis_id), built.get("event_names", [])


EVENT_ROWS = sorted(
    (c for c in PROWLER_CHECKS if _listed(c)[1] and c not in ("4.2", "4.6")),
    key=lambda i: int(i.split(".")[1]),
)


@pytest.mark.parametrize("cis_id", EVENT_ROWS)
def test_every_listed_event_counts_from_its_service(cis_id: str) -> None:
    source, names = _listed(cis_id)
    pattern = by_id(cis_id).pattern
    missed = [n for n in names if not matches(pattern, _event(n, source))]
    assert missed == [], f"{cis_id} does not count {missed}"
    assert not matches(pattern, _event("DescribeEverything", source))


# (CIS id, event) pairs that must NOT count: the same call name from another service, reads.
MUST_NOT_MATCH: list[tuple[str, dict[str, Any]]] = [
    ("4.13", _event("CreateRoute", "apigateway.amazonaws.com")),  # API Gateway v2 CreateRoute
    ("4.15", _event("CreatePolicy", "iam.amazonaws.com")),  # IAM, not Organizations (that is 4.4)
    ("4.15", _event("DescribeOrganization", "organizations.amazonaws.com")),
    ("4.7", _event("DisableKey", "cloudhsm.amazonaws.com")),
    ("4.7", _event("EnableKey", "kms.amazonaws.com")),
    ("4.8", _event("GetBucketPolicy", "s3.amazonaws.com")),
    ("4.9", _event("PutDeliveryChannel", "firehose.amazonaws.com")),
    ("4.1", _event("GetObject", "s3.amazonaws.com")),  # no error
    (
        "4.1",
        _event(
            "PutLogEvents",
            "logs.amazonaws.com",
            errorCode="AccessDenied",
            sourceIPAddress="delivery.logs.amazonaws.com",
        ),
    ),
    ("4.1", _event("HeadBucket", "s3.amazonaws.com", errorCode="AccessDenied")),
    ("4.2", _event("ConsoleLogin", "signin.amazonaws.com", additionalEventData={"MFAUsed": "Yes"})),
    ("4.3", _event("ListBuckets", "s3.amazonaws.com", userIdentity={"type": "IAMUser"})),
    (
        "4.3",
        _event(
            "Decrypt",
            "kms.amazonaws.com",
            userIdentity={"type": "Root", "invokedBy": "cloudtrail.amazonaws.com"},
        ),
    ),
    (
        "4.3",
        _event(
            "AssumeRole",
            "sts.amazonaws.com",
            userIdentity={"type": "Root"},
            eventType="AwsServiceEvent",
        ),
    ),
    ("4.6", _event("ConsoleLogin", "signin.amazonaws.com", errorMessage="No username found")),
]
MUST_MATCH: list[tuple[str, dict[str, Any]]] = [
    ("4.1", _event("RunInstances", "ec2.amazonaws.com", errorCode="Client.UnauthorizedOperation")),
    (
        "4.1",
        _event("GetSecretValue", "secretsmanager.amazonaws.com", errorCode="AccessDeniedException"),
    ),
    ("4.2", _event("ConsoleLogin", "signin.amazonaws.com", additionalEventData={"MFAUsed": "No"})),
    ("4.3", _event("ListBuckets", "s3.amazonaws.com", userIdentity={"type": "Root"})),
    ("4.6", _event("ConsoleLogin", "signin.amazonaws.com", errorMessage="Failed authentication")),
    ("4.15", _event("EnableAllFeatures", "organizations.amazonaws.com")),
    ("4.13", _event("ReplaceRoute", "ec2.amazonaws.com")),
]


@pytest.mark.parametrize(("cis_id", "event"), MUST_MATCH, ids=lambda v: str(v)[:40])
def test_sample_events_that_must_count(cis_id: str, event: dict[str, Any]) -> None:
    assert matches(by_id(cis_id).pattern, event)


@pytest.mark.parametrize(("cis_id", "event"), MUST_NOT_MATCH, ids=lambda v: str(v)[:40])
def test_sample_events_that_must_not_count(cis_id: str, event: dict[str, Any]) -> None:
    assert not matches(by_id(cis_id).pattern, event)


def test_cis_v3_4_1_text_would_count_ordinary_calls() -> None:
    """Why 4.1 keeps v2.0.0's ``&&`` (lib/cis_metric_filters.py docstring): the v3.0.0 text's
    ``||`` exclusions count a successful, ordinary call."""
    v3_text = (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
        '($.sourceIPAddress != "delivery.logs.amazonaws.com") || ($.eventName != "HeadBucket") }'
    )
    ordinary = _event("GetObject", "s3.amazonaws.com")
    assert matches(v3_text, ordinary)
    assert not matches(by_id("4.1").pattern, ordinary)


def test_every_pattern_is_unambiguous_for_the_evaluator() -> None:
    """The evaluator refuses && and || mixed at one level: our patterns must bracket them."""
    for row in CIS_METRIC_FILTERS:
        matches(row.pattern, {})
    with pytest.raises(FilterSyntaxError, match="mixed"):
        matches("{ ($.a = 1) && ($.b = 2) || ($.c = 3) }", {})
