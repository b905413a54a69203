"""Turn the Checkov gate's result into report rule results: from the Python API
(``policies.gate.GateResult``) or from the ``gate.json`` the gate CLI writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.binding import ArtifactBinding, BindingError, parse_binding
from core.results import ResultsError, RuleResult, gate_result

if TYPE_CHECKING:
    from policies.gate import GateResult


def gate_rule_results(result: GateResult) -> list[RuleResult]:
    """One line per check x resource; a waived line carries its exception's reason."""
    out = []
    for f in result.findings:
        info = "; ".join(f.details) if f.details else f.check_name
        reason = f.exception.reason if f.exception is not None else None
        out.append(
            gate_result(
                f.check_id,
                f.check_name,
                f.address,
                f.status.value,
                info=info,
                exception_reason=reason,
                level=f.level,
            )
        )
    return out


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ResultsError(f"{where}.{key}: must be a non-empty string")
    return value


def parse_gate_json(
    data: Any, stack: str, source: str = "gate.json"
) -> tuple[list[RuleResult], bool]:
    """Rule results and the gate's verdict from ``gate.json``; refuses another stack's file."""
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ResultsError(f"{source}: must be an object with a 'findings' list")
    if data.get("stack") != stack:
        raise ResultsError(
            f"{source}: is the gate result of stack {data.get('stack')!r}, not of {stack!r}"
        )
    out = []
    for index, entry in enumerate(data["findings"]):
        where = f"{source}.findings[{index}]"
        if not isinstance(entry, dict):
            raise ResultsError(f"{where}: must be an object")
        details = entry.get("details") or []
        exception = entry.get("exception") or {}
        name = _text(entry, "check_name", where)
        out.append(
            gate_result(
                _text(entry, "check_id", where),
                name,
                _text(entry, "resource", where),
                _text(entry, "status", where),
                info="; ".join(map(str, details)) or name,
                exception_reason=exception.get("reason") if isinstance(exception, dict) else None,
                level=str(entry.get("level") or "error"),
            )
        )
    return out, data.get("ok") is True


@dataclass(frozen=True)
class GateFile:
    """A gate.json read back: rule results, verdict, and the artifact the gate judged."""

    lines: tuple[RuleResult, ...]
    ok: bool
    binding: ArtifactBinding | None


def load_gate_file(path: Path, stack: str) -> GateFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path.name}: gate results file not found") from None
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path.name}: not valid JSON: {err}") from None
    lines, ok = parse_gate_json(data, stack, source=path.name)
    binding = None
    if isinstance(data, dict) and "artifact" in data:
        try:
            binding = parse_binding(data["artifact"], path.name)
        except BindingError as err:
            raise ResultsError(str(err)) from None
    return GateFile(tuple(lines), ok, binding)


def load_gate_json(path: Path, stack: str) -> tuple[list[RuleResult], bool]:
    gate = load_gate_file(path, stack)
    return list(gate.lines), gate.ok
