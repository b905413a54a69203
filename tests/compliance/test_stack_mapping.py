"""The stack's audit and alarm features, asserted, and each explained by a control.

These tests are evidence named in compliance/catalog.yaml. The drift tests fail when the stack
gains a trail setting or an alarm that no control explains.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from compliance.catalog import Catalog, Regulation
from compliance.coverage import (
    uncited_rules,
    unexplained_alarms,
    unexplained_features,
    unexplained_trail_settings,
)
from compliance.reportdata import ReportData
from core.references import refs_in_text
from core.results import Outcome, RuleResult, Source
from core.stackfile import Resource, SynthesizedStack
from lib.cis_metric_filters import CIS_METRIC_FILTERS, by_id

pytestmark = pytest.mark.synth


# Independent of lib.cis_metric_filters: the terms CIS v3.0 section 4 puts in each pattern.
CIS_TERMS: dict[str, tuple[str, ...]] = {
    "4.1": ("*UnauthorizedOperation", "AccessDenied*"),
    "4.2": ("ConsoleLogin", "$.additionalEventData.MFAUsed", "Yes"),
    "4.3": ("Root", "$.userIdentity.invokedBy NOT EXISTS", "AwsServiceEvent"),
    "4.4": (
        "DeleteGroupPolicy",
        "DeleteRolePolicy",
        "DeleteUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "PutUserPolicy",
        "CreatePolicy",
        "DeletePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
    ),
    "4.5": ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    "4.6": ("ConsoleLogin", "Failed authentication"),
    "4.7": ("kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"),
    "4.8": (
        "s3.amazonaws.com",
        "PutBucketAcl",
        "PutBucketPolicy",
        "PutBucketCors",
        "PutBucketLifecycle",
        "PutBucketReplication",
        "DeleteBucketPolicy",
        "DeleteBucketCors",
        "DeleteBucketLifecycle",
        "DeleteBucketReplication",
    ),
    "4.9": (
        "config.amazonaws.com",
        "StopConfigurationRecorder",
        "DeleteDeliveryChannel",
        "PutDeliveryChannel",
        "PutConfigurationRecorder",
    ),
    "4.10": (
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
        "CreateSecurityGroup",
        "DeleteSecurityGroup",
    ),
    "4.11": (
        "CreateNetworkAcl",
        "CreateNetworkAclEntry",
        "DeleteNetworkAcl",
        "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry",
        "ReplaceNetworkAclAssociation",
    ),
    "4.12": (
        "CreateCustomerGateway",
        "DeleteCustomerGateway",
        "AttachInternetGateway",
        "CreateInternetGateway",
        "DeleteInternetGateway",
        "DetachInternetGateway",
    ),
    "4.13": (
        "CreateRoute",
        "CreateRouteTable",
        "ReplaceRoute",
        "ReplaceRouteTableAssociation",
        "DeleteRouteTable",
        "DeleteRoute",
        "DisassociateRouteTable",
    ),
    "4.14": (
        "CreateVpc",
        "DeleteVpc",
        "ModifyVpcAttribute",
        "AcceptVpcPeeringConnection",
        "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection",
        "RejectVpcPeeringConnection",
        "AttachClassicLinkVpc",
        "DetachClassicLinkVpc",
        "DisableVpcClassicLink",
        "EnableVpcClassicLink",
    ),
    "4.15": (
        "organizations.amazonaws.com",
        "AcceptHandshake",
        "AttachPolicy",
        "CreateAccount",
        "CreateOrganizationalUnit",
        "CreatePolicy",
        "DeclineHandshake",
        "DeleteOrganization",
        "DeleteOrganizationalUnit",
        "DeletePolicy",
        "DetachPolicy",
        "DisablePolicyType",
        "EnablePolicyType",
        "InviteAccountToOrganization",
        "LeaveOrganization",
        "MoveAccount",
        "RemoveAccountFromOrganization",
        "UpdatePolicy",
        "UpdateOrganizationalUnit",
    ),
}


def ref(value: Any) -> str | None:
    """The address of the first AWS resource attribute a ``${type.name.attr}`` expression uses."""
    refs = refs_in_text(value) if isinstance(value, str) else []
    found = (r for r in refs if r.is_resource and r.rtype.startswith("aws_") and r.attribute)
    return next((r.address for r in found), None)


def one(stack: SynthesizedStack, glob: str) -> Resource:
    found = stack.matching(glob)
    assert len(found) == 1, f"{glob}: expected exactly one resource, found {len(found)}"
    return found[0]


def trail(stack: SynthesizedStack) -> Resource:
    return one(stack, "aws_cloudtrail.*")


def attached(stack: SynthesizedStack, rtype: str, bucket: Resource) -> dict[str, Any]:
    found = [r for r in stack.of_type(rtype) if ref(r.body.get("bucket")) == bucket.address]
    assert len(found) == 1, f"{bucket.address}: expected one {rtype}, found {len(found)}"
    return found[0].body


def first(block: Any) -> Any:
    return block[0] if isinstance(block, list) else block


def alerts_topic(stack: SynthesizedStack) -> str:
    return one(stack, "aws_sns_topic.failure_handling_alerts_*").address


# ------------------------------------------------------------------------------- the trail


def test_trail_is_multi_region_and_validated(synthesized: SynthesizedStack) -> None:
    body = trail(synthesized).body
    assert body["is_multi_region_trail"] is True
    assert body["include_global_service_events"] is True
    assert body["enable_logging"] is True
    assert body["enable_log_file_validation"] is True


def test_trail_is_encrypted_with_the_logs_key(synthesized: SynthesizedStack) -> None:
    key = ref(trail(synthesized).body["kms_key_id"])
    assert key is not None and key.startswith("aws_kms_key.encryption_logs_key_")
    policy = json.loads(synthesized.matching(f"{key}")[0].body["policy"])
    sids = {s["Sid"] for s in policy["Statement"]}
    assert {"CloudTrailEncryptsTrailLogs", "CloudTrailDescribesKey"} <= sids


def test_trail_delivers_to_its_own_log_group(synthesized: SynthesizedStack) -> None:
    body = trail(synthesized).body
    group = one(synthesized, "aws_cloudwatch_log_group.audit_trail_logs_*")
    assert body["cloud_watch_logs_group_arn"] == f"${{{group.address}.arn}}:*"
    assert group.body["retention_in_days"] == 90 and group.body.get("kms_key_id")
    role = one(synthesized, "aws_iam_role.audit_trail_logs_role_*")
    assert ref(body["cloud_watch_logs_role_arn"]) == role.address
    (policy,) = [
        r for r in synthesized.of_type("aws_iam_role_policy") if ref(r.body["role"]) == role.address
    ]
    (statement,) = json.loads(policy.body["policy"])["Statement"]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert all(r.startswith(f"${{{group.address}.arn}}:log-stream:") for r in statement["Resource"])


def test_trail_bucket_is_protected(synthesized: SynthesizedStack) -> None:
    bucket = one(synthesized, "aws_s3_bucket.audit_trail_bucket_*")
    assert ref(trail(synthesized).body["s3_bucket_name"]) == bucket.address
    pab = attached(synthesized, "aws_s3_bucket_public_access_block", bucket)
    assert all(
        pab[k] is True
        for k in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    versioning = attached(synthesized, "aws_s3_bucket_versioning", bucket)
    assert first(versioning["versioning_configuration"])["status"] == "Enabled"
    sse = first(
        attached(synthesized, "aws_s3_bucket_server_side_encryption_configuration", bucket)["rule"]
    )
    default = first(sse["apply_server_side_encryption_by_default"])
    assert default["sse_algorithm"] == "aws:kms" and ref(default["kms_master_key_id"])
    logging = attached(synthesized, "aws_s3_bucket_logging", bucket)
    assert ref(logging["target_bucket"]).startswith("aws_s3_bucket.ingestion_access_logs_")
    policy = json.loads(attached(synthesized, "aws_s3_bucket_policy", bucket)["policy"])
    tls = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert tls, "the trail bucket policy must deny requests without TLS"
    lifecycle = attached(synthesized, "aws_s3_bucket_lifecycle_configuration", bucket)
    assert lifecycle["rule"], "the trail bucket needs lifecycle rules"


def test_trail_records_data_events_for_uploads_and_stream(synthesized: SynthesizedStack) -> None:
    selectors = trail(synthesized).body["advanced_event_selector"]

    def fields(selector: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {f["field"]: f for f in selector["field_selector"]}

    data = [fields(s) for s in selectors if fields(s)["eventCategory"]["equals"] == ["Data"]]
    uploads = one(synthesized, "aws_s3_bucket.ingestion_uploads_bucket_*").address
    stream = one(synthesized, "aws_kinesis_stream.*").address
    by_type = {
        f["resources.type"]["equals"][0]: f
        for f in data
        # the evidence store's objects have a selector of their own (issue 22)
        if "evidence_bucket" not in str(f["resources.ARN"])
    }
    s3 = by_type["AWS::S3::Object"]
    assert s3["resources.ARN"]["starts_with"] == [f"${{{uploads}.arn}}/"]
    assert "readOnly" not in s3, "both reads and writes of uploaded objects must be recorded"
    kinesis = by_type["AWS::Kinesis::Stream"]
    assert kinesis["resources.ARN"]["equals"] == [f"${{{stream}.arn}}"]
    management = [s for s in selectors if fields(s)["eventCategory"]["equals"] == ["Management"]]
    assert len(management) == 1, "management events must stay recorded beside data events"


def test_every_trail_setting_is_explained_by_a_control(
    synthesized: SynthesizedStack, catalog: Catalog
) -> None:
    assert unexplained_trail_settings(synthesized, catalog) == {}


def test_an_unexplained_trail_setting_is_caught(
    synthesized: SynthesizedStack, catalog: Catalog
) -> None:
    data = json.loads(json.dumps(synthesized.data))
    (name,) = data["resource"]["aws_cloudtrail"]
    data["resource"]["aws_cloudtrail"][name]["sns_topic_name"] = "x"
    assert unexplained_trail_settings(SynthesizedStack(data), catalog) == {
        f"aws_cloudtrail.{name}": {"sns_topic_name"}
    }


def test_every_trail_setting_in_the_catalog_is_set_on_the_trail(
    synthesized: SynthesizedStack, catalog: Catalog
) -> None:
    body = trail(synthesized).body
    named = {s for c in catalog.controls for s in c.evidence.trail_settings}
    assert not {s for s in named if not body.get(s)}


# ---------------------------------------------------------------------------------- alarms


def test_every_alarm_is_explained_by_a_control(
    synthesized: SynthesizedStack, catalog: Catalog
) -> None:
    assert unexplained_alarms(synthesized, catalog) == []


def test_an_unexplained_alarm_is_caught(synthesized: SynthesizedStack, catalog: Catalog) -> None:
    data = json.loads(json.dumps(synthesized.data))
    data["resource"]["aws_cloudwatch_metric_alarm"]["rogue_alarm_1234"] = {"alarm_name": "x"}
    assert unexplained_alarms(SynthesizedStack(data), catalog) == [
        "aws_cloudwatch_metric_alarm.rogue_alarm_1234"
    ]
    assert unexplained_features(SynthesizedStack(data), catalog) == (
        "aws_cloudwatch_metric_alarm.rogue_alarm_1234: alarm is explained by no control",
    )
    stripped = catalog.model_copy(
        update={
            "controls": tuple(
                c.model_copy(update={"evidence": c.evidence.model_copy(update={"resources": ()})})
                if c.id == "SFX-CTL-MON-01"
                else c
                for c in catalog.controls
            )
        }
    )
    assert any(
        "monitoring_dlq_visible_alarm_" in a for a in unexplained_alarms(synthesized, stripped)
    )


# ------------------------------------------------------------------------------- our rules


def _own_results(report_data: ReportData) -> tuple[RuleResult, ...]:
    """The session report's rule results: the synth's aspect records and the gate's lines."""
    sources = {r.source for r in report_data.rule_results}
    assert sources == {Source.ASPECT, Source.GATE}, f"results came only from {sources}"
    return report_data.rule_results


