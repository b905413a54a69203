"""The one reviewed exceptions file, read by the Aspects, the Checkov gate and the report.

An exception waives one rule (an aspect rule id such as ``SFX-ENC-01`` or a Checkov id such as
``CKV_AWS_338``) for the resources whose Terraform address (``<type>.<logical id>``) matches a
glob. Each carries a reason (>= 10 characters), an owner, who approved it (someone other than the
owner, compared as identities ignoring case and separators, and not a team: a waiver is
reviewed, not self-granted) and when, a risk rating, the catalog controls that compensate for
it, and an expiry date. An entry missing any of them, or expired, is itself an error, so waivers
cannot outlive their review or hide their risk.

Entries are pydantic models (like ``lib.config`` and the catalog); every error names the entry,
the field and the rule (``exceptions[3].approved_by (CKV_AWS_338): ...``). Whether compensating
controls exist in the catalog is checked only when the caller passes the catalog's ids
(``compliance.exceptions.load_checked_exceptions``, used by the report): synthesis and the gate
do not parse the catalog.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from core.rule_ids import is_control_id, is_rule_id
from core.yamlfile import read_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "compliance" / "exceptions.yaml"
MIN_REASON_LEN = 10
# A team or group, not an accountable identity ("platform-team", "SRE Group", "ops_squad").
TEAM_PATTERN = re.compile(r"(^|-)(team|group|squad|guild|dept|department)s?(-|$)")


def identity(name: str) -> str:
    """A name compared as an identity: case-folded, runs of blanks, dots, _ and - as one -."""
    return re.sub(r"[\s._-]+", "-", name.strip().casefold()).strip("-")


class Risk(StrEnum):
    """The residual risk the approver accepted by waiving the rule."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ExceptionFileError(ValueError):
    """The exceptions file is malformed, or holds an invalid or expired exception."""


def _problem(message: str) -> PydanticCustomError:
    """An error whose text is ours: the field and rule are prefixed by ``_describe``."""
    return PydanticCustomError("exception_entry", message)


def _date(value: Any) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise _problem(f"{value!r} is not a YYYY-MM-DD date") from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise _problem("must be a date")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _problem("must be text")
    return str(value).strip()


def _risk(value: Any) -> Risk:
    if str(value) not in {r.value for r in Risk}:
        raise _problem(f"{value!r} is not one of {', '.join(r.value for r in Risk)}")
    return Risk(str(value))


