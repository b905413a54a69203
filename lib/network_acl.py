"""Network ACL rules as data, and the CIS 5.1 question asked of them (pure: no provider import).

CIS AWS Foundations v3.0.0 5.1: no network ACL allows ingress from 0.0.0.0/0 to remote server
administration ports. Network ACLs are stateless and AWS evaluates a direction's rules in
ascending rule number, the first rule that matches deciding (Amazon VPC User Guide, "Control
subnet traffic with network access control lists", "Network ACL rules"). So a port is open to the
world when the first rule whose source is a whole address family (``0.0.0.0/0`` or ``::/0``) and
whose protocol and port range cover it allows it. The network construct, the Aspect rule
SFX-NET-06 and the Checkov check CKV_SFX_27 all ask this one function.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TCP, UDP, ALL = "6", "17", "-1"
# Remote administration: SSH (TCP 22) and RDP (TCP and UDP 3389), the ports CIS 5.1 names.
ADMIN_PORTS: tuple[tuple[str, int, str], ...] = (
    (TCP, 22, "SSH"),
    (TCP, 3389, "RDP"),
    (UDP, 3389, "RDP"),
)
# The provider accepts names or numbers for the protocol (aws_network_acl_rule docs).
_PROTOCOLS = {"tcp": TCP, "udp": UDP, "all": ALL, "icmp": "1", "-1": ALL}


def is_world_cidr(value: object) -> bool:
    """True for a literal CIDR of a whole address family (``0.0.0.0/0``, ``::/0``, or any
    prefix length 0); expressions and junk are not. SFX-NET-03 and CKV_SFX_13 share it."""
    if value is None:
        return False
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


@dataclass(frozen=True)
class AclEntry:
    """One inbound rule, as Terraform spells it (``ingress`` block or ``aws_network_acl_rule``)."""

    rule_no: int
    action: str
    protocol: str
    from_port: int
    to_port: int
    cidr: str | None

    @classmethod
    def from_terraform(cls, block: Mapping[str, Any]) -> AclEntry | None:
        """An entry from a rule's attributes, or None when a value is not a literal."""
        try:
            cidr = block.get("cidr_block") or block.get("ipv6_cidr_block")
            return cls(
                int(block["rule_no"] if "rule_no" in block else block["rule_number"]),
                str(block.get("action", block.get("rule_action", ""))).lower(),
                _PROTOCOLS.get(str(block["protocol"]).lower(), str(block["protocol"])),
                int(block.get("from_port", 0) or 0),
                int(block.get("to_port", 0) or 0),
                str(cidr) if cidr else None,
            )
        except (KeyError, TypeError, ValueError):
            return None

    def whole_family(self) -> bool:
        return is_world_cidr(self.cidr)

    def covers(self, protocol: str, port: int) -> bool:
        if self.protocol == ALL:
            return True
        return self.protocol == protocol and self.from_port <= port <= self.to_port


def world_admin_ingress(entries: Iterable[AclEntry]) -> list[str]:
    """Administration ports the rules admit from the whole internet, e.g. ``TCP 22 (SSH) from
    0.0.0.0/0 by rule 100``; empty when every one is denied first (or by the final ``*`` rule)."""
    ordered = sorted((e for e in entries if e.whole_family()), key=lambda e: e.rule_no)
    found = []
    for family in ("0.0.0.0/0", "::/0"):
        version = ipaddress.ip_network(family).version
        same = [e for e in ordered if ipaddress.ip_network(str(e.cidr)).version == version]
        for protocol, port, name in ADMIN_PORTS:
            first = next((e for e in same if e.covers(protocol, port)), None)
            if first is not None and first.action == "allow":
                label = "TCP" if protocol == TCP else "UDP"
                found.append(f"{label} {port} ({name}) from {family} by rule {first.rule_no}")
    return found
