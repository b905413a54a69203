"""The CI policy gate: every checkov check (built-in + ours) on a synthesized stack, once.

Usage::

    python -m policies.gate cdktf.out/stacks/<stack> [--results DIR] [--exceptions FILE]
                            [--suffix SUFFIX] [--strict-exceptions]

Exit codes: 0 gate passed; 1 a check failed that no exception waives, or checkov could not
parse a file, or nothing was scanned; 2 the exceptions file is invalid (missing reason, expired,
malformed) or checkov could not run.

Exceptions come from compliance/exceptions.yaml (the file the Aspects read too). Checkov's
``--skip-check`` is global, so nothing is skipped in checkov: a FAILED result whose
``(check id, <type>.<logical id>)`` an exception matches becomes WAIVED, carrying the exception.
A CKV exception that waived nothing is reported as unused (a warning; ``--strict-exceptions``
makes it fail) so that stale waivers surface without blocking the fix that made them stale.

Python API (for the compliance report)::

    from policies.gate import run_gate
    result = run_gate(Path("cdktf.out/stacks/streamflix-dev"))  # GateResult; writes the files
    result.ok                 # bool: the CI verdict
    for f in result.findings: # Finding: one check on one resource
        f.check_id, f.check_name, f.address, f.status  # Status.PASSED/FAILED/WAIVED/SKIPPED
        f.level, f.severity, f.guideline, f.details, f.custom
        f.exception           # compliance.exceptions.PolicyException (reason, owner, expires) or None
    result.parsing_errors, result.unused_exceptions

``scan`` + ``judge`` split one checkov run from its judgement, so several stacks under one
folder (e.g. test mutants) can be scanned together and judged one by one. Results default to
``<synth-dir>/../../gate-results/<stack>``: outside the stack folder, so they are never scanned.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.exceptions import (
    DEFAULT_PATH,
    ExceptionFileError,
    ExceptionSet,
    PolicyException,
    load_exceptions,
)
from policies.findings import Finding, RawFinding, Status, exception_json
from policies.reporting import result_paths, summary, write_results
from policies.scan import RawScan, ScanError, scan

__all__ = ["GateResult", "default_results_dir", "judge", "run_gate", "scan"]


@dataclass(frozen=True)
class GateResult:
    stack: str
    synth_dir: Path
    findings: tuple[Finding, ...]
    parsing_errors: tuple[str, ...]
    unused_exceptions: tuple[PolicyException, ...]
    no_files: bool = False
    strict_exceptions: bool = False

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.FAILED)

    @property
    def waived(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.WAIVED)

    @property
    def passed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.PASSED)

    @property
    def ok(self) -> bool:
        return not (
            self.failed
            or self.parsing_errors
            or self.no_files
            or (self.strict_exceptions and self.unused_exceptions)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "ok": self.ok,
            "summary": {
                status.value.lower(): sum(f.status is status for f in self.findings)
                for status in Status
            }
            | {"parsing_errors": len(self.parsing_errors)},
            "parsing_errors": list(self.parsing_errors),
            "unused_exceptions": [exception_json(e) for e in self.unused_exceptions],
            "findings": [f.to_json() for f in self.findings],
        }


def _judge_one(raw: RawFinding, root: Path, exceptions: ExceptionSet) -> Finding:
    exception = None
    if raw.skipped:
        status = Status.SKIPPED
    elif raw.passed:
        status = Status.PASSED
    else:
        exception = exceptions.find(raw.check_id, raw.address)
        status = Status.FAILED if exception is None else Status.WAIVED
    return Finding(
        check_id=raw.check_id,
        check_name=raw.check_name,
        status=status,
        address=raw.address,
        file=str(raw.file.relative_to(root)) if raw.file.is_relative_to(root) else str(raw.file),
        lines=raw.lines,
        level="error",
        severity=raw.severity,
        guideline=raw.guideline,
        details=raw.details,
        exception=exception,
    )


def judge(raw: RawScan, exceptions: ExceptionSet, strict_exceptions: bool = False) -> GateResult:
    """Apply the reviewed exceptions to one stack's checkov results."""
    findings = tuple(
        sorted(
            (_judge_one(r, raw.root, exceptions) for r in raw.findings),
            key=lambda f: (f.check_id, f.address),
        )
    )
    waived = [(f.check_id, f.address) for f in findings if f.status is Status.WAIVED]
    unused = tuple(e for e in exceptions.unused(waived) if e.rule.startswith("CKV"))
    return GateResult(
        stack=raw.root.name,
        synth_dir=raw.root,
        findings=findings,
        parsing_errors=raw.parsing_errors,
        unused_exceptions=unused,
        no_files=not raw.files,
        strict_exceptions=strict_exceptions,
    )


def default_results_dir(synth_dir: Path) -> Path:
    """``cdktf.out/stacks/<stack>`` -> ``cdktf.out/gate-results/<stack>``."""
    synth_dir = synth_dir.resolve()
    return synth_dir.parent.parent / "gate-results" / synth_dir.name


def run_gate(
    synth_dir: Path,
    results_dir: Path | None = None,
    exceptions_path: Path = DEFAULT_PATH,
    suffix: str | None = None,
    strict_exceptions: bool = False,
) -> GateResult:
    """Scan ``synth_dir`` once, judge it, write SARIF/JUnit/JSON. Raises ExceptionFileError
    (before scanning) if the exceptions file is invalid or holds an expired exception."""
    exceptions = load_exceptions(exceptions_path)
    raw = scan(synth_dir, suffix=suffix)
    result = judge(raw, exceptions, strict_exceptions)
    write_results(result, results_dir or default_results_dir(synth_dir), raw.checkov_report)
    return result


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m policies.gate",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("synth_dir", type=Path, help="a cdktf.out/stacks/<stack> folder")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="results folder (default: <synth-dir>/../../gate-results/<stack>)",
    )
    parser.add_argument(
        "--exceptions",
        type=Path,
        default=DEFAULT_PATH,
        help="reviewed exceptions file (default: compliance/exceptions.yaml)",
    )
    parser.add_argument(
        "--suffix",
        default=None,
        help="environment suffix for CKV_SFX_23 (default: the provider's "
        "default_tags Environment tag)",
    )
    parser.add_argument(
        "--strict-exceptions", action="store_true", help="fail when a CKV exception waived nothing"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if not args.synth_dir.is_dir():
        print(f"error: synth_dir {args.synth_dir}: not a folder", file=sys.stderr)
        return 2
    results_dir = args.results or default_results_dir(args.synth_dir)
    try:
        result = run_gate(
            args.synth_dir, results_dir, args.exceptions, args.suffix, args.strict_exceptions
        )
    except (ExceptionFileError, ScanError) as err:
        print(f"error: {err}", file=sys.stderr)
        print("GATE FAILED")
        return 2
    print(summary(result, result_paths(results_dir)))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