def test_every_rule_that_judges_the_stack_is_cited_by_a_control(
    report_data: ReportData, catalog: Catalog
) -> None:
    assert uncited_rules(_own_results(report_data), catalog) == {}


def test_a_rule_no_control_cites_is_caught(
    report_data: ReportData, catalog: Catalog, synthesized: SynthesizedStack
) -> None:
    results = _own_results(report_data)
    stripped = catalog.model_copy(
        update={
            "controls": tuple(
                c.model_copy(
                    update={"evidence": c.evidence.model_copy(update={"aspect_rules": ()})}
                )
                if "SFX-DESTROY-05" in c.evidence.aspect_rules
                else c
                for c in catalog.controls
            )
        }
    )
    uncited = uncited_rules(results, stripped)
    assert "SFX-DESTROY-05" in uncited and uncited["SFX-DESTROY-05"] >= 1
    assert any(
        line.startswith("SFX-DESTROY-05: judged")
        for line in unexplained_features(synthesized, stripped, results)
    )


def test_a_rule_that_applies_to_nothing_needs_no_control(catalog: Catalog) -> None:
    """Guards for resource kinds the stack lacks (e.g. Auto Scaling groups) are not drift."""
    idle = RuleResult(
        Source.ASPECT, "SFX-TAG-05", "t", "aws_ecs_cluster.c", "NOT_APPLICABLE", "error", ""
    )
    judged = dataclasses.replace(idle, status="COMPLIANT")
    assert uncited_rules([idle], catalog) == {}
    assert uncited_rules([judged], catalog) == {"SFX-TAG-05": 1}


