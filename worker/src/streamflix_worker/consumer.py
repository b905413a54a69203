"""Reads one shard and records each GetRecords batch with its checkpoint.

Per batch: schema-invalid records go to the DLQ; valid ones are claimed (RECEIVED ->
PROCESSING) in one transaction, processed with retries, and their final statuses are committed
in one transaction together with the checkpoint, fenced by the lease. A crash before that
commit replays the batch (claims and statuses are idempotent); a crash after it replays nothing.
A record the database refuses is dead-lettered alone; a request for a video already in progress
or done is a recorded duplicate; a shutdown or handover hands unfinished claims back so the
next owner keeps the batched path.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from botocore.exceptions import ClientError

from streamflix_worker import store
from streamflix_worker.backoff import jittered_delay_s
from streamflix_worker.context import WorkerContext
from streamflix_worker.database import Session
from streamflix_worker.deadletter import DeadLetter, encode_payload
from streamflix_worker.errors import LeaseLostError, PermanentJobError, as_job_error, is_transient
from streamflix_worker.leases import LeaseManager
from streamflix_worker.schema import InvalidRequestError, ProcessingRequest, parse_request
from streamflix_worker.telemetry import (
    JOBS_DEAD_LETTERED,
    JOBS_DUPLICATE,
    JOBS_DUPLICATE_CHANGED,
    JOBS_FAILED,
    JOBS_PROCESSED,
    JOBS_RETRIED,
    MILLIS_BEHIND_LATEST,
    PROCESSING_LATENCY,
    SHARD_CONSUMER_CRASHED,
)

MIN_GET_RECORDS_INTERVAL_S = 0.2  # Kinesis allows 5 GetRecords per second per shard
COMMIT_INTERVAL_S = 5.0  # bound on redone work after a crash when jobs are slow
CRASH_CREDIT_TIMEOUT_S = 5.0
DUPLICATE_EXAMPLES = 5  # video ids named in a commit's duplicates summary  # taking back marks after a consumer-thread crash
# A reclaimed job whose marked starts all died (the process was killed while processing it)
# is dead-lettered on its next start: with the first, unmarked start, that is three deaths.
MAX_UNFINISHED_STARTS = 2
RESUMABLE = frozenset({"new", "resumed", "redrive"})  # may be handed back and resumed batched
DUPLICATE = store.Claim("duplicate")
T = TypeVar("T")


class HandedBackError(Exception):
    """Shutdown interrupted a job; it stays unrecorded for the next owner of the shard."""


class StopRequestedError(HandedBackError):
    """An AWS call kept failing transiently while the consumer was asked to stop: give the
    work back rather than retry past the drain deadline (a normal stop, not a crash)."""


class ClaimsInHand:
    """Claims this consumer holds and has not finished, shared with the supervisor.

    ``fresh`` are claims the next owner may resume in its batch (new, resumed, redriven), in
    the order the batch processes them; ``marks`` are the crash-guard marks of reclaimed starts
    in flight. A graceful stop hands the unfinished fresh ones back and takes the marks back,
    so a shutdown never counts as a crash. Finishing a fresh job only moves an index (one int
    store, atomic for the reader): this runs once per job on the batched path.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fresh: tuple[UUID, ...] = ()
        self._done = 0
        self._marks: dict[UUID, UUID] = {}

    def hold(self, fresh: list[UUID]) -> None:
        with self._lock:
            self._fresh, self._done = tuple(fresh), 0
            self._marks.clear()

    def mark(self, video_id: UUID, token: UUID) -> None:
        with self._lock:
            self._marks[video_id] = token

    def finished(self, video_id: UUID) -> None:
        done = self._done
        if done < len(self._fresh) and self._fresh[done] == video_id:
            self._done = done + 1
        elif self._marks:
            with self._lock:
                self._marks.pop(video_id, None)

    def snapshot(self) -> tuple[list[UUID], list[tuple[UUID, UUID]]]:
        with self._lock:
            return list(self._fresh[self._done :]), sorted(self._marks.items())


