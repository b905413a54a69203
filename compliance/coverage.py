"""Stack features the catalog must explain: every trail argument, every alarm, every one of our
own rules (aspect rules, CKV_SFX checks) that judged a resource of this stack, and every built-in
Checkov check that failed or was waived on one (a waiver must never be invisible).

If an engineer adds an alarm or a trail setting, or a rule starts applying to a new resource,
a control must say why it exists (which requirement it serves); otherwise the catalog has
drifted from the stack. Rules that apply to nothing here (guards for resource kinds the stack
does not use yet, e.g. Auto Scaling groups) need no control until they do.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from compliance.catalog import Catalog
from core.results import Outcome, RuleResult
from core.stackfile import SynthesizedStack

# Arguments of a trail that are bookkeeping, not security settings.
TRAIL_BOOKKEEPING = frozenset(
    {"//", "name", "tags", "depends_on", "provider", "lifecycle", "count", "for_each"}
)
EXPLAINED_TYPES = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
# Our rules must all be cited; built-in Checkov checks must be cited where they fail or are
# waived (and where a control relies on them), not every one that passes.
OWN_RULE_PREFIXES = ("SFX-", "CKV_SFX_")


def unexplained_trail_settings(stack: SynthesizedStack, catalog: Catalog) -> dict[str, set[str]]:
    """Trail address -> arguments that no control lists under ``trail_settings``."""
    explained = {s for c in catalog.controls for s in c.evidence.trail_settings}
    out: dict[str, set[str]] = {}
    for trail in stack.of_type("aws_cloudtrail"):
        missing = set(trail.body) - TRAIL_BOOKKEEPING - explained
        if missing:
            out[trail.address] = missing
    return out


def unexplained_alarms(stack: SynthesizedStack, catalog: Catalog) -> list[str]:
    """Alarm addresses that no control's evidence resources match."""
    globs = [g for c in catalog.controls for g in c.evidence.resources]
    return [
        r.address
        for rtype in EXPLAINED_TYPES
        for r in stack.of_type(rtype)
        if not any(fnmatch.fnmatchcase(r.address, g) for g in globs)
    ]


def _cites(control_rules: tuple[str, ...], scope: tuple[str, ...], r: RuleResult) -> bool:
    return r.rule in control_rules and (
        not scope or any(fnmatch.fnmatchcase(r.resource, glob) for glob in scope)
    )


def _must_be_cited(r: RuleResult) -> bool:
    """Our rules whenever they judged a resource; built-in checks when they failed or were
    waived, so that no waiver sits invisible next to a "satisfied" control."""
    if r.outcome is Outcome.NOT_APPLICABLE:
        return False
    return r.rule.startswith(OWN_RULE_PREFIXES) or r.outcome in (Outcome.FAILED, Outcome.WAIVED)


def uncited_rules(results: Iterable[RuleResult], catalog: Catalog) -> dict[str, int]:
    """Rule id -> resources it judged in this run that no control cites it for (within the
    control's evidence scope): our rules that judged anything, built-in checks that failed or
    were waived."""
    citing = [
        ((*c.evidence.aspect_rules, *c.evidence.checkov_checks), c.evidence.scope)
        for c in catalog.controls
    ]
    judged: dict[str, set[str]] = {}
    for r in results:
        if _must_be_cited(r) and not any(_cites(rules, scope, r) for rules, scope in citing):
            judged.setdefault(r.rule, set()).add(r.resource)
    return {rule: len(resources) for rule, resources in sorted(judged.items())}


def unexplained_features(
    stack: SynthesizedStack, catalog: Catalog, results: Iterable[RuleResult] = ()
) -> tuple[str, ...]:
    """All checks as readable lines for the report (empty when the catalog covers the stack)."""
    lines = [
        f"{address}: trail setting {name} is explained by no control"
        for address, names in sorted(unexplained_trail_settings(stack, catalog).items())
        for name in sorted(names)
    ]
    lines += [
        f"{address}: alarm is explained by no control"
        for address in unexplained_alarms(stack, catalog)
    ]
    lines += [
        f"{rule}: judged {count} resource(s) of this stack (or failed or was waived there), "
        "but no control cites it as evidence for them"
        for rule, count in uncited_rules(results, catalog).items()
    ]
    return tuple(lines)
