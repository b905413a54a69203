"""The worker image's default tag: a digest of the files the image is built from.

The ECR repository's tags are immutable, so a fixed default such as ``latest`` could be pushed
once only. A tag derived from ``worker/`` (Dockerfile, .dockerignore, requirements.txt, src/,
migrations/) changes exactly when the image may change: ``cdktf deploy`` rolls the service only
when the worker changed, and the engineer tags the build with the same value::

    tag="$(.venv/bin/python -m lib.worker_image)"

``STREAMFLIX_WORKER_IMAGE_TAG`` still overrides it (for example with a release version).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

WORKER_DIR = Path(__file__).resolve().parent.parent / "worker"
BUILD_INPUTS = ("Dockerfile", ".dockerignore", "requirements.txt", "src", "migrations")
TAG_PREFIX = "src-"
DIGEST_CHARS = 16  # 64 bits: collisions between two builds of one repository are not a concern
_SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache"})


def tree_inputs(root: Path, names: tuple[str, ...], what: str) -> list[Path]:
    """The files under ``names`` (files or folders below ``root``) an image is built from, in a
    stable order; caches and bytecode are left out. Shared with ``lib.collector_image``."""
    files: list[Path] = []
    for name in names:
        path = root / name
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        files += [
            f
            for f in candidates
            if f.is_file()
            and f.suffix != ".pyc"
            and not _SKIPPED_PARTS.intersection(f.relative_to(root).parts)
        ]
    if not files:
        raise FileNotFoundError(f"no {what} build inputs under {root}")
    return sorted(files, key=lambda f: f.relative_to(root).as_posix())


def tree_digest(root: Path, files: list[Path]) -> str:
    """SHA-256 over each file's path (relative to ``root``, POSIX) and bytes."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_inputs(root: Path = WORKER_DIR) -> list[Path]:
    """The files that make up the image's build context and recipe, in a stable order."""
    return tree_inputs(root, BUILD_INPUTS, "worker")


def source_digest(root: Path = WORKER_DIR) -> str:
    """SHA-256 over each input's path (relative, POSIX) and bytes."""
    return tree_digest(root, build_inputs(root))


@cache
def source_tag(root: Path = WORKER_DIR) -> str:
    """``src-<16 hex>``: a valid ECR tag naming this exact worker source."""
    return TAG_PREFIX + source_digest(root)[:DIGEST_CHARS]


if __name__ == "__main__":
    print(source_tag())
