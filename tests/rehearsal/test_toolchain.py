"""Issue 20: the rehearsal finds Terraform and the mirrored provider, or stops at once naming what
is missing and the variable that points to it; it says which provider version it rehearsed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal.toolchain import (
    MIRROR_ENV,
    TERRAFORM_ENV,
    ToolchainMissingError,
    locate,
    mirrored_versions,
    os_arch,
    require_toolchain,
)
from tests.conftest import PROJECT_ROOT


def _mirror(root: Path, *versions: str) -> Path:
    for version in versions:
        folder = root / "registry.terraform.io/hashicorp/aws" / version / os_arch()
        folder.mkdir(parents=True)
        (folder / f"terraform-provider-aws_v{version}_x5").write_text("", encoding="utf-8")
    return root


def _stack(tmp_path: Path, pinned: str) -> Path:
    stack = tmp_path / "cdk.tf.json"
    stack.write_text(
        json.dumps({"terraform": {"required_providers": {"aws": {"version": pinned}}}}), "utf-8"
    )
    return stack


def test_a_missing_mirror_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ToolchainMissingError, match=MIRROR_ENV):
        require_toolchain({MIRROR_ENV: str(tmp_path / "nowhere"), "PATH": "/usr/local/bin"})


def test_a_missing_terraform_names_the_variable(tmp_path: Path) -> None:
    env = {TERRAFORM_ENV: str(tmp_path / "terraform"), MIRROR_ENV: str(_mirror(tmp_path, "5.1.0"))}
    with pytest.raises(ToolchainMissingError, match=TERRAFORM_ENV):
        require_toolchain(env)
    with pytest.raises(ToolchainMissingError, match=f"not found on PATH.*{TERRAFORM_ENV}"):
        require_toolchain({"PATH": str(tmp_path), MIRROR_ENV: env[MIRROR_ENV]})


def test_the_pinned_version_is_used_without_an_override_when_mirrored(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "m", "5.100.0", "6.25.0")
    chain = locate(_stack(tmp_path, "6.25.0"), {MIRROR_ENV: str(mirror), "PATH": "/usr/local/bin"})
    assert chain.provider_version == "6.25.0" and not chain.overridden
    assert chain.override() is None
    assert mirrored_versions(mirror) == ["5.100.0", "6.25.0"]


def test_another_version_is_used_through_an_override_and_said(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "m", "5.9.0", "5.100.0")
    chain = locate(_stack(tmp_path, "6.25.0"), {MIRROR_ENV: str(mirror), "PATH": "/usr/local/bin"})
    assert chain.provider_version == "5.100.0" and chain.overridden
    override = chain.override()
    assert override == {
        "terraform": {
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}
        }
    }
    assert chain.to_json()["provider_rehearsed"] == "5.100.0"
    assert f'path    = "{mirror}"' in chain.cli_config()


def test_the_command_exits_2_at_once_without_a_mirror(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rehearsal", "--out", str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", MIRROR_ENV: str(tmp_path / "none")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert MIRROR_ENV in done.stderr
    assert not (tmp_path / "out").exists()  # nothing was started or written
