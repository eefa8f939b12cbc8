-- The newest run already pushed: the latest as-of date, then the latest start (run_id) of that
-- date. A run earlier in that order would roll the platform back (a backfill, an older rerun).
SELECT run_id, as_of FROM skiptrace_runs ORDER BY as_of DESC, run_id DESC LIMIT 1;
