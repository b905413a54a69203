"""Base classes of the CKV_SFX_* checks: checkov's own, plus the resource address and stack view.

Checkov loads each file of ``policies/checks`` as a top-level module; they import these bases
through the ``policies`` package, so the project root must be on ``PYTHONPATH`` (the gate sets it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.provider.base_check import BaseProviderCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies import hcl
from policies.stackfile import StackFile, stack_for

GUIDELINE = "docs/gate.md#custom-checks"

__all__ = [
    "CheckCategories",
    "CheckResult",
    "FlagCheck",
    "SfxProviderCheck",
    "SfxResourceCheck",
    "StackResourceCheck",
]


class SfxResourceCheck(BaseResourceCheck):
    """A single-resource check; ``fail``/``unknown`` record why in checkov's ``details``."""

    def __init__(
        self, id: str, name: str, category: CheckCategories, resources: Iterable[str]
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            categories=[category],
            supported_resources=tuple(resources),
            guideline=GUIDELINE,
        )

    @property
    def location(self) -> tuple[str, str, str]:
        """(scanned file, resource type, logical id) of the resource being checked."""
        scanned_file, rtype, name = str(self.entity_path).rsplit(":", 2)
        return scanned_file, rtype, name

    def fail(self, why: str) -> CheckResult:
        self.details.append(why)
        return CheckResult.FAILED

    def unknown(self, why: str) -> CheckResult:
        self.details.append(why)
        return CheckResult.UNKNOWN

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self.evaluate(conf)

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        raise NotImplementedError


class StackResourceCheck(SfxResourceCheck):
    """A resource check that also needs the provider block or other resources of its file."""

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        scanned_file, rtype, name = self.location
        stack = stack_for(scanned_file)
        body = stack.resource(rtype, name) if stack else None
        if stack is None or body is None:
            # Fail closed: a misconfigured run must not silently drop the cross-resource checks.
            return self.fail(f"cannot read {scanned_file} (set SFX_SCAN_ROOT to the scan root)")
        return self.evaluate_in_stack(conf, stack, rtype, name, body)

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        raise NotImplementedError


class SfxProviderCheck(BaseProviderCheck):
    """A check on ``provider`` blocks (region, default tags)."""

    def __init__(self, id: str, name: str, category: CheckCategories) -> None:
        super().__init__(
            name=name,
            id=id,
            categories=[category],
            supported_provider=("aws",),
            guideline=GUIDELINE,
        )

    def fail(self, why: str) -> CheckResult:
        self.details.append(why)
        return CheckResult.FAILED

    def scan_provider_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self.evaluate(conf)

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        raise NotImplementedError


class FlagCheck(SfxResourceCheck):
    """A boolean attribute that must hold ``expected`` (``default`` is the provider's default)."""

    def __init__(
        self,
        id: str,
        name: str,
        category: CheckCategories,
        resources: Iterable[str],
        attribute: str,
        expected: bool,
        default: bool,
    ) -> None:
        super().__init__(id, name, category, resources)
        self.attribute, self.expected, self.default = attribute, expected, default

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        raw = hcl.value(conf, self.attribute, self.default)
        flag = hcl.as_bool(raw)
        if flag is None:
            return self.unknown(f"{self.attribute}={raw} cannot be decided")
        if flag != self.expected:
            return self.fail(
                f"{self.attribute}={str(flag).lower()}, must be {str(self.expected).lower()}"
            )
        return CheckResult.PASSED
