"""The operator's record of each redrive (``redrive_grants``, V009).

A redrive marker is a field of the request, and any producer can write requests, so the marker
alone proves nothing. ``redrive`` records the redrive here, as the operator's own database
login, BEFORE it puts the marked record on the stream; the worker re-opens a FAILED video only
for a marker whose ``redrive_id`` was recorded for that video (``store.decide``). The worker's
login may read grants but not write them, and producers have no database access.
"""

from __future__ import annotations

import time
from typing import Any, Protocol, cast

import psycopg
from botocore.exceptions import BotoCoreError, ClientError

from streamflix_worker.credentials import SecretError
from streamflix_worker.database import Database, Session
from streamflix_worker.leases import Conn
from streamflix_worker.redrive_plan import Move

GRANT_TIMEOUT_S = 30.0  # an unreachable database fails the letter (kept), it does not hang

_INSERT = """
INSERT INTO redrive_grants (redrive_id, video_id, dead_letter_id, error_kind)
VALUES (%s, %s, %s, %s)
ON CONFLICT (redrive_id) DO NOTHING
"""

# what ``record`` raises when the grant was not recorded: the database refused or could not be
# reached, or the operator's login could not be read (secret, token)
GRANT_ERRORS = (psycopg.Error, SecretError, BotoCoreError, ClientError)


_LATEST_CORRECTION = """
SELECT request, sequence_number::text FROM video_duplicate_requests
WHERE video_id = %s AND same_content = false
ORDER BY id DESC LIMIT 1
"""


class GrantBook(Protocol):
    """Where ``redrive`` records a redrive before the marked record goes back, and reads the
    corrections producers sent for a video (``redrive --latest``)."""

    def record(self, dead_letter_id: str, step: Move) -> None: ...

    def latest_correction(self, video_id: str) -> tuple[dict[str, Any], str] | None: ...


class DatabaseGrants:
    """Grants in the pipeline's database, written with the operator's login.

    Idempotent: a letter redriven twice (the command died between PutRecord and DeleteMessage)
    has the same ``redrive_id`` and is recorded once.
    """

    def __init__(self, database: Database) -> None:
        self._session = Session(database)

    def record(self, dead_letter_id: str, step: Move) -> None:
        row = (str(step.redrive_id), step.video_id, dead_letter_id, step.error_kind)
        self._session.transaction(
            lambda conn: conn.execute(_INSERT, row), time.monotonic() + GRANT_TIMEOUT_S
        )

    def latest_correction(self, video_id: str) -> tuple[dict[str, Any], str] | None:
        """The last request with different content a worker recorded for ``video_id`` (V010):
        its stored fields and the sequence number it arrived with."""

        def read(conn: Conn) -> tuple[dict[str, Any], str] | None:
            row = conn.execute(_LATEST_CORRECTION, (video_id,)).fetchone()
            return None if row is None else (cast(dict[str, Any], row[0]), str(row[1]))

        return self._session.transaction(read, time.monotonic() + GRANT_TIMEOUT_S)

    def close(self) -> None:
        self._session.close()
