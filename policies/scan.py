"""Run checkov ONCE over a folder (one subprocess) and read its JSON report.

A subprocess keeps checkov's global check registries out of the caller (tests run the gate more
than once per session). Every built-in check runs; ours load from ``policies/checks``. ``checks``
narrows a run to the named check ids (checkov's ``--check``): the gate never does, the test
mutants do (each mutant must trip one named check; a full run costs ~6 s per stack). The
subprocess is ``policies.checkov_main``: checkov with JSON-string documents decoded and UNKNOWN
results kept (``unknown_checks``), so a check that could not judge a resource is never silent.
The report goes to a file, not stdout: libraries under checkov print to stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.checkov_main import UNKNOWN_KEY
from policies.findings import AddressIndex, CheckovResult, RawFinding
from policies.rules import SUFFIX_ENV_VAR
from policies.stackfile import SCAN_ROOT_ENV_VAR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHECKS_DIR = Path(__file__).resolve().parent / "checks"
TIMEOUT_S = 600
REPORT_FILE = "results_json.json"  # what checkov names ``-o json`` under --output-file-path
RESULT_KEYS = (
    ("passed_checks", CheckovResult.PASSED),
    ("failed_checks", CheckovResult.FAILED),
    ("skipped_checks", CheckovResult.SKIPPED),
    (UNKNOWN_KEY, CheckovResult.UNKNOWN),
)


class ScanError(RuntimeError):
    """Checkov could not run or did not produce a JSON report."""


@dataclass(frozen=True)
class RawScan:
    root: Path
    findings: tuple[RawFinding, ...]
    parsing_errors: tuple[str, ...]
    files: tuple[Path, ...]  # the Terraform JSON files that were scanned
    checkov_report: Any  # checkov's own JSON, kept as evidence

    def for_folder(self, folder: Path) -> RawScan:
        """The part of this scan that concerns files under ``folder``."""
        folder = folder.resolve()
        return RawScan(
            root=folder,
            findings=tuple(f for f in self.findings if f.file.is_relative_to(folder)),
            parsing_errors=tuple(
                p for p in self.parsing_errors if Path(p).resolve().is_relative_to(folder)
            ),
            files=tuple(f for f in self.files if f.is_relative_to(folder)),
            checkov_report=self.checkov_report,
        )


def checkov_command(root: Path, output_dir: Path, checks: Sequence[str] = ()) -> list[str]:
    return [
        sys.executable,
        "-m",
        "policies.checkov_main",
        "-d",
        str(root),
        "--framework",
        "terraform_json",
        "--skip-download",
        "--external-checks-dir",
        str(CHECKS_DIR),
        "--output",
        "json",
        "--output-file-path",
        str(output_dir),
        *(["--check", ",".join(checks)] if checks else []),
    ]


def run_checkov(root: Path, suffix: str | None = None, checks: Sequence[str] = ()) -> Any:
    """Checkov's JSON report for every ``*.tf.json`` under ``root`` (every check, or ``checks``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env[SCAN_ROOT_ENV_VAR] = str(root)
    if suffix:
        env[SUFFIX_ENV_VAR] = suffix
    else:
        env.pop(SUFFIX_ENV_VAR, None)
    with tempfile.TemporaryDirectory(prefix="checkov-") as output_dir:
        try:
            proc = subprocess.run(
                checkov_command(root, Path(output_dir), checks),
                capture_output=True,
                text=True,
                env=env,
                cwd=str(root),
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ScanError(f"checkov did not finish within {TIMEOUT_S} s") from None
        if proc.returncode not in (0, 1):
            raise ScanError(f"checkov exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        try:
            return json.loads((Path(output_dir) / REPORT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ScanError(
                f"checkov wrote no JSON report: {proc.stderr.strip()[-2000:]}"
            ) from None


def _reports(report: Any) -> list[dict[str, Any]]:
    items = report if isinstance(report, list) else [report]
    return [r for r in items if isinstance(r, dict) and isinstance(r.get("results"), dict)]


def _finding(
    record: dict[str, Any],
    root: Path,
    indexes: dict[Path, AddressIndex],
    result: CheckovResult,
) -> RawFinding:
    file = Path(record.get("file_abs_path") or root / str(record["file_path"]).lstrip("/"))
    file = file.resolve()
    index = indexes.setdefault(file, AddressIndex.of_file(file))
    lines = record.get("file_line_range") or [0, 0]
    return RawFinding(
        check_id=str(record["check_id"]),
        check_name=str(record.get("check_name") or ""),
        result=result,
        address=index.normalise(str(record["resource"])),
        file=file,
        lines=(int(lines[0]), int(lines[-1])),
        guideline=str(record.get("guideline") or ""),
        severity=record.get("severity"),
        details=tuple(str(d) for d in record.get("details") or ()),
    )


def scan(root: Path, suffix: str | None = None, checks: Sequence[str] = ()) -> RawScan:
    """One checkov run over ``root`` (every check, or only ``checks``); findings carry normalised
    Terraform addresses."""
    root = root.resolve()
    files = tuple(sorted(p.resolve() for p in root.rglob("*.tf.json") if p.is_file()))
    report = run_checkov(root, suffix, checks) if files else []
    indexes: dict[Path, AddressIndex] = {}
    findings: list[RawFinding] = []
    parsing_errors: list[str] = []
    for part in _reports(report):
        results = part["results"]
        if UNKNOWN_KEY not in results:
            raise ScanError(f"checkov's report has no {UNKNOWN_KEY}: the UNKNOWN hook did not run")
        for key, result in RESULT_KEYS:
            findings.extend(_finding(r, root, indexes, result) for r in results.get(key, []))
        parsing_errors.extend(str(p) for p in results.get("parsing_errors", []))
    return RawScan(root, tuple(findings), tuple(parsing_errors), files, report)
