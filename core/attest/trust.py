"""The trust policy: which keys may sign which engine's evidence (``compliance/trust.yaml``).

Reviewed keys (the CI secret key, the collector's KMS key) are listed in ``compliance/trust.yaml``
under version control. Keys made by ``python -m compliance.keys init`` on a developer's machine
are listed in the git-ignored ``.sfx/trust.local.yaml`` and are always *development* keys: a
report or verification that relies on one says so on every page.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from securesystemslib.signer import SSlibKey

from core.attest.signers import LOCAL_DIR, PROJECT_ROOT, public_pem
from core.attest.statement import ENGINES

DEFAULT_PATH = PROJECT_ROOT / "compliance" / "trust.yaml"
LOCAL_PATH = LOCAL_DIR / "trust.local.yaml"
# Another local trust file (a test session's throwaway key, a second checkout's keys).
LOCAL_TRUST_ENV = "SFX_EVIDENCE_LOCAL_TRUST"
_FIELDS = {"name", "holder", "engines", "scheme", "public_key", "kms_key_arn"}


class TrustError(ValueError):
    """The trust policy file is malformed (message names the file, the entry and the field)."""


@dataclass(frozen=True)
class TrustedKey:
    name: str
    holder: str
    engines: frozenset[str]
    key: SSlibKey
    kms_key_arn: str | None = None
    development: bool = False

    @property
    def keyid(self) -> str:
        return str(self.key.keyid)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "holder": self.holder,
            "engines": sorted(self.engines),
            "scheme": self.key.scheme,
            "public_key": public_pem(self.key),
        }
        if self.kms_key_arn:
            out["kms_key_arn"] = self.kms_key_arn
        return out


@dataclass(frozen=True)
class TrustPolicy:
    keys: tuple[TrustedKey, ...]
    sources: tuple[Path, ...] = field(default=())

    def keys_for(self, engine: str) -> list[TrustedKey]:
        return [k for k in self.keys if engine in k.engines]

    def find(self, keyid: str) -> TrustedKey | None:
        return next((k for k in self.keys if k.keyid == keyid), None)


def _key(entry: Any, where: str, development: bool) -> TrustedKey:
    if not isinstance(entry, dict):
        raise TrustError(f"{where}: must be a mapping")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise TrustError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in ("name", "holder", "scheme", "public_key"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise TrustError(f"{where}.{name}: must be a non-empty string")
    engines = entry.get("engines")
    if not isinstance(engines, list) or not engines or not set(engines) <= set(ENGINES):
        raise TrustError(f"{where}.engines: must be a non-empty list of {', '.join(ENGINES)}")
    try:
        crypto_key = serialization.load_pem_public_key(entry["public_key"].encode())
        key = SSlibKey.from_crypto(crypto_key, scheme=entry["scheme"])
    except (ValueError, TypeError) as err:
        raise TrustError(
            f"{where}.public_key: not a PEM public key for its scheme ({err})"
        ) from None
    return TrustedKey(
        entry["name"],
        entry["holder"],
        frozenset(engines),
        key,
        entry.get("kms_key_arn"),
        development,
    )


def read_keys(path: Path, development: bool) -> list[TrustedKey]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise TrustError(f"{path.name}: not valid YAML ({err})") from None
    if not isinstance(document, dict) or document.get("version") != 1:
        raise TrustError(f"{path.name}.version: must be 1")
    entries = document.get("keys") or []
    if not isinstance(entries, list):
        raise TrustError(f"{path.name}.keys: must be a list")
    return [_key(e, f"{path.name}.keys[{i}]", development) for i, e in enumerate(entries)]


def local_trust_path() -> Path:
    given = os.environ.get(LOCAL_TRUST_ENV)
    return Path(given) if given else LOCAL_PATH


def load_trust_policy(path: Path = DEFAULT_PATH, local: Path | bool | None = True) -> TrustPolicy:
    """The reviewed policy plus this machine's development keys (``local``: True for the
    default local file, a path, or None/False for none)."""
    if local is True:
        local = local_trust_path()
    if not path.is_file():
        raise TrustError(f"{path}: no trust policy file")
    keys = read_keys(path, development=False)
    sources = [path]
    if isinstance(local, Path) and local.is_file():
        keys += read_keys(local, development=True)
        sources.append(local)
    return TrustPolicy(tuple(keys), tuple(sources))


def write_keys(path: Path, keys: Iterable[TrustedKey], header: str) -> None:
    document = {"version": 1, "keys": [k.to_json() for k in keys]}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(document, sort_keys=False, width=100)
    path.write_text(header + text, encoding="utf-8")
