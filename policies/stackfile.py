"""Whole-file context for checks that need more than one resource.

Checkov hands a resource check only that resource's configuration: the provider block
(``default_tags``, ``region``) and the other resources (who alarms on a queue, which parameter
group a cluster uses) are out of its sight. Checks that need them read the scanned
``cdk.tf.json`` themselves through ``stack_for``: checkov names the scanned file relative to the
``-d`` root, which the gate passes in ``SFX_SCAN_ROOT`` (default: the working directory).
The file is read by ``core.stackfile`` and references are parsed by ``core.references``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.references import refs_in
from core.stackfile import StackFileError, read_stack_document

SCAN_ROOT_ENV_VAR = "SFX_SCAN_ROOT"


@dataclass(frozen=True)
class StackFile:
    """A parsed Terraform JSON file: its providers and resources, plain (not checkov-wrapped)."""

    path: Path
    data: dict[str, Any]

    def providers(self, name: str = "aws") -> list[dict[str, Any]]:
        raw = self.data.get("provider", {}).get(name, [])
        return [p for p in (raw if isinstance(raw, list) else [raw]) if isinstance(p, dict)]

    def provider_for(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The aws provider configuration a resource uses (its ``provider`` alias or the default)."""
        wanted = body.get("provider")
        alias = wanted.split(".", 1)[1] if isinstance(wanted, str) and "." in wanted else None
        return next((p for p in self.providers() if p.get("alias") == alias), None)

    def default_tags(self, body: dict[str, Any]) -> dict[str, Any]:
        provider = self.provider_for(body) or {}
        merged: dict[str, Any] = {}
        for entry in _as_list(provider.get("default_tags")):
            if isinstance(entry, dict) and isinstance(entry.get("tags"), dict):
                merged.update(entry["tags"])
        return merged

    @property
    def resources(self) -> dict[str, dict[str, dict[str, Any]]]:
        raw = self.data.get("resource", {})
        return raw if isinstance(raw, dict) else {}

    def resource(self, rtype: str, name: str) -> dict[str, Any] | None:
        return self.resources.get(rtype, {}).get(name)

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(rtype, {})

    def referrers(self, rtype: str, name: str, of_type: str | None = None) -> list[dict[str, Any]]:
        """Resources (optionally of one type) whose configuration references ``rtype.name``."""
        address = f"{rtype}.{name}"
        out: list[dict[str, Any]] = []
        for other_type, items in self.resources.items():
            if of_type and other_type != of_type:
                continue
            out.extend(body for body in items.values() if _references(body, address))
        return out


def _references(body: dict[str, Any], address: str) -> bool:
    """True when ``body`` references an attribute of the managed resource at ``address``."""
    return any(
        ref.is_resource and ref.address == address and ref.attribute is not None
        for ref in refs_in(body)
    )


def _as_list(item: Any) -> list[Any]:
    return item if isinstance(item, list) else [item]


def scan_root() -> Path:
    return Path(os.environ.get(SCAN_ROOT_ENV_VAR) or Path.cwd())


@lru_cache(maxsize=64)
def _load(path: Path, mtime_ns: int) -> StackFile | None:
    try:
        return StackFile(path, read_stack_document(path))
    except StackFileError:
        return None


def stack_for(scanned_file: str) -> StackFile | None:
    """The file checkov is scanning (``/relative/path`` from the scan root), or None if unreadable."""
    path = (scan_root() / scanned_file.lstrip("/")).resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    return _load(path, mtime)
