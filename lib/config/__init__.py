"""Typed, validated configuration for the StreamFlix stack.

Every knob is declared once, as a pydantic field on a section model (environment variable,
default, value type, rule, doc; see ``lib.config_fields``); rules that relate two knobs are
declared once in ``RELATIONS``. ``load_config`` reads the knobs through pydantic-settings,
collects every violation and raises one ``ConfigError`` naming each knob, its value and the
allowed range; nothing is synthesized from a value that failed. The same declarations render
docs/configuration.md (``python -m lib.config --markdown``), so the documentation cannot drift
from the code. This module imports no cdktf code, so a bad value fails in well under a second,
before the ~10 s provider import.

One module per concern; import from ``lib.config`` (this package), which re-exports them all:

- ``base``: ``ConfigError``, ``Violation`` and the ``Section`` model every group derives from;
- ``identity``: project name, knob prefix, EU regions, the suffix rule, the tag knobs;
- ``network``, ``backend`` (Terraform state), ``ingestion`` (Kinesis and the shard plan),
  ``compute`` (worker service, retries), ``database`` (Aurora), ``alarms`` (recipients,
  thresholds, environment tier), ``audit`` (collector role, account opt-ins, evidence store);
- ``settings``: ``StackConfig`` and the flat ``KNOBS`` list; ``relations``: ``RELATIONS``;
- ``loading``: ``load_config``/``config_warnings``; ``markdown``: the docs table and the CLI.
"""

from __future__ import annotations

from lib.config.alarms import (
    ALARM_RECIPIENT_KNOBS,
    EMAIL_MAX_LEN,
    EMAIL_PATTERN,
    EMAILS_RULE,
    ENVIRONMENT_TIERS,
    HTTPS_ENDPOINTS_RULE,
    HTTPS_URL_MAX_LEN,
    HTTPS_URL_PATTERN,
    SNS_TOPIC_ARN_PATTERN,
    TOPIC_ARN_RULE,
    AlarmConfig,
)
from lib.config.audit import (
    EVIDENCE_EXTRA_RETENTION_DAYS,
    PRINCIPAL_RULE,
    AccountBaselineConfig,
    AuditConfig,
    CollectorConfig,
    EvidenceConfig,
)
from lib.config.backend import (
    BUCKET_NAME_PATTERN,
    BUCKET_RULE,
    KEY_PREFIX_PATTERN,
    KEY_PREFIX_RULE,
    LOCK_TABLE_PATTERN,
    LOCK_TABLE_RULE,
    BackendConfig,
)
from lib.config.base import (
    ConfigError,
    Section,
    Violation,
)
from lib.config.compute import (
    FARGATE_SIZES,
    IMAGE_TAG_PATTERN,
    IMAGE_TAG_RULE,
    RetryConfig,
    WorkerConfig,
)
from lib.config.database import (
    ACU_MAX,
    ACU_STEP,
    AURORA_PG16_LTS_VERSION,
    AUTO_PAUSE_MIN_MINOR,
    ENGINE_RULE,
    ENGINE_VERSION_PATTERN,
    IDENTIFIER_PATTERN,
    IDENTIFIER_RULE,
    RESERVED_DB_IDENTIFIERS,
    DatabaseConfig,
)
from lib.config.identity import (
    DEFAULT_REGION,
    EU_MEMBER_STATE_REGIONS,
    EU_REGION_RULE,
    EU_REGIONS,
    KNOB_PREFIX,
    PROJECT,
    SUFFIX_RULE,
    TAG_RULE,
    TAG_VALUE_PATTERN,
    TagConfig,
)
from lib.config.ingestion import (
    ON_DEMAND_INITIAL_SHARDS,
    StreamConfig,
    shard_plan,
)
from lib.config.loading import (
    config_warnings,
    load_config,
)
from lib.config.markdown import (
    main,
    render_markdown,
)
from lib.config.network import (
    CIDR_RULE,
    RFC1918,
    NetworkConfig,
)
from lib.config.relations import (
    RELATIONS,
    Relation,
    open_shards,
)
from lib.config.settings import (
    KNOBS,
    KNOBS_BY_ENV,
    REQUIRED_TAG_KEYS,
    Knob,
    StackConfig,
    knobs_of,
)

__all__ = [
    "ACU_MAX",
    "ACU_STEP",
    "ALARM_RECIPIENT_KNOBS",
    "AURORA_PG16_LTS_VERSION",
    "AUTO_PAUSE_MIN_MINOR",
    "BUCKET_NAME_PATTERN",
    "BUCKET_RULE",
    "CIDR_RULE",
    "DEFAULT_REGION",
    "EMAILS_RULE",
    "EMAIL_MAX_LEN",
    "EMAIL_PATTERN",
    "ENGINE_RULE",
    "ENGINE_VERSION_PATTERN",
    "ENVIRONMENT_TIERS",
    "EU_MEMBER_STATE_REGIONS",
    "EU_REGIONS",
    "EU_REGION_RULE",
    "EVIDENCE_EXTRA_RETENTION_DAYS",
    "FARGATE_SIZES",
    "HTTPS_ENDPOINTS_RULE",
    "HTTPS_URL_MAX_LEN",
    "HTTPS_URL_PATTERN",
    "IDENTIFIER_PATTERN",
    "IDENTIFIER_RULE",
    "IMAGE_TAG_PATTERN",
    "IMAGE_TAG_RULE",
    "KEY_PREFIX_PATTERN",
    "KEY_PREFIX_RULE",
    "KNOBS",
    "KNOBS_BY_ENV",
    "KNOB_PREFIX",
    "LOCK_TABLE_PATTERN",
    "LOCK_TABLE_RULE",
    "ON_DEMAND_INITIAL_SHARDS",
    "PRINCIPAL_RULE",
    "PROJECT",
    "RELATIONS",
    "REQUIRED_TAG_KEYS",
    "RESERVED_DB_IDENTIFIERS",
    "RFC1918",
    "SNS_TOPIC_ARN_PATTERN",
    "SUFFIX_RULE",
    "TAG_RULE",
    "TAG_VALUE_PATTERN",
    "TOPIC_ARN_RULE",
    "AccountBaselineConfig",
    "AlarmConfig",
    "AuditConfig",
    "BackendConfig",
    "CollectorConfig",
    "ConfigError",
    "DatabaseConfig",
    "EvidenceConfig",
    "Knob",
    "NetworkConfig",
    "Relation",
    "RetryConfig",
    "Section",
    "StackConfig",
    "StreamConfig",
    "TagConfig",
    "Violation",
    "WorkerConfig",
    "config_warnings",
    "knobs_of",
    "load_config",
    "main",
    "open_shards",
    "render_markdown",
    "shard_plan",
]
