"""Exceptions over a period: a waiver that expired, or was approved, inside the period covers
only part of it, so the controls citing its rule were not covered on the other days.

Each entry is validated with the exceptions loader as of its own expiry date (so an entry that
has expired since is still read, with every other rule of compliance/exceptions.py applied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from compliance.catalog import Catalog
from compliance.period.window import Period
from core.exceptions import ExceptionFileError, PolicyException, parse_exceptions


@dataclass(frozen=True)
class ExceptionEvent:
    """A waiver that did not hold for the whole period: from ``first`` to ``last`` uncovered."""

    rule: str
    resource: str
    kind: str  # "expired" | "approved-late"
    first: date
    last: date
    controls: tuple[str, ...]

    @property
    def text(self) -> str:
        what = "expired" if self.kind == "expired" else "was not yet approved"
        return (
            f"the exception for {self.rule} on {self.resource} {what} from {self.first} to "
            f"{self.last}: {', '.join(self.controls) or 'no control'} not covered by it then"
        )


def read_exceptions_over(path: Path) -> tuple[PolicyException, ...]:
    """Every entry of an exceptions file, each validated as of its own expiry date."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ExceptionFileError(f"{path.name}: cannot be read: {err}") from None
    entries = data.get("exceptions") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ExceptionFileError(f"{path.name}: must be a mapping with a list under 'exceptions'")
    items: list[PolicyException] = []
    for entry in entries:
        expires = entry.get("expires") if isinstance(entry, dict) else None
        today = expires if isinstance(expires, date) else None
        items += parse_exceptions({"exceptions": [entry]}, today=today, source=path.name).items
    return tuple(items)


def _controls(catalog: Catalog, rule: str) -> tuple[str, ...]:
    return tuple(
        c.id
        for c in catalog.controls
        if rule in c.evidence.aspect_rules or rule in c.evidence.checkov_checks
    )


def exception_events(
    period: Period, exceptions: tuple[PolicyException, ...], catalog: Catalog
) -> tuple[ExceptionEvent, ...]:
    events = []
    for e in exceptions:
        controls = _controls(catalog, e.rule)
        if period.first <= e.expires < period.last:
            events.append(
                ExceptionEvent(
                    e.rule,
                    e.resource,
                    "expired",
                    e.expires + timedelta(days=1),
                    period.last,
                    controls,
                )
            )
        if period.first < e.approved_on <= period.last:
            events.append(
                ExceptionEvent(
                    e.rule,
                    e.resource,
                    "approved-late",
                    period.first,
                    e.approved_on - timedelta(days=1),
                    controls,
                )
            )
    return tuple(events)
