"""CKV_SFX_1: data at rest is encrypted with a customer-managed KMS key (ours, rotatable, auditable).

AWS-managed keys (``alias/aws/...``) and SSE-S3 cannot be scoped by key policy nor disabled in a
breach; every encryptable resource type of the stack must name one of our ``aws_kms_key``s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.resource_facts import Encryption, select
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck

CMK_TYPES = ("aws_kms_key", "aws_kms_alias", "aws_kms_replica_key", "aws_kms_external_key")

# The ``encryption`` column of core.resource_facts, for the rows the gate judges (its Aspect
# twin SFX-ENC-01 reads the same column: which attribute holds the key, when, which settings).
RULES: Mapping[str, Encryption] = {
    t: spec for t, spec in select(lambda row: row.encryption).items() if spec.in_gate
}


def key_problem(conf: dict[str, Any], field: str) -> str | None:
    """Why ``field`` does not name a customer-managed key; "?..." when it cannot be decided."""
    return _key_value_problem(hcl.value(conf, field), field)


def _key_value_problem(key: Any, field: str) -> str | None:
    if key in (None, "", []):
        return f"{field} is not set (AWS-managed or no encryption)"
    if hcl.references_type(key, *CMK_TYPES):
        return None
    if isinstance(key, str) and ("alias/aws/" in key):
        return f"{field}={key} is an AWS-managed key"
    return f"?{field}={key} is not a reference to a key of this stack"


def problems_of(conf: dict[str, Any], spec: Encryption) -> list[str]:
    """Settings that are off, then keys that are not ours ("?..." when undecidable)."""
    problems: list[str] = []
    for setting in spec.settings:
        values = hcl.values_at(conf, setting.path) or [None]
        bad = [v for v in values if not setting.accepts(v)]
        if bad:
            allowed = " or ".join(str(a) for a in setting.allowed)
            problems.append(f"{setting.path}={bad[0]} (must be {allowed})")
    for key in spec.keys:
        if key.when is not None and not key.when.holds(hcl.values_at(conf, key.when.path)):
            continue
        for value in hcl.values_at(conf, key.path) or [None]:
            problem = _key_value_problem(value, key.path)
            if problem:
                problems.append(problem)
    return problems


class CustomerManagedKeyEncryption(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_1",
            "Ensure data at rest is encrypted with a customer-managed KMS key",
            CheckCategories.ENCRYPTION,
            RULES,
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        problems = problems_of(conf, RULES[self.entity_type])
        failures = [p for p in problems if not p.startswith("?")]
        if failures:
            return self.fail("; ".join(failures))
        if problems:
            return self.unknown("; ".join(p[1:] for p in problems))
        return CheckResult.PASSED


check = CustomerManagedKeyEncryption()
