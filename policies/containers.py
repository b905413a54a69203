"""Parse ``aws_ecs_task_definition.container_definitions`` (a JSON string in Terraform JSON)."""

from __future__ import annotations

import json
from typing import Any

from policies import hcl


class UndecidableError(ValueError):
    """The container definitions are an expression (e.g. ``${jsonencode(...)}``), not data."""


def container_definitions(conf: dict[str, Any]) -> list[dict[str, Any]]:
    raw = hcl.value(conf, "container_definitions")
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
