"""Refuse a Terraform plan that deletes or replaces a resource holding data.

``python -m policies.plan_guard <plan.json> [--allow ADDRESS_OR_TYPE=REASON ...]`` reads the JSON
of a saved plan (``terraform show -json plan.tfplan > plan.json``) and exits 1, naming each
resource, when the plan would delete or replace a bucket, the Aurora cluster, the stream, a secret,
a KMS key, a log group, the backup vault, the ECR repository or a queue: each of those loses data
(objects, rows, records, letters, logs, images, key material) when it is destroyed. A pipeline
runs it between ``plan`` and ``apply``. An intended replacement is let through only with
``--allow`` naming the resource (address or type) and the reason, which is printed with the verdict.

Exit codes: 0 nothing refused; 1 a change refused; 2 the plan file is missing or not a plan.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.resource_facts import select

# Resource types whose destruction destroys data, with what is lost (the ``loses`` column of
# core.resource_facts).
DATA_HOLDING_TYPES: Mapping[str, str] = select(lambda row: row.loses)


class PlanFileError(ValueError):
    """The file is not the JSON of a Terraform plan."""


@dataclass(frozen=True)
class Refusal:
    address: str
    resource_type: str
    actions: tuple[str, ...]
    loses: str

    @property
    def kind(self) -> str:
        return "replace" if "create" in self.actions else "delete"

    def __str__(self) -> str:
        return f"REFUSED {self.kind} {self.address}: loses {self.loses}"


@dataclass(frozen=True)
class Verdict:
    refused: tuple[Refusal, ...]
    allowed: tuple[tuple[Refusal, str], ...]
    checked: int

    @property
    def ok(self) -> bool:
        return not self.refused


def load_plan(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise PlanFileError(f"{path}: not readable as JSON ({err})") from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise PlanFileError(
            f"{path}: not a plan in Terraform's JSON format (no format_version); write it "
            "with: terraform show -json plan.tfplan > plan.json"
        )
    return data


def _destroys(actions: Sequence[str]) -> bool:
    """delete, or a replacement in either order; "forget" (a removed block) destroys nothing."""
    return "delete" in actions


def judge(plan: Mapping[str, Any], allow: Mapping[str, str] | None = None) -> Verdict:
    """Every delete or replace of a data-holding resource, split into refused and allowed."""
    allow = allow or {}
    refused: list[Refusal] = []
    allowed: list[tuple[Refusal, str]] = []
    changes = plan.get("resource_changes") or []
    for rc in changes:
        rtype = str(rc.get("type"))
        actions = tuple((rc.get("change") or {}).get("actions") or ())
        if rc.get("mode", "managed") != "managed" or rtype not in DATA_HOLDING_TYPES:
            continue
        if not _destroys(actions):
            continue
        refusal = Refusal(str(rc.get("address")), rtype, actions, DATA_HOLDING_TYPES[rtype])
        reason = allow.get(refusal.address) or allow.get(rtype)
        if reason:
            allowed.append((refusal, reason))
        else:
            refused.append(refusal)
    return Verdict(tuple(refused), tuple(allowed), len(changes))


def _allowances(values: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        target, sep, reason = value.partition("=")
        if not sep or not target.strip() or len(reason.strip()) < 10:
            raise SystemExit(
                f"--allow {value!r}: give ADDRESS_OR_TYPE=REASON with a reason of at least 10 "
                "characters (why losing this data is intended)"
            )
        out[target.strip()] = reason.strip()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policies.plan_guard", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("plan", type=Path, help="terraform show -json of a saved plan")
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="ADDRESS_OR_TYPE=REASON",
        help="let one intended delete/replace through, with the reason",
    )
    args = parser.parse_args(argv)
    try:
        verdict = judge(load_plan(args.plan), _allowances(args.allow))
    except PlanFileError as err:
        print(f"plan_guard: {err}", file=sys.stderr)
        return 2
    for refusal in verdict.refused:
        print(refusal)
    for refusal, reason in verdict.allowed:
        print(f"ALLOWED {refusal.kind} {refusal.address}: {reason}")
    print(
        f"plan_guard: {len(verdict.refused)} refused, {len(verdict.allowed)} allowed, "
        f"{verdict.checked} planned change(s) checked in {args.plan}"
    )
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
