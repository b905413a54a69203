"""Exit codes a CI gate can trust (issue 21 item 6): a report with design-time controls whose
evidence did not run exits 3 and names them; a catalog test that cannot be collected is named."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from compliance.assess import ControlStatus
from compliance.catalog import ControlKind
from compliance.report import (
    EXIT_INCOMPLETE,
    EXIT_NOT_SATISFIED,
    ReportInputError,
    exit_code,
    run_catalog_tests,
)
from compliance.reportdata import ReportData


def test_evidence_not_run_exits_3_naming_the_controls(
    report_data: ReportData, capsys: pytest.CaptureFixture[str]
) -> None:
    """The session's report data has no JUnit: every control with a test is not run."""
    not_run = [
        a.control.id
        for a in report_data.assessments
        if a.control.kind is ControlKind.DESIGN_TIME and a.status is ControlStatus.NOT_RUN
    ]
    assert not_run
    assert exit_code(report_data) == EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert "report INCOMPLETE" in err and all(cid in err for cid in not_run)


def test_without_not_run_controls_a_failed_control_exits_1(report_data: ReportData) -> None:
    decided = tuple(
        dataclasses.replace(a, status=ControlStatus.NOT_SATISFIED)
        if a.status is ControlStatus.NOT_RUN
        else a
        for a in report_data.assessments
    )
    assert exit_code(dataclasses.replace(report_data, assessments=decided)) == EXIT_NOT_SATISFIED


def test_a_test_that_cannot_be_collected_is_named(tmp_path: Path, synth_dir: Path) -> None:
    missing = "tests/lib/constructs/test_encryption.py::test_that_does_not_exist"
    control = SimpleNamespace(evidence=SimpleNamespace(tests=[missing]))
    catalog = SimpleNamespace(controls=[control])
    with pytest.raises(
        ReportInputError, match=r"could not be collected .*test_that_does_not_exist"
    ):
        run_catalog_tests(catalog, tmp_path / "junit.xml", synth_dir)  # type: ignore[arg-type]
