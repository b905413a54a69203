"""``--baseline <previous report.json>``: what changed since an earlier report.

Compares two report.json documents (the machine form of every report): controls whose status
changed, exceptions that are new, changed, removed or expire within EXPIRING_WITHIN days,
citation changes (a control's regulation references or their relationship), and resources no
control covers that the baseline did not already list.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXPIRING_WITHIN = dt.timedelta(days=30)
# Exception fields computed on the report's date, not reviewed content: never a "change".
_DERIVED = frozenset({"days_left"})


class BaselineError(ValueError):
    """The baseline file is missing or is not a report.json (message names the file and field)."""


@dataclass(frozen=True)
class StatusChange:
    control: str
    before: str  # "absent" for a control the baseline did not have
    after: str


@dataclass(frozen=True)
class ExceptionChange:
    rule: str
    resource: str
    change: str  # new | changed | removed | expiring
    detail: str


@dataclass(frozen=True)
class CitationChange:
    control: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    baseline_commit: str
    baseline_generated_at: str
    statuses: tuple[StatusChange, ...]
    exceptions: tuple[ExceptionChange, ...]
    citations: tuple[CitationChange, ...]
    new_uncovered_resources: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (
            self.statuses or self.exceptions or self.citations or self.new_uncovered_resources
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": {
                "commit": self.baseline_commit,
                "generated_at": self.baseline_generated_at,
            },
            "status_changes": [vars(s) for s in self.statuses],
            "exception_changes": [vars(e) for e in self.exceptions],
            "citation_changes": [
                {"control": c.control, "added": list(c.added), "removed": list(c.removed)}
                for c in self.citations
            ],
            "new_uncovered_resources": list(self.new_uncovered_resources),
        }


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"--baseline {path.name}: file not found") from None
    except json.JSONDecodeError as err:
        raise BaselineError(f"--baseline {path.name}: not valid JSON: {err}") from None
    for key in ("run", "controls", "exceptions", "inventory"):
        if not isinstance(data, dict) or key not in data:
            raise BaselineError(f"--baseline {path.name}: has no '{key}': not a report.json")
    return dict(data)


def _citations(control: dict[str, Any]) -> set[str]:
    out = set()
    for r in control.get("requirements", []):
        label = f"{r.get('regulation')} {r.get('ref')}"
        relationship = r.get("relationship")
        out.add(f"{label} ({relationship})" if relationship else label)
    return out


def _exception_key(e: dict[str, Any]) -> tuple[str, str]:
    return str(e.get("rule")), str(e.get("resource"))


def _exception_changes(
    now: list[dict[str, Any]], before: list[dict[str, Any]], today: dt.date
) -> list[ExceptionChange]:
    old = {_exception_key(e): e for e in before}
    new = {_exception_key(e): e for e in now}
    out = []
    for key, e in new.items():
        if key not in old:
            out.append(ExceptionChange(*key, "new", f"expires {e.get('expires')}"))
        else:
            fields = sorted(
                k for k in (set(e) | set(old[key])) - _DERIVED if e.get(k) != old[key].get(k)
            )
            if fields:
                out.append(ExceptionChange(*key, "changed", f"changed: {', '.join(fields)}"))
        expires = dt.date.fromisoformat(str(e.get("expires")))
        if expires - today <= EXPIRING_WITHIN:
            out.append(
                ExceptionChange(
                    *key, "expiring", f"expires {expires} ({(expires - today).days} days)"
                )
            )
    out += [ExceptionChange(*key, "removed", "no longer in force") for key in old if key not in new]
    return out


def compare(current: dict[str, Any], baseline: dict[str, Any]) -> Changes:
    """The changes from ``baseline`` to ``current`` (both report.json documents)."""
    today = dt.datetime.fromisoformat(current["run"]["generated_at"]).date()
    before = {c["id"]: c for c in baseline["controls"]}
    statuses = [
        StatusChange(
            c["id"], before[c["id"]]["status"] if c["id"] in before else "absent", c["status"]
        )
        for c in current["controls"]
        if c["id"] not in before or before[c["id"]]["status"] != c["status"]
    ]
    citations = []
    for c in current["controls"]:
        now, old = _citations(c), _citations(before.get(c["id"], {}))
        if c["id"] in before and now != old:
            citations.append(
                CitationChange(c["id"], tuple(sorted(now - old)), tuple(sorted(old - now)))
            )
    known = baseline.get("uncovered_resources")
    if known is None:  # an older report: every resource it had counts as known
        known = [row["address"] for row in baseline["inventory"]]
    return Changes(
        str(baseline["run"].get("commit", "unknown")),
        str(baseline["run"].get("generated_at", "unknown")),
        tuple(statuses),
        tuple(_exception_changes(current["exceptions"], baseline["exceptions"], today)),
        tuple(citations),
        tuple(r for r in current.get("uncovered_resources", []) if r not in set(known)),
    )
