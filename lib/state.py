"""Where the local Terraform state lives, and keeping it when a synth wipes the stack folder.

Terraform runs in ``<outdir>/stacks/<stack>/``, which every synth (``main.py``, ``cdktf
synth/diff/deploy/destroy``) deletes and writes anew. A relative ``terraform.<stack>.tfstate`` put
the state inside that folder, so the next synth lost it: the following deploy tried to create
everything again and ``destroy`` found nothing to destroy (issue 20). The state now lives three
levels up, beside the output folder (the project root by default, where cdktf's own default,
``process.cwd()``, puts it too). Written relative to the stack folder, the synthesized JSON is the
same on every machine. No cdktf import: the rehearsal and the tests use this without a synth.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# From `<outdir>/stacks/<stack>/` up to the folder that holds `<outdir>`.
STATE_DIR_FROM_STACK_DIR = "../../.."


class StateRescueError(RuntimeError):
    """A state file in the stack folder could not be moved to its place: nothing was deleted."""


def local_state_file_name(stack_name: str) -> str:
    return f"terraform.{stack_name}.tfstate"


def local_state_path(stack_name: str) -> str:
    """The local backend's ``path``, relative to the stack folder Terraform runs in."""
    return f"{STATE_DIR_FROM_STACK_DIR}/{local_state_file_name(stack_name)}"


def local_state_file(stack_dir: Path) -> Path:
    """The state file of the stack synthesized into ``stack_dir`` (which need not exist)."""
    return (stack_dir / local_state_path(stack_dir.name)).resolve()


def rescue_state(stack_dir: Path) -> list[Path]:
    """Move state files a synth would delete out of ``stack_dir``, to where the backend reads.

    A stack folder written before this fix (or by hand) can hold ``terraform.<stack>.tfstate`` and
    its ``.backup``: the live record of a deployed environment. They are moved to the state's
    place before the folder is wiped; if a file is already there, nothing is moved or deleted and
    ``StateRescueError`` names both files, so the operator decides which one is current.
    """
    if not stack_dir.is_dir():
        return []
    target_dir = local_state_file(stack_dir).parent
    moved: list[Path] = []
    for found in sorted(stack_dir.glob(f"{local_state_file_name(stack_dir.name)}*")):
        destination = target_dir / found.name
        if destination.exists():
            raise StateRescueError(
                f"{found} would be deleted by this synth, and {destination} exists already: "
                "keep the current one at the second path and remove the other, then synthesize "
                "again (nothing was changed)"
            )
        moved.append(destination)
    for found, destination in zip(
        sorted(stack_dir.glob(f"{local_state_file_name(stack_dir.name)}*")), moved, strict=True
    ):
        shutil.move(str(found), destination)
    return moved
