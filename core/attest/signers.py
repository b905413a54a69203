"""Who signs: a pluggable signer chosen by the environment (KMS key, CI secret, local key file).

Order: ``SFX_EVIDENCE_KMS_KEY`` (an AWS KMS asymmetric SIGN_VERIFY key; the deployed collector),
then ``SFX_EVIDENCE_SIGNING_KEY`` (a PEM private key held in the CI secret store), then
``SFX_EVIDENCE_KEY_FILE`` or the local development key ``.sfx/keys/evidence-dev.pem`` that
``python -m compliance.keys init`` creates. No signer configured: engines write no envelope and
the report refuses their evidence unless ``--allow-unsigned``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from securesystemslib.signer import (
    CryptoSigner,
    Key,
    SecretsHandler,
    Signature,
    Signer,
    SSlibKey,
)

from core.evidence_layout import ENV_SIGNING_KEY

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KMS_KEY_ENV = ENV_SIGNING_KEY  # the scheduled task is given it (lib/constructs/evidence.py)
SECRET_KEY_ENV = "SFX_EVIDENCE_SIGNING_KEY"
KEY_FILE_ENV = "SFX_EVIDENCE_KEY_FILE"
# Local development keys live here (git-ignored), with the local trust file that names them.
LOCAL_DIR = PROJECT_ROOT / ".sfx"
DEFAULT_KEY_FILE = LOCAL_DIR / "keys" / "evidence-dev.pem"
SCHEME = "ecdsa-sha2-nistp256"  # local keys: the same curve as the KMS key (ECC_NIST_P256)
# KMS key spec -> (securesystemslib scheme, KMS signing algorithm).
_KMS_SCHEMES = {
    "ECC_NIST_P256": ("ecdsa-sha2-nistp256", "ECDSA_SHA_256"),
    "RSA_2048": ("rsassa-pss-sha256", "RSASSA_PSS_SHA_256"),
    "RSA_3072": ("rsassa-pss-sha256", "RSASSA_PSS_SHA_256"),
    "RSA_4096": ("rsassa-pss-sha256", "RSASSA_PSS_SHA_256"),
}
# KMS Sign takes at most 4096 bytes with MessageType RAW (AWS KMS API reference, Sign: "Message
# ... up to 4096 bytes"); a DSSE envelope of one Statement is ~1 KB.
KMS_RAW_LIMIT = 4096


class SignerError(ValueError):
    """The configured signer cannot be used (message names the variable or file and why)."""


@dataclass(frozen=True)
class ResolvedSigner:
    """A ready signer and a plain description of where its key lives."""

    signer: Signer
    kind: str  # kms | ci-secret | local-file
    label: str
    kms_key_arn: str | None = None

    @property
    def keyid(self) -> str:
        return str(self.signer.public_key.keyid)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "keyid": self.keyid}
        if self.kms_key_arn:
            out["kms_key_arn"] = self.kms_key_arn
        return out


class KmsSigner(Signer):
    """Signs with an AWS KMS asymmetric key; the private key never leaves KMS.

    Sends the DSSE pre-authentication encoding as a RAW message (KMS hashes it), so the
    signature is an ordinary ECDSA/RSA-PSS signature over the PAE that any holder of the public
    key verifies. securesystemslib's AWSSigner sends a DIGEST instead; moto 5.2.5 does not
    implement MessageType DIGEST (moto/kms/models.py ``sign`` docstring) — on AWS both work,
    RAW is chosen because the payload is always small and KMS then does the hashing itself.
    """

    SCHEME = "sfxkms"

    def __init__(self, client: Any, key_arn: str, public_key: SSlibKey, algorithm: str):
        self.client = client
        self.key_arn = key_arn
        self._public_key = public_key
        self.algorithm = algorithm

    @property
    def public_key(self) -> SSlibKey:
        return self._public_key

    @classmethod
    def from_priv_key_uri(
        cls,
        priv_key_uri: str,
        public_key: Any,
        secrets_handler: SecretsHandler | None = None,
    ) -> KmsSigner:
        import boto3

        scheme, _, key_id = priv_key_uri.partition(":")
        if scheme != cls.SCHEME or not key_id:
            raise ValueError(f"KmsSigner does not support {priv_key_uri}")
        return kms_signer(boto3.client("kms"), key_id)

    def sign(self, payload: bytes) -> Signature:
        if len(payload) > KMS_RAW_LIMIT:
            raise SignerError(
                f"KMS key {self.key_arn}: payload of {len(payload)} bytes exceeds the "
                f"{KMS_RAW_LIMIT}-byte RAW message limit of kms:Sign"
            )
        response = self.client.sign(
            KeyId=self.key_arn,
            Message=payload,
            MessageType="RAW",
            SigningAlgorithm=self.algorithm,
        )
        return Signature(self._public_key.keyid, bytes(response["Signature"]).hex())


def kms_public_key(client: Any, key_id: str) -> tuple[str, SSlibKey, str]:
    """(key ARN, public key, KMS signing algorithm) of a SIGN_VERIFY key (kms:DescribeKey for
    the ARN, which DescribeKey always returns, and kms:GetPublicKey)."""
    arn = str(client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"])
    response = client.get_public_key(KeyId=arn)
    spec = response.get("KeySpec") or response.get("CustomerMasterKeySpec")
    if response.get("KeyUsage") != "SIGN_VERIFY" or spec not in _KMS_SCHEMES:
        raise SignerError(
            f"{KMS_KEY_ENV}={key_id}: must be an asymmetric SIGN_VERIFY key of spec "
            f"{', '.join(_KMS_SCHEMES)} (got {response.get('KeyUsage')} {spec})"
        )
    scheme, algorithm = _KMS_SCHEMES[spec]
    crypto_key = serialization.load_der_public_key(bytes(response["PublicKey"]))
    return arn, SSlibKey.from_crypto(crypto_key, scheme=scheme), algorithm


def kms_signer(client: Any, key_id: str) -> KmsSigner:
    arn, public_key, algorithm = kms_public_key(client, key_id)
    return KmsSigner(client, arn, public_key, algorithm)


def load_private_key(pem: bytes, source: str) -> CryptoSigner:
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as err:
        raise SignerError(f"{source}: not an unencrypted PEM private key ({err})") from None
    if not isinstance(private, EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise SignerError(f"{source}: must be an ECDSA P-256 key (python -m compliance.keys init)")
    return CryptoSigner(private, SSlibKey.from_crypto(private.public_key(), scheme=SCHEME))


def key_file(env: Mapping[str, str]) -> Path:
    return Path(env[KEY_FILE_ENV]) if env.get(KEY_FILE_ENV) else DEFAULT_KEY_FILE


def shown_key_path(path: Path) -> str:
    """How a report names a key file: relative to the project, else to the home folder, else by
    its file name only. Reports are handed to auditors and must not carry this machine's absolute
    paths (a CI runner's temporary key lives under /tmp); the key id beside it names the key."""
    path = path.resolve()
    if path.is_relative_to(PROJECT_ROOT):
        return str(path.relative_to(PROJECT_ROOT))
    home = Path.home()
    if len(home.parts) > 1 and path.is_relative_to(home):
        return f"~/{path.relative_to(home)}"
    return f"{path.name} (outside the project)"


def signer_from_env(
    env: Mapping[str, str] | None = None, kms_client: Any | None = None
) -> ResolvedSigner | None:
    """The configured signer, or None when no key is configured (see the module docstring)."""
    env = os.environ if env is None else env
    if env.get(KMS_KEY_ENV):
        if kms_client is None:
            import boto3

            kms_client = boto3.client("kms")
        kms = kms_signer(kms_client, env[KMS_KEY_ENV])
        return ResolvedSigner(kms, "kms", f"KMS key {kms.key_arn}", kms.key_arn)
    if env.get(SECRET_KEY_ENV):
        secret = load_private_key(env[SECRET_KEY_ENV].encode(), SECRET_KEY_ENV)
        return ResolvedSigner(secret, "ci-secret", f"the key in {SECRET_KEY_ENV}")
    path = key_file(env)
    if path.is_file():
        return ResolvedSigner(
            load_private_key(path.read_bytes(), str(path)),
            "local-file",
            f"key file {shown_key_path(path)}",
        )
    if env.get(KEY_FILE_ENV):
        raise SignerError(f"{KEY_FILE_ENV}={path}: no such file (python -m compliance.keys init)")
    return None


def generate_key_file(path: Path) -> CryptoSigner:
    """A new ECDSA P-256 key written to ``path`` (mode 0600); refuses to overwrite one."""
    if path.exists():
        raise SignerError(f"{path}: exists; refusing to overwrite a signing key")
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = CryptoSigner.generate_ecdsa(scheme=SCHEME)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(signer.private_bytes)
    return load_private_key(path.read_bytes(), str(path))


def public_pem(key: Key) -> str:
    return str(key.keyval["public"])
