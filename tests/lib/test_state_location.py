"""Issue 20 item 1: the local Terraform state survives every synth.

The backend path was relative (``terraform.<stack>.tfstate``), so Terraform kept the state inside
``cdktf.out/stacks/<stack>/``, which every synth wipes: the next deploy created everything again
and ``destroy`` destroyed nothing. The rehearsal's redeploy phase proves the same end to end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.stackfile import read_stack_document
from lib.state import (
    StateRescueError,
    local_state_file,
    local_state_file_name,
    local_state_path,
    rescue_state,
)
from tests.conftest import TEST_SUFFIX, StackView

STATE = '{"version": 4, "serial": 7, "lineage": "kept"}\n'


def test_the_backend_keeps_the_state_outside_the_wiped_stack_folder(stack: StackView) -> None:
    path = stack.data["terraform"]["backend"]["local"]["path"]
    assert path == local_state_path(f"streamflix-{TEST_SUFFIX}")
    stack_dir = Path("/project/cdktf.out/stacks") / f"streamflix-{TEST_SUFFIX}"
    resolved = (stack_dir / path).resolve()
    # Beside the output folder (the project root by default), where cdktf's default puts it.
    assert resolved == Path("/project") / local_state_file_name(f"streamflix-{TEST_SUFFIX}")
    assert not resolved.is_relative_to(Path("/project/cdktf.out"))


@pytest.mark.synth
def test_synthesizing_again_leaves_the_deployed_state_intact(tmp_path: Path) -> None:
    from lib.app import synthesize
    from lib.config import load_config

    config = load_config({"ENVIRONMENT_SUFFIX": "st8"})
    outdir = tmp_path / "cdktf.out"
    stack_dir = outdir / "stacks" / config.stack_name
    # A first deploy left its state where the backend says, and the stack folder behind it.
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text("{}", encoding="utf-8")
    state = local_state_file(stack_dir)
    state.write_text(STATE, encoding="utf-8")

    written = synthesize(config, outdir)

    assert state.read_text(encoding="utf-8") == STATE
    backend = read_stack_document(written)["terraform"]["backend"]
    assert (written / backend["local"]["path"]).resolve() == state.resolve()


def test_a_state_left_in_the_stack_folder_is_moved_not_wiped(tmp_path: Path) -> None:
    stack_dir = tmp_path / "cdktf.out" / "stacks" / "streamflix-dev"
    stack_dir.mkdir(parents=True)
    legacy = stack_dir / local_state_file_name("streamflix-dev")
    legacy.write_text(STATE, encoding="utf-8")
    (stack_dir / (legacy.name + ".backup")).write_text("older\n", encoding="utf-8")

    moved = rescue_state(stack_dir)

    assert sorted(p.name for p in moved) == [legacy.name, legacy.name + ".backup"]
    assert local_state_file(stack_dir).read_text(encoding="utf-8") == STATE
    assert not legacy.exists()


def test_two_states_are_never_merged_or_dropped(tmp_path: Path) -> None:
    stack_dir = tmp_path / "cdktf.out" / "stacks" / "streamflix-dev"
    stack_dir.mkdir(parents=True)
    legacy = stack_dir / local_state_file_name("streamflix-dev")
    legacy.write_text("legacy\n", encoding="utf-8")
    local_state_file(stack_dir).write_text(STATE, encoding="utf-8")

    with pytest.raises(StateRescueError, match="exists already"):
        rescue_state(stack_dir)
    assert legacy.read_text(encoding="utf-8") == "legacy\n"
    assert local_state_file(stack_dir).read_text(encoding="utf-8") == STATE
