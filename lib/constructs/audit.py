"""API activity records: a multi-region CloudTrail trail and the CIS 4.1-4.15 alarms on it.

The trail validates its log files (digest chain), is encrypted with the logs key, and delivers
to a dedicated SecureBucket (private, versioned, SSE-KMS, TLS-only, lifecycle, access-logged)
(kept for the audit period plus the audit window, STREAMFLIX_TRAIL_ARCHIVE_DAYS) and to a
90-day CloudWatch log group through a role that may only write the trail's streams.
Besides management events it records data events for the uploads bucket's objects and the
processing stream: who wrote or read which video object or record batch (content tracking).
Each CIS AWS Foundations v3.0 monitoring recommendation becomes a metric filter on that log
group and an alarm to the alerts topic (rows in ``lib.cis_metric_filters``).
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.cloudtrail import (
    Cloudtrail,
    CloudtrailAdvancedEventSelector,
    CloudtrailAdvancedEventSelectorFieldSelector,
    CloudtrailInsightSelector,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_metric_filter import (
    CloudwatchLogMetricFilter,
    CloudwatchLogMetricFilterMetricTransformation,
)
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from lib.cis_metric_filters import CIS_BENCHMARK, CIS_METRIC_FILTERS, CIS_METRIC_NAMESPACE
from lib.constructs.alarms import AlarmSpec, Metric, build_alarm, notify
from lib.constructs.encryption import EncryptionKeys
from lib.constructs.logs import encrypted_log_group
from lib.constructs.secure_bucket import BucketSpec, Lifecycle, SecureBucket
from lib.context import StackContext
from lib.iam import Statement, policy_document, service_trust

CLOUDTRAIL = "cloudtrail.amazonaws.com"
CIS_ALARM_PERIOD_S = 300
# CloudTrail Insights types (CloudTrail API reference, InsightSelector): unusual volumes of write
# management API calls, and unusual rates of failed calls. Opt-in (paid): STREAMFLIX_TRAIL_INSIGHTS.
INSIGHT_TYPES = ("ApiCallRateInsight", "ApiErrorRateInsight")
TRAIL_GLACIER_IR_DAYS = 90  # Standard-IA from 30 days, Glacier Instant Retrieval from 90

_Selector = CloudtrailAdvancedEventSelector
_Field = CloudtrailAdvancedEventSelectorFieldSelector


def trail_bucket_statements(bucket_arn: str, trail_arn: str, account_id: str) -> list[Statement]:
    """CloudTrail may check the ACL and write under AWSLogs/<account>/, for our trail only.

    The CloudTrail User Guide's "Amazon S3 bucket policy for CloudTrail": s3:GetBucketAcl on the
    bucket and s3:PutObject on <bucket>/AWSLogs/<account>/* for cloudtrail.amazonaws.com, both
    with aws:SourceArn = the trail ARN (its home region for a multi-region trail), the write also
    with s3:x-amz-acl = bucket-owner-full-control. Only the Sids differ from AWS's example.
    """
    only_our_trail = {"aws:SourceArn": trail_arn}
    return [
        Statement(
            "CloudTrailAclCheck",
            ("s3:GetBucketAcl",),
            (bucket_arn,),
            principal={"Service": CLOUDTRAIL},
            condition={"StringEquals": only_our_trail},
        ),
        Statement(
            "CloudTrailWrite",
            ("s3:PutObject",),
            (f"{bucket_arn}/AWSLogs/{account_id}/*",),
            principal={"Service": CLOUDTRAIL},
            condition={
                "StringEquals": {**only_our_trail, "s3:x-amz-acl": "bucket-owner-full-control"}
            },
        ),
    ]


def trail_logs_statements(log_group_arn: str, account_id: str) -> list[Statement]:
    """Write only the trail's own streams (``<account>_CloudTrail_<region>``, one per region)."""
    return [
        Statement(
            "DeliverTrailToItsLogGroup",
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            (f"{log_group_arn}:log-stream:{account_id}_CloudTrail_*",),
        )
    ]


# The name the CloudTrail console gives this selector. Checkers compare it literally: Prowler's
# cloudtrail_multi_region_enabled_logging_management_events accepts an advanced selector only if
# its Name == "Management events selector" (prowler-cloud/prowler, commit 3e000faa), and the CIS
# v4.0+ audit procedure shows that name as the expected output.
MANAGEMENT_SELECTOR_NAME = "Management events selector"


def event_selectors(
    uploads_bucket_arn: str, stream_arn: str, evidence_bucket_arn: str | None = None
) -> list[_Selector]:
    """Management events, plus data events for uploaded objects and the processing stream.

    Advanced event selector fields as the CloudTrail API defines them (AdvancedFieldSelector):
    eventCategory, resources.type and readOnly take only Equals; resources.ARN may use
    StartsWith. S3 objects are resources.type AWS::S3::Object with ARNs "arn:aws:s3:::<bucket>/
    <key>", so the bucket ARN plus "/" selects every object of that bucket only. Kinesis Data
    Streams record reads and writes on a stream are AWS::Kinesis::Stream data events;
    AWS::Kinesis::StreamConsumer would be needed only for enhanced fan-out consumers, which this
    stack does not register. Writes and reads of the evidence store's objects are recorded too:
    who wrote, read or tried to remove operating evidence (issue 22).
    """
    evidence = (
        [
            _Selector(
                name="Evidence store objects",
                field_selector=[
                    _Field(field="eventCategory", equal_to=["Data"]),
                    _Field(field="resources.type", equal_to=["AWS::S3::Object"]),
                    _Field(field="resources.ARN", starts_with=[f"{evidence_bucket_arn}/"]),
                ],
            )
        ]
        if evidence_bucket_arn
        else []
    )
    return [
        _Selector(
            name=MANAGEMENT_SELECTOR_NAME,
            field_selector=[_Field(field="eventCategory", equal_to=["Management"])],
        ),
        _Selector(
            name="Uploaded video objects",
            field_selector=[
                _Field(field="eventCategory", equal_to=["Data"]),
                _Field(field="resources.type", equal_to=["AWS::S3::Object"]),
                _Field(field="resources.ARN", starts_with=[f"{uploads_bucket_arn}/"]),
            ],
        ),
        _Selector(
            name="Processing stream records",
            field_selector=[
                _Field(field="eventCategory", equal_to=["Data"]),
                _Field(field="resources.type", equal_to=["AWS::Kinesis::Stream"]),
                _Field(field="resources.ARN", equal_to=[stream_arn]),
            ],
        ),
        *evidence,
    ]


class Audit(Construct):
    """The audit trail: a multi-region CloudTrail with log-file validation, encrypted with the
    logs key, delivered to a versioned, access-logged S3 archive (kept for the audit period plus
    the audit window) and to a 90-day CloudWatch log group, with data events for the uploads,
    the stream and the evidence store; and the CIS 4.1-4.15 metric filters with their alarms.

    Inputs: ``ctx`` (names, account, ``ctx.config.evidence.archive_days``,
    ``ctx.config.audit.trail_insights``), ``keys`` (the logs key), ``access_log_bucket`` (where
    the archive's access logs go), ``uploads_bucket_arn`` and ``stream_arn`` (data events),
    ``topic_arn`` and ``extra_topics`` (where the CIS alarms notify), ``evidence_bucket_arn``
    (data events of the evidence store, when there is one).
    """

    bucket: SecureBucket
    """The trail's S3 archive."""
    log_group: CloudwatchLogGroup
    """The trail's CloudWatch log group (the CIS metric filters read it)."""
    logs_role: IamRole
    """The role CloudTrail delivers to the log group with."""
    trail: Cloudtrail
    """The trail."""
    cis_alarms: dict[str, CloudwatchMetricAlarm]
    """The CIS 4.x alarm of each metric filter, by CIS id (e.g. ``"4.1"``)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: StackContext,
        keys: EncryptionKeys,
        *,
        access_log_bucket: SecureBucket,
        uploads_bucket_arn: str,
        stream_arn: str,
        topic_arn: str,
        extra_topics: Sequence[str] = (),
        evidence_bucket_arn: str | None = None,
    ):
        super().__init__(scope, id_)
        names = ctx.namer
        trail_name = names.name("trail")
        # Built from parts: the bucket policy must exist before the trail that it names.
        trail_arn = ctx.arn("cloudtrail", f"trail/{trail_name}")
        self.bucket = self._archive(ctx, keys, access_log_bucket, trail_arn)
        logs_policy = self._log_delivery(ctx, keys, trail_arn)
        self.trail = self._trail(
            ctx,
            keys,
            trail_name,
            event_selectors(uploads_bucket_arn, stream_arn, evidence_bucket_arn),
            logs_policy,
        )
        self.cis_alarms = self._cis_alarms(ctx, (topic_arn, *extra_topics))

    def _archive(
        self,
        ctx: StackContext,
        keys: EncryptionKeys,
        access_log_bucket: SecureBucket,
        trail_arn: str,
    ) -> SecureBucket:
        """The S3 archive, whose policy lets only this trail write."""
        account = ctx.account_id
        bucket_name = ctx.namer.name("trail-bucket", account)
        bucket_arn = f"arn:aws:s3:::{bucket_name}"
        return SecureBucket(
            self,
            "trail_bucket",
            BucketSpec(
                name=bucket_name,
                kms_key_arn=keys.logs.arn,
                # The archive covers the audit period plus the audit window (issue 22), so a
                # period can be re-performed from validated log files; CloudWatch keeps 90 days.
                lifecycle=Lifecycle(
                    noncurrent_expiration_days=7,
                    transition_to_ia_days=30,
                    transition_to_glacier_ir_days=TRAIL_GLACIER_IR_DAYS,
                    expiration_days=ctx.config.evidence.archive_days,
                ),
                access_log_bucket=access_log_bucket,
                access_log_prefix="trail/",
                extra_policy_statements=tuple(
                    s.render() for s in trail_bucket_statements(bucket_arn, trail_arn, account)
                ),
            ),
        )

    def _log_delivery(
        self, ctx: StackContext, keys: EncryptionKeys, trail_arn: str
    ) -> IamRolePolicy:
        """The log group and the role CloudTrail delivers to it with; returns the role's policy
        (the trail must wait for it)."""
        names, account = ctx.namer, ctx.account_id
        self.log_group = encrypted_log_group(self, "trail_logs", names.name("trail-logs"), keys)
        self.logs_role = IamRole(
            self,
            "trail_logs_role",
            name=names.name("trail-logs-role"),
            description="CloudTrail delivers the trail to its CloudWatch log group",
            assume_role_policy=service_trust(CLOUDTRAIL, account, source_arn=trail_arn),
        )
        return IamRolePolicy(
            self,
            "trail_logs_policy",
            role=self.logs_role.id,
            name=names.name("trail-logs-policy"),
            policy=policy_document(trail_logs_statements(self.log_group.arn, account)),
        )

    def _trail(
        self,
        ctx: StackContext,
        keys: EncryptionKeys,
        trail_name: str,
        selectors: list[_Selector],
        logs_policy: IamRolePolicy,
    ) -> Cloudtrail:
        return Cloudtrail(
            self,
            "trail",
            name=trail_name,
            s3_bucket_name=self.bucket.bucket.id,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=keys.logs.arn,
            cloud_watch_logs_group_arn=f"{self.log_group.arn}:*",
            cloud_watch_logs_role_arn=self.logs_role.arn,
            advanced_event_selector=selectors,
            insight_selector=[CloudtrailInsightSelector(insight_type=t) for t in INSIGHT_TYPES]
            if ctx.config.audit.trail_insights
            else None,
            depends_on=[self.bucket.policy, logs_policy],
        )

    def _cis_alarms(
        self, ctx: StackContext, topics: Sequence[str]
    ) -> dict[str, CloudwatchMetricAlarm]:
        """One metric filter on the trail's log group and one alarm per CIS 4.x row."""
        names = ctx.namer
        alarms: dict[str, CloudwatchMetricAlarm] = {}
        for row in CIS_METRIC_FILTERS:
            component = f"cis-{row.slug}"
            key = component.replace("-", "_")
            CloudwatchLogMetricFilter(
                self,
                f"{key}_filter",
                name=names.name(component),
                log_group_name=self.log_group.name,
                pattern=row.pattern,
                metric_transformation=CloudwatchLogMetricFilterMetricTransformation(
                    name=row.metric_name, namespace=CIS_METRIC_NAMESPACE, value="1", unit="Count"
                ),
            )
            alarms[row.cis_id] = build_alarm(
                self,
                f"{key}_alarm",
                ctx,
                AlarmSpec(
                    component=component,
                    description=f"{CIS_BENCHMARK} {row.cis_id}: {row.title}. {row.what_to_do}",
                    comparison="GreaterThanOrEqualToThreshold",
                    threshold=1,
                    evaluation_periods=1,
                    metric=Metric(
                        CIS_METRIC_NAMESPACE, row.metric_name, {}, "Sum", CIS_ALARM_PERIOD_S
                    ),
                ),
                **notify(*topics),
            )
        return alarms
