"""EU residency: everything is created, and every copy is sent, inside EU member states.

GDPR does not require residency (transfers need a legal basis); keeping data in EU member
states is our risk-reduction choice. Allowed regions: ``core.policy_numbers.EU_MEMBER_STATE_REGIONS``
(London and Zurich are outside the Union). A copy target whose region cannot be read (an S3
bucket ARN outside this stack, a data source) cannot be proven EU, so it is a violation.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.policy_numbers import EU_MEMBER_STATE_REGIONS
from lib.aspects.facts import ResourceFacts, StackFacts, whole_ref
from lib.aspects.model import Finding, Level, Rule, Twin, fail, no_twin, ok

_ALLOWED = ", ".join(sorted(EU_MEMBER_STATE_REGIONS))


@dataclass(frozen=True)
class CopyTarget:
    """Where a type names the destination of a replication or copy."""

    path: str
    kind: str  # "region": a region name; "arn": an ARN or a reference to a stack resource


COPY_TARGETS: dict[str, tuple[CopyTarget, ...]] = {
    "aws_s3_bucket_replication_configuration": (CopyTarget("rule.destination.bucket", "arn"),),
    "aws_backup_plan": (CopyTarget("rule.copy_action.destination_vault_arn", "arn"),),
    "aws_secretsmanager_secret": (CopyTarget("replica.region", "region"),),
    "aws_dynamodb_table": (CopyTarget("replica.region_name", "region"),),
    "aws_ecr_replication_configuration": (
        CopyTarget("replication_configuration.rule.destination.region", "region"),
    ),
    "aws_kinesis_firehose_delivery_stream": (
        CopyTarget("extended_s3_configuration.bucket_arn", "arn"),
    ),
}


def _region_of(value: object, kind: str, stack: StackFacts) -> str | None:
    if kind == "region":
        return value if isinstance(value, str) else None
    target = stack.resolve(value)
    if target is not None:
        return stack.region_of(target)
    if isinstance(value, str) and whole_ref(value) is None and value.startswith("arn:"):
        parts = value.split(":")
        return (parts[3] or None) if len(parts) > 3 else None
    return None


def provider_in_eu(provider: ResourceFacts, _stack: StackFacts) -> Finding:
    region = provider.attrs.get("region")
    if region is None:
        return fail(f"region is not set (the environment would decide); set one of {_ALLOWED}")
    if region not in EU_MEMBER_STATE_REGIONS:
        return fail(f"region is {region!r}; use an EU member-state region ({_ALLOWED})")
    return ok(f"region {region}")


def resource_region_in_eu(resource: ResourceFacts, stack: StackFacts) -> Finding:
    region = resource.attrs.get("region")
    if region is None:
        return ok(f"inherits the provider region ({stack.region_of(resource)})")
    if region not in EU_MEMBER_STATE_REGIONS:
        return fail(
            f"region is {region!r}; remove it or use an EU member-state region ({_ALLOWED})"
        )
    return ok(f"region {region}")


def copies_stay_in_eu(resource: ResourceFacts, stack: StackFacts) -> Finding:
    problems: list[str] = []
    count = 0
    for target in COPY_TARGETS[resource.rtype]:
        for value in resource.all(target.path):
            count += 1
            region = _region_of(value, target.kind, stack)
            if region is None:
                problems.append(
                    f"{target.path} = {value!r}: its region cannot be determined; "
                    "copy only to a resource of this stack in an EU region"
                )
            elif region not in EU_MEMBER_STATE_REGIONS:
                problems.append(f"{target.path} copies to {region}, outside the EU")
    if problems:
        return fail("; ".join(problems))
    return ok("no copies" if count == 0 else f"{count} copy target(s), all in EU regions")


def backend_in_eu(backend: ResourceFacts, _stack: StackFacts) -> Finding:
    return provider_in_eu(backend, _stack)


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-EU-01",
        "AWS providers deploy only to EU member-state regions",
        Level.ERROR,
        frozenset({"provider.aws"}),
        provider_in_eu,
        twin=Twin(
            "CKV_SFX_24",
            "Same predicate (region in the EU member-state set, one set for both); the check "
            "answers UNKNOWN for an expression where this rule fails, so both readers stay.",
            ("core.policy_numbers:EU_MEMBER_STATE_REGIONS",),
        ),
    ),
    Rule(
        "SFX-EU-02",
        "No resource overrides its region to one outside the EU",
        Level.ERROR,
        None,
        resource_region_in_eu,
        twin=no_twin(
            "No check: a per-resource region override (provider 6.x) is rare and the gate's "
            "CKV_SFX_24 sees only providers; this rule covers the rest at synthesis."
        ),
    ),
    Rule(
        "SFX-EU-03",
        "Replication and cross-region copies stay inside the EU",
        Level.ERROR,
        frozenset(COPY_TARGETS),
        copies_stay_in_eu,
        twin=no_twin(
            "No check: a copy target's region needs the referenced resource and its provider, "
            "which a single-resource Checkov check does not see."
        ),
    ),
    Rule(
        "SFX-EU-04",
        "Terraform state is kept in an EU region",
        Level.ERROR,
        frozenset({"backend.s3"}),
        backend_in_eu,
        twin=no_twin(
            "No check: Checkov does not scan the terraform.backend block of cdk.tf.json, so "
            "only this rule can see where the state is kept."
        ),
    ),
)
