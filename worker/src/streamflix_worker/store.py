"""SQL for jobs and shard progress; every function runs inside the caller's transaction.

Writes are set-based (one statement per GetRecords batch) and guarded by the current status,
so replaying a batch after a crash changes nothing that was already recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Literal, cast
from uuid import UUID

import psycopg

from streamflix_worker.contract import Status
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
    status: Status  # a terminal status (contract.terminal_statuses())
    attempts: int
    media: MediaInfo | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    """How far a shard has been processed; ``finished`` once its end was reached."""

    sequence_number: str | None
    finished: bool


def assert_lease(conn: Conn, stream: str, shard_id: str, worker_id: str) -> str | None:
    """Fence: lock the lease row and fail unless this worker still owns the shard with a lease
    that has not expired; return the worker that asked for it to be handed over, if any."""
    row = conn.execute(
        "SELECT owner, handoff_to, expires_at > now() FROM shard_leases "
        "WHERE stream_name = %s AND shard_id = %s FOR UPDATE",
        (stream, shard_id),
    ).fetchone()
    if row is None or row[0] != worker_id:
        raise LeaseLostError(f"{shard_id} is owned by {row[0] if row else 'nobody'}")
    if not row[2]:  # expired: free for any worker to take, so no longer ours to write with
        raise LeaseLostError(f"{shard_id}: our lease expired")
    return None if row[1] is None else str(row[1])


_INSERT_NEW = """
WITH input AS (
    SELECT * FROM jsonb_to_recordset(%(jobs)s::jsonb) AS x(
        video_id uuid, schema_version integer, title text, creator_id text,
        uploaded_at timestamptz, source_bucket text, source_key text, origin_country text,
        european_work boolean, rights_reference text, age_rating text,
        shard_id text, seq numeric, redrive_id uuid)
), inserted AS (
    INSERT INTO videos (video_id, schema_version, title, creator_id, uploaded_at,
        source_bucket, source_key, origin_country, european_work, rights_reference,
        age_rating, status, claimed_by, source_shard_id, source_sequence)
    SELECT video_id, schema_version, title, creator_id, uploaded_at, source_bucket,
        source_key, origin_country, european_work, rights_reference, age_rating,
        'PROCESSING', %(holder)s, shard_id, seq
    FROM input
    ON CONFLICT (video_id) DO NOTHING
    RETURNING video_id
), history AS (
    INSERT INTO video_status_history
        (video_id, from_status, to_status, worker_id, attempt, reason, redrive_id)
    SELECT i.video_id, NULL, 'RECEIVED', %(worker)s, 0, 'request read from ' || i.shard_id,
        i.redrive_id
    FROM inserted JOIN input i USING (video_id)
    UNION ALL
    SELECT video_id, 'RECEIVED', 'PROCESSING', %(worker)s, 1, NULL, NULL FROM inserted
)
SELECT video_id FROM inserted
"""

_EXISTING = """
SELECT v.video_id, v.status, COALESCE(v.claim_shard_id, v.source_shard_id),
    COALESCE(v.claim_sequence, v.source_sequence)::text, v.claimed_by, v.run,
    ARRAY(SELECT h.redrive_id FROM video_status_history h
          WHERE h.video_id = v.video_id AND h.redrive_id IS NOT NULL),
    ARRAY(SELECT g.redrive_id FROM redrive_grants g WHERE g.video_id = v.video_id),
    v.schema_version, v.title, v.creator_id, v.uploaded_at, v.source_bucket, v.source_key,
    v.origin_country, v.european_work, v.rights_reference, v.age_rating
