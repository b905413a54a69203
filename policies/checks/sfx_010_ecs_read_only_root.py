"""CKV_SFX_10: every container of a task runs with a read-only root filesystem.

A writable root lets a compromised worker persist tools; scratch space goes to declared volumes.
"""

from __future__ import annotations

from typing import Any

from policies.containers import ContainerPropertyCheck


class EcsReadOnlyRoot(ContainerPropertyCheck):
    rule = "readonlyRootFilesystem is not true"

    def __init__(self) -> None:
        super().__init__("CKV_SFX_10", "Ensure ECS containers use a read-only root filesystem")

    def violates(self, container: dict[str, Any]) -> bool:
        return container.get("readonlyRootFilesystem") is not True


check = EcsReadOnlyRoot()
