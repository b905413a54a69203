"""Every file of the period report: the readable report, its annex and the OSCAL documents."""

from __future__ import annotations

from pathlib import Path

from compliance.period.oscal import write_period_oscal
from compliance.period.report import DEFAULT_OWNER, PERIOD_DIR, PeriodReport, write_period_files


def write_period_report(
    report: PeriodReport, out: Path, owner: str = DEFAULT_OWNER
) -> dict[str, Path]:
    """``out/period/``: JSON, Markdown, the CSV annex, OSCAL results (and a POA&M if any risk
    is open); ``owner`` is the system owner named in the OSCAL (the stack's Owner tag)."""
    paths = write_period_files(report, out)
    paths.update(write_period_oscal(report, out / PERIOD_DIR, owner))
    return paths
