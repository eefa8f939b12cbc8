-- The newest run already pushed by one database ($database_id; NULL: the runs pushed before the
-- target recorded owners): the latest as-of date, then the latest start (run_id) of that date.
-- A run earlier in that order would roll the platform back (a backfill, an older rerun). Only
-- the pushing database's runs count: another database's run ids and dates say nothing of it.
SELECT run_id, as_of FROM skiptrace_runs
WHERE database_id IS NOT DISTINCT FROM $database_id
ORDER BY as_of DESC, run_id DESC LIMIT 1;
