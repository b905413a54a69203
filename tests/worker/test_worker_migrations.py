"""Migrations against a real PostgreSQL: ordered, once only, tamper-evident; history append-only."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from streamflix_worker.migrations import (
    DEFAULT_DIR,
    MigrationError,
    apply_migrations,
    load_migrations,
)
from worker_testkit import Harness

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _app_conn(harness: Harness, role: bool) -> psycopg.Connection[tuple[object, ...]]:
    """As the worker's own login (``role``) or as the master user."""
    conn: psycopg.Connection[tuple[object, ...]] = harness.connect(as_worker=role)
    return conn


def test_files_are_versioned_and_ordered() -> None:
    versions = [m.version for m in load_migrations(DEFAULT_DIR)]
    assert versions == sorted(versions) == list(range(1, len(versions) + 1))


def test_bad_file_name_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "V001__ok.sql").write_text("SELECT 1;")
    (tmp_path / "002_bad.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"002_bad\.sql"):
        load_migrations(tmp_path)


def test_applied_once_and_recorded(harness: Harness) -> None:
    assert harness.migrate() == []  # the fixture already applied everything
    rows = harness.query("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == [m.version for m in load_migrations(DEFAULT_DIR)]
    tables = {
        r[0] for r in harness.query("SELECT tablename FROM pg_tables WHERE schemaname='public'")
    }
    assert {
        "videos",
        "video_status_history",
        "shard_leases",
        "shard_checkpoints",
        "schema_migrations",
    } <= tables


def test_changed_migration_is_detected(harness: Harness, tmp_path: Path) -> None:
    for migration in load_migrations(DEFAULT_DIR):
        sql = migration.sql + ("\n-- edited" if migration.version == 1 else "")
        (tmp_path / f"V{migration.version:03d}__{migration.name}.sql").write_text(sql)
    with _app_conn(harness, role=False) as conn, pytest.raises(MigrationError, match="V001"):
        apply_migrations(conn, tmp_path)


def _insert_history(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute(
        """
        INSERT INTO videos (video_id, schema_version, title, creator_id, uploaded_at,
            source_bucket, source_key, origin_country, european_work, rights_reference,
            age_rating, status, source_shard_id, source_sequence)
        VALUES ('00000000-0000-0000-0000-000000000001', 1, 't', 'c', now(), 'b', 'k', 'DE',
            true, 'r', '12', 'RECEIVED', 's', 1)
        """
    )
    conn.execute(
        "INSERT INTO video_status_history (video_id, to_status, worker_id, attempt) "
        "VALUES ('00000000-0000-0000-0000-000000000001', 'RECEIVED', 'w', 0)"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE video_status_history SET reason = 'x'",
        "DELETE FROM video_status_history",
        "TRUNCATE video_status_history",
    ],
)
def test_history_is_append_only_for_the_worker_role(harness: Harness, statement: str) -> None:
    with _app_conn(harness, role=True) as conn:
        _insert_history(conn)  # INSERT is allowed
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE video_status_history SET reason = 'x'",
        "DELETE FROM video_status_history",
        "TRUNCATE video_status_history",
    ],
)
def test_history_trigger_blocks_even_the_owner(harness: Harness, statement: str) -> None:
    with _app_conn(harness, role=False) as conn:
        _insert_history(conn)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)
    assert harness.query("SELECT count(*) FROM video_status_history")[0][0] == 1


def test_worker_refuses_to_run_on_an_unmigrated_database(
    standins, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from streamflix_worker.__main__ import main

    stack = standins.new_stack(shards=1)
    for key, value in stack.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("WORKER_ID", "early")
    # the worker's login is cluster-wide and may exist from other tests' migrations: make sure
    # it does and can log in, so only this database's missing schema stops the worker
    pg = standins.postgres
    if not pg.superuser("SELECT 1 FROM pg_roles WHERE rolname = 'streamflix_worker'"):
        pg.superuser("CREATE ROLE streamflix_worker LOGIN")
    pg.superuser("ALTER ROLE streamflix_worker LOGIN")
    pg.set_password(stack.worker_password, "streamflix_worker")
    assert main(["run"]) == 3
    assert "run `migrate` first" in capsys.readouterr().err


# --- pgAudit (issue 12 item 6) ----------------------------------------------------------------

PGAUDIT = DEFAULT_DIR / "V007__pgaudit.sql"


def test_pgaudit_role_comes_before_the_extension() -> None:
    sql = PGAUDIT.read_text()
    # AWS: create rds_pgaudit (named by pgaudit.role), then CREATE EXTENSION in the database
    assert sql.index("CREATE ROLE rds_pgaudit NOLOGIN") < sql.index(
        "CREATE EXTENSION IF NOT EXISTS pgaudit"
    )


def test_pgaudit_migration_creates_the_role_and_the_extension_or_warns(
    standins,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    stack = standins.new_stack(shards=1)
    with caplog.at_level("INFO", logger="streamflix_worker.migrations"):
        assert 7 in standins.migrate(stack)
    pg = standins.postgres
    assert pg.superuser("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'rds_pgaudit'") == [
        (False,)
    ]
    available = pg.superuser("SELECT 1 FROM pg_available_extensions WHERE name = 'pgaudit'")
    created = pg.superuser("SELECT 1 FROM pg_extension WHERE extname = 'pgaudit'", stack.db_name)
    skipped = [r for r in caplog.records if "pgaudit is not available" in r.getMessage()]
    if available:
        assert created and not skipped
    else:  # plain PostgreSQL (pgserver ships no pgaudit): skipped, and the log says so
        assert not created
        assert [r.levelname for r in skipped] == ["WARNING"]


def test_pgaudit_migration_is_idempotent(harness: Harness) -> None:
    sql = PGAUDIT.read_bytes()
    with _app_conn(harness, role=False) as conn:
        conn.execute(sql)  # already applied by the fixture: a second run changes nothing
        conn.execute(sql)
    rows = harness.query("SELECT count(*) FROM pg_roles WHERE rolname = 'rds_pgaudit'")
    assert rows == [(1,)]


def test_on_rds_the_extension_is_never_skipped(harness: Harness) -> None:
    """Where rds_superuser exists (RDS), a missing pgaudit fails the migration loudly."""
    pg = harness.standins.postgres
    if pg.superuser("SELECT 1 FROM pg_available_extensions WHERE name = 'pgaudit'"):
        pytest.skip("this PostgreSQL ships pgaudit: the skip branch cannot be exercised")
    conninfo = pg.superuser_conninfo.replace("dbname=postgres", f"dbname={harness.stack.db_name}")
    with psycopg.connect(conninfo) as conn:  # one transaction, rolled back: no role is left
        conn.execute("CREATE ROLE rds_superuser NOLOGIN")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="pgaudit"):
            conn.execute(PGAUDIT.read_bytes())
        conn.rollback()
