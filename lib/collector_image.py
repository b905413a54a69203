"""The scheduled collector's image tag: ``collector-<digest>`` of the files its image is built from.

The collector has its own image (``compliance/collect/Dockerfile``, build context the repository
root), not the worker's: the worker image carries ffmpeg and the worker package and no
``compliance`` code, and the collector must not carry the worker's database access. It is
pushed to the stack's ECR repository (immutable tags, scanned on push) under this tag, so a new
tag appears exactly when the collector's code changes::

    docker build -f compliance/collect/Dockerfile -t "$repo:$(.venv/bin/python -m lib.collector_image)" .
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lib.worker_image import DIGEST_CHARS, tree_digest, tree_inputs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_INPUTS = (
    "compliance/collect",
    "compliance/__init__.py",
    "compliance/runinfo.py",
    "compliance/collector-policy.json",
    "core/__init__.py",
    "core/attest",  # the collector signs its evidence (compliance.collect.__main__)
    "core/binding.py",
    "core/evidence_layout.py",
    "core/git.py",
    "core/references.py",
    "core/stackfile.py",
    "lib/__init__.py",
    "lib/cis_metric_filters.py",
)
TAG_PREFIX = "collector-"


def build_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files the collector image is built from, in a stable order."""
    return tree_inputs(root, BUILD_INPUTS, "collector")


@cache
def source_tag(root: Path = PROJECT_ROOT) -> str:
    """``collector-<16 hex>``: SHA-256 over each input's relative path and bytes."""
    return TAG_PREFIX + tree_digest(root, build_inputs(root))[:DIGEST_CHARS]


if __name__ == "__main__":
    print(source_tag())
