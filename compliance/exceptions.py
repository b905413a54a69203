"""The one reviewed exceptions file, read by the Aspects, the Checkov gate and the report.

An exception waives one rule (an aspect rule id such as ``SFX-LOG-RETENTION`` or a Checkov id
such as ``CKV_AWS_338``) for the resources whose Terraform address (``<type>.<logical id>``)
matches a glob. Each carries a reason (>= 10 characters), an owner, who approved it (someone
other than the owner, compared as identities ignoring case and separators, and not a team: a
waiver is reviewed, not self-granted) and when, a risk rating, the
catalog controls that compensate for it, and an expiry date. An entry missing any of them, or
expired, is itself an error, so waivers cannot outlive their review or hide their risk.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("exceptions.yaml")
MIN_REASON_LEN = 10
RULE_ID_PATTERN = re.compile(r"^(SFX-[A-Z0-9-]+|CKV2?_[A-Z0-9]+_\d+|CKV_SFX_\d+)$")
ALLOWED_KEYS = {
    "rule",
    "resource",
    "reason",
    "owner",
    "approved_by",
    "approved_on",
    "risk",
    "compensating_controls",
    "expires",
}
# A team or group, not an accountable identity ("platform-team", "SRE Group", "ops_squad").
TEAM_PATTERN = re.compile(r"(^|-)(team|group|squad|guild|dept|department)s?(-|$)")


def identity(name: str) -> str:
    """A name compared as an identity: case-folded, runs of blanks, dots, _ and - as one -."""
    return re.sub(r"[\s._-]+", "-", name.strip().casefold()).strip("-")


CONTROL_ID_PATTERN = re.compile(r"^SFX-CTL-[A-Z]{2,4}-\d{2}$")  # compliance.catalog.CONTROL_ID


class Risk(StrEnum):
    """The residual risk the approver accepted by waiving the rule."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ExceptionFileError(ValueError):
    """The exceptions file is malformed, or holds an invalid or expired exception."""


@dataclass(frozen=True)
class PolicyException:
    rule: str
    resource: str  # glob over Terraform addresses, e.g. "aws_cloudwatch_log_group.*"
    reason: str
    owner: str
    expires: dt.date
    approved_by: str
    approved_on: dt.date
    risk: Risk
    compensating_controls: tuple[str, ...]

    def days_left(self, today: dt.date | None = None) -> int:
        """Days until the exception expires (0 on its last day): the review countdown."""
        return (self.expires - (today or dt.date.today())).days

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
    if value is None or value == [] or (isinstance(value, str) and not value.strip()):
        rule = f" ({entry['rule']})" if key != "rule" and entry.get("rule") else ""
        raise ExceptionFileError(f"exceptions[{index}].{key}{rule}: is required")
    return value


def _date(entry: dict[str, Any], key: str, index: int, rule: str) -> dt.date:
    value = _require(entry, key, index)
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ExceptionFileError(
                f"exceptions[{index}].{key} ({rule}): {value!r} is not a YYYY-MM-DD date"
            ) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ExceptionFileError(f"exceptions[{index}].{key} ({rule}): must be a date")
    return value


def _controls(
    entry: dict[str, Any], index: int, rule: str, known: frozenset[str] | None
) -> tuple[str, ...]:
    value = _require(entry, "compensating_controls", index)
    where = f"exceptions[{index}].compensating_controls ({rule})"
    if not isinstance(value, list):
        raise ExceptionFileError(f"{where}: must be a list of control ids (SFX-CTL-...)")
    ids = tuple(str(v) for v in value)
    bad = [v for v in ids if not CONTROL_ID_PATTERN.match(v)]
    if bad:
        raise ExceptionFileError(f"{where}: {bad} are not control ids (SFX-CTL-<AREA>-<NN>)")
    if known is not None and (missing := sorted(set(ids) - known)):
        raise ExceptionFileError(f"{where}: {missing} are not controls of the catalog")
    return ids


def _entry(
    entry: dict[str, Any], index: int, today: dt.date, known: frozenset[str] | None
) -> PolicyException:
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
    owner = str(_require(entry, "owner", index)).strip()
    approved_by = str(_require(entry, "approved_by", index)).strip()
    if identity(approved_by) == identity(owner):
        raise ExceptionFileError(
            f"exceptions[{index}].approved_by ({rule}): must differ from owner {owner!r} "
            f"(given {approved_by!r}; compared as identities, ignoring case and separators: "
            "nobody approves their own waiver)"
        )
    if TEAM_PATTERN.search(identity(approved_by)):
        raise ExceptionFileError(
            f"exceptions[{index}].approved_by ({rule}): {approved_by!r} names a team; an "
            "approval is given by a named identity (a person or an accountable role holder)"
        )
    approved_on = _date(entry, "approved_on", index, rule)
    if approved_on > today:
        raise ExceptionFileError(
            f"exceptions[{index}].approved_on ({rule}): {approved_on.isoformat()} is in the future"
        )
    risk = str(_require(entry, "risk", index))
    if risk not in {r.value for r in Risk}:
        raise ExceptionFileError(
            f"exceptions[{index}].risk ({rule}): {risk!r} is not one of "
            f"{', '.join(r.value for r in Risk)}"
        )
    expires = _date(entry, "expires", index, rule)
    if expires < today:
        raise ExceptionFileError(
            f"exceptions[{index}].expires ({rule} on {entry.get('resource')}): expired on "
            f"{expires.isoformat()}; review it and renew or remove it"
        )
    return PolicyException(
        rule=rule,
        resource=str(_require(entry, "resource", index)),
        reason=reason,
        owner=owner,
        expires=expires,
        approved_by=approved_by,
        approved_on=approved_on,
        risk=Risk(risk),
        compensating_controls=_controls(entry, index, rule, known),
    )


def parse_exceptions(
    data: Any,
    today: dt.date | None = None,
    source: str = "",
    control_ids: frozenset[str] | None = None,
) -> ExceptionSet:
    """Validate the parsed YAML document and build the exception set.

    ``control_ids``: the catalog's control ids; when given, compensating controls must be among
    them (``load_exceptions`` always passes them, so the aspects, gate and report all check it).
    """
    today = today or dt.date.today()
    if not isinstance(data, dict) or not isinstance(data.get("exceptions"), list):
        raise ExceptionFileError(f"{source}: must be a mapping with a list under 'exceptions'")
    items: list[PolicyException] = []
    for index, entry in enumerate(data["exceptions"]):
        if not isinstance(entry, dict):
            raise ExceptionFileError(f"exceptions[{index}]: must be a mapping")
        items.append(_entry(entry, index, today, control_ids))
    return ExceptionSet(tuple(items), source=source)


def catalog_control_ids() -> frozenset[str]:
    """The control ids of the default catalog (imported late: the catalog needs pydantic)."""
    from compliance.catalog import CatalogError, load_catalog

    try:
        return frozenset(c.id for c in load_catalog().controls)
    except CatalogError as err:
        raise ExceptionFileError(f"cannot check compensating controls: {err}") from None


def load_exceptions(
    path: Path | str = DEFAULT_PATH,
    today: dt.date | None = None,
    control_ids: frozenset[str] | None = None,
) -> ExceptionSet:
    """Read and validate an exceptions file; compensating controls are checked against
    ``control_ids`` (default: the controls of compliance/catalog.yaml)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExceptionFileError(f"{path.name}: exceptions file not found") from None
    except yaml.YAMLError as err:
        raise ExceptionFileError(f"{path.name}: not valid YAML: {err}") from None
    known = catalog_control_ids() if control_ids is None else control_ids
    return parse_exceptions(data, today=today, source=path.name, control_ids=known)
