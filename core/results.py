"""Rule results from the two engines that ran (the Aspects at synth, the Checkov gate on the JSON).

Both are normalised to ``RuleResult`` (one rule on one resource) so the report, the CSV and the
status logic read one shape. Statuses keep the engines' own words; ``Outcome`` folds them into
what a control needs to know: passed, failed, waived or not applicable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.binding import ArtifactBinding, BindingError, parse_binding

ASPECT_RESULTS_FILE = "aspect-results.json"


class ResultsError(ValueError):
    """A results file is missing or does not have the agreed shape (message names the field)."""


class Source(StrEnum):
    ASPECT = "aspect"
    GATE = "gate"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"
    NOT_APPLICABLE = "not-applicable"


_OUTCOMES: dict[str, Outcome] = {
    # aspects (lib.aspects.model.Status)
    "COMPLIANT": Outcome.PASSED,
    "FIXED": Outcome.PASSED,
    "NON_COMPLIANT": Outcome.FAILED,
    "WAIVED": Outcome.WAIVED,
    "NOT_APPLICABLE": Outcome.NOT_APPLICABLE,
    # checkov / the gate
    "PASSED": Outcome.PASSED,
    "FAILED": Outcome.FAILED,
    "SKIPPED": Outcome.WAIVED,
}


@dataclass(frozen=True)
class RuleResult:
    """One rule (aspect rule id or Checkov id) evaluated on one resource address."""

    source: Source
    rule: str
    title: str
    resource: str
    status: str  # the engine's own status word
    level: str
    info: str
    exception_reason: str | None = None

    @property
    def outcome(self) -> Outcome:
        return _OUTCOMES[self.status]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.value,
            "rule": self.rule,
            "title": self.title,
            "resource": self.resource,
            "status": self.status,
            "outcome": self.outcome.value,
            "level": self.level,
            "info": self.info,
            "exception_reason": self.exception_reason,
        }


def _field(entry: Mapping[str, Any], key: str, index: int, source: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ResultsError(f"{source}[{index}].{key}: must be a non-empty string")
    return value


def parse_aspect_results(data: Any, source: str = ASPECT_RESULTS_FILE) -> list[RuleResult]:
    """Read the list lib/app.py writes after a successful synth (lib.aspects AspectRecord)."""
    if not isinstance(data, list):
        raise ResultsError(f"{source}: must be a JSON list of aspect records")
    out: list[RuleResult] = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise ResultsError(f"{source}[{index}]: must be an object")
        status = _field(entry, "status", index, source)
        if status not in _OUTCOMES or status in {"PASSED", "FAILED", "SKIPPED"}:
            raise ResultsError(f"{source}[{index}].status: {status!r} is not an aspect status")
        out.append(
            RuleResult(
                source=Source.ASPECT,
                rule=_field(entry, "rule", index, source),
                title=str(entry.get("title") or ""),
                resource=_field(entry, "resource", index, source),
                status=status,
                level=str(entry.get("level") or ""),
                info=str(entry.get("message") or ""),
                exception_reason=entry.get("exception_reason") or None,
            )
        )
    return out


@dataclass(frozen=True)
class AspectResults:
    """The Aspects' records and the artifact they judged (None in a file written before
    bindings existed: the report refuses such a file)."""

    records: tuple[RuleResult, ...]
    binding: ArtifactBinding | None


def parse_aspect_file(data: Any, source: str = ASPECT_RESULTS_FILE) -> AspectResults:
    """``{"artifact": <binding>, "records": [...]}`` as lib/app.py writes it (or a bare list)."""
    if isinstance(data, list):
        return AspectResults(tuple(parse_aspect_results(data, source)), None)
    if not isinstance(data, dict):
        raise ResultsError(f"{source}: must be an object with 'artifact' and 'records'")
    try:
        binding = parse_binding(data.get("artifact"), source)
    except BindingError as err:
        raise ResultsError(str(err)) from None
    records = parse_aspect_results(data.get("records"), f"{source}.records")
    return AspectResults(tuple(records), binding)


def aspect_file_json(records: list[dict[str, Any]], binding: ArtifactBinding) -> dict[str, Any]:
    """The document lib/app.py writes: the records and the artifact they were taken from."""
    return {"artifact": binding.to_json(), "records": records}


def load_aspect_file(synth_dir: Path) -> AspectResults | None:
    """The aspect records next to the synthesized stack and the artifact they judged, or None
    if synth wrote none."""
    path = synth_dir / ASPECT_RESULTS_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ResultsError(f"{ASPECT_RESULTS_FILE}: not valid JSON: {err}") from None
    return parse_aspect_file(data)


def load_aspect_results(synth_dir: Path) -> list[RuleResult] | None:
    """The aspect records next to the synthesized stack, or None if synth wrote none."""
    loaded = load_aspect_file(synth_dir)
    return None if loaded is None else list(loaded.records)


def gate_result(
    rule: str,
    title: str,
    resource: str,
    status: str,
    info: str = "",
    exception_reason: str | None = None,
    level: str = "error",
) -> RuleResult:
    """A gate line; ``status`` is PASSED, FAILED or WAIVED."""
    if status not in {"PASSED", "FAILED", "WAIVED", "SKIPPED"}:
        raise ResultsError(f"gate result {rule} on {resource}: unknown status {status!r}")
    return RuleResult(Source.GATE, rule, title, resource, status, level, info, exception_reason)


def index_by_rule(results: Iterable[RuleResult]) -> dict[str, list[RuleResult]]:
    out: dict[str, list[RuleResult]] = {}
    for result in results:
        out.setdefault(result.rule, []).append(result)
    return out
