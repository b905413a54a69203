"""One reader of cdk.tf.json, one reference parser, one rule-id pattern (issue 24 items 3 and 7).

Each test reads the source of every package (and the tests) and fails when a second copy of the
knowledge appears outside ``core``: a regex that parses Terraform references, a regex that
validates rule ids, or a ``json.load`` of the stack file. The regexes are judged by what they
do (they are compiled and tried on samples), not by how they are spelled, so a rewritten copy is
caught too.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.conftest import PROJECT_ROOT

SCANNED = ("lib", "policies", "compliance", "rehearsal", "worker", "tests", "main.py")
CORE = PROJECT_ROOT / "core"
RE_FUNCTIONS = {"compile", "match", "fullmatch", "search", "findall", "finditer", "sub", "split"}


def _files(*roots: str) -> Iterator[Path]:
    for root in roots:
        path = PROJECT_ROOT / root
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def regex_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """String literals used as regexes: arguments of ``re.*`` calls, ``pattern=`` keywords and
    module or class constants (``ASPECT_RULE_ID = r"..."``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in RE_FUNCTIONS
                and isinstance(func.value, ast.Name)
                and func.value.id == "re"
                and node.args
            ):
                yield from _strings(node.args[0])
            for keyword in node.keywords:
                if keyword.arg == "pattern":
                    yield from _strings(keyword.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            yield from _strings(node.value)


def _strings(node: ast.AST) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):  # an f-string regex: judge its literal parts joined
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        yield node.lineno, "".join(str(p) for p in parts)


def _compiled(text: str) -> re.Pattern[str] | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prose compiled as a regex may warn (nested sets)
        try:
            return re.compile(text)
        except (re.error, RecursionError, OverflowError):
            return None


def parses_references(pattern: re.Pattern[str]) -> bool:
    """Finds ``${<type>.<name>...}`` expressions and not the same words without ``${}``."""
    misses = ("aws_kms_key.k.arn", "plain text")
    found = pattern.search("${aws_kms_key.k.arn}")
    return bool(found) and not any(pattern.search(m) for m in misses)


def validates_rule_ids(pattern: re.Pattern[str]) -> bool:
    """Accepts two ids of one namespace and refuses their near misses."""
    pairs = (("CKV_AWS_338", "CKV2_AWS_5"), ("SFX-ENC-01", "SFX-LOG-02"))
    misses = ("CKV_AWS_", "SFX-", "SFX-enc-01", "hello")
    accepts = any(all(pattern.fullmatch(i) for i in pair) for pair in pairs)
    return accepts and not any(pattern.fullmatch(m) for m in misses)


def copies(judge: object, *roots: str) -> list[str]:
    found = []
    for path in _files(*roots):
        for line, text in regex_literals(_parse(path)):
            pattern = _compiled(text)
            if pattern is not None and judge(pattern):  # type: ignore[operator]
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {text!r}")
    return found


_STACK_FILE_NAMES = {"STACK_FILE", "stack_file"}


def _names_stack_file(node: ast.AST) -> bool:
    """The expression mentions the stack file: ``"cdk.tf.json"``, ``STACK_FILE``, ``stack_file``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if "cdk.tf.json" in sub.value:
                return True
        elif (isinstance(sub, ast.Name) and sub.id in _STACK_FILE_NAMES) or (
            isinstance(sub, ast.Attribute) and sub.attr in _STACK_FILE_NAMES
        ):
            return True
    return False


def _is_json_load(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"load", "loads"}
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "json"
    )


def _by_scope(tree: ast.Module) -> dict[ast.AST, list[ast.AST]]:
    """Every node under the module or the innermost function that holds it."""
    scopes: dict[ast.AST, list[ast.AST]] = {tree: []}

    def walk(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            scopes[scope].append(child)
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
            scopes.setdefault(inner, [])
            walk(child, inner)

    walk(tree, tree)
    return scopes


def stack_file_reads(tree: ast.Module) -> Iterator[int]:
    """Lines of ``json.load(s)`` calls that read the stack file: the call names it, or names a
    variable its scope assigned from an expression that names it (``path = d / STACK_FILE``).
    A path handed in as a parameter is not followed: the finder catches copies, not disguises."""
    for nodes in _by_scope(tree).values():
        stack_names = {
            target.id
            for node in nodes
            if isinstance(node, ast.Assign) and _names_stack_file(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in nodes:
            if not _is_json_load(node):
                continue
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if _names_stack_file(node) or names & stack_names:
                yield node.lineno


def second_readers(*roots: str) -> list[str]:
    found = []
    for path in _files(*roots):
        for line in sorted(set(stack_file_reads(_parse(path)))):
            found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}")
    return found


def test_the_judges_recognise_the_copies_this_issue_removed() -> None:
    """The patterns five modules carried before issue 24, and the three rule-id patterns."""
    removed_references = (
        r"\$\{(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\.([a-z0-9_]+))?",
        r"\$\{\s*(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)",
        r"\$\{\s*(?:data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)",
        r"\$\{(aws_[a-z0-9_]+\.[A-Za-z0-9_]+)\.",
        r"\$\{[^}]*\}",
    )
    assert all(parses_references(re.compile(p)) for p in removed_references)
    removed_rule_ids = (
        r"^SFX-[A-Z0-9]+-\d{2}$",
        r"^(SFX-[A-Z0-9-]+|CKV2?_[A-Z0-9]+_\d+|CKV_SFX_\d+)$",
        r"^CKV2?_[A-Z0-9]+_\d+$",
    )
    assert all(validates_rule_ids(re.compile(p)) for p in removed_rule_ids)
    # ... and leave alone what only resembles them
    for other in (r"^[\w\s.:/=+\-@]*$", r"""["'](CKV_SFX_\d+)["']""", r"\$\{?([A-Z][A-Z0-9_]*)"):
        assert not parses_references(re.compile(other))
        assert not validates_rule_ids(re.compile(other))
    source = 'def f(d):\n    return json.loads((d / "cdk.tf.json").read_text())\n'
    assert list(stack_file_reads(ast.parse(source))) == [2]
    source = "def f(d):\n    path = d / STACK_FILE\n    return json.loads(path.read_text())\n"
    assert list(stack_file_reads(ast.parse(source))) == [3]
    source = 'STACK_FILE = "x"\ndef f(p):\n    return json.loads(p.read_text())\n'
    assert list(stack_file_reads(ast.parse(source))) == []


def test_no_regex_parses_references_anywhere() -> None:
    """core.references scans interpolations itself; no module (core included) keeps a regex
    over ``${...}`` of its own."""
    assert copies(parses_references, *SCANNED, "core") == []


def test_core_holds_the_one_rule_id_pattern() -> None:
    assert copies(validates_rule_ids, "core") != [], "the judge must see core.rule_ids"
    assert copies(validates_rule_ids, *SCANNED) == []


def test_core_holds_the_one_reader_of_cdk_tf_json() -> None:
    assert second_readers("core/stackfile.py") != [], "the finder must see core.stackfile"
    assert second_readers(*SCANNED) == []
