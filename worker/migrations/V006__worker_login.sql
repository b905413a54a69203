-- The worker logs in as streamflix_worker itself instead of the master user + SET ROLE (a
-- session can undo SET ROLE with RESET ROLE). The role keeps exactly the V004 grants.
ALTER ROLE streamflix_worker LOGIN;

-- On Aurora/RDS, membership of rds_iam makes the login accept only IAM auth tokens (signed by
-- the task role, rds-db:connect on dbuser:<cluster resource id>/streamflix_worker). RDS creates
-- rds_iam; a plain PostgreSQL (the local stand-ins) has none, and its login uses a password the
-- stand-ins set. "Creating and using an IAM policy for IAM database access", Amazon RDS guide.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO streamflix_worker;
    ELSE
        RAISE NOTICE 'no rds_iam role (not RDS): streamflix_worker keeps password login';
    END IF;
END
$$;
