"""Which commit a piece of evidence was produced at, and whether the checkout differed from it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(root: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str] | None:
    """``git <args>`` in ``root``; None when git is missing or does not answer in time."""
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit(root: Path) -> str:
    """``git rev-parse HEAD``, or "unknown" outside a git checkout (or without git)."""
    done = _git(root, "rev-parse", "HEAD", timeout=10)
    commit = done.stdout.strip() if done else ""
    return commit if done and done.returncode == 0 and len(commit) == 40 else "unknown"


def git_worktree(root: Path) -> str:
    """Whether the checkout differs from its commit (then the report is not of that commit)."""
    done = _git(root, "status", "--porcelain", "--untracked-files=normal", timeout=30)
    if done is None or done.returncode != 0:
        return "unknown"
    return "modified" if done.stdout.strip() else "clean"
