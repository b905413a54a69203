"""Read values from checkov's view of a Terraform JSON resource.

Checkov wraps every attribute of a ``terraform_json`` resource in a list (``{"name": ["x"]}``)
and nested blocks in lists of dicts; ``tags`` maps stay plain. These helpers unwrap that shape
and classify values (literal, Terraform reference, missing) so each check stays data-only.
"""

from __future__ import annotations

import re
from typing import Any

from core.references import refs_in
from core.resource_facts import as_bool as as_bool  # a boolean literal; None for expressions

Conf = dict[str, Any]


def value(conf: Conf, key: str, default: Any = None) -> Any:
    """The attribute ``key`` with checkov's one-element list unwrapped."""
    raw = conf.get(key, default)
    while isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    return raw


def blocks(conf: Conf, key: str) -> list[Conf]:
    """Every nested block called ``key`` (zero, one or many), as dicts."""
    found: list[Conf] = []

    def collect(item: Any) -> None:
        if isinstance(item, dict):
            found.append(item)
        elif isinstance(item, list):
            for sub in item:
                collect(sub)

    collect(conf.get(key))
    return found


def block(conf: Conf, key: str) -> Conf | None:
    """The first nested block called ``key``, or None."""
    found = blocks(conf, key)
    return found[0] if found else None


def _dicts(item: Any) -> list[Conf]:
    if isinstance(item, dict):
        return [item]
    if isinstance(item, list):
        return [d for sub in item for d in _dicts(sub)]
    return []


def values_at(conf: Conf, path: str) -> list[Any]:
    """Every value at a dotted path through nested blocks (``rule.x.kms_key_id``), each with
    checkov's one-element list unwrapped; [] when absent (or null)."""
    current: list[Any] = [conf]
    for part in path.split("."):
        current = [d[part] for item in current for d in _dicts(item) if d.get(part) is not None]
    found: list[Any] = []
    for raw in current:
        while isinstance(raw, list) and len(raw) == 1:
            raw = raw[0]
        if raw is not None and raw != []:
            found.append(raw)
    return found


def strings(conf: Conf, key: str) -> list[str]:
    """A list-of-strings attribute (e.g. ``alarm_actions``), flattened; [] if absent."""
    out: list[str] = []

    def collect(item: Any) -> None:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list):
            for sub in item:
                collect(sub)

    collect(conf.get(key))
    return out


def tags(conf: Conf, key: str = "tags") -> dict[str, Any]:
    """A tag map (checkov keeps its values plain)."""
    raw = value(conf, key)
    return raw if isinstance(raw, dict) else {}


def is_expression(item: Any) -> bool:
    """True for a Terraform interpolation (a value only known at plan/apply time)."""
    return isinstance(item, str) and "${" in item


def references(item: Any) -> list[tuple[str, str]]:
    """``(type, logical id)`` of every managed resource referenced in ``item`` (data. skipped)."""
    return [(ref.rtype, ref.name) for ref in refs_in(item) if not ref.data]


def references_type(item: Any, *types: str) -> bool:
    return any(rtype in types for rtype, _ in references(item))


def as_int(item: Any) -> int | None:
    """An integer literal (also from a numeric string); None for expressions or junk."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    if isinstance(item, float) and item.is_integer():
        return int(item)
    if isinstance(item, str) and re.fullmatch(r"-?\d+", item.strip()):
        return int(item)
    return None
