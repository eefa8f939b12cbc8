-- The completed run before $run_id in the published order, (as_of, run_id): the run its
-- delta.csv, worklist and contact shrink check compare with (flows/audit/runs.py
-- previous_completed_run). For a backfill (an as-of date older than a completed run's) that
-- is the last completed run dated before it, not the run that ended last; the night after a
-- backfill compares with the run out/LATEST names, not with the backfill. A run this database
-- does not know (no as-of date to place it) falls back to the start order.
WITH me AS (SELECT as_of, run_id FROM runs WHERE run_id = $run_id)
SELECT p.run_id
FROM runs p
WHERE p.status = 'completed' AND p.run_id <> $run_id
  AND CASE WHEN (SELECT as_of FROM me) IS NULL THEN p.run_id < $run_id
           ELSE p.as_of < (SELECT as_of FROM me)
                OR (p.as_of = (SELECT as_of FROM me) AND p.run_id < $run_id) END
ORDER BY p.as_of DESC NULLS LAST, p.run_id DESC
LIMIT 1;
