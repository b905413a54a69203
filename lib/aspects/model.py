"""The vocabulary shared by every rule: statuses, levels, findings, fixes, rules and records.

A rule is a pure function over one resource's synthesized facts (no jsii), so it can be tested
on plain dictionaries; the pack (``lib.aspects.pack``) holds the id, level and title and does the
side effects (overrides, annotations, records).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core.rule_ids import ASPECT_RULE_ID

if TYPE_CHECKING:
    from lib.aspects.facts import ResourceFacts, StackFacts

RULE_ID = re.compile(ASPECT_RULE_ID)


class Status(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    FIXED = "FIXED"
    WAIVED = "WAIVED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Level(StrEnum):
    ERROR = "error"  # fails synthesis unless waived
    WARNING = "warning"  # reported and annotated; synthesis continues


@dataclass(frozen=True)
class Fix:
    """A safe change that makes a resource compliant: one Terraform override.

    cdktf merges an override into the resource: objects merge key by key and lists are
    APPENDED, so a fix adds only what is missing (e.g. ``default_tags.0.tags`` -> missing keys).
    """

    path: str  # dotted override path, e.g. "retention_in_days" or "default_tags.0.tags"
    value: Any
    description: str  # what was changed, for the record ("set retention_in_days to 90")


@dataclass(frozen=True)
class Finding:
    """A rule's verdict on one resource. ``fixes`` only with NON_COMPLIANT: all of them
    together make the resource compliant."""

    status: Status
    message: str
    fixes: tuple[Fix, ...] = ()

    def __post_init__(self) -> None:
        if self.fixes and self.status is not Status.NON_COMPLIANT:
            raise ValueError("only a NON_COMPLIANT finding carries a fix")
        if self.status in (Status.FIXED, Status.WAIVED):
            raise ValueError("FIXED and WAIVED are decided by the pack, not by a rule")


def ok(message: str = "") -> Finding:
    return Finding(Status.COMPLIANT, message)


def fail(message: str, *fixes: Fix) -> Finding:
    return Finding(Status.NON_COMPLIANT, message, fixes)


def not_applicable(message: str = "") -> Finding:
    return Finding(Status.NOT_APPLICABLE, message)


Check = Callable[["ResourceFacts", "StackFacts"], Finding]

CHECKOV_TWIN_ID = re.compile(r"^CKV_SFX_\d+$")


@dataclass(frozen=True)
class Twin:
    """A rule's link to the Checkov check that judges the same thing on the same JSON (issue 24
    item 2), or the reason it has none.

    Two implementations are defence in depth: the Aspect refuses synthesis, the gate refuses a
    stack however it was produced (hand-edited JSON, another tool). ``shared`` names what both
    read from ONE place, as ``module:attribute`` (a pure predicate, a table column, a policy
    number): tests check that both twins really import it. ``why`` says why the rest is kept
    independent, or, with ``check`` None, why no check mirrors the rule.
    """

    check: str | None
    why: str
    shared: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.check is not None and not CHECKOV_TWIN_ID.match(self.check):
            raise ValueError(f"twin {self.check!r} must be a custom check id (CKV_SFX_<n>)")
        if len(self.why.strip()) < 20:
            raise ValueError("a twin declaration says why in a sentence (>= 20 characters)")
        if self.check is None and self.shared:
            raise ValueError("without a twin there is nothing to share")


def no_twin(why: str) -> Twin:
    return Twin(None, why)


@dataclass(frozen=True)
class Rule:
    """One compliance rule. ``types`` are the Terraform types it reads (``provider.aws`` for
    providers, ``backend.<kind>`` for backends); ``None`` means every resource, plus every
    provider when ``providers`` is set."""

    id: str
    title: str  # positive statement: "Log groups keep logs exactly 90 days"
    level: Level
    types: frozenset[str] | None
    check: Check
    providers: bool = False
    twin: Twin | None = None  # every registered rule declares one (tests/lib/aspects/test_twins.py)

    def __post_init__(self) -> None:
        if not RULE_ID.match(self.id):
            raise ValueError(f"rule id {self.id!r} must match {RULE_ID.pattern}")

    @property
    def family(self) -> str:
        return self.id.split("-")[1]

    def applies_to(self, rtype: str) -> bool:
        if self.types is not None and rtype in self.types:
            return True
        if rtype.startswith("provider."):
            return self.providers
        return self.types is None and not rtype.startswith("backend.")


@dataclass(frozen=True)
class AspectRecord:
    """One line of the results: one rule on one resource (the compliance report reads these)."""

    rule: str
    title: str
    resource: str  # Terraform address "<type>.<logical id>" (exceptions match on it)
    path: str  # construct path
    status: Status
    level: Level
    message: str
    exception_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "resource": self.resource,
            "path": self.path,
            "status": self.status.value,
            "level": self.level.value,
            "message": self.message,
            "exception_reason": self.exception_reason,
        }

    @property
    def is_violation(self) -> bool:
        """An unwaived error: this fails synthesis."""
        return self.status is Status.NON_COMPLIANT and self.level is Level.ERROR
