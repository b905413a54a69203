"""What each evidence engine calls after writing a file: sign it if a key is configured."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.attest.envelope import attest_file
from core.attest.signers import signer_from_env
from core.attest.statement import StackSubject
from core.binding import ArtifactBinding


def subject_of(binding: ArtifactBinding) -> StackSubject:
    return StackSubject(binding.stack, binding.sha256, binding.commit)


def sign_output(
    paths: Path | list[Path],
    engine: str,
    binding: ArtifactBinding,
    extra: dict[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    kms_client: Any | None = None,
) -> list[Path]:
    """Write ``<file>.dsse.json`` beside each file; with no key configured, say so on stderr and
    write nothing (the report then refuses the files unless ``--allow-unsigned``)."""
    files = [paths] if isinstance(paths, Path) else paths
    signer = signer_from_env(env, kms_client)
    if signer is None:
        names = ", ".join(p.name for p in files)
        print(
            f"note: {engine}: {names} NOT signed: no signing key configured "
            "(python -m compliance.keys init creates a development key)",
            file=sys.stderr,
        )
        return []
    return [attest_file(p, engine, subject_of(binding), signer, extra) for p in files]
