"""Connections to PostgreSQL: TLS, and a login that holds only what its job needs.

Each thread opens its own connection (psycopg connections are not shared between threads).
The worker logs in as ``streamflix_worker`` itself (V006), whose grants make the status history
append-only: no ``SET ROLE`` a session could undo with ``RESET ROLE``. An authentication failure
triggers one refresh of the credentials (a new token, or a re-read of a rotated secret), so a
rotation mid-run costs a reconnect, not a failed job.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
from aws_lambda_powertools import Logger

from streamflix_worker.backoff import jittered_delay_s
from streamflix_worker.config import DbSettings
from streamflix_worker.credentials import Credentials

AUTH_SQLSTATES = frozenset({"28P01", "28000"})
# Retries of an unavailable database end here when the caller set no earlier deadline: an
# Aurora failover or restart takes well under a minute, while a statement_timeout or a server
# that never comes back would otherwise be retried forever with WARNINGs only.
RETRY_LIMIT_S = 300.0

T = TypeVar("T")


def is_auth_failure(error: BaseException) -> bool:
    """True when the server rejected the credentials (token expired, secret rotated)."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate in AUTH_SQLSTATES:
        return True
    text = str(error)
    return "password authentication failed" in text or "authentication failed" in text


class Database:
    """Opens connections with fresh credentials and retries transient database errors."""

    def __init__(
        self,
        settings: DbSettings,
        credentials: Credentials,
        application_name: str,
        logger: logging.Logger | Logger | None = None,
    ) -> None:
        self.log = logger or logging.getLogger(__name__)
        self._settings = settings
        self._credentials = credentials
        self._application_name = application_name[:63]

    def _conninfo(self, username: str, password: str) -> dict[str, object]:
        params: dict[str, object] = {
            "host": self._settings.host,
            "port": self._settings.port,
            "dbname": self._settings.name,
            "user": username,
            "password": password,
            "sslmode": self._settings.sslmode,
            "connect_timeout": self._settings.connect_timeout_s,
            "application_name": self._application_name,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }
        if self._settings.sslmode in ("verify-ca", "verify-full"):
            params["sslrootcert"] = self._settings.sslrootcert
        return params

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        """Open a connection; on an auth failure refresh the credentials once and try again."""
        creds = self._credentials.current()
        try:
            conn = psycopg.connect(**self._conninfo(creds.username, creds.password))  # type: ignore[arg-type]
        except psycopg.OperationalError as error:
            if not is_auth_failure(error):
                raise
            self.log.warning(
                "database rejected credentials; refreshing them (new token, or re-reading the secret)"
            )
            creds = self._credentials.refresh()
            conn = psycopg.connect(**self._conninfo(creds.username, creds.password))  # type: ignore[arg-type]
        return conn


class Session:
    """One thread's connection, reopened after it breaks; runs units of work with retries."""

    def __init__(
        self,
        database: Database,
        base_backoff_ms: int = 200,
        max_backoff_ms: int = 5_000,
        retry_limit_s: float = RETRY_LIMIT_S,
    ) -> None:
        self._database = database
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._base = base_backoff_ms
        self._max = max_backoff_ms
        self._retry_limit_s = retry_limit_s

    def connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            self._conn = self._database.connect()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def transaction(
        self,
        work: Callable[[psycopg.Connection[tuple[object, ...]]], T],
        deadline: float | None = None,
    ) -> T:
        """Run ``work`` in one transaction; retry connection-level errors until ``deadline``.

        The units of work are idempotent (guarded status updates, monotonic checkpoints), so
        re-running one whose COMMIT outcome was unknown is safe. Every retry is bounded: by
        ``deadline`` or, without one, ``retry_limit_s`` after the first attempt; then the last
        error is raised (the caller fails loudly; the lease fences stale work).
        """
        limit = time.monotonic() + self._retry_limit_s
        deadline = limit if deadline is None else min(deadline, limit)
        attempt = 0
        while True:
            attempt += 1
            try:
                conn = self.connection()
                with conn.transaction():
                    return work(conn)
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                self.close()
                delay = jittered_delay_s(min(attempt, 20), self._base, self._max)
                if time.monotonic() + delay >= deadline:
                    raise
                self._database.log.warning(
                    "database unavailable, retrying",
                    extra={"attempt": attempt, "error": str(error)[:300], "delay_s": delay},
                )
                time.sleep(delay)
