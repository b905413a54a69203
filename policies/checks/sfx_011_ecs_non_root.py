"""CKV_SFX_11: every container of a task runs as a non-root user (explicit ``user``).

Without ``user`` the image's USER applies, which the gate cannot see: it must be explicit.
"""

from __future__ import annotations

from typing import Any

from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck
from policies.containers import UndecidableError, container_definitions, container_name

ROOT_USERS = {"root", "0"}


def runs_as_root(user: object) -> bool:
    if not isinstance(user, str) or not user.strip():
        return True
    return user.split(":", 1)[0].strip() in ROOT_USERS


class EcsNonRootUser(SfxResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_11",
            "Ensure ECS containers run as a non-root user",
            CheckCategories.GENERAL_SECURITY,
            ["aws_ecs_task_definition"],
        )

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        try:
            containers = container_definitions(conf)
        except UndecidableError as err:
            return self.unknown(str(err))
        rooted = [
            container_name(c, i) for i, c in enumerate(containers) if runs_as_root(c.get("user"))
        ]
        if rooted:
            return self.fail(f"user is unset or root for {', '.join(rooted)}")
        return CheckResult.PASSED


check = EcsNonRootUser()
