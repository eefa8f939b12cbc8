-- The pushed run, once: a second push of the same run leaves its row as it was. database_id is
-- the skiptrace database that pushed it (migration 005): the older-run check compares a push
-- only with its own database's runs.
INSERT INTO skiptrace_runs (run_id, as_of, contacts, callable, suppressed, flags, suppressions,
                            code_version, database_id)
SELECT r.run_id, r.as_of,
       (SELECT count(*) FROM st_contacts),
       (SELECT count(*) FROM st_contacts WHERE callable),
       (SELECT count(*) FROM st_contacts WHERE status = 'suppressed'),
       (SELECT count(*) FROM st_flags),
       (SELECT count(*) FROM st_suppressions),
       r.code_version,
       $database_id
FROM st_run r
ON CONFLICT (run_id) DO NOTHING;
