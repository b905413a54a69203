"""The whole configuration (``StackConfig``, read through pydantic-settings from
``load_config``'s mapping, never from os.environ) and its knobs as one flat list."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lib.config.alarms import ENVIRONMENT_TIERS, AlarmConfig
from lib.config.audit import AccountBaselineConfig, AuditConfig, CollectorConfig, EvidenceConfig
from lib.config.backend import BackendConfig
from lib.config.base import Section, Violation
from lib.config.compute import RetryConfig, WorkerConfig
from lib.config.database import DatabaseConfig
from lib.config.identity import DEFAULT_REGION, EU_REGION_RULE, PROJECT, SUFFIX_RULE, TagConfig
from lib.config.ingestion import StreamConfig
from lib.config.network import NetworkConfig
from lib.config_fields import Lower, Text, allowed, knob, one_of, type_name

# load_config's mapping, for the settings source below (empty: ``StackConfig()`` = defaults).
_ENVIRON: ContextVar[Mapping[str, str]] = ContextVar("environ")


class _KnobSource(PydanticBaseSettingsSource):
    """Each knob's raw string from ``load_config``'s mapping, nested into its section.
    pydantic-settings' own EnvSettingsSource reads only ``os.environ`` and matches top-level
    fields; our variables are flat while the sections nest, so this source does the lookup."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every knob at once

    def __call__(self) -> dict[str, Any]:
        environ, values = _ENVIRON.get({}), dict[str, Any]()
        for k in (k for k in KNOBS if k.env in environ):
            (values.setdefault(k.section, {}) if k.section else values)[k.env] = environ[k.env]
        return values


class StackConfig(BaseSettings):
    """The whole configuration. ``StackConfig(...)`` takes Python values (tests, defaults);
    ``load_config`` reads it from an environment mapping and also checks ``RELATIONS``."""

    model_config = SettingsConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        case_sensitive=True,
        use_attribute_docstrings=True,
    )

    environment_suffix: Annotated[Text, SUFFIX_RULE] = knob("ENVIRONMENT_SUFFIX", "dev")
    """Suffix of every resource name (`streamflix-<component>-<suffix>`) and of the stack."""
    region: Annotated[Lower, EU_REGION_RULE] = knob("STREAMFLIX_REGION", DEFAULT_REGION)
    """AWS region of the stack; only regions in EU member states are accepted."""
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    stream: StreamConfig = Field(default_factory=StreamConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    worker: WorkerConfig = Field(default_factory=WorkerConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    alarms: AlarmConfig = Field(default_factory=AlarmConfig)
    # Declared beside the alarm recipients it is checked against (the docs list it there too).
    environment_tier: Annotated[Lower, one_of(*ENVIRONMENT_TIERS)] = knob(
        "STREAMFLIX_ENVIRONMENT_TIER", "development"
    )
    """What the environment is for; `production` refuses a stack whose alerts reach no one."""
    backend: BackendConfig = Field(default_factory=BackendConfig)
    tags: TagConfig = Field(default_factory=TagConfig)
    collector: CollectorConfig = Field(default_factory=CollectorConfig)  # issue 13
    account: AccountBaselineConfig = Field(default_factory=AccountBaselineConfig)  # issue 25
    audit: AuditConfig = Field(default_factory=AuditConfig)  # issue 25
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)  # issue 22

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Python values first, then the knobs of ``load_config``'s mapping; never os.environ."""
        return init_settings, _KnobSource(settings_cls)

    @property
    def stack_name(self) -> str:
        return f"{PROJECT}-{self.environment_suffix}"

    def required_tags(self) -> dict[str, str]:
        """The tag set every taggable resource carries (applied through provider default_tags)."""
        return {
            "Project": PROJECT,
            "Environment": self.environment_suffix,
            "Owner": self.tags.owner,
            "CostCenter": self.tags.cost_center,
            "DataClassification": self.tags.data_classification,
            "ComplianceScope": self.tags.compliance_scope,
            "ManagedBy": "cdktf",
        }


# ---------------------------------------------------------------------------------------------
# The knobs as one flat list (errors, unknown-variable hints, docs, tests)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knob:
    """One environment variable as its field declares it (for errors, hints, docs and tests)."""

    env: str
    section: str  # attribute of StackConfig ("" for top level)
    attr: str
    model: type[BaseModel]  # the section model (or StackConfig) declaring it
    default: Any
    type_name: str
    allowed: str
    doc: str

    def value_in(self, cfg: StackConfig) -> Any:
        base: Any = getattr(cfg, self.section) if self.section else cfg
        return getattr(base, self.attr)

    def parse(self, raw: str) -> Any:
        """``raw`` as this knob reads it (raises pydantic's ValidationError when it cannot)."""
        return getattr(self.model.model_validate({self.env: raw}), self.attr)

    def violation(self, value: str, problem_text: str) -> Violation:
        return Violation(self.env, value, f"{problem_text}; allowed: {self.allowed}")


def knobs_of(model: type[BaseModel], section: str = "") -> Iterator[Knob]:
    """The knobs ``model`` declares, in declaration order, descending into its sections."""
    for attr, info in model.model_fields.items():
        if isinstance(info.validation_alias, str):
            doc = " ".join((info.description or "").split())  # docstrings wrap lines
            shown = (info.default, type_name(info), allowed(info), doc)
            yield Knob(info.validation_alias, section, attr, model, *shown)
        elif isinstance(info.annotation, type) and issubclass(info.annotation, Section):
            yield from knobs_of(info.annotation, attr)


KNOBS: tuple[Knob, ...] = tuple(knobs_of(StackConfig))
KNOBS_BY_ENV: dict[str, Knob] = {knob.env: knob for knob in KNOBS}
REQUIRED_TAG_KEYS: tuple[str, ...] = tuple(StackConfig().required_tags())
