"""The one reviewed exceptions file, read by the Aspects, the Checkov gate and the report.

An exception waives one rule (an aspect rule id such as ``SFX-LOG-RETENTION`` or a Checkov id
such as ``CKV_AWS_338``) for the resources whose Terraform address (``<type>.<logical id>``)
matches a glob. Each carries a reason (>= 10 characters), an owner and an expiry date; an
expired or reasonless exception is itself an error, so waivers cannot outlive their review.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("exceptions.yaml")
MIN_REASON_LEN = 10
RULE_ID_PATTERN = re.compile(r"^(SFX-[A-Z0-9-]+|CKV2?_[A-Z0-9]+_\d+|CKV_SFX_\d+)$")
ALLOWED_KEYS = {"rule", "resource", "reason", "owner", "expires"}


class ExceptionFileError(ValueError):
    """The exceptions file is malformed, or holds an invalid or expired exception."""


@dataclass(frozen=True)
class PolicyException:
    rule: str
    resource: str  # glob over Terraform addresses, e.g. "aws_cloudwatch_log_group.*"
    reason: str
    owner: str
    expires: dt.date

    def matches(self, rule: str, address: str) -> bool:
        return rule == self.rule and fnmatch.fnmatchcase(address, self.resource)


@dataclass(frozen=True)
class ExceptionSet:
    items: tuple[PolicyException, ...]
    source: str = "compliance/exceptions.yaml"

    def find(self, rule: str, address: str) -> PolicyException | None:
        """The exception that waives ``rule`` for ``address``, if any."""
        return next((e for e in self.items if e.matches(rule, address)), None)

    def for_rule(self, rule: str) -> tuple[PolicyException, ...]:
        return tuple(e for e in self.items if e.rule == rule)

    def unused(self, used: Iterable[tuple[str, str]]) -> list[PolicyException]:
        """Exceptions that matched none of the (rule, address) pairs that were waived."""
        pairs = list(used)
        return [e for e in self.items if not any(e.matches(r, a) for r, a in pairs)]


def _require(entry: dict[str, Any], key: str, index: int) -> Any:
    value = entry.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ExceptionFileError(f"exceptions[{index}].{key}: is required")
    return value


def parse_exceptions(data: Any, today: dt.date | None = None, source: str = "") -> ExceptionSet:
    """Validate the parsed YAML document and build the exception set."""
    today = today or dt.date.today()
    if not isinstance(data, dict) or not isinstance(data.get("exceptions"), list):
        raise ExceptionFileError(f"{source}: must be a mapping with a list under 'exceptions'")
    items: list[PolicyException] = []
    for index, entry in enumerate(data["exceptions"]):
        if not isinstance(entry, dict):
            raise ExceptionFileError(f"exceptions[{index}]: must be a mapping")
        unknown = set(entry) - ALLOWED_KEYS
        if unknown:
            raise ExceptionFileError(f"exceptions[{index}]: unknown keys {sorted(unknown)}")
        rule = str(_require(entry, "rule", index))
        if not RULE_ID_PATTERN.match(rule):
            raise ExceptionFileError(
                f"exceptions[{index}].rule: {rule!r} is not an aspect (SFX-...) or Checkov id"
            )
        reason = str(entry.get("reason") or "").strip()
        if len(reason) < MIN_REASON_LEN:
            raise ExceptionFileError(
                f"exceptions[{index}].reason ({rule}): must explain the exception in at least "
                f"{MIN_REASON_LEN} characters"
            )
        expires = _require(entry, "expires", index)
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise ExceptionFileError(
                    f"exceptions[{index}].expires ({rule}): {expires!r} is not a YYYY-MM-DD date"
                ) from None
        if not isinstance(expires, dt.date):
            raise ExceptionFileError(f"exceptions[{index}].expires ({rule}): must be a date")
        if expires < today:
            raise ExceptionFileError(
                f"exceptions[{index}].expires ({rule} on {entry.get('resource')}): expired on "
                f"{expires.isoformat()}; review it and renew or remove it"
            )
        items.append(
            PolicyException(
                rule=rule,
                resource=str(_require(entry, "resource", index)),
                reason=reason,
                owner=str(_require(entry, "owner", index)),
                expires=expires,
            )
        )
    return ExceptionSet(tuple(items), source=source)


def load_exceptions(path: Path | str = DEFAULT_PATH, today: dt.date | None = None) -> ExceptionSet:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExceptionFileError(f"{path.name}: exceptions file not found") from None
    except yaml.YAMLError as err:
        raise ExceptionFileError(f"{path.name}: not valid YAML: {err}") from None
    return parse_exceptions(data, today=today, source=path.name)
