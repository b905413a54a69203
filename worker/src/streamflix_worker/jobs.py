"""Process stage: run each claimed job to its outcome (with retries, and the crash guard for a
job an earlier run left unfinished), or count a duplicate. Every ending goes through
``_ended``, so an outcome's metric and the status it records come from one contract entry."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from streamflix_worker import store
from streamflix_worker.backoff import jittered_delay_s
from streamflix_worker.batch_outcomes import DUPLICATE_EXAMPLES, BatchStats
from streamflix_worker.contract import JobOutcome
from streamflix_worker.dead_letters import DeadLetterer
from streamflix_worker.errors import PermanentJobError, as_job_error
from streamflix_worker.media import MediaInfo
from streamflix_worker.schema import ProcessingRequest
from streamflix_worker.shard_state import HandedBackError, ShardState

# A reclaimed job whose marked starts all died (the process was killed while processing it)
# is dead-lettered on its next start: with the first, unmarked start, that is three deaths.
MAX_UNFINISHED_STARTS = 2


def _ended(
    outcome: JobOutcome,
    stats: BatchStats,
    video_id: UUID,
    attempts: int,
    *,
    media: MediaInfo | None = None,
    reason: str | None = None,
) -> store.Outcome:
    """Count ``outcome`` and return what the commit records for it (its contract status)."""
    status = outcome.status
    if status is None:
        raise ValueError(f"{outcome.name} records no status: it is not the end of a job")
    stats.outcomes[outcome] += 1
    return store.Outcome(video_id, status, attempts, media=media, reason=reason)


class JobRunner:
    """Runs one shard's claimed jobs; dead-letters those that end in failure."""

    def __init__(self, state: ShardState, dead_letters: DeadLetterer) -> None:
        self._state = state
        self._dead_letters = dead_letters

    def duplicate(
        self,
        request: ProcessingRequest,
        claim: store.Claim,
        stats: BatchStats,
    ) -> None:
        """A request for a video in progress or done: recorded by the claim, never processed;
        counted here and logged in the commit's summary line (``log_duplicates``)."""
        stats.outcomes[JobOutcome.DUPLICATE_CHANGED if claim.changed else JobOutcome.DUPLICATE] += 1
        stats.duplicate_statuses[claim.status_seen or "unknown"] += 1
        if len(stats.duplicate_examples) < DUPLICATE_EXAMPLES:
            stats.duplicate_examples.append(str(request.video_id))
        if claim.ungranted and request.redrive is not None:
            stats.ungranted_markers.append(str(request.video_id))

    def start(
        self, record: dict[str, Any], request: ProcessingRequest, reclaimed: bool, stats: BatchStats
    ) -> store.Outcome:
        """Run one claimed job (guarded first if an earlier run of it stopped abruptly).

        A ``HandedBackError`` leaves the job in hand, for the commit that hands it back.
        """
        outcome = self._guard_reclaimed(record, request, stats) if reclaimed else None
        if outcome is None:
            outcome = self._run(record, request, stats)
        self._state.in_hand.finished(request.video_id)
        return outcome

    def _guard_reclaimed(
        self, record: dict[str, Any], request: ProcessingRequest, stats: BatchStats
    ) -> store.Outcome | None:
        """Mark this start of a job an earlier run left unfinished; if its earlier marked
        starts all died, dead-letter it rather than die again (a poison never blocks its
        shard, even one that crashes the process). A shutdown takes the mark back."""
        s = self._state

        def mark(conn: store.Conn) -> tuple[int, UUID | None]:
            store.assert_lease(conn, s.cfg.stream_name, s.shard_id, s.cfg.worker_id)
            return store.mark_start(conn, request.video_id)

        died, token = s.session.transaction(mark, s.deadline)
        if token is not None:
            s.in_hand.mark(request.video_id, token)
        if died < MAX_UNFINISHED_STARTS:
            return None
        reason = (
            f"the worker stopped while processing it {died} time(s) after it was first left "
            "unfinished (a crash in processing, e.g. a decoder fault on this file)"
        )
        self._dead_letters.send(
            record, reason, "worker_crashed", died, request.video_id, alert=True
        )
        return _ended(
            JobOutcome.FAILED, stats, request.video_id, died, reason=f"worker_crashed: {reason}"
        )

    def _run(
        self, record: dict[str, Any], request: ProcessingRequest, stats: BatchStats
    ) -> store.Outcome:
        """Process one job with capped, jittered retries; exhausted or permanent -> DLQ."""
        s = self._state
        policy = s.cfg.retry
        started = time.monotonic()
        for attempt in range(1, policy.max_attempts + 1):
            try:
                media = s.ctx.processor.process(request)
            except Exception as raw:
                error = as_job_error(raw)
                permanent = isinstance(error, PermanentJobError)
                if permanent or attempt == policy.max_attempts:
                    kind = "permanent" if permanent else "retries_exhausted"
                    self._dead_letters.send(
                        record, error.reason, kind, attempt, request.video_id, alert=not permanent
                    )
                    return _ended(
                        JobOutcome.FAILED,
                        stats,
                        request.video_id,
                        attempt,
                        reason=f"{kind}: {error.reason}",
                    )
                stats.retried += 1
                delay = jittered_delay_s(attempt, policy.base_backoff_ms, policy.max_backoff_ms)
                s.log.info(
                    "job failed transiently; retrying",
                    extra={
                        "video_id": str(request.video_id),
                        "attempt": attempt,
                        "error": error.reason,
                        "delay_s": round(delay, 3),
                    },
                )
                if s.stop.wait(delay):
                    raise HandedBackError from raw
                continue
            stats.latencies_ms.append((time.monotonic() - started) * 1000)
            return _ended(JobOutcome.COMPLETED, stats, request.video_id, attempt, media=media)
        raise AssertionError("unreachable")
