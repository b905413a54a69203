"""Signed evidence: an in-toto Statement v1 in a DSSE envelope beside every evidence file.

Public API (kept small and stable; other engines and the evidence store rely on it):

- ``attest_file(path, engine, stack=..., signer=...) -> Path``: write ``<path>.dsse.json``.
- ``verify_file(path, engine, policy) -> Verified``: check the envelope against the trust policy
  and the file's SHA-256; raises ``AttestationError`` naming the file, the engine and why.
- ``signer_from_env(env) -> ResolvedSigner | None``: the signer the environment configures
  (KMS key, CI secret, local key file), or None.
- ``load_trust_policy() -> TrustPolicy``: ``compliance/trust.yaml`` plus local development keys.
- ``envelope_path(path) -> Path``: the one naming rule, ``<file name>.dsse.json`` beside the file.
"""

from core.attest.envelope import (
    AttestationError,
    Verified,
    attest_file,
    envelope_path,
    read_statement,
    verify_file,
)
from core.attest.signers import (
    KEY_FILE_ENV,
    KMS_KEY_ENV,
    SECRET_KEY_ENV,
    ResolvedSigner,
    SignerError,
    signer_from_env,
)
from core.attest.statement import ENGINES, StackSubject
from core.attest.trust import TrustError, TrustPolicy, load_trust_policy

__all__ = [
    "ENGINES",
    "KEY_FILE_ENV",
    "KMS_KEY_ENV",
    "SECRET_KEY_ENV",
    "AttestationError",
    "ResolvedSigner",
    "SignerError",
    "StackSubject",
    "TrustError",
    "TrustPolicy",
    "Verified",
    "attest_file",
    "envelope_path",
    "load_trust_policy",
    "read_statement",
    "signer_from_env",
    "verify_file",
]
