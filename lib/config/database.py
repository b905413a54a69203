"""The Aurora Serverless v2 knobs: engine version, capacity, backups, names, secret rotation."""

from __future__ import annotations

import re
from typing import Annotated

from lib.config.base import Section
from lib.config_fields import Integer, Number, Rule, Text, in_steps_of, knob

ACU_MAX = 256.0
ACU_STEP = 0.5
# Aurora Serverless v2 scales to 0 ACU (auto-pause) only from these PostgreSQL minors on.
AUTO_PAUSE_MIN_MINOR = 3
IDENTIFIER_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED_DB_IDENTIFIERS = frozenset({"postgres", "rdsadmin", "admin", "user", "public"})
ENGINE_VERSION_PATTERN = re.compile(r"^16\.(\d+)$")
# The Aurora PostgreSQL 16 long-term-support minor: creatable for at least three years, where a
# regular minor is usually retired after ~12 months. Sources: Aurora user guide, "Using an Aurora
# PostgreSQL long-term support (LTS) release" (docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/
# AuroraPostgreSQL.Updates.LTS.html) and the release calendar. Re-check with
# `aws rds describe-db-engine-versions` (docs/deploying.md).
AURORA_PG16_LTS_VERSION = "16.8"


def _identifier_problem(value: str) -> str | None:
    if not IDENTIFIER_PATTERN.match(value):
        return "has the wrong form"
    return "is reserved by RDS/PostgreSQL" if value in RESERVED_DB_IDENTIFIERS else None


def _engine_problem(value: str) -> str | None:
    return None if ENGINE_VERSION_PATTERN.match(value) else "is not an Aurora PostgreSQL 16 version"


IDENTIFIER_RULE = Rule(
    "1-63 of a-z 0-9 _, starting with a letter; not postgres, rdsadmin, admin, user, public",
    _identifier_problem,
)
ENGINE_RULE = Rule(
    f"an Aurora PostgreSQL 16.x version, e.g. {AURORA_PG16_LTS_VERSION}", _engine_problem
)


class DatabaseConfig(Section):
    engine_version: Annotated[Text, ENGINE_RULE] = knob(
        "STREAMFLIX_DB_ENGINE_VERSION", AURORA_PG16_LTS_VERSION
    )
    """Aurora PostgreSQL engine version the cluster is created with (default: the 16.x
    long-term-support minor); later minor upgrades are AWS's, see docs/deploying.md."""
    min_acu: Annotated[Number, in_steps_of(ACU_STEP)] = knob(
        "STREAMFLIX_DB_MIN_ACU", 0.5, ge=0, le=ACU_MAX, unit="ACU"
    )
    """Aurora Serverless v2 minimum capacity; 0 pauses an idle cluster (engine 16.3+)."""
    max_acu: Annotated[Number, in_steps_of(ACU_STEP)] = knob(
        "STREAMFLIX_DB_MAX_ACU", 4.0, ge=1, le=ACU_MAX, unit="ACU"
    )
    """Aurora Serverless v2 maximum capacity."""
    backup_retention_days: Integer = knob(
        "STREAMFLIX_DB_BACKUP_RETENTION_DAYS", 7, ge=7, le=35, unit="days"
    )
    """Automated backup retention, i.e. the point-in-time recovery window (AWS allows 1-35; our
    floor is 7)."""
    database_name: Annotated[Text, IDENTIFIER_RULE] = knob("STREAMFLIX_DB_NAME", "streamflix")
    """Name of the metadata database."""
    master_username: Annotated[Text, IDENTIFIER_RULE] = knob(
        "STREAMFLIX_DB_MASTER_USERNAME", "streamflix_admin"
    )
    """Master user name (its password is generated and kept by RDS in Secrets Manager)."""
    secret_rotation_days: Integer = knob(
        "STREAMFLIX_SECRET_ROTATION_DAYS", 30, ge=1, le=30, unit="days"
    )
    """Rotation interval of the database secret (policy: at most 30 days)."""
