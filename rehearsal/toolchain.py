"""Terraform and the AWS provider as a mirror-only (offline) host has them.

The rehearsal runs the real Terraform CLI with the real hashicorp/aws provider binary from a local
filesystem mirror (``registry.terraform.io/hashicorp/aws/<version>/<os_arch>/``); there is no
registry access. Our bindings pin the provider version the synthesized JSON requires (6.25.0).
Where the mirror holds that version, it is used as is; otherwise the newest mirrored version is
used through an override file beside ``cdk.tf.json`` and the rehearsal says so in its summary.
Anything missing stops the rehearsal at once, naming what is missing and the variable to set.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.stackfile import read_stack_document

TERRAFORM_ENV = "REHEARSAL_TERRAFORM"
MIRROR_ENV = "REHEARSAL_PROVIDER_MIRROR"
# Where Terraform's own documentation says implied local mirrors live (CLI config, "Implied Local
# Mirror Directories"), plus the mirror this project's machines carry.
DEFAULT_MIRRORS = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
OVERRIDE_FILE = "provider_version_override.tf.json"
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class ToolchainMissingError(RuntimeError):
    """Terraform or the provider mirror is not there: the message names what and the variable."""


@dataclass(frozen=True)
class Toolchain:
    terraform: Path
    terraform_version: str
    mirror: Path
    pinned_provider: str
    provider_version: str

    @property
    def overridden(self) -> bool:
        """True when the rehearsal runs another provider version than the one the stack pins."""
        return self.provider_version != self.pinned_provider

    def cli_config(self) -> str:
        """A Terraform CLI configuration that installs providers from the mirror only."""
        return (
            "provider_installation {\n"
            "  filesystem_mirror {\n"
            f'    path    = "{self.mirror}"\n'
            '    include = ["registry.terraform.io/*/*"]\n'
            "  }\n"
            "  direct {\n"
            '    exclude = ["registry.terraform.io/*/*"]\n'
            "  }\n"
            "}\n"
        )

    def override(self) -> dict[str, object] | None:
        """The ``*_override.tf.json`` content pinning the mirrored provider, or None if not needed."""
        if not self.overridden:
            return None
        return {
            "terraform": {
                "required_providers": {
                    "aws": {"source": "hashicorp/aws", "version": self.provider_version}
                }
            }
        }

    def to_json(self) -> dict[str, object]:
        return {
            "terraform": str(self.terraform),
            "terraform_version": self.terraform_version,
            "provider_mirror": str(self.mirror),
            "provider_pinned_by_stack": self.pinned_provider,
            "provider_rehearsed": self.provider_version,
            "provider_override": self.overridden,
        }


def os_arch() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
    return f"{platform.system().lower()}_{arch.get(machine, machine)}"


def pinned_provider_version(stack_file: Path) -> str:
    data = read_stack_document(stack_file)
    version = str(data["terraform"]["required_providers"]["aws"]["version"])
    return version.lstrip("=").strip()


def mirrored_versions(mirror: Path) -> list[str]:
    """Provider versions in the mirror that have a binary for this platform, oldest first."""
    base = mirror / PROVIDER_SOURCE
    if not base.is_dir():
        return []
    found = [
        d.name
        for d in base.iterdir()
        if _VERSION.match(d.name) and any((d / os_arch()).glob("terraform-provider-aws*"))
    ]
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


def _find_mirror(environ: Mapping[str, str]) -> Path:
    given = environ.get(MIRROR_ENV)
    candidates = [given] if given else list(DEFAULT_MIRRORS)
    for candidate in candidates:
        path = Path(candidate).expanduser()
        if mirrored_versions(path):
            return path
    where = f"{MIRROR_ENV}={given}" if given else "none of " + ", ".join(DEFAULT_MIRRORS)
    raise ToolchainMissingError(
        f"no hashicorp/aws provider for {os_arch()} in a filesystem mirror ({where} holds "
        f"{PROVIDER_SOURCE}/<version>/{os_arch()}/terraform-provider-aws_*): set {MIRROR_ENV} "
        "to the mirror folder"
    )


def _find_terraform(environ: Mapping[str, str]) -> tuple[Path, str]:
    given = environ.get(TERRAFORM_ENV)
    if given:
        found = given if Path(given).is_file() else None
    else:
        found = shutil.which("terraform", path=environ.get("PATH", os.defpath))
    if not found:
        raise ToolchainMissingError(
            f"terraform not found ({TERRAFORM_ENV}={given!r})"
            if given
            else f"terraform not found on PATH: install Terraform >= 1.6 or set {TERRAFORM_ENV} "
            "to its binary"
        )
    out = subprocess.run(
        [found, "version", "-json"], capture_output=True, text=True, check=False, timeout=60
    )
    if out.returncode != 0:
        raise ToolchainMissingError(f"{found} version failed: {out.stderr.strip()[:300]}")
    return Path(found), str(json.loads(out.stdout)["terraform_version"])


def require_toolchain(environ: Mapping[str, str] | None = None) -> None:
    """Fail at once, before any work, when Terraform or the provider mirror is missing."""
    env = os.environ if environ is None else environ
    _find_terraform(env)
    _find_mirror(env)


def locate(stack_file: Path, environ: Mapping[str, str] | None = None) -> Toolchain:
    """Terraform, the mirror and the provider version to rehearse ``stack_file`` with."""
    env = os.environ if environ is None else environ
    terraform, version = _find_terraform(env)
    mirror = _find_mirror(env)
    pinned = pinned_provider_version(stack_file)
    available = mirrored_versions(mirror)
    chosen = pinned if pinned in available else available[-1]
    return Toolchain(terraform, version, mirror, pinned, chosen)
