"""Parse ``aws_ecs_task_definition.container_definitions``: a JSON string in Terraform JSON, or
the decoded list when the gate scans (``policies.decode``)."""

from __future__ import annotations

import json
from typing import Any

from policies.checkbase import CheckCategories, CheckResult, SfxResourceCheck


class UndecidableError(ValueError):
    """The container definitions are an expression (e.g. ``${jsonencode(...)}``), not data."""


def container_definitions(conf: dict[str, Any]) -> list[dict[str, Any]]:
    raw = conf.get("container_definitions")
    if isinstance(raw, list) and len(raw) == 1:
        # unwrap checkov's one-element list once only: a decoded list of ONE container must
        # stay a list (hcl.value would unwrap it down to the container)
        raw = raw[0]
    if isinstance(raw, list):
        containers = raw
    elif isinstance(raw, str):
        # A JSON string (interpolations inside values are fine); ${jsonencode(...)} is not data.
        try:
            containers = json.loads(raw)
        except ValueError:
            raise UndecidableError(f"container_definitions is not JSON: {raw[:80]}") from None
    elif raw is None:
        return []
    else:
        raise UndecidableError(f"container_definitions is not a list: {str(raw)[:80]}")
    if not isinstance(containers, list) or not all(isinstance(c, dict) for c in containers):
        raise UndecidableError("container_definitions is not a list of containers")
    return containers


def container_name(container: dict[str, Any], index: int) -> str:
    return str(container.get("name") or f"#{index}")


class ContainerPropertyCheck(SfxResourceCheck):
    """A task-definition check that fails when any container breaks one per-container rule."""

    rule = ""  # what the failing containers lack, e.g. "readonlyRootFilesystem is not true"

    def __init__(self, id: str, name: str) -> None:
        super().__init__(id, name, CheckCategories.GENERAL_SECURITY, ["aws_ecs_task_definition"])

    def violates(self, container: dict[str, Any]) -> bool:
        raise NotImplementedError

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        try:
            containers = container_definitions(conf)
        except UndecidableError as err:
            return self.unknown(str(err))
        offending = [container_name(c, i) for i, c in enumerate(containers) if self.violates(c)]
        if offending:
            return self.fail(f"{self.rule} for {', '.join(offending)}")
        return CheckResult.PASSED
