"""Compliance Aspects (issue 4): tags, encryption, TLS, log retention, private placement,
EU residency and destroyability, enforced on every resource of every stack at synthesis.

``apply_compliance_aspects(app_or_stack, config, exceptions)`` attaches one pack per rule family
to each stack (cdktf does not run Aspects added to the App) and returns the ``AspectRun`` that
collects one record per rule x resource. Rules and ids: docs/aspects.md.
"""

from __future__ import annotations

from cdktf import Aspects, TerraformStack
from constructs import IConstruct

from core.exceptions import ExceptionSet
from lib.aspects import destroy, encryption, placement, residency, retention, tags, transit
from lib.aspects.model import AspectRecord, Level, Rule, Status
from lib.aspects.pack import AspectRun, CompliancePack, ExceptionAudit
from lib.config import StackConfig

FAMILIES: dict[str, tuple[Rule, ...]] = {
    "TAG": tags.RULES,
    "ENC": encryption.RULES,
    "TLS": transit.RULES,
    "LOG": retention.RULES,
    "NET": placement.RULES,
    "EU": residency.RULES,
    "DESTROY": destroy.RULES,
}
ALL_RULES: tuple[Rule, ...] = tuple(rule for rules in FAMILIES.values() for rule in rules)

__all__ = [
    "ALL_RULES",
    "FAMILIES",
    "AspectRecord",
    "AspectRun",
    "Level",
    "Status",
    "apply_compliance_aspects",
]


class ComplianceSetupError(ValueError):
    """The aspects cannot be applied (no stack under the scope)."""


def _stacks(scope: IConstruct) -> list[TerraformStack]:
    if isinstance(scope, TerraformStack):
        return [scope]
    return [c for c in scope.node.find_all() if isinstance(c, TerraformStack)]


def apply_compliance_aspects(
    scope: IConstruct, config: StackConfig, exceptions: ExceptionSet
) -> AspectRun:
    """Attach the packs to every stack under ``scope``; idempotent (a second call returns the
    first run and adds nothing)."""
    stacks = _stacks(scope)
    if not stacks:
        raise ComplianceSetupError(
            f"{scope.node.path or 'app'}: no TerraformStack to check; "
            "create the stacks before applying the aspects"
        )
    for aspect in Aspects.of(stacks[0]).all:
        if isinstance(aspect, CompliancePack):
            return aspect.run
    run = AspectRun(exceptions, ALL_RULES)
    required = config.required_tags()
    for stack in stacks:
        for i, (family, rules) in enumerate(FAMILIES.items()):
            Aspects.of(stack).add(CompliancePack(family, rules, run, required, first=i == 0))
        Aspects.of(stack).add(ExceptionAudit(run, stacks[-1].node.path))
    return run