FROM videos v WHERE v.video_id = ANY(%s::uuid[])
ORDER BY v.video_id
FOR UPDATE OF v
"""

_REDRIVE = """
WITH input AS (
    SELECT * FROM jsonb_to_recordset(%(jobs)s::jsonb) AS x(
        video_id uuid, redrive_id uuid, shard_id text, seq numeric, reason text,
        schema_version integer, title text, creator_id text, uploaded_at timestamptz,
        source_bucket text, source_key text, origin_country text, european_work boolean,
        rights_reference text, age_rating text)
), reopened AS (
    -- the redriven request's content becomes the video's (redrive --latest runs a correction)
    UPDATE videos v SET status = 'PROCESSING', run = v.run + 1, claimed_by = %(holder)s,
        schema_version = i.schema_version, title = i.title, creator_id = i.creator_id,
        uploaded_at = i.uploaded_at, source_bucket = i.source_bucket,
        source_key = i.source_key, origin_country = i.origin_country,
        european_work = i.european_work, rights_reference = i.rights_reference,
        age_rating = i.age_rating,
        claim_shard_id = i.shard_id, claim_sequence = i.seq, attempts = 0,
        unfinished_starts = 0, start_token = NULL, failure_reason = NULL, updated_at = now()
    FROM input i
    WHERE v.video_id = i.video_id AND v.status = 'FAILED'
    RETURNING v.video_id, v.run, i.redrive_id, i.reason
)
INSERT INTO video_status_history
    (video_id, from_status, to_status, worker_id, attempt, reason, run, redrive_id)
SELECT video_id, 'FAILED', 'PROCESSING', %(worker)s, 1, reason, run, redrive_id FROM reopened
"""

_DUPLICATES = """
INSERT INTO video_duplicate_requests
    (video_id, shard_id, sequence_number, status_seen, redrive_id, worker_id, same_content,
     request)
SELECT video_id, shard_id, seq, status_seen, redrive_id, %(worker)s, same_content, request
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(
    video_id uuid, shard_id text, seq numeric, status_seen text, redrive_id uuid,
    same_content boolean, request jsonb)
ON CONFLICT (shard_id, sequence_number) DO NOTHING
"""

# SQLSTATE classes that mean "the database refuses these values": 22 data exception (bad
# text/jsonb/timestamp), 23 integrity constraint violation (CHECK, NOT NULL, FK), 54 program
# limit exceeded (e.g. an index row too large). Anything else (connection, permission, syntax)
# would refuse every record alike and is never blamed on one record.
REFUSAL_SQLSTATE_CLASSES = frozenset({"22", "23", "54"})


def refusal_sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE if ``error`` is the database refusing the values it was given."""
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(error, psycopg.Error) and sqlstate and sqlstate[:2] in REFUSAL_SQLSTATE_CLASSES:
        return str(sqlstate)
    return None


@dataclass(frozen=True)
class Refusal:
    """One record or outcome the database would not store, and what it said."""

    sqlstate: str
    message: str

    @classmethod
    def of(cls, error: psycopg.Error, sqlstate: str) -> Refusal:
        diag = error.diag
        detail = f" ({diag.message_detail})" if diag.message_detail else ""
        return cls(sqlstate, storable(f"{diag.message_primary or error}{detail}")[:500])

    def reason(self, what: str) -> str:
        return f"the database refused {what} (SQLSTATE {self.sqlstate}): {self.message}"


class OutcomesRefusedError(Exception):
    """Raised out of the commit transaction (rolling it back) with the refused outcomes."""

    def __init__(self, refusals: dict[UUID, Refusal]) -> None:
        super().__init__(f"{len(refusals)} outcome(s) refused")
        self.refusals = refusals


