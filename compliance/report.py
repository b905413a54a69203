"""The auditor report: ``python -m compliance.report --out <dir> [--synth-dir <stack dir>]``.

Without ``--synth-dir`` the stack is synthesized from the environment (``load_config``) into a
temporary folder. The report then runs the Checkov gate once (or reads its ``gate.json`` with
``--gate-json``, so CI does not scan twice), reads the Aspects' records
(``aspect-results.json``), reads test results (``--junit``, or runs the catalog's tests with
``--run-tests``), assesses every control of ``compliance/catalog.yaml`` and writes report.md,
report.html (a front page first), report.pdf, report.json, report.csv, the CSV annexes
(``annexes/``, compliance.annexes) and the OSCAL documents into ``--out`` (the gate's
SARIF/JUnit/JSON go to ``<out>/gate-results``).

With ``--runtime-evidence`` (``python -m compliance.collect``'s runtime-evidence.json) the
runtime controls are decided by operating evidence (``compliance.runtime_evidence``).

Exit codes: 0 report written and no design-time evidence failed; 1 report written but some
control is "not satisfied" (evidence failed); 2 bad input (exceptions file, catalog, paths) or
refused evidence (unsigned, mis-signed, untrusted, of another artifact, a simulation not
allowed); 3 report written but INCOMPLETE: some design-time control is "evidence not run" (an
engine did not run or a named test was not collected). 3 wins over 1: a CI gate must not pass a
report that did not look.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from compliance.assess import ControlStatus, EvidenceInputs, assess
from compliance.attested import Attestations, check_files
from compliance.baseline import BaselineError, compare, load_baseline
from compliance.catalog import DEFAULT_PATH as CATALOG_PATH
from compliance.catalog import Catalog, CatalogError, load_catalog
from compliance.coverage import unexplained_features
from compliance.exceptions import DEFAULT_PATH as EXCEPTIONS_PATH
from compliance.exceptions import ExceptionFileError, ExceptionSet, load_checked_exceptions
from compliance.gate_adapter import gate_rule_results, load_gate_file
from compliance.governance import GovernanceError, hold_waivers, reconcile_waivers
from compliance.inventory import build_inventory
from compliance.junit import JUnitError, JUnitReport, load_junit
from compliance.manifest import EVIDENCE_DIR, MANIFEST_FILE, EvidenceSource, keep_evidence
from compliance.oscal import write_oscal
from compliance.oscal_common import OSCAL_FILES, RESULTS_FILE
from compliance.pdf import PDF_FILE, PdfError, write_pdf
from compliance.registry import PROJECT_ROOT
from compliance.render import report_document, write_files, write_listings
from compliance.reportdata import EngineRun, ReportData
from compliance.runinfo import collect
from compliance.runtime_evidence import RuntimeEvidenceError, with_runtime_evidence
from compliance.soa import SoaError, build_soa, load_declarations, write_soa
from core.attest import (
    AttestationError,
    SignerError,
    TrustError,
    envelope_path,
    load_trust_policy,
)
from core.attest.engine import sign_output, subject_of
from core.attest.signers import signer_from_env
from core.binding import (
    SYNTH_DIR_ENV,
    ArtifactBinding,
    BindingError,
    bind,
    from_properties,
    verify,
)
from core.results import (
    ASPECT_RESULTS_FILE,
    AspectResults,
    ResultsError,
    RuleResult,
    load_aspect_file,
)
from core.stackfile import StackFileError, SynthesizedStack
from policies.gate import run_gate
from policies.reporting import JSON_FILE as GATE_JSON_FILE
from policies.reporting import SARIF_FILE as GATE_SARIF_FILE
from policies.scan import ScanError

if TYPE_CHECKING:
    from compliance.period.report import PeriodReport

OSCAL_FILE = RESULTS_FILE
EXIT_NOT_SATISFIED = 1
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3
GATE_RESULTS_DIR = "gate-results"
REPORT_FILES = ("report.md", "report.html", "report.json", "report.csv", *OSCAL_FILES)


class ReportInputError(ValueError):
    """An input the report needs is missing or invalid."""


@dataclass(frozen=True)
class Inputs:
    """What a report is built from; ``None`` engines did not run (and are reported so)."""

    synth_dir: Path
    catalog: Catalog
    exceptions: ExceptionSet
    gate_results: list[RuleResult] | None
    gate_detail: str
    junit: JUnitReport | None
    junit_detail: str
    # The artifact each file input judged (None: not given as a file, e.g. in-process tests).
    gate_binding: ArtifactBinding | None = None
    junit_binding: ArtifactBinding | None = None
    # Raw files kept in the report folder besides the aspect records, catalog and exceptions.
    gate_files: tuple[Path, ...] = ()
    junit_file: Path | None = None
    catalog_path: Path = CATALOG_PATH
    exceptions_path: Path = EXCEPTIONS_PATH


def _verify_bindings(
    inputs: Inputs, artifact: ArtifactBinding, aspects: AspectResults | None
) -> None:
    """Refuse evidence that judged another cdk.tf.json or commit than the reported stack."""
    name = inputs.synth_dir.name
    for source, binding in (
        (inputs.gate_files[0].name if inputs.gate_files else "gate", inputs.gate_binding),
        (inputs.junit_file.name if inputs.junit_file else "junit", inputs.junit_binding),
        (f"{name}/{ASPECT_RESULTS_FILE}", aspects.binding if aspects else None),
    ):
        if binding is not None:
            verify(binding, artifact, source)


def _evidence_sources(inputs: Inputs, engines: Sequence[EngineRun]) -> tuple[EvidenceSource, ...]:
    ran = {e.name: e.binding.ran_at if e.binding else None for e in engines}
    return (
        EvidenceSource(
            inputs.synth_dir / ASPECT_RESULTS_FILE, ASPECT_RESULTS_FILE, "aspects", ran["aspects"]
        ),
        *(
            EvidenceSource(p, p.name, "checkov gate", ran["checkov gate"])
            for p in inputs.gate_files
        ),
        *(
            [EvidenceSource(inputs.junit_file, "pytest-junit.xml", "pytest", ran["pytest"])]
            if inputs.junit_file
            else []
        ),
        EvidenceSource(inputs.catalog_path, "catalog.yaml", "report"),
        EvidenceSource(inputs.exceptions_path, "exceptions.yaml", "report"),
    )


def build_report_data(inputs: Inputs) -> ReportData:
    stack = SynthesizedStack.load(inputs.synth_dir)
    artifact = bind(inputs.synth_dir)
    loaded = load_aspect_file(inputs.synth_dir)
    _verify_bindings(inputs, artifact, loaded)
    aspects = list(loaded.records) if loaded is not None else None
    evidence = EvidenceInputs(stack, aspects, inputs.gate_results, inputs.junit, inputs.exceptions)
    engines = (
        EngineRun(
            "aspects",
            aspects is not None,
            f"{len(aspects)} records from aspect-results.json"
            if aspects is not None
            else "no aspect-results.json beside the synthesized stack",
            loaded.binding if loaded is not None else None,
        ),
        EngineRun(
            "checkov gate", inputs.gate_results is not None, inputs.gate_detail, inputs.gate_binding
        ),
        EngineRun("pytest", inputs.junit is not None, inputs.junit_detail, inputs.junit_binding),
    )
    results = (*(aspects or []), *(inputs.gate_results or []))
    reconcile_waivers(results, inputs.exceptions)
    return ReportData(
        run=collect(stack, inputs.synth_dir.name, PROJECT_ROOT),
        catalog=inputs.catalog,
        assessments=hold_waivers(assess(inputs.catalog, evidence)),
        rule_results=results,
        exceptions=inputs.exceptions,
        inventory=build_inventory(stack),
        engines=engines,
        unexplained=unexplained_features(stack, inputs.catalog, results),
        artifact=artifact,
        evidence_sources=_evidence_sources(inputs, engines),
        soa=build_soa(inputs.catalog, load_declarations()),
    )


def report_signer() -> str:
    """Who will sign the report's own files, for the front page ("" when no key is set)."""
    try:
        signer = signer_from_env()
    except (SignerError, AttestationError) as err:
        return f"a signer that cannot be used ({err})"
    return f"{signer.label} (key id {signer.keyid[:16]})" if signer else ""


