"""The worker logs in as its own user, never as the master user (issue 12 item 8).

Deployed: an IAM auth token for ``streamflix_worker`` (granted ``rds_iam`` by V006); the master
secret is for the migrate task only. Locally the same login authenticates with a password from
its own secret (plain PostgreSQL has no IAM).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import psycopg
import pytest
from streamflix_devtools.standins import WORKER_LOGIN
from streamflix_worker.__main__ import main
from streamflix_worker.app import credentials_for
from streamflix_worker.aws import make_clients
from streamflix_worker.config import ConfigError, load_db_settings
from streamflix_worker.credentials import CredentialSource, IamTokenSource
from streamflix_worker.database import Database
from worker_testkit import Harness

IAM_ENV = {
    "DB_AUTH": "iam",
    "DB_USER": "streamflix_worker",
    "DB_HOST": "db.cluster-x.eu-central-1.rds.amazonaws.com",
    "DB_NAME": "streamflix",
}


def test_iam_mode_needs_the_login_name_not_a_secret() -> None:
    settings = load_db_settings(IAM_ENV)
    assert (settings.auth, settings.user, settings.secret_arn) == ("iam", "streamflix_worker", "")
    with pytest.raises(ConfigError, match="DB_USER: is required"):
        load_db_settings({k: v for k, v in IAM_ENV.items() if k != "DB_USER"})
    with pytest.raises(ConfigError, match="DB_AUTH: must be one of"):
        load_db_settings(IAM_ENV | {"DB_AUTH": "password"})


def test_iam_token_is_signed_for_the_worker_login_per_connection() -> None:
    rds = boto3.client(
        "rds", region_name="eu-central-1", aws_access_key_id="AK", aws_secret_access_key="SK"
    )
    source = IamTokenSource(rds, IAM_ENV["DB_HOST"], 5432, "streamflix_worker", "eu-central-1")
    creds = source.current()
    url = urlsplit("https://" + creds.password)
    query = parse_qs(url.query)
    assert creds.username == "streamflix_worker"
    assert (url.hostname, url.port) == (IAM_ENV["DB_HOST"], 5432)
    assert query["Action"] == ["connect"] and query["DBUser"] == ["streamflix_worker"]
    assert query["X-Amz-Expires"] == ["900"]


def test_credentials_follow_the_auth_mode() -> None:
    clients = make_clients("eu-central-1")
    iam = credentials_for(load_db_settings(IAM_ENV), clients, "eu-central-1")
    secret_env = IAM_ENV | {"DB_AUTH": "secret", "DB_SECRET_ARN": "arn:secret"}
    secret = credentials_for(load_db_settings(secret_env), clients, "eu-central-1")
    assert isinstance(iam, IamTokenSource) and isinstance(secret, CredentialSource)


def test_migrate_refuses_iam_auth(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for key, value in (IAM_ENV | {"AWS_REGION": "eu-central-1"}).items():
        monkeypatch.setenv(key, value)
    assert main(["migrate"]) == 2
    assert "DB_AUTH: must be 'secret' for migrate" in capsys.readouterr().err


@pytest.mark.services
@pytest.mark.timeout(120)
def test_worker_session_is_its_own_login_and_cannot_become_the_master(harness: Harness) -> None:
    config = harness.config("login-check")
    database = Database(
        config.db, credentials_for(config.db, make_clients("eu-central-1"), "x"), "t"
    )
    with database.connect() as conn:
        conn.autocommit = True
        assert conn.execute("SELECT current_user, session_user").fetchone() == (
            WORKER_LOGIN,
            WORKER_LOGIN,
        )
        conn.execute("RESET ROLE")  # nothing to undo: still only the worker's grants
        assert conn.execute("SELECT current_user").fetchone() == (WORKER_LOGIN,)
        flags = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert flags == (False, False, False)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET ROLE streamflix_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM videos")


@pytest.mark.services
@pytest.mark.timeout(120)
def test_v006_grants_rds_iam_where_rds_provides_it(standins) -> None:  # type: ignore[no-untyped-def]
    pg = standins.postgres
    # stand in for RDS: the role RDS creates, administrable by the master user
    pg.superuser("CREATE ROLE rds_iam NOLOGIN")
    try:
        pg.superuser("GRANT rds_iam TO streamflix_app WITH ADMIN OPTION")
        stack = standins.new_stack(shards=1)
        assert 6 in standins.migrate(stack)
        members = pg.superuser(
            "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = 'rds_iam'"
        )
        assert ("streamflix_worker",) in members
    finally:
        pg.superuser("DROP ROLE rds_iam")
