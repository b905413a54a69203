"""Private placement: nothing data-bearing is reachable from, or placed in, the internet side.

A subnet is public when it is tagged ``Tier = public`` (the network construct tags every subnet),
maps public IPs on launch, or is associated with a route table that routes to an internet
gateway. A subnet the stack does not define cannot be proven private, so it is a violation too.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.resource_facts import select
from lib.aspects.facts import ResourceFacts, StackFacts, as_list, blocks, refs_in
from lib.aspects.model import Finding, Level, Rule, Twin, fail, no_twin, not_applicable, ok
from lib.network_acl import AclEntry, is_world_cidr, world_admin_ingress

# Where each data-bearing (or compute) type names its subnets: a column of core.resource_facts.
SUBNET_ATTRS: Mapping[str, str] = select(lambda row: row.subnets)


def _routes_to_internet(table: ResourceFacts, stack: StackFacts) -> bool:
    routes = list(blocks(table.attrs.get("route")))
    routes += [r.attrs for r in stack.referencing("aws_route", "route_table_id", table)]
    for route in routes:
        gateway = route.get("gateway_id")
        if isinstance(gateway, str) and gateway.startswith("igw-"):
            return True
        if any(ref.rtype == "aws_internet_gateway" for ref in refs_in(gateway)):
            return True
    return False


def subnet_publicity(subnet: ResourceFacts, stack: StackFacts) -> str | None:
    """Why ``subnet`` is public, or None when it is private."""
    if str(subnet.tags.get("Tier", "")).lower() == "public":
        return "is tagged Tier=public"
    if subnet.flag("map_public_ip_on_launch") is True:
        return "maps public IPs on launch"
    for assoc in stack.referencing("aws_route_table_association", "subnet_id", subnet):
        table = stack.resolve(assoc.attrs.get("route_table_id"))
        if table is not None and _routes_to_internet(table, stack):
            return f"routes to an internet gateway through {table.address}"
    return None


def in_private_subnets(resource: ResourceFacts, stack: StackFacts) -> Finding:
    path = SUBNET_ATTRS[resource.rtype]
    subnets = [s for v in resource.all(path) for s in as_list(v)]
    if not subnets:
        return fail(f"{path} is empty; place the resource in private subnets of this stack")
    problems: list[str] = []
    for value in subnets:
        subnet = stack.resolve(value)
        if subnet is None or subnet.rtype != "aws_subnet":
            problems.append(
                f"{path} holds {value!r}, which is not an aws_subnet of this stack "
                "(cannot prove it is private)"
            )
            continue
        why = subnet_publicity(subnet, stack)
        if why:
            problems.append(f"{path} holds {subnet.address}, which {why}")
    if problems:
        return fail("; ".join(problems) + "; use the private subnets")
    return ok(f"all {len(subnets)} subnets are private")


def database_not_public(resource: ResourceFacts, stack: StackFacts) -> Finding:
    if resource.flag("publicly_accessible") is True:
        return fail("publicly_accessible is true; set it to false")
    if resource.rtype in ("aws_rds_cluster", "aws_db_instance"):
        group = stack.resolve(resource.attrs.get("db_subnet_group_name"))
        if group is None or group.rtype != "aws_db_subnet_group":
            return fail(
                "db_subnet_group_name does not reference an aws_db_subnet_group of this "
                "stack (RDS would use the default VPC); reference the private one"
            )
    return ok("not publicly accessible")


def ecs_service_no_public_ip(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    if not resource.all("network_configuration"):
        return fail("has no network_configuration; use awsvpc networking in private subnets")
    if resource.flag("network_configuration.assign_public_ip") is True:
        return fail("network_configuration.assign_public_ip is true; set it to false")
    return ok("tasks get no public IP")


def _open_sources(resource: ResourceFacts) -> list[str]:
    r = resource.rtype
    if r in ("aws_security_group", "aws_default_security_group"):
        rules = blocks(resource.attrs.get("ingress"))
        return [
            str(c)
            for rule in rules
            for attr in ("cidr_blocks", "ipv6_cidr_blocks")
            for c in as_list(rule.get(attr))
            if is_world_cidr(c)
        ]
    if r == "aws_security_group_rule":
        if resource.get("type") != "ingress":
            return []
        return [
            str(c)
            for attr in ("cidr_blocks", "ipv6_cidr_blocks")
            for c in as_list(resource.get(attr))
            if is_world_cidr(c)
        ]
    return [
        str(resource.get(a)) for a in ("cidr_ipv4", "cidr_ipv6") if is_world_cidr(resource.get(a))
    ]


def no_open_ingress(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    if resource.rtype == "aws_security_group_rule" and resource.get("type") != "ingress":
        return not_applicable("egress rule")
    sources = _open_sources(resource)
    if sources:
        return fail(
            f"allows ingress from {', '.join(sorted(set(sources)))}; allow a security "
            "group, prefix list or private CIDR instead"
        )
    return ok("no ingress from the whole internet")


PUBLIC_ACCESS_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


def bucket_public_access_blocked(resource: ResourceFacts, stack: StackFacts) -> Finding:
    blocks_ = stack.referencing("aws_s3_bucket_public_access_block", "bucket", resource)
    if not blocks_:
        return fail("has no aws_s3_bucket_public_access_block; add one with all four flags true")
    for pab in blocks_:
        off = [f for f in PUBLIC_ACCESS_FLAGS if pab.flag(f) is not True]
        if not off:
            return ok(f"public access blocked by {pab.address}")
    return fail(f"{blocks_[0].address} does not set {', '.join(off)} to true")


NACL_TYPES = frozenset(
    {"aws_vpc", "aws_default_network_acl", "aws_network_acl", "aws_network_acl_rule"}
)


def _acl_entries(acl: ResourceFacts, stack: StackFacts) -> list[AclEntry] | None:
    """The inbound rules of an ACL: its inline ingress blocks and the aws_network_acl_rule
    resources that name it; None when one is not made of literals (cannot be decided)."""
    raw = list(blocks(acl.attrs.get("ingress")))
    raw += [
        r.attrs
        for r in stack.referencing("aws_network_acl_rule", "network_acl_id", acl)
        if r.flag("egress") is not True
    ]
    entries = [AclEntry.from_terraform(b) for b in raw]
    return None if any(e is None for e in entries) else [e for e in entries if e is not None]


def nacl_admin_ports_closed(resource: ResourceFacts, stack: StackFacts) -> Finding:
    """CIS 5.1 for the VPC's network ACLs; a VPC must manage its default ACL, since AWS's
    default ACL allows all inbound traffic and every subnet not associated elsewhere uses it."""
    if resource.rtype == "aws_vpc":
        if not stack.referencing("aws_default_network_acl", "default_network_acl_id", resource):
            return fail(
                "its default network ACL is not managed (AWS's default allows all inbound "
                "traffic, SSH and RDP from 0.0.0.0/0 included); add an aws_default_network_acl"
            )
        return ok("its default network ACL is managed by this stack")
    if resource.rtype == "aws_network_acl_rule":
        if resource.flag("egress") is True:
            return not_applicable("egress rule")
        acl = stack.resolve(resource.attrs.get("network_acl_id"))
        if acl is not None:
            return not_applicable(f"judged with its ACL {acl.address}")
        alone = AclEntry.from_terraform(resource.attrs)  # an ACL outside the stack: judge alone
        if alone is None:
            return fail("the rule is not made of literal values; it cannot be checked")
        entries = [alone]
    else:
        found = _acl_entries(resource, stack)
        if found is None:
            return fail("an ingress rule is not made of literal values; it cannot be checked")
        entries = found
    open_ = world_admin_ingress(entries)
    if open_:
        return fail(
            f"admits {'; '.join(open_)}; deny the administration ports before any rule that "
            "opens a range to the internet"
        )
    return ok("no administration port is open to 0.0.0.0/0 or ::/0")


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-NET-01",
        "Databases are not publicly accessible",
        Level.ERROR,
        frozenset({"aws_rds_cluster", "aws_rds_cluster_instance", "aws_db_instance"}),
        database_not_public,
        twin=Twin(
            "CKV_SFX_5",
            "Kept independent: the check reads one flag on instances; this rule also follows "
            "the cluster's subnet group (RDS falls back to the default VPC without one), which "
            "needs the whole stack. Both refuse publicly_accessible = true.",
        ),
    ),
    Rule(
        "SFX-NET-02",
        "ECS services assign no public IPs",
        Level.ERROR,
        frozenset({"aws_ecs_service"}),
        ecs_service_no_public_ip,
        twin=Twin(
            "CKV_SFX_9",
            "Kept independent: one boolean, read through two parsers; this rule also fails a "
            "service without network_configuration, which the check lets pass.",
        ),
    ),
    Rule(
        "SFX-NET-03",
        "No security group ingress from 0.0.0.0/0 or ::/0",
        Level.ERROR,
        frozenset(
            {
                "aws_security_group",
                "aws_default_security_group",
                "aws_security_group_rule",
                "aws_vpc_security_group_ingress_rule",
            }
        ),
        no_open_ingress,
        twin=Twin(
            "CKV_SFX_13",
            "The predicate 'a CIDR open to the whole internet' is one shared function; which "
            "attributes of which rule type hold sources is read independently by each twin.",
            ("lib.network_acl:is_world_cidr",),
        ),
    ),
    Rule(
        "SFX-NET-04",
        "S3 buckets block all public access",
        Level.ERROR,
        frozenset({"aws_s3_bucket"}),
        bucket_public_access_blocked,
        twin=no_twin(
            "No custom check: the built-in CKV2_AWS_6 and CKV_AWS_53-56 judge the public "
            "access block in the gate; the catalog names them beside this rule."
        ),
    ),
    Rule(
        "SFX-NET-05",
        "Data-bearing resources sit only in private subnets",
        Level.ERROR,
        frozenset(SUBNET_ATTRS),
        in_private_subnets,
        twin=no_twin(
            "No check: proving a subnet private follows route tables and associations across "
            "the stack; the gate has no such graph check, so this rule alone refuses synthesis."
        ),
    ),
    Rule(
        "SFX-NET-06",
        "Network ACLs admit no administration ports from 0.0.0.0/0 or ::/0 (CIS 5.1)",
        Level.ERROR,
        NACL_TYPES,
        nacl_admin_ports_closed,
        twin=Twin(
            "CKV_SFX_27",
            "Rule order decides an ACL, so the judgement is one shared pure function; each twin "
            "gathers the ACL's inline and separate rules from its own view of the JSON.",
            ("lib.network_acl:world_admin_ingress", "lib.network_acl:AclEntry"),
        ),
    ),
)
