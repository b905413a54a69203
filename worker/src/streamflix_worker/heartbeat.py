"""Lease renewal on its own thread and clock, independent of any AWS call.

The supervisor lists shards (Kinesis ListShards, 0.9-1.9 s while the consumers read, sometimes
failing) before it balances; renewals that waited on that call expired leases under load
(issue 23 item 7). This thread only talks to PostgreSQL: every TTL/3 it renews this worker's
presence and leases. It also keeps the time up to which the leases are surely still ours
(``valid_until``: the start of the last successful renewal plus the TTL, minus a margin for
clock drift), so a consumer can stop before its next side effect once that time has passed,
whatever the database says later.
"""

from __future__ import annotations

import logging
import threading
import time

from aws_lambda_powertools import Logger

from streamflix_worker.database import Database, Session
from streamflix_worker.errors import is_transient
from streamflix_worker.leases import LeaseManager, Renewal

VALIDITY_MARGIN = 0.1  # of the TTL: the database's clock and ours may drift a little


class LeaseHeartbeat(threading.Thread):
    """Renews every ``interval_s``; ``valid_until`` is a monotonic deadline for the leases."""

    def __init__(
        self,
        database: Database,
        leases: LeaseManager,
        interval_s: float,
        logger: Logger | logging.Logger,
    ) -> None:
        super().__init__(name="lease-heartbeat", daemon=True)
        self._session = Session(database)
        self._leases = leases
        self._interval_s = interval_s
        self._log = logger
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._valid_until = 0.0
        self._renewal = Renewal(frozenset(), frozenset())
        self.failure: BaseException | None = None  # an unexpected error ended the thread

    def valid_until(self) -> float:
        """Monotonic time up to which this worker's leases are surely still its own."""
        with self._lock:
            return self._valid_until

    def last_renewal(self) -> Renewal:
        with self._lock:
            return self._renewal

    def note(self, started: float, renewal: Renewal) -> None:
        """Record a renewal that began at ``started`` (monotonic); the supervisor's balancing
        transaction renews too and reports it here."""
        with self._lock:
            until = started + self._leases.ttl * (1 - VALIDITY_MARGIN)
            if until >= self._valid_until:
                self._valid_until = until
                self._renewal = renewal

    def _renew(self) -> None:
        started = time.monotonic()
        try:
            renewal = self._session.transaction(self._leases.renew, started + self._interval_s)
        except Exception as error:
            if not is_transient(error):
                raise
            self._log.warning("lease renewal failed; retrying", extra={"error": str(error)[:300]})
            return
        self.note(started, renewal)

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._renew()
                self._stopping.wait(self._interval_s)
        except BaseException as error:  # reported to the supervisor, which fails with it
            self.failure = error
            self._log.exception("lease heartbeat failed")
        finally:
            self._session.close()

    def stop(self) -> None:
        self._stopping.set()
