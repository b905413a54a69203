-- Append-only audit trail of every status transition (DSA Art. 17/24 style record keeping).
-- Each status is reached at most once per video, so a replayed record can never add a
-- duplicate transition: the unique constraint makes that a hard error, not a silent one.
CREATE TABLE video_status_history (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id     uuid        NOT NULL REFERENCES videos (video_id),
    from_status  text        CHECK (from_status IN ('RECEIVED', 'PROCESSING', 'COMPLETED', 'FAILED')),
    to_status    text        NOT NULL
        CHECK (to_status IN ('RECEIVED', 'PROCESSING', 'COMPLETED', 'FAILED')),
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    worker_id    text        NOT NULL,
    attempt      integer     NOT NULL CHECK (attempt >= 0),
    reason       text,
    UNIQUE (video_id, to_status)
);

CREATE FUNCTION video_status_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'video_status_history is append-only: % rejected', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER video_status_history_no_update_delete
    BEFORE UPDATE OR DELETE ON video_status_history
    FOR EACH ROW EXECUTE FUNCTION video_status_history_append_only();

CREATE TRIGGER video_status_history_no_truncate
    BEFORE TRUNCATE ON video_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION video_status_history_append_only();
