"""docs/compliance.md says what the report does: its statuses, files, options and sources."""

from __future__ import annotations

import re

from compliance.assess import ControlStatus
from compliance.catalog import RUNTIME_SOURCE_TITLES
from compliance.registry import PROJECT_ROOT
from compliance.render import CSV_COLUMNS, CSV_PROVENANCE
from compliance.report import REPORT_FILES, _parse_args

TEXT = (PROJECT_ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")


def test_every_status_is_explained() -> None:
    explained = set(re.findall(r"^\| \*\*([a-z ,]+)\*\* \|", TEXT, re.M))
    assert explained == {s.value for s in ControlStatus}


def test_every_report_file_and_csv_column_is_described() -> None:
    files = set(re.findall(r"^\| `([\w.-]+)` \|", TEXT, re.M))
    assert set(REPORT_FILES) <= files
    plain = TEXT.replace("`", "")
    assert ", ".join(CSV_COLUMNS) in plain and ", ".join(CSV_PROVENANCE) in plain


def test_every_option_named_exists() -> None:
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", TEXT))
    args = vars(_parse_args(["--out", "x"]))
    assert {o[2:].replace("-", "_") for o in options} <= set(args)
    assert {"--out", "--synth-dir", "--junit", "--run-tests"} <= options


def test_every_runtime_source_is_described() -> None:
    rows = re.findall(
        r"^\| ([A-Za-z ]+) \| .+ \|$", TEXT.split("## Design-time versus")[1].split("##")[0], re.M
    )
    assert len([r for r in rows if r != "Source"]) == len(RUNTIME_SOURCE_TITLES)
