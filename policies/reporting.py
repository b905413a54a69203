"""Write a gate result as SARIF 2.1.0, JUnit XML and JSON, and as a short human summary.

The files are written from the gate's judged findings, not copied from checkov, so a waived
failure carries its exception: a SARIF ``suppressions`` entry (``kind: external``, the reason as
justification), a JUnit ``<skipped>`` with the reason, and the full exception in the JSON.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from core.attest.engine import sign_output
from core.binding import bind
from core.stackfile import STACK_FILE
from policies.findings import Finding, Status, exception_json
from policies.result import GateResult

SARIF_FILE, JUNIT_FILE, JSON_FILE, CHECKOV_FILE = (
    "gate.sarif",
    "gate.junit.xml",
    "gate.json",
    "checkov-report.json",
)
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _message(f: Finding) -> str:
    text = f"{f.check_name} ({f.address})"
    return f"{text}: {'; '.join(f.details)}" if f.details else text


def sarif(result: GateResult) -> dict[str, Any]:
    """Failed and waived findings as SARIF results (passed checks are not SARIF results)."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in result.findings:
        rules.setdefault(
            f.check_id,
            {
                "id": f.check_id,
                "name": f.check_id,
                "shortDescription": {"text": f.check_name},
                "helpUri": f.guideline or None,
                "properties": {"custom": f.custom},
            },
        )
        if f.status not in (Status.FAILED, Status.WAIVED):
            continue
        entry: dict[str, Any] = {
            "ruleId": f.check_id,
            "level": "error" if f.status is Status.FAILED else "note",
            "message": {"text": _message(f)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file},
                        "region": {"startLine": max(f.lines[0], 1), "endLine": max(f.lines[1], 1)},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.address, "kind": "resource"}],
                }
            ],
        }
        if f.exception is not None:
            entry["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f.exception.reason,
                    "properties": exception_json(f.exception),
                }
            ]
        results.append(entry)
    for rule in rules.values():
        if rule["helpUri"] is None:
            del rule["helpUri"]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "streamflix-policy-gate (checkov)",
                        "informationUri": "docs/gate.md",
                        "rules": sorted(rules.values(), key=lambda r: r["id"]),
                    }
                },
                "results": results,
            }
        ],
    }


def junit(result: GateResult) -> ET.ElementTree:
    """One test case per check x resource; a parsing error is a failed case of its own."""
    cases = Counter(f.status for f in result.findings)
    suite = ET.Element(
        "testsuite",
        {
            "name": f"policy-gate {result.stack}",
            "tests": str(len(result.findings) + len(result.parsing_errors)),
            "failures": str(cases[Status.FAILED] + len(result.parsing_errors)),
            "skipped": str(cases[Status.WAIVED] + cases[Status.SKIPPED]),
            "errors": "0",
        },
    )
    for f in result.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": f.check_id, "name": f"{f.check_id} {f.address}", "file": f.file},
        )
        if f.status is Status.FAILED:
            failure = ET.SubElement(case, "failure", {"message": f.check_name, "type": "FAILED"})
            failure.text = _message(f)
        elif f.status in (Status.WAIVED, Status.SKIPPED):
            reason = f.exception.reason if f.exception else "skipped by checkov"
            ET.SubElement(case, "skipped", {"message": f"{f.status.value}: {reason}"})
    for path in result.parsing_errors:
        case = ET.SubElement(suite, "testcase", {"classname": "parsing", "name": path})
        ET.SubElement(
            case,
            "failure",
            {"message": "checkov could not parse this file", "type": "PARSING_ERROR"},
        )
    ET.indent(suite)
    return ET.ElementTree(suite)


def result_paths(results_dir: Path) -> dict[str, Path]:
    return {name: results_dir / name for name in (SARIF_FILE, JUNIT_FILE, JSON_FILE, CHECKOV_FILE)}


ABSOLUTE_PATH_KEYS = frozenset({"file_abs_path"})


def portable(report: Any) -> Any:
    """Checkov's raw report without machine-specific absolute paths (results are shared)."""
    if isinstance(report, dict):
        return {k: portable(v) for k, v in report.items() if k not in ABSOLUTE_PATH_KEYS}
    if isinstance(report, list):
        return [portable(v) for v in report]
    return report


