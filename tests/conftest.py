"""Session fixtures: the real stack is synthesized ONCE per test session (~5 s, ~0.75 GB).

Tests assert on the parsed JSON through ``StackView``. Never synthesize the full stack per test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from core.stackfile import read_stack_document
from lib.provider_import import use_provider_shortcut

if TYPE_CHECKING:
    from policies.gate import GateResult

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CHECKPOINT_DISABLE", "1")
# Before any test module imports the provider: skip its all-submodules __init__ (~10 s, ~0.5 GB).
use_provider_shortcut()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The report's --run-tests sets SFX_SYNTH_DIR (core.binding.SYNTH_DIR_ENV) to the stack it
# reports, so the catalog's tests judge exactly that cdk.tf.json (and its suffix).
SYNTH_DIR_ENV = "SFX_SYNTH_DIR"


def pytest_configure(config: pytest.Config) -> None:
    """Evidence this session writes is signed (core.attest). With no key configured, a
    throwaway development key for this session, trusted through a throwaway local trust file
    (the report's --run-tests children inherit both)."""
    import contextlib
    import io
    import tempfile

    from compliance import keys
    from core.attest import KEY_FILE_ENV, signer_from_env
    from core.attest.trust import LOCAL_TRUST_ENV

    if signer_from_env() is not None:
        return
    folder = Path(tempfile.mkdtemp(prefix="sfx-test-key-"))
    os.environ[KEY_FILE_ENV] = str(folder / "evidence-dev.pem")
    os.environ[LOCAL_TRUST_ENV] = str(folder / "trust.local.yaml")
    with contextlib.redirect_stdout(io.StringIO()):
        assert keys.main(["init"]) == 0


def pytest_unconfigure(config: pytest.Config) -> None:
    """Sign the JUnit file (after junitxml wrote it) when it records the artifact judged."""
    xml = getattr(config.option, "xmlpath", None)
    if not xml or not Path(xml).is_file():
        return
    from compliance.junit import JUnitError, load_junit
    from core.attest.engine import sign_output
    from core.binding import from_properties

    try:
        binding = from_properties(dict(load_junit(Path(xml)).properties), Path(xml).name)
    except (JUnitError, ValueError):
        return
    if binding is not None:
        sign_output(Path(xml), "pytest", binding)


# pytest-xdist (scripts/test.sh runs the suite with `-n 2 --dist loadgroup`): each worker process
# builds its own session fixtures. Tests that share an expensive one, or state only one process
# may hold, are sent to one worker as a group; the rest are spread one by one. First match wins.
XDIST_GROUPS: tuple[tuple[str, str], ...] = (
    ("gate_run", "gate"),  # the full checkov gate (~45 s) and the report built on its results
    ("mutant_scan", "mutants"),  # one narrowed checkov run over the 39 mutant stacks
    ("fixture_scan", "policy-fixtures"),  # one checkov run over the policy pass/fail fixtures
    ("moto_server", "collect-moto"),  # one moto server whose state the tests reset in turn
)
WORKER_TESTS = Path(__file__).resolve().parent / "worker"


def xdist_group(item: pytest.Item) -> str | None:
    """The group ``item`` must run in, or None when any worker may run it alone."""
    if WORKER_TESTS in Path(str(item.path)).parents:
        # One set of stand-ins, and the IAM comparison must run after every worker test in the
        # same process (tests/worker/conftest.py records the calls per process).
        return "worker"
    fixtures = set(getattr(item, "fixturenames", ()))
    for fixture, group in XDIST_GROUPS:
        if fixture in fixtures:
            return group
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    if any(defs[-1].scope == "module" for defs in definitions.values()):
        return item.nodeid.split("::", 1)[0]  # a module-scoped fixture: the module stays together
    return None


# The longest groups are handed out first (xdist assigns groups in the order they are
# collected): the worker group alone takes about 40% of the suite's time, and collected last (as
# tests/worker/ sorts) it ran alone at the end while the other process idled. Longest first.
FIRST_GROUPS = ("worker", "mutants", "collect-moto", "policy-fixtures", "gate")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the marks into node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    groups = {item.nodeid: xdist_group(item) for item in items}
    for item in items:
        if groups[item.nodeid] is not None:
            item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
    rank = {group: index for index, group in enumerate(FIRST_GROUPS)}
    items.sort(key=lambda item: rank.get(groups[item.nodeid] or "", len(FIRST_GROUPS)))


def _given_stack_suffix() -> str | None:
    given = os.environ.get(SYNTH_DIR_ENV)
    if not given:
        return None
    data = read_stack_document(Path(given))
    tags = data["provider"]["aws"][0].get("default_tags", [{}])[0].get("tags", {})
    return str(tags["Environment"])


TEST_SUFFIX = _given_stack_suffix() or "qa1"


@dataclass(frozen=True)
class StackView:
    """Read-only helpers over a synthesized ``cdk.tf.json``."""

    data: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.data.get("resource", {})

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(rtype, {})

    def one(self, rtype: str) -> dict[str, Any]:
        items = self.of_type(rtype)
        assert len(items) == 1, f"expected exactly one {rtype}, found {sorted(items)}"
        return next(iter(items.values()))

    def by_path(self, rtype: str, path_fragment: str) -> dict[str, Any]:
        """The resource of ``rtype`` whose construct path contains ``path_fragment``."""
        matches = [
            body
            for body in self.of_type(rtype).values()
            if path_fragment in body.get("//", {}).get("metadata", {}).get("path", "")
        ]
        assert len(matches) == 1, f"{rtype} with path ~ {path_fragment!r}: {len(matches)} matches"
        return matches[0]

    def all_resources(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for rtype, items in self.resources.items():
            for name, body in items.items():
                yield rtype, name, body

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self.data.get("output", {})

    @property
    def provider(self) -> dict[str, Any]:
        providers = self.data["provider"]["aws"]
        assert len(providers) == 1
        return providers[0]


@pytest.fixture(scope="session")
def synth_dir(
    tmp_path_factory: pytest.TempPathFactory,
    record_testsuite_property: Callable[[str, object], None],
) -> Path:
    """Synthesize the default configuration (suffix qa1) once, or use the stack named by
    SFX_SYNTH_DIR; returns the stack folder. The JUnit file records which artifact the session
    judged (sha256 of cdk.tf.json, commit), so the compliance report can refuse a mismatch."""
    from core.binding import bind

    given = os.environ.get(SYNTH_DIR_ENV)
    if given:
        target = Path(given)
    else:
        from lib.app import synthesize
        from lib.config import load_config

        config = load_config({"ENVIRONMENT_SUFFIX": TEST_SUFFIX})
        target = synthesize(config, tmp_path_factory.mktemp("cdktf.out"))
    for name, value in bind(target).properties().items():
        record_testsuite_property(name, value)
    return target


@pytest.fixture(scope="session")
def stack(synth_dir: Path) -> StackView:
    return StackView(read_stack_document(synth_dir))


@pytest.fixture(scope="session")
def gate_results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gate-results")


@pytest.fixture(scope="session")
def gate_run(synth_dir: Path, gate_results_dir: Path) -> GateResult:
    """The Checkov gate over the real stack, ONCE per session (checkov costs ~45 s a run)."""
    from policies.gate import run_gate

    return run_gate(synth_dir, gate_results_dir)
