"""Regenerate ``policies/taggable.py`` from the installed AWS provider bindings.

The taggable resource types are those whose binding exposes ``tags_all`` (the provider merges
``default_tags`` into it). Run after upgrading cdktf-cdktf-provider-aws:
``.venv/bin/python -m policies.gen_taggable``. Reads the package's source files only (no import,
so no 10 s jsii start).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

HEADER = re.compile(r"^# `(aws_[a-z0-9_]+)`", re.MULTILINE)
TARGET = Path(__file__).with_name("taggable.py")


def taggable_types(package_dir: Path) -> tuple[str, list[str]]:
    version = next(package_dir.joinpath("_jsii").glob("provider-aws@*.jsii.tgz")).name
    found = []
    for init in sorted(package_dir.glob("*/__init__.py")):
        if init.parent.name.startswith("data_"):
            continue
        text = init.read_text(encoding="utf-8")
        match = HEADER.search(text)
        if match and "def tags_all(self)" in text:
            found.append(match.group(1))
    return version.removesuffix(".jsii.tgz"), sorted(set(found))


def main() -> None:
    spec = importlib.util.find_spec("cdktf_cdktf_provider_aws")
    assert spec and spec.origin, "cdktf_cdktf_provider_aws is not installed"
    version, types = taggable_types(Path(spec.origin).parent)
    body = "\n".join(f'    "{t}",' for t in types)
    TARGET.write_text(
        f'"""AWS resource types that take tags (generated from {version}; do not edit).\n\n'
        f'Regenerate with ``python -m policies.gen_taggable``.\n"""\n\n'
        f"TAGGABLE_TYPES: frozenset[str] = frozenset((\n{body}\n))\n",
        encoding="utf-8",
    )
    print(f"{len(types)} taggable resource types written to {TARGET}")


if __name__ == "__main__":
    main()
