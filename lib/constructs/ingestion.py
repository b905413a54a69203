"""Where processing requests arrive: the Kinesis stream and the uploads bucket it refers to."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.kinesis_stream import KinesisStream, KinesisStreamStreamModeDetails
from constructs import Construct

from core.policy_numbers import POLICY
from lib.capacity import ShardPlan
from lib.config import ON_DEMAND_INITIAL_SHARDS, shard_plan
from lib.constructs.encryption import EncryptionKeys
from lib.constructs.secure_bucket import BucketSpec, Lifecycle, SecureBucket
from lib.context import StackContext

# Shard-level metrics the alarms and the autoscaling use (they need enhanced monitoring).
SHARD_LEVEL_METRICS = (
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "IteratorAgeMilliseconds",
    "ReadProvisionedThroughputExceeded",
    "WriteProvisionedThroughputExceeded",
)


class Ingestion(Construct):
    """The Kinesis stream processing requests arrive on (encrypted with the data key, sized by
    the shard planner or on demand) and the uploads bucket they refer to, with its access-log
    bucket.

    Inputs: ``ctx`` (names, ``ctx.config.stream``) and ``keys`` (the data key).
    """

    shard_plan: ShardPlan | None
    """The planner's answer for a PROVISIONED stream; None on demand."""
    stream: KinesisStream
    """The processing-request stream."""
    access_logs: SecureBucket
    """The server access-log bucket (SSE-S3, as S3 log delivery requires)."""
    uploads: SecureBucket
    """The uploaded videos the requests refer to."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext, keys: EncryptionKeys):
        super().__init__(scope, id_)
        cfg = ctx.config.stream
        names = ctx.namer
        self.shard_plan: ShardPlan | None = None
        provisioned = cfg.capacity_mode == "PROVISIONED"
        if provisioned:
            self.shard_plan = shard_plan(cfg)
        self.stream = KinesisStream(
            self,
            "stream",
            name=names.name("kinesis"),
            shard_count=self.shard_plan.shards if self.shard_plan else None,
            stream_mode_details=KinesisStreamStreamModeDetails(stream_mode=cfg.capacity_mode),
            retention_period=cfg.retention_hours,
            encryption_type="KMS",
            kms_key_id=keys.data.arn,
            shard_level_metrics=list(SHARD_LEVEL_METRICS),
            enforce_consumer_deletion=True,
        )

        self.access_logs = SecureBucket(
            self,
            "access_logs",
            BucketSpec(
                name=names.name("access-logs", ctx.account_id),
                kms_key_arn=None,  # S3 server access logging delivers only to SSE-S3 buckets
                # access logs are logs: kept as long as every log group (core.policy_numbers)
                lifecycle=Lifecycle(
                    noncurrent_expiration_days=7, expiration_days=POLICY.log_retention_days
                ),
                receives_access_logs_from_account=ctx.account_id,
            ),
        )
        self.uploads = SecureBucket(
            self,
            "uploads",
            BucketSpec(
                name=names.name("uploads", ctx.account_id),
                kms_key_arn=keys.data.arn,
                lifecycle=Lifecycle(noncurrent_expiration_days=30, transition_to_ia_days=30),
                access_log_bucket=self.access_logs,
                access_log_prefix="uploads/",
            ),
        )

    @property
    def max_consumers(self) -> int:
        """No more consumers than open shards (a new on-demand stream starts with
        ``ON_DEMAND_INITIAL_SHARDS``)."""
        return self.shard_plan.shards if self.shard_plan else ON_DEMAND_INITIAL_SHARDS
