"""Write and verify the DSSE envelope beside an evidence file: ``<file name>.dsse.json``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import FormatError, VerificationError

from core.attest.signers import ResolvedSigner
from core.attest.statement import (
    PAYLOAD_TYPE,
    StackSubject,
    build_statement,
    parse_statement,
    predicate_of,
    subject_digests,
)
from core.attest.trust import TrustedKey, TrustPolicy
from core.binding import sha256_file, utc_now

ENVELOPE_SUFFIX = ".dsse.json"


class AttestationError(ValueError):
    """Evidence is unsigned, mis-signed, untrusted or does not match its file (names all three)."""


@dataclass(frozen=True)
class Verified:
    """A file whose envelope verified: who signed it and what the statement says."""

    file: Path
    engine: str
    sha256: str
    key: TrustedKey
    predicate: dict[str, Any]

    @property
    def development(self) -> bool:
        return self.key.development

    def line(self) -> str:
        level = "DEVELOPMENT key" if self.development else "key"
        return (
            f"{self.file.name}: signed by {self.engine} with {level} {self.key.name} "
            f"({self.key.keyid[:16]}), sha256 {self.sha256}"
        )


def envelope_path(path: Path) -> Path:
    """The one naming rule: the envelope of ``x.json`` is ``x.json.dsse.json`` beside it."""
    return path.with_name(path.name + ENVELOPE_SUFFIX)


def attest_file(
    path: Path,
    engine: str,
    stack: StackSubject,
    signer: ResolvedSigner,
    extra: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Sign ``path`` (its SHA-256 as the subject) and write its envelope beside it."""
    payload = build_statement(
        path.name,
        sha256_file(path),
        engine,
        stack,
        now or utc_now(),
        {"signer": signer.describe(), **(extra or {})},
    )
    envelope = Envelope(payload, PAYLOAD_TYPE, {})
    envelope.sign(signer.signer)
    target = envelope_path(path)
    target.write_text(json.dumps(envelope.to_dict(), indent=2) + "\n", encoding="utf-8")
    return target


def _load(envelope_file: Path, where: str) -> Envelope:
    if not envelope_file.is_file():
        raise AttestationError(f"{where}: unsigned (no envelope {envelope_file.name} beside it)")
    try:
        envelope = Envelope.from_dict(json.loads(envelope_file.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, FormatError) as err:
        raise AttestationError(
            f"{where}: {envelope_file.name} is not a DSSE envelope ({err})"
        ) from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise AttestationError(
            f"{where}: payloadType {envelope.payload_type!r} is not {PAYLOAD_TYPE!r}"
        )
    return envelope


def read_statement(envelope_file: Path) -> dict[str, Any]:
    """The predicate of an envelope, NOT verified (for display; use ``verify_file`` to trust)."""
    envelope = _load(envelope_file, envelope_file.name)
    return predicate_of(parse_statement(envelope.payload))


def verify_file(
    path: Path,
    engine: str,
    policy: TrustPolicy,
    envelope_file: Path | None = None,
    stack: StackSubject | None = None,
) -> Verified:
    """Verify ``path`` against its envelope and the trust policy; raise AttestationError naming
    the file, the engine and why (unsigned, bad signature, untrusted key, hash or stack differ).
    """
    where = f"{path.name} ({engine})"
    if not path.is_file():
        raise AttestationError(f"{where}: no such file")
    envelope = _load(envelope_file or envelope_path(path), where)
    trusted = policy.keys_for(engine)
    if not trusted:
        raise AttestationError(f"{where}: the trust policy names no key for engine {engine!r}")
    try:
        accepted = envelope.verify([k.key for k in trusted], 1)
    except VerificationError:
        ids = sorted(envelope.signatures)
        allowed = {k.keyid for k in trusted}
        if any(i in allowed for i in ids):
            why = "signature does not verify (mis-signed or altered envelope)"
        elif any(policy.find(i) for i in ids):
            why = f"signed by a key the trust policy does not allow for engine {engine!r}"
        else:
            why = "signed by a key the trust policy does not name (untrusted)"
        raise AttestationError(f"{where}: {why} (key ids: {', '.join(ids) or 'none'})") from None
    key = next(k for k in trusted if k.keyid in accepted)
    try:
        statement = parse_statement(envelope.payload)
    except ValueError as err:
        raise AttestationError(f"{where}: {err}") from None
    predicate = predicate_of(statement)
    actual = sha256_file(path)
    if actual not in subject_digests(statement):
        raise AttestationError(
            f"{where}: file sha256 {actual} is not the signed subject "
            f"{', '.join(subject_digests(statement))} (edited after signing)"
        )
    if predicate.get("engine") != engine:
        raise AttestationError(f"{where}: signed as evidence of engine {predicate.get('engine')!r}")
    if stack is not None:
        for name, want in (("stack_sha256", stack.sha256), ("commit", stack.commit)):
            if predicate.get(name) != want:
                raise AttestationError(
                    f"{where}: signed {name} {predicate.get(name)!r}, but the reported stack "
                    f"has {want!r}"
                )
    return Verified(path, engine, actual, key, predicate)
