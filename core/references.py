"""The one parser of Terraform references in synthesized JSON (``${aws_kms_key.k.arn}``).

cdktf renders every cross-resource value as an interpolation: ``${<type>.<name>.<attr>}``,
``${data.<type>.<name>.<attr>}``, ``${module.<name>.<output>}``, with indexes
(``${aws_rds_cluster.c.master_user_secret[0].secret_arn}``) and, for escape hatches, functions
(``${jsonencode(aws_sqs_queue.q.arn)}``). The aspects, the gate's checks, the inventory, the
collector and the tests all ask the same questions of such strings, so they ask them here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Root names Terraform reserves for things that are not resources (variables, locals, ...).
_NOT_RESOURCES = frozenset({"var", "local", "each", "count", "path", "self", "terraform"})
_IDENT = r"[A-Za-z_][A-Za-z0-9_-]*"
# A traversal inside an expression: [data.|module.]<type>.<name>[<index>][.<attribute>]
_TRAVERSAL = re.compile(
    rf"(?<![\w.\-])(?P<data>data\.)?(?P<rtype>[a-z][a-z0-9_]*)\.(?P<name>{_IDENT})"
    rf"(?:\[[^\]]*\])?(?:\.(?P<attribute>[A-Za-z_][A-Za-z0-9_]*))?"
)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class Ref:
    """A reference found in a value: ``[data.]<type>.<name>[.<attribute>]`` (modules: type
    ``module``, name the module, attribute its output)."""

    data: bool
    rtype: str
    name: str
    attribute: str | None

    @property
    def address(self) -> str:
        """The Terraform address: ``aws_x.y``, ``data.aws_x.y`` or ``module.y``."""
        return f"{'data.' if self.data else ''}{self.rtype}.{self.name}"

    @property
    def resource_address(self) -> str:
        """``<type>.<name>`` without the ``data.`` prefix."""
        return f"{self.rtype}.{self.name}"

    @property
    def is_module(self) -> bool:
        return not self.data and self.rtype == "module"

    @property
    def is_resource(self) -> bool:
        """A managed resource (neither a data source nor a module output)."""
        return not self.data and not self.is_module


def interpolations(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every ``${...}`` in ``text``, braces inside counted (``end``
    exclusive). ``$${`` is Terraform's escape for a literal ``${`` and is skipped."""
    i = 0
    while (start := text.find("${", i)) != -1:
        if start > 0 and text[start - 1] == "$":
            i = start + 2
            continue
        depth, j, quoted = 1, start + 2, False
        while j < len(text) and depth:
            char = text[j]
            if quoted:
                if char == "\\":
                    j += 1
                elif char == '"':
                    quoted = False
            elif char == '"':
                quoted = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            j += 1
        if depth:  # unterminated: not an interpolation
            return
        yield start, j
        i = j


def _expression_refs(expression: str) -> Iterator[Ref]:
    # Quoted strings inside an expression are literals ("a.b" is not a reference), but a
    # quoted string may itself interpolate ("${...}" inside it): those are searched in turn.
    i = 0
    for literal in [*_QUOTED.finditer(expression), None]:
        code = expression[i : literal.start() if literal else len(expression)]
        for m in _TRAVERSAL.finditer(code):
            rtype = m.group("rtype")
            if rtype in _NOT_RESOURCES or (m.group("data") and rtype == "module"):
                continue
            yield Ref(bool(m.group("data")), rtype, m.group("name"), m.group("attribute"))
        if literal is not None:
            yield from refs_in_text(literal.group(0)[1:-1])
            i = literal.end()


def refs_in_text(text: str) -> list[Ref]:
    """Every reference in one string, in order of appearance."""
    found: list[Ref] = []
    for start, end in interpolations(text):
        found.extend(_expression_refs(text[start + 2 : end - 1]))
    return found


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a value (mappings' values, lists and tuples searched)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def refs_in(value: Any) -> list[Ref]:
    """Every reference inside a value (strings, lists and blocks are searched)."""
    return [ref for text in strings_in(value) for ref in refs_in_text(text)]


def first_ref(value: Any) -> Ref | None:
    """The first reference in a value, or None."""
    return next(iter(refs_in(value)), None)


def whole_ref(value: Any) -> Ref | None:
    """The reference when ``value`` is exactly one interpolation that is a plain traversal
    (``${aws_x.y.arn}``, ``${aws_x.y.z[0].w}``), else None (literals, functions, templates)."""
    if not isinstance(value, str):
        return None
    spans = list(interpolations(value))
    return _plain(value, spans[0]) if len(spans) == 1 and spans[0][1] == len(value) else None


def leading_ref(value: Any) -> Ref | None:
    """The reference ``value`` starts with when its first interpolation, at the very start, is a
    plain traversal; text may follow (``${aws_cloudwatch_log_group.g.arn}:*``)."""
    if not isinstance(value, str):
        return None
    first = next(interpolations(value), None)
    return _plain(value, first) if first is not None else None


def _plain(value: str, span: tuple[int, int]) -> Ref | None:
    """The traversal an interpolation starting ``value`` holds, when it holds nothing else."""
    if span[0] != 0:
        return None
    expression = value[2 : span[1] - 1].strip()
    m = _TRAVERSAL.match(expression)
    if m is None or not _plain_tail(expression[m.end() :]):
        return None
    refs = list(_expression_refs(expression[: m.end()]))
    return refs[0] if refs else None


def _plain_tail(rest: str) -> bool:
    """What may follow the first attribute of a plain traversal: more ``.attr`` / ``[i]``."""
    return re.fullmatch(r"(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])*", rest) is not None


def without_interpolations(text: str) -> str:
    """``text`` with every ``${...}`` removed: the literal part of a templated value."""
    out, i = [], 0
    for start, end in interpolations(text):
        out.append(text[i:start])
        i = end
    out.append(text[i:])
    return "".join(out)