def _scaling(alarm: Resource) -> bool:
    return all(
        (ref(a) or "").startswith("aws_appautoscaling_policy.")
        for a in alarm.body.get("alarm_actions", [])
    )


def test_every_paging_alarm_notifies_the_alerts_topic(synthesized: SynthesizedStack) -> None:
    topic = f"${{{alerts_topic(synthesized)}.arn}}"
    paging = [a for a in synthesized.of_type("aws_cloudwatch_metric_alarm") if not _scaling(a)]
    assert len(paging) >= 15 + 9, "the CIS alarms and the pipeline alarms"
    for alarm in paging:
        assert alarm.body["alarm_actions"] == [topic], alarm.address
        assert alarm.body["ok_actions"] == [topic], alarm.address
        assert alarm.body.get("actions_enabled", True) is True, alarm.address
        assert len(alarm.body.get("alarm_description", "")) > 20, alarm.address
    rule = one(synthesized, "aws_cloudwatch_event_rule.monitoring_rotation_failed_*")
    targets = [
        t
        for t in synthesized.of_type("aws_cloudwatch_event_target")
        if ref(t.body.get("rule")) == rule.address
    ]
    assert [t.body["arn"] for t in targets] == [topic]


def test_scaling_alarms_drive_scaling_policies(synthesized: SynthesizedStack) -> None:
    policies = {r.address for r in synthesized.of_type("aws_appautoscaling_policy")}
    for glob in (
        "aws_cloudwatch_metric_alarm.scaling_lag_high_alarm_*",
        "aws_cloudwatch_metric_alarm.scaling_idle_alarm_*",
    ):
        alarm = one(synthesized, glob)
        actions = [ref(a) for a in alarm.body["alarm_actions"]]
        assert actions and set(actions) <= policies, alarm.address
        assert alarm.body["metric_name"] == "GetRecords.IteratorAgeMilliseconds"


