"""What evidence ids exist: Checkov checks (built-in + ours), aspect rules, pytest node ids.

The catalog may only name evidence that exists; these lookups let a test (and the report)
refuse an unknown check id, a renamed aspect rule or a deleted test instead of reporting it
as "not run" forever.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CUSTOM_CHECKS_DIR = PROJECT_ROOT / "policies" / "checks"
_CUSTOM_ID = re.compile(r"""["'](CKV_SFX_\d+)["']""")


@cache
def builtin_checkov_ids() -> frozenset[str]:
    """Every check id Checkov ships for Terraform (resource, data, provider, graph checks)."""
    import checkov.terraform.checks.data  # registers data checks
    import checkov.terraform.checks.provider  # registers provider checks
    import checkov.terraform.checks.resource  # noqa: F401  # registers resource checks
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    ids: set[str] = set()
    for registry in (resource_registry, data_registry, provider_registry):
        for checks in registry.checks.values():
            ids.update(check.id for check in checks)
    graph = get_graph_checks_registry("terraform")
    graph.load_checks()
    ids.update(check.id for check in graph.checks)
    return frozenset(ids)


def custom_checkov_ids(checks_dir: Path = CUSTOM_CHECKS_DIR) -> frozenset[str]:
    """The CKV_SFX_* ids our check files declare (read from source: no checkov import)."""
    ids: set[str] = set()
    for path in sorted(checks_dir.glob("*.py")):
        ids.update(_CUSTOM_ID.findall(path.read_text(encoding="utf-8")))
    return frozenset(ids)


def known_checkov_ids() -> frozenset[str]:
    return builtin_checkov_ids() | custom_checkov_ids()


def aspect_rule_ids() -> frozenset[str]:
    """Rule ids registered by the Aspects (lib.aspects.ALL_RULES)."""
    from lib.aspects import ALL_RULES

    return frozenset(rule.id for rule in ALL_RULES)


def _defines(body: list[ast.stmt], name: str) -> ast.stmt | None:
    for node in body:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name == name
        ):
            return node
    return None


def test_node_exists(node_id: str, root: Path = PROJECT_ROOT) -> bool:
    """Whether ``tests/x.py::[Class::]test_fn`` names a test function defined in that file."""
    path_part, *names = node_id.split("[", 1)[0].split("::")
    path = root / path_part
    if not names or not path.is_file():
        return False
    body: list[ast.stmt] = ast.parse(path.read_text(encoding="utf-8")).body
    for name in names:
        node = _defines(body, name)
        if node is None:
            return False
        body = node.body if isinstance(node, ast.ClassDef) else []
    return names[-1].startswith("test")


test_node_exists.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
