"""The VPC: public and private subnets over two AZs, flow logs, private AWS endpoints.

Public subnets hold only the optional NAT gateway and never map public IPs; data and compute live
in the private subnets and reach AWS APIs through VPC endpoints, not the internet. The default
security group is emptied so nothing can fall back on it, and the default network ACL (which
every subnet uses) admits only what the subnets need, no administration port from the internet
(CIS 5.1).
"""

from __future__ import annotations

import ipaddress

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.default_network_acl import (
    DefaultNetworkAcl,
    DefaultNetworkAclEgress,
    DefaultNetworkAclIngress,
)
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from lib.constructs.encryption import EncryptionKeys
from lib.constructs.logs import encrypted_log_group
from lib.context import StackContext
from lib.iam import Statement, policy_document, service_trust
from lib.network_acl import ADMIN_PORTS, ALL, TCP

# Network ACLs are stateless: the answer to a connection a subnet opens comes back to an ephemeral
# port and needs its own inbound rule. AWS's guidance is 1024-65535 to cover every client: NAT
# gateways use 1024-65535, Linux (the Fargate tasks) 32768-60999 (Amazon VPC User Guide, "Network
# ACLs", "Ephemeral ports"); any admin port inside that range is denied before it by a lower rule
# number, as the same page advises.
EPHEMERAL_PORTS = (1024, 65535)
HTTPS = 443

# Interface endpoints the private tasks use, each with its caller (the gateway endpoint for S3,
# also carrying ECR image layers, is added separately). Nothing calls CloudWatch (metrics go out
# as EMF through logs) or STS (task credentials come from the ECS agent's credential endpoint),
# so neither has an endpoint.
INTERFACE_ENDPOINTS = (
    "kinesis-streams",  # worker: ListShards, GetShardIterator, GetRecords
    "secretsmanager",  # migrate task: the master user's secret
    "logs",  # awslogs driver: container logs and EMF metrics
    "ecr.api",  # ECS agent: registry token, image manifest
    "ecr.dkr",  # ECS agent: image pull
    "sqs",  # worker: the DLQ
    "sns",  # worker: the alerts topic
)
# The scheduled evidence collector's read-only calls (compliance/collector-policy.json) beyond
# the endpoints above (it also uses secretsmanager, logs, sns and the S3 gateway).
COLLECTOR_ENDPOINTS = (
    "sts",  # GetCallerIdentity: the account the evidence is about
    "cloudtrail",
    "monitoring",  # DescribeAlarms, GetMetricStatistics
    "rds",
    "backup",
    "ec2",  # flow logs, security groups
    "ecs",
    "config",
    "securityhub",
    "kms",  # DescribeKey of the log groups' key
)


def default_acl_rules(
    vpc_cidr: str,
) -> tuple[list[DefaultNetworkAclIngress], list[DefaultNetworkAclEgress]]:
    """What the subnets really need, for the VPC's default network ACL (every subnet uses it).

    Inbound: anything from inside the VPC (tasks to the database and the interface endpoints,
    the NAT gateway forwarding answers to the private subnets, the VPC resolver); from the
    internet only TCP answers to ephemeral ports, which are the S3 gateway endpoint's replies
    (they come from S3's public addresses) and, with the NAT gateway on, the internet's replies
    to it. Outbound: anything inside the VPC, and HTTPS to the world (S3 through the gateway
    endpoint, and the NAT gateway's traffic when it is on). Remote administration ports inside
    the ephemeral range are denied first (CIS 5.1).
    """
    world = "0.0.0.0/0"
    low, high = EPHEMERAL_PORTS
    admin_denies = [
        DefaultNetworkAclIngress(
            rule_no=110 + index,
            action="deny",
            protocol=TCP,
            from_port=port,
            to_port=port,
            cidr_block=world,
        )
        for index, (protocol, port, _name) in enumerate(ADMIN_PORTS)
        if protocol == TCP and low <= port <= high
    ]
    ingress = [
        DefaultNetworkAclIngress(
            rule_no=100, action="allow", protocol=ALL, from_port=0, to_port=0, cidr_block=vpc_cidr
        ),
        *admin_denies,
        DefaultNetworkAclIngress(
            rule_no=200,
            action="allow",
            protocol=TCP,
            from_port=low,
            to_port=high,
            cidr_block=world,
        ),
    ]
    egress = [
        DefaultNetworkAclEgress(
            rule_no=100, action="allow", protocol=ALL, from_port=0, to_port=0, cidr_block=vpc_cidr
        ),
        DefaultNetworkAclEgress(
            rule_no=200,
            action="allow",
            protocol=TCP,
            from_port=HTTPS,
            to_port=HTTPS,
            cidr_block=world,
        ),
    ]
    return ingress, egress


