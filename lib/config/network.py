"""The VPC knobs: the private range the four subnets are cut from, and the NAT gateway."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from lib.config.base import Section
from lib.config_fields import Boolean, Rule, Text, knob

RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _cidr_problem(value: str) -> str | None:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return "is not an IPv4 network in CIDR notation (host bits must be zero)"
    if not 16 <= net.prefixlen <= 20:
        return "has a prefix length outside /16 to /20"
    if not any(net.subnet_of(block) for block in RFC1918):
        return "is not inside an RFC 1918 private range"
    return None


CIDR_RULE = Rule("an RFC 1918 IPv4 CIDR from /16 to /20", _cidr_problem)


class NetworkConfig(Section):
    vpc_cidr: Annotated[Text, CIDR_RULE] = knob("STREAMFLIX_VPC_CIDR", "10.40.0.0/16")
    """VPC range, split into four equal subnets (public and private in two AZs)."""
    az_count: int = 2  # not a knob
    nat_gateway: Boolean = knob("STREAMFLIX_NAT_GATEWAY", False)
    """Add one NAT gateway for private egress to the internet (VPC endpoints cover AWS APIs)."""
