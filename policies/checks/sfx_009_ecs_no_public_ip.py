"""CKV_SFX_9: ECS services never give tasks a public IP (workers live in private subnets)."""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck


class EcsServiceNoPublicIp(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_9",
            "Ensure ECS services do not assign public IPs",
            CheckCategories.NETWORKING,
            ["aws_ecs_service"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        for network in hcl.blocks(conf, "network_configuration"):
            raw = hcl.value(network, "assign_public_ip", False)
            public = hcl.as_bool(raw)
            if public is None:
                return self.unknown(f"assign_public_ip={raw} cannot be decided")
            if public:
                return self.fail("network_configuration.assign_public_ip=true")
        return CheckResult.PASSED


check = EcsServiceNoPublicIp()
