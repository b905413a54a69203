"""Issue 22 items 1-2 at run time: the scheduled task's store writes on moto (Object Lock bucket)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from compliance.collect import scheduled
from compliance.collect.design import Design
from compliance.collect.model import EVIDENCE_FILE
from compliance.collect.store import StoreError, fetch_design, publish_design, upload_run
from core.evidence_layout import (
    CURRENT_DESIGN_KEY,
    METRIC_NAMESPACE,
    METRIC_STORED,
    design_key,
    run_id,
)

from .conftest import MotoEndpoint, build_account, session

WHEN = datetime(2026, 11, 7, 5, 17, tzinfo=UTC)


def _worm_bucket(s3: Any, name: str, region: str) -> str:
    s3.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": region},
        ObjectLockEnabledForBucket=True,
    )
    s3.put_object_lock_configuration(
        Bucket=name,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
        },
    )
    return name


@pytest.fixture
def s3(design: Design, moto_server: MotoEndpoint) -> Any:
    moto_server.reset()
    return session(design.region).client("s3", endpoint_url=moto_server.endpoint)


def test_every_file_of_a_run_is_stored_under_one_run_id_and_locked(
    s3: Any, design: Design, tmp_path: Path
) -> None:
    bucket = _worm_bucket(s3, "sfx-evidence-test", design.region)
    (tmp_path / EVIDENCE_FILE).write_text('{"items": []}')
    (tmp_path / "runtime-evidence.json.dsse.json").write_text('{"payload": "x"}')  # issue 21
    run = run_id(WHEN, "1a2b3c4d")
    keys = upload_run(s3, bucket, tmp_path, WHEN, run)
    day = "runtime-evidence/2026/11/07/"
    assert keys == [f"{day}{run}.json", f"{day}{run}.runtime-evidence.json.dsse.json"]
    head = s3.head_object(Bucket=bucket, Key=keys[0])
    assert head["ObjectLockMode"] == "GOVERNANCE"
    version = s3.list_object_versions(Bucket=bucket, Prefix=keys[0])["Versions"][0]["VersionId"]
    with pytest.raises(ClientError):  # governance retention: no delete without the bypass
        s3.delete_object(Bucket=bucket, Key=keys[0], VersionId=version)


def test_a_run_never_overwrites_stored_evidence(s3: Any, design: Design, tmp_path: Path) -> None:
    bucket = _worm_bucket(s3, "sfx-evidence-test", design.region)
    (tmp_path / EVIDENCE_FILE).write_text("{}")
    run = run_id(WHEN, "1a2b3c4d")
    upload_run(s3, bucket, tmp_path, WHEN, run)
    with pytest.raises(StoreError, match="write refused"):
        upload_run(s3, bucket, tmp_path, WHEN, run)


def test_a_folder_without_evidence_uploads_nothing(s3: Any, design: Design, tmp_path: Path) -> None:
    bucket = _worm_bucket(s3, "sfx-evidence-test", design.region)
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(StoreError, match=EVIDENCE_FILE):
        upload_run(s3, bucket, tmp_path, WHEN, run_id(WHEN, "1a2b3c4d"))
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_a_design_whose_hash_does_not_match_is_refused(
    s3: Any, design: Design, synth_dir: Path, tmp_path: Path
) -> None:
    bucket = _worm_bucket(s3, "sfx-evidence-test", design.region)
    pointer = publish_design(s3, bucket, synth_dir, "abc123", WHEN)
    assert fetch_design(s3, bucket, tmp_path / "ok").sha256 == pointer.sha256
    forged = dict(pointer.to_json(), sha256="0" * 64)
    s3.put_object(
        Bucket=bucket,
        Key=design_key("0" * 64),
        Body=b"{}",
        ChecksumAlgorithm="SHA256",
    )
    s3.put_object(
        Bucket=bucket,
        Key=CURRENT_DESIGN_KEY,
        Body=json.dumps(forged).encode(),
        ChecksumAlgorithm="SHA256",
    )
    with pytest.raises(StoreError, match="SHA-256 does not match"):
        fetch_design(s3, bucket, tmp_path / "bad")


def test_the_scheduled_run_stores_evidence_with_its_design_and_reports_it(
    design: Design, moto_server: MotoEndpoint, synth_dir: Path, now: datetime
) -> None:
    build_account(design, moto_server, now)  # resets moto, builds the designed account
    client = session(design.region)
    s3 = client.client("s3", endpoint_url=moto_server.endpoint)
    bucket = _worm_bucket(s3, "sfx-evidence-sched", design.region)
    pointer = publish_design(s3, bucket, synth_dir, "abc123", now)
    args = scheduled._parse(
        [
            "--bucket",
            bucket,
            "--environment",
            "qa1",
            "--region",
            design.region,
            "--endpoint-url",
            moto_server.endpoint,
            "--seed",
            "7",
        ]
    )
    assert scheduled.run(args, now=now) in (0, 1)  # stored (moto lacks some answers: errors)
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    runs = [k for k in stored if k.startswith(f"runtime-evidence/{now:%Y/%m/%d}/")]
    # The evidence and the design it was judged against, plus the collector's signature
    # envelope when a signing key is configured here (issue 21), all under one run id.
    run_ids = {k.rsplit("/", 1)[1].split(".", 1)[0] for k in runs}
    suffixes = {k.rsplit("/", 1)[1].split(".", 1)[1] for k in runs}
    assert len(run_ids) == 1
    assert (
        {"json", "design.json"}
        <= suffixes
        <= {"json", "design.json", "runtime-evidence.json.dsse.json"}
    )
    (design_file,) = [k for k in runs if k.endswith(".design.json")]
    body = json.loads(s3.get_object(Bucket=bucket, Key=design_file)["Body"].read())
    assert body == pointer.to_json()
    cw = client.client("cloudwatch", endpoint_url=moto_server.endpoint)
    metrics = cw.list_metrics(Namespace=METRIC_NAMESPACE, MetricName=METRIC_STORED)["Metrics"]
    assert metrics and metrics[0]["Dimensions"] == [{"Name": "Environment", "Value": "qa1"}]


def test_the_scheduled_run_without_a_design_stores_nothing(
    s3: Any, design: Design, moto_server: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = _worm_bucket(s3, "sfx-evidence-empty", design.region)
    argv = ["--bucket", bucket, "--environment", "qa1", "--region", design.region]
    args = scheduled._parse([*argv, "--endpoint-url", moto_server.endpoint])
    assert scheduled.run(args) == 2
    assert "no published design" in capsys.readouterr().err
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
