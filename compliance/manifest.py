"""The raw evidence kept beside the report, and ``evidence-manifest.json`` (a SHA-256 per file).

The report folder keeps the files each engine wrote (aspect records, gate JSON/SARIF, the pytest
JUnit file) and the catalog and exceptions file as used, copied into ``evidence/``; the
manifest also lists the report's own CSV annexes (``report.csv``, ``annexes/``). The manifest
names each with its hash, the engine and the time it ran, plus the artifact binding of the
reported stack; the report shows the manifest's own hash, so an auditor can check every file
(``sha256sum -c`` style) from one value.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.binding import ArtifactBinding, sha256_file

EVIDENCE_DIR = "evidence"
MANIFEST_FILE = "evidence-manifest.json"


@dataclass(frozen=True)
class EvidenceSource:
    """A raw file to keep: where it is now, its name in ``evidence/``, the engine that wrote it."""

    path: Path
    name: str
    engine: str
    ran_at: dt.datetime | None = None


@dataclass(frozen=True)
class EvidenceFile:
    """A kept file as the manifest lists it (``path`` relative to the report folder)."""

    path: str
    sha256: str
    size: int
    engine: str
    ran_at: str  # ISO time, or "" when the engine's time is unknown

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "bytes": self.size,
            "engine": self.engine,
            "ran_at": self.ran_at or None,
        }


@dataclass(frozen=True)
class Manifest:
    artifact: ArtifactBinding
    files: tuple[EvidenceFile, ...]
    sha256: str  # of evidence-manifest.json itself

    def to_json(self) -> dict[str, Any]:
        return {
            "artifact": self.artifact.to_json(),
            "manifest_file": MANIFEST_FILE,
            "manifest_sha256": self.sha256,
            "files": [f.to_json() for f in self.files],
        }


def keep_evidence(
    sources: Sequence[EvidenceSource],
    artifact: ArtifactBinding,
    out_dir: Path,
    report_files: Sequence[Path] = (),
) -> Manifest:
    """Copy each source into ``<out>/evidence/`` and write the manifest; returns it.
    ``report_files``: files the report already wrote into ``out_dir`` (its CSV annexes), listed
    by their path in the folder, engine "report", so the manifest's hash covers them too."""
    target = out_dir / EVIDENCE_DIR
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for source in sources:
        if not source.path.is_file():
            continue
        copy = target / source.name
        if source.path.resolve() != copy.resolve():
            shutil.copyfile(source.path, copy)
        files.append(
            EvidenceFile(
                f"{EVIDENCE_DIR}/{source.name}",
                sha256_file(copy),
                copy.stat().st_size,
                source.engine,
                source.ran_at.isoformat() if source.ran_at else "",
            )
        )
    files += [
        EvidenceFile(
            path.relative_to(out_dir).as_posix(),
            sha256_file(path),
            path.stat().st_size,
            "report",
            "",
        )
        for path in report_files
    ]
    document = {
        "artifact": artifact.to_json(),
        "files": [f.to_json() for f in sorted(files, key=lambda f: f.path)],
    }
    path = out_dir / MANIFEST_FILE
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return Manifest(artifact, tuple(sorted(files, key=lambda f: f.path)), sha256_file(path))
