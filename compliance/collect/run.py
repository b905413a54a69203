"""Run every check family against one account and write ``runtime-evidence.json``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from compliance.collect.checks import CHECKS_BY_ID, FAMILIES
from compliance.collect.context import Context
from compliance.collect.design import Design
from compliance.collect.model import EVIDENCE_FILE, EvidenceItem, RuntimeEvidence
from core.binding import ArtifactBinding


class ValidityError(ValueError):
    """A ``--validity`` override names an unknown check or a non-positive number of hours."""


def parse_validity(pairs: list[str]) -> dict[str, int]:
    """``["workers.lag=2"]`` -> ``{"workers.lag": 2}``; errors name the pair and the rule."""
    out: dict[str, int] = {}
    for pair in pairs:
        check, sep, hours = pair.partition("=")
        if not sep or check not in CHECKS_BY_ID:
            raise ValidityError(
                f"--validity {pair!r}: expected CHECK=HOURS with CHECK one of "
                f"{', '.join(sorted(CHECKS_BY_ID))}"
            )
        if not hours.isdigit() or int(hours) < 1:
            raise ValidityError(f"--validity {pair!r}: HOURS must be a whole number >= 1")
        out[check] = int(hours)
    return out


@dataclass(frozen=True)
class Target:
    """Where to collect: a boto3 session (credentials, event hooks) and an optional endpoint."""

    session: Any  # boto3.Session
    region: str
    endpoint: str | None = None

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.region, endpoint_url=self.endpoint)

    @classmethod
    def default(cls, region: str, endpoint: str | None) -> Target:
        return cls(boto3.Session(region_name=region), region, endpoint)


def collect(
    design: Design,
    target: Target,
    validity: Mapping[str, int] | None = None,
    now: datetime | None = None,
    seed: int | None = None,
    binding: ArtifactBinding | None = None,
) -> RuntimeEvidence:
    """Run every family; ``binding`` names the synthesized stack file the design was read from
    (recorded in the evidence so the report can refuse evidence of another artifact)."""
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    identity = target.client("sts").get_caller_identity()
    account_id = str(identity["Account"])
    ctx = Context(
        target.client,
        account_id,
        target.region,
        when,
        seed if seed is not None else int(when.timestamp()),
    )
    hours = {c.id: c.validity_hours for c in CHECKS_BY_ID.values()} | dict(validity or {})
    items = tuple(
        EvidenceItem.stamp(f, when, hours[f.check.id])
        for family in FAMILIES
        for f in family.collect(ctx, design)
    )
    return RuntimeEvidence(
        account_id,
        target.region,
        design.stack_name,
        when,
        target.endpoint,
        items,
        binding.sha256 if binding else None,
        binding.commit if binding else None,
        str(identity.get("Arn") or "") or None,
    )


def write_evidence(evidence: RuntimeEvidence, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / EVIDENCE_FILE
    path.write_text(json.dumps(evidence.to_json(), indent=2) + "\n", encoding="utf-8")
    return path
