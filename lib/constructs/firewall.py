"""Every security group and every allowed flow between them, in one reviewable place.

Flows: workers -> VPC endpoints (443), workers -> S3 gateway prefix list (443),
workers -> database (5432). Nothing is open to 0.0.0.0/0 or ::/0; every rule has a description.
Groups start with no rules (Terraform removes AWS's default allow-all egress).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from lib.context import StackContext

HTTPS = 443
POSTGRES = 5432


@dataclass(frozen=True)
class Flow:
    """One allowed TCP flow from a source group to a destination (group or prefix list)."""

    id: str
    description: str
    port: int


class Firewall(Construct):
    """Every security group and every allowed flow between them (see the module docstring);
    groups start with no rules.

    Inputs: ``ctx`` (names) and ``vpc_id``.
    """

    endpoints: SecurityGroup
    """The interface endpoints' group: HTTPS from the workers and the collector."""
    workers: SecurityGroup
    """The worker tasks' group: no ingress."""
    collector: SecurityGroup
    """The scheduled collector tasks' group: no ingress."""
    database: SecurityGroup
    """The database's group: PostgreSQL from the workers only."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext, vpc_id: str):
        super().__init__(scope, id_)
        names = ctx.namer
        self.endpoints = self._group(
            "endpoints",
            names.name("endpoints-sg"),
            "Interface VPC endpoints: HTTPS from the workers and the evidence collector only",
            vpc_id,
        )
        self.workers = self._group(
            "workers",
            names.name("workers-sg"),
            "Worker tasks: no ingress; egress to endpoints, S3, database",
            vpc_id,
        )
        self.collector = self._group(
            "collector",
            names.name("collector-sg"),
            "Scheduled evidence collector tasks: no ingress; egress to endpoints and S3",
            vpc_id,
        )
        self.database = self._group(
            "database", names.name("db-sg"), "Aurora PostgreSQL: 5432 from the workers only", vpc_id
        )
        self._allow(
            Flow("workers_to_endpoints", "Workers call AWS APIs via interface endpoints", HTTPS),
            self.workers,
            self.endpoints,
        )
        self._allow(
            Flow("collector_to_endpoints", "Collector calls AWS APIs via endpoints", HTTPS),
            self.collector,
            self.endpoints,
        )
        self._allow(
            Flow("workers_to_database", "Workers connect to PostgreSQL (TLS)", POSTGRES),
            self.workers,
            self.database,
        )

    def _group(self, id_: str, name: str, description: str, vpc_id: str) -> SecurityGroup:
        return SecurityGroup(
            self,
            f"{id_}_sg",
            name=name,
            description=description,
            vpc_id=vpc_id,
            revoke_rules_on_delete=True,
            tags={"Name": name},
        )

    def _allow(self, flow: Flow, source: SecurityGroup, destination: SecurityGroup) -> None:
        VpcSecurityGroupEgressRule(
            self,
            f"{flow.id}_egress",
            security_group_id=source.id,
            ip_protocol="tcp",
            from_port=flow.port,
            to_port=flow.port,
            referenced_security_group_id=destination.id,
            description=flow.description,
        )
        VpcSecurityGroupIngressRule(
            self,
            f"{flow.id}_ingress",
            security_group_id=destination.id,
            ip_protocol="tcp",
            from_port=flow.port,
            to_port=flow.port,
            referenced_security_group_id=source.id,
            description=flow.description,
        )

    def allow_workers_to_prefix_list(
        self, flow_id: str, prefix_list_id: str, description: str, source: str | None = None
    ) -> None:
        """Egress to a gateway endpoint's managed prefix list (e.g. S3), HTTPS only, from the
        workers' group (or the group id ``source``)."""
        VpcSecurityGroupEgressRule(
            self,
            f"{flow_id}_egress",
            security_group_id=source or self.workers.id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            prefix_list_id=prefix_list_id,
            description=description,
        )
