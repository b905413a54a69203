"""Versioned SQL migrations (``V001__name.sql`` ...) applied in order, each exactly once.

Run as a one-off ECS task (``python -m streamflix_worker migrate``). An advisory lock makes
concurrent runs wait for each other, and a checksum stops an applied file from being edited.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

MIGRATION_RE = re.compile(r"^V(\d{3,})__([a-z0-9_]+)\.sql$")
LOCK_KEY = 7_004_211  # arbitrary, fixed: serializes migration runs
# worker/src/streamflix_worker -> worker/migrations; the image keeps the same layout under /app.
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger(__name__)


class MigrationError(RuntimeError):
    """A migration file is malformed, or an applied one was changed."""


@dataclass(frozen=True)
class Migration:
    """One versioned SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path) -> list[Migration]:
    """Read and order the migration files; reject bad names and duplicate versions."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_RE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: name must look like V001__snake_case.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version} is used twice")
        found[version] = Migration(version, match.group(2), path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    checksum    char(64)    NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def log_server_message(diag: psycopg.errors.Diagnostic) -> None:
    """A migration's RAISE NOTICE/WARNING (e.g. a step skipped on a server without pgaudit)
    must reach the task's log, not vanish."""
    level = logging.WARNING if diag.severity_nonlocalized == "WARNING" else logging.INFO
    log.log(level, "migration: %s", diag.message_primary)


def apply_migrations(conn: psycopg.Connection[tuple[object, ...]], directory: Path) -> list[int]:
    """Apply pending migrations, one transaction each; return the versions applied now."""
    conn.add_notice_handler(log_server_message)
    try:
        return _apply(conn, load_migrations(directory))
    finally:
        conn.remove_notice_handler(log_server_message)


def _apply(conn: psycopg.Connection[tuple[object, ...]], migrations: list[Migration]) -> list[int]:
    applied_now: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(_BOOTSTRAP)
    for migration in migrations:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            row = conn.execute(
                "SELECT checksum FROM schema_migrations WHERE version = %s", (migration.version,)
            ).fetchone()
            if row is not None:
                if str(row[0]) != migration.checksum:
                    raise MigrationError(
                        f"V{migration.version:03d} was changed after it was applied"
                    )
                continue
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            applied_now.append(migration.version)
    return applied_now


def pending_versions(conn: psycopg.Connection[tuple[object, ...]], directory: Path) -> list[int]:
    """Versions in ``directory`` not yet applied: the worker refuses to start if any."""
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    applied: set[int] = set()
    if row is not None and row[0]:
        applied = {int(str(r[0])) for r in conn.execute("SELECT version FROM schema_migrations")}
    return [m.version for m in load_migrations(directory) if m.version not in applied]
