"""The report's side of signed evidence: verify every input file against the trust policy.

Each evidence file the report reads must carry a DSSE envelope (``<file>.dsse.json``) signed by
a key ``compliance/trust.yaml`` allows for its engine, over the file's SHA-256 and the reported
stack's SHA-256 and commit. Unsigned, mis-signed or untrusted evidence is refused
(``AttestationError``, exit 2). ``--allow-unsigned`` accepts a *missing* envelope (never a bad
one) and stamps every output "UNSIGNED EVIDENCE".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.manifest import EvidenceSource
from core.attest import (
    AttestationError,
    StackSubject,
    TrustPolicy,
    Verified,
    envelope_path,
    verify_file,
)

UNSIGNED_MARK = "UNSIGNED EVIDENCE"
DEVELOPMENT_MARK = "SIGNED WITH A DEVELOPMENT KEY"
SIMULATION_MARK = "LOCAL SIMULATION"  # runtime evidence from a local stand-in (--allow-simulation)
VERIFY_COMMAND = "python -m compliance.verify REPORT_DIR"


@dataclass(frozen=True)
class Attestations:
    """What the report verified (and what it accepted unsigned under --allow-unsigned)."""

    verified: tuple[Verified, ...] = ()
    unsigned: tuple[str, ...] = ()  # "file (engine)"

    @property
    def development(self) -> bool:
        return any(v.development for v in self.verified)

    def marks(self) -> tuple[str, ...]:
        return (
            *((UNSIGNED_MARK,) if self.unsigned else ()),
            *((DEVELOPMENT_MARK,) if self.development else ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": [
                {
                    "file": v.file.name,
                    "engine": v.engine,
                    "sha256": v.sha256,
                    "key": v.key.name,
                    "keyid": v.key.keyid,
                    "development_key": v.development,
                }
                for v in self.verified
            ],
            "unsigned": list(self.unsigned),
            "verify_command": VERIFY_COMMAND,
        }

    def merged(self, other: Attestations) -> Attestations:
        return Attestations(self.verified + other.verified, self.unsigned + other.unsigned)

    def envelope_sources(self, sources: Sequence[EvidenceSource]) -> tuple[EvidenceSource, ...]:
        """The envelope of each kept source that was verified, kept as ``<name>.dsse.json``."""
        verified = {v.file.resolve() for v in self.verified}
        return tuple(
            EvidenceSource(envelope_path(s.path), envelope_path(Path(s.name)).name, s.engine)
            for s in sources
            if s.path.resolve() in verified
        )


def check_files(
    files: Sequence[tuple[Path, str]],
    stack: StackSubject,
    policy: TrustPolicy,
    allow_unsigned: bool,
) -> Attestations:
    """Verify each (file, engine); raise AttestationError on the first refused file."""
    verified: list[Verified] = []
    unsigned: list[str] = []
    for path, engine in files:
        if allow_unsigned and path.is_file() and not envelope_path(path).is_file():
            unsigned.append(f"{path.name} ({engine})")
            continue
        verified.append(verify_file(path, engine, policy, stack=stack))
    return Attestations(tuple(verified), tuple(unsigned))


__all__ = ["AttestationError", "Attestations", "check_files"]
