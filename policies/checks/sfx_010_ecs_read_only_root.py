"""CKV_SFX_10: every container of a task runs with a read-only root filesystem.

A writable root lets a compromised worker persist tools; scratch space goes to declared volumes.
"""

from __future__ import annotations

from typing import Any

from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck
from policies.containers import UndecidableError, container_definitions, container_name


class EcsReadOnlyRoot(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_10",
            "Ensure ECS containers use a read-only root filesystem",
            CheckCategories.GENERAL_SECURITY,
            ["aws_ecs_task_definition"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        try:
            containers = container_definitions(conf)
        except UndecidableError as err:
            return self.unknown(str(err))
        writable = [
            container_name(c, i)
            for i, c in enumerate(containers)
            if c.get("readonlyRootFilesystem") is not True
        ]
        if writable:
            return self.fail(f"readonlyRootFilesystem is not true for {', '.join(writable)}")
        return CheckResult.PASSED


check = EcsReadOnlyRoot()
