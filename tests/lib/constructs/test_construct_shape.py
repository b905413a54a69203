"""Issue 24 item 6: every construct is documented like a Terraform module and built by small
private builders, so the rule holds for the next construct too.

For every ``Construct`` subclass in lib/constructs/ (read with ``ast``; no cdktf import):
- a class docstring that names its inputs (an ``Inputs:`` paragraph);
- every public attribute a method sets on ``self`` (its outputs) declared on the class with a
  type and a docstring right below it;
- an ``__init__`` of at most ``INIT_BUDGET`` lines: the body calls builders, it is not one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CONSTRUCTS = PROJECT_ROOT / "lib" / "constructs"
INIT_BUDGET = 60  # lines, signature and blank lines included


def _constructs(folder: Path = CONSTRUCTS) -> dict[str, ast.ClassDef]:
    found = {}
    for path in sorted(folder.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "Construct" for b in node.bases
            ):
                found[f"{path.name}:{node.name}"] = node
    return found


def _documented_attributes(cls: ast.ClassDef) -> set[str]:
    """Class-level ``name: type`` declarations followed by a docstring."""
    out = set()
    for stmt, nxt in zip(cls.body, [*cls.body[1:], None], strict=True):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            out.add(stmt.target.id)
    return out


def _outputs(cls: ast.ClassDef) -> set[str]:
    """Public attributes any method of the class sets on ``self``."""
    names = set()
    for method in (f for f in cls.body if isinstance(f, ast.FunctionDef)):
        for node in ast.walk(method):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign | ast.AugAssign)
                else []
            )
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and isinstance(part.value, ast.Name)
                        and part.value.id == "self"
                        and not part.attr.startswith("_")
                    ):
                        names.add(part.attr)
    return names


def problems(cls: ast.ClassDef) -> list[str]:
    """What keeps ``cls`` from the rules above (empty when it follows them)."""
    found = []
    doc = ast.get_docstring(cls) or ""
    if "Inputs:" not in doc:
        found.append("no class docstring naming its inputs (an 'Inputs:' paragraph)")
    undocumented = sorted(_outputs(cls) - _documented_attributes(cls))
    if undocumented:
        found.append(f"outputs not declared with a type and a docstring: {undocumented}")
    init = next(
        (f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None
    )
    if init is not None and init.end_lineno is not None:
        length = init.end_lineno - init.lineno + 1
        if length > INIT_BUDGET:
            found.append(f"__init__ has {length} lines (budget {INIT_BUDGET})")
    return found


def test_the_constructs_are_read() -> None:
    constructs = _constructs()
    assert {
        "network.py:Network",
        "database.py:Database",
        "secure_bucket.py:SecureBucket",
        "compute.py:Compute",
        "monitoring.py:Monitoring",
        "dashboard.py:Dashboard",
    } <= set(constructs)


@pytest.mark.parametrize("name", sorted(_constructs()))
def test_every_construct_is_documented_and_built_by_small_builders(name: str) -> None:
    assert problems(_constructs()[name]) == []


def test_the_rules_catch_a_long_undocumented_construct() -> None:
    body = "\n".join(f"        self.x{i} = {i}" for i in range(INIT_BUDGET))
    source = f"class Bad(Construct):\n    def __init__(self):\n{body}\n"
    (cls,) = [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)]
    found = problems(cls)
    assert len(found) == 3 and f"__init__ has {INIT_BUDGET + 1} lines" in found[2]
    good = (
        'class Good(Construct):\n    """A thing.\n\n    Inputs: none.\n    """\n\n'
        '    x: int\n    """The x."""\n\n    def __init__(self):\n        self.x = 1\n'
    )
    (cls,) = [n for n in ast.parse(good).body if isinstance(n, ast.ClassDef)]
    assert problems(cls) == []
