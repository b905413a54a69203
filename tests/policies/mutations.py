"""One-violation mutants of the real synthesized stack, each naming the check that must catch it.

A mutation edits the parsed ``cdk.tf.json`` in place and returns the Terraform address of the
resource it broke (``provider.aws`` for provider edits); the gate must fail naming that check on
that address. Resources are found by type (and construct path), so new resources added to the
stack by other constructs do not break the mutants.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Doc = dict[str, Any]


@dataclass(frozen=True)
class Mutation:
    name: str
    check_id: str
    apply: Callable[[Doc], str]


def pick(doc: Doc, rtype: str, path: str = "") -> tuple[str, dict[str, Any]]:
    """The first resource of ``rtype`` whose construct path contains ``path``."""
    for name, body in sorted(doc["resource"][rtype].items()):
        if path in body.get("//", {}).get("metadata", {}).get("path", ""):
            return name, body
    raise AssertionError(f"no {rtype} with path ~ {path!r} in the stack")


def setter(rtype: str, path: str, **values: Any) -> Callable[[Doc], str]:
    def apply(doc: Doc) -> str:
        name, body = pick(doc, rtype, path)
        body.update(values)
        return f"{rtype}.{name}"

    return apply


def dropper(rtype: str, path: str, *keys: str) -> Callable[[Doc], str]:
    def apply(doc: Doc) -> str:
        name, body = pick(doc, rtype, path)
        for key in keys:
            body.pop(key)
        return f"{rtype}.{name}"

    return apply


def _provider(doc: Doc) -> dict[str, Any]:
    providers: list[dict[str, Any]] = doc["provider"]["aws"]
    return providers[0]


def drop_default_tag(doc: Doc) -> str:
    del _provider(doc)["default_tags"][0]["tags"]["Owner"]
    return "provider.aws"


def drop_default_tag_resource_view(doc: Doc) -> str:
    drop_default_tag(doc)
    name, _ = pick(doc, "aws_kinesis_stream")
    return f"aws_kinesis_stream.{name}"


def leave_eu(doc: Doc) -> str:
    _provider(doc)["region"] = "us-east-1"
    return "provider.aws"


def remove_force_ssl(doc: Doc) -> str:
    _, group = pick(doc, "aws_rds_cluster_parameter_group")
    group["parameter"] = [p for p in group["parameter"] if p["name"] != "rds.force_ssl"]
    name, _ = pick(doc, "aws_rds_cluster")
    return f"aws_rds_cluster.{name}"


def edit_containers(**values: Any) -> Callable[[Doc], str]:
    def apply(doc: Doc) -> str:
        name, task = pick(doc, "aws_ecs_task_definition", "worker_task")
        containers = json.loads(task["container_definitions"])
        containers[0].update(values)
        task["container_definitions"] = json.dumps(containers)
        return f"aws_ecs_task_definition.{name}"

    return apply


def add_statement(
    rtype: str, path: str, statement: dict[str, Any], key: str = "policy"
) -> Callable[[Doc], str]:
    """Append a statement to a policy that cdktf wrote as a JSON string in attribute ``key``
    (the gate decodes it)."""

    def apply(doc: Doc) -> str:
        name, body = pick(doc, rtype, path)
        policy = json.loads(body[key])
        policy["Statement"].append(statement)
        body[key] = json.dumps(policy)
        return f"{rtype}.{name}"

    return apply


def share_roles(doc: Doc) -> str:
    name, task = pick(doc, "aws_ecs_task_definition", "worker_task")
    task["task_role_arn"] = task["execution_role_arn"]
    return f"aws_ecs_task_definition.{name}"


def public_ip(doc: Doc) -> str:
    name, service = pick(doc, "aws_ecs_service")
    service["network_configuration"]["assign_public_ip"] = True
    return f"aws_ecs_service.{name}"


def world_ingress(doc: Doc) -> str:
    name, rule = pick(doc, "aws_vpc_security_group_ingress_rule")
    rule.pop("referenced_security_group_id", None)
    rule["cidr_ipv4"] = "0.0.0.0/0"
    return f"aws_vpc_security_group_ingress_rule.{name}"


def rotate_every_90_days(doc: Doc) -> str:
    name, rotation = pick(doc, "aws_secretsmanager_secret_rotation")
    rotation["rotation_rules"]["automatically_after_days"] = 90
    return f"aws_secretsmanager_secret_rotation.{name}"


def remove_rotation(doc: Doc) -> str:
    del doc["resource"]["aws_secretsmanager_secret_rotation"]
    name, _ = pick(doc, "aws_rds_cluster")
    return f"aws_rds_cluster.{name}"


def remove_dlq(doc: Doc) -> str:
    del doc["resource"]["aws_sqs_queue"]
    doc["resource"].pop("aws_sqs_queue_policy", None)
    name, _ = pick(doc, "aws_kinesis_stream")
    return f"aws_kinesis_stream.{name}"


def silence_dlq(doc: Doc) -> str:
    queue, body = pick(doc, "aws_sqs_queue")
    alarms = doc["resource"]["aws_cloudwatch_metric_alarm"]
    for alarm_name in [
        n
        for n, a in alarms.items()
        if body["name"] in json.dumps(a) or f"aws_sqs_queue.{queue}." in json.dumps(a)
    ]:
        del alarms[alarm_name]
    return f"aws_sqs_queue.{queue}"


def no_stream_data_events(doc: Doc) -> str:
    _, trail = pick(doc, "aws_cloudtrail")
    trail["advanced_event_selector"] = [
        s for s in trail["advanced_event_selector"] if "AWS::Kinesis::Stream" not in json.dumps(s)
    ]
    stream, _ = pick(doc, "aws_kinesis_stream")
    return f"aws_kinesis_stream.{stream}"


def remove_trail(doc: Doc) -> str:
    """No trail at all: the per-trail checks have nothing to judge, the content check still does."""
    del doc["resource"]["aws_cloudtrail"]
    stream, _ = pick(doc, "aws_kinesis_stream")
    return f"aws_kinesis_stream.{stream}"


def unsuffixed_name(doc: Doc) -> str:
    name, queue = pick(doc, "aws_sqs_queue")
    queue["name"] = "streamflix-dlq"
    return f"aws_sqs_queue.{name}"


def nacl_ssh_from_world(doc: Doc) -> str:
    """CIS 5.1: a rule before the stack's own lets SSH in from the whole internet."""
    name, acl = pick(doc, "aws_default_network_acl")
    acl["ingress"].insert(
        0,
        {
            "rule_no": 50,
            "action": "allow",
            "protocol": "tcp",
            "from_port": 22,
            "to_port": 22,
            "cidr_block": "0.0.0.0/0",
        },
    )
    return f"aws_default_network_acl.{name}"


