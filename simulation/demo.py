"""The operating-evidence chain, locally (development only; its command line is
``.venv/bin/python -m compliance.demo_runtime [--days N] --out DIR``).

Starts moto server, builds a simulated deployed account named from the synthesized stack
(``simulation.account``), runs the collector against it and writes the compliance report
with ``--runtime-evidence``. With ``--days N`` it simulates N daily scheduled collections ending
yesterday (injected clock; one missed day and a drift fixed two days later,
``simulation.period``) into a local evidence store and writes the report with the
period report (``--period``, ``--evidence-store``). Everything is a LOCAL SIMULATION: the report says so on the evidence
section and in the OSCAL back-matter; it proves nothing about a real deployment.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from compliance.collect.__main__ import evidence_predicate
from compliance.collect.design import read_design
from compliance.collect.model import RuntimeEvidence
from compliance.collect.run import Target, collect, write_evidence
from core.attest.engine import sign_output
from core.binding import bind
from simulation.account import FAKE_CREDENTIALS, SimulatedAccount, local_moto


def simulate_and_collect(stack_dir: Path, out: Path, endpoint: str) -> tuple[Path, RuntimeEvidence]:
    """Build the simulated account on the moto server at ``endpoint`` and collect from it."""
    for key, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    design = read_design(stack_dir)
    now = datetime.now(UTC).replace(microsecond=0)
    builder = Target.default(design.region, endpoint)
    account = SimulatedAccount.build(design, builder, now)
    binding = bind(stack_dir)
    evidence = collect(design, account.collector_target(), now=now, binding=binding)
    path = write_evidence(evidence, out)
    sign_output(path, "collector", binding, evidence_predicate(evidence))  # as the collector does
    return path, evidence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m compliance.demo_runtime", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for evidence and report")
    parser.add_argument(
        "--synth-dir",
        type=Path,
        default=None,
        help="a synthesized stack folder (default: synthesize from the environment)",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=None,
        help="simulate this many daily collections (>= 6) and write the period report",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    from compliance import report

    synth_dir: Path = args.synth_dir
    if synth_dir is None:
        try:  # through the report's synth: provider shortcut first, errors as messages
            synth_dir = report.synthesize_from_environment(out / "cdktf.out")
        except report.ReportInputError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    if args.days is not None:
        return _period_demo(report, synth_dir, out, args.days)
    with local_moto() as endpoint:
        path, evidence = simulate_and_collect(synth_dir, out / "evidence", endpoint)
    print(
        f"LOCAL SIMULATION: {len(evidence.items)} evidence items from moto ({endpoint}) in {path}"
    )
    code = report.main(
        [
            "--out",
            str(out / "report"),
            "--synth-dir",
            str(synth_dir),
            "--runtime-evidence",
            str(path),
            "--allow-simulation",  # a simulation by construction: every page says so
        ]
    )
    if code != 2:  # 2: the report refused its input and said why
        print(f"open {out / 'report' / 'report.html'} (operating evidence: LOCAL SIMULATION)")
    return code


def _period_demo(report: Any, synth_dir: Path, out: Path, days: int) -> int:
    from compliance.exceptions import DEFAULT_PATH
    from simulation.period import MIN_DAYS, expiring_exceptions, simulate_period

    if days < MIN_DAYS:
        print(f"error: --days {days}: at least {MIN_DAYS}", file=sys.stderr)
        return 2
    last = datetime.now(UTC).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    store = out / "evidence-store"
    with local_moto() as endpoint:
        injected = simulate_period(synth_dir, store, endpoint, first, days)
    expires = first + timedelta(days=(2 * days) // 3)
    waivers = expiring_exceptions(DEFAULT_PATH, out / "period-exceptions.yaml", first, expires)
    print(
        f"LOCAL SIMULATION: {days} daily collections {first}..{last} in {store} (missed "
        f"{injected.missed}; drift of {injected.drifted_group} from {injected.drift_start}, "
        f"fixed {injected.drift_fixed}; an exception expiring {expires})"
    )
    code: int = report.main(
        [
            "--out",
            str(out / "report"),
            "--synth-dir",
            str(synth_dir),
            "--period",
            f"{first}..{last}",
            "--evidence-store",
            str(store),
            "--period-exceptions",
            str(waivers),
        ]
    )
    return code
