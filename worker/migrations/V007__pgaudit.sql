-- pgAudit, second half: the cluster parameter group preloads the library and sets
-- pgaudit.role = rds_pgaudit (lib/constructs/database.py); the role must exist and the extension
-- must be created in each database. Order as AWS documents it: the role first, then the
-- extension ("Setting up the pgAudit extension", Aurora user guide; AWS Knowledge Center
-- "rds-postgresql-pgaudit"). Idempotent: roles are cluster-wide and may already exist.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_pgaudit') THEN
        CREATE ROLE rds_pgaudit NOLOGIN;
    END IF;
END
$$;

-- On RDS (rds_superuser exists) the extension is always created: if the library were not
-- preloaded, CREATE EXTENSION fails and so does the migration, loudly. Only a server that does
-- not ship pgaudit at all (plain PostgreSQL, e.g. the local stand-ins) skips it, with a WARNING
-- that the migration runner logs.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_superuser')
       OR EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pgaudit') THEN
        CREATE EXTENSION IF NOT EXISTS pgaudit;
    ELSE
        RAISE WARNING 'pgaudit is not available on this server (not RDS): extension skipped';
    END IF;
END
$$;