def storable(text: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogates (for reasons we compose)."""
    return text.replace("\x00", "\\0").encode("utf-8", "replace").decode("utf-8")


ClaimKind = Literal["new", "resumed", "reclaimed", "redrive", "duplicate"]


@dataclass(frozen=True)
class Claim:
    """What a valid record means for its video.

    ``new``/``resumed``/``redrive``: process it in the batch (``resumed``: a claim a worker
    handed back gracefully); ``reclaimed``: a claim left by a worker that stopped abruptly
    (crash guard); ``duplicate``: the video is in progress elsewhere or done; never processed.
    ``ungranted``: the record carries a redrive marker the operator never recorded (a producer
    wrote it): it re-opens nothing.
    """

    kind: ClaimKind
    status_seen: str | None = None
    ungranted: bool = False
    changed: bool = False  # a duplicate whose content differs from the video's request


NEW = Claim("new")


@dataclass(frozen=True)
class Claims:
    """A batch's claims by sequence number, and the records the database refused."""

    by_sequence: dict[str, Claim]
    refused: dict[str, Refusal]


@dataclass(frozen=True)
class ExistingVideo:
    """A video row as a claim finds it: status, the record that claimed its run, holder."""

    status: str
    claim: tuple[str, str]
    claimed_by: str | None
    redrives: frozenset[UUID]  # redrive ids that already re-opened it (each runs once)
    granted: frozenset[UUID] = frozenset()  # redrive ids the operator recorded for it (V009)
    content: tuple[object, ...] = ()  # the stored request fields (``request_content``)


def _job_row(job: Job) -> dict[str, object]:
    r = job.request
    return {
        "video_id": str(r.video_id),
        "schema_version": r.schema_version,
        "title": r.title,
        "creator_id": r.creator_id,
        "uploaded_at": r.uploaded_at.isoformat(),
        "source_bucket": r.source.bucket,
        "source_key": r.source.key,
        "origin_country": r.content.origin_country,
        "european_work": r.content.european_work,
        "rights_reference": r.content.rights_reference,
        "age_rating": r.content.age_rating,
        "shard_id": job.shard_id,
        "seq": job.sequence_number,
        "redrive_id": str(r.redrive.redrive_id) if r.redrive else None,
    }


def _stored_request(job: Job) -> dict[str, object]:
    """A correction's content as the worker would store it (kept whole, issue 23 item 2)."""
    row = _job_row(job)
    for where in ("shard_id", "seq", "redrive_id"):
        row.pop(where)
    return row


def _insert(conn: Conn, jobs: list[Job], worker_id: str, holder: str) -> set[UUID]:
    rows = json.dumps([_job_row(j) for j in jobs])
    result = conn.execute(_INSERT_NEW, {"jobs": rows, "worker": worker_id, "holder": holder})
    return {cast(UUID, r[0]) for r in result.fetchall()}  # psycopg loads uuid as UUID


def _insert_new(
    conn: Conn, jobs: list[Job], worker_id: str, holder: str
) -> tuple[set[UUID], dict[str, Refusal]]:
    """Insert the batch's new videos in one statement; if the database refuses it, find the
    refused records one by one (savepoints) so the good ones are still stored."""
    try:
        with conn.transaction():
            return _insert(conn, jobs, worker_id, holder), {}
    except psycopg.Error as error:
        if refusal_sqlstate(error) is None:
            raise
    inserted: set[UUID] = set()
    refused: dict[str, Refusal] = {}
    for job in jobs:
        try:
            with conn.transaction():
                inserted |= _insert(conn, [job], worker_id, holder)
        except psycopg.Error as error:
            sqlstate = refusal_sqlstate(error)
            if sqlstate is None:
                raise
            refused[job.sequence_number] = Refusal.of(error, sqlstate)
    return inserted, refused


def request_content(request: ProcessingRequest) -> tuple[object, ...]:
    """What a request says about its video (not the redrive marker), as the videos row holds
    it: two requests for one video with the same content are a replay, else a correction."""
    content = request.content
    return (
        request.schema_version,
        request.title,
        request.creator_id,
        request.uploaded_at,
        request.source.bucket,
        request.source.key,
        content.origin_country,
        content.european_work,
        content.rights_reference,
        content.age_rating,
    )


def _duplicate(status: str, job: Job, existing: ExistingVideo, ungranted: bool = False) -> Claim:
    changed = bool(existing.content) and existing.content != request_content(job.request)
    return Claim("duplicate", status, ungranted=ungranted, changed=changed)


def decide(job: Job, existing: ExistingVideo, holder: str) -> Claim:
    """The rule for a record whose video already exists (one outcome per video).

    A replay of the record that claimed the video resumes it when the claim was handed back
    (``claimed_by`` NULL) or is held by this very process (``holder``: a consumer thread that
    restarted, a claim retried after an unknown COMMIT outcome); only a claim held by another
    process, which stopped abruptly, is ``reclaimed`` and counted by the crash guard.
    A redrive marker re-opens a FAILED video only if the operator's ``redrive`` recorded it in
    ``redrive_grants`` first: the marker is part of the request, so a producer can write one.
    """
    redrive = job.request.redrive
    if existing.status == Status.PROCESSING:
        if existing.claim == (job.shard_id, job.sequence_number):
            ours = existing.claimed_by is None or existing.claimed_by == holder
            return Claim("resumed" if ours else "reclaimed")
        return _duplicate(Status.PROCESSING, job, existing)
    if existing.status == Status.FAILED and redrive and redrive.redrive_id not in existing.redrives:
        if redrive.redrive_id in existing.granted:
            return Claim("redrive")
        return _duplicate(Status.FAILED, job, existing, ungranted=True)
    return _duplicate(existing.status, job, existing)


def _existing(conn: Conn, video_ids: list[UUID]) -> dict[UUID, ExistingVideo]:
    rows = conn.execute(_EXISTING, ([str(v) for v in video_ids],)).fetchall()
    return {
        cast(UUID, r[0]): ExistingVideo(
            status=str(r[1]),
            claim=(str(r[2]), str(r[3])),
            claimed_by=None if r[4] is None else str(r[4]),
            redrives=frozenset(cast(list[UUID], r[6] or [])),
            granted=frozenset(cast(list[UUID], r[7] or [])),
            content=tuple(r[8:18]),
        )
        for r in rows
    }


def _apply(conn: Conn, decided: list[tuple[Job, Claim]], worker_id: str, holder: str) -> None:
    """Write the decisions: take over resumed/reclaimed claims, re-open redriven videos,
    record duplicates (each set-based, skipped when empty)."""
    takeover = [str(j.request.video_id) for j, c in decided if c.kind in ("resumed", "reclaimed")]
    if takeover:
        conn.execute(
            "UPDATE videos SET claimed_by = %s, updated_at = now() "
            "WHERE video_id = ANY(%s::uuid[])",
            (holder, takeover),
        )
    redrives = [
        _stored_request(j)
        | {
            "video_id": str(j.request.video_id),
            "redrive_id": str(j.request.redrive.redrive_id),
            "shard_id": j.shard_id,
            "seq": j.sequence_number,
            "reason": storable(
                f"redrive {j.request.redrive.redrive_id} of dead letter "
                f"{j.request.redrive.dead_letter_id} ({j.request.redrive.error_kind})"
            ),
        }
        for j, c in decided
        if c.kind == "redrive" and j.request.redrive is not None
    ]
    if redrives:
        conn.execute(
            _REDRIVE, {"jobs": json.dumps(redrives), "worker": worker_id, "holder": holder}
        )
    duplicates = [
        {
            "video_id": str(j.request.video_id),
            "shard_id": j.shard_id,
            "seq": j.sequence_number,
            "status_seen": c.status_seen,
            "redrive_id": str(j.request.redrive.redrive_id) if j.request.redrive else None,
            "same_content": not c.changed,
            "request": _stored_request(j) if c.changed else None,
        }
        for j, c in decided
        if c.kind == "duplicate"
    ]
    if duplicates:
        conn.execute(_DUPLICATES, {"rows": json.dumps(duplicates), "worker": worker_id})


def _claim_round(conn: Conn, jobs: list[Job], worker_id: str, holder: str) -> Claims:
    """Claim jobs for distinct videos: insert the new ones, decide for the others."""
    inserted, refused = _insert_new(conn, jobs, worker_id, holder)
    claims = {j.sequence_number: NEW for j in jobs if j.request.video_id in inserted}
    rest = [j for j in jobs if j.sequence_number not in claims and j.sequence_number not in refused]
    if rest:
        # ON CONFLICT waited for any concurrent claim of these ids to commit, so this new
        # statement sees them; FOR UPDATE keeps them ours until this transaction ends.
        existing = _existing(conn, [j.request.video_id for j in rest])
        decided = [(j, decide(j, existing[j.request.video_id], holder)) for j in rest]
        _apply(conn, decided, worker_id, holder)
        claims.update((j.sequence_number, c) for j, c in decided)
    return Claims(claims, refused)


def claim(conn: Conn, jobs: list[Job], worker_id: str, holder: str | None = None) -> Claims:
    """Claim a batch's valid records (``jobs`` in stream order); one outcome per video.

    A new video is recorded RECEIVED -> PROCESSING; a video already in progress elsewhere or
    done makes the record a duplicate (recorded, never processed); a replay of the record that
    claimed a video resumes or reclaims it; a redrive re-opens a FAILED video once. A record the
    database refuses is returned in ``refused`` and the rest of the batch is claimed anyway.
    Each video's first record in the batch is claimed first (``_claim_round``); its further
    records (a replay storm) are decided together (``_claim_later``): one claim per video, one
    bulk insert of the duplicates, not one round per repeat.
    Rows are written in video-id order so that two workers never deadlock on each other.
    ``holder`` (default ``worker_id``) names this process's claims (``config.claim_holder``).
    """
    holder = holder or worker_id
    first: dict[UUID, Job] = {}
    later: list[Job] = []
    for job in jobs:
        if job.request.video_id in first:
            later.append(job)
        else:
            first[job.request.video_id] = job
    # uuid order = PostgreSQL's (big-endian bytes); .int avoids UUID.__lt__ per compare
    ordered = [first[v] for v in sorted(first, key=lambda v: v.int)]
    result = _claim_round(conn, ordered, worker_id, holder)
    if not later:
        return result
    rest = _claim_later(conn, later, worker_id, holder)
    return Claims(result.by_sequence | rest.by_sequence, result.refused | rest.refused)


def _after(existing: ExistingVideo, job: Job, claim: Claim, holder: str) -> ExistingVideo:
    """The video as the batch's next record for it finds it, once ``claim`` is applied."""
    if claim.kind == "redrive" and job.request.redrive is not None:
        return replace(
            existing,
            status=Status.PROCESSING,
            claim=(job.shard_id, job.sequence_number),
            claimed_by=holder,
            redrives=existing.redrives | {job.request.redrive.redrive_id},
        )
    if claim.kind in ("resumed", "reclaimed"):
        return replace(existing, claimed_by=holder)
    return existing


def _claim_later(conn: Conn, later: list[Job], worker_id: str, holder: str) -> Claims:
    """Further records of videos the batch's first records claimed or found: one locking
    read, decisions in stream order (each sees the ones before it), one write per kind."""
    ids = sorted({j.request.video_id for j in later}, key=lambda v: v.int)
    state = _existing(conn, ids)
    decided: list[tuple[Job, Claim]] = []
    missing: list[Job] = []  # the video's first record was refused: no row to decide against
    for job in later:
        existing = state.get(job.request.video_id)
        if existing is None:
            missing.append(job)
            continue
        decision = decide(job, existing, holder)
        decided.append((job, decision))
        state[job.request.video_id] = _after(existing, job, decision, holder)
    _apply(conn, decided, worker_id, holder)
    claims = Claims({j.sequence_number: c for j, c in decided}, {})
    if not missing:
        return claims
    retried = claim(conn, missing, worker_id, holder)
    return Claims(claims.by_sequence | retried.by_sequence, retried.refused)


def mark_start(conn: Conn, video_id: UUID) -> tuple[int, UUID | None]:
    """Count one more start of a reclaimed job; return how many earlier marked starts never
    finished, and this start's token (None if the video is no longer in progress)."""
    row = conn.execute(
        "UPDATE videos SET unfinished_starts = unfinished_starts + 1, "
        "start_token = gen_random_uuid(), updated_at = now() "
        "WHERE video_id = %s AND status = 'PROCESSING' "
        "RETURNING unfinished_starts - 1, start_token",
        (str(video_id),),
    ).fetchone()
    if row is None:
        return 0, None
    return int(str(row[0])), cast(UUID, row[1])


def credit_starts(conn: Conn, marks: list[tuple[UUID, UUID]]) -> None:
    """Take back the marks of starts a shutdown interrupted (they did not crash). Idempotent:
    a mark is taken back only while its token is the video's current one."""
    if marks:
        conn.execute(
            "UPDATE videos v SET unfinished_starts = GREATEST(v.unfinished_starts - 1, 0), "
            "start_token = NULL FROM unnest(%s::uuid[], %s::uuid[]) AS m(video_id, token) "
            "WHERE v.video_id = m.video_id AND v.start_token = m.token "
            "AND v.status = 'PROCESSING'",
            ([str(v) for v, _ in marks], [str(t) for _, t in marks]),
        )


def hand_back(conn: Conn, video_ids: list[UUID]) -> None:
    """Give up claims gracefully (shutdown, handover): the next owner of the shard resumes
    them in its batch instead of treating them as left by a crash."""
    if video_ids:
        conn.execute(
            "UPDATE videos SET claimed_by = NULL "
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
        start_token = NULL, updated_at = now()
    FROM input i
    WHERE v.video_id = i.video_id AND v.status = 'PROCESSING'
    RETURNING v.video_id, v.run, i.status, i.attempts, i.reason
)
INSERT INTO video_status_history
    (video_id, from_status, to_status, worker_id, attempt, reason, run)
SELECT video_id, 'PROCESSING', status, %(worker)s, attempts, reason, run FROM updated
"""


def _outcome_row(o: Outcome) -> dict[str, object]:
    return {
        "video_id": str(o.video_id),
        "status": o.status,
        "attempts": o.attempts,
        "duration": o.media.probe.duration_seconds if o.media else None,
        "size": o.media.size_bytes if o.media else None,
        "sha256": o.media.sha256 if o.media else None,
        "probe": o.media.probe.as_json() if o.media else None,
        "reason": storable(o.reason) if o.reason is not None else None,
    }


def _complete(conn: Conn, outcomes: list[Outcome], worker_id: str) -> int:
    rows = json.dumps([_outcome_row(o) for o in outcomes])
    return conn.execute(_COMPLETE, {"outcomes": rows, "worker": worker_id}).rowcount


def complete(conn: Conn, outcomes: list[Outcome], worker_id: str) -> int:
    """Move PROCESSING videos to their final status; return how many moved.

    If the database refuses the batch's facts (e.g. a probe value a CHECK rejects), each
    outcome is tried alone in a savepoint that is rolled back, and ``OutcomesRefusedError`` names
    the refused ones: it ends the caller's transaction, so the caller can dead-letter them and
    commit again with FAILED outcomes.
    """
    if not outcomes:
        return 0
    try:
        with conn.transaction():
            return _complete(conn, outcomes, worker_id)
    except psycopg.Error as error:
        if refusal_sqlstate(error) is None:
            raise
        batch_error = error
    refusals: dict[UUID, Refusal] = {}
    for outcome in outcomes:
        try:
            with conn.transaction(force_rollback=True):
                _complete(conn, [outcome], worker_id)
        except psycopg.Error as error:
            sqlstate = refusal_sqlstate(error)
            if sqlstate is None:
                raise
            refusals[outcome.video_id] = Refusal.of(error, sqlstate)
    if not refusals:
        raise batch_error
    raise OutcomesRefusedError(refusals)


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
