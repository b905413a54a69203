"""Pure evaluation: rules x facts x exceptions -> records and the fixes to apply.

No jsii here: the pack (``lib.aspects.pack``) builds the facts, applies the fixes and writes the
annotations; this module decides. Being pure, it is what the unit tests exercise directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.exceptions import ExceptionSet, PolicyException
from lib.aspects.facts import ResourceFacts, StackFacts
from lib.aspects.model import AspectRecord, Finding, Fix, Rule, Status, fail

RULE_PREFIX = "SFX-"


@dataclass(frozen=True)
class Outcome:
    """One record, the subject it is about, and the fixes to apply (only when FIXED now)."""

    record: AspectRecord
    subject: ResourceFacts
    fixes: tuple[Fix, ...] = ()


def _run_check(rule: Rule, subject: ResourceFacts, facts: StackFacts) -> Finding:
    try:
        return rule.check(subject, facts)
    except Exception as err:  # a broken rule must fail loudly, never pass silently
        return fail(f"the rule could not evaluate this resource ({type(err).__name__}: {err})")


def evaluate(
    facts: StackFacts,
    rules: Iterable[Rule],
    exceptions: ExceptionSet,
    paths: Mapping[str, str] | None = None,
    previously_fixed: Mapping[tuple[str, str], str] | None = None,
) -> list[Outcome]:
    """Apply every rule to every subject it covers.

    ``paths`` maps a subject address to its construct path (defaults to the facts' path);
    ``previously_fixed`` maps (rule, address) to the fix description of an earlier pass, so a
    second synthesis reports FIXED again rather than COMPLIANT (idempotent results).
    """
    paths = paths or {}
    previously_fixed = previously_fixed or {}
    outcomes: list[Outcome] = []
    rule_list = list(rules)
    for subject in facts.subjects():
        for rule in rule_list:
            if not rule.applies_to(subject.rtype):
                continue
            finding = _run_check(rule, subject, facts)
            path = paths.get(subject.address, subject.path)
            outcomes.append(
                _decide(
                    rule,
                    subject,
                    path,
                    finding,
                    exceptions,
                    previously_fixed.get((rule.id, subject.address)),
                )
            )
    return outcomes


def _decide(
    rule: Rule,
    subject: ResourceFacts,
    path: str,
    finding: Finding,
    exceptions: ExceptionSet,
    fixed_before: str | None,
) -> Outcome:
    def record(status: Status, message: str, reason: str | None = None) -> AspectRecord:
        return AspectRecord(
            rule.id, rule.title, subject.address, path, status, rule.level, message, reason
        )

    if finding.status is Status.NON_COMPLIANT:
        waiver = exceptions.find(rule.id, subject.address)
        if waiver is not None:
            return Outcome(record(Status.WAIVED, finding.message, waiver.reason), subject)
        if finding.fixes:
            done = "; ".join(fix.description for fix in finding.fixes)
            return Outcome(
                record(Status.FIXED, f"{finding.message}; fixed: {done}"), subject, finding.fixes
            )
        return Outcome(record(Status.NON_COMPLIANT, finding.message), subject)
    if finding.status is Status.COMPLIANT and fixed_before is not None:
        return Outcome(record(Status.FIXED, fixed_before), subject)
    return Outcome(record(finding.status, finding.message), subject)


def unused_exceptions(
    exceptions: ExceptionSet, records: Iterable[AspectRecord], known_rules: Iterable[str]
) -> list[tuple[PolicyException, str]]:
    """SFX exceptions that waived nothing, each with why (unknown rule, or nothing matched)."""
    waived = [(r.rule, r.resource) for r in records if r.status is Status.WAIVED]
    known = set(known_rules)
    out: list[tuple[PolicyException, str]] = []
    for exc in exceptions.items:
        if not exc.rule.startswith(RULE_PREFIX):
            continue  # Checkov entries belong to the gate
        if exc.rule not in known:
            out.append((exc, f"no aspect rule is called {exc.rule}"))
        elif not any(exc.matches(rule, address) for rule, address in waived):
            out.append((exc, f"{exc.rule} found no violation on {exc.resource!r} to waive"))
    return out


def annotation(record: AspectRecord) -> str:
    """The synthesis error/warning text: rule id, resource, what is wrong and what to change."""
    return f"[{record.rule}] {record.resource}: {record.message} ({record.title})"


def unused_annotation(exc: PolicyException, why: str, source: str) -> str:
    return (
        f"[SFX-EXCEPTIONS] unused exception in {source}: rule {exc.rule}, resource "
        f"{exc.resource!r}, owner {exc.owner}: {why}; remove it or correct it"
    )
