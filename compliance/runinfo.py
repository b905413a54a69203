"""Provenance every report carries: commit, time, tool versions, environment suffix and region."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from compliance.stack import SynthesizedStack

# Distribution name -> label shown in the report.
TOOL_DISTRIBUTIONS: dict[str, str] = {
    "cdktf": "cdktf",
    "cdktf-cdktf-provider-aws": "cdktf-cdktf-provider-aws",
    "checkov": "checkov",
    "compliance-trestle": "compliance-trestle",
}


@dataclass(frozen=True)
class RunInfo:
    commit: str
    worktree: str  # "clean", "modified" (uncommitted changes went into this report), "unknown"
    generated_at: dt.datetime
    tools: tuple[tuple[str, str], ...]
    environment_suffix: str
    region: str
    stack_name: str
    terraform_provider: str

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "worktree": self.worktree,
            "generated_at": self.generated_at.isoformat(),
            "tools": dict(self.tools),
            "environment_suffix": self.environment_suffix,
            "region": self.region,
            "stack_name": self.stack_name,
            "terraform_provider": self.terraform_provider,
        }


def git_commit(root: Path) -> str:
    """``git rev-parse HEAD``, or "unknown" outside a git checkout (or without git)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else "unknown"


def git_worktree(root: Path) -> str:
    """Whether the checkout differs from its commit (then the report is not of that commit)."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=normal"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if done.returncode != 0:
        return "unknown"
    return "modified" if done.stdout.strip() else "clean"


def tool_versions() -> tuple[tuple[str, str], ...]:
    out = []
    for dist, label in TOOL_DISTRIBUTIONS.items():
        try:
            out.append((label, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            out.append((label, "not installed"))
    out.append(("python", platform.python_version()))
    return tuple(out)


def provider_constraint(stack: SynthesizedStack) -> str:
    required = stack.data.get("terraform", {}).get("required_providers", {}).get("aws", {})
    return f"hashicorp/aws {required.get('version', 'unknown')}"


def collect(
    stack: SynthesizedStack, stack_name: str, root: Path, now: dt.datetime | None = None
) -> RunInfo:
    return RunInfo(
        commit=git_commit(root),
        worktree=git_worktree(root),
        generated_at=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        tools=tool_versions(),
        environment_suffix=stack.environment_suffix,
        region=stack.region,
        stack_name=stack_name,
        terraform_provider=provider_constraint(stack),
    )
