"""``python -m compliance.collect.publish_design --stack-dir D --bucket B``: after a deploy.

Stores the deployed ``cdk.tf.json`` in the evidence store under its SHA-256 and points
``design/current.json`` at it with the commit, so the scheduled collector compares the account
with what is deployed, and the period report can name each commit deployed during a period (the
pointer's versions are the deployment history, kept under Object Lock like the evidence).

Without ``--bucket`` the bucket is the one the stack's scheduled collector task writes into (its
``EVIDENCE_BUCKET`` in the synthesized task definition), with the account of the credentials
(``sts:GetCallerIdentity``) in place of the caller-identity reference. Publishing the design
already in force (same SHA-256 and commit) writes nothing, so ``scripts/first_deploy.sh`` can be
run again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from compliance.collect.store import DesignPointer, StoreError, publish_design
from core.evidence_layout import CURRENT_DESIGN_KEY, ENV_BUCKET
from core.git import git_commit
from core.references import whole_ref
from core.stackfile import STACK_FILE, read_stack_document

_ACCOUNT_REF = "${data.aws_caller_identity.current.account_id}"


def evidence_bucket(stack_dir: Path, account_id: str) -> str:
    """The bucket the stack's scheduled collector writes into, named for ``account_id``."""
    stack = read_stack_document(stack_dir)
    resources = stack.get("resource", {})
    for task in resources.get("aws_ecs_task_definition", {}).values():
        for container in json.loads(task.get("container_definitions", "[]")):
            for pair in container.get("environment", []):
                ref = whole_ref(pair.get("value"))
                if (
                    pair.get("name") == ENV_BUCKET
                    and ref
                    and ref.rtype == "aws_s3_bucket"
                    and ref.attribute == "bucket"
                ):
                    name = str(resources["aws_s3_bucket"][ref.name]["bucket"])
                    return name.replace(_ACCOUNT_REF, account_id)
    raise StoreError(
        f"{stack_dir.name}/{STACK_FILE}: no task definition names the evidence bucket "
        f"({ENV_BUCKET}); pass --bucket"
    )


def current_pointer(s3: Any, bucket: str) -> DesignPointer | None:
    """The design in force, or None when none was published yet."""
    try:
        raw = s3.get_object(Bucket=bucket, Key=CURRENT_DESIGN_KEY)["Body"].read()
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return DesignPointer.from_json(json.loads(raw), f"s3://{bucket}/{CURRENT_DESIGN_KEY}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m compliance.collect.publish_design", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--stack-dir", type=Path, required=True)
    p.add_argument(
        "--bucket",
        default=None,
        help="streamflix-evidence-<account>-<suffix> (default: the stack's evidence bucket in "
        "the account of the credentials)",
    )
    p.add_argument("--commit", default=None, help="default: the checkout's HEAD")
    p.add_argument("--region", default=None)
    p.add_argument("--endpoint-url", default=None)
    args = p.parse_args(argv)
    if not (args.stack_dir / STACK_FILE).is_file():
        print(f"error: --stack-dir {args.stack_dir}: holds no {STACK_FILE}", file=sys.stderr)
        return 2
    commit = args.commit or git_commit(Path.cwd())
    session = boto3.Session(region_name=args.region)
    s3 = session.client("s3", endpoint_url=args.endpoint_url)
    try:
        bucket = args.bucket or evidence_bucket(
            args.stack_dir,
            session.client("sts", endpoint_url=args.endpoint_url).get_caller_identity()["Account"],
        )
        sha = hashlib.sha256((args.stack_dir / STACK_FILE).read_bytes()).hexdigest()
        current = current_pointer(s3, bucket)
        if current is not None and (current.sha256, current.commit) == (sha, commit):
            print(f"design {sha} (commit {commit}) is already the one in force in {bucket}")
            return 0
        pointer = publish_design(s3, bucket, args.stack_dir, commit, datetime.now(UTC))
    except (StoreError, ClientError, BotoCoreError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"design {pointer.sha256} ({pointer.stack_name}, commit {commit}) published to {bucket}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