def gate_json(result: GateResult) -> dict[str, Any]:
    """The content of ``gate.json`` (the one place that decides it; the report reads it)."""
    return {
        "stack": result.stack,
        "ok": result.ok,
        "summary": {
            status.value.lower(): sum(f.status is status for f in result.findings)
            for status in Status
        }
        | {
            "parsing_errors": len(result.parsing_errors),
            "unknown": len(result.unknown),
            "custom_unknown": len(result.custom_unknown),
        },
        "checks_per_resource": result.checks_per_resource,
        "parsing_errors": list(result.parsing_errors),
        "unused_exceptions": [exception_json(e) for e in result.unused_exceptions],
        "custom_unknown": [{"check_id": c, "resource": a} for c, a in result.custom_unknown],
        "findings": [f.to_json() for f in result.findings],
    }


def write_results(result: GateResult, results_dir: Path, checkov_report: Any) -> dict[str, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    paths = result_paths(results_dir)
    paths[SARIF_FILE].write_text(json.dumps(sarif(result), indent=2) + "\n", encoding="utf-8")
    junit(result).write(paths[JUNIT_FILE], encoding="utf-8", xml_declaration=True)
    # The artifact the gate judged (sha256 of cdk.tf.json, commit): the report refuses a
    # gate.json whose artifact differs from the stack it reports.
    document = gate_json(result)
    binding = bind(result.synth_dir) if (result.synth_dir / STACK_FILE).is_file() else None
    if binding is not None:  # nothing to bind when nothing was scanned
        document["artifact"] = binding.to_json()
    paths[JSON_FILE].write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    paths[CHECKOV_FILE].write_text(
        json.dumps(portable(checkov_report), indent=1) + "\n", encoding="utf-8"
    )
    if binding is not None:  # <file>.dsse.json beside gate.json and the SARIF (core.attest)
        sign_output([paths[JSON_FILE], paths[SARIF_FILE]], "checkov gate", binding)
    return paths


def coverage_line(result: GateResult) -> str:
    """Checks run per resource and how many could not decide (UNKNOWN)."""
    per_resource = result.checks_per_resource.values()
    if not per_resource:
        return "  no resource was checked"
    unknown = result.unknown
    waived = sum(f.status is Status.WAIVED for f in unknown)
    return (
        f"  {sum(per_resource)} checks on {len(per_resource)} resources "
        f"({sum(per_resource) / len(per_resource):.1f} per resource, min {min(per_resource)}, "
        f"max {max(per_resource)}); UNKNOWN: {len(unknown)} built-in ({waived} waived, "
        f"{len(unknown) - waived} failing), {len(result.custom_unknown)} custom (not judged)"
    )


def summary(result: GateResult, written: dict[str, Path] | None = None) -> str:
    counts = Counter(f.status for f in result.findings)
    custom = len({f.check_id for f in result.findings if f.custom})
    builtin = len({f.check_id for f in result.findings if not f.custom})
    lines = [
        f"policy gate: {result.stack}",
        f"  {counts[Status.PASSED]} passed, {counts[Status.FAILED]} failed, "
        f"{counts[Status.WAIVED]} waived, {len(result.parsing_errors)} parsing errors "
        f"({custom} custom and {builtin} built-in checks reported results)",
        coverage_line(result),
    ]
    for f in sorted(result.failed, key=lambda f: (f.check_id, f.address)):
        tag = "UNKNOWN" if f.unknown else "FAILED"
        lines.append(f"  {tag} {f.check_id} {f.address}: {f.check_name}")
        lines.extend(f"         {d}" for d in f.details)
    for path in result.parsing_errors:
        lines.append(f"  PARSING ERROR {path}")
    for f in sorted(result.waived, key=lambda f: (f.check_id, f.address)):
        exc = f.exception
        assert exc is not None
        lines.append(
            f"  WAIVED {f.check_id} {f.address}{' [UNKNOWN]' if f.unknown else ''} "
            f"(owner {exc.owner}, expires "
            f"{exc.expires.isoformat()}): {exc.reason}"
        )
    for exc in result.unused_exceptions:
        lines.append(
            f"  warning: exception {exc.rule} on {exc.resource} waived nothing; "
            f"remove it or fix its resource glob"
        )
    if result.no_files:
        lines.append("  no *.tf.json file found: nothing was scanned")
    if written:
        lines.append("  results: " + ", ".join(str(p) for p in written.values()))
    lines.append("GATE PASSED" if result.ok else "GATE FAILED")
    return "\n".join(lines)
