"""Stack outputs: what deployers, the worker's operators and the report need, each described."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from lib.constructs.parts import StackParts


def publish_outputs(scope: Construct, parts: StackParts) -> None:
    net, ing, db, keys = parts.network, parts.ingestion, parts.database, parts.keys
    outputs: dict[str, tuple[object, str]] = {
        "vpc_id": (net.vpc.id, "VPC of the pipeline"),
        "public_subnet_ids": (
            [s.id for s in net.public_subnets],
            "Public subnets (NAT gateway only; nothing data-bearing)",
        ),
        "private_subnet_ids": (
            [s.id for s in net.private_subnets],
            "Private subnets holding the database and the worker tasks",
        ),
        "stream_name": (ing.stream.name, "Kinesis stream receiving processing requests"),
        "stream_arn": (ing.stream.arn, "ARN of the processing-request stream"),
        "uploads_bucket_name": (ing.uploads.name, "Bucket holding uploaded videos"),
        "access_logs_bucket_name": (ing.access_logs.name, "Bucket receiving S3 access logs"),
        "db_writer_endpoint": (db.writer_endpoint, "Aurora writer endpoint"),
        "db_reader_endpoint": (db.reader_endpoint, "Aurora reader endpoint"),
        "db_port": (db.port, "PostgreSQL port"),
        "db_name": (db.database_name, "Metadata database name"),
        "db_secret_arn": (
            db.secret_arn,
            "Secrets Manager ARN of the RDS-managed master credentials (not the value)",
        ),
        "data_key_arn": (keys.data.arn, "KMS key encrypting data at rest"),
        "logs_key_arn": (keys.logs.arn, "KMS key encrypting logs and the trail"),
        "evidence_signing_key_arn": (
            parts.evidence_signing.key.arn,
            "KMS key signing runtime evidence (SFX_EVIDENCE_KMS_KEY of python -m compliance.collect)",
        ),
        "flow_log_group_name": (net.flow_log_group.name, "VPC flow log group"),
        "db_log_group_name": (db.log_group.name, "PostgreSQL log group"),
        **_worker_outputs(parts),
    }
    for name, (value, description) in outputs.items():
        TerraformOutput(scope, name, value=value, description=description)


def _worker_outputs(parts: StackParts) -> dict[str, tuple[object, str]]:
    """Workers, failure handling, monitoring and audit (issue 3)."""
    compute, failures, audit = parts.compute, parts.failures, parts.audit
    outputs: dict[str, tuple[object, str]] = {
        "ecs_cluster_name": (compute.cluster.name, "ECS cluster running the workers"),
        "ecs_service_name": (compute.service.name, "ECS service of the stream workers"),
        "workers_security_group_id": (
            parts.firewall.workers.id,
            "Security group for worker tasks (pass it to run-task for the migrate task)",
        ),
        "worker_task_definition_family": (
            compute.task_definition.family,
            "Task definition family of the worker (command run)",
        ),
        "migrate_task_definition_family": (
            compute.migrate_task_definition.family,
            "One-off task running the schema migrations (command migrate)",
        ),
        "ecr_repository_url": (
            parts.registry.repository.repository_url,
            "Push the worker image here as <url>:<tag> (tag: python -m lib.worker_image, "
            "or STREAMFLIX_WORKER_IMAGE_TAG when set)",
        ),
        "dlq_url": (failures.dlq.url, "Dead-letter queue of failed processing jobs"),
        "dlq_arn": (failures.dlq.arn, "ARN of the dead-letter queue"),
        "alerts_topic_arn": (failures.topic_arn, "SNS topic receiving every alarm and alert"),
        "trail_name": (audit.trail.name, "CloudTrail trail recording API and data events"),
        "trail_bucket_name": (audit.bucket.name, "Bucket holding the trail's log files"),
        "dashboard_name": (parts.dashboard.dashboard.dashboard_name, "CloudWatch dashboard"),
        "worker_log_group_name": (compute.log_group.name, "Worker container logs"),
        "container_insights_log_group_name": (
            compute.insights_log_group.name,
            "Container Insights performance events",
        ),
        "trail_log_group_name": (audit.log_group.name, "CloudTrail events (CIS metric filters)"),
        "exec_log_group_name": (
            compute.exec_log_group.name,
            "ECS Exec session logs (used when STREAMFLIX_ECS_EXEC is on)",
        ),
    }
    return outputs
