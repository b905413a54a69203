"""CKV_SFX_25: ``terraform destroy`` can remove every resource without manual steps.

Environments are created and destroyed per suffix; protection flags, mandatory final snapshots,
non-empty buckets/repositories/vaults and ``prevent_destroy`` would each block that. Recovery
comes from backups (AWS Backup, PITR) instead, which is why CKV_AWS_139 is waived.

Long deletion windows block the destroy-and-redeploy cycle: a secret pending deletion keeps its
name (re-creating ``streamflix-...-<suffix>`` fails until the window ends), and a key pending
deletion lingers for the whole window. Both are capped at 7 days, AWS' shortest KMS window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.resource_facts import ResourceType, Window, select
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck


@dataclass(frozen=True)
class Requirement:
    attribute: str
    expected: bool
    default: bool = False  # the provider's default when the attribute is absent (false for all)


def _requirements(row: ResourceType) -> tuple[Requirement, ...] | None:
    """The destroy columns of one row of core.resource_facts (the Aspect twins SFX-DESTROY-01
    to -05 read the same columns)."""
    found = []
    if row.deletion_protection:
        found.append(Requirement(row.deletion_protection, False))
    if row.skips_final_snapshot:
        found.append(Requirement("skip_final_snapshot", True))
    if row.emptied_on_destroy:
        found.append(Requirement(row.emptied_on_destroy, True))
    if row.deregisters_consumers:
        found.append(Requirement(row.deregisters_consumers, True))
    return tuple(found) or None


REQUIREMENTS: dict[str, tuple[Requirement, ...]] = dict(select(_requirements))
WINDOW_LIMITS: dict[str, Window] = dict(select(lambda row: row.deletion_window))
# Cognito spells its protection ACTIVE / INACTIVE.
_WORDS = {"active": True, "inactive": False}


def _flag(raw: Any) -> bool | None:
    flag = hcl.as_bool(raw)
    if flag is None and isinstance(raw, str):
        return _WORDS.get(raw.strip().lower())
    return flag


class Destroyable(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_25",
            "Ensure resources can be removed by terraform destroy",
            CheckCategories.GENERAL_SECURITY,
            ["aws_*"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        problems, undecided = [], []
        for lifecycle in hcl.blocks(conf, "lifecycle"):
            if hcl.as_bool(hcl.value(lifecycle, "prevent_destroy")) is True:
                problems.append("lifecycle.prevent_destroy=true")
        for req in REQUIREMENTS.get(self.entity_type, ()):
            raw = hcl.value(conf, req.attribute, req.default)
            flag = _flag(raw)
            if flag is None:
                undecided.append(f"{req.attribute}={raw}")
            elif flag != req.expected:
                problems.append(f"{req.attribute}={str(flag).lower()}")
        if limit := WINDOW_LIMITS.get(self.entity_type):
            raw = hcl.value(conf, limit.attr, limit.aws_default)
            days = hcl.as_int(raw)
            if days is None:
                undecided.append(f"{limit.attr}={raw}")
            elif not limit.low <= days <= limit.high:
                problems.append(f"{limit.attr}={days} (allowed {limit.low}-{limit.high})")
        if problems:
            return self.fail(f"blocks destroy: {', '.join(problems)}")
        if undecided:
            return self.unknown(f"cannot be decided: {', '.join(undecided)}")
        return CheckResult.PASSED


check = Destroyable()
