"""``python -m compliance.verify <report-dir>``: an auditor's re-check of a report folder, offline.

Checks, printing one line per file and stopping at the first failure:
1. every file of the report (report.json/.md/.html/.csv, OSCAL, SoA, PDF, evidence-manifest.json)
   has a DSSE envelope signed by a key ``compliance/trust.yaml`` allows for the report engine;
2. every file the manifest lists is present with its SHA-256 and size, and nothing else is in
   ``evidence/``; every engine's evidence file verifies against its own envelope and engine,
   for the stack SHA-256 and commit the manifest names;
3. the report's figures follow from the evidence: its rule results are exactly the records of
   the signed aspect and gate files, its summary counts are the tally of its control statuses,
   and its artifact is the manifest's;
4. every CSV annex report.json cites (``report.csv`` and ``annexes/``) is listed in the manifest
   and signed, and holds exactly the rows report.json shows (rule results, the resources each
   piece of evidence judged) in the number it states; nothing unlisted is in ``annexes/``.

Exit codes: 0 verified; 1 a check failed (the line says which file and why); 2 not a report
folder or no usable trust policy. ``--strict`` also refuses development keys.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compliance.annexes import ANNEX_DIR, RULES_CSV, SUBJECTS_FILE, count_rows, read_rows
from compliance.gate_adapter import load_gate_file
from compliance.manifest import EVIDENCE_DIR, MANIFEST_FILE
from compliance.oscal_common import OSCAL_FILES
from core.attest import (
    AttestationError,
    StackSubject,
    TrustError,
    TrustPolicy,
    Verified,
    envelope_path,
    load_trust_policy,
    verify_file,
)
from core.attest.envelope import ENVELOPE_SUFFIX
from core.binding import sha256_file
from core.results import ASPECT_RESULTS_FILE, ResultsError, parse_aspect_file

# The report's own files that must be signed (the PDF and SoA when present).
REQUIRED = ("report.json", "report.md", "report.html", "report.csv", MANIFEST_FILE, *OSCAL_FILES)


class VerifyError(Exception):
    """One failed check (the message names the file and why)."""


def _line(text: str) -> None:
    print(text, flush=True)


def _check_key(verified: Verified, strict: bool) -> None:
    if strict and verified.development:
        raise VerifyError(f"{verified.file.name}: signed with development key {verified.key.name}")
    _line(f"ok   {verified.line()}")


def _own_files(folder: Path, collector_names: set[str]) -> list[tuple[Path, str]]:
    """Every top-level file that must carry an envelope, with the engine that signs it."""
    names = {
        p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith(ENVELOPE_SUFFIX)
    }
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise VerifyError(
            f"{folder.name}: not a complete report folder (missing {', '.join(missing)})"
        )
    return [(folder / n, "collector" if n in collector_names else "report") for n in sorted(names)]


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        document = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        document["artifact"]["sha256"], document["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise VerifyError(f"{MANIFEST_FILE}: unreadable ({err})") from None
    return dict(document)


def _check_evidence(
    folder: Path, manifest: dict[str, Any], policy: TrustPolicy, strict: bool
) -> None:
    artifact = manifest["artifact"]
    stack = StackSubject(artifact["stack"], artifact["sha256"], artifact["commit"])
    listed = {f["path"]: f for f in manifest["files"]}
    present = {f"{EVIDENCE_DIR}/{p.name}" for p in (folder / EVIDENCE_DIR).iterdir() if p.is_file()}
    if (folder / ANNEX_DIR).is_dir():  # an annex's signature sits beside it, unlisted
        present |= {
            f"{ANNEX_DIR}/{p.name}"
            for p in (folder / ANNEX_DIR).iterdir()
            if p.is_file() and not p.name.endswith(ENVELOPE_SUFFIX)
        }
    extras = sorted(present - set(listed))
    if extras:
        raise VerifyError(f"{extras[0]}: in the report folder but not in {MANIFEST_FILE}")
    for rel, entry in sorted(listed.items()):
        path = folder / rel
        if not path.is_file():
            raise VerifyError(f"{rel}: listed in {MANIFEST_FILE} but missing")
        actual = sha256_file(path)
        if actual != entry["sha256"] or path.stat().st_size != entry["bytes"]:
            raise VerifyError(
                f"{rel}: sha256 {actual} differs from the manifest's {entry['sha256']}"
            )
        if rel.startswith(f"{ANNEX_DIR}/"):  # the report's own annex: signed like its files
            _check_key(verify_file(path, "report", policy, envelope_path(path), stack), strict)
            continue
        if rel.endswith(ENVELOPE_SUFFIX) or entry["engine"] == "report":
            _line(f"ok   {rel}: sha256 matches the signed manifest ({entry['engine']})")
            continue
        _check_key(verify_file(path, entry["engine"], policy, stack=stack), strict)


def _check_figures(folder: Path, manifest: dict[str, Any]) -> None:
    """The report's rule results are the signed evidence's records; its counts are its own."""
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    if report.get("artifact", {}).get("sha256") != manifest["artifact"]["sha256"]:
        raise VerifyError("report.json: its artifact sha256 is not the manifest's")
    tally = Counter(c["status"] for c in report["controls"])
    for status, count in report["summary"]["controls"].items():
        if tally.get(status, 0) != count:
            raise VerifyError(
                f"report.json: summary says {count} {status!r}, its controls show {tally.get(status, 0)}"
            )
    evidence = folder / EVIDENCE_DIR
    expected: Counter[tuple[str, str, str, str]] = Counter()
    try:
        if (evidence / ASPECT_RESULTS_FILE).is_file():
            aspects = parse_aspect_file(json.loads((evidence / ASPECT_RESULTS_FILE).read_text()))
            expected.update((r.source.value, r.rule, r.resource, r.status) for r in aspects.records)
        gate_files = [f["path"] for f in manifest["files"] if f["engine"] == "checkov gate"]
        gate_json = next(
            (
                folder / p
                for p in gate_files
                if p.endswith(".json") and not p.endswith(ENVELOPE_SUFFIX) and "sarif" not in p
            ),
            None,
        )
        if gate_json is not None:
            gate = load_gate_file(gate_json, manifest["artifact"]["stack"])
            expected.update((r.source.value, r.rule, r.resource, r.status) for r in gate.lines)
    except (ResultsError, ValueError) as err:
        raise VerifyError(f"evidence: cannot be read ({err})") from None
    shown = Counter(
        (r["source"], r["rule"], r["resource"], r["status"]) for r in report["rule_results"]
    )
    if shown != expected:
        extra = sorted((shown - expected).elements())[:3]
        lost = sorted((expected - shown).elements())[:3]
        raise VerifyError(
            f"report.json: rule results differ from the signed evidence (shown, not in evidence: "
            f"{extra or 'none'}; in evidence, not shown: {lost or 'none'})"
        )
    _line(
        f"ok   report.json: {sum(shown.values())} rule results are the signed evidence's; "
        f"summary counts match {len(report['controls'])} control statuses"
    )


def _check_annexes(folder: Path, manifest: dict[str, Any]) -> None:
    """Each annex report.json cites is in the manifest and holds exactly the rows it shows."""
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    listed = {f["path"] for f in manifest["files"]}
    for annex in report.get("annexes", []):
        name, rows = annex["file"], annex["rows"]
        if name not in listed:
            raise VerifyError(f"{name}: cited by report.json but not listed in {MANIFEST_FILE}")
        if not (folder / name).is_file():
            raise VerifyError(f"{name}: cited by report.json but missing")
        found = count_rows(folder / name)
        if found != rows:
            raise VerifyError(f"{name}: holds {found} rows, report.json says {rows}")
    if not report.get("annexes"):
        return
    shown = Counter(
        (r["rule"], r["resource"], r["status"], r["source"]) for r in report["rule_results"]
    )
    lines = Counter(
        (r["rule_id"], r["resource"], r["status"], r["source"])
        for r in read_rows(folder / RULES_CSV)
    )
    if lines != shown:
        raise VerifyError(f"{RULES_CSV}: its lines are not report.json's rule results")
    judged = Counter(
        (c["id"], e["ref"], s)
        for c in report["controls"]
        for e in c["evidence"]
        for s in e["subjects"]
    )
    annexed = Counter(
        (r["control_id"], r["ref"], r["subject"]) for r in read_rows(folder / SUBJECTS_FILE)
    )
    if annexed != judged:
        raise VerifyError(f"{SUBJECTS_FILE}: its rows are not the subjects report.json shows")
    _line(
        f"ok   annexes: {len(report['annexes'])} files hold exactly the rows report.json shows "
        f"({sum(a['rows'] for a in report['annexes'])} rows)"
    )


def verify_folder(folder: Path, policy: TrustPolicy, strict: bool = False) -> None:
    manifest = _manifest(folder)
    collector = {Path(f["path"]).name for f in manifest["files"] if f["engine"] == "collector"}
    for path, engine in _own_files(folder, collector):
        stack = None
        if engine == "report":
            artifact = manifest["artifact"]
            stack = StackSubject(artifact["stack"], artifact["sha256"], artifact["commit"])
        _check_key(verify_file(path, engine, policy, envelope_path(path), stack), strict)
    _check_evidence(folder, manifest, policy, strict)
    _check_figures(folder, manifest)
    _check_annexes(folder, manifest)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m compliance.verify", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("report_dir", type=Path)
    p.add_argument(
        "--trust",
        type=Path,
        default=None,
        help="trust policy to use alone (default: compliance/trust.yaml plus this machine's development keys)",
    )
    p.add_argument("--strict", action="store_true", help="refuse development keys")
    args = p.parse_args(argv)
    if not (args.report_dir / MANIFEST_FILE).is_file():
        print(
            f"error: {args.report_dir}: no {MANIFEST_FILE} (not a report folder)", file=sys.stderr
        )
        return 2
    try:
        policy = load_trust_policy(args.trust, local=None) if args.trust else load_trust_policy()
    except TrustError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        verify_folder(args.report_dir, policy, args.strict)
    except (VerifyError, AttestationError) as err:
        print(f"FAIL {err}")
        return 1
    print(f"verified: {args.report_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
