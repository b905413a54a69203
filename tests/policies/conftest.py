"""Session fixtures of the policy tests: ONE checkov run over all fixture cases, ONE over the
one-violation mutants of the real stack (test_mutations.py, test_twins_agree.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from core.exceptions import load_exceptions
from core.stackfile import read_stack_document
from policies.gate import GateResult, judge
from policies.scan import RawScan, scan
from tests.policies.cases import CASES, Case
from tests.policies.mutations import MUTATIONS

UNMODIFIED = "unmodified"
NAMED_CHECKS = tuple(sorted({m.check_id for m in MUTATIONS}))


def case_dir(root: Path, case: Case) -> Path:
    return root / case.check_id.lower() / case.folder


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("policy-fixtures")
    for case in CASES:
        folder = case_dir(root, case)
        folder.mkdir(parents=True)
        (folder / "main.tf.json").write_text(case.text(), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def fixture_scan(fixture_root: Path) -> RawScan:
    """Every custom check over every fixture case, in one checkov process."""
    return scan(fixture_root)


@pytest.fixture(scope="session")
def mutant_root(
    synth_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """Writes the unmodified stack and every mutant into its own folder; returns broken addresses."""
    original = read_stack_document(synth_dir)
    root = tmp_path_factory.mktemp("mutants")
    broken: dict[str, str] = {}
    for mutation in MUTATIONS:
        doc = copy.deepcopy(original)
        broken[mutation.name] = mutation.apply(doc)
        _write(root / mutation.name, doc)
    _write(root / UNMODIFIED, original)
    return root, broken


def _write(folder: Path, doc: dict[str, object]) -> None:
    folder.mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")


@pytest.fixture(scope="session")
def mutant_scan(mutant_root: tuple[Path, dict[str, str]]) -> RawScan:
    """Every mutant and the unmodified copy, in one checkov run of the checks they name."""
    return scan(mutant_root[0], checks=NAMED_CHECKS)


@pytest.fixture(scope="session")
def judged(mutant_scan: RawScan, mutant_root: tuple[Path, dict[str, str]]) -> dict[str, GateResult]:
    """The gate's verdict on each folder of the narrowed scan (the unmodified copy included)."""
    root = mutant_root[0]
    exceptions = load_exceptions()
    names = [UNMODIFIED, *(m.name for m in MUTATIONS)]
    return {name: judge(mutant_scan.for_folder(root / name), exceptions) for name in names}
