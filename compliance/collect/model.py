"""The evidence model shared by every check family and by the report (``runtime_evidence``).

One ``EvidenceItem`` per check and resource: what was asked (API call), of what (ARN), what came
back (observed), what the synthesized stack says (expected), the verdict and how long it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from compliance.collect.sampling import TABLE_SOURCE, draw

SCHEMA_VERSION = "1.0.0"
EVIDENCE_FILE = "runtime-evidence.json"

Json = Any


class ItemStatus(StrEnum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not-satisfied"
    ERROR = "error"  # the call failed or the answer could not be decided: counts as not run


_CHECK_ID = re.compile(r"^[a-z]+\.[a-z0-9-]+$")
_ACTION = re.compile(r"^[a-z0-9-]+:(Describe|Get|List|Lookup)[A-Za-z]+$")


class DeclarationError(ValueError):
    """A check declaration that could not be wired: the message names the check and the field."""


@dataclass(frozen=True)
class Read:
    """One read-only IAM action a check calls, and the resources IAM can limit it to.

    ``resource`` is the ARN pattern of the stack's resources the action acts on, or ``*`` when
    IAM allows nothing narrower for it (Service Authorization Reference: the action has no
    resource type). The collector's IAM policy (compliance/collector-policy.json, the role and
    the scheduled task's role) is generated from these declarations alone."""

    action: str
    resource: str = "*"

    def __post_init__(self) -> None:
        if not _ACTION.match(self.action):
            raise DeclarationError(
                f"Read.action={self.action!r}: must be service:Describe|Get|List|Lookup... "
                "(the collector only reads)"
            )
        if self.resource != "*" and not self.resource.startswith("arn:aws:"):
            raise DeclarationError(
                f"Read({self.action}).resource={self.resource!r}: '*' or an arn:aws: pattern"
            )

    @property
    def service(self) -> str:
        return self.action.split(":", 1)[0]


@dataclass(frozen=True)
class FreshGap:
    """Why a correct, newly created environment cannot satisfy a check yet, and until when
    (docs/deploying.md, "What a fresh environment cannot show yet", is generated from these)."""

    why: str
    until: str


@dataclass(frozen=True)
class Check:
    """A check the collector runs, declared once beside the code that runs it: its id, the
    catalog controls it proves, what it proves, its validity, the AWS reads it makes, and why a
    fresh environment cannot satisfy it yet (if so). The IAM policy, the check tables of the
    docs and the fresh-environment table are generated from these declarations
    (``python -m compliance.collect.generate``)."""

    id: str
    controls: tuple[str, ...]
    proves: str
    validity_hours: int
    drift: bool = True  # a mismatch of observed vs expected is configuration drift
    account_baseline: bool = False  # evidence about the account, not about the stack
    reads: tuple[Read, ...] = ()
    fresh: FreshGap | None = None  # None: a fresh environment can satisfy it at once

    def __post_init__(self) -> None:
        where = f"check {self.id!r}"
        if not _CHECK_ID.match(self.id):
            raise DeclarationError(f"{where}: id must be <family>.<name> (lowercase, digits, -)")
        if not self.controls:
            raise DeclarationError(f"{where}: controls: names no catalog control it proves")
        if not self.reads:
            raise DeclarationError(f"{where}: reads: declares no AWS read action it calls")
        if self.validity_hours < 1:
            raise DeclarationError(f"{where}: validity_hours must be >= 1")

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(r.action for r in self.reads)


Collector = Callable[[Any, Any], "list[Finding]"]  # (Context, Design) -> findings


@dataclass(frozen=True)
class Family:
    """One check module: its checks and the function that runs them all (one pass over the
    account, so calls shared by several checks are made once). Registered in ``checks.FAMILIES``.
    """

    name: str
    checks: tuple[Check, ...]
    collect: Collector

    def __post_init__(self) -> None:
        stray = [c.id for c in self.checks if not c.id.startswith(f"{self.name}.")]
        if stray:
            raise DeclarationError(f"family {self.name!r}: check ids {stray} name another family")


@dataclass(frozen=True)
class Sampling:
    """How a population over a period was examined, so an auditor can re-perform it: the whole
    population (ids), the method, the seed, the frequency row of the size table and the sample
    (``compliance.collect.sampling``). ``redraw()`` repeats the draw from these fields alone."""

    population: int
    period_start: datetime
    period_end: datetime
    sample: tuple[str, ...]
    seed: int
    population_ids: tuple[str, ...] = ()
    method: str = ""
    frequency: str = ""
    size: int = 0  # the size the table gives (the sample is smaller only with a smaller population)

    def redraw(self) -> tuple[str, ...]:
        """The sample drawn again from the stored population and seed (no AWS call)."""
        if len(self.population_ids) != self.population:
            raise ValueError(
                f"sampling: population_size={self.population} but {len(self.population_ids)} "
                "population ids are stored; the sample cannot be re-drawn"
            )
        return draw(self.population_ids, self.seed, min(self.size, self.population))

    def to_json(self) -> dict[str, Json]:
        return {
            "population_size": self.population,
            "period": {"start": iso(self.period_start), "end": iso(self.period_end)},
            "sample": list(self.sample),
            "seed": self.seed,
            "population": list(self.population_ids),
            "method": self.method,
            "frequency": self.frequency,
            "sample_size_rule": {"size": self.size, "source": TABLE_SOURCE},
        }

    @classmethod
    def from_json(cls, s: dict[str, Json]) -> Sampling:
        rule = s.get("sample_size_rule") or {}
        return cls(
            int(s["population_size"]),
            parse_time(s["period"]["start"]),
            parse_time(s["period"]["end"]),
            tuple(s["sample"]),
            int(s["seed"]),
            tuple(s.get("population", ())),
            str(s.get("method", "")),
            str(s.get("frequency", "")),
            int(rule.get("size", 0)),
        )


