"""The seven packs share one read of the stack per synthesis pass (profiling: each read is ~1,200
jsii round trips), and a construct added between two synths is still seen by every pack."""

from __future__ import annotations

from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack

from lib.aspects import FAMILIES, Status, apply_compliance_aspects
from lib.aspects import pack as pack_module
from tests.lib.aspects.kit import CONFIG, NO_EXCEPTIONS, Kit


def test_packs_read_subjects_once_and_json_only_after_fixes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kit = Kit()
    kit.log_group(retention_in_days=None)  # the LOG pack fixes it: JSON is read again after
    reads: list[str] = []
    real_subject_nodes = pack_module.subject_nodes

    def counting_subject_nodes(stack: TerraformStack) -> Any:
        reads.append("subjects")
        return real_subject_nodes(stack)

    real_to_terraform = kit.stack.to_terraform

    def counting_to_terraform() -> Any:
        reads.append("json")
        return real_to_terraform()

    monkeypatch.setattr(pack_module, "subject_nodes", counting_subject_nodes)
    monkeypatch.setattr(kit.stack, "to_terraform", counting_to_terraform)
    run = apply_compliance_aspects(kit.stack, CONFIG, NO_EXCEPTIONS)
    cdktf.Testing.synth(kit.stack)

    assert len(FAMILIES) == 7
    assert reads.count("subjects") == 1
    # one read for the pass, one after each family whose fixes changed the stack
    fixed_families = {r.rule.split("-")[1] for r in run.records if r.status is Status.FIXED}
    assert "LOG" in fixed_families
    assert reads.count("json") == 1 + len(fixed_families)


def test_a_construct_added_between_synths_is_evaluated_by_every_pack() -> None:
    kit = Kit()
    run = apply_compliance_aspects(kit.stack, CONFIG, NO_EXCEPTIONS)
    cdktf.Testing.synth(kit.stack)
    assert not run.violations
    kit.log_group("late", retention_in_days=7)
    cdktf.Testing.synth(kit.stack)
    late = {r.rule for r in run.violations if r.resource == "aws_cloudwatch_log_group.late"}
    assert "SFX-LOG-01" in late
    assert {r.rule.split("-")[1] for r in run.records if "late" in r.resource} >= {"TAG", "ENC"}
