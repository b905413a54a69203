"""Regenerate ``policies/taggable.json`` from the installed AWS provider bindings.

The taggable resource types are those whose binding exposes ``tags_all`` (the provider merges
``default_tags`` into it). Run after upgrading cdktf-cdktf-provider-aws:
``.venv/bin/python -m policies.gen_taggable``. Reads the package's source files only (no import,
so no 10 s jsii start). ``policies/taggable.py`` reads the JSON.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from policies.taggable import DATA_FILE

HEADER = re.compile(r"^# `(aws_[a-z0-9_]+)`", re.MULTILINE)


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


def render(version: str, types: list[str]) -> str:
    """The file's exact text: one type per line, so a regeneration diffs cleanly."""
    data = {
        "generated_from": version,
        "generator": "python -m policies.gen_taggable (do not edit)",
        "types": types,
    }
    return json.dumps(data, indent=1) + "\n"


def installed_provider_dir() -> Path:
    spec = importlib.util.find_spec("cdktf_cdktf_provider_aws")
    assert spec and spec.origin, "cdktf_cdktf_provider_aws is not installed"
    return Path(spec.origin).parent


def main() -> None:
    version, types = taggable_types(installed_provider_dir())
    DATA_FILE.write_text(render(version, types), encoding="utf-8")
    print(f"{len(types)} taggable resource types written to {DATA_FILE}")


if __name__ == "__main__":
    main()
