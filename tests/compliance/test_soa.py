"""The statement of applicability decides every reference and is written with the report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from compliance.catalog import REFERENCE_TITLES, Catalog, Regulation
from compliance.reportdata import ReportData
from compliance.soa import (
    Applicability,
    SoaError,
    build_soa,
    load_declarations,
    parse_declarations,
    uncovered,
)


def test_every_cis_recommendation_and_nis2_point_is_in_the_statement(catalog: Catalog) -> None:
    rows = build_soa(catalog, load_declarations())
    cis = [r.ref for r in rows if r.regulation is Regulation.CIS]
    assert len(cis) == 62 and {"1.1", "2.1.2", "3.3", "4.16", "5.6"} <= set(cis)
    assert [r.ref for r in rows if r.regulation is Regulation.NIS2 and "21(2)" in r.ref] == [
        f"Art. 21(2)({p})" for p in "abcdefghij"
    ]
    assert all(len(r.justification) >= 20 for r in rows)
    assert {r.applicability for r in rows} >= {
        Applicability.IN_SCOPE,
        Applicability.GAP,
        Applicability.NOT_APPLICABLE,
    }


def test_uncovered_references_are_no_longer_none_by_construction(catalog: Catalog) -> None:
    gaps = uncovered(build_soa(catalog, load_declarations()))
    assert "Art. 17" in gaps["DSA"] and "2.1.2" in gaps["CIS-AWS-3.0"]
    assert "Art. 17(4)(b)" in gaps["DSM"] and "Art. 17" in gaps["GDPR"]


def test_a_reference_nothing_decides_is_refused(catalog: Catalog) -> None:
    declarations = load_declarations()
    del declarations[(Regulation.CIS, "1.1")]
    with pytest.raises(SoaError, match=r"CIS-AWS-3\.0 1\.1: no control maps it"):
        build_soa(catalog, declarations)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"regulation": "CIS-AWS-3.0", "ref": "5.2", "applicability": "not-applicable"},
            "SFX-CTL-NET-02 claim it",
        ),
        (
            {"regulation": "CIS-AWS-3.0", "ref": "1.1", "applicability": "in-scope"},
            "no control claims it",
        ),
    ],
)
def test_a_declaration_that_contradicts_the_catalog_is_refused(
    catalog: Catalog, entry: dict[str, str], message: str
) -> None:
    declarations = load_declarations()
    declarations.update(
        parse_declarations({"entries": [{**entry, "justification": "a long enough reason here"}]})
    )
    with pytest.raises(SoaError, match=message):
        build_soa(catalog, declarations)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"ref": "9.9"}, "not in references.yaml"),
        ({"applicability": "maybe"}, "must be one of"),
        ({"justification": "short"}, "at least 20"),
    ],
)
def test_bad_declarations_are_refused_naming_the_entry(entry: dict[str, str], message: str) -> None:
    base = {
        "regulation": "CIS-AWS-3.0",
        "ref": "2.4.1",
        "applicability": "not-applicable",
        "justification": "the stack creates no EFS file systems",
    }
    with pytest.raises(SoaError, match=message):
        parse_declarations({"entries": [{**base, **entry}]})


@pytest.mark.synth
@pytest.mark.gate
def test_soa_is_rendered_and_written_as_json_and_csv(
    report_dir: Path, report_data: ReportData
) -> None:
    rows = json.loads((report_dir / "soa.json").read_text(encoding="utf-8"))
    total = sum(len(t) for t in REFERENCE_TITLES.values())
    assert len(rows) == total == len(report_data.soa)
    with (report_dir / "soa.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == total
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    soa = html[html.index('id="soa"') :]
    assert "Ensure MFA Delete is enabled on S3 buckets" in soa
    summary = report_data.to_json()["summary"]
    assert summary["uncovered_references"]["DSA"] == [
        "Art. 15",
        "Art. 16",
        "Art. 17",
        "Art. 20",
        "Art. 24",
    ]


@pytest.mark.gate
def test_gaps_show_in_the_summary_of_every_format(
    report_dir: Path, report_data: ReportData
) -> None:
    """DSA Art. 17/24 (no statements of reasons yet) are gaps, and the summary says so."""
    gaps = report_data.to_json()["summary"]["gaps"]
    assert {"Art. 17", "Art. 24"} <= set(gaps["DSA"])
    assert {"Art. 17(4)(b)", "Art. 17(4)(c)"} <= set(gaps["DSM"])
    assert "2.1.2" in gaps["CIS-AWS-3.0"]
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    summary = html[html.index('id="summary"') : html.index('id="reg-GDPR"')]
    markdown = (report_dir / "report.md").read_text(encoding="utf-8")
    md_summary = markdown[markdown.index("## Summary") : markdown.index("## Controls")]
    for section in (summary, md_summary):
        assert "gaps" in section
        assert "DSA: Art. 15, Art. 16, Art. 17, Art. 20, Art. 24" in section
    assert "\n\nGaps (" in md_summary  # a paragraph, not a row of the table above it
