"""CKV_SFX_26: no container of a task runs privileged.

A privileged container has root on the host. Checkov's CKV_AWS_334 cannot catch it: in checkov
3.3.30 it reads a ``privilege`` key, but the ECS container-definition field is ``privileged``
(AWS ECS API reference, ContainerDefinition), so a privileged container passes it.
"""

from __future__ import annotations

from typing import Any

from policies.containers import ContainerPropertyCheck


class EcsNotPrivileged(ContainerPropertyCheck):
    rule = "privileged is true"

    def __init__(self) -> None:
        super().__init__("CKV_SFX_26", "Ensure ECS containers do not run privileged")

    def violates(self, container: dict[str, Any]) -> bool:
        return container.get("privileged") is True


check = EcsNotPrivileged()
