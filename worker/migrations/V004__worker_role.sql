-- The worker runs as this NOLOGIN role (SET ROLE after connecting): it may read and write
-- videos, leases and checkpoints, but only INSERT into the status history.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'streamflix_worker') THEN
        CREATE ROLE streamflix_worker NOLOGIN;
    END IF;
END
$$;

GRANT streamflix_worker TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO streamflix_worker;
GRANT SELECT, INSERT, UPDATE ON videos TO streamflix_worker;
GRANT SELECT, INSERT ON video_status_history TO streamflix_worker;
REVOKE UPDATE, DELETE, TRUNCATE ON video_status_history FROM PUBLIC, streamflix_worker;
GRANT SELECT, INSERT, UPDATE ON shard_leases, shard_checkpoints TO streamflix_worker;
GRANT SELECT ON schema_migrations TO streamflix_worker;
