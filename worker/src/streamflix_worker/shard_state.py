"""What every stage of one shard consumer shares: the shard, its session, the stop signal.

The stages (``shard_reader``, ``dead_letters``, ``jobs``, ``batch_store``) each do one job on
the same shard; this state is the one place they read the lease validity, the drain deadline
and the stop request from, and ``aws`` is how every Kinesis, SQS and SNS call is retried.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from aws_lambda_powertools import Logger

from streamflix_worker.backoff import jittered_delay_s
from streamflix_worker.config import WorkerConfig
from streamflix_worker.context import WorkerContext
from streamflix_worker.database import Session
from streamflix_worker.errors import LeaseLostError, is_transient
from streamflix_worker.leases import LeaseManager

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
class ShardState:
    """One consumer's shard and the signals its stages obey."""

    ctx: WorkerContext
    shard_id: str
    session: Session
    leases: LeaseManager
    # monotonic time up to which the leases were surely renewed (the supervisor's heartbeat);
    # past it the consumer stops before its next side effect
    lease_valid_until: Callable[[], float] | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    deadline: float | None = None  # set by the supervisor when draining
    in_hand: ClaimsInHand = field(default_factory=ClaimsInHand)

    @property
    def cfg(self) -> WorkerConfig:
        return self.ctx.config

    @property
    def log(self) -> Logger:
        return self.ctx.logger

    def check_lease(self) -> None:
        """Stop before a side effect once the leases may have expired (not renewed for a TTL):
        another worker may own the shard by now, whatever our next commit would find."""
        if self.lease_valid_until is not None and time.monotonic() >= self.lease_valid_until():
            raise LeaseLostError(f"{self.shard_id}: lease not renewed within its TTL")

    def aws(self, call: Callable[[], T], until_deadline: bool = True) -> T:
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
