"""``python -m compliance.keys``: make a development signing key, show a key, trust a key.

- ``init [--if-missing]``: create the local development key (``.sfx/keys/evidence-dev.pem``, or
  ``$SFX_EVIDENCE_KEY_FILE``), list it in the git-ignored ``.sfx/trust.local.yaml`` as a
  development key for every engine, and print its public key.
- ``show``: the key the environment configures (KMS, CI secret or key file) and its public key.
- ``trust --name N --holder H --engine E... (--public-key FILE | --kms-key ARN)``: add a reviewed
  key to ``compliance/trust.yaml`` (for the KMS key, its public key is read once with
  kms:GetPublicKey and pinned, so verification needs no AWS access).

Exit codes: 0 done; 2 bad input (a key that exists, an unreadable key, an unknown engine).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from securesystemslib.signer import SSlibKey

from core.attest.signers import (
    SCHEME,
    SignerError,
    generate_key_file,
    key_file,
    kms_public_key,
    load_private_key,
    public_pem,
    signer_from_env,
)
from core.attest.statement import ENGINES
from core.attest.trust import (
    DEFAULT_PATH,
    TrustedKey,
    TrustError,
    local_trust_path,
    read_keys,
    write_keys,
)

LOCAL_HEADER = (
    "# Development keys of this machine (python -m compliance.keys init); git-ignored.\n"
    "# Evidence signed by these keys is always reported as signed with a DEVELOPMENT key.\n"
)


def _header(path: Path) -> str:
    if not path.is_file():
        return ""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if line.startswith("#"))


def _add(path: Path, key: TrustedKey, development: bool, header: str) -> None:
    keys = read_keys(path, development) if path.is_file() else []
    if any(k.keyid == key.keyid for k in keys):
        return
    write_keys(path, [*keys, key], _header(path) or header)


def init(key_path: Path, local_trust: Path, if_missing: bool) -> int:
    if key_path.exists():
        if not if_missing:
            print(
                f"error: {key_path}: exists; refusing to overwrite a signing key", file=sys.stderr
            )
            return 2
        signer = load_private_key(key_path.read_bytes(), str(key_path))
        print(f"using the existing development signing key {key_path}")
    else:
        signer = generate_key_file(key_path)
        print(
            f"created a DEVELOPMENT signing key {key_path} (not trusted by compliance/trust.yaml)"
        )
    key = TrustedKey(
        f"development key {key_path.name}",
        f"{os.environ.get('USER', 'a developer')} on this machine",
        frozenset(ENGINES),
        signer.public_key,
        development=True,
    )
    _add(local_trust, key, True, LOCAL_HEADER)
    print(f"key id {signer.public_key.keyid}\n{public_pem(signer.public_key)}", end="")
    return 0


def show() -> int:
    resolved = signer_from_env()
    if resolved is None:
        print("no signing key configured (python -m compliance.keys init)", file=sys.stderr)
        return 2
    key = resolved.signer.public_key
    print(f"{resolved.label}\nkey id {key.keyid}\n{public_pem(key)}", end="")
    return 0


def trust(args: argparse.Namespace) -> int:
    if args.kms_key:
        import boto3

        arn, key, _ = kms_public_key(boto3.client("kms"), args.kms_key)
    else:
        public = serialization.load_pem_public_key(args.public_key.read_bytes())
        key, arn = SSlibKey.from_crypto(public, scheme=args.scheme), None
    entry = TrustedKey(args.name, args.holder, frozenset(args.engine), key, arn)
    _add(args.policy, entry, False, "")
    print(f"{args.policy}: {args.name} ({key.keyid}) may sign {', '.join(sorted(args.engine))}")
    return 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m compliance.keys", description=__doc__.split("\n\n")[0]
    )
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("init", help="create the local development signing key")
    i.add_argument("--if-missing", action="store_true", help="reuse an existing key quietly")
    i.add_argument("--local-trust", type=Path, default=None, help=argparse.SUPPRESS)
    sub.add_parser("show", help="the configured key and its public key")
    t = sub.add_parser("trust", help="add a reviewed key to compliance/trust.yaml")
    t.add_argument("--name", required=True)
    t.add_argument("--holder", required=True, help="who holds the private key")
    t.add_argument("--engine", action="append", required=True, choices=ENGINES)
    src = t.add_mutually_exclusive_group(required=True)
    src.add_argument("--public-key", type=Path, help="PEM public key file")
    src.add_argument("--kms-key", help="KMS key ARN (its public key is read and pinned)")
    t.add_argument("--scheme", default=SCHEME, help=argparse.SUPPRESS)
    t.add_argument("--policy", type=Path, default=DEFAULT_PATH, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        if args.command == "init":
            local = args.local_trust or local_trust_path()
            return init(key_file(os.environ), local, args.if_missing)
        if args.command == "show":
            return show()
        return trust(args)
    except (SignerError, TrustError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