def _controls(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _problem("must be a list of control ids (SFX-CTL-...)")
    ids = tuple(str(v) for v in value)
    if bad := [v for v in ids if not is_control_id(v)]:
        raise _problem(f"{bad} are not control ids (SFX-CTL-<AREA>-<NN>)")
    return ids


Text = Annotated[str, BeforeValidator(_text)]
Date = Annotated[dt.date, BeforeValidator(_date)]


@dataclass(frozen=True)
class PolicyException:
    """One reviewed waiver, as the engines and the report use it."""

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


class ExceptionEntry(BaseModel):
    """One entry of the file as written. Field order is the order errors are reported in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: Text
    reason: Text
    owner: Text
    approved_by: Text
    approved_on: Date
    risk: Annotated[Risk, BeforeValidator(_risk)]
    expires: Date
    resource: Text  # glob over Terraform addresses, e.g. "aws_cloudwatch_log_group.*"
    compensating_controls: Annotated[tuple[str, ...], BeforeValidator(_controls)]

    @field_validator("rule")
    @classmethod
    def _rule_id(cls, rule: str) -> str:
        if not is_rule_id(rule):
            raise _problem(f"{rule!r} is not an aspect (SFX-...) or Checkov id")
        return rule

    @field_validator("reason")
    @classmethod
    def _explained(cls, reason: str) -> str:
        if len(reason) < MIN_REASON_LEN:
            raise _problem(f"must explain the exception in at least {MIN_REASON_LEN} characters")
        return reason

    @field_validator("approved_by")
    @classmethod
    def _reviewed(cls, approved_by: str, info: ValidationInfo) -> str:
        owner = info.data.get("owner")
        if isinstance(owner, str) and identity(approved_by) == identity(owner):
            raise _problem(
                f"must differ from owner {owner!r} (given {approved_by!r}; compared as "
                "identities, ignoring case and separators: nobody approves their own waiver)"
            )
        if TEAM_PATTERN.search(identity(approved_by)):
            raise _problem(
                f"{approved_by!r} names a team; an approval is given by a named identity "
                "(a person or an accountable role holder)"
            )
        return approved_by

    @field_validator("approved_on")
    @classmethod
    def _not_future(cls, approved_on: dt.date, info: ValidationInfo) -> dt.date:
        if approved_on > _context(info).today:
            raise _problem(f"{approved_on.isoformat()} is in the future")
        return approved_on

    @field_validator("expires")
    @classmethod
    def _not_expired(cls, expires: dt.date, info: ValidationInfo) -> dt.date:
        if expires < _context(info).today:
            raise _problem(f"expired on {expires.isoformat()}; review it and renew or remove it")
        return expires

    @field_validator("compensating_controls")
    @classmethod
    def _in_catalog(cls, ids: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = _context(info).control_ids
        if known is not None and (missing := sorted(set(ids) - known)):
            raise _problem(f"{missing} are not controls of the catalog")
        return ids

    def to_exception(self) -> PolicyException:
        return PolicyException(
            rule=self.rule,
            resource=self.resource,
            reason=self.reason,
            owner=self.owner,
            expires=self.expires,
            approved_by=self.approved_by,
            approved_on=self.approved_on,
            risk=self.risk,
            compensating_controls=self.compensating_controls,
        )


ALLOWED_KEYS = frozenset(ExceptionEntry.model_fields)


@dataclass(frozen=True)
class _Context:
    today: dt.date
    control_ids: frozenset[str] | None


def _context(info: ValidationInfo) -> _Context:
    context = info.context
    return context if isinstance(context, _Context) else _Context(dt.date.today(), None)


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


def _blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _describe(err: ValidationError, entry: dict[str, Any], index: int) -> str:
    """Every problem of one entry as ``exceptions[i].<field> (<rule>): <what is wrong>``."""
    rule = entry.get("rule") if isinstance(entry.get("rule"), str) else None
    unknown = sorted(str(e["loc"][0]) for e in err.errors() if e["type"] == "extra_forbidden")
    lines = [f"exceptions[{index}]: unknown keys {unknown}"] if unknown else []
    for error in err.errors():
        if error["type"] == "extra_forbidden":
            continue
        field = ".".join(str(part) for part in error["loc"][:1])
        message = "is required" if error["type"] == "missing" else error["msg"]
        about = rule if field != "rule" and rule else None
        if field == "expires" and about and error["type"] != "missing":
            about = f"{about} on {entry.get('resource')}"
        lines.append(f"exceptions[{index}].{field}{f' ({about})' if about else ''}: {message}")
    return "; ".join(lines)


def parse_entry(
    entry: Any, index: int, today: dt.date, control_ids: frozenset[str] | None
) -> PolicyException:
    """One entry of the file, validated (raises ``ExceptionFileError`` naming field and rule)."""
    if not isinstance(entry, dict):
        raise ExceptionFileError(f"exceptions[{index}]: must be a mapping")
    present = {k: v for k, v in entry.items() if not _blank(v)}  # blank = missing
    try:
        entry_model = ExceptionEntry.model_validate(present, context=_Context(today, control_ids))
    except ValidationError as err:
        raise ExceptionFileError(_describe(err, entry, index)) from None
    return entry_model.to_exception()


def parse_exceptions(
    data: Any,
    today: dt.date | None = None,
    source: str = "exceptions",
    control_ids: frozenset[str] | None = None,
) -> ExceptionSet:
    """Validate the parsed YAML document and build the exception set.

    ``control_ids``: the catalog's control ids; when given, compensating controls must be among
    them (the report passes them; ``tests/compliance/test_exceptions.py`` checks the shipped
    file against the catalog in CI).
    """
    today = today or dt.date.today()
    if not isinstance(data, dict) or not isinstance(data.get("exceptions"), list):
        raise ExceptionFileError(f"{source}: must be a mapping with a list under 'exceptions'")
    items = tuple(
        parse_entry(entry, index, today, control_ids)
        for index, entry in enumerate(data["exceptions"])
    )
    return ExceptionSet(items, source=source)


def load_exceptions(
    path: Path | str = DEFAULT_PATH,
    today: dt.date | None = None,
    control_ids: frozenset[str] | None = None,
) -> ExceptionSet:
    """Read and validate an exceptions file; compensating controls are checked against
    ``control_ids`` when given (their shape always)."""
    path = Path(path)
    data = read_yaml(path, "exceptions", ExceptionFileError)
    return parse_exceptions(data, today=today, source=path.name, control_ids=control_ids)