@dataclass(frozen=True)
class Finding:
    """What one check family found for one resource (before time and validity are stamped)."""

    check: Check
    api_call: str
    resource_arn: str
    observed: Json
    expected: Json
    satisfied: bool | None  # None: could not be decided (error)
    detail: str = ""
    sampling: Sampling | None = None


@dataclass(frozen=True)
class EvidenceItem:
    check_id: str
    control_ids: tuple[str, ...]
    api_call: str
    resource_arn: str
    observed: Json
    expected: Json
    status: ItemStatus
    detail: str
    collected_at: datetime
    expires_at: datetime
    account_baseline: bool = False
    drift_tracked: bool = True
    sampling: Sampling | None = None

    @classmethod
    def stamp(cls, f: Finding, when: datetime, validity_hours: int) -> EvidenceItem:
        status = (
            ItemStatus.ERROR
            if f.satisfied is None
            else ItemStatus.SATISFIED
            if f.satisfied
            else ItemStatus.NOT_SATISFIED
        )
        return cls(
            f.check.id,
            f.check.controls,
            f.api_call,
            f.resource_arn,
            f.observed,
            f.expected,
            status,
            f.detail,
            when,
            when + timedelta(hours=validity_hours),
            f.check.account_baseline,
            f.check.drift,
            f.sampling,
        )

    @property
    def drifted(self) -> bool:
        """Designed vs deployed mismatch: the account answered, and not as synthesized."""
        return self.drift_tracked and self.status is ItemStatus.NOT_SATISFIED

    def to_json(self) -> dict[str, Json]:
        out: dict[str, Json] = {
            "check_id": self.check_id,
            "control_ids": list(self.control_ids),
            "api_call": self.api_call,
            "resource_arn": self.resource_arn,
            "observed": self.observed,
            "expected": self.expected,
            "status": self.status.value,
            "detail": self.detail,
            "collected_at": iso(self.collected_at),
            "expires_at": iso(self.expires_at),
            "account_baseline": self.account_baseline,
            "drift_tracked": self.drift_tracked,
        }
        if self.sampling is not None:
            out["sampling"] = self.sampling.to_json()
        return out

    @classmethod
    def from_json(cls, d: dict[str, Json]) -> EvidenceItem:
        s = d.get("sampling")
        sampling = Sampling.from_json(s) if s else None
        return cls(
            d["check_id"],
            tuple(d["control_ids"]),
            d["api_call"],
            d["resource_arn"],
            d["observed"],
            d["expected"],
            ItemStatus(d["status"]),
            d["detail"],
            parse_time(d["collected_at"]),
            parse_time(d["expires_at"]),
            bool(d["account_baseline"]),
            bool(d["drift_tracked"]),
            sampling,
        )


@dataclass(frozen=True)
class RuntimeEvidence:
    """Everything one collector run recorded (the runtime-evidence.json document)."""

    account_id: str
    region: str
    stack_name: str
    collected_at: datetime
    endpoint: str | None  # set when a local stand-in (not AWS) answered
    items: tuple[EvidenceItem, ...] = field(default=())
    # What the evidence describes and who read it (issue 21): the stack file's SHA-256 and the
    # commit it was synthesized from, and the identity that made the calls.
    stack_sha256: str | None = None
    commit: str | None = None
    caller_arn: str | None = None

    @property
    def simulated(self) -> bool:
        return self.endpoint is not None

    def to_json(self) -> dict[str, Json]:
        return {
            "schema_version": SCHEMA_VERSION,
            "account_id": self.account_id,
            "region": self.region,
            "stack_name": self.stack_name,
            "collected_at": iso(self.collected_at),
            "endpoint_url": self.endpoint,
            "stack_sha256": self.stack_sha256,
            "commit": self.commit,
            "caller_arn": self.caller_arn,
            "items": [i.to_json() for i in self.items],
            "drift": [
                {
                    "check_id": i.check_id,
                    "resource_arn": i.resource_arn,
                    "designed": i.expected,
                    "deployed": i.observed,
                }
                for i in self.items
                if i.drifted
            ],
        }

    @classmethod
    def from_json(cls, d: dict[str, Json]) -> RuntimeEvidence:
        return cls(
            d["account_id"],
            d["region"],
            d["stack_name"],
            parse_time(d["collected_at"]),
            d.get("endpoint_url"),
            tuple(EvidenceItem.from_json(i) for i in d["items"]),
            d.get("stack_sha256"),
            d.get("commit"),
            d.get("caller_arn"),
        )


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
