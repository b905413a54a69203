"""``python -m compliance.collect.publish_design --stack-dir D --bucket B``: after a deploy.

Stores the deployed ``cdk.tf.json`` in the evidence store under its SHA-256 and points
``design/current.json`` at it with the commit, so the scheduled collector compares the account
with what is deployed, and the period report can name each commit deployed during a period (the
pointer's versions are the deployment history, kept under Object Lock like the evidence).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from compliance.collect.store import StoreError, publish_design
from core.git import git_commit
from core.stackfile import STACK_FILE


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m compliance.collect.publish_design", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--stack-dir", type=Path, required=True)
    p.add_argument("--bucket", required=True, help="streamflix-evidence-<account>-<suffix>")
    p.add_argument("--commit", default=None, help="default: the checkout's HEAD")
    p.add_argument("--region", default=None)
    p.add_argument("--endpoint-url", default=None)
    args = p.parse_args(argv)
    if not (args.stack_dir / STACK_FILE).is_file():
        print(f"error: --stack-dir {args.stack_dir}: holds no {STACK_FILE}", file=sys.stderr)
        return 2
    commit = args.commit or git_commit(Path.cwd())
    s3 = boto3.Session(region_name=args.region).client("s3", endpoint_url=args.endpoint_url)
    try:
        pointer = publish_design(s3, args.bucket, args.stack_dir, commit, datetime.now(UTC))
    except (StoreError, ClientError, BotoCoreError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"design {pointer.sha256} ({pointer.stack_name}, commit {commit}) published")
    return 0


if __name__ == "__main__":
    sys.exit(main())