# ------------------------------------------------------------- CIS AWS Foundations v3.0 4.x


@pytest.mark.parametrize("cis_id", [row.cis_id for row in CIS_METRIC_FILTERS])
def test_cis_metric_filter_and_alarm(
    cis_id: str, synthesized: SynthesizedStack, catalog: Catalog
) -> None:
    controls = [
        c
        for c in catalog.controls
        for r in c.requirements
        if r.regulation is Regulation.CIS and r.ref == cis_id
    ]
    assert len(controls) == 1, f"CIS {cis_id}: expected one control, found {len(controls)}"
    (control,) = controls
    filters = [
        r
        for g in control.evidence.resources
        for r in synthesized.matching(g)
        if r.rtype == "aws_cloudwatch_log_metric_filter"
    ]
    alarms = [
        r
        for g in control.evidence.resources
        for r in synthesized.matching(g)
        if r.rtype == "aws_cloudwatch_metric_alarm"
    ]
    assert len(filters) == 1 and len(alarms) == 1, control.id
    pattern = filters[0].body["pattern"]
    assert pattern == by_id(cis_id).pattern
    missing = [t for t in CIS_TERMS[cis_id] if t not in pattern]
    assert not missing, f"CIS {cis_id} pattern lacks {missing}"
    trail_group = ref(trail(synthesized).body["cloud_watch_logs_group_arn"])
    assert ref(filters[0].body["log_group_name"]) == trail_group
    metric = first(filters[0].body["metric_transformation"])
    alarm = alarms[0].body
    assert (alarm["metric_name"], alarm["namespace"]) == (metric["name"], metric["namespace"])
    assert (alarm["statistic"], alarm["threshold"], alarm["comparison_operator"]) == (
        "Sum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert alarm["alarm_actions"] == [f"${{{alerts_topic(synthesized)}.arn}}"]


def test_a_waived_builtin_check_no_control_cites_is_caught(
    report_data: ReportData, catalog: Catalog
) -> None:
    """Built-in checks that fail or are waived need a control (issue 14 §1): stripping the
    controls' citations of a waived built-in check (CKV_AWS_338) must show as drift."""
    results = _own_results(report_data)
    waived = [r for r in results if r.rule == "CKV_AWS_338" and r.outcome is Outcome.WAIVED]
    assert waived, "the stack waives CKV_AWS_338 (log groups kept 90 days)"
    stripped = catalog.model_copy(
        update={
            "controls": tuple(
                c.model_copy(
                    update={
                        "evidence": c.evidence.model_copy(
                            update={
                                "checkov_checks": tuple(
                                    x for x in c.evidence.checkov_checks if x != "CKV_AWS_338"
                                )
                            }
                        )
                    }
                )
                for c in catalog.controls
            )
        }
    )
    assert uncited_rules(results, stripped)["CKV_AWS_338"] == len({r.resource for r in waived})
    passed_builtin = RuleResult(
        Source.GATE, "CKV_AWS_999", "t", "aws_s3_bucket.b", "PASSED", "error", ""
    )
    assert "CKV_AWS_999" not in uncited_rules([passed_builtin], catalog)
