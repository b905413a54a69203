"""Every CKV_SFX check against its named pass/fail fixtures (tests/policies/cases.py).

The exact sets of passing and failing resources are asserted, so a check that stops catching a
violation, or starts flagging a compliant resource, fails here. One checkov run per session.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policies.findings import CheckovResult
from policies.scan import CHECKS_DIR, RawScan
from tests.policies.cases import CASES, Case
from tests.policies.conftest import case_dir

pytestmark = pytest.mark.gate

CHECK_ID = re.compile(r'"(CKV_SFX_\d+)"')


def declared_check_ids() -> set[str]:
    ids: set[str] = set()
    for path in CHECKS_DIR.glob("sfx_*.py"):
        found = set(CHECK_ID.findall(path.read_text(encoding="utf-8")))
        assert len(found) == 1, f"{path.name}: one check per file, found {found}"
        ids |= found
    return ids


def expected(case: Case) -> tuple[set[str], set[str]]:
    names = [name for items in case.resources.values() for name in items]
    return (
        {n for n in names if n.startswith("pass_")},
        {n for n in names if n.startswith("fail_")},
    )


def results_of(scan: RawScan, root: Path, case: Case) -> tuple[set[str], set[str]]:
    part = scan.for_folder(case_dir(root, case))
    mine = [f for f in part.findings if f.check_id == case.check_id]
    if case.provider_case:
        assert len(mine) == 1, f"{case.folder}: expected one provider result, got {mine}"
        key = case.folder
    else:
        key = ""
    passed = {key or f.address.split(".", 1)[1] for f in mine if f.result is CheckovResult.PASSED}
    failed = {key or f.address.split(".", 1)[1] for f in mine if f.result is CheckovResult.FAILED}
    return passed, failed


def test_no_parsing_errors(fixture_scan: RawScan) -> None:
    assert fixture_scan.parsing_errors == ()
    assert len(fixture_scan.files) == len(CASES)


def test_every_check_has_passing_and_failing_fixtures() -> None:
    ids = declared_check_ids()
    assert len(ids) >= 25
    for check_id in ids:
        cases = [c for c in CASES if c.check_id == check_id]
        assert cases, f"{check_id} has no fixture case"
        passes = [
            c for c in cases if (c.provider_case and c.folder.startswith("pass_")) or expected(c)[0]
        ]
        fails = [
            c for c in cases if (c.provider_case and c.folder.startswith("fail_")) or expected(c)[1]
        ]
        assert passes and fails, f"{check_id} needs a passing and a failing fixture"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.check_id}-{c.folder}")
def test_check_on_fixture(case: Case, fixture_scan: RawScan, fixture_root: Path) -> None:
    passed, failed = results_of(fixture_scan, fixture_root, case)
    if case.provider_case:
        want_pass = case.folder.startswith("pass_")
        assert (passed, failed) == (({case.folder}, set()) if want_pass else (set(), {case.folder}))
        return
    want_passed, want_failed = expected(case)
    assert passed == want_passed, f"{case.check_id} passed {passed}, expected {want_passed}"
    assert failed == want_failed, f"{case.check_id} failed {failed}, expected {want_failed}"


def test_failures_explain_themselves(fixture_scan: RawScan) -> None:
    """Each custom failure carries checkov ``details`` naming the field and the rule."""
    custom_failures = [
        f
        for f in fixture_scan.findings
        if f.check_id.startswith("CKV_SFX_") and f.result is CheckovResult.FAILED
    ]
    assert custom_failures
    assert all(f.details for f in custom_failures), [
        (f.check_id, f.address) for f in custom_failures if not f.details
    ]
