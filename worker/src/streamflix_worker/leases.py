"""Shard leases in PostgreSQL: who reads which shard, balanced over the live workers.

A lease has an owner and an expiry renewed by heartbeats; an expired lease is free to take,
which is how a dead worker's shards move on. Balancing runs under an advisory lock so two
workers never decide at once; a worker with fewer than its fair share takes a free lease or
asks the busiest worker to hand one over (``handoff_to``): the owner stops that shard after
its current commit and releases it, so rebalancing never processes a record twice. Every
commit is still fenced by ``store.assert_lease``. A child shard becomes eligible only after
all of its parents are finished, which keeps per-video ordering across resharding.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import cast

import psycopg

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class ShardInfo:
    """A shard as ListShards reports it."""

    shard_id: str
    parent_ids: tuple[str, ...]


@dataclass(frozen=True)
class LeaseRow:
    shard_id: str
    parent_ids: tuple[str, ...]
    owner: str | None
    expired: bool
    finished: bool
    handoff_to: str | None
    reserved: bool  # a handover to ``handoff_to`` is pending or was released < 1 TTL ago


@dataclass(frozen=True)
class Balance:
    """Leases this worker holds after balancing, and whether handovers to it are pending (its
    supervisor then checks every tick instead of every renewal, so a handed-over shard is taken
    within a tick of its release)."""

    owned: set[str]
    awaiting: bool


@dataclass(frozen=True)
class Renewal:
    """Leases still held after a heartbeat, and those another worker asked to take over."""

    owned: frozenset[str]
    handoff: frozenset[str]


class LeaseManager:
    """Lease operations for one worker on one stream (the caller supplies transactions)."""

    def __init__(self, stream: str, worker_id: str, ttl_seconds: int) -> None:
        self.stream = stream
        self.worker_id = worker_id
        self.ttl = ttl_seconds

    def sync_shards(self, conn: Conn, shards: Sequence[ShardInfo]) -> None:
        """Create a lease row for every shard not seen before."""
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO shard_leases (stream_name, shard_id, parent_shard_ids) "
                "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                [(self.stream, s.shard_id, list(s.parent_ids)) for s in shards],
            )

    def renew(self, conn: Conn) -> Renewal:
        """Heartbeat this worker's presence and every lease it still owns; say which ones
        others asked for."""
        conn.execute(
            "INSERT INTO worker_presence (stream_name, worker_id, expires_at) "
            "VALUES (%s, %s, now() + make_interval(secs => %s)) "
            "ON CONFLICT (stream_name, worker_id) DO UPDATE SET expires_at = EXCLUDED.expires_at",
            (self.stream, self.worker_id, self.ttl),
        )
        rows = conn.execute(
            "UPDATE shard_leases SET heartbeat_at = now(), "
            "expires_at = now() + make_interval(secs => %s) "
            "WHERE stream_name = %s AND owner = %s RETURNING shard_id, handoff_to",
            (self.ttl, self.stream, self.worker_id),
        ).fetchall()
        return Renewal(
            owned=frozenset(str(r[0]) for r in rows),
            handoff=frozenset(str(r[0]) for r in rows if r[1] is not None),
        )

    def _rows(self, conn: Conn) -> list[LeaseRow]:
        rows = conn.execute(
            """
            SELECT l.shard_id, l.parent_shard_ids, l.owner,
                   l.expires_at IS NULL OR l.expires_at <= now(),
                   COALESCE(c.finished, false), l.handoff_to,
                   l.handoff_to IS NOT NULL
                       AND l.heartbeat_at > now() - make_interval(secs => %s)
            FROM shard_leases l
            LEFT JOIN shard_checkpoints c USING (stream_name, shard_id)
            WHERE l.stream_name = %s
            """,
            (self.ttl, self.stream),
        ).fetchall()
        return [
            LeaseRow(
                shard_id=str(r[0]),
                parent_ids=tuple(str(p) for p in cast(list[str], r[1] or [])),
                owner=None if r[2] is None else str(r[2]),
                expired=bool(r[3]),
                finished=bool(r[4]),
                handoff_to=None if r[5] is None else str(r[5]),
                reserved=bool(r[6]),
            )
            for r in rows
        ]

    def _take(self, conn: Conn, shard_id: str) -> None:
        conn.execute(
            "UPDATE shard_leases SET owner = %s, heartbeat_at = now(), handoff_to = NULL, "
            "expires_at = now() + make_interval(secs => %s), lease_counter = lease_counter + 1 "
            "WHERE stream_name = %s AND shard_id = %s",
            (self.worker_id, self.ttl, self.stream, shard_id),
        )

    def balance(self, conn: Conn, present: Collection[str] | None = None) -> Balance:
        """Take free or expired leases up to a fair share; ask busier workers to hand over
        the rest of it.

        ``present`` is the shard list Kinesis reports now: shards trimmed after the retention
        period are skipped, and a trimmed parent counts as finished.
        """
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.stream,))
        rows = self._rows(conn)
        by_id = {r.shard_id: r for r in rows}
        exists = set(by_id) if present is None else set(present)

        def done(shard_id: str) -> bool:
            return shard_id not in exists or shard_id not in by_id or by_id[shard_id].finished

        eligible = [
            r
            for r in rows
            if r.shard_id in exists and not r.finished and all(done(p) for p in r.parent_ids)
        ]
        live = Counter(r.owner for r in eligible if r.owner is not None and not r.expired)
        mine = {r.shard_id for r in eligible if r.owner == self.worker_id}
        incoming = {r.shard_id for r in eligible if r.handoff_to == self.worker_id} - mine
        requesters = {r.handoff_to for r in eligible if r.handoff_to and r.reserved}
        present = {
            str(row[0])
            for row in conn.execute(
                "SELECT worker_id FROM worker_presence "
                "WHERE stream_name = %s AND expires_at > now()",
                (self.stream,),
            ).fetchall()
        }
        workers = len(set(live) | requesters | present | {self.worker_id})
        target = math.ceil(len(eligible) / workers) if eligible else 0
        free = sorted(
            (r.handoff_to != self.worker_id, r.shard_id)
            for r in eligible
            if (r.owner is None or r.expired)
            and not (r.reserved and r.handoff_to != self.worker_id)
        )
        for _, shard_id in free:
            if len(mine) >= target:
                break
            if shard_id not in mine:
                self._take(conn, shard_id)
                mine.add(shard_id)
                incoming.discard(shard_id)
        missing = target - len(mine) - len(incoming)
        asked = self._request_handoffs(conn, eligible, target, missing) if missing > 0 else 0
        return Balance(mine, awaiting=bool(incoming) or asked > 0)

    def _request_handoffs(
        self, conn: Conn, eligible: list[LeaseRow], target: int, missing: int
    ) -> int:
        """Ask the busiest live workers for ``missing`` shards at once (each keeps at least
        the fair share); return how many were asked for."""
        leaving = {r.shard_id for r in eligible if r.handoff_to is not None}
        staying: dict[str, list[str]] = {}
        for r in sorted(eligible, key=lambda r: r.shard_id):
            live_elsewhere = r.owner and r.owner != self.worker_id and not r.expired
            if live_elsewhere and r.shard_id not in leaving:
                staying.setdefault(str(r.owner), []).append(r.shard_id)
        asked = 0
        while asked < missing and staying:
            busiest = max(staying, key=lambda owner: (len(staying[owner]), owner))
            if len(staying[busiest]) <= target:
                break
            conn.execute(
                "UPDATE shard_leases SET handoff_to = %s WHERE stream_name = %s AND shard_id = %s",
                (self.worker_id, self.stream, staying[busiest].pop()),
            )
            asked += 1
        return asked

    def release(self, conn: Conn, shard_ids: Sequence[str] | None = None) -> None:
        """Hand leases back (on shutdown, all of them and the presence, or when a shard is
        finished or handed over)."""
        if shard_ids is None:
            conn.execute(
                "UPDATE shard_leases SET owner = NULL, expires_at = NULL, handoff_to = NULL "
                "WHERE stream_name = %s AND owner = %s",
                (self.stream, self.worker_id),
            )
            conn.execute(
                "DELETE FROM worker_presence WHERE stream_name = %s AND worker_id = %s",
                (self.stream, self.worker_id),
            )
        else:
            conn.execute(
                "UPDATE shard_leases SET owner = NULL, expires_at = NULL "
                "WHERE stream_name = %s AND owner = %s AND shard_id = ANY(%s)",
                (self.stream, self.worker_id, list(shard_ids)),
            )
