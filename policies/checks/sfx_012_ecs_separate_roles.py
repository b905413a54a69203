"""CKV_SFX_12: a task's execution role (pull image, read secrets) differs from its task role.

One shared role would give the application code the agent's rights (all injected secrets, ECR).
"""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck


class EcsSeparateRoles(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_12",
            "Ensure ECS tasks use separate execution and task roles",
            CheckCategories.IAM,
            ["aws_ecs_task_definition"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        execution = hcl.value(conf, "execution_role_arn")
        task = hcl.value(conf, "task_role_arn")
        missing = [
            f for f, v in (("execution_role_arn", execution), ("task_role_arn", task)) if not v
        ]
        if missing:
            return self.fail(f"{' and '.join(missing)} not set")
        if _role_of(execution) == _role_of(task):
            return self.fail("execution_role_arn and task_role_arn name the same role")
        return CheckResult.PASSED


def _role_of(arn: Any) -> str:
    refs = hcl.references(arn)
    return f"{refs[0][0]}.{refs[0][1]}" if refs else str(arn)


check = EcsSeparateRoles()
