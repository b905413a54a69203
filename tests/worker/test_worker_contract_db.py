"""The database half of the contract, on a really migrated PostgreSQL: the status CHECK
constraints allow exactly ``contract.Status``, and the worker's login is ``WORKER_DB_USER``.

A new terminal status in the contract without the migration that allows it fails here, before a
worker's first COMMIT of that status would."""

from __future__ import annotations

import re

import pytest
from streamflix_worker.contract import WORKER_DB_USER, Status, terminal_statuses
from worker_testkit import Harness

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]

STATUS_COLUMNS = (
    ("videos", "status"),
    ("video_status_history", "to_status"),
    ("video_status_history", "from_status"),
    ("video_duplicate_requests", "status_seen"),
)


def _allowed(harness: Harness, table: str, column: str) -> set[str]:
    """The values the CHECK constraint on ``table.column`` lists (``col IN ('A', ...)``,
    which PostgreSQL keeps as ``col = ANY (ARRAY['A'::text, ...])``)."""
    rows = harness.query(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
        f"WHERE c.conrelid = '{table}'::regclass AND c.contype = 'c'"
    )
    pattern = re.compile(rf"\({column} = ANY \(ARRAY\[(?P<values>[^\]]*)\]")
    found = [m["values"] for (definition,) in rows if (m := pattern.search(str(definition)))]
    assert len(found) == 1, f"{table}.{column}: {len(found)} status CHECK constraints"
    return set(re.findall(r"'([^']*)'::text", found[0]))


@pytest.mark.parametrize(("table", "column"), STATUS_COLUMNS)
def test_status_constraints_allow_exactly_the_contract_statuses(
    harness: Harness, table: str, column: str
) -> None:
    assert _allowed(harness, table, column) == {str(s) for s in Status}


def test_every_terminal_status_is_allowed(harness: Harness) -> None:
    assert {str(s) for s in terminal_statuses()} <= _allowed(harness, "videos", "status")


def test_the_worker_login_is_the_contract_user(harness: Harness) -> None:
    rows = harness.query(f"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{WORKER_DB_USER}'")
    assert rows == [(True,)]
