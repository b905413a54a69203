"""CKV_SFX_11: every container of a task runs as a non-root user (explicit ``user``).

Without ``user`` the image's USER applies, which the gate cannot see: it must be explicit.
"""

from __future__ import annotations

from typing import Any

from policies.containers import ContainerPropertyCheck

ROOT_USERS = {"root", "0"}


def runs_as_root(user: object) -> bool:
    if not isinstance(user, str) or not user.strip():
        return True
    return user.split(":", 1)[0].strip() in ROOT_USERS


class EcsNonRootUser(ContainerPropertyCheck):
    rule = "user is unset or root"

    def __init__(self) -> None:
        super().__init__("CKV_SFX_11", "Ensure ECS containers run as a non-root user")

    def violates(self, container: dict[str, Any]) -> bool:
        return runs_as_root(container.get("user"))


check = EcsNonRootUser()
