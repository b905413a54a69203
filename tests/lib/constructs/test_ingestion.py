"""Issue 2, ingestion: the encrypted, sized stream and the private uploads bucket."""

from __future__ import annotations

import json

import pytest

from lib.constructs.ingestion import SHARD_LEVEL_METRICS
from tests.conftest import TEST_SUFFIX, StackView


def test_stream_is_encrypted_with_our_data_key(stack: StackView) -> None:
    stream = stack.one("aws_kinesis_stream")
    assert stream["name"] == f"streamflix-kinesis-{TEST_SUFFIX}"
    assert stream["encryption_type"] == "KMS"
    assert stream["kms_key_id"].startswith("${aws_kms_key.encryption_data_key")


def test_stream_retention_and_provisioned_capacity_follow_the_planner(stack: StackView) -> None:
    from lib.capacity import plan_shards
    from lib.config import StreamConfig

    stream = stack.one("aws_kinesis_stream")
    cfg = StreamConfig()
    assert stream["retention_period"] == cfg.retention_hours >= 24
    assert stream["stream_mode_details"] == {"stream_mode": "PROVISIONED"}
    expected = plan_shards(
        cfg.peak_uploads_per_second,
        cfg.record_size_bytes,
        cfg.burst_headroom,
        cfg.consumers,
        cfg.min_shards,
    ).shards
    assert stream["shard_count"] == expected >= cfg.min_shards


def test_stream_emits_the_shard_level_metrics_the_alarms_use(stack: StackView) -> None:
    metrics = set(stack.one("aws_kinesis_stream")["shard_level_metrics"])
    assert metrics == set(SHARD_LEVEL_METRICS)
    assert {
        "IteratorAgeMilliseconds",
        "WriteProvisionedThroughputExceeded",
        "ReadProvisionedThroughputExceeded",
    } <= metrics


def _bucket_part(stack: StackView, rtype: str, bucket: str) -> dict:
    return stack.by_path(rtype, f"/ingestion/{bucket}/")


@pytest.mark.parametrize("bucket", ["uploads", "access_logs"])
def test_buckets_are_private_versioned_and_destroyable(stack: StackView, bucket: str) -> None:
    body = _bucket_part(stack, "aws_s3_bucket", bucket)
    assert body["force_destroy"] is True
    assert body["bucket"].endswith(f"-{TEST_SUFFIX}")
    block = _bucket_part(stack, "aws_s3_bucket_public_access_block", bucket)
    assert all(
        block[flag] is True
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    versioning = _bucket_part(stack, "aws_s3_bucket_versioning", bucket)
    assert versioning["versioning_configuration"]["status"] == "Enabled"
    ownership = _bucket_part(stack, "aws_s3_bucket_ownership_controls", bucket)
    assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"


@pytest.mark.parametrize("bucket", ["uploads", "access_logs"])
def test_bucket_policies_refuse_plain_http_and_old_tls(stack: StackView, bucket: str) -> None:
    policy = json.loads(_bucket_part(stack, "aws_s3_bucket_policy", bucket)["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["DenyInsecureTransport"]["Effect"] == "Deny"
    assert by_sid["DenyInsecureTransport"]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    assert by_sid["DenyOutdatedTls"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}


def test_uploads_bucket_uses_sse_kms_with_our_key(stack: StackView) -> None:
    sse = _bucket_part(stack, "aws_s3_bucket_server_side_encryption_configuration", "uploads")
    (rule,) = sse["rule"]
    default = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"].startswith("${aws_kms_key.encryption_data_key")
    assert rule["bucket_key_enabled"] is True


def test_uploads_bucket_logs_access_and_has_lifecycle_rules(stack: StackView) -> None:
    logging = _bucket_part(stack, "aws_s3_bucket_logging", "uploads")
    assert "ingestion_access_logs_bucket" in logging["target_bucket"]
    lifecycle = _bucket_part(stack, "aws_s3_bucket_lifecycle_configuration", "uploads")
    (rule,) = lifecycle["rule"]
    assert rule["status"] == "Enabled"
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 30


def test_access_log_bucket_accepts_log_delivery_from_this_account_only(stack: StackView) -> None:
    policy = json.loads(_bucket_part(stack, "aws_s3_bucket_policy", "access_logs")["policy"])
    (delivery,) = [s for s in policy["Statement"] if s["Sid"] == "S3ServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Action"] == "s3:PutObject"
    assert "aws:SourceAccount" in delivery["Condition"]["StringEquals"]
