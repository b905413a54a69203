"""Session fixtures of the compliance tests: the report is built once from the session's synth_dir
and the session's one gate run (tests/conftest.py), in-process, no second synth."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from compliance.catalog import Catalog, load_catalog
from compliance.exceptions import load_exceptions
from compliance.junit import parse_junit
from compliance.report import Inputs, build_report_data, write_report
from compliance.reportdata import ReportData
from core.results import RuleResult
from core.stackfile import SynthesizedStack

if TYPE_CHECKING:
    from policies.gate import GateResult


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def synthesized(synth_dir: Path) -> SynthesizedStack:
    return SynthesizedStack.load(synth_dir)


@pytest.fixture(scope="session")
def gate_lines(gate_run: GateResult) -> list[RuleResult]:
    from compliance.gate_adapter import gate_rule_results

    return gate_rule_results(gate_run)


def make_inputs(
    synth_dir: Path, catalog: Catalog, gate: list[RuleResult] | None, junit_text: str | None = None
) -> Inputs:
    """Report inputs as the CLI gathers them, with the session's gate lines and optional JUnit."""
    junit = parse_junit(junit_text) if junit_text is not None else None
    return Inputs(
        synth_dir,
        catalog,
        load_exceptions(),
        gate,
        "gate ran in the test session",
        junit,
        "synthetic JUnit" if junit else "no test results given",
    )


@pytest.fixture(scope="session")
def report_data(synth_dir: Path, catalog: Catalog, gate_lines: list[RuleResult]) -> ReportData:
    return build_report_data(make_inputs(synth_dir, catalog, gate_lines))


@pytest.fixture(scope="session")
def report_dir(report_data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's one full report, report.pdf included: the only report Chromium prints."""
    out = tmp_path_factory.mktemp("compliance-report")
    write_report(report_data, out)
    return out


@pytest.fixture
def pdf_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, Path]]:
    """For tests that run the report CLI in-process: record the (html, pdf) it asks Chromium to
    print instead of printing (~15 s for the full report). report_dir's report.pdf is printed
    for real and judged by tests/compliance/test_report_print.py; a test that calls
    ``write_report`` directly passes ``pdf=False`` unless it reads the PDF."""
    calls: list[tuple[Path, Path]] = []

    def record(html: Path, pdf: Path, *args: object, **kwargs: object) -> None:
        calls.append((html, pdf))

    monkeypatch.setattr("compliance.report.write_pdf", record)
    return calls
