"""The gate's result model: one check on one resource, after exceptions are applied.

Checkov names a single-resource result ``resource.<logical id>`` (terraform_json drops the type)
and a graph (CKV2) result ``<type>.<logical id>``; ``normalise_address`` turns both into the
Terraform address ``<type>.<logical id>`` that compliance/exceptions.yaml globs match.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.exceptions import PolicyException
from core.stackfile import StackFileError, read_stack_document

CUSTOM_PREFIX = "CKV_SFX_"


class Status(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"  # failed, or (built-in checks) could not judge the resource: see ``unknown``
    WAIVED = "WAIVED"  # failed, but a reviewed exception covers this check on this resource
    SKIPPED = "SKIPPED"  # skipped by checkov itself (the gate never asks it to)


class CheckovResult(StrEnum):
    """What checkov itself said (UNKNOWN: the check could not decide from the configuration)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class RawFinding:
    """One checkov record, with the resource address already normalised."""

    check_id: str
    check_name: str
    result: CheckovResult
    address: str
    file: Path
    lines: tuple[int, int]
    guideline: str
    severity: str | None
    details: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One check on one resource, as the gate judged it."""

    check_id: str
    check_name: str
    status: Status
    address: str
    file: str  # path relative to the scanned stack folder
    lines: tuple[int, int]
    level: str  # "error" for every failure: any unwaived failure blocks
    severity: str | None  # checkov's severity when it has one (needs the platform; mostly None)
    guideline: str
    details: tuple[str, ...] = ()
    exception: PolicyException | None = None
    unknown: bool = False  # checkov returned UNKNOWN: judged as a failure unless an exception

    @property
    def custom(self) -> bool:
        return is_custom(self.check_id)

    def to_json(self) -> dict[str, Any]:
        exc = self.exception
        return {
            "check_id": self.check_id,
            "check_name": self.check_name,
            "status": self.status.value,
            "resource": self.address,
            "file": self.file,
            "lines": list(self.lines),
            "level": self.level,
            "severity": self.severity,
            "guideline": self.guideline,
            "custom": self.custom,
            "details": list(self.details),
            "exception": None if exc is None else exception_json(exc),
            "unknown": self.unknown,
        }


def is_custom(check_id: str) -> bool:
    return check_id.startswith(CUSTOM_PREFIX)


def exception_json(exc: PolicyException) -> dict[str, str]:
    return {
        "rule": exc.rule,
        "resource": exc.resource,
        "reason": exc.reason,
        "owner": exc.owner,
        "expires": exc.expires.isoformat(),
    }


@dataclass(frozen=True)
class AddressIndex:
    """Logical id -> resource types for one Terraform JSON file (cdktf ids are unique per stack)."""

    types: dict[str, tuple[str, ...]]

    @classmethod
    def of_file(cls, path: Path) -> AddressIndex:
        try:
            data = read_stack_document(path)
        except StackFileError:
            return cls({})
        found: dict[str, list[str]] = {}
        resources = data.get("resource", {}) if isinstance(data, dict) else {}
        for rtype, items in resources.items():
            for name in items if isinstance(items, dict) else {}:
                found.setdefault(name, []).append(rtype)
        return cls({name: tuple(types) for name, types in found.items()})

    def normalise(self, resource: str) -> str:
        """``resource.<id>`` -> ``<type>.<id>``; other forms are already addresses."""
        block, _, name = resource.partition(".")
        if block != "resource":
            return resource
        types = self.types.get(name, ())
        # An ambiguous id stays unnormalised: no exception glob can match it by accident.
        return f"{types[0]}.{name}" if len(types) == 1 else resource
