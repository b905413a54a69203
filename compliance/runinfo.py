"""Provenance every report carries: commit, time, tool versions, environment suffix and region."""

from __future__ import annotations

import datetime as dt
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from core.git import git_commit, git_worktree
from core.stackfile import SynthesizedStack

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
