"""Issue 24 item 8: the tests are laid out like the source they test.

``tests/<package>/<sub>/test_x.py`` tests ``<package>/<sub>/``: every folder under tests/ (but the
shared data) names a source folder that exists, so a maintainer finds a module's tests by its path
and a test added for ``lib/constructs/`` cannot land beside the repository-wide ones. The top level
of tests/ holds only the tests that judge the repository as a whole (docs, layering, CI).
"""

from __future__ import annotations

from tests.conftest import PROJECT_ROOT

TESTS = PROJECT_ROOT / "tests"
NOT_SOURCE = {TESTS / "data"}  # fixtures' files, not tests
# Test modules that judge the whole repository or a contract between two packages, not one
# module: the only test files allowed at the top of tests/.
REPOSITORY_WIDE = {
    "test_bench_synth_import.py",  # bench/ against the synth
    "test_ci_workflow.py",  # .github/ and scripts/
    "test_docs.py",  # every Markdown guide
    "test_import_cycles.py",  # package layering
    "test_layout.py",  # this file
    "test_lib_imports.py",  # what each package may import
    "test_readme.py",  # README.md and DEVELOPERS.md
    "test_scanner_decisions.py",  # docs/compliance.md's decisions against the stack
    "test_worker_contract.py",  # the worker <-> stack contract, both sides
}


def test_every_test_folder_mirrors_a_source_folder() -> None:
    folders = [
        p
        for p in TESTS.rglob("*")
        if p.is_dir() and p.name != "__pycache__" and p not in NOT_SOURCE
    ]
    assert folders, "no test folders found"
    orphans = sorted(
        str(p.relative_to(TESTS))
        for p in folders
        if not (PROJECT_ROOT / p.relative_to(TESTS)).is_dir()
        and not (PROJECT_ROOT / p.relative_to(TESTS)).with_suffix(".py").is_file()
    )
    assert orphans == [], f"tests/ folders with no source folder of the same path: {orphans}"


def test_only_repository_wide_tests_sit_at_the_top_of_tests() -> None:
    top = {p.name for p in TESTS.glob("test_*.py")}
    assert "test_layout.py" in top
    misplaced = sorted(top - REPOSITORY_WIDE)
    assert misplaced == [], (
        f"{misplaced}: put a module's tests under tests/<its source path>/ "
        "(or, if it judges the whole repository, add it to REPOSITORY_WIDE with the reason)"
    )
