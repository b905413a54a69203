"""Mutation test: the real stack passes the gate; each one-violation mutant fails it, naming the
right check on the right resource.

The real stack is judged by the session's full gate run (``gate_run``: every check). The mutants
are scanned by ONE checkov run narrowed to the checks they name (``NAMED_CHECKS``): a mutant
must trip its own check, and the other ~1,000 built-in checks only cost time (233 s for 39
stacks). The same narrowed run also scans an unmodified copy, so each mutant's failure is shown to
be a change: its check passed that resource before the mutation. A new mutant needs only its
``Mutation`` entry in tests/policies/mutations.py: ``NAMED_CHECKS`` follows ``MUTATIONS``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.findings import Status
from policies.gate import GateResult
from policies.scan import RawScan
from tests.policies.conftest import NAMED_CHECKS, UNMODIFIED
from tests.policies.mutations import MUTATIONS, Mutation

pytestmark = [pytest.mark.gate, pytest.mark.synth]


def test_unmodified_stack_passes(gate_run: GateResult) -> None:
    result = gate_run
    assert result.parsing_errors == ()
    assert [(f.check_id, f.address) for f in result.failed] == []
    assert result.ok
    custom = {f.check_id for f in result.findings if f.custom}
    assert len(custom) >= 25, f"custom checks that reported on the real stack: {sorted(custom)}"


def test_the_narrowed_scan_runs_exactly_the_named_checks_and_passes_the_unmodified_copy(
    mutant_scan: RawScan, judged: dict[str, GateResult]
) -> None:
    result = judged[UNMODIFIED]
    assert result.parsing_errors == ()
    assert [(f.check_id, f.address) for f in result.failed] == []
    assert result.ok
    assert {f.check_id for f in mutant_scan.findings} == set(NAMED_CHECKS)  # those, no others


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_mutant_fails_naming_the_check(
    mutation: Mutation, judged: dict[str, GateResult], mutant_root: tuple[Path, dict[str, str]]
) -> None:
    broken = mutant_root[1]
    result = judged[mutation.name]
    assert not result.ok
    assert result.parsing_errors == ()
    failing = {(f.check_id, f.address) for f in result.failed}
    assert (mutation.check_id, broken[mutation.name]) in failing, (
        f"{mutation.name}: expected {mutation.check_id} on {broken[mutation.name]}, "
        f"gate failed {sorted(failing)}"
    )
    # The mutation made the failure: on the unmodified copy the same check passed the same
    # address (or, for a mutant that adds the resource, never saw it; the copy passes overall).
    before = {(f.check_id, f.address): f.status for f in judged[UNMODIFIED].findings}
    assert before.get((mutation.check_id, broken[mutation.name]), Status.PASSED) is Status.PASSED


# One per decoded document kind: IAM policy, SQS and SNS policy, ECS container definitions, KMS key
# policy, S3 bucket policy, IAM trust policy (assume_role_policy).
DOCUMENT_CHECKS = {
    "CKV_AWS_286",
    "CKV_AWS_355",
    "CKV_AWS_168",
    "CKV_AWS_169",
    "CKV_AWS_335",
    "CKV_AWS_33",
    "CKV_AWS_70",
    "CKV_AWS_60",
}


def test_documents_written_as_json_strings_are_judged(gate_run: GateResult) -> None:
    """IAM/SQS/SNS policies and ECS container definitions are JSON strings in cdk.tf.json; the
    built-in checks that parse them must really evaluate (not return a dropped UNKNOWN)."""
    result = gate_run
    judged = {f.check_id for f in result.findings if f.status is Status.PASSED}
    assert judged >= DOCUMENT_CHECKS, sorted(DOCUMENT_CHECKS - judged)
    assert all(f.status is Status.WAIVED for f in result.unknown), [
        (f.check_id, f.address) for f in result.unknown if f.status is not Status.WAIVED
    ]
