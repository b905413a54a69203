"""Named pass/fail fixtures for every CKV_SFX check, as small Terraform JSON documents.

Each ``Case`` is one folder (``<check>/<folder>/main.tf.json``) scanned by ONE checkov run per
session. Expectations live in the names: a resource whose logical id starts with ``pass_`` must
pass the case's check, ``fail_`` must fail it, ``unknown_`` must not be reported (checkov drops
UNKNOWN). Provider checks report ``provider.aws`` with no alias, so for them the folder name
(``pass_...``/``fail_...``) carries the expectation and each folder holds one provider.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lib.config import REQUIRED_TAG_KEYS

TAGS = {k: f"{k.lower()}-value" for k in REQUIRED_TAG_KEYS} | {"Environment": "qa1"}
KEY = "${aws_kms_key.key.arn}"
SNS = "${aws_sns_topic.alerts.arn}"
LOG_KEY = {"kms_key_id": KEY, "retention_in_days": 90}


def provider(
    region: str = "eu-central-1", tags: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    block: dict[str, Any] = {"region": region, **extra}
    if tags is not None:
        block["default_tags"] = [{"tags": tags}]
    return block


def nacl_rule(
    rule_no: int, action: str, protocol: str, low: int, high: int, cidr: str = "0.0.0.0/0"
) -> dict[str, Any]:
    return {
        "rule_no": rule_no,
        "action": action,
        "protocol": protocol,
        "from_port": low,
        "to_port": high,
        "cidr_block": cidr,
    }


@dataclass(frozen=True)
class Case:
    check_id: str
    folder: str
    resources: dict[str, dict[str, dict[str, Any]]]
    providers: list[dict[str, Any]] = field(default_factory=lambda: [provider(tags=TAGS)])
    provider_case: bool = False  # expectations from the folder name (provider checks)

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"provider": {"aws": self.providers}}
        if self.resources:
            doc["resource"] = self.resources
        return doc

    def text(self) -> str:
        return json.dumps(self.document(), indent=2)


CONTAINER_OK = {"name": "app", "image": "x", "user": "10001:10001", "readonlyRootFilesystem": True}


def task(containers: list[dict[str, Any]] | str, **extra: Any) -> dict[str, Any]:
    body = {
        "family": "f",
        "execution_role_arn": "${aws_iam_role.execution.arn}",
        "task_role_arn": "${aws_iam_role.task.arn}",
    } | extra
    body["container_definitions"] = (
        containers if isinstance(containers, str) else json.dumps(containers)
    )
    return {k: v for k, v in body.items() if v is not None}


def selector(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"field_selector": [{"field": "eventCategory", "equals": ["Data"]}, *fields]}


S3_TYPE = {"field": "resources.type", "equals": ["AWS::S3::Object"]}
KINESIS_TYPE = {"field": "resources.type", "equals": ["AWS::Kinesis::Stream"]}

CASES: tuple[Case, ...] = (
    Case(
        "CKV_SFX_1",
        "kms",
        {
            "aws_kinesis_stream": {
                "pass_stream": {"name": "s", "encryption_type": "KMS", "kms_key_id": KEY},
                "fail_stream_aws_key": {
                    "name": "s",
                    "encryption_type": "KMS",
                    "kms_key_id": "alias/aws/kinesis",
                },
                "fail_stream_unencrypted": {"name": "s"},
            },
            "aws_rds_cluster": {
                "pass_cluster": {
                    "storage_encrypted": True,
                    "kms_key_id": KEY,
                    "manage_master_user_password": True,
                    "master_user_secret_kms_key_id": KEY,
                },
                "fail_cluster_secret_default_key": {
                    "storage_encrypted": True,
                    "kms_key_id": KEY,
                    "manage_master_user_password": True,
                },
                "fail_cluster_not_encrypted": {"kms_key_id": KEY},
            },
            "aws_rds_cluster_instance": {
                "pass_instance": {
                    "performance_insights_enabled": True,
                    "performance_insights_kms_key_id": KEY,
                },
                "pass_instance_no_insights": {},
                "fail_instance": {"performance_insights_enabled": True},
            },
            "aws_secretsmanager_secret": {"pass_secret": {"kms_key_id": KEY}, "fail_secret": {}},
            "aws_sqs_queue": {
                "pass_queue": {"kms_master_key_id": KEY},
                "fail_queue_sse_sqs": {"sqs_managed_sse_enabled": True},
                "unknown_queue_foreign_key": {"kms_master_key_id": "${var.key}"},
            },
            "aws_sns_topic": {
                "pass_topic": {"kms_master_key_id": KEY},
                "fail_topic": {"kms_master_key_id": "alias/aws/sns"},
            },
            "aws_cloudwatch_log_group": {"pass_logs": {"kms_key_id": KEY}, "fail_logs": {}},
            "aws_s3_bucket_server_side_encryption_configuration": {
                "pass_sse": {
                    "bucket": "b",
                    "rule": [
                        {
                            "apply_server_side_encryption_by_default": {
                                "sse_algorithm": "aws:kms",
                                "kms_master_key_id": KEY,
                            }
                        }
                    ],
                },
                "fail_sse_s3": {
                    "bucket": "b",
                    "rule": [
                        {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}
                    ],
                },
            },
            "aws_ecr_repository": {
                "pass_repo": {
                    "name": "r",
                    "encryption_configuration": [{"encryption_type": "KMS", "kms_key": KEY}],
                },
                "fail_repo": {"name": "r"},
            },
            "aws_cloudtrail": {"pass_trail": {"kms_key_id": KEY}, "fail_trail": {}},
            "aws_backup_vault": {"pass_vault": {"kms_key_arn": KEY}, "fail_vault": {}},
            # Rows of core/resource_facts.py the stack does not use yet: the check reads the
            # table, so a row is all a new encrypted type needs.
            "aws_dynamodb_table": {
                "pass_table": {
                    "name": "t",
                    "hash_key": "id",
                    "server_side_encryption": {"enabled": True, "kms_key_arn": KEY},
                },
                "fail_table_aws_owned_key": {"name": "t", "hash_key": "id"},
            },
            "aws_ssm_parameter": {
                "pass_parameter_plain": {"name": "p", "type": "String", "value": "v"},
                "pass_parameter_secure": {
                    "name": "p",
                    "type": "SecureString",
                    "value": "v",
                    "key_id": KEY,
                },
                "fail_parameter_secure_default_key": {
                    "name": "p",
                    "type": "SecureString",
                    "value": "v",
                },
            },
            "aws_elasticache_replication_group": {
                "pass_cache": {
                    "replication_group_id": "c",
                    "description": "d",
                    "at_rest_encryption_enabled": True,
                    "kms_key_id": KEY,
                },
                "fail_cache_not_encrypted": {"replication_group_id": "c", "description": "d"},
            },
        },
    ),
    Case(
        "CKV_SFX_2",
        "log_retention",
        {
            "aws_cloudwatch_log_group": {
                "pass_90": {"retention_in_days": 90},
                "fail_30": {"retention_in_days": 30},
                "fail_365": {"retention_in_days": 365},
                "fail_forever": {},
                "unknown_var": {"retention_in_days": "${var.days}"},
            }
        },
    ),
    Case("CKV_SFX_3", "pass_all_tags", {}, provider_case=True),
    Case("CKV_SFX_3", "fail_no_default_tags", {}, [provider()], provider_case=True),
    Case(
        "CKV_SFX_3",
        "fail_missing_owner",
        {},
        [provider(tags={k: v for k, v in TAGS.items() if k != "Owner"})],
        provider_case=True,
    ),
    Case(
        "CKV_SFX_4",
        "tags_via_provider",
        {
            "aws_sqs_queue": {
                "pass_inherits": {"name": "q"},
                "fail_blanked": {"name": "q", "tags": {"Owner": ""}},
            },
            "aws_iam_role_policy": {
                "unknown_untaggable": {"name": "p", "role": "r", "policy": "{}"}
            },
        },
    ),
    Case(
        "CKV_SFX_4",
        "tags_on_resource",
        {
            "aws_sqs_queue": {
                "pass_own_tags": {"name": "q", "tags": TAGS},
                "fail_partial": {"name": "q", "tags": {"Project": "streamflix"}},
            }
        },
        [provider(tags=None)],
    ),
    Case(
        "CKV_SFX_5",
        "db_public",
        {
            "aws_rds_cluster_instance": {
                "pass_private": {"publicly_accessible": False},
                "pass_default": {},
                "fail_public": {"publicly_accessible": True},
            },
            "aws_db_instance": {"fail_public_db": {"publicly_accessible": "true"}},
        },
    ),
    Case(
        "CKV_SFX_6",
        "db_backups",
        {
            "aws_rds_cluster": {
                "pass_7": {"backup_retention_period": 7},
                "pass_35": {"backup_retention_period": 35},
                "fail_1": {"backup_retention_period": 1},
                "fail_default": {},
            },
            "aws_db_instance": {"fail_db_default": {}},
        },
    ),
    Case(
        "CKV_SFX_7",
        "db_iam_auth",
        {
            "aws_rds_cluster": {
                "pass_on": {"iam_database_authentication_enabled": True},
                "fail_off": {"iam_database_authentication_enabled": False},
                "fail_default": {},
            }
        },
    ),
    Case(
        "CKV_SFX_8",
        "db_tls",
        {
            "aws_rds_cluster_parameter_group": {
                "tls": {
                    "family": "aurora-postgresql16",
                    "parameter": [{"name": "rds.force_ssl", "value": "1"}],
                },
                "no_tls": {
                    "family": "aurora-postgresql16",
                    "parameter": [{"name": "log_connections", "value": "1"}],
                },
            },
            "aws_rds_cluster": {
                "pass_forced": {
                    "engine": "aurora-postgresql",
                    "db_cluster_parameter_group_name": "${aws_rds_cluster_parameter_group.tls.name}",
                },
                "fail_group_without_tls": {
                    "engine": "aurora-postgresql",
                    "db_cluster_parameter_group_name": "${aws_rds_cluster_parameter_group.no_tls.name}",
                },
                "fail_default_group": {"engine": "aurora-postgresql"},
                "unknown_foreign_group": {
                    "engine": "aurora-postgresql",
                    "db_cluster_parameter_group_name": "shared-params",
                },
            },
        },
    ),
    Case(
        "CKV_SFX_9",
        "ecs_public_ip",
        {
            "aws_ecs_service": {
                "pass_private": {
                    "name": "s",
                    "network_configuration": {"subnets": ["a"], "assign_public_ip": False},
                },
                "fail_public": {
                    "name": "s",
                    "network_configuration": {"subnets": ["a"], "assign_public_ip": True},
                },
            }
        },
    ),
    Case(
        "CKV_SFX_10",
        "ecs_read_only",
        {
            "aws_ecs_task_definition": {
                "pass_read_only": task([CONTAINER_OK]),
                "fail_writable": task([CONTAINER_OK, {"name": "sidecar", "user": "1000"}]),
                "unknown_expression": task("${jsonencode(local.containers)}"),
            }
        },
    ),
    Case(
        "CKV_SFX_11",
        "ecs_non_root",
        {
            "aws_ecs_task_definition": {
                "pass_uid": task([CONTAINER_OK]),
                "fail_no_user": task([{"name": "app", "readonlyRootFilesystem": True}]),
                "fail_root": task([CONTAINER_OK | {"user": "root"}]),
                "fail_uid0": task([CONTAINER_OK | {"user": "0:0"}]),
            }
        },
    ),
    Case(
        "CKV_SFX_26",
        "ecs_not_privileged",
        {
            "aws_ecs_task_definition": {
                "pass_unprivileged": task([CONTAINER_OK, CONTAINER_OK | {"privileged": False}]),
                "fail_privileged": task([CONTAINER_OK | {"privileged": True}]),
            }
        },
    ),
    Case(
        "CKV_SFX_12",
        "ecs_roles",
        {
            "aws_ecs_task_definition": {
                "pass_separate": task([CONTAINER_OK]),
                "fail_same": task([CONTAINER_OK], task_role_arn="${aws_iam_role.execution.arn}"),
                "fail_no_task_role": task([CONTAINER_OK], task_role_arn=None),
            }
        },
    ),
    Case(
        "CKV_SFX_13",
        "world_ingress",
        {
            "aws_security_group": {
                "pass_internal": {
                    "name": "sg",
                    "ingress": [
                        {
                            "from_port": 443,
                            "to_port": 443,
                            "protocol": "tcp",
                            "cidr_blocks": ["10.0.0.0/16"],
                        }
                    ],
                },
                "fail_inline_world": {
                    "name": "sg",
                    "ingress": [
                        {
                            "from_port": 22,
                            "to_port": 22,
                            "protocol": "tcp",
                            "cidr_blocks": ["0.0.0.0/0"],
                        }
                    ],
                },
            },
            "aws_security_group_rule": {
                "pass_egress_world": {
                    "type": "egress",
                    "cidr_blocks": ["0.0.0.0/0"],
                    "security_group_id": "x",
                },
                "fail_rule_ipv6_world": {
                    "type": "ingress",
                    "ipv6_cidr_blocks": ["::/0"],
                    "security_group_id": "x",
                },
            },
            "aws_vpc_security_group_ingress_rule": {
                "pass_from_sg": {"security_group_id": "x", "referenced_security_group_id": "y"},
                "fail_vpc_rule_world": {"security_group_id": "x", "cidr_ipv4": "0.0.0.0/0"},
            },
        },
    ),
    Case(
        "CKV_SFX_27",
        "nacl_admin_ports",
        {
            "aws_vpc": {
                "pass_managed_vpc": {"cidr_block": "10.0.0.0/16"},
                "fail_unmanaged_vpc": {"cidr_block": "10.1.0.0/16"},
            },
            "aws_default_network_acl": {
                "pass_default_acl": {
                    "default_network_acl_id": "${aws_vpc.pass_managed_vpc.default_network_acl_id}",
                    "ingress": [
                        nacl_rule(100, "allow", "-1", 0, 0, "10.0.0.0/16"),
                        nacl_rule(110, "deny", "6", 3389, 3389),
                        nacl_rule(200, "allow", "6", 1024, 65535),
                    ],
                },
                "fail_default_acl_ssh": {
                    "default_network_acl_id": "acl-0123",
                    "ingress": [nacl_rule(100, "allow", "tcp", 22, 22)],
                },
            },
            "aws_network_acl": {
                "pass_acl_denies_first": {
                    "vpc_id": "vpc-1",
                    "ingress": [
                        nacl_rule(90, "deny", "tcp", 22, 22),
                        nacl_rule(91, "deny", "tcp", 3389, 3389),
                        nacl_rule(100, "allow", "tcp", 0, 65535),
                    ],
                },
                "fail_acl_all_from_v6": {"vpc_id": "vpc-1"},
            },
            "aws_network_acl_rule": {
                "pass_rule_judged_with_its_acl": {
                    "network_acl_id": "${aws_network_acl.fail_acl_all_from_v6.id}",
                    "rule_number": 100,
                    "egress": False,
                    "protocol": "-1",
                    "rule_action": "allow",
                    "ipv6_cidr_block": "::/0",
                },
                "pass_egress_rule": {
                    "network_acl_id": "acl-0123",
                    "rule_number": 100,
                    "egress": True,
                    "protocol": "-1",
                    "rule_action": "allow",
                    "cidr_block": "0.0.0.0/0",
                },
                "fail_lone_rdp_rule": {
                    "network_acl_id": "acl-0123",
                    "rule_number": 100,
                    "egress": False,
                    "protocol": "tcp",
                    "rule_action": "allow",
                    "cidr_block": "0.0.0.0/0",
                    "from_port": 3389,
                    "to_port": 3389,
                },
                "unknown_expression": {
                    "network_acl_id": "acl-0123",
                    "rule_number": "${var.rule_number}",
                    "egress": False,
                    "protocol": "tcp",
                    "rule_action": "allow",
                    "cidr_block": "0.0.0.0/0",
                    "from_port": 22,
                    "to_port": 22,
                },
            },
        },
    ),
    Case(
        "CKV_SFX_14",
        "rotation_interval",
        {
            "aws_secretsmanager_secret_rotation": {
                "pass_30": {"secret_id": "s", "rotation_rules": {"automatically_after_days": 30}},
                "pass_rate": {
                    "secret_id": "s",
                    "rotation_rules": {"schedule_expression": "rate(7 days)"},
                },
                "fail_90": {"secret_id": "s", "rotation_rules": {"automatically_after_days": 90}},
                "fail_rate": {
                    "secret_id": "s",
                    "rotation_rules": {"schedule_expression": "rate(60 days)"},
                },
                "fail_no_rules": {"secret_id": "s"},
                "unknown_cron": {
                    "secret_id": "s",
                    "rotation_rules": {"schedule_expression": "cron(0 3 1 * ? *)"},
                },
            }
        },
    ),
    Case(
        "CKV_SFX_15",
        "secret_rotated",
        {
            "aws_secretsmanager_secret": {
                "pass_rotated": {"name": "a"},
                "fail_unrotated": {"name": "b"},
            },
            "aws_rds_cluster": {
                "pass_managed_rotated": {"manage_master_user_password": True},
                "fail_managed_unrotated": {"manage_master_user_password": True},
                "fail_literal_password": {"master_password": "hunter2"},
                "unknown_no_master": {},
            },
            "aws_secretsmanager_secret_rotation": {
                "r1": {
                    "secret_id": "${aws_secretsmanager_secret.pass_rotated.id}",
                    "rotation_rules": {"automatically_after_days": 30},
                },
                "r2": {
                    "secret_id": "${aws_rds_cluster.pass_managed_rotated.master_user_secret[0].secret_arn}",
                    "rotation_rules": {"automatically_after_days": 30},
                },
            },
        },
    ),
    Case(
        "CKV_SFX_16",
        "dlq_present",
        {
            "aws_sqs_queue": {
                "pass_dlq_by_name": {"name": "streamflix-dlq-qa1"},
                "pass_redrives": {
                    "name": "work",
                    "redrive_policy": json.dumps(
                        {
                            "deadLetterTargetArn": "${aws_sqs_queue.pass_dlq_by_name.arn}",
                            "maxReceiveCount": 5,
                        }
                    ),
                },
                "fail_no_redrive": {"name": "jobs"},
            },
            "aws_kinesis_stream": {"pass_stream_with_dlq": {"name": "s"}},
        },
    ),
    Case(
        "CKV_SFX_16",
        "dlq_missing",
        {
            "aws_kinesis_stream": {"fail_stream_without_dlq": {"name": "s"}},
            "aws_sqs_queue": {"fail_lonely_queue": {"name": "jobs"}},
        },
    ),
    Case(
        "CKV_SFX_17",
        "dlq_alarmed",
        {
            "aws_sqs_queue": {
                "pass_alarmed_dlq": {"name": "streamflix-dlq-qa1"},
                "fail_silent_dlq": {"name": "other-dlq-qa1"},
                "unknown_work_queue": {"name": "work"},
            },
            "aws_cloudwatch_metric_alarm": {
                "dlq_visible": {
                    "alarm_name": "a",
                    "namespace": "AWS/SQS",
                    "alarm_actions": [SNS],
                    "metric_name": "ApproximateNumberOfMessagesVisible",
                    "dimensions": {"QueueName": "${aws_sqs_queue.pass_alarmed_dlq.name}"},
                }
            },
        },
    ),
    Case(
        "CKV_SFX_18",
        "alarm_actions",
        {
            "aws_cloudwatch_metric_alarm": {
                "pass_sns": {"alarm_name": "a", "alarm_actions": [SNS]},
                "pass_scaling_only": {
                    "alarm_name": "a",
                    "alarm_actions": ["${aws_appautoscaling_policy.p.arn}"],
                },
                "fail_no_actions": {"alarm_name": "a"},
                "fail_disabled": {
                    "alarm_name": "a",
                    "alarm_actions": [SNS],
                    "actions_enabled": False,
                },
                "fail_lambda_only": {
                    "alarm_name": "a",
                    "alarm_actions": ["${aws_lambda_function.f.arn}"],
                },
            },
            "aws_cloudwatch_composite_alarm": {
                "pass_composite": {"alarm_name": "c", "alarm_rule": "x", "alarm_actions": [SNS]},
                "fail_composite": {"alarm_name": "c", "alarm_rule": "x"},
            },
        },
    ),
    Case(
        "CKV_SFX_19",
        "trail_multi_region",
        {"aws_cloudtrail": {"pass_multi": {"is_multi_region_trail": True}, "fail_single": {}}},
    ),
    Case(
        "CKV_SFX_20",
        "trail_validation",
        {
            "aws_cloudtrail": {
                "pass_validated": {"enable_log_file_validation": True},
                "fail_unvalidated": {"enable_log_file_validation": False},
            }
        },
    ),
    Case(
        "CKV_SFX_21",
        "trail_cloudwatch",
        {
            "aws_cloudtrail": {
                "pass_delivered": {
                    "cloud_watch_logs_group_arn": "${aws_cloudwatch_log_group.t.arn}:*",
                    "cloud_watch_logs_role_arn": "${aws_iam_role.t.arn}",
                },
                "fail_no_role": {
                    "cloud_watch_logs_group_arn": "${aws_cloudwatch_log_group.t.arn}:*"
                },
                "fail_none": {},
            }
        },
    ),
    Case(
        "CKV_SFX_22",
        "trail_data_events",
        {
            "aws_s3_bucket": {
                "pass_uploads": {"bucket": "up"},
                "fail_unrecorded_bucket": {"bucket": "other"},
                "unknown_trail_logs": {"bucket": "tl"},
                "unknown_access_logs": {"bucket": "al"},
            },
            "aws_s3_bucket_logging": {
                "l": {
                    "bucket": "${aws_s3_bucket.pass_uploads.id}",
                    "target_bucket": "${aws_s3_bucket.unknown_access_logs.id}",
                }
            },
            "aws_kinesis_stream": {
                "pass_jobs": {"name": "s"},
                "fail_unrecorded_stream": {"name": "s2"},
            },
            "aws_cloudtrail": {
                "audit": {
                    "s3_bucket_name": "${aws_s3_bucket.unknown_trail_logs.id}",
                    "advanced_event_selector": [
                        selector(
                            S3_TYPE,
                            {
                                "field": "resources.ARN",
                                "starts_with": ["${aws_s3_bucket.pass_uploads.arn}/"],
                            },
                        ),
                        selector(
                            KINESIS_TYPE,
                            {
                                "field": "resources.ARN",
                                "equals": ["${aws_kinesis_stream.pass_jobs.arn}"],
                            },
                        ),
                    ],
                },
                "management_only": {"s3_bucket_name": "${aws_s3_bucket.unknown_trail_logs.id}"},
            },
        },
    ),
    Case(
        "CKV_SFX_22",
        "basic_selector_covers_no_stream",
        {
            "aws_s3_bucket": {"pass_any_bucket": {"bucket": "b"}},
            "aws_kinesis_stream": {"fail_stream_without_selector": {"name": "s"}},
            "aws_cloudtrail": {
                "basic": {
                    "event_selector": [
                        {"data_resource": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}
                    ],
                },
            },
        },
    ),
    Case(
        "CKV_SFX_22",
        "no_trail",
        {
            "aws_s3_bucket": {"fail_bucket_without_trail": {"bucket": "b"}},
            "aws_kinesis_stream": {"fail_stream_without_trail": {"name": "s"}},
        },
    ),
    Case(
        "CKV_SFX_23",
        "name_suffix",
        {
            "aws_sqs_queue": {
                "pass_named": {"name": "streamflix-jobs-qa1"},
                "fail_other_env": {"name": "streamflix-jobs-prod"},
                "fail_prefix": {"name_prefix": "streamflix-jobs-"},
            },
            "aws_s3_bucket": {
                "pass_bucket": {
                    "bucket": "streamflix-up-${data.aws_caller_identity.current.account_id}-qa1"
                }
            },
            "aws_cloudwatch_log_group": {
                "pass_aws_path": {"name": "/aws/rds/cluster/streamflix-db-qa1/postgresql"},
                "fail_path": {"name": "/aws/rds/cluster/streamflix-db/postgresql"},
            },
            "aws_subnet": {
                "pass_name_tag": {"vpc_id": "v", "tags": {"Name": "streamflix-a-qa1"}},
                "fail_name_tag": {"vpc_id": "v", "tags": {"Name": "streamflix-qa1-a"}},
                "unknown_unnamed": {"vpc_id": "v"},
            },
            "aws_rds_cluster_instance": {
                "pass_instance": {
                    "identifier": "streamflix-db-writer-qa1",
                    "cluster_identifier": "${aws_rds_cluster.c.id}",
                }
            },
            "aws_iam_role_policy": {"fail_policy": {"name": "streamflix-policy", "role": "r"}},
        },
    ),
    Case("CKV_SFX_24", "pass_eu_central", {}, provider_case=True),
    Case("CKV_SFX_24", "fail_us_east", {}, [provider("us-east-1", TAGS)], provider_case=True),
    Case("CKV_SFX_24", "fail_london", {}, [provider("eu-west-2", TAGS)], provider_case=True),
    Case(
        "CKV_SFX_24", "fail_no_region", {}, [{"default_tags": [{"tags": TAGS}]}], provider_case=True
    ),
    Case(
        "CKV_SFX_25",
        "destroyable",
        {
            "aws_rds_cluster": {
                "pass_cluster": {"deletion_protection": False, "skip_final_snapshot": True},
                "fail_protected": {"deletion_protection": True, "skip_final_snapshot": True},
                "fail_final_snapshot": {},
            },
            "aws_s3_bucket": {"pass_bucket": {"force_destroy": True}, "fail_bucket": {}},
            "aws_ecr_repository": {"pass_repo": {"force_delete": True}, "fail_repo": {}},
            "aws_backup_vault": {"pass_vault": {"force_destroy": True}, "fail_vault": {}},
            "aws_cloudwatch_log_group": {"pass_logs": {}, "fail_logs": {"skip_destroy": True}},
            "aws_sqs_queue": {
                "pass_plain": {"name": "q"},
                "fail_prevent_destroy": {"name": "q", "lifecycle": {"prevent_destroy": True}},
            },
            "aws_kms_key": {
                "pass_key": {"deletion_window_in_days": 7},
                "fail_key_default_window": {},
                "fail_key_long_window": {"deletion_window_in_days": 30},
            },
            "aws_secretsmanager_secret": {
                "pass_secret": {"name": "s", "recovery_window_in_days": 0},
                "fail_secret_default_window": {"name": "s"},
                "unknown_secret_window": {"name": "s", "recovery_window_in_days": "${var.w}"},
            },
        },
    ),
)
