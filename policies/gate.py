"""The CI policy gate: every checkov check (built-in + ours) on a synthesized stack, once.

Usage::

    python -m policies.gate cdktf.out/stacks/<stack> [--results DIR] [--exceptions FILE]
                            [--suffix SUFFIX] [--strict-exceptions]

Exit codes: 0 gate passed; 1 a check failed (or a built-in check returned UNKNOWN) that no
exception waives, or checkov could not parse a file, or nothing was scanned; 2 the exceptions
file is invalid (missing reason, expired, malformed) or checkov could not run.

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
from pathlib import Path

from core.exceptions import (
    DEFAULT_PATH,
    ExceptionFileError,
    ExceptionSet,
    load_exceptions,
)
from policies.findings import CheckovResult, Finding, RawFinding, Status, is_custom
from policies.reporting import result_paths, summary, write_results
from policies.result import GateResult
from policies.scan import RawScan, ScanError, scan

__all__ = ["GateResult", "default_results_dir", "judge", "run_gate", "scan"]


UNKNOWN_DETAIL = (
    "checkov could not judge this resource (UNKNOWN): make the configuration decidable, or add "
    "a reviewed exception to compliance/exceptions.yaml that says why the check does not apply"
)


def _judge_one(raw: RawFinding, root: Path, exceptions: ExceptionSet) -> Finding:
    """PASSED/SKIPPED as checkov said; FAILED and built-in UNKNOWN fail unless waived."""
    exception = None
    unknown = raw.result is CheckovResult.UNKNOWN
    if raw.result is CheckovResult.SKIPPED:
        status = Status.SKIPPED
    elif raw.result is CheckovResult.PASSED:
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
        details=(UNKNOWN_DETAIL,) if unknown else raw.details,
        exception=exception,
        unknown=unknown,
    )


def judge(raw: RawScan, exceptions: ExceptionSet, strict_exceptions: bool = False) -> GateResult:
    """Apply the reviewed exceptions to one stack's checkov results.

    A built-in check that returned UNKNOWN is judged like a failure: checkov ran it on a
    resource type of the stack and could not decide, so it checked nothing. Our own checks'
    UNKNOWN results (values known only at apply time, or a setting the check cannot interpret,
    e.g. container_definitions that are not JSON) are counted, not judged (docs/gate.md)."""

    def custom_unknown(r: RawFinding) -> bool:
        return r.result is CheckovResult.UNKNOWN and is_custom(r.check_id)

    findings = tuple(
        sorted(
            (_judge_one(r, raw.root, exceptions) for r in raw.findings if not custom_unknown(r)),
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
        custom_unknown=tuple(
            sorted((r.check_id, r.address) for r in raw.findings if custom_unknown(r))
        ),
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
