"""Issue 2, Aurora Serverless v2 PostgreSQL and its managed, rotated secret."""

from __future__ import annotations

import json

import pytest

from lib.config import DatabaseConfig
from tests.conftest import TEST_SUFFIX, StackView

DATA_KEY = "${aws_kms_key.encryption_data_key"


def test_cluster_is_aurora_postgresql_16_serverless_v2(stack: StackView) -> None:
    cluster = stack.one("aws_rds_cluster")
    cfg = DatabaseConfig()
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["engine_mode"] == "provisioned"
    assert cluster["engine_version"].startswith("16.")
    assert cluster["serverlessv2_scaling_configuration"] == {
        "min_capacity": cfg.min_acu,
        "max_capacity": cfg.max_acu,
    }
    assert cluster["cluster_identifier"] == f"streamflix-db-{TEST_SUFFIX}"


def test_writer_and_reader_are_serverless_in_different_azs(stack: StackView) -> None:
    instances = stack.of_type("aws_rds_cluster_instance").values()
    assert sorted(i["identifier"] for i in instances) == [
        f"streamflix-db-reader-{TEST_SUFFIX}",
        f"streamflix-db-writer-{TEST_SUFFIX}",
    ]
    assert all(i["instance_class"] == "db.serverless" for i in instances)
    assert len({i["availability_zone"] for i in instances}) == 2
    assert all(i["publicly_accessible"] is False for i in instances)


def test_storage_insights_and_secret_are_encrypted_with_our_key(stack: StackView) -> None:
    cluster = stack.one("aws_rds_cluster")
    assert cluster["storage_encrypted"] is True
    assert cluster["kms_key_id"].startswith(DATA_KEY)
    assert cluster["master_user_secret_kms_key_id"].startswith(DATA_KEY)
    for instance in stack.of_type("aws_rds_cluster_instance").values():
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_kms_key_id"].startswith(DATA_KEY)
        assert instance["monitoring_interval"] == 60


def test_iam_auth_backups_and_snapshot_tags(stack: StackView) -> None:
    cluster = stack.one("aws_rds_cluster")
    assert cluster["iam_database_authentication_enabled"] is True
    assert cluster["backup_retention_period"] == DatabaseConfig().backup_retention_days >= 7
    assert cluster["copy_tags_to_snapshot"] is True


def test_cluster_is_destroyable(stack: StackView) -> None:
    cluster = stack.one("aws_rds_cluster")
    assert cluster["deletion_protection"] is False
    assert cluster["skip_final_snapshot"] is True
    assert stack.one("aws_backup_vault")["force_destroy"] is True


def test_parameter_group_forces_tls_and_audits_connections_and_ddl(stack: StackView) -> None:
    group = stack.one("aws_rds_cluster_parameter_group")
    params = {p["name"]: p["value"] for p in group["parameter"]}
    assert params["rds.force_ssl"] == "1"
    assert params["log_connections"] == "1" and params["log_disconnections"] == "1"
    assert params["log_statement"] == "ddl"
    assert "pgaudit" in params["shared_preload_libraries"]
    assert group["family"] == "aurora-postgresql16"
    assert "cluster_params" in stack.one("aws_rds_cluster")["db_cluster_parameter_group_name"]


def test_postgresql_logs_go_to_a_precreated_90_day_encrypted_group(stack: StackView) -> None:
    cluster = stack.one("aws_rds_cluster")
    assert cluster["enabled_cloudwatch_logs_exports"] == ["postgresql"]
    group = stack.by_path("aws_cloudwatch_log_group", "/database/postgresql_logs")
    assert group["name"] == f"/aws/rds/cluster/streamflix-db-{TEST_SUFFIX}/postgresql"
    assert group["retention_in_days"] == 90
    assert any("postgresql_logs" in dep for dep in cluster["depends_on"])


def test_master_password_is_managed_by_rds_and_rotated_every_30_days(stack: StackView) -> None:
    cluster = stack.one("aws_rds_cluster")
    assert cluster["manage_master_user_password"] is True
    assert "master_password" not in cluster
    rotation = stack.one("aws_secretsmanager_secret_rotation")
    assert rotation["rotation_rules"] == {"automatically_after_days": 30}
    assert rotation["rotate_immediately"] is False, "the first apply must not rotate at once"
    assert rotation["secret_id"].endswith("master_user_secret[0].secret_arn}")


def test_no_secret_value_appears_in_the_synthesized_json(stack: StackView) -> None:
    text = json.dumps(stack.data)
    for forbidden in ("master_password", "secret_string", '"password"'):
        assert forbidden not in text


def test_aws_backup_copies_the_cluster_daily(stack: StackView) -> None:
    selection = stack.one("aws_backup_selection")
    (resource,) = selection["resources"]
    assert resource.startswith("${aws_rds_cluster.database_cluster") and resource.endswith(".arn}")
    plan = stack.one("aws_backup_plan")
    assert plan["rule"][0]["schedule"] == "cron(0 2 * * ? *)"
    assert stack.one("aws_backup_vault")["kms_key_arn"].startswith(DATA_KEY)


def test_engine_version_policy_takes_aws_minor_upgrades_without_planning_a_downgrade(
    stack: StackView,
) -> None:
    """Issue 12 item 4: one policy (docs/deploying.md): AWS applies minor upgrades, Terraform
    ignores the cluster's engine_version after creation, instances never pin their own."""
    cluster = stack.one("aws_rds_cluster")
    assert cluster["engine_version"] == DatabaseConfig().engine_version
    assert "engine_version" in cluster["lifecycle"]["ignore_changes"]
    for instance in stack.of_type("aws_rds_cluster_instance").values():
        assert "engine_version" not in instance, "instances run the cluster's version"
        assert instance["auto_minor_version_upgrade"] is True


def test_default_engine_version_is_the_16x_long_term_support_minor() -> None:
    from lib.config import AURORA_PG16_LTS_VERSION

    assert AURORA_PG16_LTS_VERSION == "16.8"  # the designated LTS minor of Aurora PostgreSQL 16
    assert DatabaseConfig().engine_version == AURORA_PG16_LTS_VERSION


def _trust(stack: StackView, path: str) -> dict:
    role = stack.by_path("aws_iam_role", path)
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    return dict(statement)


def test_backup_role_trust_is_the_one_aws_backup_documents(stack: StackView) -> None:
    """Issue 12 item 10: AWS Backup Developer Guide, "IAM service roles": backup.amazonaws.com
    trusted without source conditions (AWS Backup does not document sending them); the
    monitoring role keeps its account fence."""
    backup = _trust(stack, "/database/backup_role")
    assert backup == {
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    monitoring = _trust(stack, "/database/monitoring_role")
    assert "aws:SourceAccount" in monitoring["Condition"]["StringEquals"]


def test_an_unconditioned_trust_must_say_why() -> None:
    from lib.iam import PolicyError, unconditioned_service_trust

    with pytest.raises(PolicyError, match=r"backup\.amazonaws\.com"):
        unconditioned_service_trust("backup.amazonaws.com", "")
