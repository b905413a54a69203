"""Bind evidence to the artifact it judged: the SHA-256 of ``cdk.tf.json`` and the git commit.

Every engine (the Aspects at synthesis, the Checkov gate, the pytest session) writes an
``ArtifactBinding`` next to its results; the report computes the binding of the stack it
reports and refuses any input whose hash or commit differs, so a ``cdk.tf.json`` edited after
the gate ran (or results from another stack or commit) can never be reported as evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.git import git_commit, git_worktree
from core.stackfile import STACK_FILE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# JUnit <testsuite> property names (pytest's record_testsuite_property) carrying a binding.
PROPERTY_PREFIX = "sfx.artifact."
# The report's --run-tests names the reported stack folder in this variable; tests/conftest.py
# then judges that folder instead of synthesizing its own.
SYNTH_DIR_ENV = "SFX_SYNTH_DIR"
_FIELDS = ("stack", "sha256", "commit", "worktree", "ran_at")


class BindingError(ValueError):
    """An input is not bound to the reported artifact (message names the file and both values)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class ArtifactBinding:
    """Which ``cdk.tf.json`` (by hash) of which commit an engine judged, and when it ran."""

    stack: str  # the stack folder name, e.g. streamflix-dev
    sha256: str
    commit: str
    worktree: str  # clean | modified | unknown
    ran_at: dt.datetime

    def to_json(self) -> dict[str, str]:
        return {
            "stack": self.stack,
            "sha256": self.sha256,
            "commit": self.commit,
            "worktree": self.worktree,
            "ran_at": self.ran_at.isoformat(),
        }

    def properties(self) -> dict[str, str]:
        """The binding as flat JUnit testsuite properties."""
        return {f"{PROPERTY_PREFIX}{k}": v for k, v in self.to_json().items()}


def bind(
    synth_dir: Path, root: Path = PROJECT_ROOT, ran_at: dt.datetime | None = None
) -> ArtifactBinding:
    """The binding of the stack in ``synth_dir`` at the commit checked out in ``root``."""
    return ArtifactBinding(
        stack=synth_dir.name,
        sha256=sha256_file(synth_dir / STACK_FILE),
        commit=git_commit(root),
        worktree=git_worktree(root),
        ran_at=ran_at or utc_now(),
    )


def parse_binding(data: Any, source: str) -> ArtifactBinding:
    """Read a binding written by ``to_json`` (raises BindingError naming the field)."""
    if not isinstance(data, Mapping):
        raise BindingError(f"{source}.artifact: must be an object")
    for key in _FIELDS:
        if not isinstance(data.get(key), str) or not data[key]:
            raise BindingError(f"{source}.artifact.{key}: must be a non-empty string")
    try:
        ran_at = dt.datetime.fromisoformat(data["ran_at"])
    except ValueError:
        raise BindingError(
            f"{source}.artifact.ran_at: {data['ran_at']!r} is not an ISO 8601 time"
        ) from None
    return ArtifactBinding(data["stack"], data["sha256"], data["commit"], data["worktree"], ran_at)


def from_properties(properties: Mapping[str, str], source: str) -> ArtifactBinding | None:
    """The binding in JUnit testsuite properties, or None if the file carries none."""
    values = {
        k.removeprefix(PROPERTY_PREFIX): v
        for k, v in properties.items()
        if k.startswith(PROPERTY_PREFIX)
    }
    return parse_binding(values, source) if values else None


def verify(binding: ArtifactBinding | None, reported: ArtifactBinding, source: str) -> None:
    """Refuse evidence that judged another artifact than the reported stack."""
    if binding is None:
        raise BindingError(
            f"{source}: carries no artifact binding (SHA-256 of {STACK_FILE} and commit), so it "
            f"cannot be tied to {reported.stack}/{STACK_FILE} (sha256 {reported.sha256})"
        )
    if binding.sha256 != reported.sha256:
        raise BindingError(
            f"{source}: judged {binding.stack}/{STACK_FILE} with sha256 {binding.sha256}, but "
            f"the reported {reported.stack}/{STACK_FILE} has sha256 {reported.sha256}"
        )
    if binding.commit != reported.commit:
        raise BindingError(
            f"{source}: was produced at commit {binding.commit}, but the report is of commit "
            f"{reported.commit} ({reported.stack}/{STACK_FILE} sha256 {reported.sha256})"
        )
