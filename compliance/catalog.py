"""The controls catalog: what we claim, which law or benchmark it serves, and what proves it.

``catalog.yaml`` is validated by these pydantic models so that a typo in a regulation reference,
an evidence id in the wrong namespace or a runtime control without its runtime source fails at
load time with the field named. Control ids (``SFX-CTL-<AREA>-<NN>``) are a different namespace
from aspect rule ids (``SFX-<FAMILY>-...``, never ``SFX-CTL-``) and Checkov ids (``CKV_...``).
Whether the evidence *exists* (a known check, a collected test, a resource in the stack) is
checked by ``compliance.registry`` and the tests, not here: this module only knows the shapes.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from compliance.collect.checks import CHECKS_BY_ID
from core.rule_ids import ASPECT_RULE_ID, CHECKOV_ID, CONTROL_ID, CONTROL_PREFIX
from core.yamlfile import read_yaml

DEFAULT_PATH = Path(__file__).with_name("catalog.yaml")

TEST_NODE_ID = r"^tests/[\w/]+\.py::\w+(?:::\w+)?(?:\[[\w.-]+\])?$"
RESOURCE_GLOB = r"^aws_[a-z0-9_]+\.[A-Za-z0-9_*?]+$"
SCOPE_GLOB = r"^(?:aws_[a-z0-9_]+|\*)\.[A-Za-z0-9_*?]+$"  # "*.audit_trail_bucket_*" allowed
TRAIL_SETTING = r"^[a-z][a-z0-9_]*$"

ControlId = Annotated[str, StringConstraints(pattern=CONTROL_ID)]


def _not_a_control_id(value: str) -> str:
    if value.startswith(CONTROL_PREFIX):
        raise ValueError(f"{value!r} is a control id (SFX-CTL-...), not an aspect rule id")
    return value


AspectRuleId = Annotated[
    str, StringConstraints(pattern=ASPECT_RULE_ID), AfterValidator(_not_a_control_id)
]
CheckovId = Annotated[str, StringConstraints(pattern=CHECKOV_ID)]
TestNodeId = Annotated[str, StringConstraints(pattern=TEST_NODE_ID)]
ResourceGlob = Annotated[str, StringConstraints(pattern=RESOURCE_GLOB)]
ScopeGlob = Annotated[str, StringConstraints(pattern=SCOPE_GLOB)]
TrailSetting = Annotated[str, StringConstraints(pattern=TRAIL_SETTING)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]


def _known_check(value: str) -> str:
    """A collector check id (``compliance.collect.checks``): the catalog may name no other."""
    if value not in CHECKS_BY_ID:
        raise ValueError(
            f"unknown collector check {value!r}; one of {', '.join(sorted(CHECKS_BY_ID))}"
        )
    return value


CheckId = Annotated[str, AfterValidator(_known_check)]


class CatalogError(ValueError):
    """The catalog file is missing, not YAML, or breaks the schema (message names the field)."""


class Regulation(StrEnum):
    GDPR = "GDPR"
    NIS2 = "NIS2"
    DSA = "DSA"
    AVMSD = "AVMSD"
    DSM = "DSM"
    CIS = "CIS-AWS-3.0"


REGULATION_TITLES: dict[Regulation, str] = {
    Regulation.GDPR: "GDPR (Regulation (EU) 2016/679)",
    Regulation.NIS2: "NIS2 (Directive (EU) 2022/2555)",
    Regulation.DSA: "Digital Services Act (Regulation (EU) 2022/2065)",
    Regulation.AVMSD: "AVMSD (Directive 2010/13/EU as amended by 2018/1808)",
    Regulation.DSM: "DSM Copyright Directive (Directive (EU) 2019/790)",
    Regulation.CIS: "CIS Amazon Web Services Foundations Benchmark v3.0.0",
}

REFERENCES_PATH = Path(__file__).with_name("references.yaml")
DIRECTIVES = frozenset({Regulation.NIS2, Regulation.AVMSD, Regulation.DSM})
# ISO 3166-1 alpha-2 codes of the EU member states (EL is the EU's code for Greece).
MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def _load_references(path: Path = REFERENCES_PATH) -> dict[Regulation, dict[str, str]]:
    """Regulation -> {reference: one-line title}, in legal order, from references.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {reg: {str(r["ref"]): str(r["title"]) for r in data[reg.value]} for reg in Regulation}


REFERENCE_TITLES: dict[Regulation, dict[str, str]] = _load_references()

# The references this project may cite, per regulation. A reference outside this table is a
# schema error: extending the scope is a reviewed change to references.yaml, not a catalog typo.
ALLOWED_REFERENCES: dict[Regulation, tuple[str, ...]] = {
    reg: tuple(refs) for reg, refs in REFERENCE_TITLES.items()
}


class Relationship(StrEnum):
    """How a control relates to the requirement it is mapped to."""

    IMPLEMENTS = "implements"  # operating as stated, the control meets the requirement
    SUPPORTS = "supports"  # contributes to it; other measures are needed as well
    GAP = "gap"  # the requirement applies and this control does NOT meet it (yet)


