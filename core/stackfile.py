"""The one reader of a synthesized ``cdk.tf.json``, and read-only access to it by Terraform address
(``<type>.<id>``).

Every consumer (the gate's whole-file context, the report, the collector's design, the tests)
parses the file through ``read_stack_document``, so "not found" and "not valid JSON" read the
same everywhere and nobody re-implements the file's layout.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STACK_FILE = "cdk.tf.json"


class StackFileError(ValueError):
    """The synth dir holds no readable cdk.tf.json."""


def read_stack_document(path: Path) -> dict[str, Any]:
    """The parsed JSON object at ``path`` (a ``cdk.tf.json``, or a synth dir holding one).

    Raises ``StackFileError`` naming ``<folder>/<file>`` when it is missing, unreadable, not
    JSON or not an object.
    """
    if path.is_dir():
        path = path / STACK_FILE
    where = f"{path.parent.name}/{path.name}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackFileError(f"{where}: not found; synthesize first") from None
    except OSError as err:
        raise StackFileError(f"{where}: cannot be read: {err.strerror or err}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise StackFileError(f"{where}: not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise StackFileError(f"{where}: must hold a JSON object, not {type(data).__name__}")
    return data


@dataclass(frozen=True)
class Resource:
    rtype: str
    name: str
    body: dict[str, Any]

    @property
    def address(self) -> str:
        return f"{self.rtype}.{self.name}"

    @property
    def construct_path(self) -> str:
        """The construct path below the stack (``ingestion/uploads_bucket``), for people."""
        path = str(self.body.get("//", {}).get("metadata", {}).get("path", ""))
        return path.split("/", 1)[1] if "/" in path else path


@dataclass(frozen=True)
class SynthesizedStack:
    data: dict[str, Any]

    @classmethod
    def load(cls, synth_dir: Path) -> SynthesizedStack:
        return cls(read_stack_document(synth_dir / STACK_FILE))

    def resources(self) -> Iterator[Resource]:
        for rtype, items in sorted(self.data.get("resource", {}).items()):
            for name, body in sorted(items.items()):
                yield Resource(rtype, name, body)

    def of_type(self, rtype: str) -> list[Resource]:
        return [r for r in self.resources() if r.rtype == rtype]

    def matching(self, glob: str) -> list[Resource]:
        return [r for r in self.resources() if fnmatch.fnmatchcase(r.address, glob)]

    @property
    def provider(self) -> dict[str, Any]:
        providers = self.data.get("provider", {}).get("aws", [])
        return providers[0] if providers else {}

    @property
    def region(self) -> str:
        return str(self.provider.get("region", "unknown"))

    @property
    def default_tags(self) -> dict[str, str]:
        blocks = self.provider.get("default_tags", [])
        return dict(blocks[0].get("tags", {})) if blocks else {}

    @property
    def environment_suffix(self) -> str:
        return self.default_tags.get("Environment", "unknown")
