"""Issue 2, VPC: subnets over two AZs, private placement, flow logs, endpoints, closed default SG."""

from __future__ import annotations

import ipaddress
import json

from lib.constructs.network import COLLECTOR_ENDPOINTS, INTERFACE_ENDPOINTS
from lib.network_acl import AclEntry, world_admin_ingress
from tests.conftest import StackView


def _subnets(stack: StackView, tier: str) -> list[dict]:
    return [s for s in stack.of_type("aws_subnet").values() if s["tags"]["Tier"] == tier]


def test_public_and_private_subnets_span_two_azs(stack: StackView) -> None:
    for tier in ("public", "private"):
        subnets = _subnets(stack, tier)
        assert len(subnets) == 2
        assert {s["availability_zone"] for s in subnets} == {"eu-central-1a", "eu-central-1b"}


def test_subnets_never_map_public_ips(stack: StackView) -> None:
    assert all(s["map_public_ip_on_launch"] is False for s in stack.of_type("aws_subnet").values())


def test_subnet_ranges_lie_in_the_vpc_and_do_not_overlap(stack: StackView) -> None:
    vpc = ipaddress.IPv4Network(stack.one("aws_vpc")["cidr_block"])
    nets = [ipaddress.IPv4Network(s["cidr_block"]) for s in stack.of_type("aws_subnet").values()]
    assert all(n.subnet_of(vpc) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])


def test_only_public_route_table_routes_to_the_internet_gateway(stack: StackView) -> None:
    igw_routes = [r for r in stack.of_type("aws_route").values() if "gateway_id" in r]
    assert len(igw_routes) == 1
    assert "public_rt" in igw_routes[0]["route_table_id"]
    # NAT is off by default: private route tables carry no default route.
    assert not any("nat_gateway_id" in r for r in stack.of_type("aws_route").values())


def test_database_and_endpoints_live_in_private_subnets_only(stack: StackView) -> None:
    subnet_group = stack.one("aws_db_subnet_group")
    assert all("private_subnet" in ref for ref in subnet_group["subnet_ids"])
    for endpoint in stack.of_type("aws_vpc_endpoint").values():
        for ref in endpoint.get("subnet_ids", []):
            assert "private_subnet" in ref


def test_default_security_group_is_closed(stack: StackView) -> None:
    default_sg = stack.one("aws_default_security_group")
    assert default_sg["ingress"] == [] and default_sg["egress"] == []


def test_flow_logs_capture_all_traffic_into_a_90_day_encrypted_group(stack: StackView) -> None:
    flow = stack.one("aws_flow_log")
    assert flow["traffic_type"] == "ALL"
    assert flow["log_destination_type"] == "cloud-watch-logs"
    group = stack.by_path("aws_cloudwatch_log_group", "/network/flow_logs")
    assert "flow_logs" in flow["log_destination"]
    assert group["retention_in_days"] == 90
    assert group["kms_key_id"].startswith("${aws_kms_key.encryption_logs_key")


def test_flow_log_role_may_only_write_to_its_group(stack: StackView) -> None:
    """Issue 12 item 10: Amazon VPC User Guide, "IAM role for publishing flow logs to CloudWatch
    Logs": five actions at least; trust fenced by account and the flow log's ARN."""
    role = stack.by_path("aws_iam_role", "/network/flow_logs_role")
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    assert trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:ec2:eu-central-1:${data.aws_caller_identity.current.account_id}"
        ":vpc-flow-log/*"
    }
    flow_policy = stack.by_path("aws_iam_role_policy", "/network/flow_logs_role_policy")
    statements = {s["Sid"]: s for s in json.loads(flow_policy["policy"])["Statement"]}
    granted = {a for s in statements.values() for a in s["Action"]}
    assert granted == {
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
    }
    deliver = statements["DeliverToTheFlowLogGroupOnly"]
    assert all("network_flow_logs" in r for r in deliver["Resource"])
    assert statements["FindTheFlowLogGroup"]["Action"] == ["logs:DescribeLogGroups"]
    assert statements["FindTheFlowLogGroup"]["Resource"] == [
        "arn:aws:logs:eu-central-1:${data.aws_caller_identity.current.account_id}:log-group:*"
    ]


