"""``python -m compliance.collect.scheduled``: one scheduled collection run, as the Fargate task.

Reads the design in force from the evidence store (``design/current.json``), runs the collector
exactly as ``python -m compliance.collect --stack-dir <design> --out <tmp>`` does, adds the design
pointer it used (``design.json``) and uploads **every file** of ``<tmp>`` under one run id
(``compliance.collect.store``): a signature envelope the collector writes beside its evidence
(issue 21) is uploaded with it, unchanged. Then it publishes one ``CollectionsStored`` datapoint,
which the missed-run alarm watches.

Environment (names in ``core.evidence_layout``): ``EVIDENCE_BUCKET``, ``EVIDENCE_ENVIRONMENT``,
``AWS_REGION``; ``SFX_EVIDENCE_KMS_KEY`` when the stack has the signing key.

Exit codes: 0 stored, every item satisfied; 1 stored, some item not satisfied or in error;
2 nothing stored (no design, the collector refused its input, or the store refused a write).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from compliance.collect import __main__ as collect_cli
from compliance.collect.store import DESIGN_FILE, StoreError, fetch_design, upload_run
from core.evidence_layout import (
    ENV_BUCKET,
    ENV_ENVIRONMENT,
    METRIC_DIMENSION,
    METRIC_NAMESPACE,
    METRIC_STORED,
    run_id,
)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m compliance.collect.scheduled", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--bucket", default=os.environ.get(ENV_BUCKET), help=f"default: ${ENV_BUCKET}")
    p.add_argument(
        "--environment",
        default=os.environ.get(ENV_ENVIRONMENT),
        help=f"metric dimension (default: ${ENV_ENVIRONMENT})",
    )
    p.add_argument("--region", default=os.environ.get("AWS_REGION"))
    p.add_argument("--endpoint-url", default=None, help="a local stand-in (moto server)")
    p.add_argument("--seed", type=int, default=None, help="sampling seed (default: the time)")
    return p.parse_args(argv)


def publish_stored(cloudwatch: Any, environment: str, when: datetime) -> None:
    cloudwatch.put_metric_data(
        Namespace=METRIC_NAMESPACE,
        MetricData=[
            {
                "MetricName": METRIC_STORED,
                "Dimensions": [{"Name": METRIC_DIMENSION, "Value": environment}],
                "Timestamp": when,
                "Value": 1.0,
                "Unit": "Count",
            }
        ],
    )


def run(args: argparse.Namespace, now: datetime | None = None) -> int:
    if not args.bucket or not args.environment or not args.region:
        print(
            f"error: {ENV_BUCKET}, {ENV_ENVIRONMENT} and AWS_REGION (or --bucket, --environment, "
            "--region) are required",
            file=sys.stderr,
        )
        return 2
    session = boto3.Session(region_name=args.region)
    s3 = session.client("s3", endpoint_url=args.endpoint_url)
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    run_name = run_id(when, uuid.uuid4().hex)
    with tempfile.TemporaryDirectory(prefix="sfx-evidence-") as tmp:
        work = Path(tmp)
        try:
            pointer = fetch_design(s3, args.bucket, work / "design")
        except (StoreError, ClientError, BotoCoreError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        out = work / "out"
        argv = ["--stack-dir", str(work / "design" / pointer.stack_name), "--out", str(out)]
        if args.endpoint_url:
            argv += ["--endpoint-url", args.endpoint_url]
        if args.seed is not None:
            argv += ["--seed", str(args.seed)]
        code = collect_cli.main(argv)
        if code == 2:
            return 2  # the collector said why; nothing was written
        (out / DESIGN_FILE).write_text(json.dumps(pointer.to_json()) + "\n", encoding="utf-8")
        try:
            keys = upload_run(s3, args.bucket, out, when, run_name)
        except StoreError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    publish_stored(
        session.client("cloudwatch", endpoint_url=args.endpoint_url), args.environment, when
    )
    print(f"run {run_name}: stored {', '.join(keys)} (design {pointer.sha256[:12]})")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    return run(_parse(argv))


if __name__ == "__main__":
    sys.exit(main())