def write_report(data: ReportData, out_dir: Path, pdf: bool = True) -> dict[str, Path]:
    """Write the listings (report.csv, annexes), keep the raw evidence and the manifest that
    names both, then write every report file (which show the manifest's hash)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not data.report_signer:
        data = replace(data, report_signer=report_signer())
    listings = write_listings(data, out_dir)
    if data.artifact is not None:
        data = replace(
            data,
            manifest=keep_evidence(
                data.evidence_sources, data.artifact, out_dir, list(listings.values())
            ),
        )
    paths = {**write_files(data, out_dir, listings=False), **listings}
    runtime_copy: list[Path] = []
    if data.runtime is not None:  # the OSCAL back-matter links the evidence file beside it
        runtime_copy.append(data.runtime.copy_into(out_dir))
        paths[data.runtime.file_name] = runtime_copy[0]
        envelope = envelope_path(data.runtime.source)
        if envelope.is_file():  # the collector's signature travels with its file
            shutil.copyfile(envelope, envelope_path(runtime_copy[0]))
    paths.update(write_oscal(data, out_dir))
    if pdf:
        try:
            written = write_pdf(paths["report.html"], out_dir / PDF_FILE)
        except (PdfError, subprocess.TimeoutExpired) as err:
            print(f"warning: {PDF_FILE} not written: {err}", file=sys.stderr)
        else:
            if written is None:
                print(
                    f"warning: {PDF_FILE} not written: chromium is not installed", file=sys.stderr
                )
            else:
                paths[PDF_FILE] = written
    paths.update(write_soa(data.soa, out_dir))
    if data.artifact is not None:  # the report's own outputs, signed like any evidence
        own = [p for p in paths.values() if p not in runtime_copy]
        if (out_dir / MANIFEST_FILE).is_file():
            own.append(out_dir / MANIFEST_FILE)
        sign_output(sorted(set(own)), "report", data.artifact)
    return paths


def run_gate_results(synth_dir: Path, results_dir: Path) -> tuple[list[RuleResult], str]:
    result = run_gate(synth_dir, results_dir)
    verdict = "passed" if result.ok else "FAILED"
    return gate_rule_results(result), (
        f"gate {verdict}: {len(result.findings)} check results; SARIF, JUnit and JSON in "
        f"{GATE_RESULTS_DIR}/"
    )


def run_catalog_tests(catalog: Catalog, junit_path: Path, synth_dir: Path) -> None:
    """Run every test the catalog names against ``synth_dir`` (the reported stack, through
    SFX_SYNTH_DIR), writing a JUnit file (one pytest process)."""
    node_ids = sorted({t for c in catalog.controls for t in c.evidence.tests})
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit_path}",
        *node_ids,
    ]
    env = {**os.environ, SYNTH_DIR_ENV: str(synth_dir.resolve())}
    done = subprocess.run(
        cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    last = done.stdout.strip().splitlines()[-1:] or ["no output"]
    print(f"catalog tests: {last[0]}", file=sys.stderr)
    if done.returncode not in (0, 1):  # 2-5: interrupted, internal or usage error, none collected
        lines = (done.stdout + done.stderr).splitlines()
        named = [line.strip() for line in lines if "not found:" in line or "ERROR " in line]
        raise ReportInputError(
            f"the catalog's tests could not be collected (pytest exit {done.returncode}): "
            + ("; ".join(named[:10]) or last[0])
        )


def synthesize_from_environment(outdir: Path) -> Path:
    """Synthesize the stack configured by the environment (as main.py does, provider shortcut
    first); every in-process synth outside main.py goes through here. Bad knobs or a refused
    synthesis raise ``ReportInputError`` with the message a user reads."""
    from lib.config import ConfigError, load_config

    try:
        config = load_config(os.environ)
    except ConfigError as err:
        raise ReportInputError(str(err)) from None
    from lib.provider_import import use_provider_shortcut

    use_provider_shortcut()  # before lib.app imports the provider, as main.py does
    from lib.app import SynthesisError, synthesize

    try:
        return synthesize(config, outdir)
    except SynthesisError as err:
        raise ReportInputError(f"synthesis refused: {err}") from None


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m compliance.report", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the report files")
    parser.add_argument(
        "--synth-dir",
        type=Path,
        default=None,
        help="a synthesized cdktf.out/stacks/<stack> folder (default: synthesize "
        "from the environment into a temporary folder)",
    )
    tests = parser.add_mutually_exclusive_group()
    tests.add_argument(
        "--junit",
        type=Path,
        default=None,
        help="pytest JUnit XML with the results of the catalog's tests",
    )
    tests.add_argument(
        "--run-tests",
        action="store_true",
        help="run the tests the catalog names (one pytest process) for evidence",
    )
    parser.add_argument(
        "--gate-json",
        type=Path,
        default=None,
        help="read the gate's gate.json (python -m policies.gate ... --results DIR) for this "
        "stack instead of running the gate again",
    )
    parser.add_argument(
        "--runtime-evidence",
        type=Path,
        default=None,
        help="runtime-evidence.json from python -m compliance.collect: decides the runtime "
        "controls (satisfied / not satisfied / expired = not run)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="an earlier report.json: add a section of what changed since (statuses, "
        "exceptions, citations, resources no control covers)",
    )
    parser.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="accept evidence files that carry no signature envelope (local work only): every "
        "output is then stamped UNSIGNED EVIDENCE; a bad or untrusted signature is still refused",
    )
    parser.add_argument(
        "--allow-simulation",
        action="store_true",
        help="accept runtime evidence collected from a local stand-in (moto): the cover, every "
        "page, the summary, the changes table, the sign-off and the OSCAL results then say "
        "LOCAL SIMULATION",
    )
    parser.add_argument(
        "--trust",
        type=Path,
        default=None,
        help="trust policy (default: compliance/trust.yaml plus this machine's development keys)",
    )
    parser.add_argument(
        "--period",
        default=None,
        metavar="YYYY-MM-DD..YYYY-MM-DD",
        help="also write the period report (operating effectiveness of the runtime controls "
        "over these UTC days) into <out>/period/; needs --evidence-store",
    )
    parser.add_argument(
        "--evidence-store",
        default=None,
        metavar="s3://BUCKET[/PREFIX] | DIR",
        help="the evidence store the scheduled collector writes (or a local copy of it)",
    )
    # The exceptions file the period is judged against (default --exceptions); a simulation
    # passes one with an entry that expires inside the period (simulation.period).
    parser.add_argument("--period-exceptions", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--catalog", type=Path, default=CATALOG_PATH, help=argparse.SUPPRESS)
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS_PATH, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _gather(args: argparse.Namespace, synth_dir: Path, work: Path) -> Inputs:
    try:
        catalog = load_catalog(args.catalog)
        exceptions = load_checked_exceptions(args.exceptions)
    except (CatalogError, ExceptionFileError) as err:
        raise ReportInputError(str(err)) from None
    junit: JUnitReport | None = None
    junit_binding: ArtifactBinding | None = None
    junit_detail = "no test results given (use --junit or --run-tests)"
    junit_path: Path | None = args.junit
    if args.run_tests:
        junit_path = work / "catalog-tests.xml"
        run_catalog_tests(catalog, junit_path, synth_dir)
    if junit_path is not None:
        try:
            junit = load_junit(junit_path)
            junit_binding = from_properties(dict(junit.properties), junit_path.name)
        except JUnitError as err:
            raise ReportInputError(str(err)) from None
        # A file given from outside must say which artifact it judged.
        verify_present(junit_binding, junit_path.name)
        junit_detail = f"{len(junit.cases)} test cases from {junit_path.name}"
    if args.gate_json is not None:
        read = load_gate_file(args.gate_json, synth_dir.name)
        verify_present(read.binding, args.gate_json.name)
        gate, gate_binding = list(read.lines), read.binding
        verdict = "passed" if read.ok else "FAILED"
        gate_detail = f"gate {verdict}: {len(gate)} check results read from {args.gate_json.name}"
        gate_files = tuple(
            p for p in (args.gate_json, args.gate_json.parent / GATE_SARIF_FILE) if p.is_file()
        )
    else:
        try:
            gate, gate_detail = run_gate_results(synth_dir, args.out / GATE_RESULTS_DIR)
        except ScanError as err:
            raise ReportInputError(f"the Checkov gate could not run: {err}") from None
        gate_binding = bind(synth_dir)  # ran in this process on this very file
        gate_dir = args.out / GATE_RESULTS_DIR
        gate_files = tuple(gate_dir / name for name in (GATE_JSON_FILE, GATE_SARIF_FILE))
    aspects = load_aspect_file(synth_dir)
    verify_present(aspects.binding if aspects else None, f"{synth_dir.name}/{ASPECT_RESULTS_FILE}")
    return Inputs(
        synth_dir,
        catalog,
        exceptions,
        gate,
        gate_detail,
        junit,
        junit_detail,
        gate_binding=gate_binding,
        junit_binding=junit_binding,
        gate_files=gate_files,
        junit_file=junit_path,
        catalog_path=args.catalog,
        exceptions_path=args.exceptions,
    )


def verify_inputs(args: argparse.Namespace, inputs: Inputs) -> Attestations:
    """Verify the signature of every evidence file the report reads (refuses on the first bad
    one); the files verified are exactly the files archived."""
    files: list[tuple[Path, str]] = [(inputs.synth_dir / ASPECT_RESULTS_FILE, "aspects")]
    files += [(p, "checkov gate") for p in inputs.gate_files if p.is_file()]
    if inputs.junit_file is not None:
        files.append((inputs.junit_file, "pytest"))
    if args.runtime_evidence is not None:
        files.append((args.runtime_evidence, "collector"))
    policy = load_trust_policy(args.trust, local=None) if args.trust else load_trust_policy()
    subject = subject_of(bind(inputs.synth_dir))
    return check_files(files, subject, policy, args.allow_unsigned)


def verify_present(binding: ArtifactBinding | None, source: str) -> None:
    """An input file without a binding is refused (it could have judged any artifact)."""
    if binding is None:
        raise BindingError(
            f"{source}: carries no artifact binding (SHA-256 of cdk.tf.json and commit); "
            "regenerate it with this version of the tools"
        )


def reproduce_commands(args: argparse.Namespace, data: ReportData) -> tuple[str, ...]:
    """Shell commands that rebuild this report from its commit (paths relative, no absolutes)."""
    run = data.run
    synth = f"cdktf.out/stacks/{run.stack_name}"
    report = ["python -m compliance.report", f"--synth-dir {synth}"]
    if args.run_tests:
        report.append("--run-tests")
    elif args.junit is not None:
        report.append(f"--junit REPORT_DIR/{EVIDENCE_DIR}/pytest-junit.xml")
    if args.gate_json is not None:
        report.append(f"--gate-json REPORT_DIR/{EVIDENCE_DIR}/{GATE_JSON_FILE}")
    if args.baseline is not None:
        report.append("--baseline BASELINE_REPORT_JSON")
    report.append("--out NEW_REPORT_DIR")
    sha = data.artifact.sha256 if data.artifact else "unknown"
    return (
        f"git checkout {run.commit}",
        f"ENVIRONMENT_SUFFIX={run.environment_suffix} python main.py",
        f"sha256sum {synth}/cdk.tf.json  # must print {sha}",
        " ".join(report),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    problem = _period_args_problem(args)
    if problem:  # before any synthesis or scan: bad input costs nothing
        print(f"error: {problem}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="sfx-report-") as tmp:
        work = Path(tmp)
        try:
            synth_dir = args.synth_dir or synthesize_from_environment(work / "cdktf.out")
            if not (synth_dir / "cdk.tf.json").is_file():
                raise ReportInputError(f"--synth-dir {synth_dir.name}: holds no cdk.tf.json")
            inputs = _gather(args, synth_dir, work)
            attestations = verify_inputs(args, inputs)
            data = build_report_data(inputs)
            if args.runtime_evidence is not None:
                data = with_runtime_evidence(data, args.runtime_evidence, args.allow_simulation)
            data = replace(
                data,
                attestations=attestations,
                evidence_sources=(
                    *data.evidence_sources,
                    *attestations.envelope_sources(data.evidence_sources),
                ),
            )
            data = replace(data, reproduce=reproduce_commands(args, data))
            if args.baseline is not None:
                changes = compare(report_document(data), load_baseline(args.baseline))
                data = replace(data, changes=changes)
        except (
            ReportInputError,
            ResultsError,
            StackFileError,
            BindingError,
            BaselineError,
            SoaError,
            RuntimeEvidenceError,
            AttestationError,
            GovernanceError,
            TrustError,
            SignerError,
        ) as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            period = _build_period(args, data)
        except PeriodInputError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if period is not None:
            from compliance.period.report import period_front_text

            data = replace(data, period_text=period_front_text(period))
        write_report(data, args.out)
        period_code = _write_period(period, args.out, synth_dir)
    counts = data.counts()
    print(
        f"compliance report for {data.run.stack_name} written to {args.out}/ "
        f"({', '.join(f'{n} {s}' for s, n in counts.items() if n)})"
    )
    code = exit_code(data)
    return code if code else (EXIT_NOT_SATISFIED if period_code else 0)


def exit_code(data: ReportData) -> int:
    """3 when a design-time control's evidence did not run (named on stderr), else 1 when a
    control is not satisfied, else 0."""
    not_run = data.design_not_run()
    if not_run:
        print(
            f"error: report INCOMPLETE: {len(not_run)} design-time control(s) have evidence "
            f"not run: {', '.join(not_run)}",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return EXIT_NOT_SATISFIED if data.counts()[ControlStatus.NOT_SATISFIED.value] else 0


def _period_args_problem(args: argparse.Namespace) -> str:
    if (args.period is None) != (args.evidence_store is None):
        return "--period and --evidence-store go together"
    if args.period is not None:
        from compliance.period.window import Period, PeriodError

        try:
            Period.parse(args.period)
        except PeriodError as err:
            return str(err)
    return ""


def _owner_tag(synth_dir: Path) -> str:
    """The stack's Owner tag (provider default_tags): the system owner of the period OSCAL."""
    from compliance.period.report import DEFAULT_OWNER

    provider = SynthesizedStack.load(synth_dir).data.get("provider", {}).get("aws", [{}])[0]
    tags = (provider.get("default_tags") or [{}])[0].get("tags", {})
    return str(tags.get("Owner", DEFAULT_OWNER))


