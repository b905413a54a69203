"""The evidence store's writer: every file of a run under one run id, never over an existing key.

Each file the collector wrote into its ``--out`` folder (the evidence file, and whatever else it
wrote beside it, e.g. a signature envelope) is uploaded to
``runtime-evidence/<yyyy>/<mm>/<dd>/<run-id>[.<name>]`` (``core.evidence_layout``) with
``If-None-Match: *`` (S3 conditional write: refused if the key exists; the bucket policy refuses
evidence writes without it) and a SHA-256 checksum (S3 requires a checksum or Content-MD5 for
writes to an Object Lock bucket, and verifies it). The published design (the deployed
``cdk.tf.json``) is read from ``design/``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from compliance.collect.model import EVIDENCE_FILE, iso
from core.evidence_layout import CURRENT_DESIGN_KEY, design_key, evidence_key
from core.stackfile import STACK_FILE

DESIGN_FILE = "design.json"  # the design pointer a run used, stored beside its evidence


class StoreError(RuntimeError):
    """The store refused a write or holds no usable design; the message names the key."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


EXISTS = "PreconditionFailed"  # If-None-Match: * on a key that exists (S3 conditional writes)


def _put(s3: Any, bucket: str, key: str, body: bytes, *, new: bool) -> None:
    """ChecksumAlgorithm makes botocore send x-amz-sdk-checksum-algorithm and the SHA-256, which
    S3 checks (and requires on an Object Lock bucket)."""
    extra = {"IfNoneMatch": "*"} if new else {}
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",
            **extra,
        )
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        raise StoreError(f"s3://{bucket}/{key}: write refused ({code}): {err}", code) from None


def _put_new(s3: Any, bucket: str, key: str, body: bytes) -> None:
    _put(s3, bucket, key, body, new=True)


def upload_run(s3: Any, bucket: str, out_dir: Path, when: datetime, run: str) -> list[str]:
    """Upload every file of ``out_dir`` (sorted) under ``run``; the keys written, in order."""
    files = sorted(p for p in out_dir.iterdir() if p.is_file())
    if not any(p.name == EVIDENCE_FILE for p in files):
        raise StoreError(f"{out_dir}: holds no {EVIDENCE_FILE}; nothing is uploaded")
    keys = []
    for path in files:
        key = evidence_key(when, run, path.name, EVIDENCE_FILE)
        _put_new(s3, bucket, key, path.read_bytes())
        keys.append(key)
    return keys


@dataclass(frozen=True)
class DesignPointer:
    """Which synthesized stack is deployed: its SHA-256, stack name, commit, when published."""

    sha256: str
    stack_name: str
    commit: str
    published_at: str

    def to_json(self) -> dict[str, str]:
        return {
            "sha256": self.sha256,
            "stack_name": self.stack_name,
            "commit": self.commit,
            "published_at": self.published_at,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], where: str) -> DesignPointer:
        try:
            return cls(
                str(d["sha256"]), str(d["stack_name"]), str(d["commit"]), str(d["published_at"])
            )
        except (KeyError, TypeError) as err:
            raise StoreError(f"{where}: not a design pointer (missing {err})") from None


def publish_design(
    s3: Any, bucket: str, stack_dir: Path, commit: str, when: datetime
) -> DesignPointer:
    """Store the deployed cdk.tf.json under its hash and point ``design/current.json`` at it
    (the pointer's versions, kept under Object Lock, are the history of deployments)."""
    body = (stack_dir / STACK_FILE).read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    try:
        _put_new(s3, bucket, design_key(sha), body)
    except StoreError as err:
        if err.code != EXISTS:  # the same design published before (its key is its hash)
            raise
    pointer = DesignPointer(sha, stack_dir.name, commit, iso(when))
    _put(s3, bucket, CURRENT_DESIGN_KEY, json.dumps(pointer.to_json()).encode(), new=False)
    return pointer


def fetch_design(s3: Any, bucket: str, into: Path) -> DesignPointer:
    """Download the design in force into ``into/<stack name>/cdk.tf.json``; refuse a file whose
    SHA-256 is not the one the pointer names."""
    where = f"s3://{bucket}/{CURRENT_DESIGN_KEY}"
    try:
        raw = s3.get_object(Bucket=bucket, Key=CURRENT_DESIGN_KEY)["Body"].read()
    except ClientError as err:
        raise StoreError(
            f"{where}: no published design ({err}); run compliance.collect.publish_design"
        ) from None
    pointer = DesignPointer.from_json(json.loads(raw), where)
    body = s3.get_object(Bucket=bucket, Key=design_key(pointer.sha256))["Body"].read()
    if hashlib.sha256(body).hexdigest() != pointer.sha256:
        raise StoreError(f"s3://{bucket}/{design_key(pointer.sha256)}: SHA-256 does not match")
    stack_dir = into / pointer.stack_name
    stack_dir.mkdir(parents=True, exist_ok=True)
    (stack_dir / STACK_FILE).write_bytes(body)
    return pointer


def write_run_local(root: Path, out_dir: Path, when: datetime, run: str) -> list[str]:
    """The same layout in a local folder (a copy of the store, or a simulation): every file of
    ``out_dir`` under ``run``; an existing file is never replaced (as If-None-Match: *)."""
    files = sorted(p for p in out_dir.iterdir() if p.is_file())
    if not any(p.name == EVIDENCE_FILE for p in files):
        raise StoreError(f"{out_dir}: holds no {EVIDENCE_FILE}; nothing is written")
    keys = []
    for path in files:
        key = evidence_key(when, run, path.name, EVIDENCE_FILE)
        target = root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with target.open("xb") as f:
                f.write(path.read_bytes())
        except FileExistsError:
            raise StoreError(f"{target}: exists; evidence is never overwritten", EXISTS) from None
        keys.append(key)
    return keys
