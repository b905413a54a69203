"""The worker's main loop: keep leases, run one consumer thread per owned shard, drain.

Lease work happens on this thread with its own connection, so heartbeats continue while a
consumer is busy probing a long video.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

from streamflix_worker import store
from streamflix_worker.consumer import ShardConsumer
from streamflix_worker.context import WorkerContext
from streamflix_worker.database import Session
from streamflix_worker.errors import is_transient
from streamflix_worker.heartbeat import LeaseHeartbeat
from streamflix_worker.leases import Balance, Conn, LeaseManager, ShardInfo

TICK_S = 0.25
METRICS_FLUSH_INTERVAL_S = 10.0  # one EMF document per metric set every 10 s, not per tick
CREDIT_TIMEOUT_S = 5.0  # recording interrupted starts at drain start
STARTUP_SETTLE_S = 0.5  # between announcing presence and the first balance
# A consumer that crashed is restarted after 1, 2, 4 ... s, at most 120 s (reset once it
# commits a batch): a non-transient error (DLQ or KMS key gone, access denied) must not redo
# the batch's downloads and probes every second. The shard stays leased, so blocked, meanwhile.
EXIT_SUPERVISOR_FAILED = 1
RESTART_BASE_S = 1.0
RESTART_MAX_S = 120.0


def restart_delay_s(crashes: int) -> float:
    """Wait before the restart that follows the ``crashes``-th crash in a row (1, 2, 4 ...)."""
    return float(min(RESTART_MAX_S, RESTART_BASE_S * 2 ** min(crashes - 1, 30)))


def list_shards(kinesis: Any, stream: str) -> list[ShardInfo]:
    """All shards of the stream, open and closed (closed parents gate their children)."""
    shards: list[ShardInfo] = []
    kwargs: dict[str, str] = {"StreamName": stream}
    while True:
        page = kinesis.list_shards(**kwargs)
        for shard in page["Shards"]:
            parents = tuple(
                p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p
            )
            shards.append(ShardInfo(shard["ShardId"], parents))
        token = page.get("NextToken")
        if not token:
            return shards
        kwargs = {"NextToken": token}


class Supervisor:
    """Owns the consumers of one worker process."""

    def __init__(
        self, ctx: WorkerContext, consumer_class: type[ShardConsumer] = ShardConsumer
    ) -> None:
        self.ctx = ctx
        self._consumer_class = consumer_class
        cfg = ctx.config
        self.leases = LeaseManager(cfg.stream_name, cfg.worker_id, cfg.lease_ttl_seconds)
        self.session = Session(ctx.database)
        self.heartbeat = LeaseHeartbeat(
            ctx.database, self.leases, cfg.lease_renew_interval_s, ctx.logger
        )
        self.consumers: dict[str, ShardConsumer] = {}
        self._rebalance = threading.Event()
        self._shards: list[ShardInfo] | None = None
        self._crashes: dict[str, int] = {}  # crashes in a row, per shard
        self._restart_at: dict[str, float] = {}  # monotonic time a crashed shard restarts
        self._owned: tuple[set[str], frozenset[str]] = (set(), frozenset())

    def _refresh_leases(self, list_again: bool = True) -> tuple[Balance, frozenset[str]] | None:
        """Sync shards, renew, balance; None when the database or Kinesis is unreachable.

        ``list_again=False`` reuses the last shard list: while waiting for a handover the
        supervisor looks every tick, and a ListShards per tick would queue behind the
        consumers' GetRecords (and count against the stream's ListShards rate).
        """
        cfg = self.ctx.config
        if list_again or self._shards is None:
            try:
                self._shards = list_shards(self.ctx.kinesis, cfg.stream_name)
            except Exception as error:
                # the heartbeat renews the leases meanwhile; balancing waits for a shard list
                self._expected(error, "ListShards failed; balancing with the last shard list")
        shards = self._shards
        if shards is None:
            return None
        started = time.monotonic()
        try:

            def work(conn: Conn) -> tuple[Balance, frozenset[str]]:
                self.leases.sync_shards(conn, shards)
                renewal = self.leases.renew(conn)
                self.heartbeat.note(started, renewal)
                present = [s.shard_id for s in shards]
                return self.leases.balance(conn, present), renewal.handoff

            return self.session.transaction(work, started + cfg.lease_renew_interval_s)
        except Exception as error:
            self._expected(error, "lease refresh failed; retrying at the next renewal")
            return None

    def _expected(self, error: Exception, message: str) -> None:
        """A transient database or AWS error is expected (WARNING, the caller retries); any
        other (a permission or programming error) is re-raised: ``run`` logs it as an ERROR
        and the process exits 1, so the task is replaced instead of idling forever."""
        if not is_transient(error):
            raise error
        self.ctx.logger.warning(message, extra={"error": str(error)[:300]})

    def _ended(self, shard_id: str, consumer: ShardConsumer) -> None:
        """Forget an ended consumer; after a crash, schedule its restart with backoff."""
        del self.consumers[shard_id]
        if not consumer.crashed:
            self._crashes.pop(shard_id, None)
            self._restart_at.pop(shard_id, None)
            return
        crashes = 1 if consumer.progressed else self._crashes.get(shard_id, 0) + 1
        self._crashes[shard_id] = crashes
        delay = restart_delay_s(crashes)
        self._restart_at[shard_id] = time.monotonic() + delay
        self.ctx.logger.info(
            "shard consumer restarts after a backoff; the shard waits",
            extra={"shard_id": shard_id, "crashes_in_a_row": crashes, "delay_s": delay},
        )

    def _restart_due(self) -> bool:
        now = time.monotonic()
        return any(at <= now for at in self._restart_at.values())

    def _apply(self, owned: set[str], handoff: frozenset[str]) -> None:
        """Start consumers for new leases; stop lost or requested ones; hand those back."""
        self._owned = (owned, handoff)
        for shard_id, consumer in list(self.consumers.items()):
            if not consumer.is_alive():
                self._ended(shard_id, consumer)
            elif shard_id not in owned or shard_id in handoff:
                consumer.stop.set()  # finishes its current job and commits, then exits
        to_release = sorted(handoff - set(self.consumers))
        if to_release:
            try:
                self.session.transaction(
                    lambda conn: self.leases.release(conn, to_release),
                    time.monotonic() + self.ctx.config.lease_renew_interval_s,
                )
                self.ctx.logger.info("shards handed over", extra={"shards": to_release})
            except Exception as error:
                self._expected(error, "handover failed; the requester's reservation expires")
        now = time.monotonic()
        for shard_id in sorted(owned - handoff - set(self.consumers)):
            if self._restart_at.get(shard_id, now) > now:
                continue  # backing off after a crash
            self._restart_at.pop(shard_id, None)
            consumer = self._consumer_class(
                self.ctx, shard_id, self._rebalance.set, self.heartbeat.valid_until
            )
            self.consumers[shard_id] = consumer
            consumer.start()
            self.ctx.logger.info("shard acquired", extra={"shard_id": shard_id})

    def _announce(self) -> None:
        """Register this worker's presence before taking any lease, so that workers starting
        together (a deployment, a scale-out) see each other and split the shards at once; the
        shard list is read now too, before the others' consumers keep Kinesis busy."""
        cfg = self.ctx.config
        try:
            self._shards = list_shards(self.ctx.kinesis, cfg.stream_name)
            self.session.transaction(
                self.leases.renew, time.monotonic() + cfg.lease_renew_interval_s
            )
        except Exception as error:
            self._expected(error, "presence not recorded; the first renewal records it")

    def run(self, stop: threading.Event) -> int:
        """Run until ``stop`` is set, then drain within DRAIN_TIMEOUT_SECONDS; returns 0.

        An unexpected error (not a transient database or AWS failure: a permission or
        programming error) is logged as an ERROR, the consumers are drained, and it returns
        ``EXIT_SUPERVISOR_FAILED``, so ECS replaces the task rather than keep an idle worker.
        """
        try:
            return self._run(stop)
        except Exception:
            self.ctx.logger.exception("supervisor failed; draining and exiting")
            try:
                self.drain()
            except Exception:
                self.ctx.logger.exception("drain after a supervisor failure failed")
            return EXIT_SUPERVISOR_FAILED

    def _run(self, stop: threading.Event) -> int:
        cfg = self.ctx.config
        log = self.ctx.logger
        log.info("worker starting", extra={"stream": cfg.stream_name})
        self._announce()
        self.heartbeat.start()
        stop.wait(STARTUP_SETTLE_S)
        next_refresh = time.monotonic() + cfg.lease_renew_interval_s
        next_flush = time.monotonic() + METRICS_FLUSH_INTERVAL_S
        # Leases to take (the first balance, or a handover to us): look every tick without
        # listing the shards again (_announce has just listed them), not every renewal.
        awaiting = True
        while not stop.is_set():
            if self.heartbeat.failure is not None:
                raise self.heartbeat.failure
            due = time.monotonic() >= next_refresh or self._rebalance.is_set()
            if due or awaiting:
                self._rebalance.clear()
                leases = self._refresh_leases(list_again=due)
                if leases is not None:
                    balance, handoff = leases
                    awaiting = balance.awaiting
                    self._apply(balance.owned, handoff)
                next_refresh = time.monotonic() + cfg.lease_renew_interval_s
            elif self._restart_due():
                self._apply(*self._owned)
            if time.monotonic() >= next_flush:
                self.ctx.telemetry.flush()
                next_flush = time.monotonic() + METRICS_FLUSH_INTERVAL_S
            stop.wait(TICK_S)
        return self.drain()

    def _give_back(self, consumers: list[ShardConsumer], deadline: float, claims: bool) -> None:
        """Take back the marks of the starts these consumers have in flight (a shutdown is not
        a crash); with ``claims``, also hand their unfinished claims back (the drain timed out
        with them still working), so the next owner resumes them batched."""
        fresh: list[UUID] = []
        marks: list[tuple[UUID, UUID]] = []
        for consumer in consumers:
            held, marked = consumer.in_hand.snapshot()
            fresh += held if claims else []
            marks += marked
        if fresh or marks:

            def give_back(conn: Conn) -> None:
                store.credit_starts(conn, marks)
                store.hand_back(conn, fresh)

            try:
                self.session.transaction(give_back, deadline)
            except Exception as error:
                if not is_transient(error):
                    raise
                self.ctx.logger.warning(
                    "could not record the interrupted jobs; they count as unfinished",
                    extra={"error": str(error)[:300]},
                )
                return
        self.ctx.logger.info(
            "interrupted jobs given back", extra={"marks": len(marks), "claims": len(fresh)}
        )

    def drain(self) -> int:
        """Stop fetching, let consumers finish or hand back their job, release leases."""
        cfg = self.ctx.config
        deadline = time.monotonic() + cfg.drain_timeout_seconds
        self.ctx.logger.info("draining", extra={"shards": sorted(self.consumers)})
        for consumer in self.consumers.values():
            consumer.deadline = deadline
            consumer.stop.set()
        # The job each consumer is on was interrupted by the shutdown, whatever happens next
        # (it may still finish, or the task be killed by Fargate before the drain ends).
        # Bounded well inside the drain: an unreachable database must not eat the consumers'
        # time to finish (the marks then stay, as after a crash).
        credit_deadline = min(deadline, time.monotonic() + CREDIT_TIMEOUT_S)
        self._give_back(list(self.consumers.values()), credit_deadline, claims=False)
        for consumer in self.consumers.values():
            consumer.join(max(0.0, deadline - time.monotonic()))
        stuck = [c for c in self.consumers.values() if c.is_alive()]
        self._give_back(stuck, deadline + 5, claims=True)
        self.heartbeat.stop()  # before the release: a last renewal must not re-announce us
        if self.heartbeat.is_alive():
            self.heartbeat.join(self.ctx.config.lease_renew_interval_s + 5)
        try:
            self.session.transaction(self.leases.release, deadline + 5)
        except Exception as error:
            if not is_transient(error):
                raise
            self.ctx.logger.warning(
                "could not release leases; they will expire", extra={"error": str(error)[:300]}
            )
        self.session.close()
        self.ctx.telemetry.flush()
        self.ctx.logger.info("drained", extra={"abandoned_shards": [c.shard_id for c in stuck]})
        return 0
