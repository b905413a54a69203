"""Run Terraform in a synthesized stack folder against the emulator, the way ``cdktf`` would.

Every call's output goes to a log file named after the step; a failing call raises with the last
lines of it, so the rehearsal's error says what Terraform said.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.emulator import Emulator
from rehearsal.toolchain import OVERRIDE_FILE, Toolchain

# The emulator answers an operation it lacks with HTTP 500, which the provider retries 25 times by
# default (minutes per call). Three retries keep a real transient error survivable and an
# emulator gap visible at once. The name and file are ours; only the rehearsal writes them.
EMULATOR_OVERRIDE_FILE = "emulator_provider_override.tf.json"
EMULATOR_MAX_RETRIES = 3


class TerraformError(RuntimeError):
    """A Terraform command exited non-zero; the message ends with its last output lines."""


@dataclass(frozen=True)
class TerraformRunner:
    toolchain: Toolchain
    emulator: Emulator
    region: str
    logs: Path

    def environment(self) -> dict[str, str]:
        cli_config = self.logs / "terraform.rc"
        if not cli_config.is_file():  # written once: plans may run in parallel threads
            cli_config.write_text(self.toolchain.cli_config(), encoding="utf-8")
        return {
            **self.emulator.client_environment(os.environ, self.region),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }

    def prepare(self, stack_dir: Path) -> None:
        """Write the override files a synth wiped: the mirrored provider version (when the pinned
        one is not mirrored) and the emulator's provider settings."""
        override = self.toolchain.override()
        if override is not None:
            (stack_dir / OVERRIDE_FILE).write_text(json.dumps(override, indent=2), "utf-8")
        emulator = {
            "provider": {
                "aws": [
                    {
                        "skip_credentials_validation": True,
                        "skip_metadata_api_check": True,
                        "s3_use_path_style": True,
                        "max_retries": EMULATOR_MAX_RETRIES,
                    }
                ]
            }
        }
        (stack_dir / EMULATOR_OVERRIDE_FILE).write_text(json.dumps(emulator, indent=2), "utf-8")

    def run(self, stack_dir: Path, step: str, *args: str) -> str:
        log = self.logs / f"{step}.log"
        with log.open("w", encoding="utf-8") as sink:
            done = subprocess.run(
                [str(self.toolchain.terraform), *args, "-no-color"],
                cwd=stack_dir,
                env=self.environment(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=1800,
            )
        text = log.read_text(encoding="utf-8")
        if done.returncode != 0:
            tail = "\n".join(text.strip().splitlines()[-25:])
            raise TerraformError(f"terraform {args[0]} ({step}) failed, see {log}:\n{tail}")
        return text

    def init(self, stack_dir: Path, step: str) -> None:
        self.prepare(stack_dir)
        self.run(stack_dir, step, "init", "-input=false")

    def plan(self, stack_dir: Path, step: str, *extra: str) -> dict[str, Any]:
        """Plan into ``<step>.tfplan`` and return ``terraform show -json`` of it."""
        plan_file = self.logs / f"{step}.tfplan"
        self.run(stack_dir, step, "plan", "-input=false", f"-out={plan_file}", *extra)
        shown = subprocess.run(
            [str(self.toolchain.terraform), "show", "-json", str(plan_file)],
            cwd=stack_dir,
            env=self.environment(),
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        (self.logs / f"{step}.plan.json").write_text(shown.stdout, encoding="utf-8")
        data: dict[str, Any] = json.loads(shown.stdout)
        return data

    def apply(self, stack_dir: Path, step: str, plan: str | None = None) -> str:
        args = [plan] if plan else ["-auto-approve"]
        return self.run(stack_dir, step, "apply", "-input=false", *args)

    def destroy(self, stack_dir: Path, step: str) -> str:
        return self.run(stack_dir, step, "destroy", "-input=false", "-auto-approve")

    def state_addresses(self, stack_dir: Path) -> list[str]:
        return self.run(stack_dir, "state-list", "state", "list").split()
