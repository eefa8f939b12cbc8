-- Runs to archive (flows/audit/archive.py): every ended run (completed, failed, abandoned) older
-- than the oldest of the $keep newest completed runs, not archived yet. The newest completed
-- runs stay whole: the next run's delta and outcome learning read the previous completed run,
-- and explain, review and replay mostly read recent ones. A running run is never archived.
WITH kept AS (
    SELECT run_id FROM runs WHERE status = 'completed' ORDER BY run_id DESC LIMIT $keep
)
SELECT r.run_id, r.status, r.as_of
FROM runs r
WHERE r.status IN ('completed', 'failed', 'abandoned')
  AND r.run_id < (SELECT min(run_id) FROM kept)
  AND NOT EXISTS (SELECT 1 FROM run_archives a WHERE a.run_id = r.run_id)
ORDER BY r.run_id;
