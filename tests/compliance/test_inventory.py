"""The resource inventory reads encryption, retention, placement and tags from the JSON."""

from __future__ import annotations

import pytest

from compliance.inventory import InventoryRow, build_inventory, processing_facts
from core.stackfile import SynthesizedStack

KEY = "${aws_kms_key.enc_data_key_1.arn}"


def rows(stack: SynthesizedStack) -> dict[str, InventoryRow]:
    return {r.address: r for r in build_inventory(stack)}


def tiny_stack(cluster: dict[str, object]) -> SynthesizedStack:
    meta = {"//": {"metadata": {"path": "s/encryption/data_key"}}}
    return SynthesizedStack(
        {
            "provider": {
                "aws": [
                    {
                        "region": "eu-central-1",
                        "default_tags": [{"tags": {"Project": "streamflix", "Environment": "qa1"}}],
                    }
                ]
            },
            "resource": {
                "aws_kms_key": {"enc_data_key_1": meta},
                "aws_rds_cluster": {"db": cluster},
                "aws_cloudwatch_log_group": {
                    "lg": {"retention_in_days": 90, "tags": {"Name": "x"}}
                },
            },
        }
    )


def test_unencrypted_and_aws_managed_storage_is_shown_as_such() -> None:
    plain = rows(tiny_stack({"storage_encrypted": False}))
    assert plain["aws_rds_cluster.db"].encryption == "storage not encrypted"
    managed = rows(tiny_stack({"storage_encrypted": True}))
    assert managed["aws_rds_cluster.db"].encryption == "not set (AWS-managed or none)"
    ours = rows(
        tiny_stack({"storage_encrypted": True, "kms_key_id": KEY, "backup_retention_period": 9})
    )
    assert ours["aws_rds_cluster.db"].encryption == "KMS CMK encryption/data_key"
    assert ours["aws_rds_cluster.db"].retention == "backups 9 days"


def test_missing_required_tags_are_named() -> None:
    row = rows(tiny_stack({}))["aws_cloudwatch_log_group.lg"]
    assert row.tags.startswith("missing Owner, CostCenter")
    assert row.tags.endswith("also Name")


@pytest.mark.synth
def test_real_stack_inventory(synthesized: SynthesizedStack) -> None:
    inventory = rows(synthesized)
    assert len(inventory) == sum(1 for _ in synthesized.resources())
    by_type: dict[str, list[InventoryRow]] = {}
    for row in inventory.values():
        by_type.setdefault(row.rtype, []).append(row)
    (cluster,) = by_type["aws_rds_cluster"]
    assert cluster.encryption == "KMS CMK encryption/data_key"
    assert cluster.placement == "2 private subnet(s)"
    assert {r.placement for r in by_type["aws_subnet"]} == {"public subnet", "private subnet"}
    assert {r.retention for r in by_type["aws_cloudwatch_log_group"]} == {"90 days"}
    assert all(
        r.encryption.startswith("KMS CMK encryption/logs_key")
        for r in by_type["aws_cloudwatch_log_group"]
    )
    assert all(
        r.placement == "not publicly accessible" for r in by_type["aws_rds_cluster_instance"]
    )
    (service,) = by_type["aws_ecs_service"]
    assert service.placement == "2 private subnet(s), no public IP"
    sse = {
        r.construct_path: r.encryption
        for r in by_type["aws_s3_bucket_server_side_encryption_configuration"]
    }
    assert any(v == "SSE-S3 (AWS-managed keys)" for k, v in sse.items() if "access_logs" in k)
    assert all(
        r.tags.startswith("required set") for r in inventory.values() if r.tags != "not taggable"
    )
    facts = dict(processing_facts(tuple(inventory.values()), synthesized.region))
    assert facts["Region of every resource"] == "eu-central-1"
    assert facts["Metadata database (database/cluster)"].endswith("backups 7 days")
