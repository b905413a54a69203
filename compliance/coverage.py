"""Stack features the catalog must explain: every trail argument and every alarm.

If an engineer adds an alarm or a trail setting, a control must say why it exists (which
requirement it serves); otherwise the catalog has drifted from the stack.
"""

from __future__ import annotations

import fnmatch

from compliance.catalog import Catalog
from compliance.stack import SynthesizedStack

# Arguments of a trail that are bookkeeping, not security settings.
TRAIL_BOOKKEEPING = frozenset(
    {"//", "name", "tags", "depends_on", "provider", "lifecycle", "count", "for_each"}
)
EXPLAINED_TYPES = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")


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


def unexplained_features(stack: SynthesizedStack, catalog: Catalog) -> tuple[str, ...]:
    """Both checks as readable lines for the report (empty when the catalog covers the stack)."""
    lines = [
        f"{address}: trail setting {name} is explained by no control"
        for address, names in sorted(unexplained_trail_settings(stack, catalog).items())
        for name in sorted(names)
    ]
    lines += [
        f"{address}: alarm is explained by no control"
        for address in unexplained_alarms(stack, catalog)
    ]
    return tuple(lines)
