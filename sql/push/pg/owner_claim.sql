-- This database becomes (or stays) the target's owner. Written only when it changes: an owner's
-- own pushes leave the row, and its `since`, as they were.
INSERT INTO skiptrace_owner AS o (singleton, database_id, run_id, since, replaced)
VALUES (true, $database_id, $run_id, now(), NULL)
ON CONFLICT (singleton) DO UPDATE SET
    database_id = EXCLUDED.database_id, run_id = EXCLUDED.run_id, since = now(),
    replaced = o.database_id
WHERE o.database_id <> EXCLUDED.database_id;
