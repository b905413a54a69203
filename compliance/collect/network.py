"""Network: the VPC flow log delivers, and no security group of the stack gained world ingress."""

from __future__ import annotations

from typing import Any

from compliance.collect import checks
from compliance.collect.context import CALL_ERRORS, Context, error
from compliance.collect.design import Design
from compliance.collect.model import Finding

WORLD = ("0.0.0.0/0", "::/0")


def _flow_log(ctx: Context, design: Design) -> Finding:
    expected = {"FlowLogStatus": "ACTIVE", "DeliverLogsStatus": "SUCCESS"}
    placeholder = ctx.arn("logs", f"log-group:{design.flow_log_group}")
    try:
        logs = ctx.client("ec2").describe_flow_logs(
            Filters=[{"Name": "log-group-name", "Values": [design.flow_log_group]}]
        )["FlowLogs"]
    except CALL_ERRORS as err:
        return error(checks.FLOW_LOG, "ec2:DescribeFlowLogs", placeholder, expected, err)
    if not logs:
        return Finding(
            checks.FLOW_LOG, "ec2:DescribeFlowLogs", placeholder, {"exists": False}, expected, False
        )
    flow = logs[0]
    observed = {k: flow.get(k) for k in expected}
    # DeliverLogsStatus FAILED comes with DeliverLogsErrorMessage (EC2 API reference, FlowLog).
    detail = str(flow.get("DeliverLogsErrorMessage") or "")
    arn = ctx.arn("ec2", f"vpc-flow-log/{flow['FlowLogId']}")
    return Finding(
        checks.FLOW_LOG,
        "ec2:DescribeFlowLogs",
        arn,
        observed,
        expected,
        observed == expected,
        detail,
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
                checks.SG_INGRESS,
                "ec2:DescribeSecurityGroups",
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
                    checks.SG_INGRESS,
                    "ec2:DescribeSecurityGroups",
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
                checks.SG_INGRESS,
                "ec2:DescribeSecurityGroups",
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
