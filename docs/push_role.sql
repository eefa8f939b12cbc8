-- The least privileges of the role skiptrace pushes with (docs/push.md). Run as the owner of
-- the skiptrace tables, after the first push (or pull) by that owner created them. psql:
--   psql -v db=collections -v password=... -f docs/push_role.sql
-- (tests/flows/exports/test_push.py runs this file against a real server).
CREATE ROLE skiptrace_push LOGIN PASSWORD :'password';
-- connect, and create the push's TEMPORARY staging tables (dropped at commit)
GRANT CONNECT, TEMPORARY ON DATABASE :db TO skiptrace_push;
GRANT USAGE ON SCHEMA public TO skiptrace_push;
-- which PostgreSQL migrations are applied; the collectors' outcomes to read back
GRANT SELECT ON skiptrace_schema_version, contact_outcomes TO skiptrace_push;
-- upserts (INSERT ... ON CONFLICT DO UPDATE reads the row it compares) and retirement; no DELETE
-- (schema version 5: skiptrace_owner, which skiptrace database pushes here)
GRANT SELECT, INSERT, UPDATE
    ON skiptrace_runs, skiptrace_contacts, skiptrace_flags, skiptrace_suppressions,
       skiptrace_owner
    TO skiptrace_push;
-- an older run pushed anyway (--allow-older-run) is recorded (schema version 4)
GRANT INSERT ON skiptrace_rollbacks TO skiptrace_push;
