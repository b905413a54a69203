"""Issue 23 item 9: expected failures are retried within a bound; anything else is loud.

A permission error is not a passing outage: a worker that cannot renew its leases must say so
with an ERROR and exit (ECS replaces the task), not log WARNINGs and idle forever. And a retry
of an unavailable database ends: a statement_timeout is not retried forever.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from streamflix_devtools.standins import WORKER_LOGIN
from streamflix_worker.app import build_context
from streamflix_worker.database import Session
from streamflix_worker.supervisor import EXIT_SUPERVISOR_FAILED
from worker_testkit import Harness

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def test_a_permission_error_on_the_leases_is_an_error_and_the_worker_exits(
    harness: Harness,
) -> None:
    harness.query(f"REVOKE INSERT, UPDATE ON shard_leases, worker_presence FROM {WORKER_LOGIN}")
    worker = harness.spawn("no-grants")
    assert worker.wait(30) == EXIT_SUPERVISOR_FAILED, "the worker idled instead of failing"
    log = (harness.standins.root / "no-grants.log").read_text()
    errors = [line for line in log.splitlines() if '"level":"ERROR"' in line]
    assert any('"supervisor failed; draining and exiting"' in line for line in errors), log
    assert "permission denied" in log


def test_database_retries_without_a_deadline_are_bounded(harness: Harness) -> None:
    """A statement_timeout (QueryCanceled, an OperationalError) was retried forever."""
    session = Session(build_context(harness.config("bounded")).database, retry_limit_s=1.5)
    attempts = 0

    def slow(conn: psycopg.Connection[tuple[object, ...]]) -> None:
        nonlocal attempts
        attempts += 1
        conn.execute("SET LOCAL statement_timeout = '20ms'")
        conn.execute("SELECT pg_sleep(1)")

    started = time.monotonic()
    try:
        with pytest.raises(psycopg.errors.QueryCanceled):
            session.transaction(slow)
    finally:
        session.close()
    assert time.monotonic() - started < 5
    assert attempts >= 2, "retried within the bound, then raised"