class Network(Construct):
    """The VPC: two public and two private subnets over two AZs, the default security group
    emptied, the default network ACL narrowed (CIS 5.1), an optional NAT gateway, and flow logs
    of all traffic into an encrypted log group. ``add_endpoints`` adds the private AWS endpoints
    once the endpoint security group exists.

    Inputs: ``ctx`` (``ctx.config.network``: ``STREAMFLIX_VPC_CIDR``, cut into four equal
    subnets, and ``STREAMFLIX_NAT_GATEWAY``; ``ctx.azs``, the two AZs) and ``keys`` (the logs key
    of the flow-log group).
    """

    vpc: Vpc
    """The VPC (DNS support and host names on, for the interface endpoints' private DNS)."""
    vpc_cidr: str
    """Its IPv4 range, as configured."""
    public_subnets: list[Subnet]
    """One per AZ; they hold only the optional NAT gateway and map no public IP."""
    private_subnets: list[Subnet]
    """One per AZ; data and compute live here."""
    private_route_tables: list[RouteTable]
    """One per private subnet (the S3 gateway endpoint and the NAT route attach to them)."""
    default_acl: DefaultNetworkAcl
    """The VPC's default network ACL, adopted with ``default_acl_rules`` for every subnet."""
    flow_log_group: CloudwatchLogGroup
    """Where the VPC flow log delivers (KMS-encrypted, 90-day retention)."""
    s3_endpoint: VpcEndpoint
    """The S3 gateway endpoint (after ``add_endpoints``)."""
    interface_endpoints: dict[str, VpcEndpoint]
    """Interface endpoints by service name (after ``add_endpoints``)."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext, keys: EncryptionKeys):
        super().__init__(scope, id_)
        self._ctx = ctx
        cfg = ctx.config.network
        self.vpc_cidr = cfg.vpc_cidr
        self.vpc = self._vpc()
        public_rt = self._public_route_table()
        self._subnets(public_rt)
        self.default_acl = self._default_acl()
        if cfg.nat_gateway:
            self._nat_gateway()
        self._flow_logs(keys)

    def _vpc(self) -> Vpc:
        """The VPC, and its default security group emptied so nothing can fall back on it."""
        names = self._ctx.namer
        vpc = Vpc(
            self,
            "vpc",
            cidr_block=self.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": names.name("vpc")},
        )
        DefaultSecurityGroup(
            self,
            "default_sg_closed",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags={"Name": names.label("vpc-default-closed")},
        )
        return vpc

    def _public_route_table(self) -> RouteTable:
        """The internet gateway and the public subnets' route table with its default route."""
        names = self._ctx.namer
        igw = InternetGateway(self, "igw", vpc_id=self.vpc.id, tags={"Name": names.label("igw")})
        public_rt = RouteTable(
            self, "public_rt", vpc_id=self.vpc.id, tags={"Name": names.label("public-rt")}
        )
        Route(
            self,
            "public_default_route",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
        )
        return public_rt

    def _subnets(self, public_rt: RouteTable) -> None:
        """A public and a private subnet per AZ (four equal blocks: public a/b, private a/b),
        each private one with its own route table."""
        names = self._ctx.namer
        blocks = list(ipaddress.IPv4Network(self.vpc_cidr).subnets(prefixlen_diff=2))
        self.public_subnets = []
        self.private_subnets = []
        self.private_route_tables = []
        for index, az in enumerate(self._ctx.azs):
            public = Subnet(
                self,
                f"public_subnet_{index}",
                vpc_id=self.vpc.id,
                availability_zone=az,
                cidr_block=str(blocks[index]),
                map_public_ip_on_launch=False,
                tags={"Name": names.label(f"public-{az}"), "Tier": "public"},
            )
            RouteTableAssociation(
                self, f"public_rta_{index}", subnet_id=public.id, route_table_id=public_rt.id
            )
            private = Subnet(
                self,
                f"private_subnet_{index}",
                vpc_id=self.vpc.id,
                availability_zone=az,
                cidr_block=str(blocks[index + 2]),
                map_public_ip_on_launch=False,
                tags={"Name": names.label(f"private-{az}"), "Tier": "private"},
            )
            rt = RouteTable(
                self,
                f"private_rt_{index}",
                vpc_id=self.vpc.id,
                tags={"Name": names.label(f"private-rt-{az}")},
            )
            RouteTableAssociation(
                self, f"private_rta_{index}", subnet_id=private.id, route_table_id=rt.id
            )
            self.public_subnets.append(public)
            self.private_subnets.append(private)
            self.private_route_tables.append(rt)

    def _default_acl(self) -> DefaultNetworkAcl:
        ingress, egress = default_acl_rules(self.vpc_cidr)
        # The provider adopts the default ACL and replaces its rules with these (AWS's default
        # allows all traffic both ways). Naming every subnet keeps the next plan empty: the
        # provider reads the associations back (provider docs, aws_default_network_acl,
        # "Managing Subnets In A Default Network ACL").
        return DefaultNetworkAcl(
            self,
            "default_acl",
            default_network_acl_id=self.vpc.default_network_acl_id,
            subnet_ids=[s.id for s in (*self.public_subnets, *self.private_subnets)],
            ingress=ingress,
            egress=egress,
            tags={"Name": self._ctx.namer.label("default-nacl")},
        )

    def _nat_gateway(self) -> None:
        """One NAT gateway in the first public subnet, the private subnets' default route."""
        names = self._ctx.namer
        eip = Eip(self, "nat_eip", domain="vpc", tags={"Name": names.label("nat")})
        nat = NatGateway(
            self,
            "nat",
            allocation_id=eip.allocation_id,
            subnet_id=self.public_subnets[0].id,
            tags={"Name": names.label("nat")},
        )
        for index, rt in enumerate(self.private_route_tables):
            Route(
                self,
                f"private_nat_route_{index}",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
            )

    def _flow_logs(self, keys: EncryptionKeys) -> None:
        """The flow log of all traffic, its log group and the role VPC Flow Logs delivers with."""
        ctx, names = self._ctx, self._ctx.namer
        self.flow_log_group = encrypted_log_group(self, "flow_logs", names.name("flow-logs"), keys)
        flow_role = IamRole(
            self,
            "flow_logs_role",
            name=names.name("flow-logs-role"),
            # Amazon VPC User Guide, "IAM role for publishing flow logs to CloudWatch Logs": the
            # trust may be fenced by aws:SourceAccount and aws:SourceArn (the flow log's ARN).
            assume_role_policy=service_trust(
                "vpc-flow-logs.amazonaws.com",
                ctx.account_id,
                source_arn=ctx.arn("ec2", "vpc-flow-log/*"),
            ),
        )
        flow_policy = IamRolePolicy(
            self,
            "flow_logs_role_policy",
            role=flow_role.id,
            name=names.name("flow-logs-policy"),
            policy=policy_document(
                [
                    # The same guide lists the permissions the role needs "at least":
                    # CreateLogGroup, CreateLogStream, PutLogEvents, DescribeLogGroups,
                    # DescribeLogStreams. All but DescribeLogGroups are scoped to our group
                    # (which exists, so CreateLogGroup can create nothing new).
                    Statement(
                        sid="DeliverToTheFlowLogGroupOnly",
                        actions=(
                            "logs:CreateLogGroup",
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogStreams",
                        ),
                        resources=(
                            self.flow_log_group.arn,
                            f"{self.flow_log_group.arn}:log-stream:*",
                        ),
                    ),
                    # DescribeLogGroups lists groups: it takes no single group, only the
                    # account's log-group ARN pattern in this region.
                    Statement(
                        sid="FindTheFlowLogGroup",
                        actions=("logs:DescribeLogGroups",),
                        resources=(ctx.arn("logs", "log-group:*"),),
                    ),
                ]
            ),
        )
        FlowLog(
            self,
            "flow_log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=flow_role.arn,
            max_aggregation_interval=60,
            depends_on=[flow_policy],  # VPC Flow Logs checks the role when the log is created
        )

    @property
    def endpoints(self) -> list[VpcEndpoint]:
        """Every VPC endpoint (after ``add_endpoints``): the tasks' only way to AWS."""
        return [self.s3_endpoint, *self.interface_endpoints.values()]

    def add_endpoints(self, endpoint_sg_id: str) -> None:
        """Gateway endpoint for S3 and interface endpoints for the AWS APIs the tasks use."""
        region = self._ctx.region
        self.s3_endpoint = VpcEndpoint(
            self,
            "s3_gateway_endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in self.private_route_tables],
            tags={"Name": self._ctx.namer.label("endpoint-s3")},
        )
        self.interface_endpoints = {}
        # ECS Exec's agent talks to SSM Messages; only needed (and paid for) when Exec is on.
        exec_endpoints = ("ssmmessages",) if self._ctx.config.worker.enable_exec else ()
        for service in (*INTERFACE_ENDPOINTS, *COLLECTOR_ENDPOINTS, *exec_endpoints):
            self.interface_endpoints[service] = VpcEndpoint(
                self,
                f"endpoint_{service.replace('.', '_').replace('-', '_')}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.private_subnets],
                security_group_ids=[endpoint_sg_id],
                tags={"Name": self._ctx.namer.label(f"endpoint-{service}")},
            )
