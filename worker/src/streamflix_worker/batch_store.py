"""Claim and commit stage: one transaction claims a batch's jobs, one records its outcomes with
the shard checkpoint, both fenced by the lease. Outcomes the database refuses are dead-lettered
and committed as FAILED instead; a stop or crash gives unfinished claims back."""

from __future__ import annotations

import time
from uuid import UUID

import psycopg

from streamflix_worker import store
from streamflix_worker.batch_outcomes import Recorded
from streamflix_worker.contract import JobOutcome, Status
from streamflix_worker.dead_letters import DeadLetterer
from streamflix_worker.errors import LeaseLostError
from streamflix_worker.shard_state import ShardState

CRASH_CREDIT_TIMEOUT_S = 5.0  # taking back marks after a consumer-thread crash
RESUMABLE = frozenset({"new", "resumed", "redrive"})  # may be handed back and resumed batched
DUPLICATE = store.Claim("duplicate")


class BatchStore:
    """One shard's claims, commits and checkpoints."""

    def __init__(self, state: ShardState, dead_letters: DeadLetterer) -> None:
        self._state = state
        self._dead_letters = dead_letters
        self.progressed = False  # committed at least one batch (a crash after it starts anew)

    def claim(self, jobs: list[store.Job]) -> store.Claims | None:
        """Claim the batch's jobs; None (nothing claimed) if another worker asked for this
        shard: it is handed over at this batch boundary, the lease released in the same
        transaction (the previous batch is committed, nothing is in hand), rather than after
        the supervisor's next renewal."""
        s = self._state

        def claim(conn: store.Conn) -> store.Claims | None:
            lease = s.cfg.stream_name, s.shard_id, s.cfg.worker_id
            if store.assert_lease(conn, *lease) is not None:
                s.leases.release(conn, [s.shard_id])
                return None
            return store.claim(conn, jobs, s.cfg.worker_id, s.cfg.claim_holder)

        claims = s.session.transaction(claim, s.deadline)
        if claims is None:
            return None
        s.in_hand.hold(
            [
                j.request.video_id
                for j in jobs
                if claims.by_sequence.get(j.sequence_number, DUPLICATE).kind in RESUMABLE
            ]
        )
        return claims

    def commit(
        self, recorded: Recorded, checkpoint: store.Checkpoint, handing_back: bool = False
    ) -> None:
        """Final statuses + checkpoint (+ lease release at shard end) in ONE transaction.

        When handing back, the unfinished claims are released and the marks of interrupted
        starts taken back in the same transaction. Outcomes the database refuses are
        dead-lettered and committed as FAILED instead (the transaction is retried).
        """
        s = self._state
        fresh, marks = s.in_hand.snapshot() if handing_back else ([], [])

        def commit(conn: store.Conn) -> None:
            store.assert_lease(conn, s.cfg.stream_name, s.shard_id, s.cfg.worker_id)
            store.complete(conn, recorded.outcomes, s.cfg.worker_id)
            store.hand_back(conn, fresh)
            store.credit_starts(conn, marks)
            store.save_checkpoint(conn, s.cfg.stream_name, s.shard_id, checkpoint, s.cfg.worker_id)
            if checkpoint.finished:
                s.leases.release(conn, [s.shard_id])

        while True:
            try:
                s.session.transaction(commit, s.deadline)
                self.progressed = True
                return
            except store.OutcomesRefusedError as refused:
                self._fail_refused(recorded, refused.refusals)

    def _fail_refused(self, recorded: Recorded, refusals: dict[UUID, store.Refusal]) -> None:
        """Replace outcomes the database refused by dead-lettered FAILED ones."""
        outcomes = []
        stats = recorded.stats.outcomes
        for outcome in recorded.outcomes:
            refusal = refusals.get(outcome.video_id)
            if refusal is None:
                outcomes.append(outcome)
                continue
            reason = refusal.reason("the outcome")
            self._dead_letters.send(
                recorded.records[outcome.video_id],
                reason,
                "permanent",
                outcome.attempts,
                outcome.video_id,
                sqlstate=refusal.sqlstate,
            )
            if outcome.status == Status.COMPLETED:
                stats[JobOutcome.COMPLETED] -= 1
                stats[JobOutcome.FAILED] += 1
            outcomes.append(
                store.Outcome(outcome.video_id, Status.FAILED, outcome.attempts, reason=reason)
            )
        recorded.outcomes = outcomes

    def finish_shard(self) -> None:
        """The shard is read to its end: release its lease (its children may start)."""
        s = self._state
        s.session.transaction(lambda c: s.leases.release(c, [s.shard_id]), s.deadline)
        s.log.info("shard finished", extra={"shard_id": s.shard_id})

    def give_back_in_hand(self, claims: bool) -> None:
        """Neither a consumer-thread crash nor a lost lease is a process death: take back the
        crash-guard marks of the starts in flight, and with ``claims`` hand the unfinished
        claims back (after a lost lease the next owner is another process; after a crash the
        claims stay this process's, which the next consumer resumes). Bounded: if the database
        is what failed, they stay, as after a real crash."""
        s = self._state
        fresh, marks = s.in_hand.snapshot()
        fresh = fresh if claims else []
        if not marks and not fresh:
            return

        def give_back(conn: store.Conn) -> None:
            store.credit_starts(conn, marks)
            store.hand_back(conn, fresh)

        try:
            s.session.transaction(give_back, time.monotonic() + CRASH_CREDIT_TIMEOUT_S)
        except (psycopg.Error, LeaseLostError) as error:
            s.log.warning(
                "could not take back the marks of the crashed consumer's jobs",
                extra={"shard_id": s.shard_id, "error": str(error)[:300]},
            )