def test_private_tasks_reach_aws_through_endpoints(stack: StackView) -> None:
    endpoints = stack.of_type("aws_vpc_endpoint").values()
    by_service = {
        e["service_name"].removeprefix("com.amazonaws.eu-central-1."): e for e in endpoints
    }
    assert by_service["s3"]["vpc_endpoint_type"] == "Gateway"
    assert len(by_service["s3"]["route_table_ids"]) == 2
    required = {"kinesis-streams", "secretsmanager", "logs", "ecr.api", "ecr.dkr", "sqs", "sns"}
    # exactly what the workers call (issue 12.9): no CloudWatch API (EMF via logs), no STS ...
    assert required == set(INTERFACE_ENDPOINTS)
    # ... plus what the scheduled collector's read-only checks call (issue 22)
    collector = {"sts", "cloudtrail", "monitoring", "rds", "backup", "ec2", "ecs", "config"}
    assert collector | {"securityhub", "kms"} == set(COLLECTOR_ENDPOINTS)
    assert set(by_service) - {"s3"} == required | set(COLLECTOR_ENDPOINTS)
    for service in required:
        endpoint = by_service[service]
        assert endpoint["vpc_endpoint_type"] == "Interface"
        assert endpoint["private_dns_enabled"] is True


def test_no_security_group_rule_is_open_to_the_world(stack: StackView) -> None:
    for rtype in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        for rule in stack.of_type(rtype).values():
            assert rule.get("cidr_ipv4") not in ("0.0.0.0/0",)
            assert rule.get("cidr_ipv6") not in ("::/0",)
            assert rule["description"]


def test_database_accepts_postgres_only_from_the_workers(stack: StackView) -> None:
    ingress = [
        r
        for r in stack.of_type("aws_vpc_security_group_ingress_rule").values()
        if "firewall_database_sg" in r["security_group_id"]
    ]
    assert len(ingress) == 1
    (rule,) = ingress
    assert (rule["from_port"], rule["to_port"], rule["ip_protocol"]) == (5432, 5432, "tcp")
    assert "firewall_workers_sg" in rule["referenced_security_group_id"]


def test_ecs_exec_adds_the_ssm_messages_endpoint_only_when_enabled(stack: StackView) -> None:
    from cdktf import Testing

    from lib.config import load_config
    from lib.stack import StreamflixStack

    def services(view: StackView) -> set[str]:
        return {
            e["service_name"].rsplit(".", 1)[-1] for e in view.of_type("aws_vpc_endpoint").values()
        }

    assert "ssmmessages" not in services(stack)
    config = load_config({"ENVIRONMENT_SUFFIX": "qa3", "STREAMFLIX_ECS_EXEC": "true"})
    with_exec = StackView(json.loads(Testing.synth(StreamflixStack(Testing.app(), config))))
    assert "ssmmessages" in services(with_exec)


def test_default_network_acl_admits_no_administration_port_from_the_internet(
    stack: StackView,
) -> None:
    """CIS 5.1: the VPC's default ACL (AWS's allows all inbound) is managed, covers every subnet,
    lets in only the VPC and TCP answers on ephemeral ports, and denies RDP inside that range."""
    acl = stack.one("aws_default_network_acl")
    assert "aws_vpc." in acl["default_network_acl_id"]
    assert acl["default_network_acl_id"].endswith(".default_network_acl_id}")
    subnets = {f"${{aws_subnet.{name}.id}}" for name in stack.of_type("aws_subnet")}
    assert set(acl["subnet_ids"]) == subnets and len(subnets) == 4
    entries = [AclEntry.from_terraform(r) for r in acl["ingress"]]
    assert None not in entries
    assert world_admin_ingress([e for e in entries if e is not None]) == []
    vpc_cidr = stack.one("aws_vpc")["cidr_block"]
    world = [r for r in acl["ingress"] if r["cidr_block"] == "0.0.0.0/0"]
    assert {(r["action"], r["protocol"], r["from_port"], r["to_port"]) for r in world} == {
        ("deny", "6", 3389, 3389),
        ("allow", "6", 1024, 65535),
    }
    (deny,) = [r for r in world if r["action"] == "deny"]
    (allow,) = [r for r in world if r["action"] == "allow"]
    assert deny["rule_no"] < allow["rule_no"]  # the first matching rule decides
    assert {(r["cidr_block"], r["protocol"]) for r in acl["egress"]} == {
        (vpc_cidr, "-1"),
        ("0.0.0.0/0", "6"),
    }
    assert all("ipv6_cidr_block" not in r for r in (*acl["ingress"], *acl["egress"]))
