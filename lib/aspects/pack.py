"""The CDKTF side: rule packs as Aspects, and the run that collects their records.

A pack visits each stack once per synthesis (cdktf invokes Aspects per stack, never from the
App), reads the stack's resolved JSON into facts, lets ``engine.evaluate`` decide, then applies
fixes as Terraform overrides and turns unwaived errors into error annotations, which make
``app.synth()`` raise before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsii
from cdktf import (
    Annotations,
    IAspect,
    TerraformBackend,
    TerraformProvider,
    TerraformResource,
    TerraformStack,
)
from constructs import IConstruct

from core.exceptions import ExceptionSet, PolicyException
from lib.aspects.engine import (
    Outcome,
    annotation,
    evaluate,
    unused_annotation,
    unused_exceptions,
)
from lib.aspects.facts import BACKEND_PREFIX, PROVIDER_PREFIX, stack_facts
from lib.aspects.model import AspectRecord, Level, Rule, Status

ERROR_TYPE = "@cdktf/error"
WARNING_TYPE = "@cdktf/warn"


class AspectRun:
    """Every record of one app's compliance evaluation, replaced on each synthesis pass."""

    def __init__(self, exceptions: ExceptionSet, rules: Sequence[Rule]):
        self.exceptions = exceptions
        self.rules = tuple(rules)
        self._records: dict[tuple[str, str, str], AspectRecord] = {}  # (stack, rule, address)
        self._fixed: dict[tuple[str, str], str] = {}  # (rule, address) -> fixed message
        self.unused: list[tuple[PolicyException, str]] = []
        self._views: dict[str, StackView] = {}  # stack path -> this pass's shared view

    def view(self, stack: TerraformStack, first_of_pass: bool) -> StackView:
        """The stack's subjects and JSON, read once per synthesis pass and shared by the packs.

        Each read is ~1,200 jsii round trips; seven packs used to repeat it (~0.9 s per synth).
        The first pack of a pass reads afresh (constructs may have been added between passes)."""
        path = stack.node.path
        if first_of_pass or path not in self._views:
            self._views[path] = StackView(stack)
        return self._views[path]

    @property
    def records(self) -> list[AspectRecord]:
        return sorted(self._records.values(), key=lambda r: (r.path, r.rule))

    @property
    def violations(self) -> list[AspectRecord]:
        return [r for r in self.records if r.is_violation]

    def of_status(self, status: Status) -> list[AspectRecord]:
        return [r for r in self.records if r.status is status]

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.records]

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return path

    def replace(self, stack_path: str, rules: Sequence[Rule], records: list[AspectRecord]) -> None:
        ids = {r.id for r in rules}
        for key in [k for k in self._records if k[0] == stack_path and k[1] in ids]:
            del self._records[key]
        for record in records:
            self._records[(stack_path, record.rule, record.resource)] = record

    def remember_fixed(self, records: Sequence[AspectRecord]) -> None:
        """Fixed (rule, resource) pairs stay FIXED in later passes, with the first message."""
        for record in records:
            self._fixed.setdefault((record.rule, record.resource), record.message)

    @property
    def fixed(self) -> dict[tuple[str, str], str]:
        return dict(self._fixed)


def _annotate(node: IConstruct, level: Level, message: str) -> None:
    """Add an annotation once: a second synthesis must not duplicate it."""
    kind = ERROR_TYPE if level is Level.ERROR else WARNING_TYPE
    if any(m.type == kind and m.data == message for m in node.node.metadata):
        return
    if level is Level.ERROR:
        Annotations.of(node).add_error(message)
    else:
        Annotations.of(node).add_warning(message)


def subject_nodes(stack: TerraformStack) -> tuple[dict[str, IConstruct], frozenset[str]]:
    """Address -> construct for resources, providers and the backend; and the taggable types."""
    nodes: dict[str, IConstruct] = {}
    taggable: set[str] = set()
    for child in stack.node.find_all():
        if isinstance(child, TerraformResource):
            rtype = child.terraform_resource_type
            nodes[f"{rtype}.{stack.get_logical_id(child)}"] = child
            if hasattr(type(child), "tags_input"):
                taggable.add(rtype)
        elif isinstance(child, TerraformProvider):
            alias = child.alias or ""
            base = PROVIDER_PREFIX + child.terraform_resource_type
            nodes[f"{base}.{alias}" if alias else base] = child
        elif isinstance(child, TerraformBackend):
            for kind in child.to_terraform().get("terraform", {}).get("backend") or {}:
                nodes[BACKEND_PREFIX + kind] = child
    return nodes, frozenset(taggable)


class StackView:
    """One stack's subject nodes (read once) and its JSON (read again after any fix)."""

    def __init__(self, stack: TerraformStack):
        self.stack = stack
        self.nodes, self.taggable = subject_nodes(stack)
        self.paths = {address: node.node.path for address, node in self.nodes.items()}
        self._json: dict[str, Any] | None = None

    def json(self) -> dict[str, Any]:
        if self._json is None:
            self._json = self.stack.to_terraform()
        return self._json

    def override(self, node: TerraformResource | TerraformProvider, path: str, value: Any) -> None:
        """Apply a fix; the JSON is read again on next use."""
        node.add_override(path, value)
        self._json = None


@jsii.implements(IAspect)
class CompliancePack:
    """One rule family (tags, encryption, ...) applied to a stack as an Aspect."""

    def __init__(
        self,
        family: str,
        rules: Sequence[Rule],
        run: AspectRun,
        required_tags: dict[str, str],
        first: bool = True,
    ):
        self.family = family
        self.rules = tuple(rules)
        self.run = run
        self.required_tags = dict(required_tags)
        self.first = first  # the first pack on its stack: re-reads the shared view each pass

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformStack):
            self.evaluate(node)

    def evaluate(self, stack: TerraformStack) -> None:
        """Decide, apply the fixes, then decide again on the fixed stack, so the records (and
        a later synthesis) describe the output that is written."""
        view = self.run.view(stack, first_of_pass=self.first)
        nodes = view.nodes

        def decide() -> list[Outcome]:
            facts = stack_facts(view.json(), stack.node.path, self.required_tags, view.taggable)
            return evaluate(facts, self.rules, self.run.exceptions, view.paths, self.run.fixed)

        outcomes = decide()
        fixing = [o for o in outcomes if o.fixes]
        for outcome in fixing:
            node = nodes.get(outcome.subject.address)
            if isinstance(node, TerraformResource | TerraformProvider):
                for fix in outcome.fixes:
                    view.override(node, fix.path, fix.value)
        if fixing:
            self.run.remember_fixed([o.record for o in fixing])
            outcomes = decide()
        for outcome in outcomes:
            if outcome.record.status is Status.NON_COMPLIANT:
                node = nodes.get(outcome.subject.address, stack)
                _annotate(node, outcome.record.level, annotation(outcome.record))
        self.run.replace(stack.node.path, self.rules, [o.record for o in outcomes])


@jsii.implements(IAspect)
class ExceptionAudit:
    """Runs after the packs on the last stack: SFX exceptions that waived nothing are errors."""

    def __init__(self, run: AspectRun, last_stack_path: str):
        self.run = run
        self.last_stack_path = last_stack_path

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformStack) or node.node.path != self.last_stack_path:
            return
        known = [r.id for r in self.run.rules]
        self.run.unused = unused_exceptions(self.run.exceptions, self.run.records, known)
        for exc, why in self.run.unused:
            _annotate(node, Level.ERROR, unused_annotation(exc, why, self.run.exceptions.source))
