-- Retention of delta_points (migration 120): only a future delta reads a run's rows, and only
-- those of the run it compares with, so emit keeps the rows of $run_id (a retried emit's delta),
-- of $prev_run_id (the run this delta compares with) and of the newest completed run by
-- (as_of, run_id) (the next night's previous run, whether or not $run_id completes), and
-- deletes every other run's: a failed or abandoned run's, a backfill's once it is not needed,
-- the run of two nights ago. An older run a backfill compares with has no rows left then, and
-- its delta recomputes that run (export_delta.sql), as before migration 120.
CREATE OR REPLACE TEMP TABLE delta_points_stale AS
SELECT h.run_id
FROM delta_point_runs h
WHERE h.run_id <> $run_id AND h.run_id IS DISTINCT FROM $prev_run_id
  AND h.run_id IS DISTINCT FROM (
      SELECT run_id FROM runs WHERE status = 'completed'
      ORDER BY as_of DESC NULLS LAST, run_id DESC LIMIT 1);

DELETE FROM delta_points WHERE run_id IN (SELECT run_id FROM delta_points_stale);

DELETE FROM delta_point_runs WHERE run_id IN (SELECT run_id FROM delta_points_stale);

DROP TABLE delta_points_stale;
