"""CIS AWS Foundations Benchmark v3.0.0, section 4 (Monitoring): recommendations 4.1-4.15.

Each recommendation asks for a metric filter on the CloudTrail log group and an alarm on it.
The filter patterns are the benchmark's own (its "Remediation" step 1), kept as data so the
audit construct builds one filter + alarm per row and the compliance catalog can cite the rows.
Metric names are stable identifiers: dashboards and alarms refer to them.

Sources (checked 2026-11-27; the CIS PDF itself is licensed, so its text was read as
transcribed by others):

* CIS v3.0.0 section 4, Remediation step 1 and Audit step 3 of each recommendation, as
  transcribed in prowler-cloud/prowler ``prowler/compliance/aws/cis_3.0_aws.json``.
* CIS v2.0.0 / v3.0.0 remediation text as carried by turbot/steampipe-mod-aws-compliance
  (``cis_v200/docs/cis_v200_4_*.md``, ``cis_v300/docs/cis_v300_4_{5,13}.md``).
* AWS Security Hub controls CloudWatch.1-CloudWatch.14 (awsdocs/aws-security-hub-user-guide
  ``doc_source/cloudwatch-controls.md``), which check the CIS v1.2.0/v1.4.0 patterns:
  4.3 = CloudWatch.1, 4.1 = CloudWatch.2 (v1.2.0 3.1: no exclusions), 4.2 = CloudWatch.3
  (v1.2.0 3.2: the SSO variant), 4.4-4.14 = CloudWatch.4-CloudWatch.14; 4.15 has no control.

Every row below is the v3.0.0 remediation pattern with its spacing normalised (the benchmark
itself spaces each recommendation differently), except three documented choices. Each is a
superset of the benchmark's events or a bracketing that removes an ambiguity, and each is what
Prowler's CIS checks look for (``tests/data/prowler_cis_regexes.json``, vendored from
prowler-cloud/prowler, Apache-2.0):

* 4.1: v3.0.0 joins the two exclusions with ``||`` -- ``... || ($.sourceIPAddress !=
  "delivery.logs.amazonaws.com") || ($.eventName != "HeadBucket")`` -- which counts nearly every
  event; v2.0.0 had ``&&``. We keep v2.0.0's ``&&`` and bracket the two errorCode alternatives so
  both exclusions apply to both, whatever the operator precedence. (v1.2.0/v1.4.0 had no
  exclusions.) Prowler's check regex, which looks for the two errorCode terms, still matches.
* 4.13: v3.0.0's remediation step has no ``$.eventSource`` term (as in v2.0.0 and
  CloudWatch.13), while its audit step expects ``{($.eventSource = ec2.amazonaws.com) &&
  ($.eventName = CreateRoute) || ...}``, and Prowler's check requires that term
  (``cloudwatch_changes_to_network_route_tables_alarm_configured``). We follow the audit step,
  bracketed so the source governs every name: all seven calls are EC2 API calls, so nothing the
  benchmark counts is lost.
* 4.15: v3.0.0 lists 18 Organizations calls; we add ``CancelHandshake``,
  ``CreateOrganization`` and ``EnableAllFeatures``, which also change the organization and which
  Prowler's check requires (``cloudwatch_log_metric_filter_aws_organizations_changes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CIS_BENCHMARK = "CIS Amazon Web Services Foundations Benchmark v3.0.0"
CIS_METRIC_NAMESPACE = "StreamFlix/CIS"
_CIS_ID = re.compile(r"^4\.(?:[1-9]|1[0-5])$")
_METRIC = re.compile(r"^[A-Za-z0-9]{1,64}$")


@dataclass(frozen=True)
class CisMetricFilter:
    """One CIS 4.x recommendation: id, title, the CloudWatch Logs filter pattern, metric name."""

    cis_id: str
    title: str
    pattern: str
    metric_name: str
    what_to_do: str

    def __post_init__(self) -> None:
        if not _CIS_ID.match(self.cis_id):
            raise ValueError(f"cis_id={self.cis_id!r}: must be 4.1 .. 4.15")
        if not _METRIC.match(self.metric_name):
            raise ValueError(f"metric_name={self.metric_name!r}: must be 1-64 alphanumerics")
        if not (self.pattern.startswith("{") and self.pattern.endswith("}")):
            raise ValueError(f"pattern of {self.cis_id}: must be a JSON filter pattern {{ ... }}")

    @property
    def slug(self) -> str:
        """Identifier-safe form of the id: ``4.10`` -> ``4-10`` (resource names, logical ids)."""
        return self.cis_id.replace(".", "-")


def _any_event(*names: str) -> str:
    return " || ".join(f"($.eventName = {name})" for name in names)


CIS_METRIC_FILTERS: tuple[CisMetricFilter, ...] = (
    CisMetricFilter(
        "4.1",
        "Unauthorized API calls are monitored",
        # CIS v3.0.0 4.1 with v2.0.0's "&&" and explicit brackets (see the module docstring).
        '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
        '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
        "UnauthorizedApiCalls",
        "Find the caller (userIdentity) in the trail; a burst means probing or a broken deploy.",
    ),
    CisMetricFilter(
        "4.2",
        "Management console sign-in without MFA is monitored",
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        "ConsoleSignInWithoutMfa",
        "Identify the user, require MFA for them, and review what the session did.",
    ),
    CisMetricFilter(
        "4.3",
        "Usage of the 'root' account is monitored",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType != "AwsServiceEvent" }',
        "RootAccountUsage",
        "Root must not be used: confirm who used it and why; rotate its credentials if unsure.",
    ),
    CisMetricFilter(
        "4.4",
        "IAM policy changes are monitored",
        "{ "
        + _any_event(
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
        )
        + " }",
        "IamPolicyChanges",
        "Check the change against an approved deployment; revert unapproved grants.",
    ),
    CisMetricFilter(
        "4.5",
        "CloudTrail configuration changes are monitored",
        "{ "
        + _any_event("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")
        + " }",
        "CloudTrailConfigChanges",
        "Audit logging was changed: confirm the trail still logs; treat as a possible incident.",
    ),
    CisMetricFilter(
        "4.6",
        "AWS Management Console authentication failures are monitored",
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
        "ConsoleAuthFailures",
        "Repeated failures suggest password guessing: check source IPs, lock the user if needed.",
    ),
    CisMetricFilter(
        "4.7",
        "Disabling or scheduled deletion of customer-created CMKs is monitored",
        "{ ($.eventSource = kms.amazonaws.com) && "
        "(($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
        "CmkDisableOrDeletion",
        "Data becomes unreadable when a key is deleted: cancel the deletion unless approved.",
    ),
    CisMetricFilter(
        "4.8",
        "S3 bucket policy changes are monitored",
        "{ ($.eventSource = s3.amazonaws.com) && ("
        + _any_event(
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        )
        + ") }",
        "S3BucketPolicyChanges",
        "Check the bucket is still private and TLS-only; revert changes made outside IaC.",
    ),
    CisMetricFilter(
        "4.9",
        "AWS Config configuration changes are monitored",
        "{ ($.eventSource = config.amazonaws.com) && ("
        + _any_event(
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "PutDeliveryChannel",
            "PutConfigurationRecorder",
        )
        + ") }",
        "AwsConfigChanges",
        "Configuration recording was changed: confirm the recorder still runs.",
    ),
    CisMetricFilter(
        "4.10",
        "Security group changes are monitored",
        "{ "
        + _any_event(
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        )
        + " }",
        "SecurityGroupChanges",
        "Compare with lib/constructs/firewall.py; remove rules not made by a deployment.",
    ),
    CisMetricFilter(
        "4.11",
        "Network Access Control Lists (NACL) changes are monitored",
        "{ "
        + _any_event(
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        )
        + " }",
        "NetworkAclChanges",
        "Check the NACL change was deployed on purpose; revert it otherwise.",
    ),
    CisMetricFilter(
        "4.12",
        "Changes to network gateways are monitored",
        "{ "
        + _any_event(
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        )
        + " }",
        "NetworkGatewayChanges",
        "A gateway change can open a path to the internet: confirm it was deployed on purpose.",
    ),
    CisMetricFilter(
        "4.13",
        "Route table changes are monitored",
        # CIS v3.0.0 4.13 audit step 3 (with eventSource), bracketed; see the module docstring.
        "{ ($.eventSource = ec2.amazonaws.com) && ("
        + _any_event(
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        )
        + ") }",
        "RouteTableChanges",
        "Check private subnets still have no route to the internet unless the NAT is enabled.",
    ),
    CisMetricFilter(
        "4.14",
        "VPC changes are monitored",
        "{ "
        + _any_event(
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
        )
        + " }",
        "VpcChanges",
        "Check peering and VPC attributes against the deployed stack; revert drift.",
    ),
    CisMetricFilter(
        "4.15",
        "AWS Organizations changes are monitored",
        "{ ($.eventSource = organizations.amazonaws.com) && ("
        + _any_event(
            '"AcceptHandshake"',
            '"AttachPolicy"',
            '"CancelHandshake"',  # not in CIS v3.0.0: see the module docstring
            '"CreateAccount"',
            '"CreateOrganization"',  # not in CIS v3.0.0
            '"CreateOrganizationalUnit"',
            '"CreatePolicy"',
            '"DeclineHandshake"',
            '"DeleteOrganization"',
            '"DeleteOrganizationalUnit"',
            '"DeletePolicy"',
            '"DetachPolicy"',
            '"DisablePolicyType"',
            '"EnableAllFeatures"',  # not in CIS v3.0.0
            '"EnablePolicyType"',
            '"InviteAccountToOrganization"',
            '"LeaveOrganization"',
            '"MoveAccount"',
            '"RemoveAccountFromOrganization"',
            '"UpdatePolicy"',
            '"UpdateOrganizationalUnit"',
        )
        + ") }",
        "OrganizationsChanges",
        "Organization structure or SCPs changed: confirm with the account owners.",
    ),
)


def by_id(cis_id: str) -> CisMetricFilter:
    """The row for a CIS id such as ``4.3`` (KeyError names the id if unknown)."""
    for row in CIS_METRIC_FILTERS:
        if row.cis_id == cis_id:
            return row
    raise KeyError(f"cis_id={cis_id!r}: not in CIS 4.1-4.15")
