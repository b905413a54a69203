"""AWS resource types that take tags, read once from ``taggable.json`` beside this module.

The list is generated data (``python -m policies.gen_taggable`` writes it from the installed
provider bindings), so it is kept as data, not as an 800-line Python literal.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

DATA_FILE = Path(__file__).with_name("taggable.json")
_TYPE_NAME = re.compile(r"aws_[a-z0-9_]+")


class TaggableDataError(ValueError):
    """The generated file is missing or malformed: regenerate it."""


def read_taggable(path: Path) -> frozenset[str]:
    """The ``types`` of a generated file, checked: a list of ``aws_*`` resource type names."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise TaggableDataError(
            f"{path.name}: cannot read ({err}); run python -m policies.gen_taggable"
        ) from None
    types = data.get("types") if isinstance(data, dict) else None
    if not isinstance(types, list) or not types:
        raise TaggableDataError(f"{path.name}: 'types' must be a non-empty list of resource types")
    bad = [t for t in types if not isinstance(t, str) or not _TYPE_NAME.fullmatch(t)]
    if bad:
        raise TaggableDataError(
            f"{path.name}: 'types' entries must match aws_[a-z0-9_]+, got {bad[:3]}"
        )
    return frozenset(types)


@functools.cache
def load_taggable_types() -> frozenset[str]:
    """The shipped list, parsed once per process."""
    return read_taggable(DATA_FILE)


# Declared for type checkers; read through __getattr__, so the file is parsed on first use (the
# generator imports this module before the file exists).
TAGGABLE_TYPES: frozenset[str]


def __getattr__(name: str) -> frozenset[str]:
    if name == "TAGGABLE_TYPES":
        return load_taggable_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
