-- One outcome per video, and a redrive that works.
--
-- * A video is processed only by the record that claimed it (claim_shard_id, claim_sequence):
--   a replay of that record after a crash resumes it; any other record for the same video
--   while it is in progress or done is a duplicate, recorded in video_duplicate_requests and
--   never processed (no second DLQ letter, alert or status change).
-- * A redrive (python -m streamflix_worker redrive) re-opens a FAILED video for one more run:
--   run + 1, a FAILED -> PROCESSING history row carrying the redrive id. Each redrive id is
--   honoured once per video (unique index), so a redriven record delivered twice runs once.
-- * worker_presence: every live worker heartbeats here, so workers that start together share
--   the shards at once instead of the first taking them all and handing half over.
-- * start_token names the marked start in flight (crash guard of V005), so a graceful
--   interruption (SIGTERM, Spot) takes back exactly that start's mark, once.
-- claim_shard_id/claim_sequence: the record that claimed the current run (NULL: the source
-- record, as for every row written before this migration).
ALTER TABLE videos
    ADD COLUMN run             integer NOT NULL DEFAULT 0 CHECK (run >= 0),
    ADD COLUMN claim_shard_id  text,
    ADD COLUMN claim_sequence  numeric,
    ADD COLUMN start_token     uuid;

ALTER TABLE video_status_history
    ADD COLUMN run        integer NOT NULL DEFAULT 0 CHECK (run >= 0),
    ADD COLUMN redrive_id uuid;

-- Each status is still reached at most once per video and run.
ALTER TABLE video_status_history DROP CONSTRAINT video_status_history_video_id_to_status_key;
ALTER TABLE video_status_history
    ADD CONSTRAINT video_status_history_video_run_status_key UNIQUE (video_id, run, to_status);
CREATE UNIQUE INDEX video_status_history_redrive_key
    ON video_status_history (video_id, redrive_id) WHERE redrive_id IS NOT NULL;

-- Requests for a video that was already in progress or done: kept, never processed.
CREATE TABLE video_duplicate_requests (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id         uuid        NOT NULL REFERENCES videos (video_id),
    shard_id         text        NOT NULL,
    sequence_number  numeric     NOT NULL,
    status_seen      text        NOT NULL
        CHECK (status_seen IN ('RECEIVED', 'PROCESSING', 'COMPLETED', 'FAILED')),
    redrive_id       uuid,
    worker_id        text        NOT NULL,
    seen_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (shard_id, sequence_number)  -- a replayed batch records its duplicates once
);

CREATE INDEX video_duplicate_requests_video_idx ON video_duplicate_requests (video_id);

-- The append-only guard of V002 names the table it protects (it now guards two).
CREATE OR REPLACE FUNCTION video_status_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER video_duplicate_requests_no_update_delete
    BEFORE UPDATE OR DELETE ON video_duplicate_requests
    FOR EACH ROW EXECUTE FUNCTION video_status_history_append_only();

CREATE TRIGGER video_duplicate_requests_no_truncate
    BEFORE TRUNCATE ON video_duplicate_requests
    FOR EACH STATEMENT EXECUTE FUNCTION video_status_history_append_only();

GRANT SELECT, INSERT ON video_duplicate_requests TO streamflix_worker;
REVOKE UPDATE, DELETE, TRUNCATE ON video_duplicate_requests FROM PUBLIC, streamflix_worker;

-- Live workers of a stream (renewed with the leases, removed on a clean shutdown, expired
-- after one lease TTL otherwise): the fair share counts every live worker, not only owners.
CREATE TABLE worker_presence (
    stream_name  text        NOT NULL,
    worker_id    text        NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (stream_name, worker_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON worker_presence TO streamflix_worker;