class ControlKind(StrEnum):
    """How a control can be proven (see ../shared/README.md §5: design-time vs runtime)."""

    DESIGN_TIME = "design-time"  # proven on the synthesized artifact by checks and tests
    RUNTIME = "runtime"  # holds only if operating evidence over time shows it
    APPLICATION_RECORD = "application-record"  # records kept by the application's database
    ORGANISATIONAL = "organisational"  # a process or a document, reviewed by people


class RuntimeSource(StrEnum):
    """Where operating evidence for a runtime control comes from (collected outside CI)."""

    CLOUDTRAIL = "cloudtrail"
    CONFIG_HISTORY = "config-history"
    BACKUP_REPORTS = "backup-reports"
    ALARM_HISTORY = "alarm-history"
    SECRETS_ROTATION_HISTORY = "secrets-rotation-history"
    SECURITY_HUB = "security-hub"


RUNTIME_SOURCE_TITLES: dict[RuntimeSource, str] = {
    RuntimeSource.CLOUDTRAIL: "CloudTrail trail status, digest files and event history",
    RuntimeSource.CONFIG_HISTORY: "AWS Config configuration history and rule evaluations",
    RuntimeSource.BACKUP_REPORTS: "AWS Backup job and restore-testing reports",
    RuntimeSource.ALARM_HISTORY: "CloudWatch alarm history and SNS delivery logs",
    RuntimeSource.SECRETS_ROTATION_HISTORY: "Secrets Manager rotation history (RotationSucceeded)",
    RuntimeSource.SECURITY_HUB: "Security Hub status per region (describe-hub) and its findings",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


OneLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=240)]


def _one_line(value: str) -> str:
    if "\n" in value:
        raise ValueError("the rationale is one line")
    return value


class Requirement(_Frozen):
    """One mapping of a control to a legal article or benchmark recommendation."""

    regulation: Regulation
    ref: str
    relationship: Relationship
    rationale: Annotated[OneLine, AfterValidator(_one_line)]  # why this relationship holds

    @model_validator(mode="after")
    def _known_reference(self) -> Requirement:
        allowed = ALLOWED_REFERENCES[self.regulation]
        if self.ref not in allowed:
            raise ValueError(
                f"{self.regulation.value} reference {self.ref!r} is not one we "
                f"claim; allowed: {', '.join(allowed)}"
            )
        return self

    @property
    def label(self) -> str:
        return f"{self.regulation.value} {self.ref}"

    @property
    def covers(self) -> bool:
        """Whether the mapping counts as coverage (a gap is a finding, not coverage)."""
        return self.relationship is not Relationship.GAP


class Evidence(_Frozen):
    """Evidence named by kind, so an aspect rule id can never be read as a control or check."""

    aspect_rules: tuple[AspectRuleId, ...] = ()
    checkov_checks: tuple[CheckovId, ...] = ()
    tests: tuple[TestNodeId, ...] = ()
    resources: tuple[ResourceGlob, ...] = ()  # Terraform address globs, each must match
    trail_settings: tuple[TrailSetting, ...] = ()  # aws_cloudtrail arguments this control explains
    # Topics that must have at least one subscription in the stack (CIS 4.x: "at least one
    # active subscriber"); the subscription's confirmation is a runtime part.
    topic_subscribers: tuple[ResourceGlob, ...] = ()
    # Limits aspect and Checkov evidence to results on these addresses: a control about the
    # trail bucket is not decided by a rule's result on another bucket.
    scope: tuple[ScopeGlob, ...] = ()

    @property
    def executable(self) -> bool:
        """True if something runs to prove it (a resource merely existing proves little)."""
        return bool(self.aspect_rules or self.checkov_checks or self.tests)

    @model_validator(mode="after")
    def _no_duplicates(self) -> Evidence:
        for name in (
            "aspect_rules",
            "checkov_checks",
            "tests",
            "resources",
            "trail_settings",
            "topic_subscribers",
            "scope",
        ):
            values: tuple[str, ...] = getattr(self, name)
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{name} lists {dupes} more than once")
        if self.scope and not (self.aspect_rules or self.checkov_checks):
            raise ValueError("scope limits aspect rules and Checkov checks; name at least one")
        return self


