"""Provenance: the commit and the working tree state, or "unknown" outside a git checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from compliance.runinfo import tool_versions
from core.git import git_commit, git_worktree


def test_outside_a_git_checkout_commit_and_tree_are_unknown(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == "unknown"
    assert git_worktree(tmp_path) == "unknown"


def test_a_modified_tree_is_reported(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    assert len(git_commit(tmp_path)) == 40
    assert git_worktree(tmp_path) == "clean"
    (tmp_path / "a.txt").write_text("2")
    assert git_worktree(tmp_path) == "modified"


def test_tool_versions_name_every_tool() -> None:
    names = [name for name, _ in tool_versions()]
    assert names == ["cdktf", "cdktf-cdktf-provider-aws", "checkov", "compliance-trestle", "python"]
    assert all(version != "not installed" for _, version in tool_versions())