@dataclass
class BatchStats:
    """Counts emitted as metrics once the batch is committed."""

    processed: int = 0
    failed: int = 0
    retried: int = 0
    duplicates: int = 0  # same-content replays
    changed: int = 0  # different content for a video already in progress or done
    latencies_ms: list[float] = field(default_factory=list)
    # duplicates by the status they found, a few of their videos, and forged redrive markers:
    # logged as one summary line per commit, not one line per duplicate (a replay storm)
    duplicate_statuses: Counter[str] = field(default_factory=Counter)
    duplicate_examples: list[str] = field(default_factory=list)
    ungranted_markers: list[str] = field(default_factory=list)


@dataclass
class Recorded:
    """Outcomes of a batch not committed yet, with the record each came from."""

    outcomes: list[store.Outcome] = field(default_factory=list)
    records: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    stats: BatchStats = field(default_factory=BatchStats)

    def add(self, outcome: store.Outcome, record: dict[str, Any]) -> None:
        self.outcomes.append(outcome)
        self.records[outcome.video_id] = record


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
        # monotonic time up to which the leases were surely renewed (the supervisor's
        # heartbeat); past it the consumer stops before its next side effect
        self._lease_valid_until = lease_valid_until
        self.ctx = ctx
        self.cfg = ctx.config
        self.shard_id = shard_id
        self.stop = threading.Event()
        self.deadline: float | None = None  # set by the supervisor when draining
        self._on_exit = on_exit  # wakes the supervisor: hand over or take children now
        self._session = Session(ctx.database)
        self._last_fetch = 0.0
        self._leases = LeaseManager(
            self.cfg.stream_name, self.cfg.worker_id, self.cfg.lease_ttl_seconds
        )
        self.in_hand = ClaimsInHand()
        self.log = ctx.logger
        self.crashed = False  # ended by an unexpected error (the supervisor backs off)
        self.progressed = False  # committed at least one batch (a crash after it starts anew)

    # --- Kinesis -------------------------------------------------------------------------
    def _aws(self, call: Callable[[], T], until_deadline: bool = True) -> T:
        """Retry throttling and transient AWS errors (Kinesis, SQS, SNS).

        While draining, a side effect (DLQ letter, alert) is retried until the drain deadline:
        it belongs to a finished job worth committing. A read (``until_deadline=False``), a
        stop without a deadline (handover) or a deadline too close ends in
        ``StopRequestedError``: the work is handed back, which is no error.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except Exception as error:
                if not is_transient(error):
                    raise
                delay = jittered_delay_s(min(attempt, 10), 100, 5000)
                stopping = self.stop.is_set()
                if stopping and (
                    not until_deadline
                    or self.deadline is None
                    or time.monotonic() + delay >= self.deadline
                ):
                    raise StopRequestedError(str(error)[:300]) from error
                self.log.warning("AWS call failed, retrying", extra={"error": str(error)[:300]})
                if stopping:
                    time.sleep(delay)
                else:
                    self.stop.wait(delay)

    def _iterator(self, checkpoint: store.Checkpoint) -> str:
        args: dict[str, Any] = {"StreamName": self.cfg.stream_name, "ShardId": self.shard_id}
        if checkpoint.sequence_number is None:
            args["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            args["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            args["StartingSequenceNumber"] = checkpoint.sequence_number
        response = self._aws(lambda: self.ctx.kinesis.get_shard_iterator(**args), False)
        return str(response["ShardIterator"])

    def _get_records(self, iterator: str) -> dict[str, Any]:
        kinesis, limit = self.ctx.kinesis, self.cfg.batch_size
        return dict(
            self._aws(lambda: kinesis.get_records(ShardIterator=iterator, Limit=limit), False)
        )

    # --- main loop -----------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._consume()
        except LeaseLostError as error:
            self.log.info(
                "lease lost; stopping shard", extra={"shard_id": self.shard_id, "why": str(error)}
            )
            self._give_back_in_hand(claims=True)
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
                self.ctx.telemetry.count(SHARD_CONSUMER_CRASHED)
                self._give_back_in_hand(claims=False)
        finally:
            self._session.close()
            self._on_exit()

    def check_lease(self) -> None:
        """Stop before a side effect once the leases may have expired (not renewed for a TTL):
        another worker may own the shard by now, whatever our next commit would find."""
        if self._lease_valid_until is not None and time.monotonic() >= self._lease_valid_until():
            raise LeaseLostError(f"{self.shard_id}: lease not renewed within its TTL")

    def _give_back_in_hand(self, claims: bool) -> None:
        """Neither a consumer-thread crash nor a lost lease is a process death: take back the
        crash-guard marks of the starts in flight, and with ``claims`` hand the unfinished
        claims back (after a lost lease the next owner is another process; after a crash the
        claims stay this process's, which the next consumer resumes). Bounded: if the database
        is what failed, they stay, as after a real crash."""
        fresh, marks = self.in_hand.snapshot()
        fresh = fresh if claims else []
        if not marks and not fresh:
            return

        def give_back(conn: store.Conn) -> None:
            store.credit_starts(conn, marks)
            store.hand_back(conn, fresh)

        try:
            self._session.transaction(give_back, time.monotonic() + CRASH_CREDIT_TIMEOUT_S)
        except (psycopg.Error, LeaseLostError) as error:
            self.log.warning(
                "could not take back the marks of the crashed consumer's jobs",
                extra={"shard_id": self.shard_id, "error": str(error)[:300]},
            )

    def _read_checkpoint(self) -> store.Checkpoint:
        return self._session.transaction(
            lambda c: store.read_checkpoint(c, self.cfg.stream_name, self.shard_id)
        )

    def _fetch(self, iterator: str) -> dict[str, Any] | None:
        """One rate-limited GetRecords; None if the iterator expired (restart from checkpoint)."""
        wait = MIN_GET_RECORDS_INTERVAL_S - (time.monotonic() - self._last_fetch)
        if wait > 0 and self.stop.wait(wait):
            return {"Records": [], "NextShardIterator": iterator}
        self._last_fetch = time.monotonic()
        try:
            return self._get_records(iterator)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExpiredIteratorException":
                raise
            return None

    def _consume(self) -> None:
        """Read the shard from its checkpoint to its end (or until stopped).

        While a batch is being recorded, the next GetRecords is already in flight (one
        prefetch, as the KCL does), so Kinesis latency overlaps with database work. A
        prefetched batch is only used after the previous one is committed, so an expired
        iterator can always restart from the checkpoint.
        """
        checkpoint = self._read_checkpoint()
        if checkpoint.finished:
            self._finish_shard()
            return
        iterator: str | None = self._iterator(checkpoint)
        with ThreadPoolExecutor(1, thread_name_prefix=f"prefetch-{self.shard_id}") as pool:
            prefetched: Future[dict[str, Any] | None] | None = None
            while iterator is not None and not self.stop.is_set():
                response = prefetched.result() if prefetched else self._fetch(iterator)
                prefetched = None
                if response is None:
                    iterator = self._iterator(self._read_checkpoint())
                    continue
                records = response.get("Records", [])
                iterator = response.get("NextShardIterator")
                self.ctx.telemetry.millis(
                    MILLIS_BEHIND_LATEST, float(response.get("MillisBehindLatest", 0))
                )
                if records and iterator is not None:
                    prefetched = pool.submit(self._fetch, iterator)
                if (records or iterator is None) and not self._handle_batch(
                    records, shard_end=iterator is None
                ):
                    return  # handed back during shutdown
                if iterator is None:
                    self._finish_shard()
                    return
                if not records:
                    self.stop.wait(self.cfg.idle_poll_ms / 1000)

    def _finish_shard(self) -> None:
        self._session.transaction(lambda c: self._leases.release(c, [self.shard_id]), self.deadline)
        self.log.info("shard finished", extra={"shard_id": self.shard_id})

    # --- one batch -----------------------------------------------------------------------
    def _parse(self, record: dict[str, Any]) -> ProcessingRequest:
        request = parse_request(record["Data"])
        if request.source.bucket != self.cfg.uploads_bucket:
            raise InvalidRequestError(
                f"source.bucket must be the uploads bucket {self.cfg.uploads_bucket}"
            )
        return request

    def _dead_letter(
        self,
        record: dict[str, Any],
        reason: str,
        kind: str,
        attempts: int,
        video_id: UUID | None = None,
        alert: bool = False,
        sqlstate: str | None = None,
    ) -> None:
        payload, encoding = encode_payload(record["Data"])
        letter = DeadLetter(
            reason=reason,
            error_kind=kind,
            attempts=attempts,
            stream_name=self.cfg.stream_name,
            shard_id=self.shard_id,
            sequence_number=record["SequenceNumber"],
            worker_id=self.cfg.worker_id,
            payload=payload,
            payload_encoding=encoding,
            video_id=str(video_id) if video_id else None,
            sqlstate=sqlstate,
        )
        self.check_lease()
        self._aws(lambda: self.ctx.sink.send(letter))
        self.ctx.telemetry.count(JOBS_DEAD_LETTERED)
        if alert:
            self._aws(lambda: self.ctx.sink.alert(letter))
        self.log.warning(
            "record dead-lettered",
            extra={
                "reason": reason,
                "kind": kind,
                "video_id": letter.video_id,
                "sequence_number": letter.sequence_number,
            },
        )

    def _parse_batch(
        self, records: list[dict[str, Any]]
    ) -> tuple[
        list[tuple[dict[str, Any], ProcessingRequest | InvalidRequestError]], list[store.Job]
    ]:
        parsed: list[tuple[dict[str, Any], ProcessingRequest | InvalidRequestError]] = []
        jobs: list[store.Job] = []
        for record in records:
            try:
                request = self._parse(record)
            except InvalidRequestError as invalid:
                parsed.append((record, invalid))
                continue
            parsed.append((record, request))
            jobs.append(store.Job(request, self.shard_id, record["SequenceNumber"]))
        return parsed, jobs

    def _commit(
        self, recorded: Recorded, checkpoint: store.Checkpoint, handing_back: bool = False
    ) -> None:
        """Final statuses + checkpoint (+ lease release at shard end) in ONE transaction.

        When handing back, the unfinished claims are released and the marks of interrupted
        starts taken back in the same transaction. Outcomes the database refuses are
        dead-lettered and committed as FAILED instead (the transaction is retried).
        """
        fresh, marks = self.in_hand.snapshot() if handing_back else ([], [])

        def commit(conn: store.Conn) -> None:
            store.assert_lease(conn, self.cfg.stream_name, self.shard_id, self.cfg.worker_id)
            store.complete(conn, recorded.outcomes, self.cfg.worker_id)
            store.hand_back(conn, fresh)
            store.credit_starts(conn, marks)
            store.save_checkpoint(
                conn, self.cfg.stream_name, self.shard_id, checkpoint, self.cfg.worker_id
            )
            if checkpoint.finished:
                self._leases.release(conn, [self.shard_id])

        while True:
            try:
                self._session.transaction(commit, self.deadline)
                self.progressed = True
                return
            except store.OutcomesRefusedError as refused:
                self._fail_refused(recorded, refused.refusals)

    def _fail_refused(self, recorded: Recorded, refusals: dict[UUID, store.Refusal]) -> None:
        """Replace outcomes the database refused by dead-lettered FAILED ones."""
        outcomes = []
        for outcome in recorded.outcomes:
            refusal = refusals.get(outcome.video_id)
            if refusal is None:
                outcomes.append(outcome)
                continue
            reason = refusal.reason("the outcome")
            self._dead_letter(
                recorded.records[outcome.video_id],
                reason,
                "permanent",
                outcome.attempts,
                outcome.video_id,
                sqlstate=refusal.sqlstate,
            )
            if outcome.status == "COMPLETED":
                recorded.stats.processed -= 1
                recorded.stats.failed += 1
            outcomes.append(
                store.Outcome(outcome.video_id, "FAILED", outcome.attempts, reason=reason)
            )
        recorded.outcomes = outcomes

    def _log_duplicates(self, stats: BatchStats) -> None:
        """One INFO line for the duplicates a commit recorded (and one WARNING when some
        carried a redrive marker the operator never recorded)."""
        if not stats.duplicates and not stats.changed:
            return
        self.log.info(
            "duplicate requests skipped",
            extra={
                "shard_id": self.shard_id,
                "duplicates": stats.duplicates,
                "different_content": stats.changed,
                "status_seen": dict(stats.duplicate_statuses),
                "examples": stats.duplicate_examples,
            },
        )
        if stats.ungranted_markers:
            self.log.warning(
                "redrive markers not recorded by the operator's redrive: the videos stay FAILED",
                extra={
                    "shard_id": self.shard_id,
                    "count": len(stats.ungranted_markers),
                    "examples": stats.ungranted_markers[:DUPLICATE_EXAMPLES],
                },
            )

    def _emit(self, stats: BatchStats) -> None:
        self._log_duplicates(stats)
        telemetry = self.ctx.telemetry
        for name, value in (
            (JOBS_PROCESSED, stats.processed),
            (JOBS_FAILED, stats.failed),
            (JOBS_RETRIED, stats.retried),
            (JOBS_DUPLICATE, stats.duplicates),
            (JOBS_DUPLICATE_CHANGED, stats.changed),
        ):
            if value:
                telemetry.count(name, value)
        if stats.latencies_ms:
            telemetry.millis(PROCESSING_LATENCY, *stats.latencies_ms)

    def _claim(self, jobs: list[store.Job]) -> store.Claims | None:
        """Claim the batch's jobs; None (nothing claimed) if another worker asked for this
        shard: it is handed over at this batch boundary, the lease released in the same
        transaction (the previous batch is committed, nothing is in hand), rather than after
        the supervisor's next renewal."""

        def claim(conn: store.Conn) -> store.Claims | None:
            lease = self.cfg.stream_name, self.shard_id, self.cfg.worker_id
            if store.assert_lease(conn, *lease) is not None:
                self._leases.release(conn, [self.shard_id])
                return None
            return store.claim(conn, jobs, self.cfg.worker_id, self.cfg.claim_holder)

        claims = self._session.transaction(claim, self.deadline)
        if claims is None:
            return None
        self.in_hand.hold(
            [
                j.request.video_id
                for j in jobs
                if claims.by_sequence.get(j.sequence_number, DUPLICATE).kind in RESUMABLE
            ]
        )
        return claims

    def _handle_batch(self, records: list[dict[str, Any]], shard_end: bool) -> bool:
        """Process and commit one batch; False if a stop handed part of it back.

        Fast jobs commit once per batch; slow ones (real videos) also commit every
        ``COMMIT_INTERVAL_S`` so a crash never redoes more than a few seconds of work, and
        jobs reclaimed after a crash commit one by one (see ``_guard_reclaimed``).
        """
        parsed, jobs = self._parse_batch(records)
        claims = self._claim(jobs) if jobs else store.Claims({}, {})
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
                    self._dead_letter(record, item.reason, "invalid_request", 0)
                elif sequence in claims.refused:
                    refusal = claims.refused[sequence]
                    self._dead_letter(
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
                        self._duplicate(record, item, claim, recorded.stats)
                    else:
                        recorded.add(self._start(record, item, reclaimed, recorded.stats), record)
            except HandedBackError:
                handed_back = True
                break
            last_sequence = sequence
            # After a crash, each reclaimed job commits at once: finished work must not be
            # counted as another unfinished start if a later job of the batch kills us again.
            if reclaimed or time.monotonic() - last_commit >= COMMIT_INTERVAL_S:
                self._commit(recorded, store.Checkpoint(last_sequence, False))
                self._emit(recorded.stats)
                recorded, committed = Recorded(), last_sequence
                last_commit = time.monotonic()

        finished = shard_end and not handed_back
        if last_sequence != committed or finished or handed_back:
            self._commit(recorded, store.Checkpoint(last_sequence, finished), handed_back)
            self._emit(recorded.stats)
        self.in_hand.hold([])
        return not handed_back

    def _duplicate(
        self,
        record: dict[str, Any],
        request: ProcessingRequest,
        claim: store.Claim,
        stats: BatchStats,
    ) -> None:
        """A request for a video in progress or done: recorded by the claim, never processed;
        counted here and logged in the commit's summary line (``_log_duplicates``)."""
        if claim.changed:
            stats.changed += 1
        else:
            stats.duplicates += 1
        stats.duplicate_statuses[claim.status_seen or "unknown"] += 1
        if len(stats.duplicate_examples) < DUPLICATE_EXAMPLES:
            stats.duplicate_examples.append(str(request.video_id))
        if claim.ungranted and request.redrive is not None:
            stats.ungranted_markers.append(str(request.video_id))

    def _start(
        self, record: dict[str, Any], request: ProcessingRequest, reclaimed: bool, stats: BatchStats
    ) -> store.Outcome:
        """Run one claimed job (guarded first if an earlier run of it stopped abruptly).

        A ``HandedBackError`` leaves the job in hand, for the commit that hands it back.
        """
        outcome = self._guard_reclaimed(record, request, stats) if reclaimed else None
        if outcome is None:
            outcome = self._run_job(record, request, stats)
        self.in_hand.finished(request.video_id)
        return outcome

    def _guard_reclaimed(
        self, record: dict[str, Any], request: ProcessingRequest, stats: BatchStats
    ) -> store.Outcome | None:
        """Mark this start of a job an earlier run left unfinished; if its earlier marked
        starts all died, dead-letter it rather than die again (a poison never blocks its
        shard, even one that crashes the process). A shutdown takes the mark back."""

        def mark(conn: store.Conn) -> tuple[int, UUID | None]:
            store.assert_lease(conn, self.cfg.stream_name, self.shard_id, self.cfg.worker_id)
            return store.mark_start(conn, request.video_id)

        died, token = self._session.transaction(mark, self.deadline)
        if token is not None:
            self.in_hand.mark(request.video_id, token)
        if died < MAX_UNFINISHED_STARTS:
            return None
        reason = (
            f"the worker stopped while processing it {died} time(s) after it was first left "
            "unfinished (a crash in processing, e.g. a decoder fault on this file)"
        )
        self._dead_letter(record, reason, "worker_crashed", died, request.video_id, alert=True)
        stats.failed += 1
        return store.Outcome(request.video_id, "FAILED", died, reason=f"worker_crashed: {reason}")

    def _run_job(
        self, record: dict[str, Any], request: ProcessingRequest, stats: BatchStats
    ) -> store.Outcome:
        """Process one job with capped, jittered retries; exhausted or permanent -> DLQ."""
        policy = self.cfg.retry
        started = time.monotonic()
        for attempt in range(1, policy.max_attempts + 1):
            try:
                media = self.ctx.processor.process(request)
            except Exception as raw:
                error = as_job_error(raw)
                permanent = isinstance(error, PermanentJobError)
                if permanent or attempt == policy.max_attempts:
                    kind = "permanent" if permanent else "retries_exhausted"
                    self._dead_letter(
                        record, error.reason, kind, attempt, request.video_id, alert=not permanent
                    )
                    stats.failed += 1
                    return store.Outcome(
                        request.video_id, "FAILED", attempt, reason=f"{kind}: {error.reason}"
                    )
                stats.retried += 1
                delay = jittered_delay_s(attempt, policy.base_backoff_ms, policy.max_backoff_ms)
                self.log.info(
                    "job failed transiently; retrying",
                    extra={
                        "video_id": str(request.video_id),
                        "attempt": attempt,
                        "error": error.reason,
                        "delay_s": round(delay, 3),
                    },
                )
                if self.stop.wait(delay):
                    raise HandedBackError from raw
                continue
            stats.processed += 1
            stats.latencies_ms.append((time.monotonic() - started) * 1000)
            return store.Outcome(request.video_id, "COMPLETED", attempt, media=media)
        raise AssertionError("unreachable")
