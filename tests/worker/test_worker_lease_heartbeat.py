"""Issue 23 item 7: leases hold while Kinesis is slow, and an expired lease fences.

The heartbeat renews leases on its own clock with only PostgreSQL calls: a ListShards that
takes 2 s and then fails, on every call, must not let a lease expire (TTL 3 s here). And a
lease that did expire is no longer ours to commit with, even if no one has taken it yet.
"""

from __future__ import annotations

import signal
import time

import pytest
from streamflix_worker import store
from streamflix_worker.errors import LeaseLostError
from streamflix_worker.leases import LeaseManager, ShardInfo
from worker_testkit import REPO, Harness, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
FAULTY = (str(REPO / "tests" / "worker" / "faulty_worker.py"),)
WATCH_S = 9.0  # three TTLs of the stand-ins' 3 s leases


def test_leases_hold_while_list_shards_is_slow_and_failing(
    harness: Harness, clip_bytes: bytes
) -> None:
    shards = set(harness.shard_ids())
    worker = harness.spawn("steady", FAULTY, FAIL_LIST_SHARDS_AFTER="1", LIST_SHARDS_DELAY_S="2")
    wait_until(
        lambda: set(harness.lease_owners()) == shards, 20, what="the worker owns both shards"
    )
    lapses = []
    end = time.monotonic() + WATCH_S
    while time.monotonic() < end:
        owners = harness.lease_owners()  # leases with expires_at > now()
        if owners != dict.fromkeys(shards, "steady"):
            lapses.append(owners)
        time.sleep(0.1)
    harness.upload("c.mp4", clip_bytes)
    ids = harness.put_jobs("c.mp4", 4)
    wait_until(lambda: harness.count_status("COMPLETED") == 4, 30, what="4 jobs COMPLETED")
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(30)
    log = (harness.standins.root / "steady.log").read_text()
    assert code == 0, log[-3000:]
    assert not lapses, f"a lease expired {len(lapses)} time(s) while ListShards was slow"
    assert "ListShards failed" in log, "the fault did not fire"
    assert harness.statuses() == dict.fromkeys(ids, "COMPLETED")


def test_an_expired_lease_fences_even_while_we_are_still_its_owner(harness: Harness) -> None:
    manager = LeaseManager("s", "me", 30)
    with harness.connect(as_worker=True) as conn:
        with conn.transaction():
            manager.sync_shards(conn, [ShardInfo("shard-0", ())])
            assert manager.balance(conn).owned == {"shard-0"}
            assert store.assert_lease(conn, "s", "shard-0", "me") is None
        harness.query(
            "UPDATE shard_leases SET expires_at = now() - interval '1 second' "
            "WHERE shard_id = 'shard-0'"
        )
        with pytest.raises(LeaseLostError, match="expired"), conn.transaction():
            store.assert_lease(conn, "s", "shard-0", "me")
