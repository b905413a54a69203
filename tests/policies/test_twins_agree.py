"""Issue 24 item 2: each Aspect rule and its Checkov twin give the same verdict on the same JSON.

Both run on the real synthesized cdk.tf.json and on every one-violation mutant of it
(tests/policies/mutations.py): the check through the session's one narrowed checkov run over the
mutants, the rule as a pure function over the same file (``lib.aspects.facts.stack_facts``). Per
twin pair and folder, the addresses the check FAILS and the addresses its twin rule(s) find
NON_COMPLIANT must be equal, on the types both judge. A check's UNKNOWN is no verdict (the rule
declares where it answers UNKNOWN by design) and is left out of the comparison.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from core.stackfile import read_stack_document
from lib.aspects import ALL_RULES
from lib.aspects.facts import stack_facts
from lib.aspects.model import Rule, Status
from policies.findings import CheckovResult
from policies.scan import CHECKS_DIR, RawScan
from policies.taggable import TAGGABLE_TYPES
from tests.policies.conftest import NAMED_CHECKS, UNMODIFIED
from tests.policies.mutations import MUTATIONS

pytestmark = [pytest.mark.gate, pytest.mark.synth]

FOLDERS = (UNMODIFIED, *(m.name for m in MUTATIONS))


def twin_pairs() -> dict[str, tuple[Rule, ...]]:
    """Check id -> the rules that declare it their twin."""
    pairs: dict[str, list[Rule]] = defaultdict(list)
    for rule in ALL_RULES:
        if rule.twin is not None and rule.twin.check is not None:
            pairs[rule.twin.check].append(rule)
    return {check: tuple(rules) for check, rules in sorted(pairs.items())}


PAIRS = twin_pairs()


def check_types(check_id: str) -> tuple[str, ...]:
    """What the check judges: resource-type patterns, or ``provider.aws``."""
    path = next(p for p in CHECKS_DIR.glob("sfx_*.py") if f'"{check_id}"' in p.read_text())
    check = importlib.import_module(f"policies.checks.{path.stem}").check
    providers = getattr(check, "supported_provider", None)
    if providers:
        return tuple(f"provider.{p}" for p in providers)
    return tuple(check.supported_resources)


def judged_by_both(rtype: str, patterns: tuple[str, ...], rules: tuple[Rule, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rtype, p) for p in patterns) and any(
        r.applies_to(rtype) for r in rules
    )


@pytest.fixture(scope="module")
def required_tags(synth_dir: Path) -> dict[str, str]:
    doc = read_stack_document(synth_dir)
    tags: dict[str, str] = doc["provider"]["aws"][0]["default_tags"][0]["tags"]
    return tags


def rule_verdicts(
    doc: dict[str, Any],
    required: dict[str, str],
    rules: tuple[Rule, ...],
    patterns: tuple[str, ...],
) -> set[str]:
    facts = stack_facts(doc, "stack", required, frozenset(TAGGABLE_TYPES))
    return {
        subject.address
        for subject in facts.subjects()
        for rule in rules
        if judged_by_both(subject.rtype, patterns, (rule,))
        and rule.check(subject, facts).status is Status.NON_COMPLIANT
    }


def check_verdicts(
    scan: RawScan, folder: Path, check_id: str, rules: tuple[Rule, ...], patterns: tuple[str, ...]
) -> tuple[set[str], set[str]]:
    """(failed, unknown) addresses of the check on the types both twins judge."""
    mine = [
        f
        for f in scan.for_folder(folder).findings
        if f.check_id == check_id and judged_by_both(_rtype(f.address), patterns, rules)
    ]
    failed = {f.address for f in mine if f.result is CheckovResult.FAILED}
    unknown = {f.address for f in mine if f.result is CheckovResult.UNKNOWN}
    return failed, unknown


def _rtype(address: str) -> str:
    return address if address.startswith("provider.") else address.split(".")[0]


def test_every_twin_check_is_in_the_mutant_scan() -> None:
    """The narrowed mutant scan must run every twin check, or the comparison below is empty."""
    assert set(PAIRS) <= set(NAMED_CHECKS), sorted(set(PAIRS) - set(NAMED_CHECKS))
    assert len(PAIRS) >= 10


@pytest.mark.parametrize("check_id", sorted(PAIRS))
def test_twins_agree_on_the_real_stack_and_every_mutant(
    check_id: str,
    mutant_scan: RawScan,
    mutant_root: tuple[Path, dict[str, str]],
    required_tags: dict[str, str],
) -> None:
    rules = PAIRS[check_id]
    patterns = check_types(check_id)
    root = mutant_root[0]
    disagreements: dict[str, dict[str, list[str]]] = {}
    caught = 0
    for name in FOLDERS:
        doc = read_stack_document(root / name)
        by_rule = rule_verdicts(doc, required_tags, rules, patterns)
        by_check, unknown = check_verdicts(mutant_scan, root / name, check_id, rules, patterns)
        by_rule -= unknown
        caught += bool(by_check)
        if by_rule != by_check:
            disagreements[name] = {
                "only the rule fails": sorted(by_rule - by_check),
                "only the check fails": sorted(by_check - by_rule),
            }
    ids = ", ".join(r.id for r in rules)
    assert disagreements == {}, f"{check_id} and {ids} disagree: {disagreements}"
    assert caught, f"no folder made {check_id} fail: the comparison proved nothing"
