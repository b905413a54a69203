"""CKV_SFX_13: no security group lets the whole internet in (any port, IPv4 or IPv6).

Covers every way to write a rule: inline ``ingress`` blocks, ``aws_security_group_rule`` and
``aws_vpc_security_group_ingress_rule``. Nothing in this stack serves the internet directly.
"""

from __future__ import annotations

from typing import Any

from lib.network_acl import is_world_cidr
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck


def world_cidrs(conf: dict[str, Any], *fields: str) -> list[str]:
    """The whole-internet sources (the predicate is shared with the Aspect twin SFX-NET-03)."""
    return [c for f in fields for c in hcl.strings(conf, f) if is_world_cidr(c)]


class NoWorldIngress(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_13",
            "Ensure no security group allows ingress from the whole internet",
            CheckCategories.NETWORKING,
            [
                "aws_security_group",
                "aws_security_group_rule",
                "aws_vpc_security_group_ingress_rule",
            ],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == "aws_security_group":
            open_ = [
                c
                for rule in hcl.blocks(conf, "ingress")
                for c in world_cidrs(rule, "cidr_blocks", "ipv6_cidr_blocks")
            ]
        elif self.entity_type == "aws_security_group_rule":
            if hcl.value(conf, "type") != "ingress":
                return CheckResult.PASSED
            open_ = world_cidrs(conf, "cidr_blocks", "ipv6_cidr_blocks")
        else:
            open_ = world_cidrs(conf, "cidr_ipv4", "cidr_ipv6")
        if open_:
            return self.fail(f"ingress open to {', '.join(sorted(set(open_)))}")
        return CheckResult.PASSED


check = NoWorldIngress()