class Control(_Frozen):
    id: ControlId
    title: Text
    statement: Text
    kind: ControlKind
    requirements: tuple[Requirement, ...] = Field(min_length=1)
    evidence: Evidence = Evidence()
    runtime_evidence: tuple[RuntimeSource, ...] = ()
    # A runtime control for an account baseline (AWS Config, Security Hub) that this stack does
    # not deploy: reported as "account baseline, not in this stack", never as "designed in".
    account_baseline: bool = False
    # The part of a design-time control's requirement that only the running account can show
    # (a subscription confirmed, a trail logging): the control is then "designed in, runtime
    # part pending", never "satisfied".
    pending_runtime: Text | None = None
    # The collector checks (``compliance.collect.checks``) that show exactly that pending part:
    # with ``--runtime-evidence`` the control becomes satisfied when all of them are satisfied
    # and unexpired, not satisfied when one fails (``compliance.runtime_evidence``).
    pending_runtime_checks: tuple[CheckId, ...] = ()
    # What the design knowingly leaves out of a requirement the control is mapped to: the
    # control is then "partially satisfied" with the deviation stated, never "satisfied".
    deviation: Text | None = None
    notes: str | None = None
    owner: Text = "platform-team"

    @model_validator(mode="after")
    def _kind_matches_evidence(self) -> Control:
        if self.kind is ControlKind.DESIGN_TIME and not self.evidence.executable:
            raise ValueError(
                "a design-time control needs at least one aspect rule, Checkov "
                "check or test as evidence (a claim must trace to evidence that runs)"
            )
        if self.kind is ControlKind.RUNTIME and not self.runtime_evidence:
            raise ValueError("a runtime control must name its runtime_evidence sources")
        if self.kind is not ControlKind.RUNTIME and self.runtime_evidence:
            raise ValueError(
                f"runtime_evidence is only for kind 'runtime', not {self.kind.value!r}"
            )
        if self.account_baseline and self.kind is not ControlKind.RUNTIME:
            raise ValueError("account_baseline is only for kind 'runtime'")
        if self.account_baseline and self.evidence.executable:
            raise ValueError(
                "an account baseline is not in this stack: it cannot name evidence that runs on it"
            )
        for name in ("pending_runtime", "deviation"):
            if getattr(self, name) and self.kind is not ControlKind.DESIGN_TIME:
                raise ValueError(f"{name} is only for kind 'design-time'")
        if self.pending_runtime_checks and not self.pending_runtime:
            raise ValueError("pending_runtime_checks needs the pending_runtime they show")
        checks = self.pending_runtime_checks
        if dupes := sorted({c for c in checks if checks.count(c) > 1}):
            raise ValueError(f"pending_runtime_checks lists {dupes} more than once")
        return self

    @property
    def area(self) -> str:
        return self.id.split("-")[2]


class ProcessingRecord(_Frozen):
    """A GDPR Art. 30(1) style record of one processing activity (kept by the controller)."""

    name: Text
    controller: Text
    contact: Text
    purposes: tuple[Text, ...] = Field(min_length=1)
    data_subjects: tuple[Text, ...] = Field(min_length=1)
    data_categories: tuple[Text, ...] = Field(min_length=1)
    recipients: tuple[Text, ...] = Field(min_length=1)
    transfers: Text
    retention: Text
    security_measures: tuple[ControlId, ...] = Field(min_length=1)
    notes: str | None = None


class Catalog(_Frozen):
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    controls: tuple[Control, ...] = Field(min_length=1)
    processing_records: tuple[ProcessingRecord, ...] = Field(min_length=1)
    # Directives bind through national law: per directive, per member state (ISO code), the
    # transposing act and its provisions that add to the directive. Empty until filled in.
    national_law: dict[Regulation, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _national_law_is_per_directive_and_member_state(self) -> Catalog:
        for reg, states in self.national_law.items():
            if reg not in DIRECTIVES:
                raise ValueError(
                    f"national_law.{reg.value}: only directives bind through national law "
                    f"({', '.join(sorted(d.value for d in DIRECTIVES))})"
                )
            unknown = sorted(set(states) - MEMBER_STATES)
            if unknown:
                raise ValueError(
                    f"national_law.{reg.value}: {unknown} are not EU member-state codes"
                )
        return self

    @model_validator(mode="after")
    def _unique_and_linked(self) -> Catalog:
        ids = [c.id for c in self.controls]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"control ids must be unique; repeated: {dupes}")
        known = set(ids)
        for record in self.processing_records:
            missing = sorted(set(record.security_measures) - known)
            if missing:
                raise ValueError(
                    f"processing record {record.name!r} names unknown controls "
                    f"{missing} as security measures"
                )
        return self

    def control(self, control_id: str) -> Control:
        for control in self.controls:
            if control.id == control_id:
                return control
        raise KeyError(control_id)

    def by_regulation(self) -> dict[Regulation, list[Control]]:
        out: dict[Regulation, list[Control]] = {reg: [] for reg in Regulation}
        for control in self.controls:
            for reg in dict.fromkeys(r.regulation for r in control.requirements):
                out[reg].append(control)
        return out


def _format_error(err: ValidationError) -> str:
    lines = []
    for item in err.errors():
        loc = ".".join(str(p) for p in item["loc"])
        lines.append(f"{loc}: {item['msg']}")
    return "; ".join(lines)


def parse_catalog(data: Any, source: str = "catalog") -> Catalog:
    try:
        return Catalog.model_validate(data)
    except ValidationError as err:
        raise CatalogError(f"{source}: {_format_error(err)}") from None


def load_catalog(path: Path | str = DEFAULT_PATH) -> Catalog:
    path = Path(path)
    return parse_catalog(read_yaml(path, "catalog", CatalogError), source=path.name)
