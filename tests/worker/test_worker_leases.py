"""Lease balancing rules on a real PostgreSQL, driven step by step (no Kinesis needed)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from streamflix_worker.leases import LeaseManager, ShardInfo
from worker_testkit import Harness

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]

SHARDS = [ShardInfo(f"shard-{i}", ()) for i in range(4)]


@pytest.fixture
def conn(harness: Harness) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with harness.connect(as_worker=True) as connection:
        yield connection


def _round(manager: LeaseManager, conn: psycopg.Connection[tuple[object, ...]]) -> set[str]:
    with conn.transaction():
        manager.sync_shards(conn, SHARDS)
        manager.renew(conn)
        return manager.balance(conn).owned


def test_newcomer_asks_for_its_whole_share_at_once_instead_of_stealing(conn) -> None:  # type: ignore[no-untyped-def]
    a, b = LeaseManager("s", "a", 30), LeaseManager("s", "b", 30)
    assert _round(a, conn) == {s.shard_id for s in SHARDS}
    with conn.transaction():
        manager_b = b.balance(conn)
    assert manager_b.owned == set() and manager_b.awaiting  # nothing taken from a live owner...
    with conn.transaction():
        renewal = a.renew(conn)
    assert renewal.owned == {s.shard_id for s in SHARDS}
    assert len(renewal.handoff) == 2  # ...but a is asked for b's whole fair share in one go
    with conn.transaction():
        assert b.balance(conn).awaiting  # still waiting: no second request, none taken
        assert a.renew(conn).handoff == renewal.handoff
        a.release(conn, sorted(renewal.handoff))
    assert _round(a, conn) == {s.shard_id for s in SHARDS} - renewal.handoff  # not taken back
    with conn.transaction():
        taken = b.balance(conn)
    assert taken.owned == set(renewal.handoff) and not taken.awaiting
    assert _round(a, conn) | _round(b, conn) == {s.shard_id for s in SHARDS}


def test_three_workers_ask_the_busiest_and_leave_each_its_share(conn) -> None:  # type: ignore[no-untyped-def]
    shards = [ShardInfo(f"shard-{i}", ()) for i in range(6)]
    a, b, c = (LeaseManager("s", w, 30) for w in "abc")
    with conn.transaction():
        a.sync_shards(conn, shards)
        assert len(a.balance(conn).owned) == 6
        assert b.balance(conn).awaiting  # asks a for 3
        assert c.balance(conn).awaiting  # 3 workers now: asks a for 2 more
        handoff = a.renew(conn).handoff
    assert len(handoff) == 4  # a keeps its fair share of 2


def test_expired_leases_move_to_a_live_worker(conn) -> None:  # type: ignore[no-untyped-def]
    dead, alive = LeaseManager("s", "dead", 1), LeaseManager("s", "alive", 30)
    assert len(_round(dead, conn)) == 4
    time.sleep(1.2)
    assert len(_round(alive, conn)) == 4


def test_child_waits_for_its_parent(conn) -> None:  # type: ignore[no-untyped-def]
    manager = LeaseManager("s", "w", 30)
    shards = [
        ShardInfo("parent", ()),
        ShardInfo("child-1", ("parent",)),
        ShardInfo("child-2", ("parent",)),
    ]
    with conn.transaction():
        manager.sync_shards(conn, shards)
        assert manager.balance(conn).owned == {"parent"}
        conn.execute(
            "INSERT INTO shard_checkpoints (stream_name, shard_id, sequence_number, finished, "
            "updated_by) VALUES ('s', 'parent', 1, true, 'w')"
        )
        manager.release(conn, ["parent"])
        assert manager.balance(conn).owned == {"child-1", "child-2"}


def test_trimmed_shards_are_skipped_and_count_as_finished_parents(conn) -> None:  # type: ignore[no-untyped-def]
    manager = LeaseManager("s", "w", 30)
    with conn.transaction():
        manager.sync_shards(conn, [ShardInfo("old", ()), ShardInfo("new", ("old",))])
        # "old" fell out of the retention window: Kinesis no longer lists it
        assert manager.balance(conn, present=["new"]).owned == {"new"}


def test_workers_starting_together_split_the_shards_without_a_handover(conn) -> None:  # type: ignore[no-untyped-def]
    a, b = LeaseManager("s", "a", 30), LeaseManager("s", "b", 30)
    with conn.transaction():
        a.sync_shards(conn, SHARDS)
        a.renew(conn)  # both announce themselves (Supervisor._announce) before balancing
        b.renew(conn)
        assert len(a.balance(conn).owned) == 2  # a counts b: half, not all four
        second = b.balance(conn)
        assert len(second.owned) == 2 and not second.awaiting
        assert a.renew(conn).handoff == frozenset()  # nobody had to hand anything over
        a.release(conn)  # a clean shutdown removes a's presence with its leases
        assert len(b.balance(conn).owned) == 4


def test_a_worker_whose_presence_expired_no_longer_counts(conn) -> None:  # type: ignore[no-untyped-def]
    gone, alive = LeaseManager("s", "gone", 1), LeaseManager("s", "alive", 30)
    with conn.transaction():
        alive.sync_shards(conn, SHARDS)
        gone.renew(conn)
    time.sleep(1.2)
    with conn.transaction():
        assert len(alive.balance(conn).owned) == 4
