-- One-time, idempotent database bootstrap, run as a PostgreSQL superuser.
-- Creates the two roles the product uses and the main database:
--   elevate_owner  owns the schema and runs migrations (BYPASSRLS: maintenance only,
--                  never used by the server);
--   elevate_app    the role the server connects as: no superuser, no BYPASSRLS, so
--                  row-level security is always enforced for it.
-- Passwords are development defaults; production sets its own (ALTER ROLE ... PASSWORD).
\set ON_ERROR_STOP on

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'elevate_owner') THEN
    CREATE ROLE elevate_owner LOGIN PASSWORD 'elevate_owner' CREATEDB BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'elevate_app') THEN
    CREATE ROLE elevate_app LOGIN PASSWORD 'elevate_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

-- Enforce the invariants even if the roles pre-existed with other attributes.
ALTER ROLE elevate_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
ALTER ROLE elevate_owner NOSUPERUSER CREATEDB BYPASSRLS;

SELECT 'CREATE DATABASE elevate OWNER elevate_owner'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'elevate') \gexec

\connect elevate
-- Extensions that need more than a database owner may create.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
-- template1 carries them too, so per-test databases created by elevate_owner have them.
\connect template1
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
