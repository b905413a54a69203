"""Encryption at rest: every encryptable resource uses one of OUR customer-managed KMS keys.

``ENCRYPTION_TABLE`` says, per Terraform type, which attributes must reference an
``aws_kms_key`` of this stack (AWS-managed keys such as ``alias/aws/s3`` or literal ARNs are
violations: we cannot audit, rotate or revoke them) and which flags must switch encryption on.
A test proves the table covers every encryptable type the real stack uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.resource_facts import EXEC_KEY, Encryption, select
from lib.aspects.facts import ResourceFacts, StackFacts
from lib.aspects.model import Finding, Fix, Level, Rule, Twin, fail, no_twin, not_applicable, ok

# Type -> the attributes that must reference our key and the settings that must be on: the
# ``encryption`` column of ``core.resource_facts`` (CKV_SFX_1 and the inventory read it too).
ENCRYPTION_TABLE: Mapping[str, Encryption] = select(lambda row: row.encryption)

# Types with encryption settings that another rule checks (the coverage test reads this).
ENCRYPTION_ELSEWHERE: Mapping[str, str] = select(lambda row: row.encryption_elsewhere)

_EXEC_KEY = EXEC_KEY


def encrypted_with_our_key(resource: ResourceFacts, stack: StackFacts) -> Finding:
    spec = ENCRYPTION_TABLE.get(resource.rtype)
    if spec is None:
        return not_applicable("no encryption requirement for this type")
    problems: list[str] = []
    for setting in spec.settings:
        values = resource.all(setting.path) or [None]
        bad = [v for v in values if not setting.accepts(v)]
        if bad:
            allowed = " or ".join(repr(a) for a in setting.allowed)
            problems.append(f"{setting.path} is {bad[0]!r}; set it to {allowed}")
    checked = 0
    for key in spec.keys:
        if key.when is not None and not key.when.holds(resource.all(key.when.path)):
            continue
        checked += 1
        values = resource.all(key.path) or [None]
        for value in values:
            if not stack.is_our_key(value):
                found = "not set" if value is None else f"{value!r}"
                condition = f" (because {key.when.text})" if key.when else ""
                problems.append(
                    f"{key.path}{condition} is {found}; it must reference one of this "
                    "stack's customer-managed keys (aws_kms_key.<name>.arn)"
                )
    if problems:
        return fail("; ".join(problems))
    if checked == 0:
        return not_applicable("the encrypting feature is off")
    return ok("encrypted with a customer-managed key of this stack")


def bucket_default_encryption(resource: ResourceFacts, stack: StackFacts) -> Finding:
    """A bucket's encryption lives in a separate resource; make sure there is one."""
    configs = stack.referencing(
        "aws_s3_bucket_server_side_encryption_configuration", "bucket", resource
    )
    if configs:
        return ok(f"default encryption set by {configs[0].address}")
    return fail(
        "has no aws_s3_bucket_server_side_encryption_configuration; add one with "
        "sse_algorithm aws:kms and kms_master_key_id = aws_kms_key.<name>.arn"
    )


def key_rotation(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    if resource.get("customer_master_key_spec") not in (None, "SYMMETRIC_DEFAULT"):
        return not_applicable("asymmetric and HMAC keys cannot rotate automatically")
    enabled = resource.flag("enable_key_rotation")
    if enabled is None:
        return fail(
            "enable_key_rotation is not set",
            Fix("enable_key_rotation", True, "set enable_key_rotation to true"),
        )
    if not enabled:
        return fail("enable_key_rotation is false; set it to true (CIS AWS 3.6)")
    return ok("automatic rotation is on")


def ecs_exec_encrypted(resource: ResourceFacts, stack: StackFacts) -> Finding:
    """ECS Exec sessions carry shell I/O: the cluster must encrypt them with our key."""
    if resource.flag("enable_execute_command") is not True:
        return not_applicable("ECS Exec is off")
    cluster = stack.resolve(resource.attrs.get("cluster"))
    if cluster is None or cluster.rtype != "aws_ecs_cluster":
        return fail(
            "enable_execute_command is true but cluster does not reference an "
            "aws_ecs_cluster of this stack whose exec sessions use our key"
        )
    if not stack.is_our_key(cluster.get(_EXEC_KEY)):
        return fail(
            f"enable_execute_command is true but {cluster.address} has no {_EXEC_KEY} "
            "referencing one of this stack's customer-managed keys; set it"
        )
    return ok(f"exec sessions encrypted by {cluster.address}")


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-ENC-01",
        "Data at rest is encrypted with a customer-managed KMS key of this stack",
        Level.ERROR,
        frozenset(ENCRYPTION_TABLE),
        encrypted_with_our_key,
        twin=Twin(
            "CKV_SFX_1",
            "The key test stays independent: this rule resolves the reference to an aws_kms_key "
            "of this stack, the check (which sees one resource) accepts any reference to a key "
            "type and answers UNKNOWN for a literal ARN. Which attribute holds the key, when it "
            "applies (Condition.holds) and which settings must be on (Setting.accepts) is one "
            "table both read; CKV_SFX_1 judges the rows marked in_gate.",
            ("core.resource_facts:select",),
        ),
    ),
    Rule(
        "SFX-ENC-02",
        "S3 buckets have a default-encryption configuration",
        Level.ERROR,
        frozenset({"aws_s3_bucket"}),
        bucket_default_encryption,
        twin=no_twin(
            "No custom check: CKV_SFX_1 judges each encryption-configuration resource itself; "
            "that every bucket HAS one is a cross-resource link only this rule checks."
        ),
    ),
    Rule(
        "SFX-ENC-03",
        "Customer-managed KMS keys rotate automatically",
        Level.ERROR,
        frozenset({"aws_kms_key"}),
        key_rotation,
        twin=no_twin(
            "No custom check: the built-in CKV_AWS_7 (rotation enabled) judges the same "
            "attribute in the gate, and the catalog names it beside this rule."
        ),
    ),
    Rule(
        "SFX-ENC-04",
        "ECS Exec sessions are encrypted with a customer-managed key",
        Level.ERROR,
        frozenset({"aws_ecs_service"}),
        ecs_exec_encrypted,
        twin=no_twin(
            "No check: the gate has no ECS Exec check; the stack turns ECS Exec off, and this "
            "rule refuses synthesis if someone turns it on without the cluster's key."
        ),
    ),
)
