-- The newest completed run in the published order (flows/audit/runs.py latest_completed_run):
-- by as-of date, then by start (the run id), as `skiptrace push` orders runs (docs/push.md). A
-- backfill (an older as-of date, started later) is not the newest: out/LATEST and the push stay
-- on the run it follows in time.
SELECT run_id FROM runs
WHERE status = 'completed'
ORDER BY as_of DESC NULLS LAST, run_id DESC
LIMIT 1;
