"""The scheduled collector's image holds every module a check imports (issue 24).

The image copies only ``lib.collector_image.BUILD_INPUTS`` and pip-installs only
``compliance/collect/requirements.txt``; a check that imports a module outside them passes every
in-repository test and fails in AWS at start. The collector's entry point is imported here from
a folder holding exactly those inputs, and its third-party imports are held to the requirements.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib import metadata

import pytest

from lib.collector_image import PROJECT_ROOT, build_inputs

REQUIREMENTS = PROJECT_ROOT / "compliance" / "collect" / "requirements.txt"
ENTRY = "compliance.collect.scheduled"
# Imports the entry point with every distribution the requirements do not install hidden (an
# optional import such as botocore's ``certifi`` falls back as it would in the image); prints
# what the entry point brought in (the interpreter's own start-up imports left out).
PROBE = f"""
import json, sys
hidden = set(json.loads(sys.argv[1]))
class NotInImage:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not installed in the image)")
        return None
sys.meta_path.insert(0, NotInImage())
before = set(sys.modules)
import {ENTRY}
new = {{n: getattr(m, "__file__", None) for n, m in sys.modules.items() if n not in before}}
print(json.dumps(new))
"""


def _name(requirement: str) -> str:
    return re.split(r"[\s;=<>!~\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def installed_by_requirements() -> set[str]:
    """The distributions requirements.txt lists and, recursively, what pip installs with them."""
    todo = [
        _name(line)
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [_name(r) for r in metadata.requires(name) or [] if "extra ==" not in r]
    return seen


def not_in_image() -> list[str]:
    """Top-level modules of installed distributions the image would not have."""
    installed = installed_by_requirements()
    return sorted(
        module
        for module, dists in metadata.packages_distributions().items()
        if not {_name(d) for d in dists} & installed
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """Module -> file of everything the entry point imports, run from the image's inputs alone."""
    image = tmp_path_factory.mktemp("collector-image")
    for path in build_inputs():
        target = image / path.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    done = subprocess.run(
        [sys.executable, "-P", "-c", PROBE, json.dumps(not_in_image())],
        cwd=image,
        env={"PYTHONPATH": str(image), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{ENTRY} does not import in the image:\n{done.stderr[-1500:]}"
    modules: dict[str, str | None] = json.loads(done.stdout.splitlines()[-1])
    ours = {n: f for n, f in modules.items() if n.split(".")[0] in ("compliance", "lib")}
    assert ours and all(f is None or f.startswith(str(image)) for f in ours.values()), ours
    return modules


def test_the_entry_point_imports_from_the_image_inputs_and_requirements_alone(
    imported: dict[str, str | None],
) -> None:
    assert "compliance.collect.checks" in imported and "compliance.collect.network" in imported
    assert "boto3" in imported and "yaml" not in not_in_image()


def test_the_probe_hides_what_the_requirements_do_not_install() -> None:
    """The probe can fail: a distribution outside the requirements' closure is hidden."""
    hidden = not_in_image()
    assert "checkov" in hidden and "cdktf" in hidden
    assert "boto3" not in hidden and "botocore" not in hidden


def test_the_dockerfile_copies_exactly_the_build_inputs() -> None:
    """The tag is the digest of BUILD_INPUTS: the Dockerfile must copy those and nothing else."""
    from lib.collector_image import BUILD_INPUTS

    dockerfile = (PROJECT_ROOT / "compliance" / "collect" / "Dockerfile").read_text()
    copied = {
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
        if not source.endswith("requirements.txt")
    }
    assert copied == set(BUILD_INPUTS)
