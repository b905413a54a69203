"""Property tests: random stacks with random injected violations report exactly those
violations, fix exactly the fixable ones (and the fixed output passes every rule), and a second
synthesis changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cdktf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.aspects import Status
from tests.lib.aspects.kit import REQUIRED_TAGS, Kit


@dataclass(frozen=True)
class Injection:
    """One violation: builder keyword overrides and the (rule, address suffix) it must raise."""

    kwargs: dict[str, Any]
    rule: str
    rtype: str  # type of the resource the record is about
    suffix: str = ""  # logical-id suffix of that resource (e.g. "_sse" for a bucket)
    fixed: bool = False


def _retention(days: int) -> Injection:
    return Injection({"retention_in_days": days}, "SFX-LOG-01", "aws_cloudwatch_log_group")


INJECTIONS: dict[str, dict[str, Any]] = {
    "log_group": {
        "missing_retention": Injection(
            {"retention_in_days": None}, "SFX-LOG-01", "aws_cloudwatch_log_group", fixed=True
        ),
        "short_retention": _retention,
        "missing_key": Injection({"kms_key_id": None}, "SFX-ENC-01", "aws_cloudwatch_log_group"),
        "deletion_protection": Injection(
            {"skip_destroy": True}, "SFX-DESTROY-01", "aws_cloudwatch_log_group"
        ),
    },
    "stream": {
        "missing_key": Injection({"kms_key_id": None}, "SFX-ENC-01", "aws_kinesis_stream"),
        "consumers_block_destroy": Injection(
            {"enforce_consumer_deletion": None}, "SFX-DESTROY-05", "aws_kinesis_stream", fixed=True
        ),
    },
    "queue": {
        "missing_key": Injection({"kms_master_key_id": None}, "SFX-ENC-01", "aws_sqs_queue"),
        "plain_text_allowed": Injection({"policy": False}, "SFX-TLS-02", "aws_sqs_queue"),
    },
    "secret": {
        "missing_key": Injection({"kms_key_id": None}, "SFX-ENC-01", "aws_secretsmanager_secret"),
        "long_recovery_window": Injection(
            {"recovery_window_in_days": 30}, "SFX-DESTROY-04", "aws_secretsmanager_secret"
        ),
    },
    "bucket": {
        "missing_key": Injection(
            {"sse": {"kms_master_key_id": None}},
            "SFX-ENC-01",
            "aws_s3_bucket_server_side_encryption_configuration",
            "_sse",
        ),
        "public_flag": Injection(
            {"public_access_block": {"block_public_policy": False}}, "SFX-NET-04", "aws_s3_bucket"
        ),
        "not_destroyable": Injection({"force_destroy": None}, "SFX-DESTROY-03", "aws_s3_bucket"),
    },
    "database": {
        "deletion_protection": Injection(
            {"deletion_protection": True}, "SFX-DESTROY-01", "aws_rds_cluster"
        ),
        "public_flag": Injection(
            {"instance": {"publicly_accessible": True}},
            "SFX-NET-01",
            "aws_rds_cluster_instance",
            "_writer",
        ),
        "missing_key": Injection({"kms_key_id": None}, "SFX-ENC-01", "aws_rds_cluster"),
    },
}

NON_EU_REGIONS = ("us-east-1", "eu-west-2", "eu-central-2", "ap-southeast-2", "me-south-1")


@st.composite
def injection(draw: st.DrawFn, kind: str) -> Injection | None:
    name = draw(st.sampled_from([None, *sorted(INJECTIONS[kind])]))
    if name is None:
        return None
    chosen = INJECTIONS[kind][name]
    if callable(chosen):
        days = draw(st.integers(1, 3653).filter(lambda d: d != 90))
        result: Injection = chosen(days)
        return result
    return chosen  # type: ignore[no-any-return]


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from(sorted(INJECTIONS)), min_size=1, max_size=5))
    resources = [(kind, f"{kind}{i}", draw(injection(kind))) for i, kind in enumerate(kinds)]
    bad_region = draw(st.none() | st.sampled_from(NON_EU_REGIONS))
    dropped = draw(st.sets(st.sampled_from(sorted(REQUIRED_TAGS)), max_size=3))
    return {"resources": resources, "region": bad_region, "dropped_tags": dropped}


def _expected(spec: dict[str, Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    errors: set[tuple[str, str]] = set()
    fixed: set[tuple[str, str]] = set()
    for _kind, id_, inj in spec["resources"]:
        if inj is not None:
            pair = (inj.rule, f"{inj.rtype}.{id_}{inj.suffix}")
            (fixed if inj.fixed else errors).add(pair)
    if spec["region"]:
        errors.add(("SFX-EU-01", "provider.aws"))
    if spec["dropped_tags"]:
        fixed.add(("SFX-TAG-01", "provider.aws"))
    return errors, fixed


def _build(spec: dict[str, Any]) -> Kit:
    tags = {k: v for k, v in REQUIRED_TAGS.items() if k not in spec["dropped_tags"]}
    kit = Kit(region=spec["region"] or "eu-central-1", default_tags=tags)
    for kind, id_, inj in spec["resources"]:
        getattr(kit, kind)(id_, **(inj.kwargs if inj else {}))
    return kit


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks())
def test_exactly_the_injected_violations_are_reported_and_fixed(spec: dict[str, Any]) -> None:
    kit = _build(spec)
    result = kit.check()
    errors, fixed = _expected(spec)
    assert {(r.rule, r.resource) for r in result.run.violations} == errors
    assert {(r.rule, r.resource) for r in result.records(status=Status.FIXED)} == fixed
    assert len(result.errors) == len(errors)
    # Fixes produce compliant output: re-evaluating the output leaves only the errors.
    again = kit.recheck(result)
    assert {(r.rule, r.resource) for r in again if r.status is Status.NON_COMPLIANT} == errors
    # A second synthesis changes nothing.
    before = result.run.records
    assert cdktf.Testing.synth(kit.stack) == cdktf.Testing.synth(kit.stack)
    assert result.run.records == before
