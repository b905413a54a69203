"""The scheduled collector's image tag: ``collector-<digest>`` of the files its image is built from.

The collector has its own image (``compliance/collect/Dockerfile``, build context the repository
root), not the worker's: the worker image carries ffmpeg and the worker package and no
``compliance`` code, and the collector must not carry the worker's database access. It is
pushed to the stack's ECR repository (immutable tags, scanned on push) under this tag, so a new
tag appears exactly when the collector's code changes::

    docker build -f compliance/collect/Dockerfile -t "$repo:$(.venv/bin/python -m lib.collector_image)" .
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_INPUTS = (
    "compliance/collect",
    "compliance/__init__.py",
    "compliance/stack.py",
    "compliance/runinfo.py",
    "compliance/collector-policy.json",
    "lib/__init__.py",
    "lib/evidence_layout.py",
)
TAG_PREFIX = "collector-"
DIGEST_CHARS = 16
_SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache"})


def build_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files the collector image is built from, in a stable order."""
    files: list[Path] = []
    for name in BUILD_INPUTS:
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
        raise FileNotFoundError(f"no collector build inputs under {root}")
    return sorted(files, key=lambda f: f.relative_to(root).as_posix())


@cache
def source_tag(root: Path = PROJECT_ROOT) -> str:
    """``collector-<16 hex>``: SHA-256 over each input's relative path and bytes."""
    digest = hashlib.sha256()
    for path in build_inputs(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return TAG_PREFIX + digest.hexdigest()[:DIGEST_CHARS]


if __name__ == "__main__":
    print(source_tag())
