"""Reads one shard and records each GetRecords batch with its checkpoint.

Per batch: schema-invalid records go to the DLQ; valid ones are claimed (RECEIVED ->
PROCESSING) in one transaction, processed with retries, and their final statuses are committed
in one transaction together with the checkpoint, fenced by the lease. A crash before that
commit replays the batch (claims and statuses are idempotent); a crash after it replays nothing.
A record the database refuses is dead-lettered alone; a request for a video already in progress
or done is a recorded duplicate; a shutdown or handover hands unfinished claims back so the
next owner keeps the batched path.

This module is the loop; each stage is its own module: ``shard_reader`` (read and decode),
``batch_store`` (claim, commit, checkpoint), ``jobs`` (process), ``dead_letters`` (the DLQ),
``batch_outcomes`` (what a batch recorded, emitted after its commit), ``shard_state`` (what
they share).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from streamflix_worker import store
from streamflix_worker.batch_outcomes import Recorded, emit
from streamflix_worker.batch_store import BatchStore
from streamflix_worker.context import WorkerContext
from streamflix_worker.contract import Metric
from streamflix_worker.database import Session
from streamflix_worker.dead_letters import DeadLetterer
from streamflix_worker.errors import LeaseLostError, is_transient
from streamflix_worker.jobs import JobRunner
from streamflix_worker.leases import LeaseManager
from streamflix_worker.schema import InvalidRequestError
from streamflix_worker.shard_reader import ShardReader, decode_batch
from streamflix_worker.shard_state import ClaimsInHand, HandedBackError, ShardState

COMMIT_INTERVAL_S = 5.0  # bound on redone work after a crash when jobs are slow


class ShardConsumer(threading.Thread):
    """One thread per leased shard; ``stop`` asks it to finish the current job and commit."""

    def __init__(
        self,
        ctx: WorkerContext,
        shard_id: str,
        on_exit: Callable[[], None],
        lease_valid_until: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(name=f"shard-{shard_id}", daemon=True)
        cfg = ctx.config
        self.state = ShardState(
            ctx,
            shard_id,
            Session(ctx.database),
            LeaseManager(cfg.stream_name, cfg.worker_id, cfg.lease_ttl_seconds),
            lease_valid_until,
        )
        self.ctx = ctx
        self.cfg = cfg
        self.shard_id = shard_id
        self.stop: threading.Event = self.state.stop
        self.in_hand: ClaimsInHand = self.state.in_hand
        self.log = ctx.logger
        self._on_exit = on_exit  # wakes the supervisor: hand over or take children now
        dead_letters = DeadLetterer(self.state)
        self._reader = ShardReader(self.state)
        self._store = BatchStore(self.state, dead_letters)
        self._jobs = JobRunner(self.state, dead_letters)
        self._dead_letters = dead_letters
        self.crashed = False  # ended by an unexpected error (the supervisor backs off)

    @property
    def deadline(self) -> float | None:
        """Monotonic time by which a draining consumer must have committed (None: no drain)."""
        return self.state.deadline

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        self.state.deadline = value

    @property
    def progressed(self) -> bool:
        """Committed at least one batch (a crash after it starts the backoff anew)."""
        return self._store.progressed

    def check_lease(self) -> None:
        """Raise ``LeaseLostError`` once the leases may have expired (``ShardState``)."""
        self.state.check_lease()

    def _fetch(self, iterator: str) -> dict[str, Any] | None:
        """One rate-limited GetRecords (its own method: the benchmark profiles it)."""
        return self._reader.fetch(iterator)

    # --- main loop -----------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._consume()
        except LeaseLostError as error:
            self.log.info(
                "lease lost; stopping shard", extra={"shard_id": self.shard_id, "why": str(error)}
            )
            self._store.give_back_in_hand(claims=True)
        except HandedBackError as error:
            self.log.info(
                "stopped while AWS was failing; the shard resumes from its checkpoint",
                extra={"shard_id": self.shard_id, "error": str(error)},
            )
        except Exception as error:
            if self.stop.is_set() and is_transient(error):
                # the drain deadline passed while the database or AWS was unavailable: the
                # next owner replays from the checkpoint; an expected end of a stop, not a crash
                self.log.warning(
                    "stopped before the last commit; the shard resumes from its checkpoint",
                    extra={"shard_id": self.shard_id, "error": str(error)[:300]},
                )
            else:
                self.crashed = True
                self.log.exception("shard consumer crashed", extra={"shard_id": self.shard_id})
                self.ctx.telemetry.count(Metric.SHARD_CONSUMER_CRASHED)
                self._store.give_back_in_hand(claims=False)
        finally:
            self.state.session.close()
            self._on_exit()

    def _consume(self) -> None:
        """Read the shard from its checkpoint to its end (or until stopped).

        While a batch is being recorded, the next GetRecords is already in flight (one
        prefetch, as the KCL does), so Kinesis latency overlaps with database work. A
        prefetched batch is only used after the previous one is committed, so an expired
        iterator can always restart from the checkpoint.
        """
        checkpoint = self._reader.read_checkpoint()
        if checkpoint.finished:
            self._store.finish_shard()
            return
        iterator: str | None = self._reader.iterator(checkpoint)
        with ThreadPoolExecutor(1, thread_name_prefix=f"prefetch-{self.shard_id}") as pool:
            prefetched: Future[dict[str, Any] | None] | None = None
            while iterator is not None and not self.stop.is_set():
                response = prefetched.result() if prefetched else self._fetch(iterator)
                prefetched = None
                if response is None:
                    iterator = self._reader.iterator(self._reader.read_checkpoint())
                    continue
                records = response.get("Records", [])
                iterator = response.get("NextShardIterator")
                self.ctx.telemetry.millis(
                    Metric.MILLIS_BEHIND_LATEST, float(response.get("MillisBehindLatest", 0))
                )
                if records and iterator is not None:
                    prefetched = pool.submit(self._fetch, iterator)
                if (records or iterator is None) and not self._handle_batch(
                    records, shard_end=iterator is None
                ):
                    return  # handed back during shutdown
                if iterator is None:
                    self._store.finish_shard()
                    return
                if not records:
                    self.stop.wait(self.cfg.idle_poll_ms / 1000)

    # --- one batch -----------------------------------------------------------------------
    def _handle_batch(self, records: list[dict[str, Any]], shard_end: bool) -> bool:
        """Process and commit one batch; False if a stop handed part of it back.

        Fast jobs commit once per batch; slow ones (real videos) also commit every
        ``COMMIT_INTERVAL_S`` so a crash never redoes more than a few seconds of work, and
        jobs reclaimed after a crash commit one by one (see ``jobs.JobRunner``).
        """
        parsed, jobs = decode_batch(records, self.cfg.uploads_bucket, self.shard_id)
        claims = self._store.claim(jobs) if jobs else store.Claims({}, {})
        if claims is None:
            self.log.info("handing the shard over", extra={"shard_id": self.shard_id})
            self.stop.set()
            return False
        recorded = Recorded()
        last_sequence: str | None = None
        committed: str | None = None
        handed_back = False
        last_commit = time.monotonic()
        for record, item in parsed:
            if self.stop.is_set():
                handed_back = True  # stopping: record what is done, hand back the rest
                break
            self.check_lease()
            sequence = record["SequenceNumber"]
            reclaimed = False
            try:
                if isinstance(item, InvalidRequestError):
                    self._dead_letters.send(record, item.reason, "invalid_request", 0)
                elif sequence in claims.refused:
                    refusal = claims.refused[sequence]
                    self._dead_letters.send(
                        record,
                        refusal.reason("the request"),
                        "invalid_request",
                        0,
                        item.video_id,
                        sqlstate=refusal.sqlstate,
                    )
                else:
                    claim = claims.by_sequence[sequence]
                    reclaimed = claim.kind == "reclaimed"
                    if claim.kind == "duplicate":
                        self._jobs.duplicate(item, claim, recorded.stats)
                    else:
                        recorded.add(
                            self._jobs.start(record, item, reclaimed, recorded.stats), record
                        )
            except HandedBackError:
                handed_back = True
                break
            last_sequence = sequence
            # After a crash, each reclaimed job commits at once: finished work must not be
            # counted as another unfinished start if a later job of the batch kills us again.
            if reclaimed or time.monotonic() - last_commit >= COMMIT_INTERVAL_S:
                self._store.commit(recorded, store.Checkpoint(last_sequence, False))
                emit(self.ctx.telemetry, self.log, self.shard_id, recorded.stats)
                recorded, committed = Recorded(), last_sequence
                last_commit = time.monotonic()

        finished = shard_end and not handed_back
        if last_sequence != committed or finished or handed_back:
            self._store.commit(recorded, store.Checkpoint(last_sequence, finished), handed_back)
            emit(self.ctx.telemetry, self.log, self.shard_id, recorded.stats)
        self.in_hand.hold([])
        return not handed_back
