"""SQL for jobs and shard progress; every function runs inside the caller's transaction.

Writes are set-based (one statement per GetRecords batch) and guarded by the current status,
so replaying a batch after a crash changes nothing that was already recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import psycopg

from streamflix_worker.errors import LeaseLostError
from streamflix_worker.media import MediaInfo
from streamflix_worker.schema import ProcessingRequest

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class Job:
    """A valid request and where it came from."""

    request: ProcessingRequest
    shard_id: str
    sequence_number: str


@dataclass(frozen=True)
class Outcome:
    """The end of one job: COMPLETED with media facts, or FAILED with a reason."""

    video_id: UUID
    status: Literal["COMPLETED", "FAILED"]
    attempts: int
    media: MediaInfo | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    """How far a shard has been processed; ``finished`` once its end was reached."""

    sequence_number: str | None
    finished: bool


def assert_lease(conn: Conn, stream: str, shard_id: str, worker_id: str) -> None:
    """Fence: lock the lease row and fail unless this worker still owns the shard."""
    row = conn.execute(
        "SELECT owner FROM shard_leases WHERE stream_name = %s AND shard_id = %s FOR UPDATE",
        (stream, shard_id),
    ).fetchone()
    if row is None or row[0] != worker_id:
        raise LeaseLostError(f"{shard_id} is owned by {row[0] if row else 'nobody'}")


_CLAIM = """
WITH input AS (
    SELECT * FROM jsonb_to_recordset(%(jobs)s::jsonb) AS x(
        video_id uuid, schema_version integer, title text, creator_id text,
        uploaded_at timestamptz, source_bucket text, source_key text, origin_country text,
        european_work boolean, rights_reference text, age_rating text,
        shard_id text, seq numeric)
), inserted AS (
    INSERT INTO videos (video_id, schema_version, title, creator_id, uploaded_at,
        source_bucket, source_key, origin_country, european_work, rights_reference,
        age_rating, status, claimed_by, source_shard_id, source_sequence)
    SELECT video_id, schema_version, title, creator_id, uploaded_at, source_bucket,
        source_key, origin_country, european_work, rights_reference, age_rating,
        'PROCESSING', %(worker)s, shard_id, seq
    FROM input
    ON CONFLICT (video_id) DO NOTHING
    RETURNING video_id
), history AS (
    INSERT INTO video_status_history (video_id, from_status, to_status, worker_id, attempt, reason)
    SELECT video_id, NULL, 'RECEIVED', %(worker)s, 0, 'request read from ' || %(shard)s
    FROM inserted
    UNION ALL
    SELECT video_id, 'RECEIVED', 'PROCESSING', %(worker)s, 1, NULL FROM inserted
), reclaimed AS (
    UPDATE videos v SET claimed_by = %(worker)s, updated_at = now()
    FROM input i
    WHERE v.video_id = i.video_id AND v.status = 'PROCESSING'
    RETURNING v.video_id
)
SELECT video_id, false AS reclaimed FROM inserted
UNION ALL
SELECT video_id, true AS reclaimed FROM reclaimed
"""


def claim(conn: Conn, jobs: list[Job], worker_id: str) -> dict[UUID, bool]:
    """Record new requests as RECEIVED -> PROCESSING; return the ids that still need work,
    each mapped to whether it was reclaimed.

    Ids already COMPLETED or FAILED are duplicates and are left alone; ids left PROCESSING
    by a worker that stopped mid-batch are claimed again (``True``) without a second history
    entry. (The two CTEs see the same snapshot, so no id is both inserted and reclaimed.)
    """
    if not jobs:
        return {}
    rows = [
        {
            "video_id": str(j.request.video_id),
            "schema_version": j.request.schema_version,
            "title": j.request.title,
            "creator_id": j.request.creator_id,
            "uploaded_at": j.request.uploaded_at.isoformat(),
            "source_bucket": j.request.source.bucket,
            "source_key": j.request.source.key,
            "origin_country": j.request.content.origin_country,
            "european_work": j.request.content.european_work,
            "rights_reference": j.request.content.rights_reference,
            "age_rating": j.request.content.age_rating,
            "shard_id": j.shard_id,
            "seq": j.sequence_number,
        }
        for j in jobs
    ]
    result = conn.execute(
        _CLAIM, {"jobs": json.dumps(rows), "worker": worker_id, "shard": jobs[0].shard_id}
    )
    return {UUID(str(r[0])): bool(r[1]) for r in result.fetchall()}


def mark_start(conn: Conn, video_id: UUID) -> int:
    """Count one more start of a reclaimed job; return how many earlier starts never finished."""
    row = conn.execute(
        "UPDATE videos SET unfinished_starts = unfinished_starts + 1, updated_at = now() "
        "WHERE video_id = %s AND status = 'PROCESSING' RETURNING unfinished_starts - 1",
        (str(video_id),),
    ).fetchone()
    return 0 if row is None else int(str(row[0]))


def unmark_start(conn: Conn, video_ids: list[UUID]) -> None:
    """Take back marks of starts that were handed back gracefully (they did not crash)."""
    if video_ids:
        conn.execute(
            "UPDATE videos SET unfinished_starts = GREATEST(unfinished_starts - 1, 0) "
            "WHERE video_id = ANY(%s::uuid[]) AND status = 'PROCESSING'",
            ([str(v) for v in video_ids],),
        )


_COMPLETE = """
WITH input AS (
    SELECT * FROM jsonb_to_recordset(%(outcomes)s::jsonb) AS x(
        video_id uuid, status text, attempts integer, duration double precision,
        size bigint, sha256 text, probe jsonb, reason text)
), updated AS (
    UPDATE videos v SET status = i.status, attempts = i.attempts,
        duration_seconds = i.duration, file_size_bytes = i.size,
        fingerprint_sha256 = i.sha256, probe = i.probe, failure_reason = i.reason,
        updated_at = now()
    FROM input i
    WHERE v.video_id = i.video_id AND v.status = 'PROCESSING'
    RETURNING v.video_id, i.status, i.attempts, i.reason
)
INSERT INTO video_status_history (video_id, from_status, to_status, worker_id, attempt, reason)
SELECT video_id, 'PROCESSING', status, %(worker)s, attempts, reason FROM updated
"""


def complete(conn: Conn, outcomes: list[Outcome], worker_id: str) -> int:
    """Move PROCESSING videos to their final status; return how many moved."""
    if not outcomes:
        return 0
    rows = [
        {
            "video_id": str(o.video_id),
            "status": o.status,
            "attempts": o.attempts,
            "duration": o.media.probe.duration_seconds if o.media else None,
            "size": o.media.size_bytes if o.media else None,
            "sha256": o.media.sha256 if o.media else None,
            "probe": o.media.probe.as_json() if o.media else None,
            "reason": o.reason,
        }
        for o in outcomes
    ]
    cursor = conn.execute(_COMPLETE, {"outcomes": json.dumps(rows), "worker": worker_id})
    return cursor.rowcount


def save_checkpoint(conn: Conn, stream: str, shard_id: str, cp: Checkpoint, worker_id: str) -> None:
    """Advance the shard's checkpoint; it never moves backwards and never un-finishes."""
    conn.execute(
        """
        INSERT INTO shard_checkpoints
            (stream_name, shard_id, sequence_number, finished, updated_at, updated_by)
        VALUES (%s, %s, %s::numeric, %s, now(), %s)
        ON CONFLICT (stream_name, shard_id) DO UPDATE SET
            sequence_number = GREATEST(shard_checkpoints.sequence_number,
                                       EXCLUDED.sequence_number),
            finished = shard_checkpoints.finished OR EXCLUDED.finished,
            updated_at = now(),
            updated_by = EXCLUDED.updated_by
        """,
        (stream, shard_id, cp.sequence_number, cp.finished, worker_id),
    )


def read_checkpoint(conn: Conn, stream: str, shard_id: str) -> Checkpoint:
    row = conn.execute(
        "SELECT sequence_number::text, finished FROM shard_checkpoints "
        "WHERE stream_name = %s AND shard_id = %s",
        (stream, shard_id),
    ).fetchone()
    if row is None:
        return Checkpoint(None, False)
    return Checkpoint(None if row[0] is None else str(row[0]), bool(row[1]))
