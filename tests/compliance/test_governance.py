"""Exception governance (issue 21 item 7): approver and owner compared as identities, no team
approvals, waivers must be on file, and a waiver holds only if its compensating controls are
other controls that are themselves satisfied."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from compliance.assess import ControlAssessment, ControlStatus, EvidenceStatus, Waiver
from compliance.exceptions import ExceptionFileError, ExceptionSet, parse_exceptions
from compliance.governance import GovernanceError, hold_waivers, reconcile_waivers
from compliance.reportdata import ReportData
from core.results import gate_result
from tests.compliance.test_exceptions import KNOWN, VALID

TODAY = dt.date(2026, 12, 7)


def _parse(**changes: Any) -> ExceptionSet:
    return parse_exceptions({"exceptions": [{**VALID, **changes}]}, today=TODAY, control_ids=KNOWN)


@pytest.mark.parametrize("approver", ["Platform-Team", "platform team", " PLATFORM_team "])
def test_the_owner_under_another_spelling_cannot_approve(approver: str) -> None:
    with pytest.raises(ExceptionFileError, match=r"must differ from owner .platform-team. \(given"):
        _parse(approved_by=approver)


@pytest.mark.parametrize("approver", ["security-team", "SRE Group", "ops_squad"])
def test_a_team_is_not_an_approver(approver: str) -> None:
    with pytest.raises(ExceptionFileError, match="names a team; an approval is given by a named"):
        _parse(approved_by=approver)


def test_a_named_approver_is_accepted() -> None:
    assert _parse(approved_by="Jane Doe (CISO)").items[0].approved_by == "Jane Doe (CISO)"


def test_a_waiver_an_engine_applied_must_be_on_file() -> None:
    waived = gate_result("CKV_AWS_338", "t", "aws_cloudwatch_log_group.x_1", "SKIPPED")
    reconcile_waivers([waived], _parse())  # on file: fine
    with pytest.raises(GovernanceError, match=r"gate: CKV_AWS_338 on aws_cloudwatch_log_group.x_1"):
        reconcile_waivers([waived], ExceptionSet(()))


def _waived(base: ControlAssessment, compensating: tuple[str, ...]) -> ControlAssessment:
    evidence = base.evidence[0]
    waiver = Waiver(
        "aws_x.y",
        "reason text",
        "platform-team",
        "2027-01-01",
        "security-officer",
        "low",
        compensating,
    )
    return dataclasses.replace(
        base,
        status=ControlStatus.WAIVED,
        evidence=(dataclasses.replace(evidence, status=EvidenceStatus.WAIVED, waivers=(waiver,)),),
    )


def test_a_waiver_holds_only_with_another_satisfied_control(report_data: ReportData) -> None:
    satisfied = next(a for a in report_data.assessments if a.status is ControlStatus.SATISFIED)
    other = next(
        a for a in report_data.assessments if a.evidence and a.control.id != satisfied.control.id
    )
    not_satisfied = next(
        a
        for a in report_data.assessments
        if a.status is not ControlStatus.SATISFIED
        and a.control.id not in (satisfied.control.id, other.control.id)
    )
    cases = {
        (satisfied.control.id,): None,
        (other.control.id,): "names the control it waives",
        (not_satisfied.control.id,): f"compensating control {not_satisfied.control.id} is",
    }
    for compensating, why in cases.items():
        held = hold_waivers([satisfied, not_satisfied, _waived(other, compensating)])[-1]
        if why is None:
            assert held.status is ControlStatus.WAIVED
        else:
            assert held.status is ControlStatus.NOT_SATISFIED and why in held.reason, held.reason


def test_the_report_shows_no_waiver_that_does_not_hold(report_data: ReportData) -> None:
    """The shipped exceptions' compensating controls are checked on the real stack."""
    by_id = {a.control.id: a for a in report_data.assessments}
    for a in report_data.assessments:
        if a.status is ControlStatus.WAIVED:
            for e in a.evidence:
                for w in e.waivers:
                    for cid in w.compensating_controls:
                        assert cid != a.control.id and by_id[cid].status is ControlStatus.SATISFIED
