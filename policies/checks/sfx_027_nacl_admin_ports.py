"""CKV_SFX_27: no network ACL admits remote administration ports from the internet (CIS 5.1).

ACL rules are ordered (the lowest matching rule number decides) and may be inline or separate
``aws_network_acl_rule`` resources, so the check reads the ACL's rules from the scanned file and
asks ``lib.network_acl.world_admin_ingress``, the same function the Aspect rule SFX-NET-06 uses.
A VPC whose default ACL the stack does not manage fails too: AWS's default ACL allows all inbound
traffic, and every subnet not associated with another ACL uses it.
"""

from __future__ import annotations

from typing import Any

from lib.network_acl import AclEntry, world_admin_ingress
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.stackfile import StackFile

RULE = "aws_network_acl_rule"


def _inbound_rules(stack: StackFile, rtype: str, name: str, body: dict[str, Any]) -> list[Any]:
    rules = [r for r in body.get("ingress") or [] if isinstance(r, dict)]
    rules += [
        r
        for r in stack.referrers(rtype, name, of_type=RULE)
        if (rtype, name) in hcl.references(str(r.get("network_acl_id")))
        and hcl.as_bool(r.get("egress")) is not True
    ]
    return rules


class NaclAdminPortsClosed(StackResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_27",
            "Ensure no network ACL allows ingress from the internet to administration ports",
            CheckCategories.NETWORKING,
            ["aws_vpc", "aws_default_network_acl", "aws_network_acl", RULE],
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        if rtype == "aws_vpc":
            managed = [
                acl
                for acl in stack.referrers(rtype, name, of_type="aws_default_network_acl")
                if "default_network_acl_id" in str(acl.get("default_network_acl_id"))
            ]
            if not managed:
                return self.fail(
                    "the VPC's default network ACL is not managed (AWS's default allows all "
                    "inbound traffic): add an aws_default_network_acl"
                )
            return CheckResult.PASSED
        if rtype == RULE:
            if hcl.as_bool(body.get("egress")) is True:
                return CheckResult.PASSED
            refs = hcl.references(str(body.get("network_acl_id")))
            if any(stack.resource(t, n) is not None for t, n in refs):
                return CheckResult.PASSED  # judged with its ACL, where rule order is known
            raw = [body]
        else:
            raw = _inbound_rules(stack, rtype, name, body)
        entries = [AclEntry.from_terraform(r) for r in raw]
        known = [e for e in entries if e is not None]
        if len(known) != len(entries):
            return self.unknown("an inbound rule is not made of literal values")
        open_ = world_admin_ingress(known)
        if open_:
            return self.fail(f"admits {'; '.join(open_)}")
        return CheckResult.PASSED


check = NaclAdminPortsClosed()
