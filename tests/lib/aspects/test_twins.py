"""Issue 24 item 2: every Aspect rule declares its Checkov twin (or why it has none); what twins
declare as shared is really read by both; neither twin keeps its own copy of a policy number.

That the twins also AGREE, on the real stack and on every one-violation mutant of it, is
tests/policies/test_twins_agree.py (it needs the gate's mutant scan).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest

from compliance.registry import custom_checkov_ids
from core.policy_numbers import POLICY
from lib.aspects import ALL_RULES
from lib.aspects.model import Rule, Twin, no_twin
from policies.scan import CHECKS_DIR

# Every policy number above 1 (0 and 1 are indices and flags everywhere).
POLICY_VALUES = frozenset(v for v in dataclasses.asdict(POLICY).values() if v > 1)


def check_file(check_id: str) -> Path:
    """The file of policies/checks that declares ``check_id``."""
    found = [p for p in CHECKS_DIR.glob("sfx_*.py") if f'"{check_id}"' in p.read_text()]
    assert len(found) == 1, f"{check_id}: expected one check file, found {found}"
    return found[0]


def rule_file(rule: Rule) -> Path:
    return Path(inspect.getfile(importlib.import_module(rule.check.__module__)))


def twinned() -> list[Rule]:
    return [r for r in ALL_RULES if r.twin is not None and r.twin.check is not None]


def test_every_rule_declares_its_twin_or_why_it_has_none() -> None:
    undeclared = [r.id for r in ALL_RULES if r.twin is None]
    assert undeclared == [], f"rules without a twin declaration: {undeclared}"
    unknown = {r.id: r.twin.check for r in twinned() if r.twin and r.twin.check}
    unknown = {k: v for k, v in unknown.items() if v not in custom_checkov_ids()}
    assert unknown == {}, f"twins that name no check of policies/checks: {unknown}"
    # About ten rules have a twin (issue 24); a mass loss of declarations must not pass quietly.
    assert len({r.twin.check for r in twinned() if r.twin}) >= 10


def test_a_twin_declaration_names_a_custom_check_and_says_why() -> None:
    with pytest.raises(ValueError, match="custom check id"):
        Twin("CKV_AWS_7", "the built-in check judges the same attribute")
    with pytest.raises(ValueError, match="says why"):
        Twin("CKV_SFX_2", "same")
    with pytest.raises(ValueError, match="nothing to share"):
        Twin(None, "no check mirrors this rule at all", ("core.policy_numbers:POLICY",))
    assert no_twin("no check mirrors this rule at all").check is None


def _imports(path: Path, module: str, name: str) -> bool:
    tree = ast.parse(path.read_text())
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == module
        and any(alias.name == name for alias in node.names)
        for node in ast.walk(tree)
    )


@pytest.mark.parametrize("rule", twinned(), ids=lambda r: r.id)
def test_what_twins_declare_shared_both_really_read(rule: Rule) -> None:
    """A shared piece (``module:name[.attr]``) exists, and BOTH twins import it and use it."""
    assert rule.twin is not None and rule.twin.check is not None
    sides = (rule_file(rule), check_file(rule.twin.check))
    for item in rule.twin.shared:
        module, dotted = item.split(":")
        obj: object = importlib.import_module(module)
        for part in dotted.split("."):
            obj = getattr(obj, part)  # the shared piece exists
        name = dotted.split(".")[0]
        for side in sides:
            assert _imports(side, module, name), f"{side.name} does not import {name} from {module}"
            assert dotted in side.read_text(), f"{side.name} does not read {dotted}"


def _policy_literals(path: Path) -> list[tuple[int, int]]:
    """(line, value) of every integer literal equal to a policy number."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and type(node.value) is int
        and node.value in POLICY_VALUES
    ]


@pytest.mark.parametrize("rule", twinned(), ids=lambda r: r.id)
def test_twins_keep_no_copy_of_a_policy_number(rule: Rule) -> None:
    """Twins read one constant: a number of core.policy_numbers written again in either file
    (``LOG_RETENTION_DAYS = 90`` in the check) fails, even while the two still agree."""
    assert rule.twin is not None and rule.twin.check is not None
    for side in (rule_file(rule), check_file(rule.twin.check)):
        assert _policy_literals(side) == [], f"{side.name} writes policy numbers itself"


def test_the_literal_finder_sees_a_copied_number(tmp_path: Path) -> None:
    copy = tmp_path / "copy.py"
    copy.write_text("LOG_RETENTION_DAYS = 90\nINDEX = 1\n")
    assert _policy_literals(copy) == [(1, 90)]