def _build_period(args: argparse.Namespace, data: ReportData) -> PeriodReport | None:
    """The period report (issue 22; compliance/period/), built before the design-time report so
    its front page states the period; None when not asked for. Raises ``PeriodInputError``."""
    if args.period is None and args.evidence_store is None:
        return None
    from compliance.period.exceptions import exception_events, read_exceptions_over
    from compliance.period.report import build_period_report
    from compliance.period.source import SourceError
    from compliance.period.window import Period, PeriodError

    try:
        period = Period.parse(args.period)
        verdicts: dict[str, str] = {}
        if data.artifact is not None:
            counts = ", ".join(f"{n} {s}" for s, n in data.counts().items() if n)
            verdicts[data.artifact.sha256] = (
                f"design-time report of commit {data.run.commit} (this report): {counts}"
            )
        waivers = read_exceptions_over(args.period_exceptions or args.exceptions)
        return build_period_report(
            period,
            args.evidence_store,
            stack_name=data.run.stack_name,
            design_verdicts=verdicts,
            exception_events=exception_events(period, waivers, data.catalog),
        )
    except (PeriodError, SourceError, ExceptionFileError) as err:
        raise PeriodInputError(str(err)) from None


class PeriodInputError(ValueError):
    """--period / --evidence-store could not be read (exit 2)."""


def _write_period(report: PeriodReport | None, out: Path, synth_dir: Path) -> int:
    """0 effective (or not asked for), 1 deviations."""
    if report is None:
        return 0
    from compliance.period.write import write_period_report

    paths = write_period_report(report, out, _owner_tag(synth_dir))
    print(f"period report: {report.conclusion} ({paths['period-report.md']})")
    return 0 if report.effective else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip the jsii teardown when the stack was synthesized in-process
