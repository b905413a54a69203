"""Decide each control's status from the evidence that actually ran.

A control is SATISFIED only if it is a design-time control, every piece of its evidence ran
and passed (aspect records COMPLIANT/FIXED, gate checks PASSED, tests passed in the given JUnit
file, trail settings set, subscribers present, named resources present), and its requirement has
neither a runtime part (then DESIGNED_RUNTIME_PENDING) nor a stated deviation (then PARTIAL).
Evidence that did not run (no JUnit file, a rule that applied to nothing) makes it NOT_RUN; a
reviewed exception makes it WAIVED (with the reason); a failure makes it NOT_SATISFIED. Runtime,
application-record and organisational controls are never satisfied by this report: they show
what still needs operating evidence or people. Named resources that exist are context, not tests
of the control: they are not counted among the evidence items that passed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from compliance.catalog import RUNTIME_SOURCE_TITLES, Catalog, Control, ControlKind
from compliance.junit import JUnitReport, TestOutcome
from core.exceptions import ExceptionSet, PolicyException
from core.results import Outcome, RuleResult, index_by_rule
from core.stackfile import SynthesizedStack


class EvidenceStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"
    NOT_RUN = "not run"


class ControlStatus(StrEnum):
    SATISFIED = "satisfied"
    DESIGNED_RUNTIME_PENDING = "designed in, runtime part pending"
    PARTIAL = "partially satisfied"
    NOT_SATISFIED = "not satisfied"
    WAIVED = "waived by exception"
    NOT_RUN = "evidence not run"
    NEEDS_RUNTIME_EVIDENCE = "needs runtime evidence"
    MANUAL = "manual"


class EvidenceKind(StrEnum):
    ASPECT_RULE = "aspect rule"
    CHECKOV_CHECK = "checkov check"
    TEST = "test"
    RESOURCE = "resource"
    TRAIL_SETTING = "trail setting"
    TOPIC_SUBSCRIBER = "topic subscriber"

    @property
    def method(self) -> str:
        """OSCAL observation method: rules and tests TEST; reading the artifact EXAMINE."""
        examined = (
            EvidenceKind.RESOURCE,
            EvidenceKind.TRAIL_SETTING,
            EvidenceKind.TOPIC_SUBSCRIBER,
        )
        return "EXAMINE" if self in examined else "TEST"

    @property
    def is_context(self) -> bool:
        """A resource merely existing is context for the auditor, not a test of the control."""
        return self is EvidenceKind.RESOURCE


@dataclass(frozen=True)
class Waiver:
    """A waived result and the reviewed exception behind it (``unknown`` if none matched)."""

    resource: str
    reason: str
    owner: str
    expires: str
    approved_by: str = "unknown"
    risk: str = "unknown"
    compensating_controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceResult:
    kind: EvidenceKind
    ref: str
    status: EvidenceStatus
    detail: str
    subjects: tuple[str, ...] = ()  # resource addresses the evidence looked at
    waivers: tuple[Waiver, ...] = ()
    scope: tuple[str, ...] = ()

    @property
    def is_context(self) -> bool:
        return self.kind.is_context

    @property
    def key(self) -> str:
        """Identity of this evidence: the same rule under another scope is other evidence."""
        scoped = f" in {', '.join(self.scope)}" if self.scope else ""
        return f"{self.kind.value} {self.ref}{scoped}"


@dataclass(frozen=True)
class ControlAssessment:
    control: Control
    status: ControlStatus
    evidence: tuple[EvidenceResult, ...]
    reason: str

    @property
    def satisfied(self) -> bool:
        return self.status is ControlStatus.SATISFIED


@dataclass(frozen=True)
class EvidenceInputs:
    """Everything that ran. ``None`` means the engine did not run at all (not "zero results")."""

    stack: SynthesizedStack
    aspect_results: Sequence[RuleResult] | None
    gate_results: Sequence[RuleResult] | None
    junit: JUnitReport | None
    exceptions: ExceptionSet


def _waiver(result: RuleResult, exceptions: ExceptionSet) -> Waiver:
    found: PolicyException | None = exceptions.find(result.rule, result.resource)
    if found is None:
        return Waiver(
            result.resource, result.exception_reason or "no reason recorded", "unknown", "unknown"
        )
    return Waiver(
        result.resource,
        result.exception_reason or found.reason,
        found.owner,
        found.expires.isoformat(),
        found.approved_by,
        found.risk.value,
        found.compensating_controls,
    )


def _in_scope(address: str, scope: tuple[str, ...]) -> bool:
    return not scope or any(fnmatch.fnmatchcase(address, glob) for glob in scope)


def _rule_evidence(
    kind: EvidenceKind,
    rule: str,
    engine: str,
    by_rule: dict[str, list[RuleResult]] | None,
    exceptions: ExceptionSet,
    scope: tuple[str, ...] = (),
) -> EvidenceResult:
    result = _judge_rule(kind, rule, engine, by_rule, exceptions, scope)
    return dataclasses.replace(result, scope=scope)


def _judge_rule(
    kind: EvidenceKind,
    rule: str,
    engine: str,
    by_rule: dict[str, list[RuleResult]] | None,
    exceptions: ExceptionSet,
    scope: tuple[str, ...],
) -> EvidenceResult:
    if by_rule is None:
        return EvidenceResult(kind, rule, EvidenceStatus.NOT_RUN, f"the {engine} did not run")
    records = [
        r
        for r in by_rule.get(rule, [])
        if r.outcome is not Outcome.NOT_APPLICABLE and _in_scope(r.resource, scope)
    ]
    subjects = tuple(sorted({r.resource for r in records}))
    if not records:
        where = " in scope" if scope else ""
        return EvidenceResult(
            kind,
            rule,
            EvidenceStatus.NOT_RUN,
            f"the {engine} evaluated {rule} on no resource{where}",
        )
    failed = sorted({r.resource for r in records if r.outcome is Outcome.FAILED})
    if failed:
        return EvidenceResult(
            kind,
            rule,
            EvidenceStatus.FAILED,
            f"failed on {len(failed)} resource(s): {', '.join(failed)}",
            subjects,
        )
    waived = [r for r in records if r.outcome is Outcome.WAIVED]
    if waived:
        waivers = tuple(_waiver(r, exceptions) for r in waived)
        return EvidenceResult(
            kind,
            rule,
            EvidenceStatus.WAIVED,
            f"waived on {len(waived)} resource(s) by reviewed exception",
            subjects,
            waivers,
        )
    fixed = sum(r.status == "FIXED" for r in records)
    note = f" ({fixed} fixed at synth)" if fixed else ""
    return EvidenceResult(
        kind, rule, EvidenceStatus.PASSED, f"passed on {len(subjects)} resource(s){note}", subjects
    )


def _test_evidence(node_id: str, junit: JUnitReport | None) -> EvidenceResult:
    kind = EvidenceKind.TEST
    if junit is None:
        return EvidenceResult(
            kind,
            node_id,
            EvidenceStatus.NOT_RUN,
            "no test results given (pass --junit or --run-tests)",
        )
    outcome, message = junit.outcome(node_id)
    status = {
        TestOutcome.PASSED: EvidenceStatus.PASSED,
        TestOutcome.FAILED: EvidenceStatus.FAILED,
    }.get(outcome, EvidenceStatus.NOT_RUN)
    return EvidenceResult(kind, node_id, status, f"{outcome.value}: {message}")


def _resource_evidence(glob: str, stack: SynthesizedStack) -> EvidenceResult:
    found = tuple(r.address for r in stack.matching(glob))
    if not found:
        return EvidenceResult(
            EvidenceKind.RESOURCE,
            glob,
            EvidenceStatus.FAILED,
            "no resource in the synthesized stack matches",
        )
    return EvidenceResult(
        EvidenceKind.RESOURCE,
        glob,
        EvidenceStatus.PASSED,
        f"{len(found)} resource(s) present",
        found,
    )


def _trail_setting_evidence(setting: str, stack: SynthesizedStack) -> EvidenceResult:
    kind = EvidenceKind.TRAIL_SETTING
    trails = stack.of_type("aws_cloudtrail")
    if not trails:
        return EvidenceResult(kind, setting, EvidenceStatus.FAILED, "the stack has no trail")
    unset = [t.address for t in trails if not t.body.get(setting)]
    subjects = tuple(t.address for t in trails)
    if unset:
        return EvidenceResult(
            kind, setting, EvidenceStatus.FAILED, f"not set on {', '.join(unset)}", subjects
        )
    return EvidenceResult(
        kind, setting, EvidenceStatus.PASSED, f"set on {len(trails)} trail(s)", subjects
    )


def _subscriber_evidence(glob: str, stack: SynthesizedStack) -> EvidenceResult:
    """At least one aws_sns_topic_subscription of a topic matching ``glob`` is in the stack."""
    kind = EvidenceKind.TOPIC_SUBSCRIBER
    topics = [t.address for t in stack.matching(glob)]
    if not topics:
        return EvidenceResult(kind, glob, EvidenceStatus.FAILED, "no topic in the stack matches")
    subscribers = tuple(
        s.address
        for s in stack.of_type("aws_sns_topic_subscription")
        if any(f"${{{topic}." in str(s.body.get("topic_arn", "")) for topic in topics)
    )
    external = _existing_topics_alarmed_with(topics, stack)
    if not subscribers and not external:
        return EvidenceResult(
            kind,
            glob,
            EvidenceStatus.FAILED,
            f"no subscription of {', '.join(topics)} in the stack and no existing topic alarmed "
            "with it: nobody receives the alarms (set STREAMFLIX_ALARM_EMAILS, "
            "STREAMFLIX_ALARM_HTTPS_ENDPOINTS or STREAMFLIX_ALARM_TOPIC_ARN)",
            tuple(topics),
        )
    parts = [f"{len(subscribers)} subscription(s) in the stack"] if subscribers else []
    if external:
        parts.append(
            f"alarms also notify the existing topic(s) {', '.join(external)}, whose "
            "subscribers live outside this stack"
        )
    return EvidenceResult(
        kind,
        glob,
        EvidenceStatus.PASSED,
        f"{'; '.join(parts)}; confirmation is a runtime part",
        subscribers + external,
    )


def _existing_topics_alarmed_with(
    topics: Sequence[str], stack: SynthesizedStack
) -> tuple[str, ...]:
    """Literal SNS topic ARNs (STREAMFLIX_ALARM_TOPIC_ARN) that the alarms notifying one of
    ``topics`` also notify: SNS cannot subscribe a topic to a topic, so an existing on-call topic
    receives the alerts as a second alarm action, not as a subscription."""
    found: set[str] = set()
    for alarm in stack.of_type("aws_cloudwatch_metric_alarm"):
        actions = [str(a) for a in alarm.body.get("alarm_actions", [])]
        if any(f"${{{topic}." in a for a in actions for topic in topics):
            found.update(a for a in actions if a.startswith("arn:aws:sns:"))
    return tuple(sorted(found))


def evaluate_evidence(control: Control, inputs: EvidenceInputs) -> tuple[EvidenceResult, ...]:
    aspects = None if inputs.aspect_results is None else index_by_rule(inputs.aspect_results)
    gate = None if inputs.gate_results is None else index_by_rule(inputs.gate_results)
    ev = control.evidence
    return (
        *(
            _rule_evidence(
                EvidenceKind.ASPECT_RULE, r, "aspects", aspects, inputs.exceptions, ev.scope
            )
            for r in ev.aspect_rules
        ),
        *(
            _rule_evidence(EvidenceKind.CHECKOV_CHECK, c, "gate", gate, inputs.exceptions, ev.scope)
            for c in ev.checkov_checks
        ),
        *(_test_evidence(t, inputs.junit) for t in ev.tests),
        *(_resource_evidence(g, inputs.stack) for g in ev.resources),
        *(_trail_setting_evidence(s, inputs.stack) for s in ev.trail_settings),
        *(_subscriber_evidence(t, inputs.stack) for t in ev.topic_subscribers),
    )


def decide(control: Control, evidence: Sequence[EvidenceResult]) -> tuple[ControlStatus, str]:
    """The control's status and a one-line reason an auditor can read."""

    def refs(status: EvidenceStatus) -> list[str]:
        return [e.ref for e in evidence if e.status is status]

    if failed := [f"{e.ref} ({e.detail})" for e in evidence if e.status is EvidenceStatus.FAILED]:
        return ControlStatus.NOT_SATISFIED, f"evidence failed: {'; '.join(failed)}"
    if waived := refs(EvidenceStatus.WAIVED):
        # the waiver does not lift what the design leaves to runtime or knowingly leaves out
        also = "".join(
            f"; {label}: {text}"
            for label, text in (
                ("deviation", control.deviation),
                ("pending", control.pending_runtime),
            )
            if text
        )
        return (
            ControlStatus.WAIVED,
            f"holds only under reviewed exceptions: {', '.join(waived)}{also}",
        )
    if not_run := refs(EvidenceStatus.NOT_RUN):
        return ControlStatus.NOT_RUN, f"evidence did not run: {', '.join(not_run)}"
    if control.kind is ControlKind.RUNTIME:
        sources = ", ".join(RUNTIME_SOURCE_TITLES[s] for s in control.runtime_evidence)
        if control.account_baseline:
            return (
                ControlStatus.NEEDS_RUNTIME_EVIDENCE,
                f"account baseline, not in this stack; evidence from: {sources}",
            )
        return (
            ControlStatus.NEEDS_RUNTIME_EVIDENCE,
            f"designed in; operating evidence needed from: {sources}",
        )
    if control.kind is ControlKind.APPLICATION_RECORD:
        return ControlStatus.MANUAL, "records kept by the application: review them in the database"
    if control.kind is ControlKind.ORGANISATIONAL:
        return ControlStatus.MANUAL, "organisational measure: review the process and its records"
    tests = [e for e in evidence if not e.is_context]
    context = len(evidence) - len(tests)
    passed = f"all {len(tests)} evidence item(s) ran and passed" + (
        f" ({context} resource(s) present as context)" if context else ""
    )
    if control.deviation:
        return ControlStatus.PARTIAL, f"{passed}; deviation: {control.deviation}"
    if control.pending_runtime:
        return (
            ControlStatus.DESIGNED_RUNTIME_PENDING,
            f"{passed}; pending: {control.pending_runtime}",
        )
    return ControlStatus.SATISFIED, passed


def assess(catalog: Catalog, inputs: EvidenceInputs) -> tuple[ControlAssessment, ...]:
    out = []
    for control in catalog.controls:
        evidence = evaluate_evidence(control, inputs)
        status, reason = decide(control, evidence)
        out.append(ControlAssessment(control, status, evidence, reason))
    return tuple(out)
