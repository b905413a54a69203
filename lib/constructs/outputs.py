"""Stack outputs: what deployers, the worker's operators and the report need, each described."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformOutput

if TYPE_CHECKING:
    from lib.stack import StreamflixStack


def publish_outputs(stack: StreamflixStack) -> None:
    net, ing, db, keys = stack.network, stack.ingestion, stack.database, stack.keys
    outputs: dict[str, tuple[object, str]] = {
        "vpc_id": (net.vpc.id, "VPC of the pipeline"),
        "public_subnet_ids": ([s.id for s in net.public_subnets],
                              "Public subnets (NAT gateway only; nothing data-bearing)"),
        "private_subnet_ids": ([s.id for s in net.private_subnets],
                               "Private subnets holding the database and the worker tasks"),
        "stream_name": (ing.stream.name, "Kinesis stream receiving processing requests"),
        "stream_arn": (ing.stream.arn, "ARN of the processing-request stream"),
        "uploads_bucket_name": (ing.uploads.name, "Bucket holding uploaded videos"),
        "access_logs_bucket_name": (ing.access_logs.name, "Bucket receiving S3 access logs"),
        "db_writer_endpoint": (db.writer_endpoint, "Aurora writer endpoint"),
        "db_reader_endpoint": (db.reader_endpoint, "Aurora reader endpoint"),
        "db_port": (db.port, "PostgreSQL port"),
        "db_name": (db.database_name, "Metadata database name"),
        "db_secret_arn": (db.secret_arn,
                          "Secrets Manager ARN of the RDS-managed master credentials (not the value)"),
        "data_key_arn": (keys.data.arn, "KMS key encrypting data at rest"),
        "logs_key_arn": (keys.logs.arn, "KMS key encrypting logs and the trail"),
        "flow_log_group_name": (net.flow_log_group.name, "VPC flow log group"),
        "db_log_group_name": (db.log_group.name, "PostgreSQL log group"),
    }
    for name, (value, description) in outputs.items():
        TerraformOutput(stack, name, value=value, description=description)
