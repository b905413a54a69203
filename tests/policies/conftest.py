"""Session fixtures of the policy tests: ONE checkov run over all fixture cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.scan import RawScan, scan
from tests.policies.cases import CASES, Case


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
