-- Only the operator may re-open a FAILED video (issue 23 item 4).
--
-- The redrive marker travels in the request, which any producer can write: on its own it proves
-- nothing. The operator's `redrive` command therefore records each redrive here, as its own
-- login, BEFORE it puts the marked record back on the stream, and the worker honours a marker
-- only when a grant with the same redrive_id exists for the same video (each once: the unique
-- index of V008 on the history). The worker may read grants, never write them; producers have
-- no database access at all.
CREATE TABLE redrive_grants (
    redrive_id      uuid        PRIMARY KEY,
    video_id        uuid        NOT NULL,
    dead_letter_id  text        NOT NULL CHECK (length(dead_letter_id) BETWEEN 1 AND 128),
    error_kind      text        NOT NULL CHECK (error_kind ~ '^[a-z_]{1,32}$'),
    granted_by      text        NOT NULL DEFAULT current_user,
    granted_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX redrive_grants_video_idx ON redrive_grants (video_id);

CREATE TRIGGER redrive_grants_no_update_delete
    BEFORE UPDATE OR DELETE ON redrive_grants
    FOR EACH ROW EXECUTE FUNCTION video_status_history_append_only();

CREATE TRIGGER redrive_grants_no_truncate
    BEFORE TRUNCATE ON redrive_grants
    FOR EACH STATEMENT EXECUTE FUNCTION video_status_history_append_only();

-- The operator's login: it may record grants and read them back, nothing else.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'streamflix_operator') THEN
        CREATE ROLE streamflix_operator LOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO streamflix_operator;
GRANT SELECT, INSERT ON redrive_grants TO streamflix_operator;
REVOKE UPDATE, DELETE, TRUNCATE ON redrive_grants FROM PUBLIC, streamflix_operator;
GRANT SELECT ON redrive_grants TO streamflix_worker;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON redrive_grants FROM streamflix_worker;

-- On RDS the operator signs an IAM token (rds-db:connect on dbuser:<cluster resource id>/
-- streamflix_operator in the operator's own identity policy), as the worker does (V006).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO streamflix_operator;
    ELSE
        RAISE NOTICE 'no rds_iam role (not RDS): streamflix_operator keeps password login';
    END IF;
END
$$;
