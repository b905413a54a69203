"""Network: the VPC flow log delivers, and no security group of the stack gained world ingress."""

from __future__ import annotations

from typing import Any

from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design
from compliance.collect.model import Check, Family, Finding, Read

WORLD = ("0.0.0.0/0", "::/0")

# EC2's Describe* actions take no resource ARN in IAM (Service Authorization Reference, EC2).
DESCRIBE_VPCS = Read("ec2:DescribeVpcs")
DESCRIBE_FLOW_LOGS = Read("ec2:DescribeFlowLogs")
DESCRIBE_SECURITY_GROUPS = Read("ec2:DescribeSecurityGroups")

FLOW_LOG = Check(
    "network.flow-log",
    ("SFX-CTL-OPS-08",),
    "the flow log of the stack's VPC (found by the VPC's resource id) is active and delivering "
    "(`DeliverLogsStatus` SUCCESS) to the designed log group",
    24,
    reads=(DESCRIBE_VPCS, DESCRIBE_FLOW_LOGS),
)
SG_INGRESS = Check(
    "network.security-group",
    ("SFX-CTL-OPS-04",),
    f"no security group of the stack has gained ingress from {' or '.join(WORLD)}",
    24,
    reads=(DESCRIBE_SECURITY_GROUPS,),
)


def _flow_log(ctx: Context, design: Design) -> Finding:
    """The flow log of the stack's VPC, found by the VPC's resource id (DescribeFlowLogs filter
    ``resource-id``): a log-group-name filter misses flow logs created with a destination ARN."""
    expected = {
        "FlowLogStatus": "ACTIVE",
        "DeliverLogsStatus": "SUCCESS",
        "LogGroupName": design.flow_log_group,
    }
    placeholder = ctx.arn("ec2", f"vpc/{design.vpc_name}")
    ec2 = ctx.client("ec2")
    try:
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [design.vpc_name]}])[
            "Vpcs"
        ]
        vpc_ids = [v["VpcId"] for v in vpcs]
        logs = (
            ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": vpc_ids}])["FlowLogs"]
            if vpc_ids
            else []
        )
    except CALL_ERRORS as err:
        return error(FLOW_LOG, DESCRIBE_FLOW_LOGS.action, placeholder, expected, err)
    if not vpc_ids:
        return Finding(
            FLOW_LOG,
            DESCRIBE_VPCS.action,
            placeholder,
            {"vpc exists": False},
            expected,
            False,
            f"no VPC tagged Name={design.vpc_name}",
        )
    if not logs:
        return Finding(
            FLOW_LOG,
            DESCRIBE_FLOW_LOGS.action,
            ctx.arn("ec2", f"vpc/{vpc_ids[0]}"),
            {"exists": False},
            expected,
            False,
        )
    # The one delivering to the designed group, if several log the VPC.
    flow = next((f for f in logs if _group_of(f) == design.flow_log_group), logs[0])
    observed = {
        "FlowLogStatus": flow.get("FlowLogStatus"),
        "DeliverLogsStatus": flow.get("DeliverLogsStatus"),
        "LogGroupName": _group_of(flow),
    }
    # DeliverLogsStatus FAILED comes with DeliverLogsErrorMessage (EC2 API reference, FlowLog).
    detail = str(flow.get("DeliverLogsErrorMessage") or "")
    arn = ctx.arn("ec2", f"vpc-flow-log/{flow['FlowLogId']}")
    return Finding(
        FLOW_LOG,
        DESCRIBE_FLOW_LOGS.action,
        arn,
        observed,
        expected,
        observed == expected,
        detail,
    )


def _group_of(flow: dict[str, Any]) -> str:
    """The log group a flow log delivers to: LogGroupName, or the name in its destination ARN."""
    if flow.get("LogGroupName"):
        return str(flow["LogGroupName"])
    destination = str(flow.get("LogDestination") or "")
    return (
        destination.split(":log-group:", 1)[1].split(":", 1)[0]
        if ":log-group:" in destination
        else ""
    )


def _world_ingress(group: dict[str, Any]) -> list[str]:
    out = []
    for perm in group.get("IpPermissions", []):
        ranges = [r.get("CidrIp") for r in perm.get("IpRanges", [])]
        ranges += [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges", [])]
        ports = (
            f"{perm.get('IpProtocol')}:{perm.get('FromPort', 'all')}-{perm.get('ToPort', 'all')}"
        )
        out += [f"{ports} from {cidr}" for cidr in ranges if cidr in WORLD]
    return sorted(out)


def _groups(ctx: Context, design: Design) -> list[Finding]:
    expected = {"exists": True, "world ingress": []}
    names = list(design.security_groups)
    try:
        found = {
            g["GroupName"]: g
            for g in ctx.client("ec2").describe_security_groups(
                Filters=[{"Name": "group-name", "Values": names}]
            )["SecurityGroups"]
        }
    except CALL_ERRORS as err:
        return [
            error(
                SG_INGRESS,
                DESCRIBE_SECURITY_GROUPS.action,
                ctx.arn("ec2", "security-group/*"),
                expected,
                err,
            )
        ]
    out = []
    for name in names:
        group = found.get(name)
        if group is None:
            out.append(
                Finding(
                    SG_INGRESS,
                    DESCRIBE_SECURITY_GROUPS.action,
                    ctx.arn("ec2", f"security-group/{name}"),
                    {"exists": False},
                    expected,
                    False,
                )
            )
            continue
        observed = {"exists": True, "world ingress": _world_ingress(group)}
        out.append(
            Finding(
                SG_INGRESS,
                DESCRIBE_SECURITY_GROUPS.action,
                ctx.arn("ec2", f"security-group/{group['GroupId']}"),
                observed,
                expected,
                observed == expected,
                name,
            )
        )
    return out


def collect(ctx: Context, design: Design) -> list[Finding]:
    return [_flow_log(ctx, design), *_groups(ctx, design)]


FAMILY = Family("network", (FLOW_LOG, SG_INGRESS), collect)
