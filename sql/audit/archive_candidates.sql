-- Runs to archive (flows/audit/archive.py): every ended run (completed, failed, abandoned) older
-- than the oldest of the $keep newest completed runs, not archived yet. The newest completed
-- runs stay whole: the next run's delta and outcome learning read the previous completed run,
-- and explain, review and replay mostly read recent ones. A running run is never archived.
-- The newest completed run by (as_of, run_id), the one out/LATEST names and the next delta
-- follows, is never archived either, even when backfills started after it outnumber $keep.
WITH kept AS (
    SELECT run_id FROM runs WHERE status = 'completed' ORDER BY run_id DESC LIMIT $keep
),
head AS (
    SELECT run_id FROM runs WHERE status = 'completed'
    ORDER BY as_of DESC NULLS LAST, run_id DESC LIMIT 1
)
SELECT r.run_id, r.status, r.as_of
FROM runs r
WHERE r.status IN ('completed', 'failed', 'abandoned')
  AND r.run_id < (SELECT min(run_id) FROM kept)
  AND r.run_id NOT IN (SELECT run_id FROM head)
  AND NOT EXISTS (SELECT 1 FROM run_archives a WHERE a.run_id = r.run_id)
ORDER BY r.run_id;