def default_nacl_unmanaged(doc: Doc) -> str:
    """Without the resource, AWS's default ACL (all inbound allowed) stays on every subnet."""
    name, _ = pick(doc, "aws_default_network_acl")
    del doc["resource"]["aws_default_network_acl"][name]
    vpc, _ = pick(doc, "aws_vpc")
    return f"aws_vpc.{vpc}"


MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "stream_kms_key_dropped", "CKV_SFX_1", dropper("aws_kinesis_stream", "", "kms_key_id")
    ),
    Mutation(
        "queue_aws_managed_key",
        "CKV_SFX_1",
        setter("aws_sqs_queue", "", kms_master_key_id="alias/aws/sqs"),
    ),
    Mutation(
        "log_retention_30_days",
        "CKV_SFX_2",
        setter("aws_cloudwatch_log_group", "", retention_in_days=30),
    ),
    Mutation("default_tag_dropped", "CKV_SFX_3", drop_default_tag),
    Mutation("default_tag_dropped_on_resources", "CKV_SFX_4", drop_default_tag_resource_view),
    Mutation(
        "db_public",
        "CKV_SFX_5",
        setter("aws_rds_cluster_instance", "writer", publicly_accessible=True),
    ),
    Mutation(
        "db_backups_1_day", "CKV_SFX_6", setter("aws_rds_cluster", "", backup_retention_period=1)
    ),
    Mutation(
        "db_iam_auth_off",
        "CKV_SFX_7",
        setter("aws_rds_cluster", "", iam_database_authentication_enabled=False),
    ),
    Mutation("db_tls_not_forced", "CKV_SFX_8", remove_force_ssl),
    Mutation("ecs_public_ip", "CKV_SFX_9", public_ip),
    Mutation("ecs_writable_root", "CKV_SFX_10", edit_containers(readonlyRootFilesystem=False)),
    Mutation("ecs_root_user", "CKV_SFX_11", edit_containers(user="0")),
    Mutation("ecs_shared_role", "CKV_SFX_12", share_roles),
    Mutation("ecs_privileged_container", "CKV_SFX_26", edit_containers(privileged=True)),
    Mutation("ingress_from_world", "CKV_SFX_13", world_ingress),
    Mutation("nacl_ssh_from_world", "CKV_SFX_27", nacl_ssh_from_world),
    Mutation("default_nacl_unmanaged", "CKV_SFX_27", default_nacl_unmanaged),
    Mutation("rotation_90_days", "CKV_SFX_14", rotate_every_90_days),
    Mutation("rotation_removed", "CKV_SFX_15", remove_rotation),
    Mutation("dlq_removed", "CKV_SFX_16", remove_dlq),
    Mutation("dlq_alarm_removed", "CKV_SFX_17", silence_dlq),
    Mutation(
        "alarm_without_actions",
        "CKV_SFX_18",
        dropper("aws_cloudwatch_metric_alarm", "monitoring", "alarm_actions"),
    ),
    Mutation(
        "trail_single_region",
        "CKV_SFX_19",
        setter("aws_cloudtrail", "", is_multi_region_trail=False),
    ),
    Mutation(
        "trail_not_validated",
        "CKV_SFX_20",
        setter("aws_cloudtrail", "", enable_log_file_validation=False),
    ),
    Mutation(
        "trail_not_in_cloudwatch",
        "CKV_SFX_21",
        dropper("aws_cloudtrail", "", "cloud_watch_logs_group_arn"),
    ),
    Mutation("trail_no_stream_data_events", "CKV_SFX_22", no_stream_data_events),
    Mutation("trail_removed", "CKV_SFX_22", remove_trail),
    Mutation("name_without_suffix", "CKV_SFX_23", unsuffixed_name),
    Mutation("region_outside_eu", "CKV_SFX_24", leave_eu),
    Mutation(
        "db_deletion_protection",
        "CKV_SFX_25",
        setter("aws_rds_cluster", "", deletion_protection=True),
    ),
    Mutation(
        "bucket_not_force_destroy",
        "CKV_SFX_25",
        setter("aws_s3_bucket", "uploads", force_destroy=False),
    ),
    Mutation(
        "key_long_deletion_window",
        "CKV_SFX_25",
        setter("aws_kms_key", "", deletion_window_in_days=30),
    ),
    # built-in checks run too: a violation only checkov knows is caught as well
    # ... including in documents cdktf writes as JSON strings (decoded for the scan):
    Mutation(
        "iam_policy_wildcard_resource",
        "CKV_AWS_355",
        add_statement(
            "aws_iam_role_policy",
            "task",
            {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"},
        ),
    ),
    Mutation(
        "iam_policy_privilege_escalation",
        "CKV_AWS_286",
        add_statement(
            "aws_iam_role_policy",
            "execution",
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "iam:CreatePolicyVersion"],
                "Resource": "*",
            },
        ),
    ),
    Mutation(
        "sqs_policy_public",
        "CKV_AWS_168",
        add_statement(
            "aws_sqs_queue_policy",
            "",
            {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"},
        ),
    ),
    Mutation(
        "sns_policy_public",
        "CKV_AWS_169",
        add_statement(
            "aws_sns_topic_policy",
            "",
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sns:Publish",
                "Resource": "*",
            },
        ),
    ),
    Mutation(
        "kms_key_policy_public",
        "CKV_AWS_33",
        add_statement(
            "aws_kms_key",
            "data_key",
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"},
        ),
    ),
    Mutation(
        "bucket_policy_public",
        "CKV_AWS_70",
        add_statement(
            "aws_s3_bucket_policy",
            "uploads",
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
        ),
    ),
    Mutation(
        "role_trust_any_principal",
        "CKV_AWS_60",
        add_statement(
            "aws_iam_role",
            "task_role",
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            key="assume_role_policy",
        ),
    ),
    # (not CKV_AWS_334: checkov 3.3.30 reads a "privilege" key, but ECS's field is "privileged",
    # so it passes a privileged container; CKV_SFX_26 covers that)
    Mutation("ecs_host_pid_namespace", "CKV_AWS_335", edit_containers(pidMode="host")),
    Mutation(
        "bucket_acls_not_blocked",
        "CKV_AWS_53",
        setter("aws_s3_bucket_public_access_block", "uploads", block_public_acls=False),
    ),
)
