"""Issue 24 item 6: the collector image ships only what runs in production, and runs only what
it ships.

Its build inputs (``lib.collector_image.BUILD_INPUTS``, which ``compliance/collect/Dockerfile``
copies and whose digest is the image tag) hold no development-only module; every module they
import is itself an input, the standard library or a requirement the image installs (so moving
code out cannot leave the image importing what it no longer has); and no production module
imports the development-only ``simulation`` package (its command line,
``compliance.demo_runtime``, is an entry module outside the image).
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lib.collector_image import BUILD_INPUTS, build_inputs
from tests.conftest import PROJECT_ROOT
from tests.test_lib_imports import import_graph, imported_names

DEV_ONLY_PACKAGES = ("simulation",)  # top-level packages that never ship
DEV_ENTRY_MODULES = ("compliance.demo_runtime",)  # command lines importing them; not image inputs
PRODUCTION = ("lib", "policies", "compliance", "worker")
DOCKERFILE = PROJECT_ROOT / "compliance" / "collect" / "Dockerfile"
REQUIREMENTS = PROJECT_ROOT / "compliance" / "collect" / "requirements.txt"


def _module(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _dev_only(modules: set[str]) -> list[str]:
    return sorted(
        m for m in modules if m.split(".")[0] in DEV_ONLY_PACKAGES or m in DEV_ENTRY_MODULES
    )


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, function-level imports included."""
    tree = ast.parse(path.read_text())
    return imported_names(tree, _module(path), path.name == "__init__.py")


def _installed_top_levels() -> set[str]:
    """Import names of the distributions the image installs (requirements.txt)."""
    wanted = {
        re.split(r"[=<>~\[ ]", line.strip())[0].lower().replace("_", "-")
        for line in REQUIREMENTS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    return {
        top
        for top, dists in importlib.metadata.packages_distributions().items()
        if any(d.lower().replace("_", "-") in wanted for d in dists)
    }


def _is_repo_module(name: str) -> bool:
    """Whether ``name`` is a module of this repository (else, after ``from m import x``, ``m.x``
    is a name inside module ``m``)."""
    base = PROJECT_ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _unshipped_imports(inputs: list[Path]) -> dict[str, list[str]]:
    """Per input module, what it imports that the image would not have."""
    shipped = {_module(p) for p in inputs if p.suffix == ".py"}
    allowed = set(sys.stdlib_module_names) | _installed_top_levels() | {"__future__"}
    out = {}
    for path in (p for p in inputs if p.suffix == ".py"):
        missing = sorted(
            name
            for name in _imports(path)
            if name not in shipped
            and name.split(".")[0] not in allowed
            and not (name.rpartition(".")[0] in shipped and not _is_repo_module(name))
        )
        if missing:
            out[_module(path)] = missing
    return out


def test_the_collector_image_inputs_hold_no_dev_only_module() -> None:
    inputs = build_inputs()
    modules = {_module(p) for p in inputs if p.suffix == ".py"}
    assert "compliance.collect.scheduled" in modules, "inputs not read"
    assert _dev_only(modules) == []
    # the check sees a dev-only module where one is added
    assert _dev_only(modules | {"simulation.account", "compliance.demo_runtime"}) == [
        "compliance.demo_runtime",
        "simulation.account",
    ]


def test_every_module_the_collector_imports_is_in_its_image() -> None:
    """A simulation module left among the inputs imports moto, which the image does not install."""
    inputs = build_inputs()
    assert {"boto3", "botocore"} <= _installed_top_levels()
    assert _unshipped_imports(inputs) == {}
    stray = PROJECT_ROOT / "simulation" / "account.py"  # as it would be, left in the image
    assert "moto.server" in _unshipped_imports([*inputs, stray]).get("simulation.account", [])


def test_the_image_tree_alone_imports_the_scheduled_entry_point(tmp_path: Path) -> None:
    """The image's CMD module imports from a tree of only the build inputs (as /app holds them)."""
    for path in build_inputs():
        target = tmp_path / path.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(tmp_path)}
    probe = "import compliance.collect.scheduled, compliance.collect.__main__"
    result = subprocess.run(
        [sys.executable, "-P", "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_dockerfile_copies_exactly_the_build_inputs() -> None:
    """The tag is the digest of BUILD_INPUTS; the image must be built from those and no more."""
    copied = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY "):
            *sources, _dest = line.split()[1:]
            copied += sources
    requirements = str(REQUIREMENTS.relative_to(PROJECT_ROOT))
    assert requirements in copied
    assert sorted(set(copied) - {requirements}) == sorted(BUILD_INPUTS)


def test_no_production_module_imports_the_simulation() -> None:
    graph = import_graph(*PRODUCTION, *DEV_ONLY_PACKAGES)
    assert "simulation.account" in graph and "simulation.period" in graph, "graph not built"
    assert "simulation.demo" in graph["compliance.demo_runtime"], "edges counted"
    offenders = {
        module: sorted(_dev_only(edges))
        for module, edges in graph.items()
        if module.split(".")[0] not in DEV_ONLY_PACKAGES
        and module not in DEV_ENTRY_MODULES
        and _dev_only(edges)
    }
    assert offenders == {}
